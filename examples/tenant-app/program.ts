/**
 * A tenant team's program: it knows the platform only through the platform
 * stack's outputs, and deploys one vLLM model into its own namespace, where
 * the platform's quota, network policies and admission policies apply.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuPoolInfo, ModelEndpoint } from "genai-platform";

export interface TenantAppOutputs {
    namespace: string;
    baseUrl: pulumi.Output<string>;
    gatewayUrl: string;
}

export async function main(): Promise<TenantAppOutputs> {
    const config = new pulumi.Config();
    const tenant = config.require("tenant");
    const platform = new pulumi.StackReference("platform", { name: config.require("platformStack") });
    const [namespaces, pools, gatewayUrl] = await Promise.all([
        platform.getOutputValue("tenantNamespaces") as Promise<Record<string, string>>,
        platform.getOutputValue("gpuPools") as Promise<GpuPoolInfo[]>,
        platform.getOutputValue("gatewayUrl") as Promise<string>,
    ]);
    const namespace = namespaces[tenant];
    if (!namespace) throw new Error(`tenant "${tenant}" has no namespace on the platform; tenants: ${Object.keys(namespaces).join(", ")}`);

    const provider = new k8s.Provider("platform", { kubeconfig: platform.requireOutput("kubeconfig"), namespace, enableServerSideApply: true });
    const endpoint = new ModelEndpoint(`${tenant}-model`, {
        cluster: { provider, pools },
        pool: config.require("pool"),
        namespace,
        model: config.require("model"),
        maxModelLen: 8192,
        autoscaling: { minReplicas: 1, maxReplicas: 2 },
    });
    return { namespace, baseUrl: endpoint.baseUrl, gatewayUrl };
}

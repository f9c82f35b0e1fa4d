/**
 * A tenant team's program: it knows the platform only through the platform
 * stack's outputs, and deploys one vLLM model and its LangGraph agent
 * (examples/agent-workflow, built and pushed by the team) into its own
 * namespace, where the platform's quota, network policies and admission
 * policies apply.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AgentPlatformFacts, AgentService, GpuPoolInfo, ModelEndpoint } from "genai-platform";

export interface TenantAppOutputs {
    namespace: string;
    baseUrl: pulumi.Output<string>;
    gatewayUrl: string;
    /** The agent's in-cluster URL. */
    agentUrl: string;
}

export async function main(): Promise<TenantAppOutputs> {
    const config = new pulumi.Config();
    const tenant = config.require("tenant");
    const platform = new pulumi.StackReference("platform", { name: config.require("platformStack") });
    const [namespaces, pools, gatewayUrl, agentPlatform] = await Promise.all([
        platform.getOutputValue("tenantNamespaces") as Promise<Record<string, string>>,
        platform.getOutputValue("gpuPools") as Promise<GpuPoolInfo[]>,
        platform.getOutputValue("gatewayUrl") as Promise<string>,
        platform.getOutputValue("agentPlatform") as Promise<AgentPlatformFacts>,
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
    // The agent calls models through the gateway, with the team's key; its checkpoints go to a database of its own.
    const agent = new AgentService(`${tenant}-agent`, {
        provider,
        tenant,
        namespace,
        image: config.require("agentImage"),
        allowedRegistries: agentPlatform.allowedRegistries,
        models: { ROUTER_MODEL: config.require("routerModel"), ANSWER_MODEL: config.require("answerModel") },
        allowedModels: agentPlatform.tenantModels[tenant] ?? [],
        gateway: agentPlatform.gateway,
        database: agentPlatform.database,
        // Traces go to the platform's collector, which stamps the tenant; the team holds no Langfuse key.
        tracing: agentPlatform.tracing,
    });
    return { namespace, baseUrl: endpoint.baseUrl, gatewayUrl, agentUrl: agent.url };
}

/**
 * A tenant team's program: it knows the platform only through the platform
 * stack's outputs, and deploys one vLLM model and its LangGraph agent
 * (examples/agent-workflow, built and pushed by the team) into its own
 * namespace, where the platform's quota, network policies and admission
 * policies apply.
 *
 * The outputs arrive as Outputs and go straight into the components' args,
 * which validate them once they resolve; `PlatformStackOutputs` types each
 * read, so there is no cast and no await.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AgentService, ModelEndpoint, type PlatformStackOutputs } from "genai-platform";

export interface TenantAppOutputs {
    namespace: pulumi.Output<string>;
    baseUrl: pulumi.Output<string>;
    gatewayUrl: pulumi.Output<string>;
    /** The agent's in-cluster URL. */
    agentUrl: pulumi.Output<string>;
}

export function main(): TenantAppOutputs {
    const config = new pulumi.Config();
    const tenant = config.require("tenant");
    const platform = new pulumi.StackReference("platform", { name: config.require("platformStack") });
    // A StackReference's outputs are untyped; the platform's contract types each one as it is read.
    const output = <K extends keyof PlatformStackOutputs>(key: K) => platform.requireOutput(key).apply((value: PlatformStackOutputs[K]) => value);

    const namespace = output("tenantNamespaces").apply((namespaces) => {
        const found = namespaces[tenant];
        if (!found) throw new Error(`tenant "${tenant}" has no namespace on the platform; tenants: ${Object.keys(namespaces).join(", ")}`);
        return found;
    });
    const provider = new k8s.Provider("platform", { kubeconfig: output("kubeconfig"), namespace, enableServerSideApply: true });
    const endpoint = new ModelEndpoint(`${tenant}-model`, {
        cluster: { pools: output("gpuPools") },
        pool: config.require("pool"),
        namespace,
        model: config.require("model"),
        maxModelLen: 8192,
        autoscaling: { minReplicas: 1, maxReplicas: 2 },
    }, { provider });
    // The agent calls models through the gateway, with the team's key; its checkpoints go to a database of its own.
    const agentPlatform = output("agentPlatform");
    const agent = new AgentService(`${tenant}-agent`, {
        tenant,
        namespace,
        image: config.require("agentImage"),
        allowedRegistries: agentPlatform.allowedRegistries,
        models: { ROUTER_MODEL: config.require("routerModel"), ANSWER_MODEL: config.require("answerModel") },
        allowedModels: agentPlatform.tenantModels.apply((models) => models[tenant] ?? []),
        gateway: agentPlatform.gateway,
        database: agentPlatform.database,
        // Traces go to the platform's collector, which stamps the tenant; the team holds no Langfuse key.
        tracing: agentPlatform.tracing,
    }, { provider });
    return { namespace, baseUrl: endpoint.baseUrl, gatewayUrl: output("gatewayUrl"), agentUrl: agent.url };
}

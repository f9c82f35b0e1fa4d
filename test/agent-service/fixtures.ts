/** Shared args of the AgentService suites: only plain stack outputs, as a tenant program has them. */
import * as k8s from "@pulumi/kubernetes";
import { AgentService, KnownAgentServiceArgs } from "../../components/agent-service";
import { RecordedResource, runWithMocks } from "../../plan/recorder";
import { GATEWAY, MODELS } from "../tenant-namespace/fixtures";

export const IMAGE = "ghcr.io/acme/research-assistant:1.4.2";
export const RDS_HOST = "genai-dev-gateway-db.abc123.eu-west-1.rds.amazonaws.com";
/** The platform's OTel collector as `ObservabilityStack.collector` gives it (namespace `observability`). */
export const COLLECTOR = {
    endpoint: "http://otel-collector.observability.svc.cluster.local:4318",
    namespace: "observability",
    podLabels: { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": "otel-collector" },
    port: 4318,
};

/** AgentService args without the provider. */
export function agentArgs(overrides: Partial<KnownAgentServiceArgs> = {}): KnownAgentServiceArgs {
    return {
        tenant: "research",
        image: IMAGE,
        models: { ROUTER_MODEL: "llama-3.1-8b", ANSWER_MODEL: "gpt-4o" },
        allowedModels: ["llama-3.1-8b", "gpt-4o"],
        gateway: { namespace: GATEWAY.namespace, serviceName: GATEWAY.serviceName, port: GATEWAY.port, podLabels: GATEWAY.podLabels },
        database: {
            host: RDS_HOST,
            cidrs: ["10.0.64.0/19", "10.0.96.0/19"],
            adminSecret: { namespace: GATEWAY.namespace, name: "gateway-env", key: "DATABASE_URL" },
        },
        tracing: COLLECTOR,
        ...overrides,
    };
}

export { MODELS };

/** Deploys one AgentService named `name` under mocks, the provider as a resource option. */
export async function deployAgent(name = "assistant", overrides: Partial<KnownAgentServiceArgs> = {}): Promise<{ resources: RecordedResource[]; agent: AgentService }> {
    const run = await runWithMocks(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        return new AgentService(name, agentArgs(overrides), { provider });
    });
    return { resources: run.resources, agent: run.result };
}

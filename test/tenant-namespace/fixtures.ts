/** Shared args and helpers of the TenantNamespace suites: only plain stack outputs, as a tenant program has them. */
import * as k8s from "@pulumi/kubernetes";
import { GatewayConnection, KnownTenantNamespaceArgs, TenantNamespace, TenantPoolInfo, TenantSpec } from "../../components/tenant-namespace";
import { rejectedWith } from "../harness";
import { RecordedResource, runWithMocks } from "../../plan/recorder";

export const POOLS: TenantPoolInfo[] = [
    { name: "shared-l4", gpuLimit: 8 },
    { name: "big-h100", gpuLimit: 16 },
];

export const GATEWAY: GatewayConnection = {
    namespace: "llm-gateway",
    serviceName: "gateway",
    port: 4000,
    masterKeySecret: { name: "gateway-env", key: "LITELLM_MASTER_KEY" },
    podLabels: { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/instance": "gateway" },
};

export const MODELS = ["llama-3.1-8b", "qwen-2.5-32b", "gpt-4o"];

export const ROLE_ARN = "arn:aws:iam::123456789012:role/research-engineers";
export const VIEWER_ARN = "arn:aws:iam::123456789012:user/auditor";

/** A tenant using most features. */
export const RESEARCH: TenantSpec = {
    name: "research",
    gpuQuota: 6,
    gpuPools: ["shared-l4"],
    quota: { cpuRequests: "32", cpuLimits: "64", memoryRequests: "256Gi", memoryLimits: "256Gi", pods: 40, services: 10, persistentVolumeClaims: 8, storage: "2Ti" },
    containerDefaults: { cpuRequest: "250m", memoryRequest: "512Mi", cpuLimit: "2", memoryLimit: "2Gi" },
    principals: [{ arn: ROLE_ARN }, { arn: VIEWER_ARN, access: "view" }],
    team: { maxBudgetUsd: 500, budgetDuration: "30d", tpm: 200000, rpm: 600, models: ["llama-3.1-8b", "gpt-4o"] },
    allowIngressFrom: [{ namespace: "ingress-nginx", podLabels: { "app.kubernetes.io/name": "ingress-nginx" } }, { namespace: "observability" }],
    egress: [{ cidr: "10.0.128.0/20" }],
    tags: { owner: "research", "cost-center": "cc-42" },
};

/** What the team-sync Job sends LiteLLM for RESEARCH (`/team/new` and `/team/update`). */
export const RESEARCH_TEAM_REQUEST = {
    team_id: "research",
    team_alias: "research",
    max_budget: 500,
    budget_duration: "30d",
    tpm_limit: 200000,
    rpm_limit: 600,
    models: ["llama-3.1-8b", "gpt-4o"],
    model_aliases: {},
    metadata: { "managed-by": "genai-platform", namespace: "research" },
};

/** The smallest tenant: CPU only, defaults everywhere. */
export const WEB: TenantSpec = { name: "web", gpuPools: [], team: { maxBudgetUsd: 50 } };

export function tenantArgs(provider: k8s.Provider, spec: TenantSpec, overrides: Partial<KnownTenantNamespaceArgs> = {}): KnownTenantNamespaceArgs {
    return { ...spec, provider, clusterName: "genai-dev", pools: POOLS, gateway: GATEWAY, knownModels: MODELS, ...overrides };
}

/** Deploys tenants under mocks, each as `new TenantNamespace(spec.name, ...)` with the provider as a resource option. */
export async function deploy(...specs: TenantSpec[]): Promise<RecordedResource[]> {
    const run = await runWithMocks(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        for (const spec of specs) new TenantNamespace(spec.name, { ...tenantArgs(provider, spec), provider: undefined }, { provider });
    });
    return run.resources;
}

/** Constructs a TenantNamespace that must be rejected; returns the message and the types registered besides the provider. */
export function rejected(args: (provider: k8s.Provider) => KnownTenantNamespaceArgs, name = "research") {
    return rejectedWith((provider) => new TenantNamespace(name, args(provider)));
}

export { validationMessage as expected } from "../harness";

/** The one recorded Kubernetes object of `kind` named `name` in `namespace`. */
export function object(resources: readonly RecordedResource[], kind: string, name: string, namespace?: string): Record<string, any> {
    const found = resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind && r.inputs.metadata?.name === name && r.inputs.metadata?.namespace === namespace);
    if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace}/${name}; found ${found.length}`);
    return found[0].inputs;
}

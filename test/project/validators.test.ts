/**
 * One concept, one verdict: every component field that takes a value of a
 * concept (a Secret name, a Secret key, a StorageClass name, a Prometheus
 * duration) accepts exactly what the shared predicate in
 * components/internal/validators.ts accepts, and the predicate accepts what
 * the real system does. Before validators.ts the components kept copies of
 * these patterns that drifted apart (see CHANGELOG 0.2.0).
 */
import assert from "node:assert/strict";
import type * as k8s from "@pulumi/kubernetes";
import { validateAgentServiceArgs } from "../../components/agent-service/args";
import { validateLlmGatewayArgs } from "../../components/llm-gateway/args";
import { parseQuantity } from "../../components/internal/quantity";
import { validateModelEndpointArgs } from "../../components/model-endpoint/args";
import { validateObservabilityStackArgs } from "../../components/observability-stack/args";
import { validateTenantNamespaceArgs } from "../../components/tenant-namespace/args";
import { isDnsSubdomain, isHttpUrl, isPrometheusDuration, isSecretKey } from "../../components/internal/validators";
import { problemLines } from "../harness";
import { agentArgs } from "../agent-service/fixtures";
import { CLUSTER_NAME, POOLS as ENDPOINT_POOLS } from "../model-endpoint/fixtures";
import { minimalArgs as gatewayArgs } from "../llm-gateway/fixtures";
import { minimalArgs } from "../observability-stack/fixtures";
import { GATEWAY, tenantArgs, WEB } from "../tenant-namespace/fixtures";

const PROVIDER = {} as k8s.Provider;

/** A field of one component and how to validate a value there: the problem lines at that field. */
interface Field {
    name: string;
    problemsAt: (value: string) => string[];
}

function at(path: string, validate: () => unknown): string[] {
    return problemLines(validate).filter((line) => line.startsWith(`${path}: `));
}

const endpoint = (extra: Record<string, unknown>) => () =>
    validateModelEndpointArgs("llama", { pool: "l4", namespace: "models", model: "meta-llama/Llama-3.1-8B-Instruct", cluster: { provider: PROVIDER, pools: ENDPOINT_POOLS, clusterName: CLUSTER_NAME }, ...extra });

const SECRET_NAME_FIELDS: Field[] = [
    { name: "ModelEndpoint hfTokenSecret.name", problemsAt: (v) => at("hfTokenSecret.name", endpoint({ hfTokenSecret: { name: v } })) },
    { name: "AgentService keySecret.name", problemsAt: (v) => at("keySecret.name", () => validateAgentServiceArgs("assistant", { provider: PROVIDER, ...agentArgs({ keySecret: { name: v, key: "api-key" } }) })) },
    {
        name: "AgentService database.adminSecret.name",
        problemsAt: (v) => at("database.adminSecret.name", () => validateAgentServiceArgs("assistant", { provider: PROVIDER, ...agentArgs({ database: { ...agentArgs().database, adminSecret: { namespace: "llm-gateway", name: v, key: "DATABASE_URL" } } }) })),
    },
    { name: "TenantNamespace gateway.masterKeySecret.name", problemsAt: (v) => at("gateway.masterKeySecret.name", () => validateTenantNamespaceArgs("web", tenantArgs(PROVIDER, WEB, { gateway: { ...GATEWAY, masterKeySecret: { name: v, key: "LITELLM_MASTER_KEY" } } }))) },
];

const SECRET_KEY_FIELDS: Field[] = [
    { name: "ModelEndpoint hfTokenSecret.key", problemsAt: (v) => at("hfTokenSecret.key", endpoint({ hfTokenSecret: { name: "hf", key: v } })) },
    { name: "AgentService keySecret.key", problemsAt: (v) => at("keySecret.key", () => validateAgentServiceArgs("assistant", { provider: PROVIDER, ...agentArgs({ keySecret: { name: "llm-gateway-key", key: v } }) })) },
    { name: "TenantNamespace gateway.masterKeySecret.key", problemsAt: (v) => at("gateway.masterKeySecret.key", () => validateTenantNamespaceArgs("web", tenantArgs(PROVIDER, WEB, { gateway: { ...GATEWAY, masterKeySecret: { name: "gateway-env", key: v } } }))) },
];

const STORAGE_CLASS_FIELDS: Field[] = [
    { name: "ModelEndpoint cacheVolume.storageClassName", problemsAt: (v) => at("cacheVolume.storageClassName", endpoint({ cacheVolume: { storageClassName: v } })) },
    { name: "ObservabilityStack prometheus.storageClassName", problemsAt: (v) => at("prometheus.storageClassName", () => validateObservabilityStackArgs("obs", minimalArgs(PROVIDER, { prometheus: { storageClassName: v } }))) },
];

const PROMETHEUS_DURATION_FIELDS: Field[] = [
    { name: "ModelEndpoint monitoring.scrapeInterval", problemsAt: (v) => at("monitoring.scrapeInterval", endpoint({ monitoring: { scrapeInterval: v } })) },
    { name: "ObservabilityStack prometheus.retention", problemsAt: (v) => at("prometheus.retention", () => validateObservabilityStackArgs("obs", minimalArgs(PROVIDER, { prometheus: { retention: v } }))) },
    { name: "ObservabilityStack alerts.gpuPendingFor", problemsAt: (v) => at("alerts.gpuPendingFor", () => validateObservabilityStackArgs("obs", minimalArgs(PROVIDER, { alerts: { gpuPendingFor: v } }))) },
];

const gateway = (extra: Record<string, unknown>) => () => validateLlmGatewayArgs("gateway", { ...gatewayArgs(PROVIDER), ...extra });

const HTTP_URL_FIELDS: Field[] = [
    { name: "ModelEndpoint autoscaling.serverAddress", problemsAt: (v) => at("autoscaling.serverAddress", endpoint({ autoscaling: { serverAddress: v } })) },
    { name: "LlmGateway langfuse.host", problemsAt: (v) => at("langfuse.host", gateway({ langfuse: { host: v, publicKey: "pk-lf-1", secretKey: "sk-lf-1" } })) },
    { name: "ObservabilityStack langfuse.publicUrl", problemsAt: (v) => at("langfuse.publicUrl", () => validateObservabilityStackArgs("obs", minimalArgs(PROVIDER, { langfuse: { publicUrl: v } }))) },
];

const QUANTITY_FIELDS: Field[] = [
    { name: "LlmGateway resources.cpuLimit", problemsAt: (v) => at("resources.cpuLimit", gateway({ resources: { cpuLimit: v } })) },
    { name: "TenantNamespace quota.cpuLimits", problemsAt: (v) => at("quota.cpuLimits", () => validateTenantNamespaceArgs("web", tenantArgs(PROVIDER, { ...WEB, quota: { cpuLimits: v } }))) },
    { name: "AgentService resources.memory", problemsAt: (v) => at("resources.memory", () => validateAgentServiceArgs("assistant", { provider: PROVIDER, ...agentArgs({ resources: { memory: v } }) })) },
];

/**
 * Values with the verdict of the system that reads them: the API server's
 * IsDNS1123Subdomain and IsConfigMapKey (kubernetes/apimachinery
 * pkg/util/validation/validation.go: a key matches `[-._a-zA-Z0-9]+`, is at
 * most 253 characters and is not `.`, `..` or `..`-prefixed), and the
 * prometheus-operator CRDs' duration pattern (kube-prometheus-stack 88.5.3
 * crd-servicemonitors.yaml `interval`), zero excluded.
 */
const CONCEPTS: { concept: string; predicate: (v: unknown) => boolean; fields: Field[]; accepted: string[]; refused: string[] }[] = [
    {
        concept: "a Secret name (DNS-1123 subdomain)",
        predicate: isDnsSubdomain,
        fields: SECRET_NAME_FIELDS,
        accepted: ["gateway-env", "llm.gateway-key", `${"a".repeat(63)}.${"b".repeat(63)}`],
        refused: ["a..b", "a.-b", "-a", "Gateway", `${"a.".repeat(127)}a`],
    },
    {
        concept: "a StorageClass name (DNS-1123 subdomain)",
        predicate: isDnsSubdomain,
        fields: STORAGE_CLASS_FIELDS,
        accepted: ["gp3", "efs.csi-sc"],
        refused: ["gp3..fast", "gp3.-x", "GP3"],
    },
    {
        concept: "a Secret key",
        predicate: isSecretKey,
        fields: SECRET_KEY_FIELDS,
        accepted: ["token", "api-key.v1", ".dotfile", "A_B"],
        refused: [".", "..", "..data", "a/b", "x".repeat(254)],
    },
    {
        concept: "a Prometheus duration",
        predicate: isPrometheusDuration,
        fields: PROMETHEUS_DURATION_FIELDS,
        accepted: ["15s", "1m30s", "2h", "1w2d"],
        refused: ["0s", "0h0m", "", "15", "1.5m", "15 s"],
    },
    {
        // WHATWG URL parsing (Node's URL), http or https, and nothing a base URL must not carry:
        // credentials (they would sit in plain env and Deployment specs), a query or a fragment.
        concept: "an http(s) base URL",
        predicate: isHttpUrl,
        fields: HTTP_URL_FIELDS,
        accepted: ["http://prometheus.monitoring.svc.cluster.local:9090", "https://langfuse.example.com", "http://10.0.0.5:3000/base"],
        refused: ["http://user:pw@prometheus:9090", "http://prometheus:9090/?step=1", "https://langfuse.example.com/#x", "ftp://prometheus", "prometheus:9090", ""],
    },
    {
        // Kubernetes' resource.Quantity syntax (quantity.ts, after apimachinery pkg/api/resource).
        concept: "a Kubernetes quantity",
        predicate: (v) => parseQuantity(v) !== undefined && (parseQuantity(v) ?? 0) > 0,
        fields: QUANTITY_FIELDS,
        accepted: ["500m", "2", "0.5", ".5", "1e3", "1Pi", "64Gi"],
        refused: ["1 cpu", "abc", "1.2.3", "-1"],
    },
];

describe("validators.ts: one concept, one verdict", () => {
    for (const { concept, predicate, fields, accepted, refused } of CONCEPTS) {
        describe(concept, () => {
            it("the predicate agrees with the real system", () => {
                assert.deepEqual(accepted.filter((v) => !predicate(v)), [], "refused by the predicate");
                assert.deepEqual(refused.filter((v) => predicate(v)), [], "accepted by the predicate");
            });
            for (const field of fields) {
                it(`${field.name} accepts and refuses what the predicate does`, () => {
                    const disagreements = [...accepted, ...refused]
                        .filter((v) => (field.problemsAt(v).length === 0) !== predicate(v))
                        .map((v) => `${JSON.stringify(v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v)}: ${predicate(v) ? "refused, though valid" : "accepted, though invalid"}`);
                    assert.deepEqual(disagreements, []);
                });
            }
        });
    }
});

import assert from "node:assert/strict";
import { gpuManagedNamespaces } from "../../policies/stack/gpu-managed-namespaces";
import { gpuQuotaWithinPoolLimits } from "../../policies/stack/gpu-quota-within-pool-limits";
import { modelEndpointsRouted } from "../../policies/stack/model-endpoints-routed";
import { prodDeploymentsHavePdb } from "../../policies/stack/prod-deployments-have-pdb";
import { prodStatefulResourcesProtected } from "../../policies/stack/prod-stateful-resources-protected";
import { tenantIsolation } from "../../policies/stack/tenant-isolation";
import { container, deployment, k8s, messages, resource, violations } from "./helpers";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const QUOTA = "kubernetes:core/v1:ResourceQuota";

const namespace = (name: string, labels: Record<string, string> = {}) => resource(NAMESPACE, k8s(name, undefined, {}, labels), { name });
const gpuPod = (pool = "l4") => ({
    containers: [container("vllm", { resources: { requests: { cpu: "4", memory: "32Gi" }, limits: { memory: "32Gi", "nvidia.com/gpu": "1" } } })],
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    nodeSelector: { "genai-platform.io/pool": pool },
});
const nodePool = (name: string, gpus: number) =>
    resource("kubernetes:karpenter.sh/v1:NodePool", k8s(name, undefined, {
        spec: { template: { metadata: { labels: { "genai-platform.io/pool": name } } }, limits: { "nvidia.com/gpu": String(gpus) }, disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "10m" } },
    }), { name: `pool-${name}` });
const gpuQuota = (ns: string, gpus: string | number, name = `${ns}-quota`) => resource(QUOTA, k8s(name, ns, { spec: { hard: { "requests.nvidia.com/gpu": gpus, "requests.cpu": "64" } } }), { name });
const tenantNamespace = (name: string, pools: string) => namespace(name, { "genai-platform.io/tenant": name, "genai-platform.io/managed": "true", "genai-platform.io/gpu-pools": pools });

describe("policies: the platform across the stack", () => {
    describe("gpu-workloads-in-managed-namespaces", () => {
        it("passes GPU workloads in managed namespaces (labelled, or configured) and CPU workloads anywhere", async () => {
            const stack = [
                namespace("team-a", { "genai-platform.io/managed": "true" }),
                resource(DEPLOYMENT, deployment("llama", "team-a", gpuPod())),
                resource(DEPLOYMENT, deployment("batch", "research", gpuPod())),
                resource(DEPLOYMENT, deployment("web", "default", { containers: [container()] })),
            ];
            assert.deepEqual(await messages(gpuManagedNamespaces, stack, { managedNamespaces: ["research"] }), []);
        });

        it("finds the namespace through a computed name, and reports unmanaged ones", async () => {
            const autoNamed = resource(NAMESPACE, { metadata: { labels: { "genai-platform.io/managed": "true" } } }, { name: "auto" });
            const inAuto = resource(DEPLOYMENT, { ...deployment("ok", "ignored", gpuPod()), metadata: { name: "ok" } }, { propertyDependencies: { metadata: [autoNamed.urn] } });
            const stack = [autoNamed, inAuto, namespace("sandbox"), resource(DEPLOYMENT, deployment("rogue", "sandbox", gpuPod()), { name: "rogue" }), resource("kubernetes:core/v1:Pod", k8s("p", undefined, { spec: gpuPod() }), { name: "p" })];
            assert.deepEqual(await messages(gpuManagedNamespaces, stack), [
                'Deployment "rogue" requests GPUs in namespace "sandbox", which the platform does not manage; deploy it into a TenantNamespace (labelled genai-platform.io/managed: "true") or add the namespace to managedNamespaces.',
                'Pod "p" requests GPUs in namespace "default", which the platform does not manage; deploy it into a TenantNamespace (labelled genai-platform.io/managed: "true") or add the namespace to managedNamespaces.',
            ]);
        });
    });

    describe("gpu-quota-within-pool-limits", () => {
        const pools = () => [nodePool("l4", 8), nodePool("a10g", 4)];

        it("passes quotas that fit their pools, a multi-pool namespace counting against the pools' combined limit", async () => {
            const stack = [...pools(), tenantNamespace("team-a", "l4"), gpuQuota("team-a", 6), tenantNamespace("team-b", "l4, a10g"), gpuQuota("team-b", "6")];
            assert.deepEqual(await messages(gpuQuotaWithinPoolLimits, stack), []);
        });

        it("reports oversubscribed pool sets, unless the factor allows it; a namespace's tightest quota counts", async () => {
            const stack = [
                ...pools(),
                tenantNamespace("team-a", "l4"),
                gpuQuota("team-a", 6),
                gpuQuota("team-a", 16, "team-a-loose"),
                tenantNamespace("team-b", "l4,a10g"),
                gpuQuota("team-b", 6),
                tenantNamespace("team-c", "l4"),
                gpuQuota("team-c", 4),
            ];
            assert.deepEqual(await messages(gpuQuotaWithinPoolLimits, stack), [
                "Tenant GPU quotas on pool(s) l4 total 10 GPUs, more than 1 × their limit of 8 (l4: 8): team-a (6), team-c (4). Lower the quotas, raise the pools' nvidia.com/gpu limits, or allow more oversubscription.",
                "Tenant GPU quotas on pool(s) a10g, l4 total 16 GPUs, more than 1 × their limit of 12 (a10g: 4, l4: 8): team-a (6), team-b (6), team-c (4). Lower the quotas, raise the pools' nvidia.com/gpu limits, or allow more oversubscription.",
            ]);
            assert.deepEqual(await messages(gpuQuotaWithinPoolLimits, stack, { oversubscriptionFactor: 1.5 }), []);
        });

        it("reports quotas it cannot place: no pool label, an unknown pool, a malformed count", async () => {
            const stack = [...pools(), namespace("loose"), gpuQuota("loose", 2), tenantNamespace("team-x", "h100,l4"), gpuQuota("team-x", "two")];
            const found = await violations(gpuQuotaWithinPoolLimits, stack);
            assert.deepEqual(
                found.map((v) => [v.resourceName, v.message]),
                [
                    ["loose-quota", 'GPU quota in namespace "loose" is not tied to a GPU pool, so it cannot be checked against pool limits; label the namespace (declared in this stack) genai-platform.io/gpu-pools: "<pool>[,<pool>]".'],
                    ["team-x-quota", 'ResourceQuota "team-x-quota" requests.nvidia.com/gpu is "two"; expected a whole number of GPUs.'],
                    ["team-x", 'Namespace "team-x" draws GPUs from pool(s) h100, which no NodePool in this stack defines (pools: l4, a10g).'],
                ],
            );
        });
    });

    describe("model-endpoints-routed", () => {
        const gateway = (yaml: string) => resource("kubernetes:core/v1:ConfigMap", k8s("litellm-config", "gateway", { data: { "config.yaml": yaml } }, { "app.kubernetes.io/name": "litellm" }), { name: "litellm-config" });
        const ROUTES = [
            "model_list:",
            "  - model_name: llama",
            "    litellm_params: { model: hosted_vllm/llama-3-8b, api_base: http://llama.team-a.svc.cluster.local:8000/v1 }",
            "  - model_name: gpt",
            "    litellm_params: { model: openai/gpt-4o }",
        ].join("\n");
        const endpoint = resource("genai-platform:index:ModelEndpoint", {}, { name: "llama", outputs: { servedModelName: "llama-3-8b" } });

        it("passes when every served model has a hosted_vllm route", async () => {
            assert.deepEqual(await messages(modelEndpointsRouted, [endpoint, gateway(ROUTES)]), []);
        });

        it("reports unrouted endpoints (component or labelled Deployment) and unreadable gateway configs", async () => {
            const qwen = resource(DEPLOYMENT, deployment("qwen", "team-b", gpuPod(), { "genai-platform.io/served-model": "qwen-2" }), { name: "qwen" });
            assert.deepEqual(await messages(modelEndpointsRouted, [endpoint, qwen, gateway(ROUTES)]), [
                'Model "qwen-2" (qwen) is served but no gateway routes hosted_vllm/qwen-2; add it to the LlmGateway\'s routes.',
            ]);
            assert.deepEqual(await messages(modelEndpointsRouted, [endpoint]), ['Model "llama-3-8b" (llama) is served but the stack declares no LiteLLM gateway config; add it to the LlmGateway\'s routes.']);
            assert.deepEqual(await messages(modelEndpointsRouted, [endpoint, gateway("model_list: [")]), [
                'Gateway ConfigMap "litellm-config" data["config.yaml"] is not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 14), so its routes cannot be checked.',
                'Model "llama-3-8b" (llama) is served but no gateway routes hosted_vllm/llama-3-8b; add it to the LlmGateway\'s routes.',
            ]);
        });
    });

    describe("tenant-namespaces-isolated", () => {
        const DENY_ALL = { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
        const isolation = (ns: string, networkPolicy = DENY_ALL) => [
            resource(QUOTA, k8s("quota", ns, { spec: { hard: { "requests.cpu": "8" } } })),
            resource("kubernetes:core/v1:LimitRange", k8s("limits", ns, { spec: { limits: [] } })),
            resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", k8s("default-deny", ns, networkPolicy)),
        ];

        it("passes a tenant namespace with quota, limit range and default-deny policy", async () => {
            assert.deepEqual(await messages(tenantIsolation, [tenantNamespace("team-a", "l4"), ...isolation("team-a"), namespace("shared")]), []);
        });

        it("lists what each tenant namespace lacks; a policy with rules is not default-deny", async () => {
            const allowsIngress = { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ namespaceSelector: {} }] }] } };
            const stack = [tenantNamespace("team-a", "l4"), ...isolation("team-a", allowsIngress), tenantNamespace("team-b", "l4"), ...isolation("team-c")];
            assert.deepEqual(await messages(tenantIsolation, stack), [
                'Tenant namespace "team-a" lacks a default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules).',
                'Tenant namespace "team-b" lacks a ResourceQuota, a LimitRange, a default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules).',
            ]);
        });
    });

    describe("prod-deployments-have-pdb", () => {
        const pdb = (ns: string, selector: object) => resource("kubernetes:policy/v1:PodDisruptionBudget", k8s("pdb", ns, { spec: { maxUnavailable: 1, selector } }));

        it("passes Deployments covered by a PDB in their namespace, and any Deployment outside production", async () => {
            const stack = [resource(DEPLOYMENT, deployment("api", "team-a", { containers: [container()] })), pdb("team-a", { matchExpressions: [{ key: "app", operator: "In", values: ["api", "web"] }] })];
            assert.deepEqual(await messages(prodDeploymentsHavePdb, stack), []);
            assert.deepEqual(await messages(prodDeploymentsHavePdb, [resource(DEPLOYMENT, deployment("api", "team-a", { containers: [container()] }))], { environment: "dev" }), []);
        });

        it("reports Deployments whose PDB is elsewhere or selects other pods", async () => {
            const stack = [resource(DEPLOYMENT, deployment("api", "team-a", { containers: [container()] })), pdb("team-b", { matchLabels: { app: "api" } }), pdb("team-a", { matchLabels: { app: "web" } })];
            assert.deepEqual(await messages(prodDeploymentsHavePdb, stack), [
                'Deployment "api" in namespace "team-a" has no PodDisruptionBudget selecting its pods; add one (minAvailable or maxUnavailable) whose selector matches the pod template labels.',
            ]);
        });
    });

    describe("prod-stateful-resources-protected", () => {
        it("accepts protect, RDS deletion protection and an ElastiCache final snapshot; ignores dev", async () => {
            const stack = [
                resource("aws:s3/bucket:Bucket", {}, { protect: true }),
                resource("aws:kms/key:Key", {}, { protect: true }),
                resource("aws:rds/instance:Instance", { deletionProtection: true }),
                resource("aws:elasticache/replicationGroup:ReplicationGroup", { finalSnapshotIdentifier: "final" }),
            ];
            assert.deepEqual(await messages(prodStatefulResourcesProtected, stack), []);
            assert.deepEqual(await messages(prodStatefulResourcesProtected, [resource("aws:s3/bucket:Bucket", {})], { environment: "dev" }), []);
        });

        it("reports unprotected state; retainOnDelete is invisible to CrossGuard", async () => {
            const retained = { ...resource("aws:s3/bucketV2:BucketV2", {}, { name: "events" }), retainOnDelete: true };
            const stack = [retained, resource("aws:rds/cluster:Cluster", { deletionProtection: false }, { name: "aurora" }), resource("aws:kms/key:Key", {}, { name: "secrets" })];
            assert.deepEqual(await messages(prodStatefulResourcesProtected, stack), [
                'S3 bucket "events" is not protected from deletion; set the protect resource option.',
                'RDS cluster "aurora" is not protected from deletion; set the protect resource option (or deletionProtection: true).',
                'KMS key "secrets" is not protected from deletion; set the protect resource option.',
            ]);
        });
    });
});

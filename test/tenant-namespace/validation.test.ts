import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { ValidationError } from "../../components/internal/errors";
import { DNS_LABEL_RULE } from "../../components/internal/naming";
import { QUANTITY_RULE } from "../../components/internal/quantity";
import { GPU_POOLS_LABEL, KnownTenantNamespaceArgs, TenantNamespace, TenantSpec, validateTenants } from "../../components/tenant-namespace";
import { runWithMocks, valueOf } from "../../plan/recorder";
import { expected, GATEWAY, MODELS, object, POOLS, rejected, RESEARCH, ROLE_ARN, tenantArgs, WEB } from "./fixtures";

const RESERVED = "expected a namespace the platform does not use (not default, kube-system, kube-node-lease, kube-public, karpenter, gpu-operator, kyverno, keda, lws-system, efa-device-plugin, llm-gateway)";
const POOL_RULE = "expected one of the cluster's GPU pools (shared-l4, big-h100)";
const MODEL_RULE = `expected a model the gateway routes (${MODELS.join(", ")})`;

interface Case {
    title: string;
    args: (provider: k8s.Provider) => KnownTenantNamespaceArgs;
    problems: string[];
    name?: string;
}

const tenant = (overrides: Partial<TenantSpec>) => (provider: k8s.Provider) => tenantArgs(provider, { ...RESEARCH, ...overrides });

const CASES: Case[] = [
    {
        title: "more GPUs than the tenant's pool holds, naming the tenant and the numbers",
        args: tenant({ gpuQuota: 12 }),
        problems: ['gpuQuota: got 12; tenant "research" may use pools shared-l4 (8 GPUs); its GPU quota must be ≤ 8'],
    },
    {
        title: "more GPUs than several pools hold together",
        args: tenant({ gpuQuota: 30, gpuPools: ["shared-l4", "big-h100"] }),
        problems: ['gpuQuota: got 30; tenant "research" may use pools shared-l4 (8 GPUs), big-h100 (16 GPUs); its GPU quota must be ≤ 24'],
    },
    {
        title: "a GPU quota without any pool",
        args: (provider) => tenantArgs(provider, { ...WEB, gpuQuota: 2 }),
        name: "web",
        problems: ["gpuPools: got []; a tenant with a GPU quota needs at least one GPU pool"],
    },
    {
        title: "unknown and repeated pools, and a fractional GPU quota",
        args: tenant({ gpuQuota: 1.5, gpuPools: ["h100", "shared-l4", "shared-l4"] }),
        problems: [
            "gpuQuota: got 1.5; expected a whole number of GPUs ≥ 0",
            `gpuPools[0]: got "h100"; ${POOL_RULE}`,
            'gpuPools[2]: got "shared-l4"; list each pool once',
        ],
    },
    {
        title: "a name that is not a DNS label",
        args: tenant({ name: "Research_1" }),
        problems: [`name: got "Research_1"; expected ${DNS_LABEL_RULE.replace("63", "40")}`],
    },
    {
        title: "a name longer than 40 characters (the team-sync Job's name must stay a DNS label)",
        args: tenant({ name: "r".repeat(41) }),
        problems: [`name: got "${"r".repeat(41)}"; expected ${DNS_LABEL_RULE.replace("63", "40")}`],
    },
    {
        title: "model aliases from a model the gateway does not route, or to one the team may not call",
        args: tenant({ team: { ...RESEARCH.team, modelAliases: { "llama-3.1-8b": "qwen-2.5-32b", "mistral": "gpt-4o" } } }),
        problems: [
            'team.modelAliases.llama-3.1-8b: got "qwen-2.5-32b"; expected a model the gateway routes aliased to one of the team\'s models (llama-3.1-8b, gpt-4o)',
            'team.modelAliases.mistral: got "gpt-4o"; expected a model the gateway routes aliased to one of the team\'s models (llama-3.1-8b, gpt-4o)',
        ],
    },
    {
        title: "a namespace the platform uses (system, or the gateway's)",
        args: tenant({ name: "llm-gateway" }),
        problems: [`name: got "llm-gateway"; ${RESERVED}`],
    },
    {
        title: "quota values that are not Kubernetes quantities or counts",
        args: tenant({ quota: { cpuRequests: "16 cores", memoryLimits: "-1Gi", storage: "1TB", pods: -1, services: 2.5 } }),
        problems: [
            `quota.cpuRequests: got "16 cores"; ${QUANTITY_RULE}`,
            `quota.memoryLimits: got "-1Gi"; ${QUANTITY_RULE}`,
            `quota.storage: got "1TB"; ${QUANTITY_RULE}`,
            "quota.pods: got -1; expected a whole number ≥ 0",
            "quota.services: got 2.5; expected a whole number ≥ 0",
        ],
    },
    {
        title: "requests above limits, in the quota and in the container defaults",
        args: tenant({
            quota: { cpuRequests: "64", cpuLimits: "32", memoryRequests: "1.5Ti", memoryLimits: "1Ti" },
            containerDefaults: { cpuRequest: "4000m", cpuLimit: "2", memoryLimit: "2Ti" },
        }),
        problems: [
            'quota.cpuRequests: got "64"; must be ≤ quota.cpuLimits ("32")',
            'quota.memoryRequests: got "1.5Ti"; must be ≤ quota.memoryLimits ("1Ti")',
            'containerDefaults.cpuRequest: got "4000m"; must be ≤ containerDefaults.cpuLimit ("2")',
            'containerDefaults.memoryLimit: got "2Ti"; must be ≤ quota.memoryLimits ("1Ti")',
        ],
    },
    {
        title: "principals that cannot have an access entry, or a level that does not exist",
        args: tenant({
            principals: [
                { arn: "arn:aws:sts::123456789012:assumed-role/research/alice" },
                { arn: ROLE_ARN, access: "admin" as never },
                { arn: ROLE_ARN },
            ],
        }),
        problems: [
            'principals[0].arn: got "arn:aws:sts::123456789012:assumed-role/research/alice"; an STS session cannot have an access entry; give the role\'s ARN instead: arn:aws:iam::123456789012:role/research (with its path, if it has one)',
            `principals[2].arn: got "${ROLE_ARN}"; list each principal once: EKS allows one access entry per principal`,
            'principals[1].access: got "admin"; expected one of edit, view',
        ],
    },
    {
        title: "a team without a budget, with a bad period and limits, and models the gateway does not route",
        args: tenant({ team: { maxBudgetUsd: 0, budgetDuration: "monthly", tpm: 1.5, rpm: 0, models: ["claude-opus", "gpt-4o", "gpt-4o"] } }),
        problems: [
            "team.maxBudgetUsd: got 0; expected a budget in USD > 0",
            'team.budgetDuration: got "monthly"; expected a LiteLLM budget period such as "1d", "30d" or "1mo" (<n>s|m|h|d|w|mo)',
            "team.tpm: got 1.5; expected a whole number of tokens per minute ≥ 1",
            "team.rpm: got 0; expected a whole number of requests per minute ≥ 1",
            `team.models[0]: got "claude-opus"; ${MODEL_RULE}`,
            'team.models[2]: got "gpt-4o"; list each model once',
        ],
    },
    {
        title: "a team with no model at all",
        args: tenant({ team: { maxBudgetUsd: 10, models: [] } }),
        problems: ["team.models: got []; expected at least one model the gateway routes"],
    },
    {
        title: "network rules with bad namespaces, labels, CIDRs and ports",
        args: tenant({
            allowIngressFrom: [{ namespace: "Ingress", podLabels: { "app/": "x" } }],
            gatewayIngressPorts: [0],
            metricsPorts: [8000, 65536],
            egress: [{ cidr: "10.0.0.0/33", ports: [443, 70000] }, { cidr: "10.1.0.0/16", ports: [] }],
        }),
        problems: [
            `allowIngressFrom[0].namespace: got "Ingress"; expected ${DNS_LABEL_RULE}`,
            "allowIngressFrom[0].podLabels.app/: got \"x\"; expected a label key [prefix/]name (name at most 63 characters: alphanumerics and '-', '_', '.' inside)",
            "gatewayIngressPorts[0]: got 0; expected a port 1–65535",
            "metricsPorts[1]: got 65536; expected a port 1–65535",
            'egress[0].cidr: got "10.0.0.0/33"; expected an IPv4 CIDR such as "10.0.0.0/16"',
            "egress[0].ports[1]: got 70000; expected a port 1–65535",
            "egress[1].ports: got []; expected at least one port",
        ],
    },
    {
        title: "a gateway connection that cannot be used",
        args: (provider) => tenantArgs(provider, RESEARCH, {
            gateway: { ...GATEWAY, port: 0, masterKeySecret: { name: "Gateway Env", key: "master key" }, podLabels: {} },
        }),
        problems: [
            "gateway.port: got 0; expected a port 1–65535",
            'gateway.masterKeySecret.name: got "Gateway Env"; expected a Secret name (DNS-1123 subdomain)',
            `gateway.masterKeySecret.key: got "master key"; expected a Secret key: letters, digits, '-', '_' and '.', at most 253 characters, not '.' or starting with '..'`,
            "gateway.podLabels: got {}; expected at least one label (key: value)",
        ],
    },
    {
        title: "platform facts that are missing or malformed",
        args: (provider) => tenantArgs(provider, RESEARCH, { pools: [{ name: "shared-l4", gpuLimit: 8.5 }], knownModels: [""], clusterName: "" }),
        problems: [
            "pools[0].gpuLimit: got 8.5; expected a whole number of GPUs ≥ 0",
            'knownModels: got [""]; expected the gateway\'s model names (non-empty strings)',
            'clusterName: got ""; expected the EKS cluster\'s name',
            'team.models[0]: got "llama-3.1-8b"; expected a model the gateway routes (none)',
            'team.models[1]: got "gpt-4o"; expected a model the gateway routes (none)',
        ],
    },
];

describe("TenantNamespace validation", () => {
    for (const c of CASES) {
        it(`rejects ${c.title}, and registers nothing`, async () => {
            const name = c.name ?? "research";
            const { message, types } = await rejected(c.args, name);
            assert.equal(message, expected(`TenantNamespace "${name}" args`, c.problems));
            assert.deepEqual(types, []);
        });
    }

    it("accepts the documented defaults of a CPU-only tenant", async () => {
        const run = await runWithMocks(() => {
            const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
            return new TenantNamespace("web", tenantArgs(provider, { name: "web", team: { maxBudgetUsd: 25 } }));
        });
        assert.equal(await valueOf(run.result.gpuQuota), 0);
        assert.equal(object(run.resources, "Namespace", "web").metadata.labels[GPU_POOLS_LABEL], "shared-l4,big-h100");
        assert.deepEqual(await valueOf(run.result.teamModels), MODELS);
        const env = run.resources.find((r) => r.inputs.kind === "Job")!.inputs.spec.template.spec.containers[0].env as { name: string; value?: string }[];
        const value = (name: string) => env.find((e) => e.name === name)?.value;
        const team = JSON.parse(value("TEAM_JSON")!);
        assert.deepEqual([team.max_budget, value("BUDGET_DURATION"), team.tpm_limit, team.rpm_limit, team.models], [25, "30d", null, null, MODELS]);
    });
});

describe("validateTenants", () => {
    const ctx = { pools: POOLS, gatewayModels: MODELS, reservedNamespaces: ["llm-gateway"] };

    /** Runs `validateTenants` under the mock runtime, as the stack does before declaring anything. */
    async function rejectedTenants(tenants: TenantSpec[]): Promise<{ message: string; registered: number }> {
        const run = await runWithMocks(() => {
            try {
                validateTenants(tenants, ctx);
            } catch (e) {
                return e;
            }
            return undefined;
        });
        assert.ok(run.result instanceof ValidationError, `expected a ValidationError, got ${String(run.result)}`);
        return { message: run.result.message, registered: run.resources.length };
    }

    it("names the tenant and the numbers when a GPU quota exceeds its pools", async () => {
        const { message, registered } = await rejectedTenants([WEB, { ...RESEARCH, gpuQuota: 12 }]);
        assert.equal(message, expected("tenants", ['tenants[1].gpuQuota: got 12; tenant "research" may use pools shared-l4 (8 GPUs); its GPU quota must be ≤ 8']));
        assert.equal(registered, 0);
    });

    it("rejects duplicate names and a principal given to two tenants, with every tenant's own problems", async () => {
        const { message, registered } = await rejectedTenants([
            RESEARCH,
            { ...WEB, principals: [{ arn: ROLE_ARN, access: "view" }] },
            { ...RESEARCH, gpuPools: ["h100"], principals: [] },
        ]);
        assert.equal(message, expected("tenants", [
            `tenants[2].gpuPools[0]: got "h100"; ${POOL_RULE}`,
            `tenants[1].principals[0].arn: got "${ROLE_ARN}"; already given to tenant "research"; EKS allows one access entry per principal`,
            'tenants[2].name: got "research"; tenant names must be unique; this one is already used',
        ]));
        assert.equal(registered, 0);
    });

    it("returns every tenant with its defaults applied", () => {
        const [research, web] = validateTenants([RESEARCH, { name: "web", team: { maxBudgetUsd: 50 } }], ctx);
        assert.deepEqual([research.name, research.gpuQuota, research.gpuPools, research.team.models], ["research", 6, ["shared-l4"], ["llama-3.1-8b", "gpt-4o"]]);
        assert.deepEqual(web.quota, { cpuRequests: "16", cpuLimits: "32", memoryRequests: "64Gi", memoryLimits: "128Gi", pods: 50, services: 20, persistentVolumeClaims: 20, storage: "1Ti" });
        assert.deepEqual(web.containerDefaults, { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" });
        assert.deepEqual([web.principals, web.allowIngressFrom, web.egress, web.gatewayIngressPorts, web.metricsPorts], [[], [], [], [8000], [8000]]);
    });
});


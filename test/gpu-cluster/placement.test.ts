/**
 * Issue 8 items 4 and 19, at unit level over what the stacks declare: every
 * add-on pod has a node it can land on in both cluster modes, and every
 * add-on but Karpenter lands on capacity Karpenter scales. The full check
 * over chart-rendered pods is the deploy-semantics tier's scheduling
 * evaluator; this one reads the placement each Helm release's values set
 * (nodeSelector / tolerations, wherever the values put them) and our own pod
 * templates.
 */
import * as assert from "node:assert/strict";
import { loadStackConfig, runStack, type StackConfig } from "../../plan/stack";
import { workloadOf } from "../../policies/lib/pod-specs";
import { kubernetesObjects } from "../harness/conformance";
import { ofType, type RecordedResource } from "../harness";

interface Taint {
    key: string;
    value?: string;
    effect: string;
}
interface NodeSource {
    name: string;
    labels: Record<string, string>;
    taints: Taint[];
    /** Karpenter scales it (a NodePool); a managed node group does not grow past its fixed size. */
    scales: boolean;
}
interface Toleration {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
}
interface Requirement {
    key: string;
    operator: string;
    values?: string[];
}
interface PodPlacement {
    owner: string;
    nodeSelector: Record<string, string>;
    tolerations: Toleration[];
    required: Requirement[][];
}

/**
 * EKS Auto Mode's built-in NodePools, which a cluster cannot modify
 * (docs.aws.amazon.com/eks/latest/userguide/set-builtin-node-pools.html):
 * `system` has the CriticalAddonsOnly taint (amd64 and arm64), `general-purpose`
 * none (amd64); both are Karpenter NodePools, so their nodes carry karpenter.sh/nodepool.
 */
const AUTO_MODE_BUILT_IN: NodeSource[] = [
    ...["amd64", "arm64"].map((arch) => ({
        name: `system (${arch})`,
        labels: { "karpenter.sh/nodepool": "system", "kubernetes.io/os": "linux", "kubernetes.io/arch": arch },
        taints: [{ key: "CriticalAddonsOnly", effect: "NoSchedule" }],
        scales: true,
    })),
    { name: "general-purpose", labels: { "karpenter.sh/nodepool": "general-purpose", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" }, taints: [], scales: true },
];

const EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/** Nodes the stack's objects give: managed node groups and NodePools (labels a node of the pool carries). */
function nodeSources(resources: readonly RecordedResource[], auto: boolean): NodeSource[] {
    const groups = ofType(resources, "aws:eks/nodeGroup:NodeGroup").map((ng) => ({
        name: `node group ${ng.inputs.nodeGroupName}`,
        labels: { ...ng.inputs.labels, "kubernetes.io/os": "linux" },
        taints: (ng.inputs.taints ?? []).map((t: any) => ({ key: t.key, value: t.value, effect: EFFECTS[t.effect] })),
        scales: false,
    }));
    const pools = kubernetesObjects(resources)
        .filter((o) => o.kind === "NodePool")
        .map((p: any) => {
            const single = (p.spec.template.spec.requirements as Requirement[]).filter((r) => r.operator === "In" && r.values?.length === 1);
            return {
                name: `NodePool ${p.metadata.name}`,
                labels: { ...Object.fromEntries(single.map((r) => [r.key, r.values![0]])), ...p.spec.template.metadata?.labels, "karpenter.sh/nodepool": p.metadata.name },
                taints: p.spec.template.spec.taints ?? [],
                scales: true,
            };
        });
    return [...groups, ...pools, ...(auto ? AUTO_MODE_BUILT_IN : [])];
}

function matches(labels: Record<string, string>, r: Requirement): boolean {
    const value = labels[r.key];
    if (r.operator === "Exists") return value !== undefined;
    if (r.operator === "DoesNotExist") return value === undefined;
    if (r.operator === "In") return value !== undefined && (r.values ?? []).includes(value);
    if (r.operator === "NotIn") return value === undefined || !(r.values ?? []).includes(value);
    throw new Error(`operator ${r.operator} not modelled`);
}

function tolerates(tolerations: Toleration[], taint: Taint): boolean {
    return tolerations.some(
        (t) => (t.key === undefined || t.key === taint.key) && (t.effect === undefined || t.effect === taint.effect) && (t.operator === "Exists" || t.value === taint.value),
    );
}

export function lands(pod: PodPlacement, node: NodeSource): boolean {
    return (
        Object.entries(pod.nodeSelector).every(([k, v]) => node.labels[k] === v) &&
        node.taints.filter((t) => t.effect !== "PreferNoSchedule").every((t) => tolerates(pod.tolerations, t)) &&
        (pod.required.length === 0 || pod.required.some((term) => term.every((r) => matches(node.labels, r))))
    );
}

/**
 * Chart defaults that shape placement where our values do not: Karpenter's
 * chart requires nodes no NodePool owns and tolerates CriticalAddonsOnly
 * (karpenter 1.14.1 chart values.yaml `affinity`, `tolerations`).
 */
const CHART_DEFAULTS: Record<string, Partial<PodPlacement>> = {
    "oci://public.ecr.aws/karpenter/karpenter": {
        tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
        required: [[{ key: "karpenter.sh/nodepool", operator: "DoesNotExist" }]],
    },
};

/** Every placement a release's values set (any map holding nodeSelector or tolerations), else the chart's own default. */
function releasePlacements(release: RecordedResource): PodPlacement[] {
    const defaults = CHART_DEFAULTS[release.inputs.chart] ?? {};
    const found: PodPlacement[] = [];
    const walk = (value: unknown, at: string) => {
        if (!value || typeof value !== "object" || Array.isArray(value)) return;
        const v = value as Record<string, any>;
        if (v.nodeSelector !== undefined || v.tolerations !== undefined) {
            found.push({
                owner: `${release.inputs.name} ${at || "(root)"}`,
                nodeSelector: v.nodeSelector ?? {},
                tolerations: v.tolerations ?? defaults.tolerations ?? [],
                required: defaults.required ?? [],
            });
        }
        for (const [k, child] of Object.entries(v)) if (k !== "nodeSelector" && k !== "tolerations") walk(child, at ? `${at}.${k}` : k);
    };
    walk(release.inputs.values ?? {}, "");
    if (found.length > 0) return found;
    return [{ owner: `${release.inputs.name} (chart defaults)`, nodeSelector: {}, tolerations: defaults.tolerations ?? [], required: defaults.required ?? [] }];
}

/** Our own pod templates (Deployments, StatefulSets, Jobs…), GPU pods included. */
function objectPlacements(resources: readonly RecordedResource[]): PodPlacement[] {
    return resources.flatMap((r) => {
        const workload = r.type.startsWith("kubernetes:") ? workloadOf(r.type, r.inputs) : undefined;
        if (!workload) return [];
        const spec = workload.spec;
        return [{
            owner: `${workload.kind} ${workload.namespace ?? ""}/${r.inputs.metadata?.name}`,
            nodeSelector: spec.nodeSelector ?? {},
            tolerations: (spec.tolerations ?? []) as Toleration[],
            required: (spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []).map((t) => (t.matchExpressions ?? []) as Requirement[]),
        }];
    });
}

function withMode(config: StackConfig, mode: "karpenter" | "auto"): StackConfig {
    const cluster = JSON.parse(config.config["genai-platform:cluster"] ?? "{}");
    return { ...config, config: { ...config.config, "genai-platform:cluster": JSON.stringify({ ...cluster, mode }) } };
}

const CASES = [
    { stack: "dev", mode: "karpenter" },
    { stack: "prod", mode: "karpenter" },
    { stack: "dev", mode: "auto" },
] as const;

describe("add-on placement follows the cluster mode (issue 8 items 4, 19)", () => {
    const runs = new Map<string, RecordedResource[]>();
    before(async () => {
        for (const c of CASES) runs.set(`${c.stack}/${c.mode}`, (await runStack(c.stack, withMode(loadStackConfig(c.stack), c.mode))).resources);
    });

    for (const c of CASES) {
        it(`${c.stack}, mode ${c.mode}: every add-on and platform pod has a node it can land on`, () => {
            const resources = runs.get(`${c.stack}/${c.mode}`)!;
            const nodes = nodeSources(resources, c.mode === "auto");
            const pods = [...ofType(resources, "kubernetes:helm.sh/v3:Release").flatMap(releasePlacements), ...objectPlacements(resources)];
            assert.ok(pods.length > 10, `expected many pod placements, found ${pods.length}`);
            const homeless = pods.filter((pod) => !nodes.some((n) => lands(pod, n))).map((pod) => `${pod.owner} ${JSON.stringify(pod.nodeSelector)}`);
            assert.deepEqual(homeless, [], `no node source (${nodes.map((n) => n.name).join(", ")}) admits these pods`);
        });
    }

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}, mode karpenter: only Karpenter runs on the fixed node group; every other add-on lands on capacity Karpenter scales`, () => {
            const resources = runs.get(`${stack}/karpenter`)!;
            const nodes = nodeSources(resources, false);
            const releases = ofType(resources, "kubernetes:helm.sh/v3:Release");
            const fixedOnly = releases
                .flatMap(releasePlacements)
                .filter((pod) => !pod.owner.startsWith("karpenter "))
                .filter((pod) => !nodes.some((n) => n.scales && lands(pod, n)))
                .map((pod) => pod.owner);
            assert.deepEqual(fixedOnly, [], "these add-ons can only run on the managed node group, which nothing scales");
            const karpenter = releases.filter((r) => r.inputs.name === "karpenter").flatMap(releasePlacements);
            assert.ok(karpenter.length > 0);
            for (const pod of karpenter) {
                assert.deepEqual(nodes.filter((n) => lands(pod, n)).map((n) => n.scales), [false], "Karpenter must run on the managed node group only, never on nodes it manages");
            }
        });
    }

    it("the node-source model can fail: a selector no node carries is homeless (planted defect)", () => {
        const resources = runs.get("dev/auto")!;
        const pod: PodPlacement = { owner: "planted", nodeSelector: { "genai-platform.io/node-role": "system" }, tolerations: [], required: [] };
        assert.equal(nodeSources(resources, true).some((n) => lands(pod, n)), false);
    });
});

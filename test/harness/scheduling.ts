/**
 * Scheduling and capacity, evaluated offline over pod templates and the
 * nodes the cluster can have:
 * - placement: each pod's nodeSelector, required node affinity and
 *   tolerations against every node source (the managed system node group,
 *   every Karpenter NodePool, EKS Auto Mode's built-in pools), as
 *   kube-scheduler and Karpenter match them;
 * - fit: a pod's requests against the allocatable of the instance types its
 *   sources may launch (less the DaemonSets that land there too);
 * - shared GPU pools: the slices one node advertises can all be used, i.e.
 *   that many slice pods fit on the node Karpenter launches for one of them;
 * - capacity: the platform's non-GPU pods, replicas included, pack into the
 *   capacity it gives itself (node group max size, or a NodePool's limits);
 * - architecture: no pod whose images lack an arm64 build can land on an
 *   arm64 (Graviton) node.
 */
import * as YAML from "yaml";
import { type Container, containersOf, type PodSpec, type Toleration, workloadOfObject } from "../../policies/lib/pod-specs";
import { parseQuantity } from "../../components/internal/quantity";
import { DEVICE_PLUGIN_CONFIG_LABEL, GPU_RESOURCE, MIG_CONFIG_LABEL } from "../../components/gpu-cluster/manifests";
import { Architecture, imageArchitectures } from "../../components/internal/architecture";
import { EFA_RESOURCE, GPU_FAMILIES } from "../../components/internal/gpu-instances";
import type { RecordedResource } from "../../plan/recorder";
import type { KubernetesObject } from "./conformance";
import { allocatable, type InstanceShape, INSTANCE_TYPES, instanceLabels, instanceShape, type Resources } from "./instance-types";

export interface Taint {
    key: string;
    value?: string;
    effect: string;
}

export interface Requirement {
    key: string;
    operator: string;
    values?: string[];
}

/** Where nodes come from, with everything that decides what lands there. */
export interface NodeSource {
    /** e.g. `node group system`, `NodePool gpu-small`. */
    name: string;
    /** Labels every node of the source carries. */
    labels: Record<string, string>;
    /** Karpenter requirements: which instance types, and label values on the node. */
    requirements: Requirement[];
    /** Taints pods must tolerate (startupTaints are not: Karpenter ignores them for scheduling). */
    taints: Taint[];
    instanceTypes: readonly InstanceShape[];
    /** Karpenter's instance label prefix: `karpenter.k8s.aws` or, in Auto Mode, `eks.amazonaws.com`; absent for node groups. */
    labelPrefix?: string;
    ephemeralGiB: number;
    advertisedPerGpu: number;
    maxPodsCap?: number;
    /** Node group: at most this many nodes. */
    maxNodes?: number;
    /** NodePool `spec.limits`: node capacity Karpenter may launch in total; absent = unbounded. */
    limits?: Resources;
    /** Whether the GPU Operator labels this source's GPU nodes once they join (see GPU_OPERATOR_NODE_LABELS). */
    gpuOperator?: boolean;
    /** Whether the EFA device plugin runs on this source's nodes (set by schedulingFindings from the DaemonSets). */
    efa?: boolean;
}

/**
 * Labels GPU nodes get after they join, which the GPU Operator's DaemonSets
 * select on: NFD's NVIDIA PCI label, then the operator's `gpu.present` and
 * per-operand deploy labels, each added only where the node carries no value
 * yet (GpuCluster presets some to "false"), and the MIG manager's on
 * MIG-capable GPUs (NVIDIA/gpu-operator v26.7.0 controllers/state_manager.go:
 * gpuNodeLabels, gpuStateLabels, addGPUStateLabels).
 */
const GPU_OPERATOR_NODE_LABELS: Record<string, string> = {
    "feature.node.kubernetes.io/pci-10de.present": "true",
    "nvidia.com/gpu.present": "true",
    ...Object.fromEntries(
        ["driver", "gpu-feature-discovery", "container-toolkit", "device-plugin", "dcgm", "dcgm-exporter", "node-status-exporter", "operator-validator", "client"].map((operand) => [`nvidia.com/gpu.deploy.${operand}`, "true"]),
    ),
};

function gpuOperatorLabels(shape: InstanceShape): Record<string, string> {
    const family = GPU_FAMILIES[shape.instanceType.split(".")[0]];
    if (!family) return {};
    return { ...GPU_OPERATOR_NODE_LABELS, ...(family.migProfiles ? { "nvidia.com/gpu.deploy.mig-manager": "true" } : {}) };
}

/** A value a node may carry for a label: known values, or any value (zone, hostname). */
type LabelValues = string[] | "any";

/** One node a source can launch: an instance type and the labels it would carry. */
interface Candidate {
    shape: InstanceShape;
    labels: Map<string, LabelValues>;
}

/** Labels every node has with values this evaluator cannot know. */
const UNKNOWN_VALUED = ["kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region"];
const CAPACITY_TYPE = "karpenter.sh/capacity-type";

/** Whether label values `have` (undefined: the label is absent) satisfy `req` (Kubernetes node selector semantics). */
function satisfies(have: LabelValues | undefined, req: Requirement): boolean {
    const values = req.values ?? [];
    const some = (pred: (v: string) => boolean) => have === "any" || (have !== undefined && have.some(pred));
    switch (req.operator) {
        case "In":
            return some((v) => values.includes(v));
        case "NotIn":
            return have === undefined || some((v) => !values.includes(v));
        case "Exists":
            return have !== undefined;
        case "DoesNotExist":
            return have === undefined;
        case "Gt":
            return some((v) => Number(v) > Number(values[0]));
        case "Lt":
            return some((v) => Number(v) < Number(values[0]));
        default:
            return false;
    }
}

/** Narrows the values a node may carry for `req.key` to those that satisfy `req`; false when none can. */
function constrain(labels: Map<string, LabelValues>, req: Requirement): boolean {
    const have = labels.get(req.key);
    if (!satisfies(have, req)) return false;
    if (Array.isArray(have)) labels.set(req.key, have.filter((v) => satisfies([v], req)));
    return true;
}

/** Keys whose values come from the instance or the cloud: a requirement on one filters instance types rather than labelling the node. */
function wellKnown(key: string, source: NodeSource): boolean {
    return (source.labelPrefix !== undefined && key.startsWith(`${source.labelPrefix}/`)) || WELL_KNOWN.has(key);
}
const WELL_KNOWN = new Set([CAPACITY_TYPE, "kubernetes.io/arch", "kubernetes.io/os", "node.kubernetes.io/instance-type", "karpenter.sh/nodepool", ...UNKNOWN_VALUED]);

/**
 * The nodes `source` can launch: its instance types that meet its
 * requirements, with their labels. A requirement on any other key labels the
 * node (`In` with its values, `Exists` with some value), as Karpenter does.
 */
export function candidates(source: NodeSource): Candidate[] {
    return source.instanceTypes.flatMap((shape) => {
        const labels = new Map<string, LabelValues>(Object.entries(instanceLabels(shape, source.labelPrefix)).map(([k, v]) => [k, [v]]));
        if (source.labelPrefix) labels.set(CAPACITY_TYPE, ["on-demand", "spot"]);
        UNKNOWN_VALUED.forEach((k) => labels.set(k, "any"));
        for (const req of source.requirements) {
            if (!wellKnown(req.key, source) && !labels.has(req.key)) {
                if (req.operator === "In") labels.set(req.key, req.values ?? []);
                if (req.operator === "Exists") labels.set(req.key, "any");
            } else if (!constrain(labels, req)) {
                return [];
            }
        }
        const joined = { ...(source.gpuOperator ? gpuOperatorLabels(shape) : {}), ...source.labels };
        Object.entries(joined).forEach(([k, v]) => labels.set(k, [v]));
        return [{ shape, labels }];
    });
}

/** Whether `tolerations` tolerate `taint` (core/v1 Toleration.ToleratesTaint). */
function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
    return tolerations.some(
        (t) =>
            (t.effect === undefined || t.effect === "" || t.effect === taint.effect) &&
            (t.key === undefined || t.key === "" ? t.operator === "Exists" : t.key === taint.key) &&
            (t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "")),
    );
}

/** The taints of `source` that `spec` does not tolerate (PreferNoSchedule never blocks). */
function untoleratedTaints(spec: PodSpec, source: NodeSource): Taint[] {
    return source.taints.filter((t) => t.effect !== "PreferNoSchedule" && !tolerates(spec.tolerations ?? [], t));
}

/** The pod's node requirements as alternatives (affinity terms are ORed), each with the nodeSelector ANDed in. */
function nodeRequirements(spec: PodSpec): Requirement[][] {
    const selector: Requirement[] = Object.entries(spec.nodeSelector ?? {}).map(([key, v]) => ({ key, operator: "In", values: [v] }));
    const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (!terms?.length) return [selector];
    return terms.map((t) => [...selector, ...(t.matchExpressions ?? []).map((e) => ({ key: e.key ?? "", operator: e.operator ?? "", values: e.values }))]);
}

/** Whether one node of `candidate` can satisfy every requirement of some term at once (one value per label). */
function matchesLabels(spec: PodSpec, candidate: Candidate): boolean {
    return nodeRequirements(spec).some((reqs) => {
        const labels = new Map(candidate.labels);
        return reqs.every((r) => constrain(labels, r));
    });
}

/** Why `spec` cannot land on `source` by labels and taints; undefined when it can (on some of its candidates). */
function placementProblem(spec: PodSpec, source: NodeSource): string | undefined {
    const taints = untoleratedTaints(spec, source);
    if (taints.length) return `${source.name}: does not tolerate ${taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`).join(", ")}`;
    const all = candidates(source);
    if (!all.length) return `${source.name}: its requirements admit no known instance type`;
    if (!all.some((c) => matchesLabels(spec, c))) {
        const wanted = nodeRequirements(spec).map((reqs) => reqs.filter((r) => !all.some((c) => satisfies(c.labels.get(r.key), r))).map(describeRequirement).join(", "));
        return `${source.name}: no node carries ${wanted.filter(Boolean).join(" or ") || "the required labels"}`;
    }
    return undefined;
}

function describeRequirement(r: Requirement): string {
    if (r.operator === "In" && r.values?.length === 1) return `${r.key}=${r.values[0]}`;
    return `${r.key} ${r.operator}${r.values?.length ? ` [${r.values.join(", ")}]` : ""}`;
}

// ---- requests ----

const RESOURCE_KEYS = ["cpu", "memory", "ephemeral-storage", GPU_RESOURCE, EFA_RESOURCE];

/** A container's requests as the API server defaults them: an unset request takes its limit. */
function containerRequests(c: Container): Resources {
    const out: Resources = {};
    for (const key of RESOURCE_KEYS) {
        const q = parseQuantity(c.resources?.requests?.[key] ?? c.resources?.limits?.[key]);
        if (q !== undefined) out[key] = q;
    }
    return out;
}

const add = (a: Resources, b: Resources): Resources => Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, (a[k] ?? 0) + (b[k] ?? 0)]));
const peak = (a: Resources, b: Resources): Resources => Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, Math.max(a[k] ?? 0, b[k] ?? 0)]));

/**
 * A pod's effective requests as kube-scheduler computes them: the app
 * containers' (and restartable init "sidecars'") sum, or the largest
 * ordinary init container where larger; plus one pod slot. (Upstream also
 * adds the sidecars started before an init container to it; not modelled.)
 */
export function podRequests(spec: PodSpec): Resources {
    const inits = (spec.initContainers ?? []) as (Container & { restartPolicy?: string })[];
    const running = [...(spec.containers ?? []), ...inits.filter((c) => c.restartPolicy === "Always")].map(containerRequests).reduce(add, {});
    const initPeak = inits.filter((c) => c.restartPolicy !== "Always").map(containerRequests).reduce(peak, {});
    return { ...peak(running, initPeak), pods: 1 };
}

const fits = (need: Resources, free: Resources) => Object.entries(need).every(([k, v]) => v <= (free[k] ?? 0));
const minus = (a: Resources, b: Resources): Resources => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));

function formatResources(r: Resources): string {
    const fmt = (k: string, v: number) => (k === "memory" || k === "ephemeral-storage" ? `${(v / 2 ** 30).toFixed(1)}Gi` : k === "cpu" ? `${+v.toFixed(3)}` : `${v}`);
    return Object.entries(r).filter(([k]) => k !== "pods").map(([k, v]) => `${k} ${fmt(k, v)}`).join(", ");
}

// ---- pods of the objects ----

export interface PodTemplate {
    /** `Kind name`. */
    object: string;
    namespace: string;
    kind: string;
    spec: PodSpec;
    /** Pods the workload runs (replicas, Job parallelism); DaemonSets: one per node. */
    replicas: number;
    requests: Resources;
}

export function podTemplates(objects: readonly KubernetesObject[]): PodTemplate[] {
    return objects.flatMap((obj) => {
        const workload = workloadOfObject(obj);
        if (!workload) return [];
        const spec = obj.spec as Record<string, any> | undefined;
        const replicas = obj.kind === "Job" ? spec?.parallelism : obj.kind === "CronJob" ? spec?.jobTemplate?.spec?.parallelism : obj.kind === "Pod" ? 1 : spec?.replicas;
        return [{ object: `${obj.kind} ${obj.metadata?.name ?? "(unnamed)"}`, namespace: obj.metadata?.namespace ?? "default", kind: obj.kind, spec: workload.spec, replicas: replicas ?? 1, requests: podRequests(workload.spec) }];
    });
}

// ---- node sources ----

/** What the recorded program says about the cluster's compute, besides its Kubernetes objects. */
export interface ClusterCompute {
    mode: "managed" | "auto";
    /** Managed node groups (aws.eks.NodeGroup inputs). */
    nodeGroups: { name: string; labels: Record<string, string>; taints: Taint[]; instanceTypes: string[]; desiredSize: number; maxSize: number; diskSize: number }[];
    /** Whether the GPU Operator is installed (it labels GPU nodes for its DaemonSets). */
    gpuOperator: boolean;
    /** Device-plugin config name → time-slicing replicas (the GPU Operator release's `devicePlugin.config.data`). */
    timeSlicing: Record<string, number>;
}

const EKS_TAINT_EFFECTS: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/** ClusterCompute from the resources a program registered (under the mock runtime). */
export function clusterCompute(resources: readonly RecordedResource[]): ClusterCompute {
    const eks = resources.find((r) => r.type === "eks:index:Cluster");
    const gpuOperator = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "gpu-operator");
    const data: Record<string, string> = gpuOperator?.inputs.values?.devicePlugin?.config?.data ?? {};
    const timeSlicing = Object.fromEntries(
        Object.entries(data).flatMap(([name, doc]) => {
            const replicas = YAML.parse(doc)?.sharing?.timeSlicing?.resources?.find((r: { name: string }) => r.name === GPU_RESOURCE)?.replicas;
            return replicas ? [[name, replicas as number]] : [];
        }),
    );
    return {
        mode: eks?.inputs.autoMode?.enabled ? "auto" : "managed",
        nodeGroups: resources
            .filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup")
            .map((r) => ({
                name: r.inputs.nodeGroupName ?? r.name,
                labels: r.inputs.labels ?? {},
                taints: (r.inputs.taints ?? []).map((t: Taint) => ({ ...t, effect: EKS_TAINT_EFFECTS[t.effect] ?? t.effect })),
                instanceTypes: r.inputs.instanceTypes ?? [],
                desiredSize: r.inputs.scalingConfig?.desiredSize ?? 0,
                maxSize: r.inputs.scalingConfig?.maxSize ?? 0,
                diskSize: r.inputs.diskSize ?? 20,
            })),
        gpuOperator: gpuOperator !== undefined,
        timeSlicing,
    };
}

/** EKS Auto Mode's default NodeClass: 80 GiB ephemeral storage; Auto Mode caps pods per node at 110 (create-node-class docs). */
const AUTO_MODE_NODE = { ephemeralGiB: 80, maxPodsCap: 110 };

/**
 * The built-in Auto Mode pools (EKS user guide, "Review built-in node pools"
 * and "Run critical add-ons"): on-demand C/M/R generation > 4 on the default
 * NodeClass; `system` is tainted CriticalAddonsOnly and allows arm64 too
 * (its arm64 shapes are Graviton), `general-purpose` is amd64 only.
 */
function autoModeBuiltInPools(): NodeSource[] {
    const base = (name: string, taints: Taint[], arch: string[]): NodeSource => ({
        name: `Auto Mode NodePool ${name}`,
        labels: { "karpenter.sh/nodepool": name, "eks.amazonaws.com/compute-type": "auto" },
        requirements: [
            { key: "eks.amazonaws.com/instance-category", operator: "In", values: ["c", "m", "r"] },
            { key: "eks.amazonaws.com/instance-generation", operator: "Gt", values: ["4"] },
            { key: CAPACITY_TYPE, operator: "In", values: ["on-demand"] },
            { key: "kubernetes.io/arch", operator: "In", values: arch },
        ],
        taints,
        instanceTypes: INSTANCE_TYPES.filter((s) => s.gpus === 0),
        labelPrefix: "eks.amazonaws.com",
        advertisedPerGpu: 1,
        ...AUTO_MODE_NODE,
    });
    return [base("system", [{ key: "CriticalAddonsOnly", effect: "NoSchedule" }], ["amd64", "arm64"]), base("general-purpose", [], ["amd64"])];
}

type Obj = KubernetesObject & { spec?: Record<string, any> };

/**
 * MIG slices per GPU for a uniform `all-<g>g.<mem>gb` profile: limited by
 * compute (7 slices per GPU) and by memory; the rounding absorbs the GPUs'
 * odd sizes (H200 141 GB holds two 71gb slices, B200 179 GB two 90gb). This
 * reproduces NVIDIA mig-parted v0.15.0's `all-*` layouts (the MIG manager the
 * GPU Operator v26.7.0 chart pins) for A100-40/80GB, H100,
 * H200 and B200.
 */
export function migSlicesPerGpu(profile: string, gpuMemoryGiB: number): number {
    const [, g, mem] = /^all-(\d)g\.(\d+)gb$/.exec(profile) ?? [];
    return g ? Math.min(Math.floor(7 / Number(g)), Math.round(gpuMemoryGiB / Number(mem) - 0.45)) : 1;
}

/** A Karpenter NodePool (ours or Auto Mode's custom one) as a node source. */
function nodePoolSource(pool: Obj, nodeClasses: Map<string, Obj>, compute: ClusterCompute): NodeSource {
    const template = pool.spec?.template ?? {};
    const labels: Record<string, string> = template.metadata?.labels ?? {};
    const ref = template.spec?.nodeClassRef ?? {};
    const auto = ref.group === "eks.amazonaws.com";
    const nodeClass = nodeClasses.get(ref.name);
    const volumes: { deviceName?: string; rootVolume?: boolean; ebs?: { volumeSize?: string } }[] = nodeClass?.spec?.blockDeviceMappings ?? [];
    const bottlerocket = String(nodeClass?.spec?.amiSelectorTerms?.[0]?.alias ?? "").startsWith("bottlerocket");
    // Karpenter's ephemeralStorage(): the root volume, else the AMI family's ephemeral device (Bottlerocket: /dev/xvdb).
    const volume = volumes.find((v) => v.rootVolume) ?? volumes.find((v) => v.deviceName === (bottlerocket ? "/dev/xvdb" : "/dev/xvda"));
    const ephemeralGiB = auto ? AUTO_MODE_NODE.ephemeralGiB : (parseQuantity(volume?.ebs?.volumeSize) ?? 20 * 2 ** 30) / 2 ** 30;
    const requirements: Requirement[] = template.spec?.requirements ?? [];
    const name = pool.metadata?.name ?? "";
    const timeSliced = compute.timeSlicing[labels[DEVICE_PLUGIN_CONFIG_LABEL]] ?? Number(/replicas = (\d+)/.exec(nodeClass?.spec?.userData ?? "")?.[1] ?? 1);
    const migProfile = labels[MIG_CONFIG_LABEL];
    const limits = Object.fromEntries(Object.entries(pool.spec?.limits ?? {}).map(([k, v]) => [k, parseQuantity(v) ?? Infinity]));
    return {
        name: `NodePool ${name}`,
        labels: { ...labels, "karpenter.sh/nodepool": name, ...(auto ? { "eks.amazonaws.com/compute-type": "auto" } : {}) },
        requirements,
        taints: template.spec?.taints ?? [],
        instanceTypes: INSTANCE_TYPES,
        labelPrefix: auto ? "eks.amazonaws.com" : "karpenter.k8s.aws",
        ephemeralGiB,
        advertisedPerGpu: migProfile ? migSlicesPerGpu(migProfile, gpuMemoryOf(requirements)) : timeSliced,
        ...(auto ? { maxPodsCap: AUTO_MODE_NODE.maxPodsCap } : {}),
        ...(Object.keys(limits).length ? { limits } : {}),
        gpuOperator: compute.gpuOperator,
    };
}

/** GPU memory of the pool's GPUs (GiB), from the instance types its requirements admit. */
function gpuMemoryOf(requirements: Requirement[]): number {
    const source = { name: "", labels: {}, requirements, taints: [], instanceTypes: INSTANCE_TYPES.filter((s) => s.gpus > 0), labelPrefix: "karpenter.k8s.aws", ephemeralGiB: 0, advertisedPerGpu: 1 };
    const memory = candidates(source).map((c) => c.labels.get("karpenter.k8s.aws/instance-gpu-memory"));
    return memory.length && Array.isArray(memory[0]) ? Number(memory[0][0]) / 1024 : 0;
}

/** Whether a Cluster Autoscaler runs among `objects`: the only thing that moves a managed node group off its desired size (Karpenter never does). */
function clusterAutoscalerRuns(objects: readonly KubernetesObject[]): boolean {
    return objects.some((o) => containersOf(workloadOfObject(o)?.spec ?? {}).some((c) => /\/cluster-autoscaler:/.test(c.image ?? "")));
}

/**
 * Every source of nodes: managed node groups or Auto Mode's built-in pools,
 * plus every NodePool among the objects. A managed node group holds its
 * desired size unless a Cluster Autoscaler scales it up to its max size.
 */
export function nodeSources(objects: readonly KubernetesObject[], compute: ClusterCompute): NodeSource[] {
    const scaled = clusterAutoscalerRuns(objects);
    const nodeClasses = new Map((objects as Obj[]).filter((o) => o.kind === "EC2NodeClass").map((o) => [o.metadata?.name ?? "", o]));
    const pools = (objects as Obj[]).filter((o) => o.kind === "NodePool").map((p) => nodePoolSource(p, nodeClasses, compute));
    const groups: NodeSource[] = compute.nodeGroups.map((g) => ({
        name: `node group ${g.name}`,
        labels: { ...g.labels, "eks.amazonaws.com/nodegroup": g.name, "eks.amazonaws.com/capacityType": "ON_DEMAND" },
        requirements: [],
        taints: g.taints,
        instanceTypes: g.instanceTypes.map((t) => instanceShape(t) ?? unknownInstanceType(t)),
        ephemeralGiB: g.diskSize,
        advertisedPerGpu: 1,
        maxNodes: scaled ? g.maxSize : g.desiredSize,
    }));
    return [...(compute.mode === "auto" ? autoModeBuiltInPools() : groups), ...pools];
}

function unknownInstanceType(instanceType: string): never {
    throw new Error(`no shape known for instance type ${instanceType}; add it to test/harness/instance-types.ts`);
}

// ---- evaluation ----

export type SchedulingCheck = "placement" | "fit" | "sharedPacking" | "capacity" | "architecture";

export interface SchedulingFinding {
    object: string;
    namespace: string;
    check: SchedulingCheck;
    detail: string;
    /** One line naming the pod, its namespace and the check. */
    message: string;
}

const finding = (pod: Pick<PodTemplate, "object" | "namespace">, check: SchedulingCheck, detail: string): SchedulingFinding => ({
    object: pod.object,
    namespace: pod.namespace,
    check,
    detail,
    message: `${pod.object} in namespace "${pod.namespace}": ${check}: ${detail}`,
});

/** Requests of the DaemonSets that land on nodes of `source` (they run on every node they may). */
function daemonSetOverhead(pods: readonly PodTemplate[], source: NodeSource): Resources {
    return pods.filter((p) => p.kind === "DaemonSet" && placementProblem(p.spec, source) === undefined).map((p) => p.requests).reduce(add, {});
}

interface Fit {
    source: NodeSource;
    /** The source's candidate instance types this pod fits on, cheapest-looking first (fewest GPUs, vCPUs, memory). */
    shapes: InstanceShape[];
    free: (shape: InstanceShape) => Resources;
}

function fitsOn(pod: PodTemplate, source: NodeSource, overhead: Resources): Fit {
    const free = (shape: InstanceShape) => minus(allocatable(shape, source), overhead);
    const shapes = candidates(source)
        .filter((c) => matchesLabels(pod.spec, c) && fits(pod.requests, free(c.shape)))
        .map((c) => c.shape)
        .sort((a, b) => a.gpus - b.gpus || a.vcpus - b.vcpus || a.memoryMiB - b.memoryMiB);
    return { source, shapes, free };
}

/**
 * Slices of a shared GPU pool are only shared if the node Karpenter launches
 * for one slice pod (the smallest instance that fits it) also fits the pods
 * for every other slice it advertises.
 */
function sharedPackingProblem(pod: PodTemplate, fit: Fit): string | undefined {
    const gpus = pod.requests[GPU_RESOURCE] ?? 0;
    if (fit.source.advertisedPerGpu <= 1 || gpus === 0 || !fit.shapes.length) return undefined;
    const shape = fit.shapes[0];
    const free = fit.free(shape);
    const slices = Math.floor(free[GPU_RESOURCE] / gpus);
    const perNode = Math.min(...Object.entries(pod.requests).filter(([, v]) => v > 0).map(([k, v]) => Math.floor(free[k] / v)));
    if (perNode >= slices) return undefined;
    return `${fit.source.name} advertises ${slices} slices on ${shape.instanceType}, the node Karpenter launches for one pod, but only ${perNode} ${perNode === 1 ? "pod fits" : "pods fit"} there (each requests ${formatResources(pod.requests)}; allocatable ${formatResources(free)}): every ${perNode === 1 ? "slice pod needs a node of its own" : `${perNode} slice pods need a node`}`;
}

/** Nodes a capacity-bounded source can hold at once, and their shape; undefined when unbounded. */
function boundedNodes(source: NodeSource): { shape: InstanceShape; count: number } | undefined {
    const shapes = candidates(source).map((c) => c.shape);
    if (!shapes.length) return undefined;
    if (source.maxNodes !== undefined) {
        // A node group with several instance types may get the smallest of them.
        const shape = [...shapes].sort((a, b) => a.vcpus - b.vcpus || a.memoryMiB - b.memoryMiB)[0];
        return { shape, count: source.maxNodes };
    }
    if (!source.limits) return undefined;
    // Karpenter counts node capacity against the limits: take the type that gets the most vCPUs out of them.
    const limits = source.limits;
    const count = (shape: InstanceShape) => {
        const capacity: Resources = { cpu: shape.vcpus, memory: shape.memoryMiB * 2 ** 20, [GPU_RESOURCE]: shape.gpus * source.advertisedPerGpu };
        return Math.min(...Object.entries(limits).map(([k, limit]) => (capacity[k] ? Math.floor(limit / capacity[k]) : Infinity)));
    };
    const shape = [...shapes].sort((a, b) => count(b) * b.vcpus - count(a) * a.vcpus || b.vcpus - a.vcpus)[0];
    // Limits on resources its nodes do not have (a GPU limit on CPU nodes) bound nothing.
    return Number.isFinite(count(shape)) ? { shape, count: count(shape) } : undefined;
}

/**
 * First-fit decreasing of the non-GPU pods (replicas expanded) into the nodes
 * the capacity-bounded sources they may use can hold, in source order (the
 * node group first, then NodePools). A pod that may use an unbounded source
 * (a NodePool without limits, Auto Mode's general-purpose pool) always has room.
 */
function capacityFindings(placed: { pod: PodTemplate; sources: NodeSource[] }[], overheads: Map<NodeSource, Resources>): SchedulingFinding[] {
    const bins = new Map<NodeSource, { shape: InstanceShape; free: Resources }[]>();
    const binsOf = (source: NodeSource) => {
        if (!bins.has(source)) {
            const nodes = boundedNodes(source)!;
            const free = minus(allocatable(nodes.shape, source), overheads.get(source)!);
            bins.set(source, Array.from({ length: nodes.count }, () => ({ shape: nodes.shape, free: { ...free } })));
        }
        return bins.get(source)!;
    };
    const items = placed
        .filter((p) => p.sources.every((s) => boundedNodes(s) !== undefined))
        .flatMap((p) => Array.from({ length: p.pod.replicas }, () => p))
        .sort((a, b) => (b.pod.requests.cpu ?? 0) - (a.pod.requests.cpu ?? 0) || (b.pod.requests.memory ?? 0) - (a.pod.requests.memory ?? 0));
    const left = items.filter(({ pod, sources }) => {
        const bin = sources.flatMap(binsOf).find((b) => fits(pod.requests, b.free));
        if (bin) bin.free = minus(bin.free, pod.requests);
        return !bin;
    });
    if (!left.length) return [];
    const total = items.map((p) => p.pod.requests).reduce(add, {});
    const offered = [...bins.entries()].map(([s, b]) => `${s.name}: ${b.length} × ${b[0]?.shape.instanceType ?? "no node"}`).join(", ");
    const names = [...new Set(left.map((p) => `${p.pod.namespace}/${p.pod.object}`))];
    return [
        finding(
            { object: "platform pods", namespace: "*" },
            "capacity",
            `${items.length} pods request ${formatResources(total)} but the capacity they may use holds at most ${offered} (allocatable less DaemonSets); ${left.length} do not fit: ${names.join(", ")}`,
        ),
    ];
}

const ARCH = "kubernetes.io/arch";

/** The instance types of `source` a pod of `spec` may land on that are arm64 (Graviton); none when a taint keeps it off. */
function arm64Landings(spec: PodSpec, source: NodeSource): string[] {
    if (untoleratedTaints(spec, source).length) return [];
    return candidates(source)
        .filter((c) => (c.labels.get(ARCH) as string[] | undefined)?.includes(Architecture.Arm64) && matchesLabels(spec, c))
        .map((c) => c.shape.instanceType);
}

/**
 * A pod can land on an arm64 node only if every image it runs ships arm64
 * (components/internal/versions.ts IMAGE_ARCHITECTURES; an image not recorded
 * counts as amd64 only): otherwise the kubelet pulls no matching manifest, or
 * runs a binary the CPU cannot (exec format error). DaemonSets count: they run
 * on every node they tolerate. Containers without an image (fixtures of EKS's
 * own add-ons, which EKS builds for both) are not judged.
 */
function architectureFindings(pods: readonly PodTemplate[], sources: readonly NodeSource[]): SchedulingFinding[] {
    return pods.flatMap((pod) => {
        const images = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c) => c.image).filter((i): i is string => !!i);
        const amd64Only = [...new Set(images.filter((i) => !imageArchitectures(i).includes(Architecture.Arm64)))];
        if (!amd64Only.length) return [];
        const landings = sources.map((s) => [s.name, arm64Landings(pod.spec, s)] as const).filter(([, types]) => types.length > 0);
        if (!landings.length) return [];
        const where = landings.map(([name, types]) => `${name} (${types.slice(0, 3).join(", ")}${types.length > 3 ? ", …" : ""})`).join("; ");
        return [finding(pod, "architecture", `${amd64Only.join(", ")} ${amd64Only.length === 1 ? "has" : "have"} no recorded arm64 build, but the pod can land on arm64 nodes of ${where}: keep it on amd64 (nodeSelector ${ARCH}: amd64) or record the image's arm64 build in IMAGE_ARCHITECTURES`)];
    });
}

/**
 * Every scheduling problem of the pods among `objects` on the cluster whose
 * node sources are `sources`.
 */
/** The EFA device plugin's image (eks-charts stable/aws-efa-k8s-device-plugin), in EKS's ECR of any Region. */
const EFA_DEVICE_PLUGIN_IMAGE = /\.amazonaws\.com\/eks\/aws-efa-k8s-device-plugin:/;

/** Nodes advertise `vpc.amazonaws.com/efa` only where the EFA device plugin's DaemonSet places a pod. */
function withEfa(pods: readonly PodTemplate[], sources: readonly NodeSource[]): NodeSource[] {
    const plugins = pods.filter((p) => p.kind === "DaemonSet" && containersOf(p.spec).some((c) => EFA_DEVICE_PLUGIN_IMAGE.test(c.image ?? "")));
    return sources.map((s) => (plugins.some((p) => placementProblem(p.spec, s) === undefined) ? { ...s, efa: true } : s));
}

export function schedulingFindings(objects: readonly KubernetesObject[], given: readonly NodeSource[]): SchedulingFinding[] {
    const pods = podTemplates(objects);
    const sources = withEfa(pods, given);
    const overheads = new Map(sources.map((s) => [s, daemonSetOverhead(pods, s)]));
    const findings: SchedulingFinding[] = [];
    const placed: { pod: PodTemplate; sources: NodeSource[] }[] = [];
    // A DaemonSet makes pods only for the nodes it matches (none is no pending pod): it counts as overhead only.
    for (const pod of pods.filter((p) => p.kind !== "DaemonSet")) {
        const problems = sources.map((s) => placementProblem(pod.spec, s));
        const reachable = sources.filter((_, i) => problems[i] === undefined);
        if (!reachable.length) {
            findings.push(finding(pod, "placement", `no node can take it: ${problems.join("; ")}`));
            continue;
        }
        const fitting = reachable.map((s) => fitsOn(pod, s, overheads.get(s)!)).filter((f) => f.shapes.length);
        if (!fitting.length) {
            const largest = reachable.map((s) => `${s.name} (largest: ${formatResources(biggest(s, overheads.get(s)!))})`).join("; ");
            findings.push(finding(pod, "fit", `requests ${formatResources(pod.requests)}, more than any instance type of ${largest} offers`));
            continue;
        }
        const packing = sharedPackingProblem(pod, fitting[0]);
        if (packing) findings.push(finding(pod, "sharedPacking", packing));
        if (!(pod.requests[GPU_RESOURCE] > 0)) placed.push({ pod, sources: fitting.map((f) => f.source) });
    }
    return [...findings, ...architectureFindings(pods, sources), ...capacityFindings(placed, overheads)];
}

/** The most a source's biggest candidate offers, per resource, after DaemonSets. */
function biggest(source: NodeSource, overhead: Resources): Resources {
    return candidates(source).map((c) => minus(allocatable(c.shape, source), overhead)).reduce(peak, {});
}

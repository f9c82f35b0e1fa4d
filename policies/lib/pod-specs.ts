/**
 * The one place that knows where each workload kind keeps its pod template,
 * so every Kubernetes policy checks Pods, Deployments, StatefulSets,
 * DaemonSets, Jobs, CronJobs and LeaderWorkerSets alike.
 */
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { GPU_RESOURCE } from "./platform";
import { Props, wholeCount } from "./policy";

/** The parts of the Kubernetes types the policies read (inputs as declared, all optional). */
export interface ResourceRequirements {
    requests?: Record<string, string | number>;
    limits?: Record<string, string | number>;
}

export interface Container {
    name?: string;
    image?: string;
    resources?: ResourceRequirements;
    securityContext?: { privileged?: boolean };
}

export interface Toleration {
    key?: string;
    operator?: string;
    value?: string;
    effect?: string;
}

export interface NodeSelectorRequirement {
    key?: string;
    operator?: string;
    values?: string[];
}

export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    volumes?: { name?: string; hostPath?: { path?: string } }[];
    tolerations?: Toleration[];
    nodeSelector?: Record<string, string>;
    affinity?: {
        nodeAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: NodeSelectorRequirement[] }[] };
        };
    };
}

export interface PodTemplate {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: PodSpec;
}

/** A workload's pod template and where it lives. */
export interface Workload {
    /** Kind, e.g. `Deployment`. */
    kind: string;
    /** Which of several pod templates, e.g. a LeaderWorkerSet's `workerTemplate`; absent for one-template kinds. */
    template?: string;
    /** Namespace as declared; policies read undefined as `default`. */
    namespace?: string;
    podLabels: Record<string, string>;
    podAnnotations: Record<string, string>;
    spec: PodSpec;
}

const template = (props: Props): PodTemplate | undefined => props.spec?.template;

/** Type token → where its pod template is. */
const POD_TEMPLATES: Record<string, (props: Props) => PodTemplate | undefined> = {
    "kubernetes:core/v1:Pod": (props) => ({ metadata: props.metadata, spec: props.spec }),
    "kubernetes:apps/v1:Deployment": template,
    "kubernetes:apps/v1:StatefulSet": template,
    "kubernetes:apps/v1:DaemonSet": template,
    "kubernetes:apps/v1:ReplicaSet": template,
    "kubernetes:batch/v1:Job": template,
    "kubernetes:batch/v1:CronJob": (props) => props.spec?.jobTemplate?.spec?.template,
};

/** The workload a resource declares, or undefined when it declares no pod. */
export function workloadOf(type: string, props: Props): Workload | undefined {
    const pod = POD_TEMPLATES[type]?.(props);
    if (!pod?.spec) return undefined;
    return {
        kind: type.slice(type.lastIndexOf(":") + 1),
        namespace: props.metadata?.namespace,
        podLabels: pod.metadata?.labels ?? {},
        podAnnotations: pod.metadata?.annotations ?? {},
        spec: pod.spec,
    };
}

/**
 * A LeaderWorkerSet (kubernetes-sigs/lws v0.10.0) declares two pod templates:
 * `leaderWorkerTemplate.workerTemplate` (required) and `leaderTemplate`,
 * which defaults to the worker's when absent (api/leaderworkerset/v1/leaderworkerset_types.go).
 */
export const LEADER_WORKER_SET_TYPE = "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet";

/** Every pod template a resource declares: one for most kinds, a LeaderWorkerSet's leader and worker templates. */
export function workloadsOf(type: string, props: Props): Workload[] {
    if (type !== LEADER_WORKER_SET_TYPE) {
        const workload = workloadOf(type, props);
        return workload ? [workload] : [];
    }
    const group = props.spec?.leaderWorkerTemplate ?? {};
    const templates: [string, PodTemplate | undefined][] = [["leaderTemplate", group.leaderTemplate ?? group.workerTemplate], ["workerTemplate", group.workerTemplate]];
    return templates.flatMap(([template, pod]) => pod?.spec ? [{
        kind: "LeaderWorkerSet",
        template,
        namespace: props.metadata?.namespace,
        podLabels: pod.metadata?.labels ?? {},
        podAnnotations: pod.metadata?.annotations ?? {},
        spec: pod.spec,
    }] : []);
}

/** The Pulumi type token of a Kubernetes object (`apps/v1` Deployment → `kubernetes:apps/v1:Deployment`, `v1` → `core/v1`). */
export function typeTokenOf(obj: { apiVersion: string; kind: string }): string {
    return `kubernetes:${obj.apiVersion.includes("/") ? obj.apiVersion : `core/${obj.apiVersion}`}:${obj.kind}`;
}

/** The workload a plain Kubernetes object (a rendered manifest) declares, or undefined when it declares no pod. */
export function workloadOfObject(obj: { apiVersion: string; kind: string } & Props): Workload | undefined {
    return workloadOf(typeTokenOf(obj), obj);
}

/** Every container of a pod, init and ephemeral ones included. */
export function containersOf(spec: PodSpec): Container[] {
    return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function containerGpus(c: Container): number {
    return wholeCount(c.resources?.limits?.[GPU_RESOURCE] ?? c.resources?.requests?.[GPU_RESOURCE]) ?? 0;
}

/** GPUs a pod asks for, as the scheduler counts them: the app containers' sum, or the largest init container if more. */
export function gpuCount(spec: PodSpec): number {
    const app = (spec.containers ?? []).reduce((sum, c) => sum + containerGpus(c), 0);
    return Math.max(app, ...(spec.initContainers ?? []).map(containerGpus));
}

/** Resource validation over the pod template of any workload kind. */
export function validateWorkloads(
    validate: (workload: Workload, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    return (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const workloads = workloadsOf(args.type, args.props);
        if (workloads.length === 0) args.notApplicable("Policy only applies to workloads with a pod template");
        for (const workload of workloads) validate(workload, args, reportViolation);
    };
}

/** `Deployment "name"` (or `…container "c"`) for messages. */
export function describeWorkload(workload: Workload, args: { name: string }, container?: Container): string {
    const subject = `${workload.kind} "${args.name}"${workload.template ? ` ${workload.template}` : ""}`;
    return container ? `${subject} container "${container.name ?? "?"}"` : subject;
}

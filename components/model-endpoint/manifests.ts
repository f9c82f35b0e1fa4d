/**
 * Pure renderers: validated ModelEndpoint args → the Kubernetes objects of
 * one vLLM-served model. No Pulumi inside.
 */
import { GPU_RESOURCE, GPU_TOLERATION, POOL_LABEL } from "../gpu-cluster/manifests";
import type { KubernetesObject } from "../internal/k8s-object";
import { IMAGES } from "../internal/versions";
import { EFA_RESOURCE } from "../internal/gpu-instances";
import { PRESTOP_SECONDS, type ResolvedModelEndpointArgs } from "./args";

export const VLLM_PORT = 8000;
/** Any non-root uid works: the image needs no passwd entry once HOME and USER are set. */
export const RUN_AS_USER = 1000;
/** HOME on a writable emptyDir: ~/.cache (vLLM, torch compile, FlashInfer), ~/.triton, ~/.config/vllm, ~/.nv all live under it. */
export const HOME_DIR = "/home/vllm";
export const HF_CACHE_DIR = "/hf-cache";
export const STARTUP_PERIOD_SECONDS = 10;
/** Time for Karpenter to bring up a GPU node and pull the image, on top of loading the model. */
const NODE_AND_IMAGE_SECONDS = 900;

/** LeaderWorkerSet API and the labels its controller puts on a group's pods (kubernetes-sigs/lws v0.10.0 api/leaderworkerset/v1/leaderworkerset_types.go). */
export const LWS_API_VERSION = "leaderworkerset.x-k8s.io/v1";
export const LWS_NAME_LABEL = "leaderworkerset.sigs.k8s.io/name";
/** "0" on the leader (pkg/controllers/leaderworkerset_controller.go leader template labels), 1…n-1 on workers (pkg/webhooks/pod_webhook.go). */
export const LWS_WORKER_INDEX_LABEL = "leaderworkerset.sigs.k8s.io/worker-index";

/**
 * The LeaderWorkerSet's name. Not the endpoint's: the LWS controller creates a
 * headless Service named after the set (pkg/controllers/leaderworkerset_controller.go
 * reconcileHeadlessServices), which would collide with the endpoint's Service.
 */
export function groupSetName(r: Pick<ResolvedModelEndpointArgs, "name">): string {
    return `${r.name}-group`;
}

export function selectorLabels(r: ResolvedModelEndpointArgs): Record<string, string> {
    return { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": r.name };
}

export function labels(r: ResolvedModelEndpointArgs): Record<string, string> {
    return {
        ...selectorLabels(r),
        "app.kubernetes.io/component": "model-endpoint",
        "app.kubernetes.io/part-of": "genai-platform",
        [POOL_LABEL]: r.pool.name,
    };
}

function metadata(r: ResolvedModelEndpointArgs, name = r.name) {
    return { name, namespace: r.namespace, labels: labels(r) };
}

/** The Service's in-cluster OpenAI-compatible base URL. */
export function baseUrl(r: Pick<ResolvedModelEndpointArgs, "name" | "namespace">): string {
    return `http://${r.name}.${r.namespace}.svc.cluster.local:${VLLM_PORT}/v1`;
}

/** `vllm serve` arguments: the model first, then one flag per typed arg, then the escape hatch. */
export function vllmArgs(r: ResolvedModelEndpointArgs): string[] {
    const s3 = r.weights.source === "s3";
    return [
        r.weights.source === "s3" ? r.weights.uri : r.model,
        "--served-model-name", r.servedModelName,
        "--port", String(VLLM_PORT),
        "--tensor-parallel-size", String(r.tensorParallelSize),
        "--gpu-memory-utilization", String(r.gpuMemoryUtilization),
        "--max-num-seqs", String(r.maxNumSeqs),
        r.enablePrefixCaching ? "--enable-prefix-caching" : "--no-enable-prefix-caching",
        ...(r.maxModelLen !== undefined ? ["--max-model-len", String(r.maxModelLen)] : []),
        ...(r.dtype !== undefined ? ["--dtype", r.dtype] : []),
        ...(r.quantization !== undefined ? ["--quantization", r.quantization] : []),
        ...(s3 ? ["--load-format", "runai_streamer"] : []),
        ...(r.trustRemoteCode ? ["--trust-remote-code"] : []),
        // Across nodes: one pipeline stage per node, its layers tensor-parallel over that node's GPUs, on Ray
        // (vllm-project/vllm examples/ray_serving/multi-node-serving.sh usage: `--tensor-parallel-size 8
        // --pipeline-parallel-size 2 --distributed-executor-backend ray`).
        ...(r.nodes > 1 ? ["--pipeline-parallel-size", String(r.nodes), "--distributed-executor-backend", "ray"] : []),
        ...r.extraArgs,
    ];
}

export function env(r: ResolvedModelEndpointArgs) {
    return [
        { name: "HOME", value: HOME_DIR },
        // torch's cache paths ask getpass for the user name, which fails for a uid without a passwd entry.
        { name: "USER", value: "vllm" },
        { name: "HF_HOME", value: HF_CACHE_DIR },
        { name: "VLLM_NO_USAGE_STATS", value: "1" },
        { name: "DO_NOT_TRACK", value: "1" },
        ...(r.hfToken ? [{ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: r.hfToken.secretName, key: r.hfToken.key } } }] : []),
    ];
}

export const RESTRICTED_CONTAINER_SECURITY = {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

export function probe(failureThreshold: number, periodSeconds: number, timeoutSeconds: number) {
    return { httpGet: { path: "/health", port: "http" }, periodSeconds, timeoutSeconds, failureThreshold };
}

export function cacheClaimName(r: ResolvedModelEndpointArgs): string {
    return `${r.name}-hf-cache`;
}

export function volumes(r: ResolvedModelEndpointArgs) {
    const cache = r.weights.source === "huggingface" && r.weights.cacheVolume
        ? { persistentVolumeClaim: { claimName: cacheClaimName(r) } }
        : { emptyDir: {} };
    return [
        { name: "shm", emptyDir: { medium: "Memory", sizeLimit: r.resources.shmSize } },
        { name: "tmp", emptyDir: {} },
        { name: "home", emptyDir: {} },
        { name: "hf-cache", ...cache },
    ];
}

export const VOLUME_MOUNTS = [
    { name: "shm", mountPath: "/dev/shm" },
    { name: "tmp", mountPath: "/tmp" },
    { name: "home", mountPath: HOME_DIR },
    { name: "hf-cache", mountPath: HF_CACHE_DIR },
];

/** CPU, memory and GPUs of one pod (requests = limits), plus its EFA interfaces when it has them. */
export function containerResources(r: ResolvedModelEndpointArgs): Record<string, string> {
    return {
        cpu: r.resources.cpu,
        memory: r.resources.memory,
        [GPU_RESOURCE]: String(r.tensorParallelSize),
        ...(r.efaInterfaces ? { [EFA_RESOURCE]: String(r.efaInterfaces) } : {}),
    };
}

export function container(r: ResolvedModelEndpointArgs) {
    const resources = containerResources(r);
    return {
        name: "vllm",
        image: IMAGES.vllm.image,
        command: ["vllm", "serve"],
        args: vllmArgs(r),
        ports: [{ name: "http", containerPort: VLLM_PORT, protocol: "TCP" }],
        env: env(r),
        // Requests equal limits: Guaranteed QoS, so a loaded model is the last thing the kubelet evicts.
        resources: { requests: resources, limits: resources },
        securityContext: RESTRICTED_CONTAINER_SECURITY,
        volumeMounts: VOLUME_MOUNTS,
        startupProbe: probe(Math.ceil(r.startupTimeoutSeconds / STARTUP_PERIOD_SECONDS), STARTUP_PERIOD_SECONDS, 5),
        readinessProbe: probe(3, 10, 5),
        livenessProbe: probe(4, 15, 10),
        // Keep serving while endpoints drop this pod; SIGTERM then lets vLLM finish in-flight requests.
        lifecycle: { preStop: { sleep: { seconds: PRESTOP_SECONDS } } },
    };
}

/** A ReadWriteOnce cache attaches to one node: the old pod must release it before the new one starts. */
function strategy(r: ResolvedModelEndpointArgs) {
    const rwo = r.weights.source === "huggingface" && r.weights.cacheVolume?.accessMode === "ReadWriteOnce";
    return rwo ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
}

/**
 * Production replicas of whole-GPU pools prefer different nodes, so one node's
 * expiry or drain never takes every replica at once. Soft: a pool without a
 * second node still schedules. Shared pools pack slices onto one node instead.
 */
function spread(r: ResolvedModelEndpointArgs) {
    if (!r.production || r.pool.sharing) return {};
    return {
        topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorLabels(r) } },
        ],
    };
}

/** Seconds Kubernetes (and Pulumi) should wait for a rollout: node, image and model load. */
export function rolloutSeconds(r: Pick<ResolvedModelEndpointArgs, "startupTimeoutSeconds">): number {
    return r.startupTimeoutSeconds + NODE_AND_IMAGE_SECONDS;
}

/** The pod every replica (or, with nodes ≥ 2, every pod of a group) starts from. */
export function podSpec(r: ResolvedModelEndpointArgs) {
    return {
        serviceAccountName: r.name,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        nodeSelector: { [POOL_LABEL]: r.pool.name },
        tolerations: [GPU_TOLERATION],
        securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            fsGroup: RUN_AS_USER,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        },
        terminationGracePeriodSeconds: r.terminationGracePeriodSeconds,
        containers: [container(r)],
        volumes: volumes(r),
    };
}

export function renderDeployment(r: ResolvedModelEndpointArgs): KubernetesObject {
    const { containers, volumes: podVolumes, ...pod } = podSpec(r);
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(r),
        spec: {
            // No `replicas`: KEDA's HPA owns it, and setting it here would fight the autoscaler on every update.
            selector: { matchLabels: selectorLabels(r) },
            strategy: strategy(r),
            progressDeadlineSeconds: rolloutSeconds(r),
            revisionHistoryLimit: 5,
            template: {
                metadata: { labels: labels(r) },
                spec: { ...pod, ...spread(r), containers, volumes: podVolumes },
            },
        },
    };
}

export function renderServiceAccount(r: ResolvedModelEndpointArgs): KubernetesObject {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata(r), automountServiceAccountToken: false };
}

/** Present only with a cache volume. Not awaited: EBS classes bind on first consumer, i.e. after the Deployment. */
export function renderCacheClaim(r: ResolvedModelEndpointArgs): KubernetesObject | undefined {
    if (r.weights.source !== "huggingface" || !r.weights.cacheVolume) return undefined;
    const cache = r.weights.cacheVolume;
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { ...metadata(r, cacheClaimName(r)), annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
            accessModes: [cache.accessMode],
            storageClassName: cache.storageClassName,
            resources: { requests: { storage: cache.size } },
        },
    };
}

export function renderService(r: ResolvedModelEndpointArgs): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(r),
        spec: {
            type: "ClusterIP",
            // A multi-node group serves from its leader only: the workers run Ray and hold pipeline stages.
            selector: r.nodes > 1 ? { ...selectorLabels(r), [LWS_WORKER_INDEX_LABEL]: "0" } : selectorLabels(r),
            ports: [{ name: "http", port: VLLM_PORT, targetPort: "http", protocol: "TCP", appProtocol: "http" }],
        },
    };
}

/** One replica at a time may be evicted; pods stuck loading may always be (they serve nothing). */
export function renderPodDisruptionBudget(r: ResolvedModelEndpointArgs): KubernetesObject {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: metadata(r),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(r) }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
    };
}

export function renderServiceMonitor(r: ResolvedModelEndpointArgs): KubernetesObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: r.name, namespace: r.namespace, labels: { ...labels(r), ...r.monitoring.serviceMonitorLabels } },
        spec: {
            selector: { matchLabels: selectorLabels(r) },
            namespaceSelector: { matchNames: [r.namespace] },
            endpoints: [{ port: "http", path: "/metrics", interval: r.monitoring.scrapeInterval }],
        },
    };
}

/** This model's series only: the ServiceMonitor adds `namespace`, vLLM labels every series with `model_name`. */
function modelSelector(r: ResolvedModelEndpointArgs): string {
    return `{namespace="${r.namespace}",model_name="${r.servedModelName}"}`;
}

/** Requests queued across the model's replicas: the scale-out signal. */
export function queueDepthQuery(r: ResolvedModelEndpointArgs): string {
    return `sum(vllm:num_requests_waiting${modelSelector(r)})`;
}

/** Requests being served: keeps busy replicas from being scaled in (or idled) while the queue is empty. */
export function runningQuery(r: ResolvedModelEndpointArgs): string {
    return `sum(vllm:num_requests_running${modelSelector(r)})`;
}

/** Large enough that the wake trigger never asks for more than one replica. */
const WAKE_ONLY_THRESHOLD = "1000000000";

function triggers(r: ResolvedModelEndpointArgs) {
    const prometheus = (name: string, query: string, threshold: string) => ({
        type: "prometheus",
        name,
        metricType: "AverageValue",
        metadata: { serverAddress: r.autoscaling.serverAddress, query, threshold },
    });
    return [
        prometheus("queue-depth", queueDepthQuery(r), String(r.autoscaling.targetQueueDepth)),
        prometheus("running", runningQuery(r), String(r.maxNumSeqs)),
        ...(r.autoscaling.wakeQuery ? [prometheus("wake", r.autoscaling.wakeQuery, WAKE_ONLY_THRESHOLD)] : []),
    ];
}

/**
 * KEDA scaling on queue depth. With `minReplicas: 0`, KEDA idles the
 * Deployment at 0 (`idleReplicaCount`) and brings it back to 1
 * (`minReplicaCount`) when any trigger is active.
 */
export function renderScaledObject(r: ResolvedModelEndpointArgs): KubernetesObject {
    const a = r.autoscaling;
    const toZero = a.minReplicas === 0;
    return {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: metadata(r),
        spec: {
            // Multi-node: KEDA scales whole groups through the LeaderWorkerSet's scale subresource (CRD v0.10.0 `subresources.scale`).
            scaleTargetRef: r.nodes > 1 ? { apiVersion: LWS_API_VERSION, kind: "LeaderWorkerSet", name: groupSetName(r) } : { apiVersion: "apps/v1", kind: "Deployment", name: r.name },
            pollingInterval: a.pollingInterval,
            minReplicaCount: toZero ? 1 : a.minReplicas,
            maxReplicaCount: a.maxReplicas,
            ...(toZero ? { idleReplicaCount: 0, cooldownPeriod: a.cooldownPeriod, initialCooldownPeriod: r.startupTimeoutSeconds } : {}),
            advanced: {
                horizontalPodAutoscalerConfig: {
                    behavior: {
                        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
                        scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds, policies: [{ type: "Pods", value: 1, periodSeconds: 300 }] },
                    },
                },
            },
            triggers: triggers(r),
        },
    };
}

/** The Secret's shell; the component adds the token as secret `stringData`. */
export function renderHfTokenSecret(r: ResolvedModelEndpointArgs): KubernetesObject | undefined {
    if (!r.hfToken?.create) return undefined;
    return { apiVersion: "v1", kind: "Secret", metadata: metadata(r, r.hfToken.secretName), type: "Opaque" };
}

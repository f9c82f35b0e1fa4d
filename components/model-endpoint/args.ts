import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GpuPoolInfo } from "../gpu-cluster";
import { parseFlag, selectedFlag, withoutValue } from "../internal/cli-flags";
import { Problems } from "../internal/errors";
import { GPU_FAMILIES, poolAdvertisedPerGpu, poolFamilies, sliceShare } from "../internal/gpu-instances";
import { MAX_CONTEXT_TOKENS } from "../internal/limits";
import { checkDnsLabel } from "../internal/naming";
import { parseQuantity } from "../internal/quantity";
import { isDnsSubdomain, isHttpUrl, isInt, isPort, isPrometheusDuration, isSecretKey, isVolumeSize, PROMETHEUS_DURATION_RULE, SECRET_KEY_RULE, SECRET_NAME_RULE } from "../internal/validators";
import { MIN_STARTUP_SECONDS, multiNodeEfa, multiNodeResources, startupBudgetSeconds, validateModelFit, validateMultiNode } from "./multi-node";

/** The Prometheus of the platform's kube-prometheus-stack release, as seen from inside the cluster. */
export const DEFAULT_PROMETHEUS_URL = "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090";

/** vLLM's `--dtype` (vllm/config/model.py `ModelDType`). */
export const Dtype = { Auto: "auto", Half: "half", Float16: "float16", Bfloat16: "bfloat16", Float: "float", Float32: "float32" } as const;
export type Dtype = (typeof Dtype)[keyof typeof Dtype];
export const DTYPES: readonly Dtype[] = Object.values(Dtype);

/** Access mode of the Hugging Face cache claim. */
export const CacheAccessMode = {
    /** One node only (EBS), so at most one replica. */
    ReadWriteOnce: "ReadWriteOnce",
    /** Shared by every replica (e.g. an EFS class). */
    ReadWriteMany: "ReadWriteMany",
} as const;
export type CacheAccessMode = (typeof CacheAccessMode)[keyof typeof CacheAccessMode];

/**
 * What the endpoint needs of its cluster: a `GpuCluster` fits as is, and so
 * do the platform stack's outputs read through a StackReference (`gpuPools`,
 * `clusterName`). The Kubernetes provider and the add-ons to wait for come
 * through the resource options (`{ provider, dependsOn: cluster.addons }`).
 */
export interface EndpointCluster {
    /** The cluster's GPU pools (`GpuCluster.pools`, or the platform's `gpuPools` output). */
    pools: pulumi.Input<GpuPoolInfo[]>;
    /** EKS cluster name. Required only for S3 weights (the Pod Identity association names it). */
    clusterName?: pulumi.Input<string>;
    /**
     * Kubernetes provider of the cluster.
     * @deprecated Pass the provider as a resource option (`{ provider }` or
     * `{ providers: { kubernetes } }`), which reaches every child. Still
     * honoured when the options name no Kubernetes provider; refused when they
     * name another one.
     */
    provider?: k8s.Provider;
}

/** An existing Secret holding the Hugging Face token. */
export interface SecretRef {
    /** Secret name in the endpoint's namespace. */
    name: string;
    /** Key inside the Secret. Default `"token"`. */
    key?: string;
}

/** A PersistentVolumeClaim mounted as the Hugging Face cache, so restarts skip the download. */
export interface CacheVolumeArgs {
    /** StorageClass of the claim. Default `"gp3"`. */
    storageClassName?: string;
    /** Claim size. Default `"200Gi"`. */
    size?: string;
    /**
     * Default `"ReadWriteOnce"` (EBS): one node only, so at most one replica.
     * `"ReadWriteMany"` (e.g. an EFS class) lets replicas share the cache.
     */
    accessMode?: CacheAccessMode;
}

/**
 * CPU and memory of one replica. On a shared pool (time-slicing or MIG) a
 * replica holds one slice, and every slice of a node must fit that node, so
 * the defaults are the node's allocatable (Karpenter's formula, less the GPU
 * node DaemonSets) divided by its slices, on the smallest instance the pool may
 * launch; explicit values that would not let the slices pack are refused.
 */
export interface EndpointResourceArgs {
    /** CPU request and limit. Default 4 per GPU; on a shared pool, the node's share per slice. */
    cpu?: string;
    /** Memory request and limit (it also holds `/dev/shm`). Default 24Gi per GPU; on a shared pool, the node's share per slice. */
    memory?: string;
    /** Size of the memory-backed `/dev/shm` (NCCL, tensor parallel workers). Default 4Gi per GPU; 1Gi on a shared pool (no tensor parallelism). */
    shmSize?: string;
}

export interface AutoscalingArgs {
    /** Fewest replicas. Default 1 (2 for a `production` endpoint); 0 only with `allowScaleToZero`. */
    minReplicas?: number;
    /** Most replicas. Default `max(minReplicas, 1)` (no scale-out). */
    maxReplicas?: number;
    /** Permit `minReplicas: 0` (idle endpoints release their GPUs). Default false. */
    allowScaleToZero?: boolean;
    /** Also permit `minReplicas: 0` for a multi-node endpoint (`nodes` ≥ 2), whose wake-up buys every node of a group. Default false. */
    allowMultiNodeScaleToZero?: boolean;
    /** Requests waiting per replica (`vllm:num_requests_waiting`) above which KEDA adds replicas. Default 5. */
    targetQueueDepth?: number;
    /** Prometheus KEDA queries. Default the kube-prometheus-stack in-cluster URL (`DEFAULT_PROMETHEUS_URL`). */
    serverAddress?: string;
    /** Seconds between KEDA polls. Default 15. */
    pollingInterval?: number;
    /** Seconds without activity before scaling to zero (scale-to-zero only). Default 600. */
    cooldownPeriod?: number;
    /** Seconds the HPA waits before removing replicas. Default 600: GPU replicas are slow to bring back. */
    scaleDownStabilizationSeconds?: number;
    /**
     * PromQL that is above 0 while requests for this model arrive and no replica
     * runs (vLLM's own metrics vanish at zero), e.g. the gateway's failed-request
     * rate for this route. Required when `minReplicas` is 0; it only wakes, never scales out.
     */
    wakeQuery?: string;
}

export interface MonitoringArgs {
    /** Labels on the ServiceMonitor, matched by Prometheus' selector. Default `{ release: "kube-prometheus-stack" }`. */
    serviceMonitorLabels?: Record<string, string>;
    /** Scrape interval. Default `"15s"`. */
    scrapeInterval?: string;
}

// ---- KV-cache-aware routing (inference-pool.ts renders it) ----

/**
 * How the gateway reaches the endpoint's replicas. `kv-aware`: through the
 * cluster's inference Gateway to an InferencePool whose endpoint picker (llm-d
 * router) scores replicas by prefix-cache hits, KV-cache use and queue depth.
 * `service`: through the Service (kube-proxy picks a replica at random).
 */
export const Routing = { KvAware: "kv-aware", Service: "service" } as const;
export type Routing = (typeof Routing)[keyof typeof Routing];

/** The in-cluster Gateway kv-aware endpoints attach their HTTPRoute to (`InferenceGateway.ref`). */
export interface InferenceGatewayRef {
    /** Gateway name. */
    name: string;
    /** Gateway namespace. */
    namespace: string;
    /** Port of the Gateway's HTTP listener (and of the Service the implementation creates for it). */
    port: number;
    /** Labels of the Gateway's proxy pods, which the endpoint's namespace must admit. */
    proxyPodLabels: Record<string, string>;
}

/** Routing args, resolved. */
export interface ResolvedRouting {
    mode: Routing;
    /** Present when `mode` is kv-aware. */
    gateway?: InferenceGatewayRef;
}

/**
 * kv-aware by default where replicas share traffic in production (more than
 * one replica, or a model over several nodes): the endpoint picker then keeps
 * requests with a shared prefix on the replica that holds it. `nodes` is the
 * multi-node endpoint's node count (1 for a Deployment).
 */
export function defaultRouting(production: boolean, maxReplicas: number, nodes = 1): Routing {
    return production && (maxReplicas > 1 || nodes > 1) ? Routing.KvAware : Routing.Service;
}

/** The routing mode, from plain args only: which objects the endpoint registers is known before any Input resolves. */
export function routingMode(args: Pick<ModelEndpointArgs, "routing" | "production" | "autoscaling" | "nodes">): Routing {
    const minReplicas = args.autoscaling?.minReplicas ?? (args.production ? 2 : 1);
    const maxReplicas = args.autoscaling?.maxReplicas ?? Math.max(typeof minReplicas === "number" ? minReplicas : 1, 1);
    const nodes = args.nodes ?? 1;
    return args.routing ?? defaultRouting(args.production ?? false, maxReplicas, typeof nodes === "number" ? nodes : 1);
}

function validateRouting(p: Problems, r: ResolvedModelEndpointArgs, args: ModelEndpointArgs): void {
    const mode = r.routing.mode;
    if (!p.check(Object.values(Routing).includes(mode), "routing", mode, `expected one of ${Object.values(Routing).map((m) => `"${m}"`).join(", ")}`)) return;
    if (mode !== Routing.KvAware) return;
    const why = args.routing === undefined ? " (the default for a production endpoint with more than one replica or node)" : "";
    const g = r.routing.gateway;
    if (!p.check(g !== undefined, "inferenceGateway", g, `routing "kv-aware"${why} needs the cluster's inference Gateway (InferenceGateway.ref); or set routing to "service"`)) return;
    const at = p.at("inferenceGateway");
    checkDnsLabel(at, "name", g!.name);
    checkDnsLabel(at, "namespace", g!.namespace);
    at.check(isPort(g!.port), "port", g!.port, "expected a TCP port from 1 to 65535");
}

export interface ModelEndpointArgs {
    /** The cluster to deploy into. */
    cluster: EndpointCluster;
    /** The GPU pool (one of `cluster.pools`) whose nodes run the replicas. */
    pool: string;
    /** Existing namespace to deploy into, a DNS-1123 label (e.g. a `TenantNamespace`'s, or the platform's `tenantNamespaces` output). */
    namespace: pulumi.Input<string>;
    /**
     * The model: a Hugging Face repo id (`org/name`, downloaded at start), or
     * `s3://bucket/prefix` (streamed with the Run:ai streamer through a
     * Pod Identity role that can read only that prefix).
     */
    model: string;
    /** Name clients ask for (`--served-model-name`). Default: the component name. */
    servedModelName?: string;
    /** GPUs per replica, and vLLM's `--tensor-parallel-size`; must fit one node of the pool. Default 1. */
    tensorParallelSize?: number;
    /** `--max-model-len`. Default: the model's own context length. */
    maxModelLen?: number;
    /** `--gpu-memory-utilization`, in (0, 1]. Default 0.9. */
    gpuMemoryUtilization?: number;
    /** `--enable-prefix-caching` (or `--no-enable-prefix-caching`). Default true. */
    enablePrefixCaching?: boolean;
    /** `--max-num-seqs`: sequences one replica serves at once. Default 256. */
    maxNumSeqs?: number;
    /** `--dtype`. Default: not set (vLLM's `auto`). */
    dtype?: Dtype;
    /** `--quantization` method, e.g. `"fp8"`, `"awq"`. Default: not set (from the model's config). */
    quantization?: string;
    /**
     * `--trust-remote-code`: lets vLLM run Python code from the model
     * repository (custom architectures). Anyone who can push to that repository
     * then runs code in the pod; opt in only for repositories you trust. Default false.
     */
    trustRemoteCode?: boolean;
    /**
     * Further `vllm serve` flags, appended as given. Refused in any spelling
     * (`_` for `-`, `--flag=value` or `--flag value`, an abbreviation): flags the
     * typed args set, `--load-format`, `--config`, `--trust-remote-code`, and
     * credentials (`--api-key`). Default none.
     */
    extraArgs?: string[];
    /** CPU, memory and shared memory per replica. Defaults scale with the GPU count. */
    resources?: EndpointResourceArgs;
    /** Hugging Face token, stored in a Secret the component creates. Default: none (public model or S3). */
    hfToken?: pulumi.Input<string>;
    /** An existing Secret with the Hugging Face token, instead of `hfToken`. Default: none. */
    hfTokenSecret?: SecretRef;
    /** Persistent Hugging Face cache (Hub models only). Default: none, the cache is an emptyDir per pod. */
    cacheVolume?: CacheVolumeArgs;
    /** How long a replica may take to load before it is restarted. Default 1800 (30 min). */
    startupTimeoutSeconds?: number;
    /** Seconds a stopping replica has to drain in-flight requests. Default 120. */
    terminationGracePeriodSeconds?: number;
    /** KEDA autoscaling on queue depth (of replicas; with `nodes` ≥ 2, of whole groups). */
    autoscaling?: AutoscalingArgs;
    // --- Multi-node serving (LeaderWorkerSet; see multi-node.ts and leader-worker-set.ts) ---
    /**
     * Nodes one replica spans. With ≥ 2 the endpoint renders a LeaderWorkerSet
     * (a group of `nodes` pods, one per node) instead of a Deployment, and vLLM
     * runs over Ray: tensor parallel = `tensorParallelSize` (the GPUs of one
     * node), pipeline parallel = `nodes`. Needs the cluster's LeaderWorkerSet
     * add-on (GpuCluster `multiNode`). Default 1.
     */
    nodes?: number;
    /**
     * The model's size in billions of parameters. Given, validation checks the
     * model fits its GPUs (multi-node.ts `modelFit`) and the startup budget is
     * sized from the weight bytes (`startupBudgetSeconds`). Required with `nodes` ≥ 2. Default: not set.
     */
    parametersBillions?: number;
    /**
     * A production endpoint keeps serving through node expiry, drift and
     * consolidation: it runs ≥ 2 replicas (or idles at 0 by choice), spread
     * over nodes, so the PDB's one-at-a-time evictions always leave one
     * serving. Karpenter's expiry is forceful and ignores disruption budgets
     * (Karpenter v1.14 docs, concepts/disruption "Expiration"), so one replica
     * would mean a periodic outage and a full model reload. Default false.
     */
    production?: boolean;
    /** Prometheus scraping of `/metrics`. */
    monitoring?: MonitoringArgs;
    /** Tags on the AWS resources (the S3 weights role and its Pod Identity association). Default none. */
    tags?: Record<string, string>;
    /**
     * How the gateway reaches the replicas (`Routing`). Default `"kv-aware"` for a
     * `production` endpoint with `autoscaling.maxReplicas` > 1, else `"service"`.
     */
    routing?: Routing;
    /** The inference Gateway a kv-aware endpoint routes through (`InferenceGateway.ref`). Required when routing is kv-aware. */
    inferenceGateway?: InferenceGatewayRef;
}

/**
 * The facts of `ModelEndpointArgs` a tenant may pass as Outputs, known: the
 * args validation and the renderers take. The rest of the args are plain.
 */
export type KnownModelEndpointArgs = Omit<ModelEndpointArgs, "namespace" | "cluster"> & {
    namespace: string;
    cluster: Omit<EndpointCluster, "pools"> & { pools: GpuPoolInfo[] };
};

/** Where the weights come from, after validation. */
export type ResolvedWeights =
    | { source: "s3"; uri: string; bucket: string; prefix: string }
    | { source: "huggingface"; cacheVolume?: Required<CacheVolumeArgs> };

export interface ResolvedHfToken {
    secretName: string;
    key: string;
    /** True when the component creates the Secret from `hfToken`. */
    create: boolean;
}

export interface ResolvedModelEndpointArgs {
    name: string;
    namespace: string;
    pool: GpuPoolInfo;
    model: string;
    servedModelName: string;
    weights: ResolvedWeights;
    tensorParallelSize: number;
    maxModelLen?: number;
    gpuMemoryUtilization: number;
    enablePrefixCaching: boolean;
    maxNumSeqs: number;
    dtype?: Dtype;
    quantization?: string;
    extraArgs: string[];
    trustRemoteCode: boolean;
    resources: Required<EndpointResourceArgs>;
    hfToken?: ResolvedHfToken;
    startupTimeoutSeconds: number;
    terminationGracePeriodSeconds: number;
    autoscaling: Required<Omit<AutoscalingArgs, "wakeQuery">> & { wakeQuery?: string };
    monitoring: Required<MonitoringArgs>;
    production: boolean;
    /** Nodes per replica (1: a Deployment; ≥ 2: a LeaderWorkerSet group). */
    nodes: number;
    parametersBillions?: number;
    /** `vpc.amazonaws.com/efa` each pod of a multi-node replica asks for; undefined without EFA or with one node. */
    efaInterfaces?: number;
    routing: ResolvedRouting;
}

/** Seconds a stopping pod keeps serving while the Service drops it, before vLLM gets SIGTERM. */
export const PRESTOP_SECONDS = 10;

/** `vllm serve` flags the component sets itself, with why each may not appear in `extraArgs`. */
const MANAGED_FLAGS: Record<string, string> = {
    "--model": "set by model",
    "--served-model-name": "set by servedModelName",
    "--tensor-parallel-size": "set by tensorParallelSize",
    "-tp": "set by tensorParallelSize",
    "--max-model-len": "set by maxModelLen",
    "--gpu-memory-utilization": "set by gpuMemoryUtilization",
    "--enable-prefix-caching": "set by enablePrefixCaching",
    "--no-enable-prefix-caching": "set by enablePrefixCaching",
    "--max-num-seqs": "set by maxNumSeqs",
    "--dtype": "set by dtype",
    "--quantization": "set by quantization",
    "-q": "set by quantization",
    "--pipeline-parallel-size": "set by nodes (one pipeline stage per node)",
    "-pp": "set by nodes (one pipeline stage per node)",
    "--distributed-executor-backend": "set by nodes (Ray across nodes)",
    "--load-format": "set by model (an s3:// model uses the Run:ai streamer)",
    "--download-dir": "set by the component (the Hugging Face cache is HF_HOME)",
    "--host": "fixed: the server listens on every interface for the Service and probes",
    "--port": "fixed: the Service and probes use port 8000",
};

/** Flags refused outright, with why. */
const REFUSED_FLAGS: Record<string, string> = {
    "--trust-remote-code": "runs code from the model repository; opt in with trustRemoteCode: true",
    "--config": "reads further flags from a file, past these checks",
};

/**
 * Flags that carry credentials: a value in the Deployment's args is readable by
 * anyone who can read the Deployment, and shows in `ps` and in logs. Refused,
 * and never echoed (the message hides the value).
 */
const CREDENTIAL_FLAGS = ["--api-key", "--hf-token", "--ssl-keyfile"];

const HF_REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$/;
/** Safe in PromQL label matchers, URLs and the gateway's `hosted_vllm/<name>`. */
const SERVED_NAME = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Object key characters AWS calls safe; no IAM wildcards (`*`, `?`), which would widen the policy. */
const S3_PREFIX = /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*\/?$/;
const CPU = /^([1-9][0-9]*m|[0-9]+(\.[0-9]+)?)$/;
const QUANTIZATION = /^[a-z0-9_-]+$/;

/** `given` over `defaults`, ignoring keys given as undefined. */
function withDefaults<T extends object>(defaults: Required<T>, given: T | undefined): Required<T> {
    const set = Object.entries(given ?? {}).filter(([, v]) => v !== undefined);
    return { ...defaults, ...Object.fromEntries(set) };
}

/** `s3://bucket/prefix` → bucket and prefix (no trailing slash), or undefined when malformed. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } | undefined {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) return undefined;
    const [, bucket, prefix] = m;
    const validBucket = S3_BUCKET.test(bucket) && !bucket.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(bucket);
    if (!validBucket || !S3_PREFIX.test(prefix)) return undefined;
    return { bucket, prefix: prefix.replace(/\/$/, "") };
}

/** Where the weights come from: follows from `model` and `cacheVolume` alone (plain args). */
export function resolveWeights(args: ModelEndpointArgs): ResolvedWeights {
    const s3 = typeof args.model === "string" && args.model.startsWith("s3:") ? parseS3Uri(args.model) : undefined;
    if (s3) return { source: "s3", uri: `s3://${s3.bucket}/${s3.prefix}`, ...s3 };
    const cache = args.cacheVolume;
    return {
        source: "huggingface",
        cacheVolume: cache ? withDefaults<CacheVolumeArgs>({ storageClassName: "gp3", size: "200Gi", accessMode: "ReadWriteOnce" }, cache) : undefined,
    };
}

export function resolveHfToken(args: ModelEndpointArgs, name: string): ResolvedHfToken | undefined {
    if (args.hfTokenSecret) return { secretName: args.hfTokenSecret.name, key: args.hfTokenSecret.key ?? "token", create: false };
    if (args.hfToken !== undefined) return { secretName: `${name}-hf-token`, key: "token", create: true };
    return undefined;
}

/** What one slice of a shared pool may use, on the smallest node any of its families launches (undefined without sharing). */
export function poolSliceShare(pool: GpuPoolInfo): ReturnType<typeof sliceShare> | undefined {
    if (!pool.sharing) return undefined;
    const perGpu = poolAdvertisedPerGpu(pool);
    const shares = poolFamilies(pool).map((f) => sliceShare(f, perGpu));
    return shares.sort((a, b) => a.cpuMillis - b.cpuMillis || a.memoryMiB - b.memoryMiB)[0];
}

function defaultResources(pool: GpuPoolInfo, gpus: number): Required<EndpointResourceArgs> {
    const share = poolSliceShare(pool);
    if (share) return { cpu: `${share.cpuMillis}m`, memory: `${share.memoryMiB}Mi`, shmSize: "1Gi" };
    return { cpu: String(4 * gpus), memory: `${24 * gpus}Gi`, shmSize: `${4 * gpus}Gi` };
}

/**
 * `startupTimeoutSeconds` with its default: sized from the weights when the
 * args say how large they are. Plain args only, so the component can set
 * Pulumi's rollout timeout before Input args resolve.
 */
export function defaultedStartupTimeout(args: ModelEndpointArgs): number {
    const sized = { parametersBillions: args.parametersBillions, dtype: args.dtype, quantization: args.quantization, weights: resolveWeights(args) };
    return args.startupTimeoutSeconds ?? startupBudgetSeconds(sized) ?? MIN_STARTUP_SECONDS;
}

/** Applies defaults; `pool` is looked up by name (validation reports a missing one). */
export function resolveModelEndpointArgs(name: string, args: KnownModelEndpointArgs, pool: GpuPoolInfo): ResolvedModelEndpointArgs {
    const tp = args.tensorParallelSize ?? 1;
    const gpus = isInt(tp, 1) ? tp : 1;
    const minReplicas = args.autoscaling?.minReplicas ?? (args.production ? 2 : 1);
    const nodes = args.nodes ?? 1;
    const wholeNode = isInt(nodes, 2) && !pool.sharing ? multiNodeResources({ pool }) : undefined;
    const routing = routingMode(args);
    return {
        name,
        namespace: args.namespace,
        pool,
        model: args.model,
        servedModelName: args.servedModelName ?? name,
        weights: resolveWeights(args),
        tensorParallelSize: tp,
        maxModelLen: args.maxModelLen,
        gpuMemoryUtilization: args.gpuMemoryUtilization ?? 0.9,
        enablePrefixCaching: args.enablePrefixCaching ?? true,
        maxNumSeqs: args.maxNumSeqs ?? 256,
        dtype: args.dtype,
        quantization: args.quantization,
        extraArgs: args.extraArgs ?? [],
        trustRemoteCode: args.trustRemoteCode ?? false,
        resources: withDefaults<EndpointResourceArgs>(wholeNode ?? defaultResources(pool, gpus), args.resources),
        hfToken: resolveHfToken(args, name),
        startupTimeoutSeconds: defaultedStartupTimeout(args),
        terminationGracePeriodSeconds: args.terminationGracePeriodSeconds ?? 120,
        autoscaling: {
            ...withDefaults<Omit<AutoscalingArgs, "wakeQuery">>({
                minReplicas,
                maxReplicas: Math.max(typeof minReplicas === "number" ? minReplicas : 1, 1),
                allowScaleToZero: false,
                allowMultiNodeScaleToZero: false,
                targetQueueDepth: 5,
                serverAddress: DEFAULT_PROMETHEUS_URL,
                pollingInterval: 15,
                cooldownPeriod: 600,
                scaleDownStabilizationSeconds: 600,
            }, args.autoscaling),
            wakeQuery: args.autoscaling?.wakeQuery,
        },
        monitoring: withDefaults<MonitoringArgs>({ serviceMonitorLabels: { release: "kube-prometheus-stack" }, scrapeInterval: "15s" }, args.monitoring),
        production: args.production ?? false,
        nodes,
        parametersBillions: args.parametersBillions,
        efaInterfaces: isInt(nodes, 2) ? multiNodeEfa({ nodes, pool }) : undefined,
        routing: { mode: routing, ...(routing === Routing.KvAware ? { gateway: args.inferenceGateway } : {}) },
    };
}

export { poolFamilies };

function validateModel(p: Problems, r: ResolvedModelEndpointArgs, args: KnownModelEndpointArgs): void {
    const model: unknown = args.model;
    if (typeof model === "string" && model.includes("://")) {
        p.check(
            r.weights.source === "s3",
            "model",
            model,
            "expected an S3 URI s3://<bucket>/<prefix>: a valid bucket name (3-63 lowercase letters, digits, '.', '-') and a non-empty key prefix without wildcards",
        );
    } else {
        p.check(typeof model === "string" && HF_REPO_ID.test(model), "model", model, "expected a Hugging Face repo id such as \"meta-llama/Llama-3.1-8B-Instruct\", or s3://<bucket>/<prefix>");
    }
    p.check(
        SERVED_NAME.test(String(r.servedModelName)) && !/\.\.|\/\//.test(r.servedModelName),
        "servedModelName",
        r.servedModelName,
        "expected 1-128 letters, digits, '.', '_', '-' or '/', starting and ending with a letter or digit",
    );
    if (r.weights.source === "s3") {
        p.check(args.cacheVolume === undefined, "cacheVolume", args.cacheVolume, "a cache volume applies only to Hugging Face models; S3 weights stream straight to GPU memory");
        p.check(args.cluster?.clusterName !== undefined, "cluster.clusterName", undefined, "S3 weights are read through EKS Pod Identity, which needs the cluster's name");
    }
    if (r.weights.source === "huggingface" && r.weights.cacheVolume) {
        const c = p.at("cacheVolume");
        const cache = r.weights.cacheVolume;
        c.check(isDnsSubdomain(cache.storageClassName), "storageClassName", cache.storageClassName, "expected a StorageClass name (DNS-1123 subdomain)");
        c.check(isVolumeSize(cache.size), "size", cache.size, 'expected a size such as "200Gi" or "1Ti"');
        c.check((Object.values(CacheAccessMode) as string[]).includes(cache.accessMode), "accessMode", cache.accessMode, 'expected "ReadWriteOnce" or "ReadWriteMany"');
        c.check(
            cache.accessMode !== "ReadWriteOnce" || r.autoscaling.maxReplicas <= 1,
            "accessMode",
            cache.accessMode,
            `a ReadWriteOnce volume attaches to one node, so at most 1 replica (autoscaling.maxReplicas is ${r.autoscaling.maxReplicas}); use "ReadWriteMany" (e.g. an EFS class) or S3 weights`,
        );
    }
}

function validateGpus(p: Problems, r: ResolvedModelEndpointArgs): void {
    const tp = r.tensorParallelSize;
    if (!p.check(isInt(tp, 1), "tensorParallelSize", tp, "expected a whole number of GPUs ≥ 1")) return;
    const pool = r.pool;
    const sharing = pool.sharing;
    if (sharing) {
        p.check(tp === 1, "tensorParallelSize", tp, `pool "${pool.name}" shares GPUs (${sharing.mode}): a shared slice cannot join a tensor-parallel group, so use 1`);
        return;
    }
    // Multi-node: each pod takes a whole node, so validateMultiNode asks for an exact GPU count instead.
    if (r.nodes > 1) return;
    const families = poolFamilies(pool);
    const sizes = families.map((f) => `${f}: ${GPU_FAMILIES[f].gpuCounts.join(", ")}`).join("; ");
    p.check(
        families.some((f) => GPU_FAMILIES[f].gpuCounts.some((count) => count % tp === 0)),
        "tensorParallelSize",
        tp,
        `one replica's GPUs must sit on one node of pool "${pool.name}", so the count must divide the GPUs of one of its instance sizes (${sizes} GPUs per instance)`,
    );
}

function validateEngine(p: Problems, r: ResolvedModelEndpointArgs): void {
    const util = r.gpuMemoryUtilization;
    if (p.check(typeof util === "number" && util > 0 && util <= 1, "gpuMemoryUtilization", util, "expected a fraction in (0, 1]")) {
        const sharing = r.pool.sharing;
        if (sharing?.mode === "time-slicing") {
            const ways = poolAdvertisedPerGpu(r.pool);
            p.check(
                util <= 1 / ways,
                "gpuMemoryUtilization",
                util,
                `pool "${r.pool.name}" time-slices each GPU ${ways} ways without memory isolation, so each replica may claim at most 1/${ways} (${(1 / ways).toFixed(3)})`,
            );
        }
    }
    if (r.maxModelLen !== undefined) {
        p.check(isInt(r.maxModelLen, 1) && r.maxModelLen <= MAX_CONTEXT_TOKENS, "maxModelLen", r.maxModelLen, `expected a whole number of tokens from 1 to ${MAX_CONTEXT_TOKENS.toLocaleString("en-US")} (the longest context of any open model, Llama 4 Scout's)`);
    }
    p.check(isInt(r.maxNumSeqs, 1), "maxNumSeqs", r.maxNumSeqs, "expected a whole number ≥ 1");
    if (r.dtype !== undefined) p.check(DTYPES.includes(r.dtype), "dtype", r.dtype, `expected one of ${DTYPES.join(", ")}`);
    if (r.quantization !== undefined) p.check(QUANTIZATION.test(String(r.quantization)), "quantization", r.quantization, 'expected a vLLM quantization method such as "fp8" or "awq"');
    p.check(typeof r.trustRemoteCode === "boolean", "trustRemoteCode", r.trustRemoteCode, "expected true or false");
    if (!p.check(Array.isArray(r.extraArgs), "extraArgs", r.extraArgs, "expected a list of strings")) return;
    r.extraArgs.forEach((arg, i) => {
        if (!p.at("extraArgs").check(typeof arg === "string" && arg.length > 0, i, arg, "expected a non-empty string")) return;
        const parsed = parseFlag(arg);
        if (parsed === undefined) return;
        const credential = selectedFlag(parsed.name, CREDENTIAL_FLAGS);
        if (credential !== undefined) {
            p.at("extraArgs").add(i, withoutValue(arg), `${credential} is a credential; it may not appear in the args (readable in the Deployment, in ps and in logs)`);
            return;
        }
        const refused = selectedFlag(parsed.name, Object.keys(REFUSED_FLAGS));
        if (refused !== undefined) {
            p.at("extraArgs").add(i, arg, `${refused} ${REFUSED_FLAGS[refused]}`);
            return;
        }
        const flag = selectedFlag(parsed.name, Object.keys(MANAGED_FLAGS));
        p.at("extraArgs").check(flag === undefined, i, arg, `${flag} is ${flag ? MANAGED_FLAGS[flag] : ""}; the component renders it, so it may not appear in extraArgs`);
    });
}

function validatePod(p: Problems, r: ResolvedModelEndpointArgs, args: KnownModelEndpointArgs): void {
    const res = p.at("resources");
    res.check(CPU.test(String(r.resources.cpu)), "cpu", r.resources.cpu, 'expected a CPU quantity such as "8" or "7500m"');
    res.check(isVolumeSize(r.resources.memory), "memory", r.resources.memory, 'expected a memory size such as "48Gi"');
    res.check(isVolumeSize(r.resources.shmSize), "shmSize", r.resources.shmSize, 'expected a size such as "8Gi"');
    checkSlicesPack(res, r);
    if (args.hfToken !== undefined && args.hfTokenSecret !== undefined) {
        p.add("hfTokenSecret", args.hfTokenSecret, "give hfToken or hfTokenSecret, not both");
    }
    if (typeof args.hfToken === "string") p.check(args.hfToken.length > 0, "hfToken", args.hfToken, "expected a non-empty token");
    if (args.hfTokenSecret !== undefined) {
        const s = p.at("hfTokenSecret");
        s.check(isDnsSubdomain(args.hfTokenSecret.name), "name", args.hfTokenSecret.name, SECRET_NAME_RULE);
        s.check(isSecretKey(r.hfToken?.key), "key", args.hfTokenSecret.key, SECRET_KEY_RULE);
    }
    p.check(isInt(r.startupTimeoutSeconds, 60), "startupTimeoutSeconds", r.startupTimeoutSeconds, "expected whole seconds ≥ 60 (large models take many minutes to load)");
    p.check(
        isInt(r.terminationGracePeriodSeconds, PRESTOP_SECONDS + 20),
        "terminationGracePeriodSeconds",
        r.terminationGracePeriodSeconds,
        `expected whole seconds ≥ ${PRESTOP_SECONDS + 20}: the first ${PRESTOP_SECONDS} s let the Service drop the pod, the rest drain in-flight requests`,
    );
    const mon = p.at("monitoring");
    mon.check(isPrometheusDuration(r.monitoring.scrapeInterval), "scrapeInterval", r.monitoring.scrapeInterval, PROMETHEUS_DURATION_RULE);
}

/** On a shared pool, every slice of the smallest node must fit it: requests × slices ≤ what the node leaves free. */
function checkSlicesPack(p: Problems, r: ResolvedModelEndpointArgs): void {
    const share = poolSliceShare(r.pool);
    const cpu = parseQuantity(r.resources.cpu);
    const memory = parseQuantity(r.resources.memory);
    if (!share || cpu === undefined || memory === undefined) return;
    const room = `${share.slicesPerNode} slices share one ${share.instanceType}, so each may have at most`;
    p.check(Math.round(cpu * 1000) <= share.cpuMillis, "cpu", r.resources.cpu, `pool "${r.pool.name}" shares GPUs: ${room} ${share.cpuMillis}m CPU`);
    p.check(memory / 2 ** 20 <= share.memoryMiB, "memory", r.resources.memory, `pool "${r.pool.name}" shares GPUs: ${room} ${share.memoryMiB}Mi memory`);
}

function validateAutoscaling(p: Problems, r: ResolvedModelEndpointArgs): void {
    const a = r.autoscaling;
    const at = p.at("autoscaling");
    const minOk = at.check(isInt(a.minReplicas, 0), "minReplicas", a.minReplicas, "expected a whole number ≥ 0");
    if (minOk && a.minReplicas === 0) {
        at.check(a.allowScaleToZero === true, "minReplicas", 0, "scaling to zero must be allowed explicitly: set autoscaling.allowScaleToZero to true, or minReplicas ≥ 1");
        at.check(
            typeof a.wakeQuery === "string" && a.wakeQuery.trim().length > 0,
            "wakeQuery",
            a.wakeQuery,
            "scale to zero needs a PromQL query that rises above 0 while requests arrive and no replica runs (vLLM's own metrics vanish at zero)",
        );
    }
    if (at.check(isInt(a.maxReplicas, 1), "maxReplicas", a.maxReplicas, "expected a whole number ≥ 1") && minOk) {
        at.check(a.maxReplicas >= a.minReplicas, "maxReplicas", a.maxReplicas, `expected maxReplicas ≥ minReplicas (${a.minReplicas})`);
        // A replica holds tensorParallelSize GPUs on each of its nodes.
        const tp = isInt(r.nodes, 1) && isInt(r.tensorParallelSize, 1) ? r.tensorParallelSize * r.nodes : undefined;
        const factors = r.nodes > 1 ? "maxReplicas × nodes × tensorParallelSize" : "maxReplicas × tensorParallelSize";
        // An invalid pool limit is the cluster's problem to report, not this endpoint's.
        if (tp !== undefined && isInt(r.pool.gpuLimit, 1)) {
            const perGpu = poolAdvertisedPerGpu(r.pool);
            const held = perGpu > 1
                ? `${a.maxReplicas * tp} slices exceeds pool "${r.pool.name}"'s ${r.pool.gpuLimit * perGpu} slices (gpuLimit ${r.pool.gpuLimit} GPUs × ${perGpu})`
                : `${a.maxReplicas * tp} GPUs exceeds pool "${r.pool.name}" gpuLimit ${r.pool.gpuLimit}`;
            at.check(a.maxReplicas * tp <= r.pool.gpuLimit * perGpu, "maxReplicas", a.maxReplicas, `${factors} = ${held}; the extra replicas could never schedule`);
        }
    }
    if (r.production && minOk) {
        at.check(
            a.minReplicas !== 1,
            "minReplicas",
            a.minReplicas,
            "a production endpoint needs ≥ 2 replicas (or 0 with allowScaleToZero): Karpenter's node expiry, drift and consolidation evict replicas one at a time, so one replica means an outage and a full model reload",
        );
    }
    at.check(typeof a.allowScaleToZero === "boolean", "allowScaleToZero", a.allowScaleToZero, "expected true or false");
    at.check(typeof a.allowMultiNodeScaleToZero === "boolean", "allowMultiNodeScaleToZero", a.allowMultiNodeScaleToZero, "expected true or false");
    at.check(isInt(a.targetQueueDepth, 1), "targetQueueDepth", a.targetQueueDepth, "expected a whole number of waiting requests ≥ 1");
    at.check(isHttpUrl(a.serverAddress), "serverAddress", a.serverAddress, "expected an http(s) URL of Prometheus, e.g. " + DEFAULT_PROMETHEUS_URL);
    at.check(isInt(a.pollingInterval, 1), "pollingInterval", a.pollingInterval, "expected whole seconds ≥ 1");
    at.check(isInt(a.cooldownPeriod, 0), "cooldownPeriod", a.cooldownPeriod, "expected whole seconds ≥ 0");
    at.check(isInt(a.scaleDownStabilizationSeconds, 0), "scaleDownStabilizationSeconds", a.scaleDownStabilizationSeconds, "expected whole seconds ≥ 0");
}

/** Validates ModelEndpoint args against its cluster's pools; throws one ValidationError listing every problem. */
export function validateModelEndpointArgs(name: string, args: KnownModelEndpointArgs): ResolvedModelEndpointArgs {
    const p = new Problems();
    if (checkDnsLabel(p, "name", name)) {
        p.check(/^[a-z]/.test(name), "name", name, "expected to start with a letter: the name is the Service's (DNS-1035)");
    }
    checkDnsLabel(p, "namespace", args.namespace);
    const pools = args.cluster?.pools ?? [];
    const pool = pools.find((candidate) => candidate.name === args.pool);
    p.check(pool !== undefined, "pool", args.pool, `expected one of the cluster's GPU pools: ${pools.map((x) => x.name).join(", ") || "(none)"}`);
    // Without a pool, validate the rest against an unconstrained one so every other problem is still reported.
    const r = resolveModelEndpointArgs(name, args, pool ?? { name: String(args.pool), gpuLimit: Infinity, instanceFamilies: [], gpuNames: [], capacityTypes: [] });
    validateModel(p, r, args);
    if (pool) validateGpus(p, r);
    validateEngine(p, r);
    validatePod(p, r, args);
    validateAutoscaling(p, r);
    validateMultiNode(p, r);
    validateModelFit(p, r);
    validateRouting(p, r, args);
    p.throwIfAny(`ModelEndpoint "${name}" args`);
    return r;
}

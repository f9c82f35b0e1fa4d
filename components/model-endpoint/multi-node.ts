/**
 * What a model needs of its GPUs, and what a replica spanning several nodes
 * (a LeaderWorkerSet group) needs of its pool: model fit, topology, EFA, the
 * startup budget. Pure functions over resolved args; validation reports
 * through `Problems` like the rest of args.ts.
 */
import type { Problems } from "../internal/errors";
import { isInt } from "../internal/validators";
import { allocatable, familiesWithoutEfa, GPU_FAMILIES, GPU_NODE_DAEMONSET_RESERVE, poolEfaInterfaces, poolFamilies } from "../internal/gpu-instances";
import type { ResolvedModelEndpointArgs } from "./args";

/** Bytes one parameter takes in GPU memory per `--quantization` method (weight precision; vLLM docs, "Quantization"). */
export const QUANTIZATION_BYTES: Readonly<Record<string, number>> = {
    fp8: 1,
    fbgemm_fp8: 1,
    ptpc_fp8: 1,
    modelopt: 1,
    awq: 0.5,
    awq_marlin: 0.5,
    gptq: 0.5,
    gptq_marlin: 0.5,
    bitsandbytes: 0.5,
    mxfp4: 0.5,
};

/**
 * Share of the memory vLLM may claim (`gpuMemoryUtilization` × GPU memory)
 * kept free of weights: the KV cache, activations and CUDA graphs. A model
 * that leaves less serves a handful of short sequences at best.
 */
export const KV_CACHE_HEADROOM = 0.15;

const GIB = 2 ** 30;

/** Bytes per parameter: the quantization's, else the dtype's (float32 4, everything else 2: `auto` loads bf16/fp16 checkpoints as they are). */
export function bytesPerParameter(r: Pick<ResolvedModelEndpointArgs, "dtype" | "quantization">): number {
    if (r.quantization !== undefined && QUANTIZATION_BYTES[r.quantization] !== undefined) return QUANTIZATION_BYTES[r.quantization];
    return r.dtype === "float32" || r.dtype === "float" ? 4 : 2;
}

/** Weight bytes of the model, or undefined when its size is not given. */
export function modelBytes(r: Pick<ResolvedModelEndpointArgs, "parametersBillions" | "dtype" | "quantization">): number | undefined {
    return r.parametersBillions === undefined ? undefined : r.parametersBillions * 1e9 * bytesPerParameter(r);
}

/** The smallest per-GPU memory among the pool's families, GiB. */
function poolGpuMemoryGiB(r: ResolvedModelEndpointArgs): number | undefined {
    const families = poolFamilies(r.pool);
    return families.length ? Math.min(...families.map((f) => GPU_FAMILIES[f].gpuMemoryGiB)) : undefined;
}

/**
 * The model-fit arithmetic: weights (parameters × bytes per parameter) plus
 * KV_CACHE_HEADROOM of vLLM's share must fit the GPU memory of every GPU of a
 * replica, i.e. weights ≤ nodes × GPUs per node × GPU memory ×
 * gpuMemoryUtilization × (1 − KV_CACHE_HEADROOM). Undefined when it cannot be
 * computed (no size given, a shared pool, an unknown pool).
 */
export function modelFit(r: ResolvedModelEndpointArgs): { weightsGiB: number; usableGiB: number; gpus: number; gpuMemoryGiB: number } | undefined {
    const bytes = modelBytes(r);
    const gpuMemoryGiB = poolGpuMemoryGiB(r);
    if (bytes === undefined || gpuMemoryGiB === undefined || r.pool.sharing) return undefined;
    const gpus = r.nodes * r.tensorParallelSize;
    return { weightsGiB: bytes / GIB, usableGiB: gpus * gpuMemoryGiB * r.gpuMemoryUtilization * (1 - KV_CACHE_HEADROOM), gpus, gpuMemoryGiB };
}

/**
 * How fast each load path brings weights in, bytes per second, per node,
 * stated conservatively: the Run:ai streamer reading S3 in parallel from
 * inside the VPC (1 GB/s), and a Hugging Face Hub download (150 MB/s; every
 * node of a group downloads the repository itself).
 */
export const LOAD_RATES = { s3: 1e9, huggingface: 150e6 } as const;
/** Ray cluster formation, CUDA graph capture and torch.compile, on top of reading the weights. */
export const ENGINE_START_SECONDS = 600;
/** Margin over the modelled load time before a replica counts as stuck. */
export const STARTUP_MARGIN = 1.5;
/** The budget never goes below the single-node default. */
export const MIN_STARTUP_SECONDS = 1800;

/**
 * The startup probe's budget from the model's bytes and the load path:
 * ceil-to-minute(max(MIN_STARTUP_SECONDS, bytes ÷ LOAD_RATES[path] × STARTUP_MARGIN + ENGINE_START_SECONDS)).
 * Undefined without a model size (the plain default applies).
 */
export function startupBudgetSeconds(r: Pick<ResolvedModelEndpointArgs, "parametersBillions" | "dtype" | "quantization" | "weights">): number | undefined {
    const bytes = modelBytes(r);
    if (bytes === undefined || !(bytes > 0)) return undefined;
    const seconds = (bytes / LOAD_RATES[r.weights.source]) * STARTUP_MARGIN + ENGINE_START_SECONDS;
    return Math.ceil(Math.max(MIN_STARTUP_SECONDS, seconds) / 60) * 60;
}

/** EFA interfaces each pod of a multi-node replica asks for: only where the cluster wired EFA to the pool's nodes (`GpuPoolInfo.efa`). */
export function multiNodeEfa(r: Pick<ResolvedModelEndpointArgs, "nodes" | "pool">): number | undefined {
    return r.nodes >= 2 && r.pool.efa === true ? poolEfaInterfaces(r.pool) : undefined;
}

/**
 * CPU, memory and `/dev/shm` of one pod of a multi-node replica: it takes its
 * whole node, so it asks for the node's allocatable (Karpenter's formula, the
 * smallest 8-GPU size of the pool) less what the GPU node DaemonSets request,
 * and a quarter of that memory as `/dev/shm` (NCCL buffers and Ray's object
 * store, which Ray places in /dev/shm when it is large enough). Undefined when
 * the pool's node shape is not recorded (families without an `efa` record).
 */
export function multiNodeResources(r: Pick<ResolvedModelEndpointArgs, "pool">): { cpu: string; memory: string; shmSize: string } | undefined {
    const shapes = poolFamilies(r.pool).map((f) => GPU_FAMILIES[f].efa?.node);
    if (shapes.length === 0 || shapes.some((s) => s === undefined)) return undefined;
    const free = shapes.map((s) => allocatable(s!));
    const cpuMillis = Math.min(...free.map((f) => f.cpuMillis)) - GPU_NODE_DAEMONSET_RESERVE.cpuMillis;
    const memoryGiB = Math.floor((Math.min(...free.map((f) => f.memoryMiB)) - GPU_NODE_DAEMONSET_RESERVE.memoryMiB) / 1024);
    return { cpu: `${Math.floor(cpuMillis / 1000)}`, memory: `${memoryGiB}Gi`, shmSize: `${Math.floor(memoryGiB / 4)}Gi` };
}

/** Pod names are `<name>-group-<i>-<j>` and must stay DNS labels (≤ 63) for up to 99 groups of 99 nodes. */
export const MULTI_NODE_NAME_MAX = 63 - "-group-99-99".length;

/** Model fit, for any endpoint whose size is given. */
export function validateModelFit(p: Problems, r: ResolvedModelEndpointArgs): void {
    if (r.parametersBillions === undefined) return;
    if (!p.check(typeof r.parametersBillions === "number" && r.parametersBillions > 0 && r.parametersBillions <= 100_000, "parametersBillions", r.parametersBillions, "expected the model's parameter count in billions, above 0 (e.g. 671 for DeepSeek-R1)")) return;
    const fit = modelFit(r);
    if (!fit || !isInt(r.nodes, 1) || !isInt(r.tensorParallelSize, 1)) return;
    const bpp = bytesPerParameter(r);
    p.check(
        fit.weightsGiB <= fit.usableGiB,
        "parametersBillions",
        r.parametersBillions,
        `the model does not fit: ${r.parametersBillions}B parameters × ${bpp} bytes (${r.quantization ?? r.dtype ?? "16-bit"}) = ${fit.weightsGiB.toFixed(0)} GiB of weights, ` +
            `but ${r.nodes} node(s) × ${r.tensorParallelSize} GPUs × ${fit.gpuMemoryGiB} GiB × gpuMemoryUtilization ${r.gpuMemoryUtilization} leave ${fit.usableGiB.toFixed(0)} GiB ` +
            `once ${KV_CACHE_HEADROOM * 100} % is kept for the KV cache; use more nodes or GPUs, a larger GPU, or quantization`,
    );
}

/** Topology, pool and scaling rules of a replica spanning `nodes` ≥ 2 nodes. */
export function validateMultiNode(p: Problems, r: ResolvedModelEndpointArgs): void {
    if (!p.check(isInt(r.nodes, 1, 99), "nodes", r.nodes, "expected a whole number of nodes per replica from 1 to 99")) return;
    if (r.nodes < 2) return;
    const pool = r.pool;
    p.check(r.name.length <= MULTI_NODE_NAME_MAX, "name", r.name, `a multi-node endpoint's pods are named <name>-group-<replica>-<node>, so the name may have at most ${MULTI_NODE_NAME_MAX} characters`);
    p.check(
        r.parametersBillions !== undefined,
        "parametersBillions",
        undefined,
        `a multi-node endpoint (nodes: ${r.nodes}) must give the model's size, so its fit across ${r.nodes} nodes is checked before any node is bought`,
    );
    if (pool.sharing) {
        p.check(false, "nodes", r.nodes, `pool "${pool.name}" shares GPUs (${pool.sharing.mode}): a multi-node replica needs whole GPUs on whole nodes, so use a pool without time-slicing or MIG, or nodes: 1`);
        return;
    }
    const families = poolFamilies(pool);
    const tp = r.tensorParallelSize;
    if (isInt(tp, 1)) {
        const exact = families.filter((f) => GPU_FAMILIES[f].gpuCounts.includes(tp));
        p.check(
            exact.length > 0,
            "tensorParallelSize",
            tp,
            `with nodes ≥ 2, tensorParallelSize is the GPUs per node and each pod takes a whole node, so pool "${pool.name}" needs an instance size with exactly ${tp} GPUs ` +
                `(${families.map((f) => `${f}: ${GPU_FAMILIES[f].gpuCounts.join(", ")}`).join("; ") || "no families"})`,
        );
        if (isInt(pool.gpuLimit, 1)) {
            p.check(
                r.nodes * tp <= pool.gpuLimit,
                "nodes",
                r.nodes,
                `nodes × tensorParallelSize = ${r.nodes * tp} GPUs exceeds pool "${pool.name}" gpuLimit ${pool.gpuLimit}: one replica could never schedule`,
            );
        }
    }
    const withoutEfa = familiesWithoutEfa(pool);
    if (r.production && withoutEfa.length === 0) {
        p.check(
            pool.efa === true,
            "nodes",
            r.nodes,
            `a production multi-node endpoint needs EFA, and the cluster has not wired it to pool "${pool.name}"'s nodes: ` +
                "set GpuCluster multiNode (EKS Auto Mode cannot: the EFA device plugin does not run on Auto Mode nodes)",
        );
    }
    if (r.production) {
        p.check(
            withoutEfa.length === 0,
            "nodes",
            r.nodes,
            `a production multi-node endpoint needs EFA on every node of pool "${pool.name}", but ${withoutEfa.join(", ")} has none: ` +
                "pipeline and tensor traffic between nodes would go over TCP sockets, a fraction of EFA's bandwidth, so throughput collapses; " +
                `use EFA families (${Object.keys(GPU_FAMILIES).filter((f) => GPU_FAMILIES[f].efa).join(", ")})`,
        );
    }
    const a = r.autoscaling;
    if (a.minReplicas === 0) {
        p.at("autoscaling").check(
            a.allowMultiNodeScaleToZero === true,
            "minReplicas",
            0,
            `scaling a ${r.nodes}-node replica to zero must be allowed explicitly (autoscaling.allowMultiNodeScaleToZero: true): waking it buys ${r.nodes} GPU nodes at once and reloads the whole model, tens of minutes`,
        );
    }
}

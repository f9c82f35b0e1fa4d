/**
 * Upper bounds on the sizes a stack may ask for, each grounded in what AWS or
 * the models can actually supply, so a typo (`1e12`) is refused with the bound
 * and its reason instead of planning a ceiling no account could reach.
 */
import { GPU_FAMILIES, poolFamilies } from "./gpu-instances";

/**
 * Nodes one GPU pool may hold. A design limit, stated: EC2's GPU quotas start
 * far below it (vCPU-based On-Demand and Spot quotas per family), and a pool
 * beyond it needs capacity planning with AWS (reservations), not a larger number.
 */
export const MAX_POOL_NODES = 1_000;

/** The most GPUs one node of the pool's families carries (8 when no family is known). */
export function maxGpusPerNode(pool: { instanceFamilies?: readonly string[]; gpuNames?: readonly string[] }): number {
    const counts = poolFamilies(pool).flatMap((f) => GPU_FAMILIES[f].gpuCounts);
    return counts.length > 0 ? Math.max(...counts) : 8;
}

/** The GPUs a pool can hold: MAX_POOL_NODES of its largest instances. */
export function maxPoolGpus(pool: { instanceFamilies?: readonly string[]; gpuNames?: readonly string[] }): { max: number; reason: string } {
    const perNode = maxGpusPerNode(pool);
    const max = MAX_POOL_NODES * perNode;
    return { max, reason: `at most ${max.toLocaleString("en-US")} GPUs: a pool holds at most ${MAX_POOL_NODES.toLocaleString("en-US")} nodes, and its families' largest instances carry ${perNode} GPUs` };
}

/**
 * The largest EBS gp3 volume, in GiB: 64 TiB (raised from 16 TiB in 2025;
 * Amazon EBS volume types, "General Purpose SSD volumes"; AWS re:Invent 2025 STG320).
 * The EC2NodeClass's block devices are gp3 (components/gpu-cluster/manifests.ts).
 */
export const MAX_GP3_GIB = 65_536;

/**
 * The longest context of any open model vLLM serves: Llama 4 Scout's 10M
 * tokens (`max_position_embeddings: 10485760` in its Hugging Face config).
 * vLLM refuses a `--max-model-len` above the model's own unless told to
 * override it; the model's own context is not known offline, so this is the cap.
 */
export const MAX_CONTEXT_TOKENS = 10_485_760;

/**
 * Tenants one stack may hold. Every tenant adds about a dozen resources
 * (namespace, quota, limit range, network policies, access entries, a gateway
 * team), and Pulumi plans and updates a stack as one unit: the limit keeps the
 * plan within the heap README "How far one stack goes" measures; more teams
 * need more stacks (or tenant programs of their own, examples/).
 */
export const MAX_TENANTS = 1_000;

/** Bytes of `genai-platform:` config one stack may hold (a 1,000-tenant stack needs about a third of it). */
export const MAX_CONFIG_BYTES = 1_048_576;

/** Bytes of a stack file the offline plan reads (comments included), checked before parsing it. */
export const MAX_STACK_FILE_BYTES = 2 * MAX_CONFIG_BYTES;

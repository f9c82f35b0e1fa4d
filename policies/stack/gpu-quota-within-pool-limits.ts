import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { NODE_POOL_TYPE } from "../kubernetes/karpenter-nodepool-bounded";
import { GPU_POOLS_LABEL, GPU_QUOTA_KEY, GPU_RESOURCE, POOL_LABEL } from "../lib/platform";
import { wholeCount } from "../lib/policy";
import { groupBy, metadataOf, Namespaces, ofTypes } from "../lib/stack";

const RESOURCE_QUOTA_TYPE = "kubernetes:core/v1:ResourceQuota";

/** Beyond this many pools, only the namespaces' own pool sets (and all pools together) are checked. */
const MAX_POOLS_FOR_EVERY_SUBSET = 12;

/** GPUs one namespace may hold, and the pools it may hold them on. */
interface Demand {
    namespace: string;
    pools: string[];
    gpus: number;
}

/** Pool name → GPU limit, from the stack's NodePools (the pool label their nodes carry, else their name). */
function poolLimits(resources: readonly PolicyResource[]): Map<string, number> {
    const limits = new Map<string, number>();
    for (const pool of ofTypes(resources, [NODE_POOL_TYPE])) {
        const name = pool.props.spec?.template?.metadata?.labels?.[POOL_LABEL] ?? metadataOf(pool).name;
        const limit = wholeCount(pool.props.spec?.limits?.[GPU_RESOURCE]);
        if (name && limit !== undefined) limits.set(name, limit);
    }
    return limits;
}

/**
 * The pool sets to check. Quotas on pools T can all be honoured only if, for
 * every T, the namespaces confined to T fit in T's capacity (Hall's
 * condition); sets that are not a union of namespaces' pool sets are
 * implied by a smaller one, so they are skipped when checking.
 */
function poolSetsToCheck(demands: readonly Demand[]): string[][] {
    const pools = [...new Set(demands.flatMap((d) => d.pools))].sort();
    if (pools.length > MAX_POOLS_FOR_EVERY_SUBSET) {
        const distinct = new Map(demands.map((d) => [d.pools.join(","), d.pools]));
        return [...distinct.values(), pools];
    }
    const sets: string[][] = [];
    for (let mask = 1; mask < 1 << pools.length; mask++) sets.push(pools.filter((_, i) => mask & (1 << i)));
    return sets;
}

/**
 * Tenant GPU quotas never promise more GPUs than their pools can hold (times
 * the allowed oversubscription). Both sides are in advertised `nvidia.com/gpu`:
 * the unit a ResourceQuota counts (pods' requests) and the unit Karpenter
 * counts against a NodePool's limit once nodes are initialised (time-slicing
 * replicas or MIG slices per physical GPU; the platform renders both as
 * physical GPUs × that factor).
 */
export const gpuQuotaWithinPoolLimits: StackValidationPolicy = {
    name: "gpu-quota-within-pool-limits",
    description:
        `Tenant GPU quotas (ResourceQuota ${GPU_QUOTA_KEY} in namespaces labelled ${GPU_POOLS_LABEL}) add up, per GPU pool, ` +
        "to at most the pool's nvidia.com/gpu limit times the allowed oversubscription factor; a namespace on several pools counts against their combined limit. " +
        "Both are in advertised nvidia.com/gpu (time-slicing replicas or MIG slices, what pods request and Karpenter counts).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            oversubscriptionFactor: { type: "number", exclusiveMinimum: 0, default: 1, description: "How many times a pool's GPU limit its tenants' quotas may add up to." },
        },
    },
    validateStack: (args, report) => {
        const factor = args.getConfig<{ oversubscriptionFactor: number }>().oversubscriptionFactor;
        const namespaces = new Namespaces(args.resources);
        const limits = poolLimits(args.resources);
        const quotas = ofTypes(args.resources, [RESOURCE_QUOTA_TYPE]).filter((q) => q.props.spec?.hard?.[GPU_QUOTA_KEY] !== undefined);
        if (quotas.length === 0) args.notApplicable("The stack declares no GPU quotas");
        const demands: Demand[] = [];
        for (const group of groupBy(quotas, (q) => namespaces.keyOf(q)).values()) {
            const demand = namespaceDemand(group, namespaces, limits, report);
            if (demand) demands.push(demand);
        }
        for (const pools of poolSetsToCheck(demands)) {
            const confined = demands.filter((d) => d.pools.every((p) => pools.includes(p)));
            const covered = new Set(confined.flatMap((d) => d.pools));
            if (confined.length === 0 || covered.size !== pools.length) continue;
            const total = confined.reduce((sum, d) => sum + d.gpus, 0);
            const limit = pools.reduce((sum, p) => sum + (limits.get(p) ?? 0), 0);
            if (total <= factor * limit) continue;
            report(
                `Tenant GPU quotas on pool(s) ${pools.join(", ")} total ${total} GPUs, more than ${factor} × their limit of ${limit} ` +
                    `(${pools.map((p) => `${p}: ${limits.get(p)}`).join(", ")}): ${confined.map((d) => `${d.namespace} (${d.gpus})`).join(", ")}. ` +
                    "Lower the quotas, raise the pools' nvidia.com/gpu limits, or allow more oversubscription.",
            );
        }
    },
};

/** One namespace's demand: the tightest of its GPU quotas (each caps it alone), on the pools its label lists. */
function namespaceDemand(quotas: PolicyResource[], namespaces: Namespaces, limits: Map<string, number>, report: (message: string, urn?: string) => void): Demand | undefined {
    const ns = namespaces.of(quotas[0]);
    const name = ns ? namespaces.nameOf(ns) : namespaces.keyOf(quotas[0]);
    const counts = quotas.map((q) => ({ q, n: wholeCount(q.props.spec.hard[GPU_QUOTA_KEY]) }));
    for (const { q } of counts.filter((c) => c.n === undefined)) {
        report(`ResourceQuota "${q.name}" ${GPU_QUOTA_KEY} is ${JSON.stringify(q.props.spec.hard[GPU_QUOTA_KEY])}; expected a whole number of GPUs.`, q.urn);
    }
    const label: string | undefined = ns ? metadataOf(ns).labels[GPU_POOLS_LABEL] : undefined;
    const pools = (label ?? "").split(",").map((p) => p.trim()).filter(Boolean);
    if (pools.length === 0) {
        report(
            `GPU quota in namespace "${name}" is not tied to a GPU pool, so it cannot be checked against pool limits; ` +
                `label the namespace (declared in this stack) ${GPU_POOLS_LABEL}: "<pool>[,<pool>]".`,
            quotas[0].urn,
        );
        return undefined;
    }
    const unknown = pools.filter((p) => !limits.has(p));
    if (unknown.length > 0) {
        report(`Namespace "${name}" draws GPUs from pool(s) ${unknown.join(", ")}, which no NodePool in this stack defines (pools: ${[...limits.keys()].join(", ") || "none"}).`, ns?.urn);
    }
    const known = pools.filter((p) => limits.has(p)).sort();
    const valid = counts.flatMap((c) => (c.n === undefined ? [] : [c.n]));
    return known.length > 0 && valid.length > 0 ? { namespace: name, pools: known, gpus: Math.min(...valid) } : undefined;
}

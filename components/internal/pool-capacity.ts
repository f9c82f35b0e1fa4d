/**
 * Capacity across everything that shares a GPU pool: each endpoint and each
 * tenant is checked against its pool on its own elsewhere; this checks their
 * sums. Counts are in the unit the pool's NodePool limit and quotas use, the
 * node's advertised `nvidia.com/gpu` (a time-slice or MIG slice is one).
 */
import { Problem } from "./errors";

export interface CapacityPool {
    name: string;
    /** Physical GPUs (the pool's `gpuLimit`). */
    gpuLimit: number;
    /** `nvidia.com/gpu` each physical GPU advertises (1, or the time-slicing replicas / MIG slices). */
    advertisedPerGpu: number;
}

/** One endpoint's demand on its pool. */
export interface EndpointDemand {
    /** Config key of the endpoint, e.g. `genai-platform:models[1]`. */
    key: string;
    pool: string;
    minReplicas: number;
    maxReplicas: number;
    /** `nvidia.com/gpu` one replica requests. */
    gpusPerReplica: number;
}

/** One tenant's GPU quota. */
export interface TenantDemand {
    /** Config key of the tenant, e.g. `genai-platform:tenants[0]`. */
    key: string;
    name: string;
    pools: readonly string[];
    /** The quota in `nvidia.com/gpu` (advertised units). */
    quota: number;
    /** The quota as the user wrote it (physical GPUs). */
    written: number;
}

const capacity = (p: CapacityPool) => p.gpuLimit * p.advertisedPerGpu;
const unit = (p: CapacityPool) => (p.advertisedPerGpu > 1 ? "slices" : "GPUs");
const holds = (p: CapacityPool) =>
    p.advertisedPerGpu > 1 ? `${capacity(p)} slices (gpuLimit ${p.gpuLimit} GPUs × ${p.advertisedPerGpu})` : `${capacity(p)} GPUs`;

/**
 * Problems where endpoints sharing a pool need more than it holds: at full
 * scale (Σ maxReplicas × GPUs per replica: the replicas beyond the limit could
 * never schedule), or warm (Σ minReplicas × GPUs: the floors could never all
 * run). Reported at the endpoint that tips the sum over, naming every part.
 */
export function endpointCapacityProblems(pools: readonly CapacityPool[], endpoints: readonly EndpointDemand[]): Problem[] {
    const byPool = new Map<string, EndpointDemand[]>();
    for (const e of endpoints) byPool.set(e.pool, [...(byPool.get(e.pool) ?? []), e]);
    const measures = [
        { field: "maxReplicas", replicas: (e: EndpointDemand) => e.maxReplicas, need: "at full scale its endpoints need", suffix: "" },
        { field: "minReplicas", replicas: (e: EndpointDemand) => e.minReplicas, need: "its endpoints keep", suffix: " warm" },
    ] as const;
    return pools.flatMap((pool) => {
        const sharing = byPool.get(pool.name) ?? [];
        // One endpoint alone is checked against its pool by ModelEndpoint.
        if (sharing.length < 2) return [];
        return measures.flatMap((m): Problem[] => {
            const gpus = sharing.map((e) => m.replicas(e) * e.gpusPerReplica);
            const total = gpus.reduce((a, b) => a + b, 0);
            if (total <= capacity(pool)) return [];
            let sum = 0;
            const tipping = sharing[gpus.findIndex((g) => (sum += g) > capacity(pool))];
            const parts = sharing.map((e) => `${e.key}: ${m.replicas(e)} × ${e.gpusPerReplica}`).join(", ");
            return [{ path: `${tipping.key}.autoscaling.${m.field}`, value: m.replicas(tipping), allowed: `pool "${pool.name}" holds ${holds(pool)}; ${m.need} ${total}${m.suffix} (${parts})` }];
        });
    });
}

/**
 * Problems where a tenant's GPU quota, added to the warm floors of the
 * platform's own endpoints on the tenant's pools, exceeds those pools: a
 * tenant using its whole quota would starve the platform's endpoints.
 */
export function tenantCapacityProblems(pools: readonly CapacityPool[], endpoints: readonly EndpointDemand[], tenants: readonly TenantDemand[]): Problem[] {
    const poolByName = new Map(pools.map((p) => [p.name, p]));
    const warm = new Map<string, number>();
    for (const e of endpoints) warm.set(e.pool, (warm.get(e.pool) ?? 0) + e.minReplicas * e.gpusPerReplica);
    return tenants.flatMap((t): Problem[] => {
        const its = t.pools.map((name) => poolByName.get(name)).filter((p): p is CapacityPool => p !== undefined);
        if (its.length === 0 || t.quota === 0) return [];
        const total = its.reduce((n, p) => n + capacity(p), 0);
        const floors = its.reduce((n, p) => n + (warm.get(p.name) ?? 0), 0);
        if (floors === 0 || t.quota + floors <= total) return [];
        const scale = t.quota / Math.max(1, t.written);
        const room = Math.floor((total - floors) / scale);
        const described = its.map((p) => `${p.name} (${capacity(p)} ${unit(p)})`).join(", ");
        return [{ path: `${t.key}.gpuQuota`, value: t.written, allowed: `tenant "${t.name}" may use pools ${described}, where the platform's endpoints keep ${floors} warm; its GPU quota must be ≤ ${Math.max(0, room)}` }];
    });
}

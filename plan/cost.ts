/**
 * Monthly cost estimate from what a stack declares: the idle floor (what runs
 * with no traffic) and the ceiling (every GPU pool at its limit), spot and
 * on-demand priced separately. Every line says what it assumed.
 */
import { familiesWithGpus } from "../components/internal/gpu-instances";
import type { RecordedResource } from "./recorder";
import { parseQuantity } from "../components/internal/quantity";
import { parse as parseYaml } from "yaml";
import { cheapestSizePerGpu, GpuInstancePrice, sizeHolding, SPOT_FRACTION, HOURS_PER_MONTH, PLATFORM_POOL_SHAPE, PriceRegion, PriceSources, REGION_PRICES, RegionPriceTable, USAGE_ASSUMPTIONS } from "./prices";

export interface CostLine {
    item: string;
    monthlyUsd: number;
    assumption: string;
}

export interface CostEstimate {
    region: PriceRegion;
    priceDate: string;
    /** Where the Region's figures came from (plan/prices.ts). */
    sources: PriceSources;
    floor: CostLine[];
    /** Every GPU pool at its limit, on-demand. */
    ceilingOnDemand: CostLine[];
    /** Every GPU pool at its limit, spot where the pool allows it. */
    ceilingSpot: CostLine[];
    /** Resources whose price is not in the table (not counted). */
    unpriced: string[];
    totals: { floor: number; ceilingOnDemand: number; ceilingSpot: number };
    /** What the gateway charges per token for each self-hosted route (its rendered LiteLLM config). */
    selfHosted: SelfHostedTokenPrice[];
}

export interface SelfHostedTokenPrice {
    model: string;
    inputCostPerToken?: number;
    outputCostPerToken?: number;
}

/** The `hosted_vllm/` routes of every LiteLLM config the stack renders (a ConfigMap's `config.yaml`), with their prices. */
function selfHostedPrices(resources: readonly RecordedResource[]): SelfHostedTokenPrice[] {
    return resources
        .filter((r) => r.inputs?.kind === "ConfigMap" && typeof r.inputs.data?.["config.yaml"] === "string")
        .flatMap((r) => (parseYaml(r.inputs.data["config.yaml"])?.model_list ?? []) as { model_name: string; litellm_params: Record<string, any> }[])
        .filter((m) => String(m.litellm_params?.model).startsWith("hosted_vllm/"))
        .map((m) => ({ model: m.model_name, inputCostPerToken: m.litellm_params.input_cost_per_token, outputCostPerToken: m.litellm_params.output_cost_per_token }));
}

const monthly = (hourly: number) => hourly * HOURS_PER_MONTH;
const usd = (n: number) => `$${n.toFixed(n < 1 ? 4 : 3)}`;
const ofType = (resources: readonly RecordedResource[], ...types: string[]) => resources.filter((r) => types.includes(r.type));

interface PoolFacts {
    name: string;
    /** Physical GPUs: the NodePool's limit is in advertised nvidia.com/gpu, divided back by the pool's factor. */
    gpuLimit: number;
    /** nvidia.com/gpu one physical GPU advertises (time-slicing replicas, MIG slices); 1 without sharing. */
    advertisedPerGpu: number;
    families: string[];
    capacityTypes: string[];
}

/** NodePool annotation the GpuCluster sets (components/gpu-cluster/manifests.ts ADVERTISED_PER_GPU_ANNOTATION). */
const ADVERTISED_PER_GPU_ANNOTATION = "genai-platform.io/advertised-gpus-per-gpu";

function requirement(pool: Record<string, any>, suffix: string): string[] {
    const reqs: { key: string; values?: string[] }[] = pool.spec?.template?.spec?.requirements ?? [];
    return reqs.find((r) => r.key.endsWith(suffix))?.values ?? [];
}

function poolFacts(resources: readonly RecordedResource[]): PoolFacts[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === "NodePool" && Number(r.inputs.spec?.limits?.["nvidia.com/gpu"] ?? 0) > 0)
        .map((r) => {
            const gpuNames = requirement(r.inputs, "/instance-gpu-name");
            const families = requirement(r.inputs, "/instance-family");
            const advertisedPerGpu = Number(r.inputs.metadata.annotations?.[ADVERTISED_PER_GPU_ANNOTATION] ?? 1);
            return {
                name: r.inputs.metadata.name,
                gpuLimit: Number(r.inputs.spec.limits["nvidia.com/gpu"]) / advertisedPerGpu,
                advertisedPerGpu,
                families: families.length ? families : familiesWithGpus(gpuNames),
                capacityTypes: requirement(r.inputs, "karpenter.sh/capacity-type"),
            };
        });
}

/** The priced family with the lowest on-demand price per GPU among `families`. */
function cheapestPerGpu(families: readonly string[], table: RegionPriceTable): GpuInstancePrice | undefined {
    return families
        .map((f) => cheapestSizePerGpu(table, f))
        .filter((p): p is GpuInstancePrice => p !== undefined)
        .sort((a, b) => a.onDemandHourly / a.gpus - b.onDemandHourly / b.gpus)[0];
}

/** Among `families`, the size holding `gpus` GPUs on one node with the lowest on-demand price per GPU. */
function cheapestHolding(families: readonly string[], gpus: number, table: RegionPriceTable): GpuInstancePrice | undefined {
    return families
        .flatMap((f) => {
            const size = sizeHolding(table, f, gpus);
            return size && SPOT_FRACTION[f] !== undefined ? [{ ...size, spotFraction: SPOT_FRACTION[f] }] : [];
        })
        .sort((a, b) => a.onDemandHourly / a.gpus - b.onDemandHourly / b.gpus)[0];
}

function gpuLine(item: string, gpus: number, price: GpuInstancePrice, spot: boolean): CostLine {
    const perGpu = price.onDemandHourly / price.gpus;
    const hourly = perGpu * gpus * (spot ? price.spotFraction : 1);
    const basis = `${gpus} GPU × ${usd(perGpu)}/GPU-h on-demand (${price.instanceType})`;
    return {
        item,
        monthlyUsd: monthly(hourly),
        assumption: spot ? `${basis} × ${price.spotFraction} assumed spot ratio, 730 h` : `${basis}, 730 h`,
    };
}

function ceilings(pools: PoolFacts[], unpriced: string[], table: RegionPriceTable): { onDemand: CostLine[]; spot: CostLine[] } {
    const onDemand: CostLine[] = [];
    const spot: CostLine[] = [];
    for (const pool of pools) {
        const price = cheapestPerGpu(pool.families, table);
        if (!price) {
            unpriced.push(`GPU pool ${pool.name} (families ${pool.families.join(", ") || "none"})`);
            continue;
        }
        const item = `GPU pool ${pool.name} at its limit`;
        const line = gpuLine(item, pool.gpuLimit, price, false);
        onDemand.push(line);
        spot.push(pool.capacityTypes.includes("spot") ? gpuLine(item, pool.gpuLimit, price, true) : { ...line, assumption: `on-demand only: ${line.assumption}` });
    }
    return { onDemand, spot };
}

/** GPUs kept warm by model endpoints whose autoscaler never goes below one replica. */
function endpointGpuFloor(resources: readonly RecordedResource[], pools: PoolFacts[], unpriced: string[], table: RegionPriceTable): CostLine[] {
    const scaled = new Map<string, number>();
    for (const so of resources.filter((r) => r.inputs?.kind === "ScaledObject")) {
        // KEDA holds an idle target at idleReplicaCount (scale to zero) until a trigger fires.
        const idle = so.inputs.spec.idleReplicaCount ?? so.inputs.spec.minReplicaCount ?? 1;
        scaled.set(`${so.inputs.metadata.namespace}/${so.inputs.spec.scaleTargetRef.name}`, Number(idle));
    }
    const workloads = [
        ...ofType(resources, "kubernetes:apps/v1:Deployment").map((d) => ({ d, pod: d.inputs.spec?.template?.spec ?? {}, podsPerReplica: 1 })),
        // A LeaderWorkerSet replica is a group of `size` pods (one per GPU node), all requesting what the leader does.
        ...resources
            .filter((r) => r.type.startsWith("kubernetes:") && r.inputs?.kind === "LeaderWorkerSet")
            .map((d) => ({ d, pod: d.inputs.spec?.leaderWorkerTemplate?.leaderTemplate?.spec ?? {}, podsPerReplica: Number(d.inputs.spec?.leaderWorkerTemplate?.size ?? 1) })),
    ];
    return workloads.flatMap(({ d, pod, podsPerReplica }) => {
        const perPod = (pod.containers ?? []).reduce((n: number, c: any) => n + Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0), 0);
        const gpus = podsPerReplica * perPod;
        if (gpus === 0) return [];
        const key = `${d.inputs.metadata.namespace}/${d.inputs.metadata.name}`;
        const replicas = scaled.get(key) ?? Number(d.inputs.spec.replicas ?? 1);
        if (replicas === 0) return [];
        const poolName = pod.nodeSelector?.["genai-platform.io/pool"];
        const pool = pools.find((p) => p.name === poolName);
        // A pod's GPUs share one node: a 4-GPU tensor-parallel group runs on a 4-GPU size, priced as such
        // (a multi-node replica's pods each take such a node).
        const price = cheapestHolding(pool?.families ?? [], Math.ceil(perPod / (pool?.advertisedPerGpu ?? 1)), table);
        if (!price) {
            unpriced.push(`model endpoint ${key} (pool ${poolName})`);
            return [];
        }
        // A replica on a shared pool holds slices (1/advertisedPerGpu of a GPU each); the GPUs they keep up are whole.
        const shape = podsPerReplica > 1 ? ` of ${podsPerReplica} nodes` : "";
        return [gpuLine(`model endpoint ${key}: ${replicas} warm replica(s)${shape}`, Math.ceil((gpus * replicas) / (pool?.advertisedPerGpu ?? 1)), price, false)];
    });
}

/** The untainted CPU NodePool(s): NodePools whose nvidia.com/gpu limit is 0 and that set a CPU limit. */
function cpuPools(resources: readonly RecordedResource[]): RecordedResource[] {
    return resources.filter(
        (r) => r.type.startsWith("kubernetes:") && r.inputs.kind === "NodePool" && Number(r.inputs.spec?.limits?.["nvidia.com/gpu"] ?? 0) === 0 && r.inputs.spec?.limits?.cpu !== undefined,
    );
}

/** vCPUs the platform's own non-GPU Deployments and StatefulSets request (Helm charts' pods are not visible to the plan). */
function requestedVcpus(resources: readonly RecordedResource[]): number {
    return ofType(resources, "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet").reduce((sum, w) => {
        const containers: any[] = w.inputs.spec?.template?.spec?.containers ?? [];
        if (containers.some((c) => c.resources?.limits?.["nvidia.com/gpu"] !== undefined)) return sum;
        const perPod = containers.reduce((n, c) => n + (parseQuantity(c.resources?.requests?.cpu) ?? 0), 0);
        return sum + perPod * Number(w.inputs.spec?.replicas ?? 1);
    }, 0);
}

/** One CPU pool priced for `vcpus` at the reference shape, spot where the pool allows it and `spot` is asked. */
function cpuPoolLine(item: string, vcpus: number, capacityTypes: string[], spot: boolean, basis: string, table: RegionPriceTable): CostLine {
    const perVcpu = table.instances[PLATFORM_POOL_SHAPE.instanceType] / PLATFORM_POOL_SHAPE.vcpus;
    const useSpot = spot && capacityTypes.includes("spot");
    const hourly = vcpus * perVcpu * (useSpot ? PLATFORM_POOL_SHAPE.spotFraction : 1);
    const price = `${vcpus} vCPU × ${usd(perVcpu)}/vCPU-h (${PLATFORM_POOL_SHAPE.instanceType} on-demand)${useSpot ? ` × ${PLATFORM_POOL_SHAPE.spotFraction} assumed spot ratio` : ""}, 730 h`;
    return { item, monthlyUsd: monthly(hourly), assumption: `${basis}: ${price}` };
}

/**
 * The CPU pool's idle floor: whole reference nodes for what the platform's
 * own pods request (dev's pool prefers spot, so its floor is priced at spot),
 * and its ceiling at the pool's CPU limit.
 */
function cpuPoolLines(resources: readonly RecordedResource[], table: RegionPriceTable): { floor: CostLine[]; onDemand: CostLine[]; spot: CostLine[] } {
    const lines = { floor: [] as CostLine[], onDemand: [] as CostLine[], spot: [] as CostLine[] };
    const requested = requestedVcpus(resources);
    for (const pool of cpuPools(resources)) {
        const capacityTypes = requirement(pool.inputs, "karpenter.sh/capacity-type");
        const limit = Number(parseQuantity(pool.inputs.spec.limits.cpu) ?? 0);
        const nodes = Math.max(1, Math.ceil(requested / PLATFORM_POOL_SHAPE.vcpus));
        const name = pool.inputs.metadata.name;
        lines.floor.push(cpuPoolLine(`CPU pool ${name}`, nodes * PLATFORM_POOL_SHAPE.vcpus, capacityTypes, true, `${requested.toFixed(1)} vCPU requested by the platform's own pods (charts' pods not visible) on ${nodes} node(s)`, table));
        lines.onDemand.push(cpuPoolLine(`CPU pool ${name} at its limit`, limit, capacityTypes, false, "its CPU limit", table));
        lines.spot.push(cpuPoolLine(`CPU pool ${name} at its limit`, limit, capacityTypes, true, "its CPU limit", table));
    }
    return lines;
}

function instanceLine(item: string, type: string, count: number, unpriced: string[], table: RegionPriceTable): CostLine[] {
    const price = table.instances[type];
    if (price === undefined) {
        unpriced.push(`${item} (${type})`);
        return [];
    }
    return [{ item, monthlyUsd: monthly(price * count), assumption: `${count} × ${type} at ${usd(price)}/h on-demand, 730 h` }];
}

function floor(resources: readonly RecordedResource[], pools: PoolFacts[], unpriced: string[], table: RegionPriceTable): CostLine[] {
    const lines: CostLine[] = [];
    const flat = table.flat;
    for (const c of ofType(resources, "eks:index:Cluster", "aws:eks/cluster:Cluster")) {
        lines.push({ item: `EKS control plane ${c.name}`, monthlyUsd: monthly(flat.eksControlPlaneHourly), assumption: `${usd(flat.eksControlPlaneHourly)}/h standard support` });
    }
    const nats = ofType(resources, "aws:ec2/natGateway:NatGateway").length;
    if (nats > 0) {
        lines.push({
            item: `NAT gateways (${nats})`,
            monthlyUsd: nats * (monthly(flat.natGatewayHourly) + USAGE_ASSUMPTIONS.natGbPerMonth * flat.natGatewayPerGb),
            assumption: `${nats} × (${usd(flat.natGatewayHourly)}/h + ${USAGE_ASSUMPTIONS.natGbPerMonth} GB/month assumed at ${usd(flat.natGatewayPerGb)}/GB)`,
        });
    }
    for (const ng of ofType(resources, "aws:eks/nodeGroup:NodeGroup")) {
        const count = ng.inputs.scalingConfig?.desiredSize ?? 1;
        const disk = (ng.inputs.diskSize ?? 20) * count * flat.ebsGp3PerGbMonth;
        lines.push(...instanceLine(`node group ${ng.name}`, ng.inputs.instanceTypes?.[0], count, unpriced, table).map((l) => ({ ...l, monthlyUsd: l.monthlyUsd + disk, assumption: `${l.assumption}, plus ${ng.inputs.diskSize ?? 20} GiB gp3 each` })));
    }
    for (const db of ofType(resources, "aws:rds/instance:Instance")) {
        const copies = db.inputs.multiAz ? 2 : 1;
        const storage = (db.inputs.allocatedStorage ?? 20) * flat.rdsStoragePerGbMonth * copies;
        lines.push(...instanceLine(`RDS ${db.name}`, db.inputs.instanceClass, copies, unpriced, table).map((l) => ({ ...l, monthlyUsd: l.monthlyUsd + storage, assumption: `${l.assumption}${copies === 2 ? " (Multi-AZ standby)" : ""}, plus ${db.inputs.allocatedStorage ?? 20} GiB storage` })));
    }
    for (const rg of ofType(resources, "aws:elasticache/replicationGroup:ReplicationGroup")) {
        const nodes = rg.inputs.numCacheClusters ?? (rg.inputs.numNodeGroups ?? 1) * ((rg.inputs.replicasPerNodeGroup ?? 0) + 1);
        lines.push(...instanceLine(`ElastiCache ${rg.name}`, rg.inputs.nodeType, nodes, unpriced, table));
    }
    const buckets = ofType(resources, "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2").length;
    if (buckets > 0) {
        lines.push({ item: `S3 buckets (${buckets})`, monthlyUsd: buckets * USAGE_ASSUMPTIONS.s3GbPerBucket * flat.s3PerGbMonth, assumption: `${USAGE_ASSUMPTIONS.s3GbPerBucket} GB each assumed at ${usd(flat.s3PerGbMonth)}/GB-month` });
    }
    const keys = ofType(resources, "aws:kms/key:Key").length;
    if (keys > 0) lines.push({ item: `KMS keys (${keys})`, monthlyUsd: keys * flat.kmsKeyMonthly, assumption: `$${flat.kmsKeyMonthly}/key-month, requests not counted` });
    lines.push(...endpointGpuFloor(resources, pools, unpriced, table));
    return lines;
}

const sum = (lines: CostLine[]) => lines.reduce((n, l) => n + l.monthlyUsd, 0);
const insidePools = (l: CostLine) => l.item.startsWith("model endpoint") || l.item.startsWith("CPU pool");

/** The stack's estimate at `region`'s prices (the stack's `aws:region`; validatePlatform refuses a Region the table lacks). */
export function estimateCost(resources: readonly RecordedResource[], region: PriceRegion): CostEstimate {
    const table = REGION_PRICES[region];
    const unpriced: string[] = [];
    const pools = poolFacts(resources);
    const floorLines = floor(resources, pools, unpriced, table);
    const { onDemand, spot } = ceilings(pools, unpriced, table);
    const cpu = cpuPoolLines(resources, table);
    floorLines.push(...cpu.floor);
    onDemand.push(...cpu.onDemand);
    spot.push(...cpu.spot);
    const base = sum(floorLines);
    return {
        region,
        priceDate: table.recorded,
        sources: table.sources,
        floor: floorLines,
        ceilingOnDemand: onDemand,
        ceilingSpot: spot,
        unpriced,
        // The ceiling is the floor plus every pool full; warm endpoint GPUs and the CPU pool's floor are inside the pools' limits.
        selfHosted: selfHostedPrices(resources),
        totals: {
            floor: base,
            ceilingOnDemand: base - sum(floorLines.filter(insidePools)) + sum(onDemand),
            ceilingSpot: base - sum(floorLines.filter(insidePools)) + sum(spot),
        },
    };
}

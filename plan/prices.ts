/**
 * The price tables the offline plan estimates cost from, and the self-hosted
 * model prices the gateway charges tenants, one table per AWS Region the
 * platform's users run in (the stack's `aws:region`). Linux, USD per hour
 * unless noted. Prices are recorded here, never fetched at plan time; each
 * Region says when and where its figures came from, and a figure that could
 * not be found for a Region is derived from another Region with the ratio
 * stated, never made up. Spot prices move hourly: the plan prices spot as a
 * fixed fraction of on-demand (`SPOT_FRACTION`), an assumption shown on every
 * line.
 */
import { GPU_FAMILIES } from "../components/internal/gpu-instances";

export const HOURS_PER_MONTH = 730;

/** The Regions the price table covers; `validatePlatform` refuses any other `aws:region`. */
export const SUPPORTED_REGIONS = ["us-east-1", "us-west-2", "ap-northeast-2"] as const;
export type PriceRegion = (typeof SUPPORTED_REGIONS)[number];

export const isPriceRegion = (region: string): region is PriceRegion => (SUPPORTED_REGIONS as readonly string[]).includes(region);

/** One GPU instance size: its GPUs and its on-demand price. */
export interface GpuSizePrice {
    instanceType: string;
    gpus: number;
    onDemandHourly: number;
}

/** A GPU family's priced size, with the spot assumption the plan applies to it. */
export interface GpuInstancePrice extends GpuSizePrice {
    /** Assumed spot price as a fraction of on-demand. */
    spotFraction: number;
}

export interface FlatPrices {
    eksControlPlaneHourly: number;
    natGatewayHourly: number;
    /** Per GB through a NAT gateway. */
    natGatewayPerGb: number;
    /** EBS gp3 per GB-month. */
    ebsGp3PerGbMonth: number;
    /** RDS gp3/gp2 storage per GB-month (single-AZ; doubled for Multi-AZ). */
    rdsStoragePerGbMonth: number;
    /** S3 Standard per GB-month (first 50 TB). */
    s3PerGbMonth: number;
    kmsKeyMonthly: number;
}

/** Where a Region's figures came from, by line-item kind. */
export interface PriceSources {
    ec2: string;
    eks: string;
    rds: string;
    elasticache: string;
    nat: string;
    ebs: string;
    s3: string;
    kms: string;
}

export interface RegionPriceTable {
    region: PriceRegion;
    /** The day this Region's figures were last checked against their sources (each source gives its own date). */
    recorded: string;
    sources: PriceSources;
    /** GPU family → its sizes priced in this Region (a family absent here has no on-demand offer recorded). */
    gpu: Readonly<Record<string, readonly GpuSizePrice[]>>;
    /** On-demand hourly prices of the non-GPU instance types, DB and cache classes the platform uses. */
    instances: Readonly<Record<string, number>>;
    flat: FlatPrices;
}

/** Assumptions that hold in every Region. */
export const USAGE_ASSUMPTIONS = {
    /** Assumed NAT traffic per gateway per month (image pulls, model downloads). */
    natGbPerMonth: 200,
    /** Assumed data kept per bucket. */
    s3GbPerBucket: 100,
} as const;

/** Assumed spot price as a fraction of on-demand, per GPU family (spot prices move hourly; these are planning figures). */
export const SPOT_FRACTION: Readonly<Record<string, number>> = {
    g4dn: 0.3,
    g5: 0.35,
    g6: 0.4,
    g6e: 0.45,
    p4d: 0.45,
    p4de: 0.5,
    p5: 0.55,
    p5e: 0.6,
    p5en: 0.6,
    "p6-b200": 0.65,
};

/**
 * The reference shape the platform CPU pool (Karpenter, c/m/r generation ≥ 6)
 * is priced at: Karpenter picks the cheapest fitting type, so this is an
 * upper-end assumption; spot as a fraction of on-demand like the GPU table.
 * Its on-demand price is the Region's `instances[instanceType]`.
 */
export const PLATFORM_POOL_SHAPE = { instanceType: "m7i.xlarge", vcpus: 4, spotFraction: 0.4 } as const;

/**
 * EC2 on-demand figures for us-west-2 and ap-northeast-2 (and the us-east-1
 * GPU sizes Karpenter's table lacks) come from SkyPilot's AWS catalog, which
 * its daily job fills from the AWS Price List API.
 */
const SKYPILOT_CATALOG = "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv @00148f2a (Price column, from the AWS Price List API), read 2026-12-02";

/** us-east-1 EC2 figures: Karpenter's generated on-demand table (AWS Pricing API). */
const KARPENTER_PRICING = "aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go (generated 2026-07-20 from the AWS Pricing API)";

/** The earlier us-east-1 table (AWS public price list pages, recorded 2026-11-23). */
const US_EAST_1_PAGES = "AWS public price list pages, us-east-1, recorded 2026-11-23";

const US_EAST_1: RegionPriceTable = {
    region: "us-east-1",
    recorded: "2026-12-02",
    sources: {
        ec2: `${KARPENTER_PRICING} (m7g.medium: ${SKYPILOT_CATALOG}); g6e.12xlarge and p5en agree with the catalog. p5e.48xlarge has no On-Demand offer there (Capacity Blocks only), so it is not priced`,
        eks: `${US_EAST_1_PAGES} (Amazon EKS pricing: standard support per cluster-hour)`,
        rds: `${US_EAST_1_PAGES} (RDS for PostgreSQL, single-AZ on-demand; gp3 storage)`,
        elasticache: `${US_EAST_1_PAGES} (ElastiCache node on-demand)`,
        nat: `${US_EAST_1_PAGES} (Amazon VPC pricing: NAT gateway hour and GB processed)`,
        ebs: `${US_EAST_1_PAGES} (EBS gp3 GB-month)`,
        s3: `${US_EAST_1_PAGES} (S3 Standard, first 50 TB)`,
        kms: `${US_EAST_1_PAGES} (AWS KMS customer managed key-month)`,
    },
    gpu: {
        g4dn: [{ instanceType: "g4dn.xlarge", gpus: 1, onDemandHourly: 0.526 }],
        g5: [{ instanceType: "g5.xlarge", gpus: 1, onDemandHourly: 1.006 }, { instanceType: "g5.12xlarge", gpus: 4, onDemandHourly: 5.672 }],
        g6: [{ instanceType: "g6.xlarge", gpus: 1, onDemandHourly: 0.8048 }, { instanceType: "g6.12xlarge", gpus: 4, onDemandHourly: 4.6016 }],
        g6e: [{ instanceType: "g6e.xlarge", gpus: 1, onDemandHourly: 1.861 }, { instanceType: "g6e.12xlarge", gpus: 4, onDemandHourly: 10.49264 }],
        p4d: [{ instanceType: "p4d.24xlarge", gpus: 8, onDemandHourly: 21.957642 }],
        p4de: [{ instanceType: "p4de.24xlarge", gpus: 8, onDemandHourly: 27.44705 }],
        p5: [{ instanceType: "p5.4xlarge", gpus: 1, onDemandHourly: 6.88 }, { instanceType: "p5.48xlarge", gpus: 8, onDemandHourly: 55.04 }],
        p5en: [{ instanceType: "p5en.48xlarge", gpus: 8, onDemandHourly: 63.296 }],
        "p6-b200": [{ instanceType: "p6-b200.48xlarge", gpus: 8, onDemandHourly: 113.9328 }],
    },
    instances: {
        "m7i.large": 0.1008,
        "m7i.xlarge": 0.2016,
        "m7i.2xlarge": 0.4032,
        "m6i.large": 0.096,
        "m6i.xlarge": 0.192,
        "m6i.2xlarge": 0.384,
        "m7g.medium": 0.0408,
        "m7g.large": 0.0816,
        "m7g.xlarge": 0.1632,
        // Graviton system nodes: dev's t4g.medium, prod's second type m6g.large (Karpenter's table).
        "t4g.medium": 0.0336,
        "m6g.large": 0.077,
        // Dev's shared state: db.t4g.small (RDS for PostgreSQL single-AZ, us-east-1 $0.032: infratally.com
        // "AWS RDS pricing explained (2026)" quoting the RDS pricing page) and cache.t4g.micro (not re-read here:
        // half of cache.t4g.small, ElastiCache pricing t4g sizes linearly; verify at aws.amazon.com/elasticache/pricing).
        "db.t4g.small": 0.032,
        "db.t4g.medium": 0.065,
        "db.m7g.large": 0.168,
        "db.r7g.large": 0.239,
        "cache.t4g.micro": 0.016,
        "cache.t4g.small": 0.032,
        "cache.t4g.medium": 0.065,
        "cache.m7g.large": 0.158,
        "cache.r7g.large": 0.219,
    },
    flat: {
        eksControlPlaneHourly: 0.1,
        natGatewayHourly: 0.045,
        natGatewayPerGb: 0.045,
        ebsGp3PerGbMonth: 0.08,
        rdsStoragePerGbMonth: 0.115,
        s3PerGbMonth: 0.023,
        kmsKeyMonthly: 1,
    },
};

/** The managed-service prices a Region derives from us-east-1 when no figure of its own was found. */
type DerivedFlat = Pick<FlatPrices, "ebsGp3PerGbMonth" | "rdsStoragePerGbMonth" | "s3PerGbMonth">;

/** us-east-1's prices of the managed services, scaled by `ratio` (for Regions where only EC2 figures were found). */
function derivedManaged(ratio: number): { instances: Record<string, number>; flat: DerivedFlat } {
    const managed = Object.entries(US_EAST_1.instances).filter(([type]) => type.startsWith("db.") || type.startsWith("cache."));
    const f = US_EAST_1.flat;
    return {
        instances: Object.fromEntries(managed.map(([type, price]) => [type, price * ratio])),
        flat: { ebsGp3PerGbMonth: f.ebsGp3PerGbMonth * ratio, rdsStoragePerGbMonth: f.rdsStoragePerGbMonth * ratio, s3PerGbMonth: f.s3PerGbMonth * ratio },
    };
}

/**
 * us-west-2: every EC2 figure below equals us-east-1's in the catalog, so the
 * managed services not found for us-west-2 are us-east-1's × 1.0.
 */
const US_WEST_2_EC2_RATIO = 0.1008 / 0.1008;
const usWest2Managed = derivedManaged(US_WEST_2_EC2_RATIO);
const derivedWest = (what: string) => `derived: us-east-1 ${what} × ${US_WEST_2_EC2_RATIO} (us-west-2 ÷ us-east-1 EC2 on-demand, m7i.large 0.1008 ÷ 0.1008, in ${SKYPILOT_CATALOG}); no us-west-2 figure found`;

const US_WEST_2: RegionPriceTable = {
    region: "us-west-2",
    recorded: "2026-12-02",
    sources: {
        ec2: `${SKYPILOT_CATALOG}; p5e.48xlarge has no On-Demand offer (Capacity Blocks only), so it is not priced; g4dn, p4d not recorded; t4g.medium and m6g.large derived: us-east-1's × ${US_WEST_2_EC2_RATIO} (not in the catalog as read)`,
        eks: "same as us-east-1: Amazon EKS charges standard support at one per-cluster-hour rate in every commercial Region; not separately recorded",
        rds: derivedWest("RDS instance and storage prices"),
        elasticache: derivedWest("ElastiCache node prices"),
        nat: derivedWest("NAT gateway hour and GB prices"),
        ebs: derivedWest("EBS gp3 price"),
        s3: derivedWest("S3 Standard price"),
        kms: "same as us-east-1: AWS KMS charges one key-month price in every commercial Region; not separately recorded",
    },
    gpu: {
        g5: [{ instanceType: "g5.xlarge", gpus: 1, onDemandHourly: 1.006 }],
        g6: [{ instanceType: "g6.xlarge", gpus: 1, onDemandHourly: 0.8048 }],
        g6e: [{ instanceType: "g6e.xlarge", gpus: 1, onDemandHourly: 1.861 }, { instanceType: "g6e.12xlarge", gpus: 4, onDemandHourly: 10.49264 }],
        p4de: [{ instanceType: "p4de.24xlarge", gpus: 8, onDemandHourly: 27.44705 }],
        p5: [{ instanceType: "p5.48xlarge", gpus: 8, onDemandHourly: 55.04 }],
        p5en: [{ instanceType: "p5en.48xlarge", gpus: 8, onDemandHourly: 63.296 }],
        "p6-b200": [{ instanceType: "p6-b200.48xlarge", gpus: 8, onDemandHourly: 113.9328 }],
    },
    instances: {
        "m7i.large": 0.1008,
        "m7i.xlarge": 0.2016,
        "m7i.2xlarge": 0.4032,
        "m6i.large": 0.096,
        "m6i.xlarge": 0.192,
        "m6i.2xlarge": 0.384,
        "m7g.medium": 0.0408,
        "m7g.large": 0.0816,
        "m7g.xlarge": 0.1632,
        // Not in the catalog as read: us-east-1's, as every general-purpose figure recorded here equals it.
        "t4g.medium": 0.0336 * US_WEST_2_EC2_RATIO,
        "m6g.large": 0.077 * US_WEST_2_EC2_RATIO,
        ...usWest2Managed.instances,
    },
    flat: {
        eksControlPlaneHourly: 0.1,
        natGatewayHourly: US_EAST_1.flat.natGatewayHourly * US_WEST_2_EC2_RATIO,
        natGatewayPerGb: US_EAST_1.flat.natGatewayPerGb * US_WEST_2_EC2_RATIO,
        kmsKeyMonthly: 1,
        ...usWest2Managed.flat,
    },
};

/**
 * ap-northeast-2 (Seoul): EC2 on-demand runs 1.2292 × us-east-1 for the
 * general-purpose types (m7i.large 0.1239 ÷ 0.1008, m6i.large 0.118 ÷ 0.096);
 * the managed services not found for Seoul are us-east-1's × that ratio.
 */
const SEOUL_EC2_RATIO = 0.1239 / 0.1008;
/** Seoul ÷ us-east-1 for Graviton (m7g.medium 0.0502 ÷ 0.0408 in the catalog): prices the Graviton types the catalog read lacks. */
const SEOUL_GRAVITON_RATIO = 0.0502 / 0.0408;
const seoulManaged = derivedManaged(SEOUL_EC2_RATIO);
const derivedSeoul = (what: string) => `derived: us-east-1 ${what} × ${SEOUL_EC2_RATIO.toFixed(4)} (ap-northeast-2 ÷ us-east-1 EC2 on-demand, m7i.large 0.1239 ÷ 0.1008, in ${SKYPILOT_CATALOG}); no ap-northeast-2 figure found`;

const AP_NORTHEAST_2: RegionPriceTable = {
    region: "ap-northeast-2",
    recorded: "2026-12-02",
    sources: {
        ec2: `${SKYPILOT_CATALOG}; no On-Demand offer recorded there for p4de, p5e or p6-b200 in ap-northeast-2 (not priced); g4dn, p4d not recorded; m7g.large derived as m7g.xlarge ÷ 2 (sizes are priced linearly within the family there: medium 0.0502, xlarge 0.2006); t4g.medium and m6g.large derived: us-east-1's × ${SEOUL_GRAVITON_RATIO.toFixed(4)} (m7g.medium 0.0502 ÷ 0.0408; not in the catalog as read)`,
        eks: "same as us-east-1: Amazon EKS charges standard support at one per-cluster-hour rate in every commercial Region; not separately recorded",
        rds: derivedSeoul("RDS instance and storage prices"),
        elasticache: derivedSeoul("ElastiCache node prices"),
        nat: "AWS Price List usage types APN2-NatGateway-Hours and APN2-NatGateway-Bytes at $0.059 (2026-08 publication), as quoted in public cost tooling found through the code index (which does not name the repository); two Cost Explorer extracts there agree ($36.05 for 611 h, $2.596 for 44 h)",
        ebs: derivedSeoul("EBS gp3 price"),
        s3: derivedSeoul("S3 Standard price"),
        kms: "same as us-east-1: AWS KMS charges one key-month price in every commercial Region; not separately recorded",
    },
    gpu: {
        g5: [{ instanceType: "g5.xlarge", gpus: 1, onDemandHourly: 1.237 }],
        g6: [{ instanceType: "g6.xlarge", gpus: 1, onDemandHourly: 0.9896 }],
        g6e: [{ instanceType: "g6e.xlarge", gpus: 1, onDemandHourly: 2.288 }, { instanceType: "g6e.12xlarge", gpus: 4, onDemandHourly: 12.90014 }],
        p5: [{ instanceType: "p5.48xlarge", gpus: 8, onDemandHourly: 75.9552 }],
        p5en: [{ instanceType: "p5en.48xlarge", gpus: 8, onDemandHourly: 87.34848 }],
    },
    instances: {
        "m7i.large": 0.1239,
        "m7i.xlarge": 0.2478,
        "m7i.2xlarge": 0.4956,
        "m6i.large": 0.118,
        "m6i.xlarge": 0.236,
        "m6i.2xlarge": 0.472,
        "m7g.medium": 0.0502,
        "m7g.large": 0.2006 / 2,
        "m7g.xlarge": 0.2006,
        // Not in the catalog as read: us-east-1's × Seoul's Graviton ratio (m7g.medium 0.0502 ÷ 0.0408).
        "t4g.medium": 0.0336 * SEOUL_GRAVITON_RATIO,
        "m6g.large": 0.077 * SEOUL_GRAVITON_RATIO,
        ...seoulManaged.instances,
    },
    flat: {
        eksControlPlaneHourly: 0.1,
        natGatewayHourly: 0.059,
        natGatewayPerGb: 0.059,
        kmsKeyMonthly: 1,
        ...seoulManaged.flat,
    },
};

export const REGION_PRICES: Readonly<Record<PriceRegion, RegionPriceTable>> = {
    "us-east-1": US_EAST_1,
    "us-west-2": US_WEST_2,
    "ap-northeast-2": AP_NORTHEAST_2,
};

/** The family's size with the lowest on-demand price per GPU in `table`, with its spot assumption. */
export function cheapestSizePerGpu(table: RegionPriceTable, family: string): GpuInstancePrice | undefined {
    const sizes = [...(table.gpu[family] ?? [])].sort((a, b) => a.onDemandHourly / a.gpus - b.onDemandHourly / b.gpus);
    const spotFraction = SPOT_FRACTION[family];
    return sizes[0] && spotFraction !== undefined ? { ...sizes[0], spotFraction } : undefined;
}

/**
 * The family's smallest priced size that holds `gpus` whole GPUs on one node
 * (Karpenter places a pod's GPUs, a tensor-parallel group, on one node).
 */
export function sizeHolding(table: RegionPriceTable, family: string, gpus: number): GpuSizePrice | undefined {
    return [...(table.gpu[family] ?? [])].filter((s) => s.gpus >= gpus).sort((a, b) => a.gpus - b.gpus || a.onDemandHourly - b.onDemandHourly)[0];
}

// ---------------------------------------------------------------------------
// Self-hosted model prices: what the gateway charges a tenant per token.
// ---------------------------------------------------------------------------

/**
 * Throughput assumptions: tokens (prompt + generated) one vLLM replica
 * processes per second at a steady, batched serving load, by model size and
 * GPU, for the whole GPUs one replica holds. These are PLANNING ASSUMPTIONS,
 * not measurements of this platform: vLLM decode is memory-bandwidth bound,
 * so the figures follow the GPUs' memory bandwidth (A10G 600 GB/s, L4
 * 300 GB/s, L40S 864 GB/s, H100 SXM 3.35 TB/s; NVIDIA data sheets) from
 * public single-GPU vLLM sweeps of 7-8B models at moderate concurrency
 * (e.g. Llama-3.1-8B-Instruct on one A100 40GB, `vllm bench serve`, 1024 in /
 * 128 out), discounted for the 1:1-ish prompt/output mix of chat traffic.
 * Measure your own (`vllm bench serve` against the endpoint) and set
 * `measuredThroughput` on the model to replace them.
 */
export interface ThroughputAssumption {
    /** Largest parameter count (billions) the row covers; rows are read smallest first. */
    maxParamsB: number;
    /** Karpenter's `instance-gpu-name`. */
    gpuName: string;
    /** Whole GPUs one replica holds (its tensor-parallel size). */
    gpusPerReplica: number;
    tokensPerSecond: number;
}

export const THROUGHPUT_ASSUMPTIONS: readonly ThroughputAssumption[] = [
    { maxParamsB: 3, gpuName: "l4", gpusPerReplica: 1, tokensPerSecond: 3000 },
    { maxParamsB: 3, gpuName: "a10g", gpusPerReplica: 1, tokensPerSecond: 5000 },
    { maxParamsB: 3, gpuName: "l40s", gpusPerReplica: 1, tokensPerSecond: 7000 },
    { maxParamsB: 9, gpuName: "l4", gpusPerReplica: 1, tokensPerSecond: 700 },
    { maxParamsB: 9, gpuName: "a10g", gpusPerReplica: 1, tokensPerSecond: 1200 },
    { maxParamsB: 9, gpuName: "l40s", gpusPerReplica: 1, tokensPerSecond: 2000 },
    { maxParamsB: 9, gpuName: "h100", gpusPerReplica: 1, tokensPerSecond: 6000 },
    { maxParamsB: 80, gpuName: "l40s", gpusPerReplica: 4, tokensPerSecond: 800 },
    { maxParamsB: 80, gpuName: "h100", gpusPerReplica: 4, tokensPerSecond: 3000 },
    // Two 8 × H100 nodes (pipeline parallel 2) for a ~700B FP8 mixture-of-experts model such as DeepSeek-R1
    // (37B parameters active per token): decode reads the active experts, not all weights, so it is priced
    // near the 72B-on-4-H100 row per replica, less the pipeline's bubble. An assumption like every row.
    { maxParamsB: 700, gpuName: "h100", gpusPerReplica: 16, tokensPerSecond: 2500 },
    { maxParamsB: 80, gpuName: "h100", gpusPerReplica: 8, tokensPerSecond: 4500 },
];

/** What the price of a self-hosted model's tokens depends on. */
export interface SelfHostedPriceInput {
    /** Hugging Face id or path; its size is read from the name (`Qwen2.5-72B-Instruct` → 72) unless the throughput is given. */
    model: string;
    /** Whole GPUs one replica's tensor-parallel group holds. */
    tensorParallelSize: number;
    /** The instance families the model's pool may launch. */
    families: readonly string[];
    /** `nvidia.com/gpu` one physical GPU of the pool advertises (time-slices, MIG slices); 1 without sharing. */
    advertisedPerGpu: number;
    /** Measured tokens/s per replica, replacing the assumption table. */
    measuredThroughput?: number;
    /** Nodes one replica spans (a multi-node endpoint), each holding `tensorParallelSize` GPUs. Default 1. */
    nodes?: number;
    /** The model's size in billions of parameters when the config gives it (`parametersBillions`); else read from the name. */
    parametersBillions?: number;
}

/** One family's derivation, kept so the plan and tests can show the arithmetic. */
export interface SelfHostedPriceBasis {
    family: string;
    instanceType: string;
    instanceHourly: number;
    gpusPerNode: number;
    /** GPUs one replica holds: its tensor-parallel size, or 1/advertisedPerGpu of one GPU for a shared slice. */
    gpusPerReplica: number;
    replicaHourly: number;
    tokensPerSecond: number;
    costPerToken: number;
}

/** The priced per-token cost (the dearest family of the pool) and every family's derivation. */
export interface SelfHostedPrice {
    costPerToken: number;
    basis: SelfHostedPriceBasis[];
}

/** `Qwen/Qwen2.5-72B-Instruct` → 72, `meta-llama/Llama-3.1-8B-Instruct` → 8, `Qwen2.5-1.5B` → 1.5. */
export function modelParamsB(model: string): number | undefined {
    const name = model.split("/").pop() ?? model;
    const match = /(?:^|[-_.])(\d+(?:\.\d+)?)[bB](?=$|[-_.])/.exec(name);
    return match ? Number(match[1]) : undefined;
}

/** Tokens/s one replica of a `params`B model serves on `gpus` whole GPUs named `gpuName`, or what is missing. */
function assumedThroughput(gpuName: string, params: number | undefined, gpus: number, model: string): number | string {
    if (params === undefined) return `the model's size cannot be read from "${model}"; set measuredThroughput (tokens/s one replica serves)`;
    const row = THROUGHPUT_ASSUMPTIONS.filter((r) => r.gpuName === gpuName && r.gpusPerReplica === gpus && params <= r.maxParamsB).sort((a, b) => a.maxParamsB - b.maxParamsB)[0];
    return row?.tokensPerSecond ?? `no throughput assumption in plan/prices.ts for a ${params}B model on ${gpus} × ${gpuName}; set measuredThroughput (tokens/s one replica serves)`;
}

/** Rounded to 6 significant digits: LiteLLM stores floats, and the rendered config stays readable. */
const sixDigits = (n: number) => Number(n.toPrecision(6));

/**
 * LiteLLM's per-token cost of a self-hosted model, from the pool's price:
 *
 *   replica $/h    = instance $/h (on-demand) ÷ GPUs per node × GPUs per replica
 *   cost per token = replica $/h ÷ 3600 ÷ tokens/s per replica
 *
 * The instance is the family's smallest priced size that holds one replica's
 * whole GPUs (Karpenter packs a tensor-parallel group on one node). A shared
 * slice holds 1/advertisedPerGpu of a GPU and gets that share of the GPU's
 * time, so its throughput is the whole GPU's ÷ advertisedPerGpu (NVIDIA
 * time-slicing shares time equally; MIG slices are priced the same way).
 * Prompt and generated tokens are priced alike (the throughput counts both).
 *
 * Capacity type: always the on-demand price, even for a [spot, on-demand]
 * pool. A budget is a spending cap, so it counts the dearest way the pool may
 * serve a token: Karpenter falls back to on-demand whenever spot is short,
 * the spot figures in this file are assumed fractions rather than recorded
 * prices, and reserved capacity is paid for at on-demand-like rates whether
 * used or not. Spot savings then show as the platform's margin, never as a
 * tenant overspending its budget. For the same reason, a pool of several
 * families is priced at its dearest family per token.
 *
 * Returns the problem (what is missing) instead when a family of the pool has
 * no price in `table` or no throughput assumption for the model.
 */
export function selfHostedPrice(table: RegionPriceTable, input: SelfHostedPriceInput): SelfHostedPrice | { problem: string } {
    const params = input.parametersBillions ?? modelParamsB(input.model);
    // Each node of a multi-node replica holds tensorParallelSize GPUs of the family's size that holds them.
    const perNode = input.tensorParallelSize;
    const wholeGpus = perNode * (input.nodes ?? 1);
    const basis: SelfHostedPriceBasis[] = [];
    for (const family of input.families) {
        const size = sizeHolding(table, family, perNode);
        if (!size) return { problem: `no ${table.region} on-demand price in plan/prices.ts for a ${family} instance with ${perNode} GPU(s)` };
        const tokensPerSecond = input.measuredThroughput ?? assumedThroughput(GPU_FAMILIES[family]?.gpuName ?? family, params, wholeGpus, input.model);
        if (typeof tokensPerSecond === "string") return { problem: tokensPerSecond };
        // A shared slice holds 1/advertisedPerGpu of one GPU and gets that share of its time (and throughput).
        const gpusPerReplica = wholeGpus / input.advertisedPerGpu;
        const replicaTokensPerSecond = input.measuredThroughput ?? tokensPerSecond / input.advertisedPerGpu;
        const replicaHourly = (size.onDemandHourly / size.gpus) * gpusPerReplica;
        basis.push({
            family,
            instanceType: size.instanceType,
            instanceHourly: size.onDemandHourly,
            gpusPerNode: size.gpus,
            gpusPerReplica,
            replicaHourly,
            tokensPerSecond: replicaTokensPerSecond,
            costPerToken: replicaHourly / 3600 / replicaTokensPerSecond,
        });
    }
    if (basis.length === 0) return { problem: "the pool launches no priced GPU family" };
    return { costPerToken: sixDigits(Math.max(...basis.map((b) => b.costPerToken))), basis };
}

/**
 * The price table the offline plan estimates cost from: us-east-1, Linux,
 * USD per hour unless noted. Recorded 2026-11-23 from the AWS public price
 * list pages; prices change, so check the AWS Price List API before
 * budgeting. Spot prices move hourly: the plan prices spot as a fixed
 * fraction of on-demand (`spotFraction`), an assumption shown on every line.
 */

export const PRICE_TABLE_DATE = "2026-11-23";
export const PRICE_REGION = "us-east-1";
export const HOURS_PER_MONTH = 730;

export interface GpuInstancePrice {
    /** The size priced (its GPUs give the per-GPU price). */
    instanceType: string;
    gpus: number;
    onDemandHourly: number;
    /** Assumed spot price as a fraction of on-demand. */
    spotFraction: number;
}

/** Per GPU family: the size with the lowest on-demand price per GPU. */
export const GPU_INSTANCE_PRICES: Readonly<Record<string, GpuInstancePrice>> = {
    g4dn: { instanceType: "g4dn.xlarge", gpus: 1, onDemandHourly: 0.526, spotFraction: 0.3 },
    g5: { instanceType: "g5.xlarge", gpus: 1, onDemandHourly: 1.006, spotFraction: 0.35 },
    g6: { instanceType: "g6.xlarge", gpus: 1, onDemandHourly: 0.8048, spotFraction: 0.4 },
    g6e: { instanceType: "g6e.xlarge", gpus: 1, onDemandHourly: 1.861, spotFraction: 0.45 },
    p4d: { instanceType: "p4d.24xlarge", gpus: 8, onDemandHourly: 21.96, spotFraction: 0.45 },
    p4de: { instanceType: "p4de.24xlarge", gpus: 8, onDemandHourly: 27.45, spotFraction: 0.5 },
    p5: { instanceType: "p5.48xlarge", gpus: 8, onDemandHourly: 55.04, spotFraction: 0.55 },
    p5e: { instanceType: "p5e.48xlarge", gpus: 8, onDemandHourly: 63.3, spotFraction: 0.6 },
    p5en: { instanceType: "p5en.48xlarge", gpus: 8, onDemandHourly: 63.3, spotFraction: 0.6 },
    "p6-b200": { instanceType: "p6-b200.48xlarge", gpus: 8, onDemandHourly: 113.93, spotFraction: 0.65 },
};

/** On-demand hourly prices of the non-GPU instance types, DB and cache classes the platform uses. */
export const INSTANCE_PRICES: Readonly<Record<string, number>> = {
    "m7i.large": 0.1008,
    "m7i.xlarge": 0.2016,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "m7i.2xlarge": 0.4032,
    "m6i.2xlarge": 0.384,
    "db.t4g.medium": 0.065,
    "db.m7g.large": 0.168,
    "db.r7g.large": 0.239,
    "cache.t4g.small": 0.032,
    "cache.t4g.medium": 0.065,
    "cache.m7g.large": 0.158,
    "cache.r7g.large": 0.219,
};

/**
 * The reference shape the platform CPU pool (Karpenter, c/m/r generation ≥ 6)
 * is priced at: Karpenter picks the cheapest fitting type, so this is an
 * upper-end assumption; spot as a fraction of on-demand like the GPU table.
 */
export const PLATFORM_POOL_PRICE = { instanceType: "m7i.xlarge", vcpus: 4, onDemandHourly: 0.2016, spotFraction: 0.4 } as const;

export const FLAT_PRICES = {
    eksControlPlaneHourly: 0.1,
    natGatewayHourly: 0.045,
    /** Per GB through a NAT gateway. */
    natGatewayPerGb: 0.045,
    /** Assumed NAT traffic per gateway per month (image pulls, model downloads). */
    natGbPerMonth: 200,
    /** EBS gp3 per GB-month. */
    ebsGp3PerGbMonth: 0.08,
    /** RDS gp3/gp2 storage per GB-month (single-AZ; doubled for Multi-AZ). */
    rdsStoragePerGbMonth: 0.115,
    /** S3 Standard per GB-month. */
    s3PerGbMonth: 0.023,
    /** Assumed data kept per bucket. */
    s3GbPerBucket: 100,
    kmsKeyMonthly: 1,
} as const;

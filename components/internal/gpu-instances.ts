/**
 * The EC2 GPU instance families the platform schedules onto, with what
 * validation and capacity planning need to know of them: the GPU model
 * (Karpenter's `karpenter.k8s.aws/instance-gpu-name` value plus its memory),
 * how many GPUs the family's sizes carry, the MIG profiles the GPU supports,
 * and the shape of the family's smallest size.
 * Sources: Amazon EC2 accelerated computing instance specifications, 2026-11;
 * ENI limits from aws/karpenter-provider-aws v1.14.1
 * `pkg/providers/instancetype/zz_generated.vpclimits.go`; MIG profiles from
 * NVIDIA/mig-parted v0.15.0 (the k8s-mig-manager the GPU Operator v26.7.0 chart
 * pins) `deployments/systemd/config-default.yaml`; EFA interface counts from
 * aws/karpenter-provider-aws v1.14.1 `website/content/en/docs/reference/instance-types.md`
 * (`vpc.amazonaws.com/efa`, EC2's MaximumEfaInterfaces).
 */

/** The extended resource the EFA device plugin advertises and Karpenter provisions EFA interfaces for (karpenter-provider-aws v1.14.1 pkg/apis/v1/labels.go `ResourceEFA`). */
export const EFA_RESOURCE = "vpc.amazonaws.com/efa";

/** One instance size: what Karpenter computes its allocatable from. */
export interface InstanceShape {
    instanceType: string;
    vcpus: number;
    memoryMiB: number;
    gpus: number;
    /** ENIs of the default network card × (IPv4 per ENI − 1) + 2 (Karpenter's ENI-limited pod density). */
    maxPods: number;
}

export interface GpuFamily {
    /** Karpenter's `instance-gpu-name` label value. */
    gpuName: string;
    /** The GPU model, name and memory: the unit MIG profiles are defined for. */
    gpuModel: string;
    gpuMemoryGiB: number;
    /** Distinct GPU counts across the family's sizes, ascending. */
    gpuCounts: readonly number[];
    /** Uniform MIG profiles (`<g>g.<mem>gb`) → instances one GPU splits into; absent when the GPU has no MIG. */
    migProfiles?: Readonly<Record<string, number>>;
    /** The family's smallest size. */
    smallest: InstanceShape;
    /**
     * Elastic Fabric Adapter on the family's 8-GPU size (`node`), the size
     * multi-node serving runs on: how many EFA interfaces Karpenter attaches
     * (and the EFA device plugin advertises as `vpc.amazonaws.com/efa`).
     * Recorded for the P families, built for multi-node (EC2 User Guide, "Supported
     * instance types" for EFA; every one supports RDMA read, so NCCL may use
     * device RDMA). The big G sizes also carry EFA (g6e.48xlarge: 4) but are not
     * multi-node targets here, so they are not recorded. Absent: no EFA.
     */
    efa?: { interfaces: number; node: InstanceShape };
}

/** mig-parted v0.15.0 `all-<profile>` layouts for A100-40GB (device ids 0x20B0/0x20B1/0x20F1/0x20F6). */
const A100_40GB_MIG = { "1g.5gb": 7, "1g.10gb": 4, "2g.10gb": 3, "3g.20gb": 2, "4g.20gb": 1, "7g.40gb": 1 };
/** mig-parted v0.15.0: H100-80GB and A100-80GB share one table. */
const GPU_80GB_MIG = { "1g.10gb": 7, "1g.20gb": 4, "2g.20gb": 3, "3g.40gb": 2, "4g.40gb": 1, "7g.80gb": 1 };
/** mig-parted v0.15.0: H200-141GB. */
const H200_MIG = { "1g.18gb": 7, "1g.35gb": 4, "2g.35gb": 3, "3g.71gb": 2, "4g.71gb": 1, "7g.141gb": 1 };
/** mig-parted v0.15.0: B200. */
const B200_MIG = { "1g.23gb": 7, "1g.45gb": 4, "2g.45gb": 3, "3g.90gb": 2, "4g.90gb": 1, "7g.180gb": 1 };

const GIB = 1024;

export const GPU_FAMILIES: Readonly<Record<string, GpuFamily>> = {
    g4dn: { gpuName: "t4", gpuModel: "T4-16GB", gpuMemoryGiB: 16, gpuCounts: [1, 4, 8], smallest: { instanceType: "g4dn.xlarge", vcpus: 4, memoryMiB: 16 * GIB, gpus: 1, maxPods: 29 } },
    g5: { gpuName: "a10g", gpuModel: "A10G-24GB", gpuMemoryGiB: 24, gpuCounts: [1, 4, 8], smallest: { instanceType: "g5.xlarge", vcpus: 4, memoryMiB: 16 * GIB, gpus: 1, maxPods: 58 } },
    g6: { gpuName: "l4", gpuModel: "L4-24GB", gpuMemoryGiB: 24, gpuCounts: [1, 4, 8], smallest: { instanceType: "g6.xlarge", vcpus: 4, memoryMiB: 16 * GIB, gpus: 1, maxPods: 58 } },
    g6e: { gpuName: "l40s", gpuModel: "L40S-48GB", gpuMemoryGiB: 48, gpuCounts: [1, 4, 8], smallest: { instanceType: "g6e.xlarge", vcpus: 4, memoryMiB: 32 * GIB, gpus: 1, maxPods: 58 } },
    p4d: { gpuName: "a100", gpuModel: "A100-40GB", gpuMemoryGiB: 40, gpuCounts: [8], migProfiles: A100_40GB_MIG, smallest: { instanceType: "p4d.24xlarge", vcpus: 96, memoryMiB: 1152 * GIB, gpus: 8, maxPods: 737 }, efa: { interfaces: 4, node: { instanceType: "p4d.24xlarge", vcpus: 96, memoryMiB: 1152 * GIB, gpus: 8, maxPods: 737 } } },
    p4de: { gpuName: "a100", gpuModel: "A100-80GB", gpuMemoryGiB: 80, gpuCounts: [8], migProfiles: GPU_80GB_MIG, smallest: { instanceType: "p4de.24xlarge", vcpus: 96, memoryMiB: 1152 * GIB, gpus: 8, maxPods: 737 }, efa: { interfaces: 4, node: { instanceType: "p4de.24xlarge", vcpus: 96, memoryMiB: 1152 * GIB, gpus: 8, maxPods: 737 } } },
    p5: { gpuName: "h100", gpuModel: "H100-80GB", gpuMemoryGiB: 80, gpuCounts: [1, 8], migProfiles: GPU_80GB_MIG, smallest: { instanceType: "p5.4xlarge", vcpus: 16, memoryMiB: 256 * GIB, gpus: 1, maxPods: 118 }, efa: { interfaces: 32, node: { instanceType: "p5.48xlarge", vcpus: 192, memoryMiB: 2048 * GIB, gpus: 8, maxPods: 100 } } },
    p5e: { gpuName: "h200", gpuModel: "H200-141GB", gpuMemoryGiB: 141, gpuCounts: [8], migProfiles: H200_MIG, smallest: { instanceType: "p5e.48xlarge", vcpus: 192, memoryMiB: 2048 * GIB, gpus: 8, maxPods: 100 }, efa: { interfaces: 32, node: { instanceType: "p5e.48xlarge", vcpus: 192, memoryMiB: 2048 * GIB, gpus: 8, maxPods: 100 } } },
    p5en: { gpuName: "h200", gpuModel: "H200-141GB", gpuMemoryGiB: 141, gpuCounts: [8], migProfiles: H200_MIG, smallest: { instanceType: "p5en.48xlarge", vcpus: 192, memoryMiB: 2048 * GIB, gpus: 8, maxPods: 198 }, efa: { interfaces: 16, node: { instanceType: "p5en.48xlarge", vcpus: 192, memoryMiB: 2048 * GIB, gpus: 8, maxPods: 198 } } },
    "p6-b200": { gpuName: "b200", gpuModel: "B200-180GB", gpuMemoryGiB: 179, gpuCounts: [8], migProfiles: B200_MIG, smallest: { instanceType: "p6-b200.48xlarge", vcpus: 192, memoryMiB: 2048 * GIB, gpus: 8, maxPods: 198 }, efa: { interfaces: 8, node: { instanceType: "p6-b200.48xlarge", vcpus: 192, memoryMiB: 2048 * GIB, gpus: 8, maxPods: 198 } } },
};

/** GPU names Karpenter labels instances with, from the families above. */
export const GPU_NAMES: readonly string[] = [...new Set(Object.values(GPU_FAMILIES).map((f) => f.gpuName))];

/** The families whose GPU is one of `gpuNames`. */
export function familiesWithGpus(gpuNames: readonly string[]): string[] {
    return Object.entries(GPU_FAMILIES)
        .filter(([, f]) => gpuNames.includes(f.gpuName))
        .map(([family]) => family);
}

/** The instance families a pool may launch: its families, narrowed by its GPU names (Karpenter ANDs the two requirements). */
export function poolFamilies(pool: { instanceFamilies?: readonly string[]; gpuNames?: readonly string[] }): string[] {
    const names = pool.gpuNames ?? [];
    const families = pool.instanceFamilies?.length ? pool.instanceFamilies : Object.keys(GPU_FAMILIES);
    return families.filter((f) => GPU_FAMILIES[f] && (names.length === 0 || names.includes(GPU_FAMILIES[f].gpuName)));
}

/**
 * EFA interfaces every node of a pool can give one pod: the fewest among the
 * pool's families, or undefined when some family has no EFA (a pod asking for
 * `vpc.amazonaws.com/efa` could then never run there, and one that does not
 * ask would talk over TCP).
 */
export function poolEfaInterfaces(pool: { instanceFamilies?: readonly string[]; gpuNames?: readonly string[] }): number | undefined {
    const families = poolFamilies(pool);
    const counts = families.map((f) => GPU_FAMILIES[f].efa?.interfaces);
    if (counts.length === 0 || counts.some((c) => c === undefined)) return undefined;
    return Math.min(...(counts as number[]));
}

/** The families of a pool without EFA. */
export function familiesWithoutEfa(pool: { instanceFamilies?: readonly string[]; gpuNames?: readonly string[] }): string[] {
    return poolFamilies(pool).filter((f) => GPU_FAMILIES[f].efa === undefined);
}

/** How a pool shares its GPUs. */
export const GpuSharingMode = {
    /** Each physical GPU is advertised `replicas` times; pods share it without memory isolation. */
    TimeSlicing: "time-slicing",
    /** Every GPU is split into identical MIG slices (a uniform `all-<slice>` profile). */
    Mig: "mig",
} as const;
export type GpuSharingMode = (typeof GpuSharingMode)[keyof typeof GpuSharingMode];

/**
 * A pool's GPU sharing as its readers take it (`GpuPoolInfo.sharing`): the
 * mode and the one setting that mode uses. One object type rather than a
 * union, so the tenant-facing ModelEndpoint stays expressible in Pulumi's
 * package schema (the component analyzer refuses unions); the GpuCluster
 * `sharing` arg (`GpuSharing`) is validated to set exactly the mode's setting.
 */
export interface GpuPoolSharing {
    /** The sharing mode. */
    mode: GpuSharingMode;
    /** Time-slicing: how many times each physical GPU is advertised. */
    replicas?: number;
    /** MIG: the uniform profile, e.g. `all-1g.10gb`. */
    profile?: string;
}

/** `all-1g.10gb` → `1g.10gb`. */
export function migProfileName(profile: string): string {
    return profile.replace(/^all-/, "");
}

/**
 * How many `nvidia.com/gpu` one physical GPU of `family` advertises under
 * `sharing`: time-slicing replicates each GPU `replicas` times; MIG (single
 * strategy) advertises each slice. This is the unit Karpenter counts against a
 * NodePool's limit once a node is initialised, and the unit a ResourceQuota counts.
 */
export function advertisedPerGpu(sharing: GpuPoolSharing | undefined, family: string): number {
    if (!sharing) return 1;
    if (sharing.mode === "time-slicing") return sharing.replicas ?? 1;
    return GPU_FAMILIES[family]?.migProfiles?.[migProfileName(sharing.profile ?? "")] ?? 1;
}

/**
 * Advertised `nvidia.com/gpu` per physical GPU for a whole pool. Validation
 * refuses MIG pools that mix GPU models, so the factor is the same for every
 * family a valid pool may launch.
 */
export function poolAdvertisedPerGpu(pool: { sharing?: GpuPoolSharing; instanceFamilies?: readonly string[]; gpuNames?: readonly string[] }): number {
    const [family] = poolFamilies(pool);
    return family === undefined ? 1 : advertisedPerGpu(pool.sharing, family);
}

/**
 * Allocatable CPU (millicores) and memory (MiB) Karpenter computes for a
 * shape before it has seen a node, per aws/karpenter-provider-aws v1.14.1
 * `pkg/providers/instancetype/types.go`: memory less the 7.5 % VM overhead
 * (`--vm-memory-overhead-percent` default 0.075, `memory()`), less
 * kube-reserved (11 MiB per pod + 255 MiB; CPU 6 % of the first core, 1 % of
 * the second, 0.5 % of cores 3-4, 0.25 % above: `kubeReservedResources()`),
 * less the 100 MiB hard eviction threshold (`evictionThreshold()`). `pods`
 * is the node's pod density: the ENI limit unless something caps it lower.
 */
export function allocatable(shape: InstanceShape, pods = shape.maxPods): { cpuMillis: number; memoryMiB: number } {
    const cpu = shape.vcpus * 1000;
    const bands = [
        { start: 0, end: 1000, share: 0.06 },
        { start: 1000, end: 2000, share: 0.01 },
        { start: 2000, end: 4000, share: 0.005 },
        { start: 4000, end: Number.MAX_SAFE_INTEGER, share: 0.0025 },
    ];
    const reservedCpu = bands.reduce((sum, b) => sum + (cpu > b.start ? Math.floor((Math.min(cpu, b.end) - b.start) * b.share) : 0), 0);
    const capacityMemory = shape.memoryMiB - Math.ceil(shape.memoryMiB * 0.075);
    const reservedMemory = 11 * pods + 255;
    return { cpuMillis: cpu - reservedCpu, memoryMiB: capacityMemory - reservedMemory - 100 };
}

/**
 * What the DaemonSets on a GPU node request, kept free when sizing shared
 * slices: VPC CNI, kube-proxy, the Pod Identity and EBS CSI node agents, and
 * the GPU Operator's node agents (device plugin, GFD, NFD worker, DCGM
 * exporter, validator) plus node-exporter. A stated upper bound; the
 * deploy-semantics tier checks it against the charts' rendered DaemonSets.
 */
export const GPU_NODE_DAEMONSET_RESERVE = { cpuMillis: 500, memoryMiB: 1024 } as const;

/** CPU and memory one slice pod may request so that every slice of the smallest node of `family` fits it. */
export function sliceShare(family: string, slicesPerGpu: number): { cpuMillis: number; memoryMiB: number; slicesPerNode: number; instanceType: string } {
    const shape = GPU_FAMILIES[family].smallest;
    const free = allocatable(shape);
    const slicesPerNode = shape.gpus * slicesPerGpu;
    return {
        cpuMillis: Math.floor((free.cpuMillis - GPU_NODE_DAEMONSET_RESERVE.cpuMillis) / slicesPerNode),
        memoryMiB: Math.floor((free.memoryMiB - GPU_NODE_DAEMONSET_RESERVE.memoryMiB) / slicesPerNode),
        slicesPerNode,
        instanceType: shape.instanceType,
    };
}

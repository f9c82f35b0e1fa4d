/**
 * EC2 instance shapes and the allocatable Karpenter computes for them, for the
 * scheduling evaluator: every size of the GPU families the platform schedules
 * onto (components/internal/gpu-instances.ts) and of the general-purpose
 * families its system nodes and EKS Auto Mode's built-in pools use.
 *
 * Sources: Amazon EC2 instance type specifications (vCPUs, memory, GPUs),
 * 2026-11; max pods from the ENI limits in aws/karpenter-provider-aws v1.14.1
 * `pkg/providers/instancetype/zz_generated.vpclimits.go` (default network
 * card's interfaces × (IPv4 per interface − 1) + 2, `ENILimitedPods` in
 * `pkg/providers/instancetype/types.go`).
 */
import { GPU_RESOURCE } from "../../components/gpu-cluster/manifests";
import { instanceArchitecture } from "../../components/internal/architecture";
import { allocatable as karpenterAllocatable, EFA_RESOURCE, GPU_FAMILIES, type InstanceShape } from "../../components/internal/gpu-instances";

export type { InstanceShape };

const GIB = 1024;

/** `[size, vCPUs, memory GiB, GPUs, max pods]` per family. */
type Sizes = [string, number, number, number, number][];
const GPU_SIZES: Record<string, Sizes> = {
    g4dn: [["xlarge", 4, 16, 1, 29], ["2xlarge", 8, 32, 1, 29], ["4xlarge", 16, 64, 1, 29], ["8xlarge", 32, 128, 1, 58], ["16xlarge", 64, 256, 1, 58], ["12xlarge", 48, 192, 4, 234], ["metal", 96, 384, 8, 737]],
    g5: [["xlarge", 4, 16, 1, 58], ["2xlarge", 8, 32, 1, 58], ["4xlarge", 16, 64, 1, 234], ["8xlarge", 32, 128, 1, 234], ["16xlarge", 64, 256, 1, 234], ["12xlarge", 48, 192, 4, 737], ["24xlarge", 96, 384, 4, 737], ["48xlarge", 192, 768, 8, 345]],
    g6: [["xlarge", 4, 16, 1, 58], ["2xlarge", 8, 32, 1, 58], ["4xlarge", 16, 64, 1, 234], ["8xlarge", 32, 128, 1, 234], ["16xlarge", 64, 256, 1, 737], ["12xlarge", 48, 192, 4, 234], ["24xlarge", 96, 384, 4, 737], ["48xlarge", 192, 768, 8, 737]],
    g6e: [["xlarge", 4, 32, 1, 58], ["2xlarge", 8, 64, 1, 58], ["4xlarge", 16, 128, 1, 234], ["8xlarge", 32, 256, 1, 234], ["16xlarge", 64, 512, 1, 737], ["12xlarge", 48, 384, 4, 292], ["24xlarge", 96, 768, 4, 492], ["48xlarge", 192, 1536, 8, 492]],
    p4d: [["24xlarge", 96, 1152, 8, 737]],
    p4de: [["24xlarge", 96, 1152, 8, 737]],
    p5: [["4xlarge", 16, 256, 1, 118], ["48xlarge", 192, 2048, 8, 100]],
    p5e: [["48xlarge", 192, 2048, 8, 100]],
    p5en: [["48xlarge", 192, 2048, 8, 198]],
    "p6-b200": [["48xlarge", 192, 2048, 8, 198]],
};

/** Generation 6 and 7 Intel C/M/R sizes share their ENI limits; memory is 2, 4 or 8 GiB per vCPU. */
const GENERAL_SIZES: [string, number, number][] = [["large", 2, 29], ["xlarge", 4, 58], ["2xlarge", 8, 58], ["4xlarge", 16, 234], ["8xlarge", 32, 234], ["12xlarge", 48, 234], ["16xlarge", 64, 737], ["24xlarge", 96, 737]];
const GENERAL_FAMILIES: Record<string, { memoryPerVcpu: number; largest: [string, number]; medium?: boolean }> = {
    c6i: { memoryPerVcpu: 2, largest: ["32xlarge", 128] },
    m6i: { memoryPerVcpu: 4, largest: ["32xlarge", 128] },
    r6i: { memoryPerVcpu: 8, largest: ["32xlarge", 128] },
    c7i: { memoryPerVcpu: 2, largest: ["48xlarge", 192] },
    m7i: { memoryPerVcpu: 4, largest: ["48xlarge", 192] },
    r7i: { memoryPerVcpu: 8, largest: ["48xlarge", 192] },
    // Graviton (arm64): the same ENI limits from large up; they also come in medium (1 vCPU) and end at 16xlarge.
    c6g: { memoryPerVcpu: 2, largest: ["16xlarge", 64], medium: true },
    m6g: { memoryPerVcpu: 4, largest: ["16xlarge", 64], medium: true },
    r6g: { memoryPerVcpu: 8, largest: ["16xlarge", 64], medium: true },
    c7g: { memoryPerVcpu: 2, largest: ["16xlarge", 64], medium: true },
    m7g: { memoryPerVcpu: 4, largest: ["16xlarge", 64], medium: true },
    r7g: { memoryPerVcpu: 8, largest: ["16xlarge", 64], medium: true },
};

/** Graviton burstable sizes: `[size, vCPUs, memory GiB, max pods]` (vpclimits: t4g.medium 3 × (6 − 1) + 2 = 17). */
const T4G_SIZES: [string, number, number, number][] = [["nano", 2, 0.5, 4], ["micro", 2, 1, 4], ["small", 2, 2, 11], ["medium", 2, 4, 17], ["large", 2, 8, 35], ["xlarge", 4, 16, 58], ["2xlarge", 8, 32, 58]];

export const INSTANCE_TYPES: readonly InstanceShape[] = [
    ...Object.entries(GPU_SIZES).flatMap(([family, sizes]) =>
        sizes.map(([size, vcpus, memGiB, gpus, maxPods]) => ({ instanceType: `${family}.${size}`, vcpus, memoryMiB: memGiB * GIB, gpus, maxPods })),
    ),
    ...Object.entries(GENERAL_FAMILIES).flatMap(([family, f]) =>
        [...(f.medium ? [["medium", 1, 8] as [string, number, number]] : []), ...GENERAL_SIZES.filter(([, vcpus]) => vcpus < f.largest[1]), [...f.largest, 737] as [string, number, number]].map(([size, vcpus, maxPods]) => ({
            instanceType: `${family}.${size}`,
            vcpus,
            memoryMiB: vcpus * f.memoryPerVcpu * GIB,
            gpus: 0,
            maxPods,
        })),
    ),
    ...T4G_SIZES.map(([size, vcpus, memGiB, maxPods]) => ({ instanceType: `t4g.${size}`, vcpus, memoryMiB: memGiB * GIB, gpus: 0, maxPods })),
];

export function instanceShape(instanceType: string): InstanceShape | undefined {
    return INSTANCE_TYPES.find((s) => s.instanceType === instanceType);
}

/**
 * The well-known labels a node of `shape` carries: the upstream ones
 * (kubelet, cloud provider) always; with a `prefix`, also the instance labels
 * Karpenter (`karpenter.k8s.aws`) or Auto Mode (`eks.amazonaws.com`) adds
 * (`computeRequirements` in types.go; the EKS Auto Mode supported-labels table).
 * Managed node groups add none of the prefixed ones.
 */
export function instanceLabels(shape: InstanceShape, prefix?: string): Record<string, string> {
    const upstream = { "node.kubernetes.io/instance-type": shape.instanceType, "kubernetes.io/arch": instanceArchitecture(shape.instanceType), "kubernetes.io/os": "linux" };
    if (!prefix) return upstream;
    const [family, size] = shape.instanceType.split(".");
    const [, category, generation] = /^([a-z]+)(\d+)/.exec(family) ?? [];
    const gpu = GPU_FAMILIES[family];
    return {
        ...upstream,
        [`${prefix}/instance-family`]: family,
        [`${prefix}/instance-size`]: size,
        [`${prefix}/instance-category`]: category,
        [`${prefix}/instance-generation`]: generation,
        [`${prefix}/instance-cpu`]: String(shape.vcpus),
        [`${prefix}/instance-memory`]: String(shape.memoryMiB),
        ...(gpu
            ? {
                  [`${prefix}/instance-gpu-name`]: gpu.gpuName,
                  [`${prefix}/instance-gpu-manufacturer`]: "nvidia",
                  [`${prefix}/instance-gpu-count`]: String(shape.gpus),
                  [`${prefix}/instance-gpu-memory`]: String(gpu.gpuMemoryGiB * GIB),
              }
            : {}),
    };
}

/** Resource name → amount in base units (cores, bytes, pods, devices). */
export type Resources = Record<string, number>;

const MIB = 2 ** 20;

export interface NodeSettings {
    /** Root (AL2023) or data (Bottlerocket) volume, GiB: the node's ephemeral-storage capacity. */
    ephemeralGiB: number;
    /** `nvidia.com/gpu` each physical GPU advertises: time-slicing replicas, MIG slices, or 1. */
    advertisedPerGpu: number;
    /** A cap on pods per node over the ENI limit (EKS Auto Mode caps at 110). */
    maxPodsCap?: number;
    /** The EFA device plugin runs on the node, advertising its EFA interfaces as `vpc.amazonaws.com/efa`. */
    efa?: boolean;
}

/** EFA interfaces of `shape` (Karpenter v1.14.1 instance-types reference), for the 8-GPU sizes gpu-instances.ts records; 0 otherwise. */
function efaInterfaces(shape: InstanceShape): number {
    const efa = GPU_FAMILIES[shape.instanceType.split(".")[0]]?.efa;
    return efa?.node.instanceType === shape.instanceType ? efa.interfaces : 0;
}

/**
 * What the scheduler may place on a node of `shape`, as Karpenter v1.14.1
 * computes it for AL2023 and Bottlerocket (`NewInstanceType` in
 * pkg/providers/instancetype/types.go): CPU and memory as the platform's own
 * capacity planning computes them (components/internal/gpu-instances.ts
 * `allocatable`), ephemeral storage less 1 GiB kube-reserved and the 10%
 * eviction threshold, pods, the GPUs the node advertises, and its EFA
 * interfaces where the EFA device plugin runs.
 */
export function allocatable(shape: InstanceShape, node: NodeSettings): Resources {
    const pods = Math.min(shape.maxPods, node.maxPodsCap ?? Infinity);
    const { cpuMillis, memoryMiB } = karpenterAllocatable(shape, pods);
    const storage = node.ephemeralGiB * 2 ** 30;
    return {
        cpu: cpuMillis / 1000,
        memory: memoryMiB * MIB,
        "ephemeral-storage": storage - 2 ** 30 - Math.ceil(storage / 10),
        pods,
        [GPU_RESOURCE]: shape.gpus * node.advertisedPerGpu,
        ...(node.efa ? { [EFA_RESOURCE]: efaInterfaces(shape) } : {}),
    };
}

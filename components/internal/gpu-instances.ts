/**
 * The EC2 GPU instance families the platform schedules onto, with what
 * validation needs to know of them: the GPU model (Karpenter's
 * `karpenter.k8s.aws/instance-gpu-name` value), GPU memory, how many GPUs the
 * family's sizes carry, and whether the GPU supports MIG.
 * Source: Amazon EC2 accelerated computing instance specifications, 2026-11.
 */

export interface GpuFamily {
    /** Karpenter's `instance-gpu-name` label value. */
    gpuName: string;
    gpuMemoryGiB: number;
    /** Distinct GPU counts across the family's sizes, ascending. */
    gpuCounts: readonly number[];
    /** Multi-Instance GPU (A100, H100, H200, B200). */
    mig: boolean;
}

export const GPU_FAMILIES: Readonly<Record<string, GpuFamily>> = {
    g4dn: { gpuName: "t4", gpuMemoryGiB: 16, gpuCounts: [1, 4, 8], mig: false },
    g5: { gpuName: "a10g", gpuMemoryGiB: 24, gpuCounts: [1, 4, 8], mig: false },
    g6: { gpuName: "l4", gpuMemoryGiB: 24, gpuCounts: [1, 4, 8], mig: false },
    g6e: { gpuName: "l40s", gpuMemoryGiB: 48, gpuCounts: [1, 4, 8], mig: false },
    p4d: { gpuName: "a100", gpuMemoryGiB: 40, gpuCounts: [8], mig: true },
    p4de: { gpuName: "a100", gpuMemoryGiB: 80, gpuCounts: [8], mig: true },
    p5: { gpuName: "h100", gpuMemoryGiB: 80, gpuCounts: [1, 8], mig: true },
    p5e: { gpuName: "h200", gpuMemoryGiB: 141, gpuCounts: [8], mig: true },
    p5en: { gpuName: "h200", gpuMemoryGiB: 141, gpuCounts: [8], mig: true },
    "p6-b200": { gpuName: "b200", gpuMemoryGiB: 179, gpuCounts: [8], mig: true },
};

/** GPU names Karpenter labels instances with, from the families above. */
export const GPU_NAMES: readonly string[] = [...new Set(Object.values(GPU_FAMILIES).map((f) => f.gpuName))];

/** The families whose GPU is one of `gpuNames`. */
export function familiesWithGpus(gpuNames: readonly string[]): string[] {
    return Object.entries(GPU_FAMILIES)
        .filter(([, f]) => gpuNames.includes(f.gpuName))
        .map(([family]) => family);
}

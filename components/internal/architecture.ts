/**
 * CPU architectures of EC2 instances and of container images: which nodes
 * an image can run on. Pure.
 */
import { IMAGE_ARCHITECTURES } from "./versions";

/** `kubernetes.io/arch` values the platform's nodes carry. */
export const Architecture = { Amd64: "amd64", Arm64: "arm64" } as const;
export type Architecture = (typeof Architecture)[keyof typeof Architecture];
export const ARCHITECTURES: readonly Architecture[] = Object.values(Architecture);

/**
 * The architecture of an EC2 instance type, from its family's name: AWS
 * Graviton families carry a `g` among the attributes after the generation
 * (m7g, c7gn, r8gd, t4g, x2gd, im4gn, is4gen, g5g, hpc7g), and `a1` is the
 * first Graviton; every other family is x86_64 (Amazon EC2 User Guide,
 * "Amazon EC2 instance type naming conventions": `g` = AWS Graviton processors).
 */
export function instanceArchitecture(instanceType: string): Architecture {
    const family = instanceType.split(".")[0];
    const attributes = /^[a-z]+\d+([a-z-]*)$/.exec(family)?.[1] ?? "";
    return family === "a1" || attributes.includes("g") ? Architecture.Arm64 : Architecture.Amd64;
}

/** The image reference without its digest: `repo:tag@sha256:…` → `repo:tag`. */
const withoutDigest = (image: string) => image.split("@")[0];

/** Architectures `image` is known to ship: its manifest list per IMAGE_ARCHITECTURES; amd64 only when not recorded. */
export function imageArchitectures(image: string): readonly Architecture[] {
    return IMAGE_ARCHITECTURES[withoutDigest(image)]?.architectures ?? [Architecture.Amd64];
}

/**
 * The nodeSelector that keeps a pod running `images` on nodes all of them
 * run on: `kubernetes.io/arch: amd64` when one has no recorded arm64 build,
 * nothing when every image ships both.
 */
export function architectureSelector(images: readonly string[]): Record<string, string> {
    const arm64 = images.every((image) => imageArchitectures(image).includes(Architecture.Arm64));
    return arm64 ? {} : { "kubernetes.io/arch": Architecture.Amd64 };
}

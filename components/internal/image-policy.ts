/**
 * The cluster's image rule (Kyverno `restrict-image-registries`), checked at
 * validation time so a component refuses an image admission would refuse:
 * the image's fully qualified repository must equal an allow-list entry or
 * start with it at a `/` boundary, and it must be pinned (a digest, or a tag
 * other than `latest`; no tag means `latest`). References are parsed as
 * Kyverno's image library parses them (see image-reference.ts).
 */
import { normalizeRegistryEntry } from "../gpu-cluster/kyverno-policies";
import type { Problems } from "./errors";
import { parseImageReference } from "./image-reference";

/** Why `image` would be refused, or undefined when admission would take it. */
export function imageRefusal(image: unknown, allowedRegistries: readonly string[]): string | undefined {
    if (typeof image !== "string") return "expected an image reference such as ghcr.io/acme/agent:1.2.0";
    let ref;
    try {
        ref = parseImageReference(image);
    } catch {
        return "expected an image reference such as ghcr.io/acme/agent:1.2.0";
    }
    const repository = `${ref.registry}/${ref.repository}`;
    const allowed = allowedRegistries.map(normalizeRegistryEntry);
    if (!allowed.some((r) => repository === r || repository.startsWith(`${r}/`))) {
        return `expected an image from an allowed registry (${allowedRegistries.join(", ")}); its repository is ${repository}`;
    }
    if (ref.digest === "" && ref.tag === "latest") return "expected an image pinned to a tag other than latest or to a digest (@sha256:...)";
    return undefined;
}

/** Records a problem at `field` unless the cluster would admit `image`. */
export function checkImage(p: Problems, field: string, image: unknown, allowedRegistries: readonly string[]): boolean {
    const refusal = imageRefusal(image, allowedRegistries);
    return p.check(refusal === undefined, field, image, refusal ?? "");
}

import { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_ALLOWED_REGISTRIES } from "../lib/platform";
import { containersOf, describeWorkload, validateWorkloads } from "../lib/pod-specs";
import { stringList } from "../lib/policy";

export interface ImageReference {
    /** Fully qualified repository, e.g. `docker.io/library/nginx`. */
    repository: string;
    tag?: string;
    digest?: string;
}

/** Docker Hub, however an image or an entry spells it (go-containerregistry v0.21.8 pkg/name treats these as one registry). */
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io"]);

/** `host/path` with Docker Hub's host spelt `docker.io`. */
function normalizeHost(name: string): string {
    const [host, ...rest] = name.split("/");
    return rest.length > 0 && DOCKER_HUB_HOSTS.has(host) ? ["docker.io", ...rest].join("/") : name;
}

/**
 * Parses an image reference the way container runtimes and Kyverno's image
 * library resolve it: Docker Hub by default, `docker.io` and
 * `index.docker.io` alike, and a one-part Docker Hub repository under `library/`.
 */
export function parseImage(image: string): ImageReference {
    const [nameAndTag, digest] = image.split("@");
    const slash = nameAndTag.lastIndexOf("/");
    const colon = nameAndTag.lastIndexOf(":");
    const hasTag = colon > slash;
    const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
    const first = name.split("/")[0];
    const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    const qualified = normalizeHost(hasRegistry ? name : `docker.io/${name}`);
    const [host, ...path] = qualified.split("/");
    const repository = host === "docker.io" && path.length === 1 ? `docker.io/library/${path[0]}` : qualified;
    return { repository, tag: hasTag ? nameAndTag.slice(colon + 1) : undefined, digest };
}

/**
 * `entry` is a registry host or host/path prefix, matched on whole path
 * segments: `docker.io/vllm` matches `docker.io/vllm/vllm-openai`, not
 * `docker.io/vllmx/...` nor the official image `docker.io/library/vllm`.
 * The cluster's Kyverno policy restrict-image-registries applies the same rule.
 */
export function fromRegistry(repository: string, entry: string): boolean {
    const prefix = normalizeHost(entry.replace(/\/+$/, ""));
    return repository === prefix || repository.startsWith(`${prefix}/`);
}

/** Images are reproducible (pinned) and come from registries the platform trusts. */
export const imageProvenance: ResourceValidationPolicy = {
    name: "k8s-image-provenance",
    description: "Container images are pinned to a tag other than latest or to a digest, and come from an allowed registry.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { allowedRegistries: stringList("Registry hosts or host/path prefixes images may come from (Docker Hub as docker.io/<org>).", DEFAULT_ALLOWED_REGISTRIES) },
    },
    validateResource: validateWorkloads((workload, args, report) => {
        const { allowedRegistries } = args.getConfig<{ allowedRegistries: string[] }>();
        for (const container of containersOf(workload.spec)) {
            const subject = describeWorkload(workload, args, container);
            if (!container.image) {
                report(`${subject} names no image.`);
                continue;
            }
            const ref = parseImage(container.image);
            if (!ref.digest && (ref.tag === undefined || ref.tag === "latest")) {
                report(`${subject} image "${container.image}" is not pinned; use a release tag (not latest) or a digest.`);
            }
            if (!allowedRegistries.some((entry) => fromRegistry(ref.repository, entry))) {
                report(`${subject} image "${container.image}" (${ref.repository}) is not from an allowed registry (${allowedRegistries.join(", ")}).`);
            }
        }
    }),
};

/**
 * Image references parsed the way Kyverno 1.19's CEL image library parses
 * them: kyverno/sdk `extensions/cel/libs/image` (`parseImageReference`,
 * `isImage`) calls go-containerregistry v0.21.8 `name.ParseReference` with
 * its default (weak) options, whose rules (pkg/name/{ref,tag,digest,
 * repository,registry,check,options}.go) are restated here:
 * - a reference is tried as a tag first, then as a digest;
 * - the first path part is a registry only when it is `localhost` or contains
 *   `.` or `:`; otherwise, and for `docker.io`, the registry is `index.docker.io`;
 * - on `index.docker.io` a one-part repository gets the implicit `library/`;
 * - a missing tag is `latest`; a digest is `sha256:` + 64 lowercase hex, and a
 *   tag beside a digest is dropped.
 */

export const DEFAULT_REGISTRY = "index.docker.io";
const DEFAULT_REGISTRY_ALIAS = "docker.io";
const DEFAULT_TAG = "latest";
const REPOSITORY_CHARS = /^[a-z0-9_\-./]{2,255}$/;
const TAG_CHARS = /^[A-Za-z0-9_\-.]{1,128}$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;
/** What Go's url.Parse("//" + name) keeps whole as the host: no userinfo, path, query or fragment. */
const URI_AUTHORITY = /^([A-Za-z0-9\-._~!$&'()*+,;=]*|\[[0-9A-Fa-f:.]+\])(:[0-9]*)?$/;

export interface ImageReference {
    /** `index.docker.io` for Docker Hub. */
    registry: string;
    /** With Docker Hub's implicit `library/`. */
    repository: string;
    /** "" for a digest reference; `latest` when the reference names none. */
    tag: string;
    /** "" for a tag reference. */
    digest: string;
}

export class BadImageReference extends Error {}

function repository(name: string): { registry: string; repository: string } {
    if (name.length === 0) throw new BadImageReference("a repository name must be specified");
    const slash = name.indexOf("/");
    const first = slash < 0 ? name : name.slice(0, slash);
    const hasRegistry = slash >= 0 && (first === "localhost" || /[.:]/.test(first));
    const repo = hasRegistry ? name.slice(slash + 1) : name;
    if (!REPOSITORY_CHARS.test(repo)) throw new BadImageReference(`invalid repository: ${repo}`);
    let registry = hasRegistry ? first : "";
    if (!URI_AUTHORITY.test(registry)) throw new BadImageReference(`registries must be valid RFC 3986 URI authorities: ${registry}`);
    if (registry === "") registry = DEFAULT_REGISTRY;
    if (registry === DEFAULT_REGISTRY_ALIAS) registry = DEFAULT_REGISTRY;
    const implicitLibrary = !repo.includes("/") && registry === DEFAULT_REGISTRY;
    return { registry, repository: implicitLibrary ? `library/${repo}` : repo };
}

function tagReference(name: string): ImageReference {
    const parts = name.split(":");
    let base = name;
    let tag = "";
    if (parts.length > 1 && !parts[parts.length - 1].includes("/")) {
        base = parts.slice(0, -1).join(":");
        tag = parts[parts.length - 1];
        if (tag === "") throw new BadImageReference(`${name} must specify a tag name after the colon`);
        if (!TAG_CHARS.test(tag)) throw new BadImageReference(`invalid tag: ${tag}`);
    }
    return { ...repository(base), tag: tag || DEFAULT_TAG, digest: "" };
}

function digestReference(name: string): ImageReference {
    const parts = name.split("@");
    if (parts.length !== 2) throw new BadImageReference(`a digest must contain exactly one '@' separator: ${name}`);
    const [base, digest] = parts;
    if (!digest.startsWith("sha256:") || !SHA256_HEX.test(digest.slice("sha256:".length))) {
        throw new BadImageReference(`unsupported or invalid digest: ${digest}`);
    }
    let repoName = base;
    try {
        const tagged = tagReference(base);
        repoName = `${tagged.registry}/${tagged.repository}`;
    } catch {
        // not a tag reference: parse the base as a repository
    }
    return { ...repository(repoName), tag: "", digest };
}

/** `name.ParseReference(image)`; throws BadImageReference where it returns an error. */
export function parseImageReference(image: string): ImageReference {
    try {
        return tagReference(image);
    } catch {
        try {
            return digestReference(image);
        } catch {
            throw new BadImageReference(`could not parse reference: ${image}`);
        }
    }
}

export function isImage(image: string): boolean {
    try {
        parseImageReference(image);
        return true;
    } catch {
        return false;
    }
}

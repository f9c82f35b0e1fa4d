import { createHash } from "crypto";
import { Problems } from "./errors";
import { DNS_LABEL_MAX, isDnsLabel } from "./validators";

export const DNS_LABEL_RULE = "a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters";

/** Checks `value` is a DNS-1123 label, recording a problem at `field` otherwise. */
export function checkDnsLabel(problems: Problems, field: string | number, value: unknown, max = DNS_LABEL_MAX): boolean {
    const rule = max === DNS_LABEL_MAX ? DNS_LABEL_RULE : DNS_LABEL_RULE.replace("63", String(max));
    return problems.check(isDnsLabel(value, max), field, value, `expected ${rule}`);
}

/** Reports every name that appears more than once in `names`, at the later index. */
export function checkUnique(problems: Problems, names: readonly string[], field = "name"): void {
    const seen = new Set<string>();
    names.forEach((n, i) => {
        if (seen.has(n)) problems.at(i).add(field, n, "names must be unique; this one is already used");
        seen.add(n);
    });
}

/**
 * Eight hex digits of the SHA-256 of `text`: a stable, short identity for a
 * value that cannot appear in a name itself (an ARN) or is too long to.
 * Resources named by it keep their name when their list is reordered.
 */
export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/**
 * A physical name derived from a component's name, cut to a provider's length
 * limit. When cut, a short hash of the full name keeps two long names distinct,
 * so two instances never collide.
 */
export function physicalName(parts: readonly string[], maxLength: number): string {
    const full = parts.filter((p) => p.length > 0).join("-");
    if (full.length <= maxLength) return full;
    const hash = shortHash(full);
    return `${full.slice(0, maxLength - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/**
 * The longest name of a component whose AWS and Kubernetes names derive from
 * it (GpuCluster, LlmGateway, ObservabilityStack): their suffixed names fit
 * the providers' limits without losing their readable prefix.
 */
export const COMPONENT_NAME_MAX = 40;

/** AWS limits for names the platform derives. */
export const AWS_NAME_LIMITS = {
    eksCluster: 100,
    iamRole: 64,
    sqsQueue: 80,
    eventRule: 64,
    rdsIdentifier: 63,
    elasticacheId: 40,
    s3Bucket: 63,
} as const;

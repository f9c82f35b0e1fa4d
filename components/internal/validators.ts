/**
 * The small predicates the components' validators share: one named predicate
 * per concept, so a value means the same thing to every component and to the
 * stack config. Concepts with rules of their own keep their own module
 * (principal-arn.ts, cidr.ts, image-reference.ts, quantity.ts, labels.ts).
 * Each predicate takes `unknown` (args come from untyped config and JSON) and
 * narrows it.
 */

/** A whole number from `min` to `max`. */
export const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/** A TCP/UDP port, 1–65535. */
export const isPort = (v: unknown): v is number => isInt(v, 1, 65535);

/** A finite number above 0 (a budget, a timeout in seconds). */
export const isPositiveNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;

/** A finite number of 0 or more (a price, which may be 0). */
export const isNonNegativeNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

// Kubernetes names, as the API server checks them: IsDNS1123Label,
// IsDNS1123Subdomain and IsConfigMapKey in kubernetes/apimachinery
// pkg/util/validation/validation.go.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Longest DNS-1123 label. */
export const DNS_LABEL_MAX = 63;
/** Longest DNS-1123 subdomain (and Secret key). */
export const DNS_SUBDOMAIN_MAX = 253;

/** An RFC 1123 label (namespace, Service and most object names), at most `max` characters. */
export function isDnsLabel(value: unknown, max = DNS_LABEL_MAX): value is string {
    return typeof value === "string" && value.length <= max && DNS1123_LABEL.test(value);
}

/** An RFC 1123 subdomain (Secret, StorageClass names; label-key prefixes): dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(value: unknown): value is string {
    return typeof value === "string" && value.length <= DNS_SUBDOMAIN_MAX && value.split(".").every((part) => DNS1123_LABEL.test(part));
}

/** A key of a Secret or ConfigMap: alphanumerics, '-', '_', '.', at most 253 characters, not `.`, `..` or `..`-prefixed. */
export function isSecretKey(value: unknown): value is string {
    return typeof value === "string" && value.length <= DNS_SUBDOMAIN_MAX && CONFIG_MAP_KEY.test(value) && !value.startsWith("..") && value !== ".";
}

/** What `isDnsSubdomain` accepts of a Secret's name, for messages. */
export const SECRET_NAME_RULE = "expected a Secret name (DNS-1123 subdomain)";

/** What `isSecretKey` accepts, for messages. */
export const SECRET_KEY_RULE = "expected a Secret key: letters, digits, '-', '_' and '.', at most 253 characters, not '.' or starting with '..'";

// Durations. Each system spells its own; the predicate names whose spelling it is.

/**
 * A Prometheus duration (`30d`, `1w2d`, `1m30s`, `500ms`) greater than zero:
 * the prometheus-operator CRDs' pattern for ServiceMonitor `interval`,
 * Prometheus `retention` and rule `for` (kube-prometheus-stack 88.5.3,
 * charts/crds/crds/crd-servicemonitors.yaml, crd-prometheuses.yaml), less its `0`.
 */
const PROMETHEUS_DURATION = /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
export const isPrometheusDuration = (v: unknown): v is string => typeof v === "string" && PROMETHEUS_DURATION.test(v) && /[1-9]/.test(v);
export const PROMETHEUS_DURATION_RULE = 'expected a Prometheus duration such as "15s", "1m30s", "12h" or "1w2d" (units y, w, d, h, m, s, ms), greater than zero';

/**
 * A Karpenter NodePool duration (`30s`, `10m`, `1h30m`; `expireAfter`,
 * `consolidateAfter`), or `Never` where the field takes it:
 * karpenter.sh_nodepools.yaml v1.14.1 `^(([0-9]+(s|m|h))+|Never)$`.
 */
export const isKarpenterDuration = (v: unknown, allowNever: boolean): v is string =>
    typeof v === "string" && (/^([0-9]+(s|m|h))+$/.test(v) || (allowNever && v === "Never"));

/** A Karpenter disruption budget's `duration` (hours and minutes): karpenter.sh_nodepools.yaml v1.14.1 `budgets[].duration`. */
export const isKarpenterBudgetDuration = (v: unknown): v is string => typeof v === "string" && /^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/.test(v);

/** A LiteLLM budget period (`budget_duration`): `<n>s|m|h|d|w|mo`, n ≥ 1. */
export const isLiteLlmBudgetDuration = (v: unknown): v is string => typeof v === "string" && /^[1-9][0-9]*(s|m|h|d|w|mo)$/.test(v);

/** A volume size in whole binary units, as EBS-backed claims are sized: `50Gi`, `1Ti`, `512Mi`. */
export const isVolumeSize = (v: unknown): v is string => typeof v === "string" && /^[1-9][0-9]*(Mi|Gi|Ti)$/.test(v);
export const VOLUME_SIZE_RULE = 'expected a volume size such as "50Gi" or "1Ti" (a positive whole number of Mi, Gi or Ti)';

/**
 * An http(s) URL a component hands to a client as a base (Prometheus for KEDA,
 * Langfuse): parsed as WHATWG URLs are (Node's URL), without credentials,
 * query or fragment, which a base URL must not carry (credentials would sit in
 * plain env vars and specs).
 */
export function isHttpUrl(value: unknown): value is string {
    if (typeof value !== "string") return false;
    try {
        const url = new URL(value);
        return ["http:", "https:"].includes(url.protocol) && !url.username && !url.password && !url.search && !url.hash && !value.includes("#") && !value.includes("?");
    } catch {
        return false;
    }
}

/** An AWS Region code (`us-east-1`, `us-gov-west-1`). */
export const AWS_REGION_PATTERN = "[a-z]{2}(?:-gov)?-[a-z]+-\\d";
export const isAwsRegion = (v: unknown): v is string => typeof v === "string" && new RegExp(`^${AWS_REGION_PATTERN}$`).test(v);

/** A 12-digit AWS account id. */
export const isAwsAccountId = (v: unknown): v is string => typeof v === "string" && /^[0-9]{12}$/.test(v);

/**
 * A PostgreSQL identifier the platform creates (a database and its role):
 * lower case letters, digits and '_', starting with a letter, within
 * NAMEDATALEN − 1 = 63 bytes, so it needs no quoting and is never truncated.
 */
export const isPostgresIdentifier = (v: unknown): v is string => typeof v === "string" && v.length <= 63 && /^[a-z][a-z0-9_]*$/.test(v);
export const POSTGRES_IDENTIFIER_RULE = "expected a PostgreSQL identifier: lower case letters, digits and '_', starting with a letter, at most 63 characters";
/** An HTTP field name: an RFC 9110 token. */
export const isHttpHeaderName = (v: unknown): v is string => typeof v === "string" && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v);
/** An HTTP field value that stays on one line: printable ASCII, no CR or LF (which would split the request). */
export const isHttpHeaderValue = (v: unknown): v is string => typeof v === "string" && /^[\x20-\x7e]*$/.test(v);

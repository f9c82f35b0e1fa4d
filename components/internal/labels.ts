/**
 * Kubernetes label syntax ("Labels and Selectors", Syntax and character set):
 * a key is an optional DNS-subdomain prefix and `/`, then a name of at most 63
 * characters (alphanumerics and `-`, `_`, `.` inside); a value is empty or such
 * a name. Node labels a user adds must also stay out of the domains Kubernetes,
 * Karpenter, the GPU Operator and the platform set themselves.
 */
import { Problems } from "./errors";
import { isDnsSubdomain } from "./validators";

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isLabelKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = key.slice(slash + 1);
    const prefixOk = prefix === undefined || isDnsSubdomain(prefix);
    return prefixOk && name.length <= 63 && LABEL_NAME.test(name);
}

export const isLabelValue = (v: unknown): boolean => typeof v === "string" && (v === "" || (v.length <= 63 && LABEL_NAME.test(v)));

/**
 * Label domains a node label may not use: `kubernetes.io` and `k8s.io` are
 * Kubernetes' own (the NodeRestriction admission plugin keeps nodes from
 * setting most of them), `karpenter.sh` and `karpenter.k8s.aws` are refused by
 * Karpenter's NodePool CRD (v1.14.1 karpenter.sh_nodepools.yaml, template
 * labels rules), `nvidia.com` labels switch GPU Operator components per node
 * and are set from the pool's sharing mode, and `genai-platform.io` is ours.
 */
export const RESERVED_NODE_LABEL_DOMAINS = ["kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws", "nvidia.com", "genai-platform.io"];

function inReservedDomain(key: string): boolean {
    const slash = key.indexOf("/");
    if (slash < 0) return false;
    const domain = key.slice(0, slash);
    return RESERVED_NODE_LABEL_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
}

const LABEL_RULE = "expected a label key [prefix/]name (name at most 63 characters: alphanumerics and '-', '_', '.' inside)";
const VALUE_RULE = "expected a label value of at most 63 characters: empty, or alphanumerics with '-', '_', '.' inside";

/** Checks a map of labels; problems at `field.<key>`. */
export function checkLabels(p: Problems, field: string, labels: unknown, requireOne: boolean): void {
    const entries = labels && typeof labels === "object" ? Object.entries(labels) : [];
    if (!p.check(typeof labels === "object" && labels !== null && !Array.isArray(labels) && (!requireOne || entries.length > 0), field, labels, requireOne ? "expected at least one label (key: value)" : "expected a map of labels")) return;
    for (const [key, value] of entries) {
        if (!p.at(field).check(isLabelKey(key), key, value, LABEL_RULE)) continue;
        p.at(field).check(isLabelValue(value), key, value, VALUE_RULE);
    }
}

/** Checks labels for nodes: valid labels outside the reserved domains. */
export function checkNodeLabels(p: Problems, field: string, labels: unknown): void {
    checkLabels(p, field, labels, false);
    if (!labels || typeof labels !== "object") return;
    for (const [key, value] of Object.entries(labels)) {
        p.at(field).check(!inReservedDomain(key), key, value, `the label domains ${RESERVED_NODE_LABEL_DOMAINS.slice(0, -1).join(", ")} and ${RESERVED_NODE_LABEL_DOMAINS.at(-1)} are reserved (set by Kubernetes, Karpenter, the GPU Operator or the platform)`);
    }
}

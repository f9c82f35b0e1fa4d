/** Helpers for stack policies: find resources, read Kubernetes metadata, join resources. */
import type { PolicyResource } from "@pulumi/policy";

export function ofTypes(resources: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

export interface Metadata {
    name?: string;
    namespace?: string;
    labels: Record<string, string>;
}

export function metadataOf(resource: PolicyResource): Metadata {
    const m = resource.props.metadata ?? {};
    return { name: m.name, namespace: m.namespace, labels: m.labels ?? {} };
}

/** True when `resource`'s `property` input was computed from `target`'s outputs. */
export function dependsThrough(resource: PolicyResource, property: string, target: PolicyResource): boolean {
    return (resource.propertyDependencies[property] ?? []).some((d) => d.urn === target.urn);
}

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Kubernetes label-selector semantics: `{}` selects everything, an absent selector nothing. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return false;
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
        switch (operator) {
            case "In":
                return key in labels && values.includes(labels[key]);
            case "NotIn":
                return !(key in labels) || !values.includes(labels[key]);
            case "Exists":
                return key in labels;
            case "DoesNotExist":
                return !(key in labels);
            default:
                return false;
        }
    });
    return byLabels && byExpressions;
}

const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/**
 * The stack's Namespaces, and which one each namespaced object lives in:
 * by its declared `metadata.namespace`, or — when that is computed (an
 * auto-named Namespace) — through the dependency of its `metadata` on a
 * Namespace. Linear in the stack's size.
 */
export class Namespaces {
    /** Every Namespace the stack declares. */
    readonly all: PolicyResource[];
    private readonly byName = new Map<string, PolicyResource>();

    constructor(resources: readonly PolicyResource[]) {
        this.all = ofTypes(resources, [NAMESPACE_TYPE]);
        for (const ns of this.all) {
            const name = metadataOf(ns).name;
            if (name) this.byName.set(name, ns);
        }
    }

    /** The Namespace resource `obj` lives in, when the stack declares it. */
    of(obj: PolicyResource): PolicyResource | undefined {
        const declared = metadataOf(obj).namespace;
        if (declared !== undefined) return this.byName.get(declared);
        return (obj.propertyDependencies.metadata ?? []).find((d) => d.type === NAMESPACE_TYPE);
    }

    /** A key equal for all objects in the same namespace (`default` when none is declared). */
    keyOf(obj: PolicyResource): string {
        const ns = this.of(obj);
        return ns ? Namespaces.key(ns) : (metadataOf(obj).namespace ?? "default");
    }

    /** The key of a Namespace resource itself. */
    static key(ns: PolicyResource): string {
        return metadataOf(ns).name ?? ns.urn;
    }

    /** The namespace's name for messages. */
    nameOf(ns: PolicyResource): string {
        return metadataOf(ns).name ?? ns.name;
    }
}

/** Groups items by key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const k = key(item);
        const group = groups.get(k);
        if (group) group.push(item);
        else groups.set(k, [item]);
    }
    return groups;
}

/**
 * Args that accept `pulumi.Input<>` where a tenant passes another stack's
 * outputs (a namespace, the cluster's pools, the gateway connection), and
 * still refuse a bad value with one ValidationError.
 *
 * The model is pulumi-eks's `validatedInput` (pulumi/pulumi-eks v4.3.0,
 * nodejs/eks/cluster/authenticationMode.ts): validate at once when the value
 * is known, otherwise inside the Output chain, and gate what is built from the
 * value on that validation. Here the gate is the resolved args themselves:
 * every resource's inputs are rendered from them, so a rejected chain fails
 * the registration of each resource that reads it, with the same message.
 */
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesObject } from "./k8s-object";

/** True when `value` holds no Output or Promise at any depth: known now, so validation runs at once. */
export function isKnown(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
    if (Array.isArray(value)) return value.every(isKnown);
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.values(value).every(isKnown);
    }
    return true;
}

/**
 * Resolves a component's args from `facts`, the fields that may be Inputs.
 * When every fact is known, `resolve` runs now and a ValidationError throws
 * from the constructor before anything registers (`known` is its result).
 * Otherwise it runs once the facts resolve, and `resolved` rejects with the
 * error. Only the named facts are unwrapped: secret args elsewhere stay
 * secret without making the rendered objects secret.
 */
export function validatedInputs<F extends object, R>(
    facts: { [K in keyof F]: pulumi.Input<F[K]> },
    resolve: (facts: F) => R,
): { known?: R; resolved: pulumi.Output<R> } {
    if (isKnown(facts)) {
        const known = resolve(facts as F);
        return { known, resolved: pulumi.output(facts).apply(() => known) as pulumi.Output<R> };
    }
    return { resolved: pulumi.output(facts).apply((f) => resolve(f as F)) as pulumi.Output<R> };
}

/**
 * Top-level fields of the objects the renderers produce (besides apiVersion
 * and kind): what `liftObject` passes through. A renderer that adds another
 * is refused at registration rather than dropped silently.
 */
const OBJECT_FIELDS = ["metadata", "spec", "data", "stringData", "type", "immutable", "rules", "roleRef", "subjects", "automountServiceAccountToken"] as const;

/**
 * A rendered object that only exists inside an Output, as the args of its
 * `@pulumi/kubernetes` class: each top-level field an Output of its own.
 * `apiVersion` and `kind` must be plain (`CustomResource` derives its type
 * token from them), so the caller gives them.
 */
export function liftObject<T>(obj: pulumi.Output<KubernetesObject>, head: { apiVersion: string; kind: string }): T {
    const checked = obj.apply((o) => {
        const extra = Object.keys(o).filter((k) => k !== "apiVersion" && k !== "kind" && !(OBJECT_FIELDS as readonly string[]).includes(k));
        if (o.apiVersion !== head.apiVersion || o.kind !== head.kind || extra.length > 0) {
            throw new Error(`cannot register ${o.kind} ${o.metadata.name}: expected ${head.apiVersion} ${head.kind} with fields ${OBJECT_FIELDS.join(", ")}; got ${o.apiVersion} ${o.kind}${extra.length ? ` and ${extra.join(", ")}` : ""}`);
        }
        return o;
    });
    const fields = Object.fromEntries(OBJECT_FIELDS.map((k) => [k, checked.apply((o) => o[k])]));
    return { ...head, ...fields } as unknown as T;
}

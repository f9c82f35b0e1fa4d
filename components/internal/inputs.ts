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
 * and kind): what `liftObject` passes through unless told which. Not a
 * Secret's `data` or `stringData`: the Secret class wraps them in
 * `pulumi.secret` even when they resolve to nothing (registering a secret
 * null), so a component passes its secret data to the Secret itself.
 */
const OBJECT_FIELDS = ["metadata", "spec", "type", "immutable", "rules", "roleRef", "subjects", "automountServiceAccountToken"];

/** What `liftObject` knows of an object before it resolves. */
export interface ObjectHead {
    /** Plain: `CustomResource` derives its type token from them. */
    apiVersion: string;
    kind: string;
    /** The top-level fields to lift. Default `OBJECT_FIELDS`. */
    fields?: readonly string[];
    /** The name the object must resolve with (an item of a rendered list, registered by position). */
    name?: string;
}

/**
 * The head of an object rendered from the plain args alone: its fields, and
 * with `named`, its name.
 */
export function headOf(obj: KubernetesObject, named = false): ObjectHead {
    const fields = Object.keys(obj).filter((k) => k !== "apiVersion" && k !== "kind");
    return { apiVersion: obj.apiVersion, kind: obj.kind, fields, ...(named ? { name: obj.metadata.name } : {}) };
}

/**
 * A rendered object that only exists inside an Output, as the args of its
 * `@pulumi/kubernetes` class: each top-level field an Output of its own. A
 * resolved object of another kind or name, or with another field, is refused
 * at registration rather than dropped silently.
 */
export function liftObject<T>(obj: pulumi.Output<KubernetesObject>, head: ObjectHead): T {
    const { apiVersion, kind, name, fields = OBJECT_FIELDS } = head;
    const checked = obj.apply((o) => {
        const extra = Object.keys(o).filter((k) => k !== "apiVersion" && k !== "kind" && !fields.includes(k));
        if (o.apiVersion !== apiVersion || o.kind !== kind || (name !== undefined && o.metadata.name !== name) || extra.length > 0) {
            const expected = `${apiVersion} ${kind}${name !== undefined ? ` ${name}` : ""} with fields ${fields.join(", ")}`;
            throw new Error(`cannot register ${o.kind} ${o.metadata.name}: expected ${expected}; got ${o.apiVersion} ${o.kind}${extra.length ? ` with ${extra.join(", ")}` : ""}`);
        }
        return o;
    });
    return { apiVersion, kind, ...Object.fromEntries(fields.map((k) => [k, checked.apply((o) => o[k])])) } as unknown as T;
}

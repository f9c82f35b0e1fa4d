/**
 * Builds recorded resources by hand and runs policies on them through the
 * same evaluator the offline plan uses (policies/evaluate.ts).
 */
import type { Policies } from "@pulumi/policy";
import { evaluatePolicies, EvaluatedResource, Violation } from "../../policies/evaluate";

type AnyPolicy = Policies[number];

export interface ResourceOptions {
    /** Logical name. Default: `<kind>-<n>`. */
    name?: string;
    /** Default false. */
    protect?: boolean;
    /** Parent URN. Default: none. */
    parent?: string;
    /** Dependency URNs. Default: none (or the URNs of `propertyDependencies`). */
    dependsOn?: string[];
    /** Property → URNs its value was computed from. Default: none. */
    propertyDependencies?: Record<string, string[]>;
    /** Provider reference `<urn>::<id>`. Default: none (the default provider). */
    provider?: string;
    /** A component's registered outputs. Default: none. */
    outputs?: Record<string, any>;
}

let counter = 0;

/** A resource as plan/recorder.ts records it. */
export function resource(type: string, inputs: Record<string, any>, options: ResourceOptions = {}): EvaluatedResource {
    const name = options.name ?? `${type.slice(type.lastIndexOf(":") + 1).toLowerCase()}-${++counter}`;
    const propertyDependencies = options.propertyDependencies ?? {};
    return {
        urn: `urn:pulumi:test::genai-platform::${type}::${name}`,
        type,
        name,
        inputs,
        secretInputs: [],
        custom: !type.startsWith("genai-platform:"),
        remote: false,
        parent: options.parent,
        dependsOn: options.dependsOn ?? [...new Set(Object.values(propertyDependencies).flat())],
        provider: options.provider,
        protect: options.protect ?? false,
        retainOnDelete: false,
        outputs: options.outputs,
        secretOutputs: [],
        propertyDependencies,
    };
}

/** Runs one policy (with `config` as its config-file entry) and returns the violations. */
export function violations(policy: AnyPolicy, resources: EvaluatedResource | EvaluatedResource[], config: Record<string, unknown> = {}): Promise<Violation[]> {
    return evaluatePolicies([resources].flat(), { [policy.name]: config }, [policy]);
}

/** Runs one policy and returns only the messages, for exact assertions. */
export async function messages(policy: AnyPolicy, resources: EvaluatedResource | EvaluatedResource[], config: Record<string, unknown> = {}): Promise<string[]> {
    return (await violations(policy, resources, config)).map((v) => v.message);
}

/** A Kubernetes object's inputs. */
export function k8s(name: string, namespace: string | undefined, rest: Record<string, any> = {}, labels?: Record<string, string>) {
    return { metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) }, ...rest };
}

/** A well-formed container: pinned allowed image, requests and memory limit. */
export function container(name = "app", overrides: Record<string, any> = {}) {
    return {
        name,
        image: "public.ecr.aws/nginx/nginx:1.27.0",
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
        ...overrides,
    };
}

/** Deployment inputs around a pod spec; pod labels `app: <name>`. */
export function deployment(name: string, namespace: string, podSpec: Record<string, any>, labels?: Record<string, string>) {
    return k8s(name, namespace, {
        spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
    }, labels);
}

/**
 * The cluster-wide Kyverno admission policies: what Pod Security Admission
 * cannot express. Kyverno 1.19's CEL kinds (`policies.kyverno.io/v1`
 * `ValidatingPolicy` and `MutatingPolicy`), rendered as plain objects.
 *
 * Pods are matched, and Kyverno's autogen rewrites the validating rules for
 * Deployments, StatefulSets, Jobs... so a bad workload is rejected when it is
 * applied, not later when its controller fails to create Pods. Autogen works
 * by text substitution (`object.spec` → `object.spec.template.spec`), so the
 * expressions below always spell the Pod as `object.spec...`.
 */
import type { KubernetesObject } from "../internal/k8s-object";

export interface KyvernoPolicyOptions {
    /** "Audit" (dev: report only) or "Enforce" (prod: deny). */
    enforcement: "Audit" | "Enforce";
    /** Registries images may come from: a host (`nvcr.io`) or a host/path prefix (`docker.io/vllm`). */
    allowedRegistries: string[];
    /** Namespaces exempt from the policies (system namespaces). */
    exemptNamespaces: string[];
    /** Namespace label whose presence allows GPU pods there (its value is the GPU quota). */
    gpuQuotaLabel: string;
    /** Resource name of GPUs, also the key of the toleration added to GPU pods. */
    gpuResource: string;
}

export const KYVERNO_POLICY_NAMES = [
    "require-requests-limits",
    "restrict-image-registries",
    "gpu-requires-quota-namespace",
    "add-gpu-toleration",
] as const;

const API_VERSION = "policies.kyverno.io/v1";

/** Controllers the validating policies are auto-generated for (Kyverno's names). */
const POD_CONTROLLERS = ["deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"];

/** A CEL string literal; JSON string escapes are valid CEL escapes. */
const str = (s: string): string => JSON.stringify(s);

const unique = (items: string[]): string[] => items.filter((item, i) => items.indexOf(item) === i);

/** CEL: the Pod's containers and init containers (the ones with resources). */
const CONTAINERS = "object.spec.containers + object.spec.?initContainers.orValue([])";

/** CEL: true when any container requests or limits the GPU resource. */
function requestsGpu(gpu: string): string {
    return `(${CONTAINERS}).exists(c, ${str(gpu)} in c.?resources.?requests.orValue({}) || ${str(gpu)} in c.?resources.?limits.orValue({}))`;
}

/** The match block every policy shares: v1 Pods, outside the exempt namespaces. */
function podMatch(operations: string[], exemptNamespaces: string[]) {
    const exempt = unique(exemptNamespaces);
    return {
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations, resources: ["pods"] }],
        // A NotIn selector needs at least one value.
        ...(exempt.length > 0 && {
            namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: exempt }] },
        }),
    };
}

function metadata(name: string, title: string, description: string) {
    return {
        name,
        annotations: {
            "policies.kyverno.io/title": title,
            "policies.kyverno.io/category": "genai-platform",
            "policies.kyverno.io/subject": "Pod",
            "policies.kyverno.io/description": description,
        },
    };
}

interface Rules {
    variables?: { name: string; expression: string }[];
    matchConditions?: { name: string; expression: string }[];
    validations: { expression: string; message: string; messageExpression?: string }[];
}

function validatingPolicy(opts: KyvernoPolicyOptions, name: string, title: string, description: string, rules: Rules): KubernetesObject {
    const enforce = opts.enforcement === "Enforce";
    return {
        apiVersion: API_VERSION,
        kind: "ValidatingPolicy",
        metadata: metadata(name, title, description),
        spec: {
            validationActions: [enforce ? "Deny" : "Audit"],
            // In dev a Kyverno outage must not block deploys; in prod nothing unchecked gets in.
            failurePolicy: enforce ? "Fail" : "Ignore",
            matchConstraints: podMatch(["CREATE", "UPDATE"], opts.exemptNamespaces),
            autogen: { podControllers: { controllers: [...POD_CONTROLLERS] } },
            evaluation: { background: { enabled: true } },
            ...rules,
        },
    };
}

function requireRequestsLimits(opts: KyvernoPolicyOptions): KubernetesObject {
    const needs = "resources.requests.cpu, resources.requests.memory and resources.limits.memory";
    return validatingPolicy(opts, "require-requests-limits", "Require CPU/memory requests and a memory limit",
        "Every container and init container must set CPU and memory requests, so the scheduler and Karpenter size " +
        "nodes correctly and tenant quotas hold, and a memory limit, so one leaking pod cannot take down a node. " +
        "A CPU limit is optional: inference servers are commonly left unthrottled.", {
            variables: [
                { name: "containers", expression: CONTAINERS },
                {
                    name: "incomplete",
                    expression: "variables.containers.filter(c, !(\"cpu\" in c.?resources.?requests.orValue({})) || " +
                        "!(\"memory\" in c.?resources.?requests.orValue({})) || !(\"memory\" in c.?resources.?limits.orValue({})))" +
                        ".map(c, c.name)",
                },
            ],
            validations: [{
                expression: "size(variables.incomplete) == 0",
                message: `Every container and init container must set ${needs}. A CPU limit is optional.`,
                messageExpression: `"Container(s) " + variables.incomplete.join(", ") + ${str(` must set ${needs} (a CPU limit is optional).`)}`,
            }],
        });
}

function restrictImageRegistries(opts: KyvernoPolicyOptions): KubernetesObject {
    const registries = unique(opts.allowedRegistries.map((r) => r.replace(/\/+$/, "")));
    return validatingPolicy(opts, "restrict-image-registries", "Allowed registries and pinned images only",
        `Images must come from an allowed registry (${registries.join(", ")}) and be pinned to a tag other than ` +
        "`latest` or to a digest, so what runs is what was reviewed and a re-pushed tag cannot change it.", {
            variables: [
                {
                    name: "images",
                    expression: "object.spec.containers.map(c, c.image) + object.spec.?initContainers.orValue([]).map(c, c.image) + " +
                        "object.spec.?ephemeralContainers.orValue([]).map(c, c.image)",
                },
                { name: "allowedRegistries", expression: `[${registries.map(str).join(", ")}]` },
                // Docker's rules: the first path part is a registry host only if it has a "." or ":" or is
                // localhost; otherwise the image is on Docker Hub (nginx → docker.io/library/nginx).
                {
                    name: "qualified",
                    expression: "variables.images.map(i, i.matches(\"^([^/]*[.:][^/]*|localhost)/\") ? i : " +
                        "(i.contains(\"/\") ? \"docker.io/\" + i : \"docker.io/library/\" + i))",
                },
                {
                    name: "unallowed",
                    expression: "variables.qualified.filter(i, !variables.allowedRegistries.exists(r, " +
                        "i.startsWith(r + \"/\") || i.startsWith(r + \":\") || i.startsWith(r + \"@\")))",
                },
                {
                    name: "unpinned",
                    expression: "variables.images.filter(i, !(i.matches(\"@sha256:[0-9a-f]{64}$\") || " +
                        "(i.matches(\"^[^@]*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$\") && !i.endsWith(\":latest\"))))",
                },
            ],
            validations: [
                {
                    expression: "size(variables.unallowed) == 0",
                    message: `Images must come from an allowed registry: ${registries.join(", ")}.`,
                    messageExpression: "\"Image(s) \" + variables.unallowed.join(\", \") + \" are not from an allowed registry (\" + " +
                        "variables.allowedRegistries.join(\", \") + \").\"",
                },
                {
                    expression: "size(variables.unpinned) == 0",
                    message: "Images must be pinned to a tag other than latest, or to a digest (@sha256:...); untagged images mean latest.",
                    messageExpression: "\"Image(s) \" + variables.unpinned.join(\", \") + " +
                        "\" must be pinned to a tag other than latest, or to a digest (@sha256:...).\"",
                },
            ],
        });
}

function gpuRequiresQuotaNamespace(opts: KyvernoPolicyOptions): KubernetesObject {
    const { gpuQuotaLabel: label, gpuResource: gpu } = opts;
    return validatingPolicy(opts, "gpu-requires-quota-namespace", "GPUs only in namespaces with a GPU quota",
        `Pods requesting ${gpu} may run only in namespaces labelled ${label}, the tenant namespaces whose ` +
        "ResourceQuota caps their GPUs; elsewhere one pod could claim GPUs no budget accounts for.", {
            matchConditions: [{ name: "requests-gpu", expression: requestsGpu(gpu) }],
            validations: [{
                expression: `${str(label)} in namespaceObject.metadata.?labels.orValue({})`,
                message: `Pods requesting ${gpu} are allowed only in namespaces labelled ${label} (namespaces with a GPU quota).`,
                messageExpression: `"Namespace " + namespaceObject.metadata.name + ${str(` has no GPU quota (label ${label}); pods requesting ${gpu} are not allowed there.`)}`,
            }],
        });
}

function addGpuToleration(opts: KyvernoPolicyOptions): KubernetesObject {
    const gpu = opts.gpuResource;
    const toleration = `{"key": ${str(gpu)}, "operator": "Exists", "effect": "NoSchedule"}`;
    return {
        apiVersion: API_VERSION,
        kind: "MutatingPolicy",
        metadata: metadata("add-gpu-toleration", "Add the GPU toleration to GPU pods",
            `Pods requesting ${gpu} get the toleration ${gpu}:NoSchedule (operator Exists) when they lack it, so they ` +
            "schedule onto the tainted GPU nodes without every workload having to know the taint."),
        spec: {
            // A failed mutation leaves the pod Pending, visibly; it must not block pod creation.
            failurePolicy: "Ignore",
            matchConstraints: podMatch(["CREATE"], opts.exemptNamespaces),
            matchConditions: [
                { name: "requests-gpu", expression: requestsGpu(gpu) },
                {
                    name: "lacks-gpu-toleration",
                    expression: `!object.spec.?tolerations.orValue([]).exists(t, t.?key.orValue("") == ${str(gpu)} && ` +
                        "t.?operator.orValue(\"\") == \"Exists\" && t.?effect.orValue(\"\") == \"NoSchedule\")",
                },
            ],
            // Pods only: autogen rewrites only ApplyConfiguration mutations, not JSON patches, and the
            // controllers' pods are mutated when they are created anyway.
            autogen: { podControllers: { controllers: [] } },
            mutations: [{
                // Pod tolerations are an atomic list, which an ApplyConfiguration may not modify.
                patchType: "JSONPatch",
                jsonPatch: {
                    expression: `has(object.spec.tolerations) ? [JSONPatch{op: "add", path: "/spec/tolerations/-", value: ${toleration}}] : ` +
                        `[JSONPatch{op: "add", path: "/spec/tolerations", value: [${toleration}]}]`,
                },
            }],
        },
    };
}

/** The four cluster-wide policies, in `KYVERNO_POLICY_NAMES` order. */
export function renderKyvernoPolicies(opts: KyvernoPolicyOptions): KubernetesObject[] {
    return [requireRequestsLimits(opts), restrictImageRegistries(opts), gpuRequiresQuotaNamespace(opts), addGpuToleration(opts)];
}

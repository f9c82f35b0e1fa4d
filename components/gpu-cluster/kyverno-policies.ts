/**
 * The cluster-wide Kyverno admission policies: what Pod Security Admission
 * cannot express. Kyverno 1.19's CEL kinds (`policies.kyverno.io/v1`
 * `ValidatingPolicy` and `MutatingPolicy`), rendered as plain objects.
 *
 * Pods are matched, and Kyverno's autogen rewrites the validating rules for
 * Deployments, StatefulSets, Jobs... so a bad workload is rejected when it is
 * applied, not later when its controller fails to create Pods. Autogen works
 * by text substitution (`object.spec` → `object.spec.template.spec`), so the
 * expressions below always spell the Pod as `object.spec...`. Two policies
 * are not Pod rules and have no autogen: the ephemeral-container image check
 * (the `pods/ephemeralcontainers` subresource) and the protection of the
 * platform's own objects from tenant principals.
 */
import type { KubernetesObject } from "../internal/k8s-object";

export interface KyvernoPolicyOptions {
    /** "Audit" (dev: report only) or "Enforce" (prod: deny). */
    enforcement: "Audit" | "Enforce";
    /** Registries images may come from: a host (`nvcr.io`) or a host/path prefix (`docker.io/vllm`), matched at `/` boundaries. */
    allowedRegistries: string[];
    /** Namespaces exempt from the policies (system namespaces). */
    exemptNamespaces: string[];
    /** Namespace label whose presence allows GPU pods there (its value is the GPU quota). */
    gpuQuotaLabel: string;
    /** Resource name of GPUs, also the key of the toleration added to GPU pods. */
    gpuResource: string;
}

/** Label the platform puts on the objects it manages in namespaces others can write to (tenant namespaces, `models`). */
export const PLATFORM_MANAGED_LABEL = "genai-platform.io/managed";
/** Prefix of the Kubernetes groups EKS access entries give tenant principals: `genai-platform:<tenant>:<access>`. */
export const TENANT_GROUP_PREFIX = "genai-platform:";

export const KYVERNO_POLICY_NAMES = [
    "require-requests-limits",
    "restrict-image-registries",
    "restrict-ephemeral-container-images",
    "gpu-requires-quota-namespace",
    "protect-platform-objects",
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

/** The match block the Pod policies share: v1 Pods (or a Pod subresource), outside the exempt namespaces. */
function podMatch(operations: string[], exemptNamespaces: string[], resource = "pods") {
    const exempt = unique(exemptNamespaces);
    return {
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations, resources: [resource] }],
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

/** Where a validating policy applies; Pods by default, with autogen for their controllers. */
interface Routing {
    matchConstraints: Record<string, unknown>;
    /** Only policies on exactly `pods` can be auto-generated (Kyverno's CanAutoGen); others leave autogen out. */
    autogen: boolean;
}

function validatingPolicy(opts: KyvernoPolicyOptions, name: string, title: string, description: string, rules: Rules, routing?: Routing): KubernetesObject {
    const enforce = opts.enforcement === "Enforce";
    const route = routing ?? { matchConstraints: podMatch(["CREATE", "UPDATE"], opts.exemptNamespaces), autogen: true };
    return {
        apiVersion: API_VERSION,
        kind: "ValidatingPolicy",
        metadata: metadata(name, title, description),
        spec: {
            validationActions: [enforce ? "Deny" : "Audit"],
            // In dev a Kyverno outage must not block deploys; in prod nothing unchecked gets in.
            failurePolicy: enforce ? "Fail" : "Ignore",
            matchConstraints: route.matchConstraints,
            ...(route.autogen && { autogen: { podControllers: { controllers: [...POD_CONTROLLERS] } } }),
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

/** Docker Hub's registry as Kyverno's image library reports it (go-containerregistry `name.DefaultRegistry`). */
const DOCKER_HUB = "index.docker.io";

/**
 * An allow-list entry in the form `parseImageReference(i).registry() + "/" +
 * repository()` produces: go-containerregistry names Docker Hub
 * `index.docker.io` whether an image says `docker.io/...` or nothing.
 */
export function normalizeRegistryEntry(entry: string): string {
    const trimmed = entry.replace(/\/+$/, "");
    const [host, ...path] = trimmed.split("/");
    return [host === "docker.io" ? DOCKER_HUB : host, ...path].join("/");
}

/**
 * The image checks, as variables over `variables.images`. Images are parsed by
 * Kyverno's own image library (`parseImageReference`, `isImage`: kyverno/sdk
 * extensions/cel/libs/image on go-containerregistry `name.ParseReference`), so
 * the policy reads a reference exactly as Kyverno and the runtime do.
 *
 * Allow-list semantics: an entry is a registry host (`nvcr.io`) or a host/path
 * prefix (`docker.io/vllm`) that matches only at a `/` boundary of the image's
 * fully qualified repository (`<registry>/<repository>`, tag and digest
 * excluded). So `docker.io/vllm` admits `vllm/vllm-openai:v1` (Docker Hub,
 * `index.docker.io/vllm/vllm-openai`) but not `docker.io/vllm:0.1` (the
 * official image `index.docker.io/library/vllm`) nor `docker.io/vllmx/x`, and
 * `123456789012.dkr.ecr.us-east-1.amazonaws.com` does not admit
 * `123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.io/x`. Official Docker
 * Hub images are allowed only by naming them (`docker.io/library/nginx`).
 */
function imageCheckVariables(registries: string[]) {
    const repositoryOf = "cel.bind(ref, parseImageReference(i), ref.registry() + \"/\" + ref.repository())";
    return [
        { name: "allowedRegistries", expression: `[${registries.map(normalizeRegistryEntry).map(str).join(", ")}]` },
        { name: "invalid", expression: "variables.images.filter(i, !isImage(i))" },
        {
            name: "unallowed",
            expression: `variables.images.filter(i, isImage(i) && cel.bind(repo, ${repositoryOf}, ` +
                "!variables.allowedRegistries.exists(r, repo == r || repo.startsWith(r + \"/\"))))",
        },
        // An image without a tag or digest means :latest (name.ParseReference's default tag).
        {
            name: "unpinned",
            expression: "variables.images.filter(i, isImage(i) && cel.bind(ref, parseImageReference(i), !ref.containsDigest() && ref.tag() == \"latest\"))",
        },
    ];
}

function imageValidations(registries: string[]) {
    return [
        {
            expression: "size(variables.invalid) == 0",
            message: "Every image must be a valid image reference.",
            messageExpression: "\"Image(s) \" + variables.invalid.join(\", \") + \" are not valid image references.\"",
        },
        {
            expression: "size(variables.unallowed) == 0",
            message: `Images must come from an allowed registry: ${registries.join(", ")}.`,
            messageExpression: "\"Image(s) \" + variables.unallowed.join(\", \") + " +
                `${str(` are not from an allowed registry (${registries.join(", ")}).`)}`,
        },
        {
            expression: "size(variables.unpinned) == 0",
            message: "Images must be pinned to a tag other than latest, or to a digest (@sha256:...); untagged images mean latest.",
            messageExpression: "\"Image(s) \" + variables.unpinned.join(\", \") + " +
                "\" must be pinned to a tag other than latest, or to a digest (@sha256:...).\"",
        },
    ];
}

const allowed = (opts: KyvernoPolicyOptions) => unique(opts.allowedRegistries.map((r) => r.replace(/\/+$/, "")));

function restrictImageRegistries(opts: KyvernoPolicyOptions): KubernetesObject {
    const registries = allowed(opts);
    return validatingPolicy(opts, "restrict-image-registries", "Allowed registries and pinned images only",
        `Images must come from an allowed registry (${registries.join(", ")}) and be pinned to a tag other than ` +
        "`latest` or to a digest, so what runs is what was reviewed and a re-pushed tag cannot change it.", {
            variables: [
                {
                    name: "images",
                    expression: "object.spec.containers.map(c, c.image) + object.spec.?initContainers.orValue([]).map(c, c.image) + " +
                        "object.spec.?ephemeralContainers.orValue([]).map(c, c.image)",
                },
                ...imageCheckVariables(registries),
            ],
            validations: imageValidations(registries),
        });
}

/**
 * `kubectl debug` adds ephemeral containers through the `pods/ephemeralcontainers`
 * subresource (an UPDATE), which a rule on `pods` does not match. A policy of
 * its own: adding the subresource to restrict-image-registries would give it
 * a second resource, and Kyverno 1.19 auto-generates the controller rules
 * only for a policy whose one resource rule names exactly `pods`
 * (kyverno/kyverno v1.19.0 pkg/cel/autogen/support.go CanAutoGen), so
 * Deployments and the other controllers would no longer be checked at apply time.
 */
function restrictEphemeralContainerImages(opts: KyvernoPolicyOptions): KubernetesObject {
    const registries = allowed(opts);
    return validatingPolicy(opts, "restrict-ephemeral-container-images", "Allowed registries and pinned images for ephemeral containers",
        "Ephemeral (debug) containers added to a running Pod follow the same image rules as its other containers: " +
        `an allowed registry (${registries.join(", ")}) and a tag other than \`latest\` or a digest.`, {
            variables: [
                { name: "images", expression: "object.spec.?ephemeralContainers.orValue([]).map(c, c.image)" },
                ...imageCheckVariables(registries),
            ],
            validations: imageValidations(registries),
        }, { matchConstraints: podMatch(["UPDATE"], opts.exemptNamespaces, "pods/ephemeralcontainers"), autogen: false });
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

/** What the platform manages in namespaces tenants can write to; EKS's edit policy would let tenant editors change some of them. */
const PROTECTED_RESOURCES = [
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"] },
    { apiGroups: [""], resources: ["resourcequotas", "limitranges"] },
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles", "rolebindings"] },
];

/**
 * Tenant principals may not change or delete what the platform manages in
 * their namespace: its default-deny NetworkPolicies, quota, LimitRange and
 * RBAC. Who is a tenant: EKS access entries put each tenant principal in the
 * Kubernetes groups the entry lists (TenantNamespace's
 * `genai-platform:<tenant>:<access>`), beside an AmazonEKSEditPolicy or
 * AmazonEKSViewPolicy scoped to the namespace (EKS user guide, "Create access
 * entries"). The deployer (a cluster admin through its own access entry, in
 * none of those groups) and Kubernetes' controllers (the namespace
 * controller deleting a namespace's objects) are not tenants, so they keep
 * managing them. A deny-list rather than an allow-list of admins: the
 * deployer's bootstrap entry (pulumi-eks, `bootstrapClusterCreatorAdminPermissions`)
 * carries no group we could allow.
 */
function protectPlatformObjects(opts: KyvernoPolicyOptions): KubernetesObject {
    const label = PLATFORM_MANAGED_LABEL;
    const tenantGroup = `^${TENANT_GROUP_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^:]+:[^:]+$`;
    return validatingPolicy(opts, "protect-platform-objects", "Tenants cannot change the platform's objects",
        `Objects labelled ${label}=true (NetworkPolicies, ResourceQuotas, LimitRanges, Roles, RoleBindings) are the ` +
        "platform's fences around a tenant; tenant principals may not update or delete them, only the platform's deployer.", {
            variables: [
                { name: "tenantGroups", expression: `request.userInfo.?groups.orValue([]).filter(g, g.matches(${str(tenantGroup)}))` },
            ],
            validations: [{
                expression: "size(variables.tenantGroups) == 0",
                message: `Objects labelled ${label}=true are managed by the platform; tenant principals may not change or delete them.`,
                messageExpression: "request.operation + \" of \" + request.kind.kind + \" \" + request.namespace + \"/\" + request.name + " +
                    `${str(` is refused: it is labelled ${label}=true and managed by the platform; members of `)} + ` +
                    `variables.tenantGroups.join(", ") + ${str(" may not change or delete it.")}`,
            }],
        }, {
            // The object selector matches the stored object's labels too, so removing the label is an UPDATE it still catches.
            matchConstraints: {
                resourceRules: PROTECTED_RESOURCES.map((r) => ({ ...r, apiVersions: ["v1"], operations: ["UPDATE", "DELETE"] })),
                objectSelector: { matchLabels: { [label]: "true" } },
            },
            autogen: false,
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

/** The cluster-wide policies, in `KYVERNO_POLICY_NAMES` order. */
export function renderKyvernoPolicies(opts: KyvernoPolicyOptions): KubernetesObject[] {
    return [
        requireRequestsLimits(opts),
        restrictImageRegistries(opts),
        restrictEphemeralContainerImages(opts),
        gpuRequiresQuotaNamespace(opts),
        protectPlatformObjects(opts),
        addGpuToleration(opts),
    ];
}

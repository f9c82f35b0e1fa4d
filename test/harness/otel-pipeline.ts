/**
 * What the platform's collector config does to one OTLP request, by the
 * upstream semantics of each processor it uses (and only the constructs it
 * uses; anything else throws, so the model cannot silently drift from the
 * config):
 * - `k8sattributes` (opentelemetry-collector-contrib
 *   processor/k8sattributesprocessor/processor.go, `processResource`): the pod
 *   is found by the configured association (here the connection's address);
 *   its metadata and its namespace's extracted labels are set with
 *   `setResourceAttribute`, which keeps any non-empty value already there;
 *   when no pod matches, the namespace falls back to the resource's own
 *   `k8s.namespace.name` (`getNamespace`);
 * - `transform` OTTL `delete_key`, `delete_matching_keys` (resource context)
 *   and `set(span.attributes[k], resource.attributes[t])` (span context);
 * - `filter` OTTL `resource.attributes["k"] == nil` drops the span;
 * - `memory_limiter` passes data through; `batch` too, but what leaves it no
 *   longer carries the request's connection (the k8sattributes README: the
 *   processor "must appear before any batching").
 */
import * as assert from "node:assert/strict";

export interface ClusterPod {
    ip: string;
    name: string;
    namespace: string;
}

export interface ClusterView {
    pods: ClusterPod[];
    /** Namespace → its labels. */
    namespaces: Record<string, Record<string, string>>;
}

export interface Received {
    /** The connection's source address (the sending pod's, with the VPC CNI: no SNAT between pods). */
    from: string;
    resource: Record<string, string>;
    spans: Record<string, string>[];
}

type Processors = Record<string, any>;

const DELETE_KEY = /^delete_key\(resource\.attributes, "([^"]+)"\)$/;
const DELETE_MATCHING = /^delete_matching_keys\(resource\.attributes, "((?:[^"\\]|\\.)+)"\)$/;
const SET_FROM_RESOURCE = /^set\(span\.attributes\["([^"]+)"\], resource\.attributes\["([^"]+)"\]\)$/;
const IS_NIL = /^resource\.attributes\["([^"]+)"\] == nil$/;

const ottlString = (s: string) => s.replace(/\\(.)/g, "$1");

function transform(cfg: any, resource: Record<string, string>, spans: Record<string, string>[]): void {
    for (const group of cfg.trace_statements) {
        for (const statement of group.statements as string[]) {
            let m: RegExpExecArray | null;
            if (group.context === "resource" && (m = DELETE_KEY.exec(statement))) delete resource[m[1]];
            else if (group.context === "resource" && (m = DELETE_MATCHING.exec(statement))) {
                const pattern = new RegExp(ottlString(m[1]));
                for (const k of Object.keys(resource)) if (pattern.test(k)) delete resource[k];
            } else if (group.context === "span" && (m = SET_FROM_RESOURCE.exec(statement))) {
                const [, target, source] = m;
                // OTTL `set` with a nil value leaves the target unchanged.
                if (resource[source] !== undefined) for (const span of spans) span[target] = resource[source];
            } else assert.fail(`the pipeline model does not know the statement ${JSON.stringify(statement)} (context ${group.context})`);
        }
    }
}

function k8sattributes(cfg: any, cluster: ClusterView, from: string | undefined, resource: Record<string, string>): void {
    assert.deepEqual(cfg.pod_association, [{ sources: [{ from: "connection" }] }], "the model knows association by connection only");
    const put = (k: string, v: string | undefined) => {
        if (v !== undefined && v !== "" && (resource[k] === undefined || resource[k] === "")) resource[k] = v;
    };
    const pod = from === undefined ? undefined : cluster.pods.find((p) => p.ip === from);
    const metadata: Record<string, (p: ClusterPod) => string> = { "k8s.namespace.name": (p) => p.namespace, "k8s.pod.name": (p) => p.name };
    if (pod) for (const field of cfg.extract.metadata as string[]) put(field, metadata[field](pod));
    const namespace = pod?.namespace ?? resource["k8s.namespace.name"];
    if (namespace === undefined) return;
    for (const rule of cfg.extract.labels ?? []) {
        assert.equal(rule.from, "namespace", "the model knows namespace labels only");
        put(rule.tag_name, cluster.namespaces[namespace]?.[rule.key]);
    }
}

function filter(cfg: any, resource: Record<string, string>, spans: Record<string, string>[]): Record<string, string>[] {
    let kept = spans;
    for (const group of cfg.trace_conditions) {
        for (const condition of group.conditions as string[]) {
            const m = IS_NIL.exec(condition);
            assert.ok(m && group.context === "span", `the pipeline model does not know the condition ${JSON.stringify(condition)}`);
            if (resource[m[1]] === undefined) kept = [];
        }
    }
    return kept;
}

/** The resource and spans the collector exports to Langfuse for one request (no spans: all dropped). */
export function runTracePipeline(config: any, cluster: ClusterView, received: Received): { resource: Record<string, string>; spans: Record<string, string>[] } {
    const resource = { ...received.resource };
    let spans = received.spans.map((s) => ({ ...s }));
    const processors: Processors = config.processors;
    let connection: string | undefined = received.from;
    for (const id of config.service.pipelines.traces.processors as string[]) {
        const type = id.split("/")[0];
        const cfg = processors[id];
        assert.ok(cfg !== undefined, `processor ${id} is not configured`);
        if (type === "transform") transform(cfg, resource, spans);
        else if (type === "k8sattributes") k8sattributes(cfg, cluster, connection, resource);
        else if (type === "filter") spans = filter(cfg, resource, spans);
        else if (type === "batch") connection = undefined;
        else assert.ok(type === "memory_limiter", `the pipeline model does not know processor ${id}`);
    }
    return { resource, spans };
}

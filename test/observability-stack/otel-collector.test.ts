import assert from "node:assert/strict";
import * as YAML from "yaml";
import { IMAGES } from "../../components/internal/versions";
import {
    collectorConnection,
    COLLECTOR_POD_LABELS,
    renderCollectorClusterRole,
    renderCollectorConfig,
    renderCollectorConfigMap,
    renderCollectorDeployment,
    renderCollectorPodDisruptionBudget,
    TRACE_PROCESSORS,
} from "../../components/observability-stack/otel-collector";
import { TENANT_LABEL } from "../../components/tenant-namespace/manifests";
import { ClusterView, runTracePipeline } from "../harness/otel-pipeline";
import { secretLeaks } from "../harness/secrets";
import { deploy, Deployed, minimalArgs, ofType, resolved, T } from "./fixtures";

/** Two tenants and the platform, as the cluster's API would show them to k8sattributes. */
const CLUSTER: ClusterView = {
    pods: [
        { ip: "10.40.1.10", name: "research-agent-7d9f-abcde", namespace: "research" },
        { ip: "10.40.2.20", name: "search-agent-5c8b-fghij", namespace: "search" },
        { ip: "10.40.3.30", name: "grafana-0", namespace: "monitoring" },
    ],
    namespaces: { research: { [TENANT_LABEL]: "research" }, search: { [TENANT_LABEL]: "search" }, monitoring: {} },
};
const config = () => renderCollectorConfig(resolved());

describe("ObservabilityStack OTel collector: what reaches Langfuse", () => {
    it("stamps every span with the tenant of the namespace it came from", () => {
        const out = runTracePipeline(config(), CLUSTER, { from: "10.40.1.10", resource: { "service.name": "research-agent" }, spans: [{ name: "agent.run" }] });
        assert.deepEqual(out.resource, { "service.name": "research-agent", "k8s.namespace.name": "research", "k8s.pod.name": "research-agent-7d9f-abcde", tenant: "research" });
        assert.deepEqual(out.spans, [{ name: "agent.run", tenant: "research", "langfuse.trace.metadata.tenant": "research" }]);
    });

    it("overwrites a tenant the client forged, in the resource and in the spans", () => {
        const forged = { tenant: "search", "k8s.namespace.name": "search", "k8s.pod.name": "search-agent-5c8b-fghij", "service.name": "x" };
        const out = runTracePipeline(config(), CLUSTER, { from: "10.40.1.10", resource: forged, spans: [{ tenant: "search", "langfuse.trace.metadata.tenant": "search" }] });
        assert.equal(out.resource.tenant, "research");
        assert.equal(out.resource["k8s.namespace.name"], "research");
        assert.deepEqual(out.spans, [{ tenant: "research", "langfuse.trace.metadata.tenant": "research" }]);
    });

    it("drops what comes from no known pod, or from a pod outside tenant namespaces, even when it names a tenant's namespace", () => {
        const forged = { tenant: "research", "k8s.namespace.name": "research" };
        assert.deepEqual(runTracePipeline(config(), CLUSTER, { from: "10.40.9.99", resource: forged, spans: [{ name: "x" }] }).spans, []);
        assert.deepEqual(runTracePipeline(config(), CLUSTER, { from: "10.40.3.30", resource: forged, spans: [{ name: "x" }] }).spans, []);
    });

    it("planted: k8sattributes before the strip keeps a forged tenant (it never overwrites), batching first loses the connection", () => {
        const forged = { tenant: "search" };
        const reorder = (processors: string[]) => ({ ...config(), service: { pipelines: { traces: { processors } } } });
        const unstripped = reorder(["memory_limiter", "k8sattributes", "transform/strip-client-identity", "filter/unattributed", "transform/stamp-tenant", "batch"]);
        // Stripped after k8sattributes: the forged value is gone, and so is the tenant: the span is dropped rather than stamped.
        assert.deepEqual(runTracePipeline(unstripped, CLUSTER, { from: "10.40.1.10", resource: forged, spans: [{}] }).spans, []);
        const noStrip = reorder(["memory_limiter", "k8sattributes", "filter/unattributed", "transform/stamp-tenant", "batch"]);
        assert.equal(runTracePipeline(noStrip, CLUSTER, { from: "10.40.1.10", resource: forged, spans: [{}] }).resource.tenant, "search");
        const batchedFirst = reorder(["memory_limiter", "batch", "transform/strip-client-identity", "k8sattributes", "filter/unattributed", "transform/stamp-tenant"]);
        assert.deepEqual(runTracePipeline(batchedFirst, CLUSTER, { from: "10.40.1.10", resource: {}, spans: [{}] }).spans, []);
        assert.deepEqual((config() as any).service.pipelines.traces.processors, [...TRACE_PROCESSORS]);
    });
});

describe("ObservabilityStack OTel collector renderers", () => {
    it("receives OTLP/HTTP on the pod's address and exports to langfuse-web's OTel endpoint with the project keys by Basic auth, named only by environment", () => {
        const c = config() as any;
        assert.deepEqual(c.receivers, { otlp: { protocols: { http: { endpoint: "${env:POD_IP}:4318" } } } });
        assert.deepEqual(c.exporters["otlp_http/langfuse"], { endpoint: "http://langfuse-web.langfuse.svc.cluster.local:3000/api/public/otel", auth: { authenticator: "basicauth/langfuse" } });
        assert.deepEqual(c.extensions["basicauth/langfuse"], { client_auth: { username: "${env:LANGFUSE_PUBLIC_KEY}", password: "${env:LANGFUSE_SECRET_KEY}" } });
        assert.deepEqual(c.service.extensions, ["health_check", "basicauth/langfuse"]);
        assert.deepEqual(c.processors.k8sattributes.extract.labels, [{ tag_name: "tenant", key: "genai-platform.io/tenant", from: "namespace" }]);
        assert.equal(c.processors.k8sattributes.wait_for_metadata, true);
    });

    it("ships the config as YAML in a ConfigMap and rolls the pods when it changes", () => {
        const cm = renderCollectorConfigMap(resolved()) as any;
        assert.deepEqual(YAML.parse(cm.data["config.yaml"]), config());
        const hash = (r: ReturnType<typeof resolved>) => (renderCollectorDeployment(r) as any).spec.template.metadata.annotations["genai-platform.io/config-sha256"];
        assert.notEqual(hash(resolved()), hash(resolved({ langfuse: { namespace: "tracing" } })));
    });

    it("runs the pinned otelcol-k8s image under the restricted profile, keys by secretKeyRef from Langfuse's own Secret, probes on health_check", () => {
        const d = renderCollectorDeployment(resolved()) as any;
        const pod = d.spec.template.spec;
        const [c] = pod.containers;
        assert.equal(c.image, IMAGES.otelCollector.image);
        assert.match(c.image, /^ghcr\.io\/open-telemetry\/opentelemetry-collector-releases\/opentelemetry-collector-k8s:0\.159\.0$/);
        assert.deepEqual(c.args, ["--config=file:/conf/config.yaml"]);
        assert.deepEqual(c.env.slice(1), [
            { name: "LANGFUSE_PUBLIC_KEY", valueFrom: { secretKeyRef: { name: "langfuse-pinned-credentials", key: "init-project-public-key" } } },
            { name: "LANGFUSE_SECRET_KEY", valueFrom: { secretKeyRef: { name: "langfuse-pinned-credentials", key: "init-project-secret-key" } } },
        ]);
        assert.equal(d.metadata.namespace, "langfuse");
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        assert.deepEqual(c.readinessProbe.httpGet, { path: "/", port: "health" });
        assert.deepEqual(c.ports.find((p: any) => p.name === "health"), { name: "health", containerPort: 13133, protocol: "TCP" });
        assert.deepEqual(c.resources, { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } });
    });

    it("runs two replicas behind a PDB in production, one without in dev", () => {
        assert.equal((renderCollectorDeployment(resolved({ production: true })) as any).spec.replicas, 2);
        assert.deepEqual((renderCollectorPodDisruptionBudget(resolved({ production: true })) as any).spec, { maxUnavailable: 1, selector: { matchLabels: COLLECTOR_POD_LABELS } });
        assert.equal((renderCollectorDeployment(resolved()) as any).spec.replicas, 1);
        assert.equal(renderCollectorPodDisruptionBudget(resolved()), undefined);
    });

    it("may only read pods and namespaces, cluster-wide", () => {
        assert.deepEqual((renderCollectorClusterRole(resolved()) as any).rules, [{ apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "list", "watch"] }]);
    });

    it("tells agents where to send: the collector's Service in Langfuse's namespace, on 4318", () => {
        assert.deepEqual(collectorConnection(resolved()), { endpoint: "http://otel-collector.langfuse.svc.cluster.local:4318", namespace: "langfuse", podLabels: { ...COLLECTOR_POD_LABELS }, port: 4318 });
    });
});

describe("ObservabilityStack OTel collector component", () => {
    let dev: Deployed;
    let prod: Deployed;
    before(async () => {
        dev = await deploy((provider) => minimalArgs(provider));
        prod = await deploy((provider) => minimalArgs(provider, { production: true, langfuse: { adminEmail: "platform@example.com" } }));
    });

    it("registers the collector's objects under the stack, the Deployment after its Secret, config and RBAC", () => {
        const names = (d: Deployed) => d.resources.filter((r) => r.name.startsWith("obs-otel-collector-")).map((r) => r.name).sort();
        const base = ["config", "deployment", "role", "role-binding", "sa", "service"].map((s) => `obs-otel-collector-${s}`);
        assert.deepEqual(names(dev), base);
        assert.deepEqual(names(prod), [...base, "obs-otel-collector-pdb"].sort());
        const deployment = dev.resources.find((r) => r.name === "obs-otel-collector-deployment")!;
        for (const need of ["obs-langfuse-credentials", "obs-otel-collector-config", "obs-otel-collector-role-binding", "obs-otel-collector-sa"]) {
            assert.ok(deployment.dependsOn.includes(dev.resources.find((r) => r.name === need)!.urn), need);
        }
        assert.deepEqual(dev.stack.collector, { endpoint: "http://otel-collector.langfuse.svc.cluster.local:4318", namespace: "langfuse", podLabels: { ...COLLECTOR_POD_LABELS }, port: 4318 });
    });

    it("keeps the project keys out of its ConfigMap and every other plain place", async () => {
        const secret = dev.resources.find((r) => r.name === "obs-langfuse-credentials")!;
        const keys = [secret.inputs.stringData["init-project-public-key"], secret.inputs.stringData["init-project-secret-key"]];
        assert.ok(keys.every((k) => typeof k === "string" && k.length > 6), JSON.stringify(keys));
        const config = ofType(dev.resources, T.configMap).find((c) => c.inputs.metadata.name === "otel-collector")!;
        assert.ok(config, "the collector's ConfigMap");
        assert.deepEqual(secretLeaks(dev.resources, keys), []);
    });
});

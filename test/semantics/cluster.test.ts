/**
 * clusterObjects: what each stack's cluster will hold (ours, the charts', the
 * operators'), the input of every deploy-semantics evaluator.
 */
import * as assert from "node:assert/strict";
import { clusterSchemaErrors, skipWithoutReference } from "../harness/conformance";
import { isCrd, releaseSource, standInFor } from "../harness/helm";
import { clusterObjects, ClusterObject, renderedCluster } from "../harness/cluster";
import { CLICKHOUSE_FIXTURE, clickhouseOperatorWorkloads } from "../harness/fixtures/clickhouse";
import { GPU_NODE_OPERATOR_LABELS, gpuOperatorOperands } from "../harness/fixtures/gpu-operator";
import { karpenterNode } from "../harness/fixtures/nodes";
import { PROMETHEUS_OPERATOR_FIXTURE, prometheusOperatorWorkloads } from "../harness/fixtures/prometheus-operator";
import { EKS_ADDONS_FIXTURE } from "../harness/fixtures/eks-addons";

const podSpec = (o: ClusterObject) => (o.spec as any).template.spec;
const from = (objects: readonly ClusterObject[], prefix: string) => objects.filter((o) => o.origin.startsWith(prefix));

describe("deploy semantics: the cluster's objects", function () {
    let prod: readonly ClusterObject[];
    before(async function () {
        skipWithoutReference(this);
        prod = await clusterObjects("prod");
    });

    it("holds our objects, every chart's and the operators', each saying where it came from", async () => {
        assert.ok(from(prod, "ours:urn:pulumi:prod::genai-platform::").length > 50);
        const charts = new Set(from(prod, "chart:").map((o) => o.origin));
        const declared = (await renderedCluster("prod")).resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
        // A chart the reference holds only as values.yaml comes from its declared stand-in fixture instead.
        const releases = declared.filter((r) => !standInFor(releaseSource(r))).map((r) => `chart:${r.inputs.name}`);
        assert.ok(releases.includes("chart:langfuse") && releases.includes("chart:kube-prometheus-stack"));
        assert.deepEqual([...charts].sort(), releases.sort());
        for (const r of declared.filter((d) => standInFor(releaseSource(d)))) {
            assert.ok(prod.some((o) => o.origin === `fixture:${standInFor(releaseSource(r))!.fixture}` && ["Deployment", "DaemonSet"].includes(o.kind)), `${r.inputs.name}: no stand-in workload`);
        }
        assert.ok(from(prod, "fixture:test/harness/fixtures/").length > 10);
        for (const o of prod) assert.match(o.origin, /^(ours:urn:pulumi:|chart:|fixture:test\/harness\/fixtures\/)/);
    });

    it("puts every namespaced object in a namespace, and no cluster-scoped one", () => {
        const clusterScoped = new Set(["Namespace", "Node", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "StorageClass", "APIService", "NodePool", "EC2NodeClass", "ValidatingPolicy", "MutatingPolicy", "ClusterPolicy", "PriorityClass", "FlowSchema", "PriorityLevelConfiguration", "ClusterIssuer", "IngressClass", "IngressClassParams", "NodeOverlay", "GatewayClass"]);
        for (const o of prod) {
            if (clusterScoped.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${o.kind} ${o.metadata.name} (${o.origin})`);
            else assert.ok(o.metadata.namespace, `${o.kind} ${o.metadata.name} (${o.origin}) has no namespace`);
        }
        // kube-prometheus-stack's objects carry no namespace in some templates; Helm puts them in the release's.
        assert.ok(from(prod, "chart:kube-prometheus-stack").filter((o) => o.kind === "Deployment").every((o) => o.metadata.namespace === "monitoring"));
    });

    it("runs the ClickHouse operator's server and keeper pods where Langfuse's chart puts its ClickHouse objects, with v0.0.5's security context", () => {
        const sets = prod.filter((o) => o.origin === `fixture:${CLICKHOUSE_FIXTURE}`);
        assert.deepEqual(sets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort(), [
            "langfuse/langfuse-clickhouse-0-0", "langfuse/langfuse-clickhouse-0-1", "langfuse/langfuse-clickhouse-0-2",
            "langfuse/langfuse-keeper-0", "langfuse/langfuse-keeper-1", "langfuse/langfuse-keeper-2",
        ]);
        for (const s of sets) {
            const spec = podSpec(s);
            assert.deepEqual(spec.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" }, fsGroup: 101, runAsUser: 101, runAsGroup: 101 });
            assert.deepEqual(spec.containers[0].securityContext.capabilities, { drop: ["ALL"] });
            assert.equal(spec.containers[0].securityContext.allowPrivilegeEscalation, false);
        }
        const server = sets.find((s) => s.metadata.name === "langfuse-clickhouse-0-0")!;
        assert.equal(podSpec(server).containers[0].image, "clickhouse/clickhouse-server:26.4");
        assert.deepEqual(podSpec(server).containers[0].ports.map((p: any) => p.containerPort), [8123, 9009, 9001, 9363, 9000]);
        assert.equal((server.spec as any).template.metadata.labels["clickhouse.com/role"], "clickhouse-server");
    });

    it("runs the GPU Operator's operands in its namespace on GPU nodes: validator, device plugin, GFD, DCGM exporter; no driver or toolkit on the accelerated AMIs", () => {
        const operands = prod.filter((o) => o.origin === "fixture:test/harness/fixtures/gpu-operator.ts" && o.kind === "DaemonSet");
        assert.deepEqual(operands.map((o) => o.metadata.name).sort(), ["gpu-feature-discovery", "nvidia-dcgm-exporter", "nvidia-device-plugin-daemonset", "nvidia-operator-validator"]);
        for (const o of operands) {
            assert.equal(o.metadata.namespace, "gpu-operator");
            const spec = podSpec(o);
            assert.ok(spec.containers.every((c: any) => c.securityContext.privileged === true));
            assert.deepEqual(spec.tolerations, [{ effect: "NoSchedule", key: "nvidia.com/gpu", operator: "Exists" }]);
            assert.equal(GPU_NODE_OPERATOR_LABELS[Object.keys(spec.nodeSelector)[0]], "true");
            assert.equal(spec.runtimeClassName, "nvidia");
        }
        const monitor = prod.find((o) => o.kind === "ServiceMonitor" && o.metadata.name === "nvidia-dcgm-exporter")!;
        assert.equal((monitor.spec as any).endpoints[0].interval, "15s");
    });

    it("adds the operands the ClusterPolicy turns on (planted: toolkit and MIG manager on)", () => {
        const policy = prod.find((o) => o.kind === "ClusterPolicy")!;
        const planted = structuredClone(policy) as any;
        planted.spec.toolkit.enabled = true;
        planted.spec.migManager.enabled = true;
        const names = gpuOperatorOperands(planted, "gpu-operator").filter((o) => o.kind === "DaemonSet").map((o) => o.metadata!.name);
        assert.ok(names.includes("nvidia-container-toolkit-daemonset") && names.includes("nvidia-mig-manager"));
        const mig = gpuOperatorOperands(planted, "gpu-operator").find((o) => o.metadata!.name === "nvidia-mig-manager")!;
        assert.equal((mig.spec as any).template.spec.hostPID, true);
    });

    it("runs the Prometheus Operator's Prometheus and Alertmanager StatefulSets from the chart's CRs, with their governing Services (v0.93)", () => {
        const made = prod.filter((o) => o.origin === `fixture:${PROMETHEUS_OPERATOR_FIXTURE}`);
        assert.deepEqual(made.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort(), [
            "Service monitoring/alertmanager-operated", "Service monitoring/prometheus-operated",
            "StatefulSet monitoring/alertmanager-kube-prometheus-stack-alertmanager", "StatefulSet monitoring/prometheus-kube-prometheus-stack-prometheus",
        ]);
        const cr = (kind: string) => prod.find((o) => o.kind === kind && o.apiVersion === "monitoring.coreos.com/v1")!.spec as any;
        const prom = made.find((o) => o.metadata.name === "prometheus-kube-prometheus-stack-prometheus")!;
        const labels = (prom.spec as any).template.metadata.labels;
        assert.equal(labels["app.kubernetes.io/name"], "prometheus");
        assert.equal(labels["operator.prometheus.io/name"], "kube-prometheus-stack-prometheus");
        assert.equal(labels.prometheus, "kube-prometheus-stack-prometheus");
        assert.equal((prom.spec as any).replicas, cr("Prometheus").replicas);
        const spec = podSpec(prom);
        assert.deepEqual(spec.securityContext, cr("Prometheus").securityContext);
        assert.deepEqual(spec.containers.map((c: any) => c.name), ["prometheus", "config-reloader"]);
        assert.deepEqual(spec.containers[0].ports, [{ name: cr("Prometheus").portName, containerPort: 9090, protocol: "TCP" }]);
        assert.deepEqual(spec.containers[0].resources, cr("Prometheus").resources);
        assert.deepEqual(spec.nodeSelector, cr("Prometheus").nodeSelector);
        assert.deepEqual(spec.tolerations, cr("Prometheus").tolerations);
        assert.equal(spec.containers[1].image, "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1", "the operator's --prometheus-config-reloader flag");
        const am = made.find((o) => o.metadata.name === "alertmanager-kube-prometheus-stack-alertmanager")!;
        assert.deepEqual(podSpec(am).containers[0].ports.map((p: any) => `${p.name}:${p.containerPort}/${p.protocol}`), ["http-web:9093/TCP", "mesh-tcp:9094/TCP", "mesh-udp:9094/UDP"]);
        assert.equal((am.spec as any).template.metadata.labels.alertmanager, "kube-prometheus-stack-alertmanager");
        const governing = made.find((o) => o.metadata.name === "prometheus-operated")!.spec as any;
        assert.deepEqual([governing.clusterIP, governing.selector], ["None", { "app.kubernetes.io/name": "prometheus" }]);
    });

    it("copies a Prometheus CR's resources and placement, and refuses sharding it does not model (planted)", () => {
        const chart = prod.filter((o) => o.origin === "chart:kube-prometheus-stack").map((o) => structuredClone(o) as any);
        const cr = chart.find((o) => o.kind === "Prometheus");
        cr.spec.resources = { requests: { cpu: "1", memory: "4Gi" } };
        cr.spec.nodeSelector = { "genai-platform.io/node-role": "system" };
        const sts = prometheusOperatorWorkloads(chart, "monitoring").find((o) => o.kind === "StatefulSet" && o.metadata!.name!.startsWith("prometheus-")) as any;
        assert.deepEqual(sts.spec.template.spec.containers[0].resources, { requests: { cpu: "1", memory: "4Gi" } });
        assert.deepEqual(sts.spec.template.spec.nodeSelector, { "genai-platform.io/node-role": "system" });
        cr.spec.shards = 2;
        assert.throws(() => prometheusOperatorWorkloads(chart, "monitoring"), /Prometheus monitoring\/kube-prometheus-stack-prometheus: shards, listenLocal, thanos and serviceName are not modelled/);
    });

    it("runs EKS's add-on pods on managed nodes (CoreDNS behind kube-dns, aws-node, kube-proxy, the declared add-ons), none in Auto Mode", async () => {
        const addons = prod.filter((o) => o.origin === `fixture:${EKS_ADDONS_FIXTURE}`);
        assert.deepEqual(addons.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort(), [
            "DaemonSet kube-system/aws-node", "DaemonSet kube-system/ebs-csi-node", "DaemonSet kube-system/eks-pod-identity-agent", "DaemonSet kube-system/kube-proxy",
            "Deployment kube-system/coredns", "Deployment kube-system/ebs-csi-controller", "Service kube-system/kube-dns",
        ]);
        const coredns = addons.find((o) => o.metadata.name === "coredns")!;
        assert.equal((coredns.spec as any).template.metadata.labels["k8s-app"], "kube-dns");
        assert.deepEqual((addons.find((o) => o.metadata.name === "kube-dns")!.spec as any).selector, { "k8s-app": "kube-dns" });
        assert.deepEqual(podSpec(addons.find((o) => o.metadata.name === "aws-node")!).containers.map((c: any) => c.name), ["aws-node", "aws-eks-nodeagent"], "enforcement on: the network policy agent runs");
        const auto = await clusterObjects("prod", { mode: "auto" });
        assert.deepEqual(auto.filter((o) => o.origin === `fixture:${EKS_ADDONS_FIXTURE}`), []);
    });

    it("gives prod's heavy chart pods the requests upstream sizes them at, so the capacity check counts them", () => {
        const workload = (kind: string, match: (o: ClusterObject) => boolean) => {
            const found = prod.filter((o) => o.kind === kind && match(o));
            assert.ok(found.length > 0, `no ${kind}`);
            return found;
        };
        // langfuse.com/self-hosting/configuration/scaling "Minimum Infrastructure Requirements": web and worker 2 CPU / 4 GiB, ClickHouse 2 CPU / 8 GiB.
        for (const name of ["langfuse-web", "langfuse-worker"]) {
            for (const o of workload("Deployment", (d) => d.metadata.name === name)) assert.deepEqual(podSpec(o).containers[0].resources?.requests, { cpu: "2", memory: "4Gi" }, name);
        }
        for (const o of workload("StatefulSet", (s) => s.origin === `fixture:${CLICKHOUSE_FIXTURE}` && s.metadata.name!.includes("-clickhouse-"))) {
            assert.deepEqual(podSpec(o).containers[0].resources, { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } }, o.metadata.name);
        }
        // prometheus-operator/kube-prometheus jsonnet/kube-prometheus/components/prometheus.libsonnet: requests memory 400Mi.
        for (const o of workload("StatefulSet", (s) => s.origin === `fixture:${PROMETHEUS_OPERATOR_FIXTURE}` && s.metadata.name!.startsWith("prometheus-"))) {
            assert.deepEqual(podSpec(o).containers.find((c: any) => c.name === "prometheus").resources?.requests, { memory: "400Mi" });
        }
    });

    it("makes a ClickHouse server per shard and replica of any ClickHouseCluster (planted: 2 shards × 2 replicas)", () => {
        const cr = { apiVersion: "clickhouse.com/v1alpha1", kind: "ClickHouseCluster", metadata: { name: "ch", namespace: "data" }, spec: { shards: 2, replicas: 2 } };
        assert.deepEqual(clickhouseOperatorWorkloads([cr]).map((s) => s.metadata!.name), ["ch-clickhouse-0-0", "ch-clickhouse-0-1", "ch-clickhouse-1-0", "ch-clickhouse-1-1"]);
    });

    it("has the webhook configurations Kyverno creates, calling its Service in its namespace on the Service's port", () => {
        const webhooks = prod.filter((o) => o.origin === "fixture:test/harness/fixtures/kyverno.ts");
        assert.deepEqual(webhooks.map((w) => w.kind).sort(), ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]);
        const policies = prod.filter((o) => o.kind === "ValidatingPolicy").length;
        const validating = webhooks.find((w) => w.kind === "ValidatingWebhookConfiguration")! as any;
        assert.equal(validating.webhooks.length, policies);
        const service = prod.find((o) => o.kind === "Service" && o.metadata.name === "kyverno-svc")! as any;
        for (const w of validating.webhooks) {
            assert.deepEqual({ ...w.clientConfig.service, path: undefined }, { namespace: service.metadata.namespace, name: "kyverno-svc", port: service.spec.ports[0].port, path: undefined });
            assert.equal(w.failurePolicy, "Fail");
            // The policy's own selector, then the kyverno ConfigMap's: never kube-system, never Kyverno itself.
            assert.deepEqual(w.namespaceSelector.matchExpressions.slice(-2).map((e: any) => e.values[0]), ["kube-system", "kyverno"]);
        }
    });

    it("has a node for the system node group and for every NodePool, with their labels and taints", async () => {
        const nodes = prod.filter((o) => o.kind === "Node");
        const [group] = (await renderedCluster("prod")).resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
        const groupNode = nodes.find((n) => n.metadata.name === `${group.inputs.nodeGroupName}-node`)! as any;
        for (const [k, v] of Object.entries(group.inputs.labels as Record<string, string>)) assert.equal(groupNode.metadata.labels[k], v);
        assert.equal(groupNode.metadata.labels["eks.amazonaws.com/nodegroup"], group.inputs.nodeGroupName);
        const pools = prod.filter((o) => o.kind === "NodePool");
        assert.equal(nodes.length, pools.length + 1);
        for (const pool of pools) {
            const node = nodes.find((n) => n.metadata.name === `${pool.metadata.name}-node`)! as any;
            const spec = pool.spec as any;
            assert.equal(node.metadata.labels["karpenter.sh/nodepool"], pool.metadata.name);
            for (const [k, v] of Object.entries(spec.template.metadata?.labels ?? {})) assert.equal(node.metadata.labels[k], v);
            const gpu = spec.limits?.["nvidia.com/gpu"] !== undefined;
            assert.equal(node.metadata.labels["nvidia.com/gpu.deploy.device-plugin"], gpu ? "true" : undefined, `${pool.metadata.name}: the GPU Operator labels GPU nodes only`);
            assert.deepEqual(node.spec.taints, spec.template.spec.taints);
        }
        assert.ok(pools.some((p) => (p.spec as any).limits?.["nvidia.com/gpu"] !== undefined));
    });

    it("a NodePool's node carries a requirement's label only when the requirement fixes one value", () => {
        const node = karpenterNode({ apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: "p" }, spec: { template: { spec: { requirements: [
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g5", "g6"] },
        ] } } } }) as any;
        assert.equal(node.metadata.labels["karpenter.sh/capacity-type"], "on-demand");
        assert.equal(node.metadata.labels["karpenter.k8s.aws/instance-family"], undefined);
    });

    it("plans the stack in EKS Auto Mode when asked: the built-in pools' nodes, no node group", async () => {
        const auto = await clusterObjects("dev", { mode: "auto" });
        const nodes = auto.filter((o) => o.kind === "Node").map((n) => n.metadata.name);
        assert.ok(nodes.includes("system-node") && nodes.includes("general-purpose-node"));
        const system = auto.find((o) => o.kind === "Node" && o.metadata.name === "system-node")! as any;
        assert.deepEqual(system.spec.taints, [{ key: "CriticalAddonsOnly", effect: "NoSchedule" }]);
        assert.ok(!auto.some((o) => o.kind === "Node" && (o.metadata as any).labels["eks.amazonaws.com/nodegroup"]));
    });

    it("every fixture is a valid Kubernetes object", async () => {
        const fixtures = from(prod, "fixture:").map(({ origin: _origin, ...o }) => o);
        const { errors, unchecked } = await clusterSchemaErrors(fixtures, prod.filter(isCrd));
        assert.deepEqual({ errors, unchecked }, { errors: [], unchecked: {} });
    });

    it("memoises per stack and mode, and freezes what it shares", async () => {
        assert.equal(await clusterObjects("prod"), prod);
        assert.equal((await renderedCluster("prod")).objects, prod);
        assert.throws(() => {
            (prod[0].metadata as any).name = "changed";
        }, TypeError);
    });
});

/**
 * Deploy semantics: NetworkPolicy reachability. The evaluator's Kubernetes
 * semantics and VPC CNI specifics, its planted defects, the enforcement
 * switch in both cluster modes, then the stacks: every flow the platform
 * needs is allowed, tenant isolation holds, and holds only because the CNI
 * enforces it.
 */
import * as assert from "node:assert/strict";
import { main as tenantApp } from "../../examples/tenant-app/program";
import { loadStackConfig, runStack } from "../../plan/stack";
import type { PlatformOutputs } from "../../stacks/platform";
import { renderNetworkPolicies } from "../../components/tenant-namespace/manifests";
import { resolveTenant, type TenantSpec } from "../../components/tenant-namespace/args";
import { kubernetesObjects, skipWithoutReference, type KubernetesObject } from "../harness/conformance";
import { renderedCluster, type ClusterMode, type RenderedCluster, type StackName } from "../harness/cluster";
import { runWithMocks, type RecordedResource } from "../harness";
import {
    decideFlow,
    type Endpoint,
    type Expectation,
    flowFindings,
    type NetworkFacts,
    networkPolicyEnforced,
    type Pod,
    podsOf,
    scrapeTargets,
    type Service,
    servicesOf,
} from "../harness/network";
import { PLATFORM_STACK, stackReferenceOutputs, tenantAppConfig } from "../harness/tenant-app";

const POD_CIDR = "10.40.0.0/16";
const ON: NetworkFacts = { enforced: true, podCidrs: [POD_CIDR], serviceCidr: "172.20.0.0/16" };

const policy = (namespace: string, name: string, spec: Record<string, unknown>): KubernetesObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { namespace, name },
    spec,
});
const pod = (namespace: string, labels: Record<string, string>, ports: Pod["ports"] = []): Endpoint => ({ pod: { name: `pod ${namespace}/${Object.values(labels).join("-")}`, namespace, labels, ports } });
const address = (ip: string, name = ip, node = false): Endpoint => ({ address: ip, name, node });
const allowed = (objects: KubernetesObject[], from: Endpoint, to: Endpoint, port: number | string, protocol?: string, facts = ON) =>
    decideFlow(objects, facts, { from, to, port, protocol }).allowed;

const WEB = pod("shop", { app: "web" }, [{ name: "http", containerPort: 8080 }]);
const API = pod("shop", { app: "api" }, [{ name: "http", containerPort: 9000 }, { name: "metrics", containerPort: 9100 }]);
const OTHER = pod("other", { app: "client" });
const DENY_ALL = policy("shop", "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

describe("semantics: NetworkPolicy reachability (evaluator)", () => {
    it("allows everything when no policy selects either pod, and when enforcement is off", () => {
        assert.equal(allowed([], OTHER, API, 9000), true);
        assert.equal(allowed([DENY_ALL], OTHER, API, 9000, "TCP", { ...ON, enforced: false }), true);
        assert.equal(allowed([DENY_ALL], OTHER, API, 9000), false);
    });

    it("defaults policyTypes to Ingress, plus Egress only when egress rules exist", () => {
        const ingressOnly = policy("shop", "i", { podSelector: { matchLabels: { app: "api" } } });
        assert.equal(allowed([ingressOnly], OTHER, API, 9000), false, "no policyTypes: ingress-isolated");
        assert.equal(allowed([ingressOnly], API, OTHER, 80), true, "no policyTypes and no egress rules: egress open");
        const withEgress = policy("shop", "e", { podSelector: { matchLabels: { app: "api" } }, egress: [{ to: [{ podSelector: { matchLabels: { app: "web" } } }] }] });
        assert.equal(allowed([withEgress], API, OTHER, 80), false, "egress rules: egress-isolated");
        assert.equal(allowed([withEgress], API, WEB, 8080), true);
    });

    it("needs the source's egress AND the destination's ingress", () => {
        const apiIn = policy("shop", "api-in", { podSelector: { matchLabels: { app: "api" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] });
        const webOut = policy("shop", "web-out", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] });
        assert.equal(allowed([apiIn], WEB, API, 9000), true);
        assert.equal(allowed([apiIn, webOut], WEB, API, 9000), false);
    });

    it("ANDs namespaceSelector and podSelector within one peer, ORs separate peers", () => {
        const monitoring = pod("monitoring", { app: "prometheus" });
        const grafana = pod("monitoring", { app: "grafana" });
        const and = policy("shop", "and", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { app: "prometheus" } } }] }] });
        const or = policy("shop", "or", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }, { podSelector: { matchLabels: { app: "prometheus" } } }] }] });
        assert.equal(allowed([and], monitoring, API, 9100), true);
        assert.equal(allowed([and], grafana, API, 9100), false);
        assert.equal(allowed([or], grafana, API, 9100), true);
        assert.equal(allowed([or], pod("shop", { app: "prometheus" }), API, 9100), true, "a podSelector alone means the policy's own namespace");
        assert.equal(allowed([or], pod("other", { app: "prometheus" }), API, 9100), false);
    });

    it("matches namespaces by the labels of their Namespace objects, and matchExpressions", () => {
        const ns: KubernetesObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: { "genai-platform.io/tenant": "team-a" } } };
        const fromTenants = policy("shop", "tenants", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "genai-platform.io/tenant", operator: "Exists" }] } }] }] });
        assert.equal(allowed([ns, fromTenants], pod("team-a", { app: "x" }), API, 9000), true);
        assert.equal(allowed([ns, fromTenants], OTHER, API, 9000), false);
    });

    it("treats an empty from as every source and empty ports as every port; resolves named ports and endPort ranges", () => {
        const open = policy("shop", "open", { podSelector: {}, ingress: [{}] });
        assert.equal(allowed([open], OTHER, API, 12345), true);
        const named = policy("shop", "named", { podSelector: {}, ingress: [{ ports: [{ port: "metrics" }] }] });
        assert.equal(allowed([named], OTHER, API, 9100), true);
        assert.equal(allowed([named], OTHER, API, 9000), false);
        assert.equal(allowed([named], OTHER, WEB, 9100), false, "WEB has no port named metrics");
        const range = policy("shop", "range", { podSelector: {}, ingress: [{ ports: [{ port: 9000, endPort: 9050 }] }] });
        assert.equal(allowed([range], OTHER, API, 9000), true);
        assert.equal(allowed([range], OTHER, API, 9100), false);
        assert.equal(allowed([range], OTHER, API, 9000, "UDP"), false, "ports default to TCP");
    });

    it("matches ipBlocks with their excepts; pods match a block covering part of the VPC's pod range", () => {
        const out = policy("shop", "out", {
            podSelector: { matchLabels: { app: "api" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.0.0/16"] } }], ports: [{ port: 443 }] }],
        });
        assert.equal(allowed([out], API, address("52.1.2.3"), 443), true);
        assert.equal(allowed([out], API, address("10.40.3.4"), 443), false);
        assert.equal(allowed([out], API, address("169.254.170.23"), 80), false);
        assert.equal(allowed([out], API, WEB, 443), false, "pods are in 10.0.0.0/8, excepted");
        const vpc = policy("shop", "vpc", { podSelector: { matchLabels: { app: "api" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.40.128.0/17" } }] }] });
        assert.equal(allowed([vpc], API, WEB, 8080), true, "a pod may take an address in the block");
    });

    it("always allows the node's own address (kubelet probes), and ignores IPv6 rules in an IPv4 cluster", () => {
        assert.equal(allowed([DENY_ALL], address("10.40.0.10", "kubelet", true), API, 9000), true);
        const v6 = policy("shop", "v6", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "fd00:ec2::23/128" } }], ports: [{ port: 80 }] }] });
        assert.equal(allowed([v6], API, address("169.254.170.23"), 80), false);
    });

    it("lets an egress-isolated pod through a Service's ClusterIP only when its peer's podSelector matches the Service's selector (VPC CNI)", () => {
        const svc: Service = { name: "api", namespace: "shop", selector: { app: "api" }, ports: [{ name: "http", port: 80, targetPort: "http" }] };
        const egress = (podSelector: Record<string, string>, ports?: unknown[]) => policy("shop", "web-out", {
            podSelector: { matchLabels: { app: "web" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ podSelector: { matchLabels: podSelector } }], ...(ports ? { ports } : {}) }],
        });
        const via = (objects: KubernetesObject[], port = 80) => decideFlow(objects, ON, { from: WEB, to: API, port, via: svc });
        assert.equal(via([egress({ app: "api" })]).allowed, true);
        assert.equal(via([egress({ app: "api" }, [{ port: 9000 }])]).allowed, true, "the policy's pod port maps to the Service port through the named targetPort");
        const narrower = egress({ app: "api", tier: "backend" });
        assert.equal(allowed([narrower], WEB, pod("shop", { app: "api", tier: "backend" }), 9000), true, "straight to the pod: allowed");
        assert.match(via([narrower]).reason, /none lets it reach Service shop\/api's ClusterIP/, "through the Service: its selector lacks tier=backend");
        assert.equal(via([egress({ app: "api" }, [{ port: 9100 }])]).allowed, false, "no Service port leads to 9100");
        assert.equal(decideFlow([egress({ app: "api" })], ON, { from: WEB, to: API, port: 80, via: { ...svc, headless: true } }).allowed, false, "headless Services have no ClusterIP");
        assert.equal(via([DENY_ALL]).allowed, false);
        assert.equal(via([policy("shop", "api-in", { podSelector: { matchLabels: { app: "api" } }, ingress: [{ ports: [{ port: 9000 }] }] })]).allowed, true, "ingress sees the container port after DNAT");
    });

    it("sees through host-network pods, which NetworkPolicy does not apply to", () => {
        const agent: Endpoint = { pod: { name: "eks-pod-identity-agent", namespace: "kube-system", labels: {}, ports: [], hostNetwork: true } };
        assert.equal(allowed([DENY_ALL, policy("kube-system", "deny", { podSelector: {}, policyTypes: ["Ingress"] })], agent, OTHER, 80), true);
    });
});

// --- Planted defects, over the real tenant renderer -------------------------------------------------

const GATEWAY = {
    namespace: "llm-gateway",
    serviceName: "gateway",
    port: 4000,
    masterKeySecret: { name: "gateway-env", key: "LITELLM_MASTER_KEY" },
    podLabels: { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/instance": "gateway" },
};
const tenantPolicies = (spec: TenantSpec) => renderNetworkPolicies(resolveTenant(spec, { pools: [], gatewayModels: [] }), GATEWAY);
/** A tenant whose models pull weights from a hub on 8000: egress to any address on that port. */
const ALPHA: TenantSpec = { name: "alpha", team: { maxBudgetUsd: 1 }, egress: [{ cidr: "0.0.0.0/0", ports: [8000] }] };
const BETA: TenantSpec = { name: "beta", team: { maxBudgetUsd: 1 } };
const KUBE_DNS = pod("kube-system", { "k8s-app": "kube-dns" }, [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53, protocol: "TCP" }]);
const dnsFlows = (from: Endpoint): Expectation[] => ["UDP", "TCP"].map((protocol) => ({ flow: { from, to: KUBE_DNS, port: 53, protocol }, expect: "allowed", why: "name resolution" }));

describe("semantics: NetworkPolicy reachability (planted defects)", () => {
    const alphaPod = pod("alpha", { app: "agent" });
    const betaModel = pod("beta", { app: "model" }, [{ name: "http", containerPort: 8000 }]);
    const isolation: Expectation = { flow: { from: alphaPod, to: betaModel, port: 8000 }, expect: "denied", why: "tenants are isolated from each other" };

    it("a tenant namespace without its default-deny lets another tenant in", () => {
        const objects = [...tenantPolicies(ALPHA), ...tenantPolicies(BETA)];
        assert.deepEqual(flowFindings(objects, ON, [isolation]), []);
        // Every policy that isolates beta's ingress (its default-deny, and the allows that select all its pods too) gone.
        const isolatesIngress = (o: KubernetesObject) => o.metadata?.namespace === "beta" && ((o.spec as { policyTypes: string[] }).policyTypes.includes("Ingress"));
        const planted = objects.filter((o) => !isolatesIngress(o));
        const findings = flowFindings(planted, ON, [isolation]);
        assert.equal(findings.length, 1);
        assert.match(findings[0], /^pod alpha\/agent → pod beta\/model TCP\/8000 is allowed but must be denied \(tenants are isolated from each other\): egress allowed by alpha\/allow-egress-cidrs; pod beta\/model is not isolated for ingress$/);
    });

    it("a typo in the DNS allow-rule blocks name resolution", () => {
        const objects = tenantPolicies(BETA);
        const from = pod("beta", { app: "agent" });
        assert.deepEqual(flowFindings(objects, ON, dnsFlows(from)), []);
        const typo = objects.map((o) => (o.metadata?.name === "allow-dns" ? JSON.parse(JSON.stringify(o).replace('"kube-system"', '"kube-sytem"')) : o));
        const findings = flowFindings(typo, ON, dnsFlows(from));
        assert.equal(findings.length, 2);
        assert.match(findings[0], /→ pod kube-system\/kube-dns UDP\/53 is denied but is needed \(name resolution\): egress of pod beta\/agent is isolated by beta\/default-deny, beta\/allow-dns, .* and no rule allows it/);
    });
});

// --- The stacks ---------------------------------------------------------------------------------------

/** The tenant example (examples/tenant-app) deployed on the dev platform: a tenant's own endpoint, scraped for its KEDA scaling. */
async function tenantAppObjects(): Promise<KubernetesObject[]> {
    const platform = await runStack("dev", loadStackConfig("dev"));
    const outputs = platform.result as PlatformOutputs;
    const stackOutputs = { [PLATFORM_STACK]: await stackReferenceOutputs(outputs) };
    return kubernetesObjects((await runWithMocks(tenantApp, { project: "tenant-app", config: tenantAppConfig(), stackOutputs })).resources);
}

const POD_IDENTITY_AGENT = address("169.254.170.23", "EKS Pod Identity agent");
const at = (p: Pod): Endpoint => ({ pod: p });
const expect = (from: Endpoint, to: Endpoint, port: number | string, outcome: Expectation["expect"], why: string, protocol?: string): Expectation => ({ flow: { from, to, port, protocol }, expect: outcome, why });
const selects = (svc: Service, p: Pod) => p.namespace === svc.namespace && Object.keys(svc.selector).length > 0 && Object.entries(svc.selector).every(([k, val]) => p.labels[k] === val);

/**
 * Where ClusterIPs come from: the cluster's `kubernetesServiceIpAddressRange`,
 * or EKS's default, 172.20.0.0/16 for a VPC in 10.0.0.0/8 and 10.100.0.0/16
 * otherwise (EKS API, KubernetesNetworkConfigRequest.serviceIpv4Cidr).
 */
function serviceCidr(resources: readonly RecordedResource[], vpcCidr: string): string {
    const set = resources.find((r) => r.type === "eks:index:Cluster")?.inputs.kubernetesServiceIpAddressRange;
    return set ?? (vpcCidr.startsWith("10.") ? "172.20.0.0/16" : "10.100.0.0/16");
}

/** The pods the cluster runs that the flows name, each found among the rendered charts and the operators' fixtures. */
interface PlatformPods {
    prometheus: Pod;
    alertmanager: Pod;
    grafana: Pod;
    langfuseWeb: Pod;
    langfuseWorker: Pod;
    clickhouse: Pod;
    kedaOperator: Pod;
    otelCollector: Pod;
}

function platformPods(pods: readonly Pod[]): PlatformPods {
    const one = (what: string, match: (p: Pod) => boolean): Pod => {
        const found = pods.filter(match);
        assert.equal(found.length, 1, `one ${what} workload; found ${found.map((p) => p.name).join(", ") || "none"}`);
        return found[0];
    };
    const named = (namespace: string, name: string, extra: Record<string, string> = {}) => (p: Pod) =>
        p.namespace === namespace && p.labels["app.kubernetes.io/name"] === name && Object.entries(extra).every(([k, v]) => p.labels[k] === v);
    return {
        prometheus: one("Prometheus", named("monitoring", "prometheus", { "app.kubernetes.io/managed-by": "prometheus-operator" })),
        alertmanager: one("Alertmanager", named("monitoring", "alertmanager", { "app.kubernetes.io/managed-by": "prometheus-operator" })),
        grafana: one("Grafana", named("monitoring", "grafana")),
        langfuseWeb: one("langfuse-web", named("langfuse", "langfuse", { "app.kubernetes.io/component": "web" })),
        langfuseWorker: one("langfuse-worker", named("langfuse", "langfuse", { "app.kubernetes.io/component": "worker" })),
        clickhouse: one("ClickHouse server", (p) => p.labels["clickhouse.com/role"] === "clickhouse-server" && p.labels["clickhouse.com/replica-id"] === "0"),
        kedaOperator: one("KEDA operator", (p) => p.namespace === "keda" && p.labels.app === "keda-operator"),
        otelCollector: one("OTel collector", named("langfuse", "otel-collector")),
    };
}

/** Where a Service's port leads on a backend pod: its targetPort (a number, or a container port name), else the port itself. */
function backendPort(svc: Service, port: number, pod: Pod, protocol = "TCP"): number | undefined {
    const sp = svc.ports.find((p) => p.port === port && (p.protocol ?? "TCP") === protocol);
    const target = sp ? sp.targetPort ?? sp.port : undefined;
    return typeof target === "string" ? pod.ports.find((c) => c.name === target)?.containerPort : target;
}

/**
 * The pods and ports the API server calls for every admission webhook of
 * every Validating/MutatingWebhookConfiguration in `objects`: the webhook's
 * Service (port default 443, admissionregistration/v1 ServiceReference), the
 * pods it selects, the targetPort on them.
 */
function webhookBackends(objects: readonly KubernetesObject[], services: readonly Service[], pods: readonly Pod[]): { webhook: string; pod: Pod; port: number }[] {
    const configurations = objects.filter((o) => o.apiVersion === "admissionregistration.k8s.io/v1" && /^(Validating|Mutating)WebhookConfiguration$/.test(o.kind));
    return configurations.flatMap((c) => ((c as { webhooks?: { name: string; clientConfig: { service?: { name: string; namespace: string; port?: number } } }[] }).webhooks ?? []).flatMap((w) => {
        const ref = w.clientConfig.service;
        if (!ref) return [];
        const svc = services.find((s) => s.name === ref.name && s.namespace === ref.namespace);
        assert.ok(svc, `${c.kind} ${c.metadata?.name} webhook ${w.name} calls Service ${ref.namespace}/${ref.name}, which the cluster lacks`);
        const backends = pods.filter((p) => selects(svc, p));
        assert.ok(backends.length > 0, `Service ${ref.namespace}/${ref.name} (webhook ${w.name}) selects no pod`);
        return backends.map((pod) => {
            const port = backendPort(svc, ref.port ?? 443, pod);
            assert.ok(port !== undefined, `Service ${ref.namespace}/${ref.name} has no port ${ref.port ?? 443} leading to ${pod.name}`);
            return { webhook: `${c.kind} ${c.metadata?.name}: ${w.name}`, pod, port };
        });
    }));
}

interface StackView {
    objects: readonly KubernetesObject[];
    facts: NetworkFacts;
    pods: Pod[];
    platform: PlatformPods;
    tenants: string[];
    gatewayPod: Pod;
    gatewayService: Service;
    /** CoreDNS behind the kube-dns Service, or (EKS Auto Mode) the node's own CoreDNS. */
    dns: { to: Endpoint; via?: Service };
    webhooks: { webhook: string; pod: Pod; port: number }[];
    /** A first address of the cluster's first private subnet: where the control plane's ENIs sit. */
    apiServer: Endpoint;
    podIdentityUsers: Pod[];
    /** Pods an ALB (target-type ip) sends to straight from its nodes in the VPC's subnets, and the pod port. */
    albTargets: { ingress: string; pod: Pod; port: number; alb: Endpoint }[];
}

function view(cluster: RenderedCluster, extra: KubernetesObject[] = []): StackView {
    const { resources } = cluster;
    const objects = [...cluster.objects, ...extra];
    const vpc = resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!;
    const privateSubnets = resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes("private"));
    // Nodes (the system group, Karpenter's and Auto Mode's) run in the private subnets; the VPC CNI gives pods addresses there.
    const facts: NetworkFacts = { enforced: networkPolicyEnforced(resources), podCidrs: privateSubnets.map((r) => r.inputs.cidrBlock as string), serviceCidr: serviceCidr(resources, vpc.inputs.cidrBlock) };
    const pods = podsOf(objects);
    const services = servicesOf(objects);
    const tenants = objects.filter((o) => o.kind === "Namespace" && (o.metadata?.labels as Record<string, string> | undefined)?.["genai-platform.io/tenant"]).map((o) => o.metadata!.name!);
    const gatewayPod = pods.find((p) => p.labels["app.kubernetes.io/component"] === "llm-gateway")!;
    const gatewayService = services.find((s) => selects(s, gatewayPod))!;
    const associations = resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => `${r.inputs.namespace}/${r.inputs.serviceAccount}`);
    const podIdentityUsers = pods.filter((p) => associations.includes(`${p.namespace}/${p.serviceAccount}`));
    const subnetAddress = (cidr: string, host: number) => cidr.replace(/\.0\/\d+$/, `.${host}`);
    const apiServer = address(subnetAddress(privateSubnets[0].inputs.cidrBlock, 10), "the EKS API server (control-plane ENI)");
    const kubeDns = services.find((s) => s.namespace === "kube-system" && s.name === "kube-dns");
    const coredns = kubeDns && pods.find((p) => selects(kubeDns, p));
    const dns = kubeDns && coredns ? { to: at(coredns), via: kubeDns } : { to: address(subnetAddress(privateSubnets[0].inputs.cidrBlock, 30), "the node's own CoreDNS (EKS Auto Mode)", true) };
    const albTargets = objects.filter((o) => o.kind === "Ingress" && (o.spec as Record<string, any>).ingressClassName === "alb").flatMap((o) => {
        const annotations = (o.metadata?.annotations ?? {}) as Record<string, string>;
        assert.equal(annotations["alb.ingress.kubernetes.io/target-type"], "ip", "the ALB sends to pod addresses");
        const kind = annotations["alb.ingress.kubernetes.io/scheme"] === "internal" ? "private" : "public";
        const subnet = resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes(kind))!;
        const alb = address(subnetAddress(subnet.inputs.cidrBlock, 20), `the ALB of Ingress ${o.metadata?.namespace}/${o.metadata?.name}`);
        const backend = (o.spec as Record<string, any>).rules[0].http.paths[0].backend.service as { name: string; port: { number: number } };
        const service = services.find((svc) => svc.namespace === o.metadata?.namespace && svc.name === backend.name);
        assert.ok(service, `Ingress ${o.metadata?.namespace}/${o.metadata?.name}: no Service ${backend.name}`);
        const pod = pods.find((p) => selects(service, p));
        assert.ok(pod, `Service ${service.namespace}/${service.name} selects no pod`);
        const port = backendPort(service, backend.port.number, pod);
        assert.ok(port !== undefined);
        return [{ ingress: `${o.metadata?.namespace}/${o.metadata?.name}`, pod, port, alb }];
    });
    return { objects, facts, pods, platform: platformPods(pods), tenants, gatewayPod, gatewayService, dns, webhooks: webhookBackends(objects, services, pods), apiServer, podIdentityUsers, albTargets };
}

/** Any pod a tenant runs (an agent, a notebook, a model server listening on vLLM's port). */
const tenantPod = (tenant: string): Endpoint => pod(tenant, { app: "tenant-workload" }, [{ name: "http", containerPort: 8000 }]);

const platformModels = (v: StackView) => v.pods.filter((p) => p.namespace === "models" && p.labels["app.kubernetes.io/name"] === "vllm");
const LWS_NAME = "leaderworkerset.sigs.k8s.io/name";
const LWS_WORKER_INDEX = "leaderworkerset.sigs.k8s.io/worker-index";
/** Model pods that serve HTTP: single-node replicas and multi-node leaders (a group's workers only run Ray). */
const servingModels = (v: StackView) => platformModels(v).filter((p) => (p.labels[LWS_WORKER_INDEX] ?? "0") === "0");
/** Each multi-node group's workers with their leader. */
const modelGroups = (v: StackView) => platformModels(v).filter((p) => (p.labels[LWS_WORKER_INDEX] ?? "0") !== "0").map((worker) => ({
    worker,
    leader: platformModels(v).find((l) => l.labels[LWS_NAME] === worker.labels[LWS_NAME] && l.labels[LWS_WORKER_INDEX] === "0")!,
}));
/** The Ray head's GCS port (components/model-endpoint/leader-worker-set.ts RAY_PORT), and a port Ray picks for a worker's raylet or NCCL. */
const RAY_HEAD_PORT = 6379;
const RAY_WORKER_PORT = 10002;

function neededFlows(v: StackView): Expectation[] {
    const { prometheus, alertmanager, grafana, langfuseWeb, langfuseWorker, clickhouse, kedaOperator } = v.platform;
    const gateway = at(v.gatewayPod);
    const vllm = servingModels(v);
    assert.ok(vllm.length > 0, "the stack has platform model endpoints");
    const { targets } = scrapeTargets(v.objects);
    const everyone = [...v.pods.filter((p) => !p.hostNetwork).map(at), ...v.tenants.map(tenantPod)];
    const dns = (from: Endpoint, protocol: string): Expectation => ({ flow: { from, to: v.dns.to, port: 53, protocol, via: v.dns.via }, expect: "allowed", why: "name resolution" });
    return [
        ...vllm.map((m) => expect(gateway, at(m), "http", "allowed", "the gateway routes to every self-hosted model")),
        ...modelGroups(v).flatMap(({ worker, leader }) => [
            expect(at(worker), at(leader), RAY_HEAD_PORT, "allowed", "a group's Ray workers join its head"),
            expect(at(leader), at(worker), RAY_WORKER_PORT, "allowed", "Ray and NCCL reach a group's workers on ports they pick"),
        ]),
        expect(gateway, at(langfuseWeb), 3000, "allowed", "the gateway sends traces to Langfuse"),
        expect(at(kedaOperator), at(prometheus), 9090, "allowed", "KEDA's Prometheus scalers query it"),
        expect(at(grafana), at(prometheus), 9090, "allowed", "Grafana's data source"),
        expect(at(prometheus), at(alertmanager), 9093, "allowed", "Prometheus sends alerts"),
        ...[langfuseWeb, langfuseWorker].flatMap((l) => [8123, 9000].map((port) => expect(at(l), at(clickhouse), port, "allowed", "Langfuse stores traces in ClickHouse"))),
        ...targets.map((t) => expect(at(prometheus), at(t.pod), t.port, "allowed", `Prometheus scrapes ${t.monitor}`)),
        ...everyone.flatMap((from) => ["UDP", "TCP"].map((protocol) => dns(from, protocol))),
        ...v.podIdentityUsers.map((p) => expect(at(p), POD_IDENTITY_AGENT, 80, "allowed", `${p.serviceAccount} has a Pod Identity association`)),
        ...v.tenants.map((t) => expect(tenantPod(t), POD_IDENTITY_AGENT, 80, "allowed", "tenant pods use Pod Identity")),
        ...v.webhooks.map((w) => expect(v.apiServer, at(w.pod), w.port, "allowed", `the API server calls ${w.webhook}`)),
        ...v.albTargets.map((t) => expect(t.alb, at(t.pod), t.port, "allowed", `Ingress ${t.ingress} publishes it`)),
        ...v.tenants.map((t) => ({ ...expect(tenantPod(t), gateway, 4000, "allowed", "tenants call models through the gateway's Service"), flow: { from: tenantPod(t), to: gateway, port: 4000, via: v.gatewayService } })),
    ];
}

/**
 * The kv-aware path: LiteLLM → the inference Gateway's proxy (its Service) →
 * the endpoint picker (ext-proc, through its Service) and the replica it picks
 * (by pod address); the picker → vLLM's /metrics; the proxy → the controller's
 * xDS. Every stack has at least one kv-aware endpoint.
 */
function inferenceGatewayView(v: StackView) {
    const services = servicesOf(v.objects);
    const proxies = v.pods.filter((p) => p.namespace === "agentgateway-system" && p.labels["gateway.networking.k8s.io/gateway-name"] === "inference-gateway");
    assert.ok(proxies.length > 0, "the inference Gateway's proxy pods (fixture of what agentgateway creates)");
    const proxyService = services.find((s) => proxies.some((p) => selects(s, p)))!;
    const controller = v.pods.find((p) => p.namespace === "agentgateway-system" && p.labels.agentgateway === "agentgateway")!;
    const controllerService = services.find((s) => selects(s, controller))!;
    const pools = v.objects.filter((o) => o.kind === "InferencePool").map((pool) => {
        const spec = pool.spec as { selector: { matchLabels: Record<string, string> }; endpointPickerRef: { name: string; port: { number: number } } };
        const servers = v.pods.filter((p) => p.namespace === pool.metadata?.namespace && Object.entries(spec.selector.matchLabels).every(([k, val]) => p.labels[k] === val));
        const pickerService = services.find((s) => s.namespace === pool.metadata?.namespace && s.name === spec.endpointPickerRef.name)!;
        const picker = v.pods.find((p) => selects(pickerService, p))!;
        assert.ok(servers.length > 0 && picker, `InferencePool ${pool.metadata?.name}: its vLLM pods and its picker`);
        return { servers, picker, pickerService, port: spec.endpointPickerRef.port.number };
    });
    assert.ok(pools.length > 0, "the stack has kv-aware endpoints");
    return { proxies, proxyService, controller, controllerService, pools };
}

function inferenceGatewayFlows(v: StackView): Expectation[] {
    const g = inferenceGatewayView(v);
    const via = (e: Expectation, service: Service): Expectation => ({ ...e, flow: { ...e.flow, via: service } });
    return [
        via(expect(at(v.gatewayPod), at(g.proxies[0]), 8080, "allowed", "the LLM gateway calls kv-aware models through the inference Gateway"), g.proxyService),
        ...g.proxies.map((proxy) => via(expect(at(proxy), at(g.controller), 9978, "allowed", "the proxy takes its config from the controller (xDS)"), g.controllerService)),
        ...g.pools.flatMap((pool) => [
            ...g.proxies.map((proxy) => via(expect(at(proxy), at(pool.picker), pool.port, "allowed", "the proxy asks the endpoint picker (ext-proc gRPC)"), pool.pickerService)),
            ...pool.servers.flatMap((server) => [
                ...g.proxies.map((proxy) => expect(at(proxy), at(server), 8000, "allowed", "the proxy sends to the replica the picker chose")),
                expect(at(pool.picker), at(server), 8000, "allowed", "the picker reads vLLM's /metrics (KV cache, queue)"),
            ]),
        ]),
        ...v.tenants.flatMap((t) => [
            via(expect(tenantPod(t), at(g.proxies[0]), 8080, "denied", "the inference Gateway carries only the LLM gateway's traffic"), g.proxyService),
            expect(tenantPod(t), at(g.proxies[0]), 8080, "denied", "not by pod address either"),
            ...g.pools.map((pool) => expect(tenantPod(t), at(pool.picker), pool.port, "denied", "tenants cannot steer the picker")),
            expect(tenantPod(t), at(g.controller), 9978, "denied", "nor read the Gateway's config"),
        ]),
    ];
}

function isolationFlows(v: StackView): Expectation[] {
    const { prometheus, grafana, alertmanager, langfuseWeb, langfuseWorker, clickhouse } = v.platform;
    return v.tenants.flatMap((t) => {
        const from = tenantPod(t);
        return [
            ...v.tenants.filter((o) => o !== t).flatMap((o) => [8000, 8080].map((port) => expect(from, tenantPod(o), port, "denied", "tenants are isolated from each other"))),
            expect(from, at(prometheus), 9090, "denied", "tenants cannot query every tenant's metrics"),
            expect(from, at(grafana), 3000, "denied", "Grafana is for operators"),
            expect(from, at(alertmanager), 9093, "denied", "tenants cannot silence alerts"),
            expect(from, at(langfuseWeb), 3000, "denied", "Langfuse holds every tenant's traces"),
            expect(from, at(langfuseWorker), 3030, "denied", "Langfuse holds every tenant's traces"),
            ...[8123, 9000].map((port) => expect(from, at(clickhouse), port, "denied", "ClickHouse holds every tenant's traces")),
            ...platformModels(v).map((m) => expect(from, at(m), 8000, "denied", "tenants reach platform models only through the gateway (budgets, rate limits)")),
            ...modelGroups(v).map(({ leader }) => expect(from, at(leader), RAY_HEAD_PORT, "denied", "only a group's own pods join its Ray cluster")),
        ];
    });
}

for (const [stack, mode] of [["dev", "managed"], ["prod", "managed"], ["dev", "auto"], ["prod", "auto"]] as [StackName, ClusterMode][]) {
    describe(`semantics: NetworkPolicy reachability (${stack} stack, ${mode === "auto" ? "EKS Auto Mode" : "managed nodes"}; everything the cluster runs)`, function () {
        let cluster: RenderedCluster;
        let v: StackView;
        const withTenantApp = stack === "dev" && mode === "managed";
        before(async function () {
            skipWithoutReference(this);
            cluster = await renderedCluster(stack, { mode });
            v = view(cluster, withTenantApp ? await tenantAppObjects() : []);
        });

        it(mode === "auto" ? "turns NetworkPolicy enforcement on through the amazon-vpc-cni ConfigMap" : "turns NetworkPolicy enforcement on through the VPC CNI add-on's enableNetworkPolicy", () => {
            assert.equal(networkPolicyEnforced(cluster.resources), true);
        });

        it("allows every flow the platform needs, between the pods the charts and operators really run", () => {
            assert.deepEqual(flowFindings(v.objects, v.facts, neededFlows(v)), []);
        });

        // Multi-node endpoints need EFA, wired in Karpenter mode only (stackConfigFor drops them on Auto Mode).
        if (stack === "prod" && mode === "managed") {
            it("lets a multi-node group's pods reach each other and nothing else reach them (planted: without the group's policy, Ray is denied)", () => {
                assert.ok(modelGroups(v).length > 0, "prod runs a multi-node endpoint");
                // The models namespace also admits itself (allow-same-namespace); the group's own policy must hold alone.
                const planted = v.objects.filter((o) => !(o.kind === "NetworkPolicy" && o.metadata?.namespace === "models" && ["deepseek-r1-group", "allow-same-namespace"].includes(o.metadata?.name ?? "")));
                assert.deepEqual(flowFindings(v.objects.filter((o) => !(o.kind === "NetworkPolicy" && o.metadata?.namespace === "models" && o.metadata?.name === "allow-same-namespace")), v.facts, neededFlows(v)), []);
                const findings = flowFindings(planted, v.facts, neededFlows(v));
                assert.ok(findings.length > 0 && findings.every((f) => /deepseek-r1-group.* is denied but is needed \((a group's Ray workers join its head|Ray and NCCL reach a group's workers on ports they pick)\)/.test(f)), findings.join("\n"));
            });
        }
        it("lets the LLM gateway, and only it, reach kv-aware models through the inference Gateway, its proxies the pickers and replicas", () => {
            assert.deepEqual(flowFindings(v.objects, v.facts, inferenceGatewayFlows(v)), []);
        });

        it("derives the API server's webhook calls from every webhook configuration: Kyverno, KEDA, cert-manager, ClickHouse, the Prometheus Operator", () => {
            const called = new Set(v.webhooks.map((w) => w.pod.namespace));
            for (const ns of ["kyverno", "keda", "cert-manager", "clickhouse-operator-system", "monitoring"]) assert.ok(called.has(ns), `no webhook backend in ${ns}`);
            // Planted: without the allow-rule for the operator's webhook, monitoring's default-deny refuses the API server.
            const planted = v.objects.filter((o) => !(o.kind === "NetworkPolicy" && o.metadata?.name === "allow-api-server-to-operator-webhook"));
            const findings = flowFindings(planted, v.facts, neededFlows(v));
            assert.ok(findings.length > 0 && findings.every((f) => /^the EKS API server .* → Deployment monitoring\/kube-prometheus-stack-operator TCP\/10250 is denied but is needed \(the API server calls (Validating|Mutating)WebhookConfiguration kube-prometheus-stack-admission: .*\): ingress .* is isolated by monitoring\/default-deny-ingress/.test(f)), findings.join("\n"));
        });

        it("derives Prometheus's scrapes from every monitor, the charts' included (planted: Prometheus's egress denied)", () => {
            const { targets } = scrapeTargets(v.objects);
            const { prometheus } = v.platform;
            const charts = targets.filter((t) => !t.monitor.includes("genai") && t.pod.namespace !== "models" && t.pod.namespace !== "llm-gateway");
            assert.ok(charts.some((t) => t.pod.namespace === "monitoring" && t.pod.name.includes("alertmanager")), "the chart's Alertmanager ServiceMonitor reaches the operator-made pods");
            if (mode === "managed") assert.ok(charts.some((t) => t.pod.namespace === "kube-system" && t.pod.labels["k8s-app"] === "kube-dns"), "the chart's CoreDNS ServiceMonitor reaches the add-on's pods");
            const deny = policy("monitoring", "planted-egress-deny", { podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } }, policyTypes: ["Egress"] });
            const scrapes = targets.map((t) => expect(at(prometheus), at(t.pod), t.port, "allowed", t.monitor));
            // Host-network targets (node-exporter, kube-proxy) sit on other nodes' addresses: egress rules apply to them too.
            assert.equal(flowFindings([...v.objects, deny], v.facts, scrapes).length, scrapes.length);
        });

        if (withTenantApp) {
            it("lets the tenant example's AgentService reach exactly the gateway, its checkpoint database, the platform's OTel collector and DNS; never Langfuse itself", () => {
                const { prometheus, langfuseWeb, langfuseWorker, clickhouse, otelCollector } = v.platform;
                const agents = v.pods.filter((p) => p.labels["app.kubernetes.io/name"] === "agent-service");
                assert.deepEqual(agents.map((a) => a.name), ["Deployment research/research-agent"]);
                const agent = at(agents[0]);
                // An address in the first private subnet: the gateway's RDS subnet group spans the private subnets.
                const database = address(v.facts.podCidrs[0].replace(/\.0\/\d+$/, ".40"), "the gateway's RDS instance");
                const flows = [
                    { ...expect(agent, at(v.gatewayPod), 4000, "allowed", "models through the gateway's Service"), flow: { from: agent, to: at(v.gatewayPod), port: 4000, via: v.gatewayService } },
                    expect(agent, database, 5432, "allowed", "LangGraph checkpoints"),
                    expect(agent, at(otelCollector), 4318, "allowed", "OTLP traces to the platform's collector"),
                    ...["UDP", "TCP"].map((protocol): Expectation => ({ flow: { from: agent, to: v.dns.to, port: 53, protocol, via: v.dns.via }, expect: "allowed", why: "name resolution" })),
                    expect(agent, at(langfuseWeb), 3000, "denied", "only the collector, which holds the project keys, talks to Langfuse"),
                    expect(agent, at(otelCollector), 13133, "denied", "the collector's OTLP port only"),
                    expect(agent, at(langfuseWorker), 3030, "denied", "Langfuse's worker takes nothing from tenants"),
                    expect(agent, at(clickhouse), 8123, "denied", "Langfuse's store holds every tenant's traces"),
                    expect(agent, at(prometheus), 9090, "denied", "monitoring stays the platform's"),
                    expect(agent, database, 5433, "denied", "the database subnets on the database port only"),
                    ...platformModels(v).map((m) => expect(agent, at(m), 8000, "denied", "platform models only through the gateway")),
                    expect(tenantPod("search"), at(langfuseWeb), 3000, "denied", "other tenant pods still cannot reach Langfuse"),
                    expect(tenantPod("search"), at(otelCollector), 4318, "denied", "only agent pods send traces"),
                ];
                assert.deepEqual(flowFindings(v.objects, v.facts, flows), []);
            });
        }

        it("lets the OTel collector reach exactly langfuse-web, DNS and the API server (443), nothing else of the cluster", () => {
            const { otelCollector, langfuseWeb, langfuseWorker, clickhouse, prometheus } = v.platform;
            const collector = at(otelCollector);
            const flows = [
                expect(collector, at(langfuseWeb), 3000, "allowed", "it forwards every tenant's traces with the project keys"),
                ...["UDP", "TCP"].map((protocol): Expectation => ({ flow: { from: collector, to: v.dns.to, port: 53, protocol, via: v.dns.via }, expect: "allowed", why: "name resolution" })),
                expect(collector, v.apiServer, 443, "allowed", "k8sattributes watches pods and namespaces"),
                expect(collector, at(langfuseWorker), 3030, "denied", "it parses tenants' data: it reaches Langfuse's web only"),
                ...[8123, 9000].map((port) => expect(collector, at(clickhouse), port, "denied", "it parses tenants' data: it reaches Langfuse's web only")),
                expect(collector, at(prometheus), 9090, "denied", "it parses tenants' data: it reaches Langfuse's web only"),
                expect(collector, at(v.gatewayPod), 4000, "denied", "it parses tenants' data: it reaches Langfuse's web only"),
            ];
            assert.deepEqual(flowFindings(v.objects, v.facts, flows), []);
        });

        it("scrapes every endpoint's metrics, the tenants' own and the charts' included", () => {
            const { targets } = scrapeTargets(v.objects);
            const scraped = new Set(targets.map((t) => t.pod.namespace));
            for (const ns of ["models", "monitoring", "llm-gateway"]) assert.ok(scraped.has(ns), `no scrape target in ${ns}`);
            if (withTenantApp) assert.ok(scraped.has("research"), "the tenant example's endpoint is a scrape target");
        });

        it("has no monitor without pods to scrape, but the API server's and the kubelets' (EKS's endpoints, not pods)", () => {
            assert.deepEqual(scrapeTargets(v.objects).unresolved.sort(), ["ServiceMonitor monitoring/kube-prometheus-stack-apiserver", "ServiceMonitor monitoring/kube-prometheus-stack-kubelet"]);
        });

        it("isolates tenants from each other, from monitoring, Langfuse, ClickHouse and the platform's models", () => {
            assert.ok(v.tenants.length >= 2);
            assert.deepEqual(flowFindings(v.objects, v.facts, isolationFlows(v)), []);
        });

        it("fences monitoring, Langfuse, ClickHouse and the platform's models on their own: a pod whose egress is open still cannot connect", () => {
            const { prometheus, grafana, alertmanager, langfuseWeb, clickhouse } = v.platform;
            const open = pod("default", { app: "anything" });
            const published = (p: Pod) => v.albTargets.some((t) => t.pod === p);
            const targets: [Pod, number][] = [[prometheus, 9090], [grafana, 3000], [alertmanager, 9093], [langfuseWeb, 3000], [clickhouse, 8123], [clickhouse, 9000], ...platformModels(v).map((m) => [m, 8000] as [Pod, number])];
            const flows = targets.map(([to, port]) => expect(open, at(to), port, published(to) ? "allowed" : "denied", published(to)
                ? "published through the ALB, whose addresses are VPC addresses like any pod's: its login guards it"
                : "the platform's data and models stay behind the platform"));
            assert.deepEqual(flowFindings(v.objects, v.facts, flows), []);
            if (stack === "prod" && mode === "managed") assert.deepEqual(v.albTargets.map((t) => t.ingress).sort(), ["langfuse/langfuse", "monitoring/grafana"]);
        });

        it("lets tenants reach the gateway's /metrics: LiteLLM serves it on its API port, so its isolation is the gateway's auth, not the network", () => {
            const metrics = v.tenants.map((t) => expect(tenantPod(t), at(v.gatewayPod), 4000, "allowed", "GET /metrics/ is on the API port"));
            assert.deepEqual(flowFindings(v.objects, v.facts, metrics), []);
        });

        it("holds isolation only because the CNI enforces it: with enforcement off every isolation check fails", () => {
            const flows = isolationFlows(v);
            assert.equal(flowFindings(v.objects, { ...v.facts, enforced: false }, flows).length, flows.length);
        });
    });
}

/**
 * Deploy semantics: NetworkPolicy reachability. The evaluator's Kubernetes
 * semantics and VPC CNI specifics, its planted defects, the enforcement
 * switch in both cluster modes, then the stacks: every flow the platform
 * needs is allowed, tenant isolation holds, and holds only because the CNI
 * enforces it.
 */
import * as assert from "node:assert/strict";
import { main as tenantApp } from "../../examples/tenant-app/program";
import { loadStackConfig, runStack, type StackConfig } from "../../plan/stack";
import type { PlatformOutputs } from "../../stacks/platform";
import { renderNetworkPolicies } from "../../components/tenant-namespace/manifests";
import { resolveTenant, type TenantSpec } from "../../components/tenant-namespace/args";
import { kubernetesObjects, type KubernetesObject } from "../harness/conformance";
import { runWithMocks, valueOf, type RecordedResource } from "../harness";
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
/** The EKS CoreDNS add-on's Service (kubernetes cluster/addons/dns/coredns: selector k8s-app=kube-dns, ports 53 to 53). */
const KUBE_DNS_SERVICE: Service = {
    name: "kube-dns",
    namespace: "kube-system",
    selector: { "k8s-app": "kube-dns" },
    ports: [{ name: "dns", port: 53, targetPort: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, targetPort: 53, protocol: "TCP" }],
};
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

type Stack = "dev" | "prod";

/** A stack's config with the cluster switched to EKS Auto Mode. */
function inAutoMode(config: StackConfig): StackConfig {
    const key = "genai-platform:cluster";
    // Auto Mode runs its own device plugin: GPU sharing is a Karpenter-mode feature.
    const pools = (JSON.parse(config.config["genai-platform:pools"]) as Record<string, unknown>[]).map(({ sharing: _, ...pool }) => pool);
    return { ...config, config: { ...config.config, [key]: JSON.stringify({ ...JSON.parse(config.config[key]), mode: "auto" }), "genai-platform:pools": JSON.stringify(pools) } };
}

/** One mock run per stack and mode for the whole file: each takes seconds. */
const runs = new Map<string, ReturnType<typeof runStack>>();
function run(stack: Stack, auto = false): ReturnType<typeof runStack> {
    const key = `${stack}:${auto}`;
    if (!runs.has(key)) {
        const config = loadStackConfig(stack);
        runs.set(key, runStack(stack, auto ? inAutoMode(config) : config));
    }
    return runs.get(key)!;
}

async function record(stack: Stack, auto = false): Promise<RecordedResource[]> {
    return (await run(stack, auto)).resources;
}

/** The tenant example (examples/tenant-app) deployed on the dev platform: a tenant's own endpoint, scraped for its KEDA scaling. */
async function tenantAppObjects(): Promise<KubernetesObject[]> {
    const platform = await run("dev");
    const outputs = platform.result as PlatformOutputs;
    const stackOutputs = { "acme/genai-platform/dev": { ...outputs, kubeconfig: await valueOf(outputs.kubeconfig), clusterName: await valueOf(outputs.clusterName) } };
    const config = { "tenant-app:platformStack": "acme/genai-platform/dev", "tenant-app:tenant": "research", "tenant-app:model": "Qwen/Qwen2.5-1.5B-Instruct", "tenant-app:pool": "gpu-small" };
    return kubernetesObjects((await runWithMocks(tenantApp, { project: "tenant-app", config, stackOutputs })).resources);
}

const chartPod = (name: string, namespace: string, labels: Record<string, string>, ports: Pod["ports"], serviceAccount?: string): Pod => ({ name: `${name} (chart)`, namespace, labels, ports, serviceAccount });

/**
 * Pods the charts (and their operators) create, until the rendered charts
 * join the objects: the labels their selectors use and the ports that matter,
 * each from the pinned chart template named.
 */
const CHART_PODS = {
    // kube-prometheus-stack 88.5.3 templates/prometheus/networkpolicy.yaml: the podSelector of the operator-made Prometheus pods.
    prometheus: chartPod("Prometheus monitoring/kube-prometheus-stack-prometheus", "monitoring", { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" }, [{ name: "http-web", containerPort: 9090 }]),
    // charts/grafana/templates/_pod.tpl: port `grafana` (service.targetPort 3000).
    grafana: chartPod("Deployment monitoring/kube-prometheus-stack-grafana", "monitoring", { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kube-prometheus-stack" }, [{ name: "grafana", containerPort: 3000 }]),
    // templates/alertmanager/networkpolicy.yaml selects `app.kubernetes.io/name: alertmanager`; web port 9093.
    alertmanager: chartPod("Alertmanager monitoring/kube-prometheus-stack-alertmanager", "monitoring", { "app.kubernetes.io/name": "alertmanager" }, [{ name: "http-web", containerPort: 9093 }]),
    // templates/prometheus-operator/deployment.yaml: port `https` = tls.internalPort 10250 serves the admission webhook.
    prometheusOperator: chartPod("Deployment monitoring/kube-prometheus-stack-operator", "monitoring", { app: "kube-prometheus-stack-operator", release: "kube-prometheus-stack" }, [{ name: "https", containerPort: 10250 }]),
    // langfuse 2.0.0 templates/web/deployment.yaml and worker/deployment.yaml (selectorLabels + component).
    langfuseWeb: chartPod("Deployment langfuse/langfuse-web", "langfuse", { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/component": "web" }, [{ name: "http", containerPort: 3000 }], "langfuse"),
    langfuseWorker: chartPod("Deployment langfuse/langfuse-worker", "langfuse", { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/component": "worker" }, [{ name: "http", containerPort: 3030 }], "langfuse"),
    // The ClickHouse operator's server pods for langfuse 2.0.0 templates/clickhouse/cluster.yaml: HTTP 8123, native 9000.
    clickhouse: chartPod("ClickHouseCluster langfuse/langfuse-clickhouse", "langfuse", { "app.kubernetes.io/instance": "langfuse-clickhouse" }, [{ name: "http", containerPort: 8123 }, { name: "tcp", containerPort: 9000 }]),
};

/** Admission webhooks the API server calls: kyverno 3.9.0, keda 2.20.2, cert-manager v1.20.2, clickhouse-operator 0.0.5 deployment templates. */
const WEBHOOKS: { pod: Pod; port: number }[] = [
    { pod: chartPod("Deployment kyverno/kyverno-admission-controller", "kyverno", { "app.kubernetes.io/component": "admission-controller", "app.kubernetes.io/instance": "kyverno" }, [{ name: "https", containerPort: 9443 }]), port: 9443 },
    { pod: chartPod("Deployment keda/keda-admission-webhooks", "keda", { app: "keda-admission-webhooks" }, [{ name: "http", containerPort: 9443 }]), port: 9443 },
    { pod: chartPod("Deployment cert-manager/cert-manager-webhook", "cert-manager", { "app.kubernetes.io/name": "webhook", "app.kubernetes.io/component": "webhook" }, [{ name: "https", containerPort: 10250 }]), port: 10250 },
    { pod: chartPod("Deployment clickhouse-operator-system/clickhouse-operator", "clickhouse-operator-system", { "app.kubernetes.io/name": "clickhouse-operator", "control-plane": "controller-manager" }, [{ name: "webhook", containerPort: 9443 }]), port: 9443 },
    { pod: CHART_PODS.prometheusOperator, port: 10250 },
];

/** keda 2.20.2 templates/manager/deployment.yaml: the operator runs the scalers. */
const KEDA_OPERATOR = chartPod("Deployment keda/keda-operator", "keda", { app: "keda-operator" }, []);
/** Backends of the charts' Services an Ingress may name (langfuse-web, kube-prometheus-stack-grafana), until the charts are rendered. */
const CHART_SERVICE_BACKENDS: Record<string, Pod> = {
    "langfuse/langfuse-web": CHART_PODS.langfuseWeb,
    "monitoring/kube-prometheus-stack-grafana": CHART_PODS.grafana,
};
const POD_IDENTITY_AGENT = address("169.254.170.23", "EKS Pod Identity agent");
const at = (p: Pod): Endpoint => ({ pod: p });
const expect = (from: Endpoint, to: Endpoint, port: number | string, outcome: Expectation["expect"], why: string, protocol?: string): Expectation => ({ flow: { from, to, port, protocol }, expect: outcome, why });

/**
 * Where ClusterIPs come from: the cluster's `kubernetesServiceIpAddressRange`,
 * or EKS's default, 172.20.0.0/16 for a VPC in 10.0.0.0/8 and 10.100.0.0/16
 * otherwise (EKS API, KubernetesNetworkConfigRequest.serviceIpv4Cidr).
 */
function serviceCidr(resources: RecordedResource[], vpcCidr: string): string {
    const set = resources.find((r) => r.type === "eks:index:Cluster")?.inputs.kubernetesServiceIpAddressRange;
    return set ?? (vpcCidr.startsWith("10.") ? "172.20.0.0/16" : "10.100.0.0/16");
}

interface StackView {
    objects: KubernetesObject[];
    facts: NetworkFacts;
    pods: Pod[];
    tenants: string[];
    gatewayPod: Pod;
    gatewayService: Service;
    /** A first address of the cluster's first private subnet: where the control plane's ENIs sit. */
    apiServer: Endpoint;
    podIdentityUsers: Pod[];
    /** Pods an ALB (target-type ip) sends to straight from its nodes in the VPC's subnets, and the pod port. */
    albTargets: { ingress: string; pod: Pod; port: number; alb: Endpoint }[];
}

function view(resources: RecordedResource[], extra: KubernetesObject[] = []): StackView {
    const objects = [...kubernetesObjects(resources), ...extra];
    const vpc = resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!;
    const subnet = resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes("private"))!;
    // Nodes (the system group, Karpenter's and Auto Mode's) run in the private subnets; the VPC CNI gives pods addresses there.
    const podCidrs = resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes("private")).map((r) => r.inputs.cidrBlock as string);
    const facts: NetworkFacts = { enforced: networkPolicyEnforced(resources), podCidrs, serviceCidr: serviceCidr(resources, vpc.inputs.cidrBlock) };
    const pods = podsOf(objects);
    const tenants = objects.filter((o) => o.kind === "Namespace" && (o.metadata?.labels as Record<string, string> | undefined)?.["genai-platform.io/tenant"]).map((o) => o.metadata!.name!);
    const gatewayPod = pods.find((p) => p.labels["app.kubernetes.io/component"] === "llm-gateway")!;
    const gatewayService = servicesOf(objects).find((s) => s.namespace === gatewayPod.namespace && Object.entries(s.selector).every(([k, val]) => gatewayPod.labels[k] === val))!;
    const associations = resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => `${r.inputs.namespace}/${r.inputs.serviceAccount}`);
    const podIdentityUsers = [...pods, ...Object.values(CHART_PODS)].filter((p) => associations.includes(`${p.namespace}/${p.serviceAccount}`));
    const apiServer = address(subnet.inputs.cidrBlock.replace(/\.0\/\d+$/, ".10"), "the EKS API server (control-plane ENI)");
    const subnetAddress = (kind: string) => resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes(kind))!.inputs.cidrBlock.replace(/\.0\/\d+$/, ".20");
    const albTargets = objects.filter((o) => o.kind === "Ingress" && (o.spec as Record<string, any>).ingressClassName === "alb").flatMap((o) => {
        const annotations = (o.metadata?.annotations ?? {}) as Record<string, string>;
        assert.equal(annotations["alb.ingress.kubernetes.io/target-type"], "ip", "the ALB sends to pod addresses");
        const alb = address(subnetAddress(annotations["alb.ingress.kubernetes.io/scheme"] === "internal" ? "private" : "public"), `the ALB of Ingress ${o.metadata?.namespace}/${o.metadata?.name}`);
        const backend = (o.spec as Record<string, any>).rules[0].http.paths[0].backend.service as { name: string; port: { number: number } };
        const key = `${o.metadata?.namespace}/${backend.name}`;
        const service = servicesOf(objects).find((svc) => `${svc.namespace}/${svc.name}` === key);
        const pod = service ? pods.find((p) => p.namespace === service.namespace && Object.entries(service.selector).every(([k, val]) => p.labels[k] === val)) : CHART_SERVICE_BACKENDS[key];
        assert.ok(pod, `a backend for Ingress ${key}`);
        const target = service?.ports.find((sp) => sp.port === backend.port.number)?.targetPort ?? pod.ports[0].containerPort;
        const port = typeof target === "number" ? target : pod.ports.find((c) => c.name === target)!.containerPort;
        return [{ ingress: `${o.metadata?.namespace}/${o.metadata?.name}`, pod, port, alb }];
    });
    return { objects, facts, pods, tenants, gatewayPod, gatewayService, apiServer, podIdentityUsers, albTargets };
}

/** Any pod a tenant runs (an agent, a notebook, a model server listening on vLLM's port). */
const tenantPod = (tenant: string): Endpoint => pod(tenant, { app: "tenant-workload" }, [{ name: "http", containerPort: 8000 }]);

function neededFlows(v: StackView): Expectation[] {
    const { prometheus, langfuseWeb, langfuseWorker, clickhouse } = CHART_PODS;
    const gateway = at(v.gatewayPod);
    const vllm = v.pods.filter((p) => p.namespace === "models" && p.labels["app.kubernetes.io/name"] === "vllm");
    assert.ok(vllm.length > 0, "the stack has platform model endpoints");
    const { targets } = scrapeTargets(v.objects);
    const everyone = [...v.pods.filter((p) => !p.hostNetwork).map(at), ...Object.values(CHART_PODS).map(at), ...v.tenants.map(tenantPod)];
    return [
        ...vllm.map((m) => expect(gateway, at(m), "http", "allowed", "the gateway routes to every self-hosted model")),
        expect(gateway, at(langfuseWeb), 3000, "allowed", "the gateway sends traces to Langfuse"),
        expect(at(KEDA_OPERATOR), at(prometheus), 9090, "allowed", "KEDA's Prometheus scalers query it"),
        expect(at(CHART_PODS.grafana), at(prometheus), 9090, "allowed", "Grafana's data source"),
        expect(at(prometheus), at(CHART_PODS.alertmanager), 9093, "allowed", "Prometheus sends alerts"),
        ...[langfuseWeb, langfuseWorker].flatMap((l) => [8123, 9000].map((port) => expect(at(l), at(clickhouse), port, "allowed", "Langfuse stores traces in ClickHouse"))),
        ...targets.map((t) => expect(at(prometheus), at(t.pod), t.port, "allowed", `Prometheus scrapes ${t.monitor} (KEDA scales on these metrics)`)),
        ...everyone.flatMap((from) => ["UDP", "TCP"].map((protocol) => ({ ...expect(from, KUBE_DNS, 53, "allowed", "name resolution through the kube-dns Service", protocol), flow: { from, to: KUBE_DNS, port: 53, protocol, via: KUBE_DNS_SERVICE } }))),
        ...v.podIdentityUsers.map((p) => expect(at(p), POD_IDENTITY_AGENT, 80, "allowed", `${p.serviceAccount} has a Pod Identity association`)),
        ...v.tenants.map((t) => expect(tenantPod(t), POD_IDENTITY_AGENT, 80, "allowed", "tenant pods use Pod Identity")),
        ...WEBHOOKS.map((w) => expect(v.apiServer, at(w.pod), w.port, "allowed", "the API server calls admission webhooks")),
        ...v.albTargets.map((t) => expect(t.alb, at(t.pod), t.port, "allowed", `Ingress ${t.ingress} publishes it`)),
        ...v.tenants.map((t) => ({ ...expect(tenantPod(t), gateway, 4000, "allowed", "tenants call models through the gateway's Service"), flow: { from: tenantPod(t), to: gateway, port: 4000, via: v.gatewayService } })),
    ];
}

function isolationFlows(v: StackView): Expectation[] {
    const { prometheus, grafana, alertmanager, langfuseWeb, langfuseWorker, clickhouse } = CHART_PODS;
    const vllm = v.pods.filter((p) => p.namespace === "models" && p.labels["app.kubernetes.io/name"] === "vllm");
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
            ...vllm.map((m) => expect(from, at(m), 8000, "denied", "tenants reach platform models only through the gateway (budgets, rate limits)")),
        ];
    });
}

for (const [stack, auto] of [["dev", false], ["prod", false], ["dev", true], ["prod", true]] as [Stack, boolean][]) {
    describe(`semantics: NetworkPolicy reachability (${stack} stack${auto ? ", EKS Auto Mode" : ""})`, () => {
        let resources: RecordedResource[];
        let v: StackView;
        const withTenantApp = stack === "dev" && !auto;
        before(async () => {
            resources = await record(stack, auto);
            v = view(resources, withTenantApp ? await tenantAppObjects() : []);
        });

        it(auto ? "turns NetworkPolicy enforcement on through the amazon-vpc-cni ConfigMap" : "turns NetworkPolicy enforcement on through the VPC CNI add-on's enableNetworkPolicy", () => {
            assert.equal(networkPolicyEnforced(resources), true);
        });

        it("allows every flow the platform needs", () => {
            assert.deepEqual(flowFindings(v.objects, v.facts, neededFlows(v)), []);
        });

        it("scrapes every endpoint's metrics, the tenants' own included", () => {
            const { targets } = scrapeTargets(v.objects);
            const scraped = new Set(targets.map((t) => t.pod.namespace));
            assert.ok(scraped.has("models"));
            if (withTenantApp) assert.ok(scraped.has("research"), "the tenant example's endpoint is a scrape target");
        });

        it("isolates tenants from each other, from monitoring, Langfuse, ClickHouse and the platform's models", () => {
            assert.ok(v.tenants.length >= 2);
            assert.deepEqual(flowFindings(v.objects, v.facts, isolationFlows(v)), []);
        });

        it("fences monitoring, Langfuse, ClickHouse and the platform's models on their own: a pod whose egress is open still cannot connect", () => {
            const { prometheus, grafana, alertmanager, langfuseWeb, clickhouse } = CHART_PODS;
            const open = pod("default", { app: "anything" });
            const vllm = v.pods.filter((p) => p.namespace === "models").map((m) => [m, 8000] as const);
            const published = (p: Pod) => v.albTargets.some((t) => t.pod === p);
            const flows = [[prometheus, 9090], [grafana, 3000], [alertmanager, 9093], [langfuseWeb, 3000], [clickhouse, 8123], [clickhouse, 9000], ...vllm]
                .map(([to, port]) => expect(open, at(to as Pod), port as number, published(to as Pod) ? "allowed" : "denied", published(to as Pod)
                    ? "published through the ALB, whose addresses are VPC addresses like any pod's: its login guards it"
                    : "the platform's data and models stay behind the platform"));
            assert.deepEqual(flowFindings(v.objects, v.facts, flows), []);
            if (stack === "prod" && !auto) assert.deepEqual(v.albTargets.map((t) => t.ingress).sort(), ["langfuse/langfuse", "monitoring/grafana"]);
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

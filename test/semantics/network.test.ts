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
} from "../harness/network";

const POD_CIDR = "10.40.0.0/16";
const ON: NetworkFacts = { enforced: true, podCidr: POD_CIDR };

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

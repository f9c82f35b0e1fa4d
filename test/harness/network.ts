/**
 * NetworkPolicy reachability: from every `networking.k8s.io/v1`
 * NetworkPolicy and the cluster's enforcement setting, whether one flow
 * (a pod or an address, to a pod or an address, on a port) is allowed.
 *
 * Kubernetes semantics (kubernetes.io "Network Policies"; the API types in
 * k8s.io/api/networking/v1):
 * - a pod is isolated for a direction only when some policy in its namespace
 *   selects it and lists that direction in `policyTypes`; `policyTypes`
 *   defaults to Ingress, plus Egress when the policy has egress rules;
 * - a flow needs the source's egress AND the destination's ingress;
 * - within one peer, namespaceSelector and podSelector are ANDed; separate
 *   peers (and separate rules, and separate policies) are ORed;
 * - an absent or empty `from`/`to` is every source/destination, an absent or
 *   empty `ports` is every port; a named port is resolved against the
 *   destination pod's container ports; `endPort` makes a range; protocol
 *   defaults to TCP.
 *
 * What the Amazon VPC CNI's network policy agent adds (EKS user guide
 * "Limit Pod traffic with Kubernetes network policies", awsdocs/amazon-eks-user-guide
 * latest/ug/networking/cni-network-policy.adoc; aws/aws-network-policy-agent v1.3.7
 * pkg/fwruleprocessor/fw_rule_processor.go):
 * - the node's own IP is always allowed, in both directions (kubelet probes,
 *   port-forward, host-network pods): "Traffic from the local node should
 *   always be allowed. Add NodeIP by default to map entries.";
 * - any other address, link-local included (the EKS Pod Identity agent on
 *   169.254.170.23), is matched like any ipBlock: a pod isolated for egress
 *   needs a rule for it;
 * - pods take VPC addresses (from their nodes' subnets), and the agent matches
 *   CIDRs on addresses only, so an ipBlock that covers part of those ranges may match pods; the
 *   API server reaches webhooks from the control plane's ENIs in the cluster's
 *   subnets, i.e. from a VPC address, not from a pod;
 * - rules for the other IP family are ignored (an IPv4 cluster skips IPv6 CIDRs).
 */
import type { KubernetesObject } from "./conformance";
import type { RecordedResource } from "../../plan/recorder";
import { workloadOf, type PodSpec } from "../../policies/lib/pod-specs";

export interface ContainerPort {
    name?: string;
    containerPort: number;
    protocol?: string;
}

/** A pod, as NetworkPolicy sees it: its namespace, its labels and its container ports. */
export interface Pod {
    /** For messages, e.g. `Deployment models/qwen25-7b`. */
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ports: ContainerPort[];
    /** Host-network pods have the node's address: NetworkPolicy does not apply to them. */
    hostNetwork?: boolean;
    /** Its ServiceAccount (Pod Identity associations bind IAM roles to one). */
    serviceAccount?: string;
}

/** Where a flow starts or ends: a pod, or an address that is not a pod (the API server, the node, the internet). */
export type Endpoint = { pod: Pod } | { address: string; name: string; node?: boolean };

/** A Service, as the VPC CNI's policy controller reads it. */
export interface Service {
    name: string;
    namespace: string;
    selector: Record<string, string>;
    ports: { name?: string; port: number; targetPort?: number | string; protocol?: string }[];
    /** `clusterIP: None`: clients reach the pods' own addresses. */
    headless?: boolean;
}

export interface Flow {
    from: Endpoint;
    to: Endpoint;
    /** Destination port: a number, or the name of one of the destination pod's container ports; with `via`, the Service's port. */
    port: number | string;
    /** Default TCP. */
    protocol?: string;
    /** The Service whose ClusterIP the source connects to; `to` is the backend pod it leads to. */
    via?: Service;
}

/** What the evaluator needs to know of the cluster besides its objects. */
export interface NetworkFacts {
    /** Whether the CNI enforces NetworkPolicy at all (`networkPolicyEnforced`). */
    enforced: boolean;
    /** The ranges pods take addresses from: with the VPC CNI, the subnets of the nodes (the VPC's private subnets). */
    podCidrs: string[];
    /** The addresses Services' ClusterIPs take. */
    serviceCidr: string;
}

export interface Decision {
    allowed: boolean;
    /** Why, naming the policies or the rule that decided. */
    reason: string;
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type PolicyPort = { port?: number | string; endPort?: number; protocol?: string };
type PolicyPeer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } };
type Rule = { peers?: PolicyPeer[]; ports?: PolicyPort[] };

interface Policy {
    name: string;
    namespace: string;
    podSelector: Selector;
    types: Set<"Ingress" | "Egress">;
    ingress: Rule[];
    egress: Rule[];
}

/** A label selector (metav1.LabelSelector): matchLabels and matchExpressions ANDed; an empty selector matches everything. */
export function selectorMatches(selector: Selector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    const labelsOk = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    return labelsOk && (selector.matchExpressions ?? []).every((e) => {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        switch (e.operator) {
            case "In": return has && (e.values ?? []).includes(labels[e.key]);
            case "NotIn": return !has || !(e.values ?? []).includes(labels[e.key]);
            case "Exists": return has;
            case "DoesNotExist": return !has;
            default: throw new Error(`unknown label selector operator ${e.operator}`);
        }
    });
}

const isPolicy = (o: KubernetesObject) => o.kind === "NetworkPolicy" && o.apiVersion === "networking.k8s.io/v1";

function parsePolicy(o: KubernetesObject): Policy {
    const spec = (o.spec ?? {}) as Record<string, any>;
    const egress: Record<string, any>[] = spec.egress ?? [];
    // Defaulting (networking/v1 SetDefaults_NetworkPolicy): Ingress always, Egress when there are egress rules.
    const types: string[] = spec.policyTypes ?? ["Ingress", ...(egress.length > 0 ? ["Egress"] : [])];
    return {
        name: o.metadata?.name ?? "(unnamed)",
        namespace: o.metadata?.namespace ?? "default",
        podSelector: spec.podSelector ?? {},
        types: new Set(types as ("Ingress" | "Egress")[]),
        ingress: (spec.ingress ?? []).map((r: Record<string, any>) => ({ peers: r.from, ports: r.ports })),
        egress: egress.map((r) => ({ peers: r.to, ports: r.ports })),
    };
}

// IPv4 arithmetic: [first, last] address ranges.
type Range = [number, number];
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/** The range of an IPv4 address or CIDR, or undefined for an IPv6 one (ignored in an IPv4 cluster). */
function rangeOf(cidr: string): Range | undefined {
    const m = IPV4.exec(cidr);
    if (!m) {
        if (cidr.includes(":")) return undefined;
        throw new Error(`not an IP address or CIDR: ${cidr}`);
    }
    const base = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(m[5] ?? 32));
    const first = base - (base % size);
    return [first, first + size - 1];
}

const overlaps = (a: Range, b: Range) => a[0] <= b[1] && b[0] <= a[1];
const within = (a: Range, b: Range) => a[0] >= b[0] && a[1] <= b[1];

/** Whether an ipBlock may match some address of `range` (for a pod: any address it may take). */
function ipBlockMatches(block: { cidr: string; except?: string[] }, range: Range): boolean {
    const cidr = rangeOf(block.cidr);
    if (!cidr || !overlaps(cidr, range)) return false;
    return !(block.except ?? []).some((e) => {
        const except = rangeOf(e);
        return except !== undefined && within(range, except);
    });
}

class Evaluator {
    private readonly policies: Policy[];
    private readonly namespaceLabels = new Map<string, Record<string, string>>();

    constructor(objects: readonly KubernetesObject[], private readonly facts: NetworkFacts) {
        this.policies = objects.filter(isPolicy).map(parsePolicy);
        for (const o of objects) {
            if (o.kind === "Namespace" && o.metadata?.name) this.namespaceLabels.set(o.metadata.name, (o.metadata.labels ?? {}) as Record<string, string>);
        }
    }

    /** A namespace's labels; the API server sets `kubernetes.io/metadata.name` on every namespace. */
    private labelsOf(namespace: string): Record<string, string> {
        return { ...(this.namespaceLabels.get(namespace) ?? {}), "kubernetes.io/metadata.name": namespace };
    }

    private peerMatches(peer: PolicyPeer, policyNamespace: string, other: Endpoint): boolean {
        if (peer.ipBlock) {
            if ("pod" in other) return this.facts.podCidrs.some((cidr) => ipBlockMatches(peer.ipBlock!, rangeOf(cidr)!));
            const range = rangeOf(other.address);
            return range !== undefined && ipBlockMatches(peer.ipBlock, range);
        }
        if (!("pod" in other)) return false;
        const pod = other.pod;
        const namespaceOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, this.labelsOf(pod.namespace)) : pod.namespace === policyNamespace;
        return namespaceOk && selectorMatches(peer.podSelector, pod.labels);
    }

    private portMatches(ports: PolicyPort[] | undefined, flow: Flow, protocol: string, number: number | undefined): boolean {
        if (!ports || ports.length === 0) return true;
        return ports.some((p) => {
            if ((p.protocol ?? "TCP") !== protocol) return false;
            if (p.port === undefined) return true;
            // A named port means the destination pod's container port of that name (and protocol).
            const wanted = typeof p.port === "string" ? namedPort(flow.to, p.port, protocol) : p.port;
            if (wanted === undefined || number === undefined) return false;
            return p.endPort !== undefined && typeof p.port === "number" ? number >= wanted && number <= p.endPort : number === wanted;
        });
    }

    private ruleMatches(rule: Rule, policy: Policy, other: Endpoint, flow: Flow, protocol: string, number: number | undefined): boolean {
        const peerOk = !rule.peers || rule.peers.length === 0 || rule.peers.some((peer) => this.peerMatches(peer, policy.namespace, other));
        return peerOk && this.portMatches(rule.ports, flow, protocol, number);
    }

    /** The side's verdict: not isolated, or allowed/denied by the policies that isolate the pod. */
    private side(direction: "Ingress" | "Egress", pod: Pod, other: Endpoint, flow: Flow, protocol: string, number: number | undefined): Decision {
        const isolating = this.policies.filter((p) => p.namespace === pod.namespace && p.types.has(direction) && selectorMatches(p.podSelector, pod.labels));
        if (isolating.length === 0) return { allowed: true, reason: `${pod.name} is not isolated for ${direction.toLowerCase()}` };
        if (!("pod" in other) && other.node) return { allowed: true, reason: "the node's own address is always allowed (aws-network-policy-agent)" };
        const allowing = isolating.filter((p) => (direction === "Ingress" ? p.ingress : p.egress).some((r) => this.ruleMatches(r, p, other, flow, protocol, number)));
        const names = (ps: Policy[]) => ps.map((p) => `${p.namespace}/${p.name}`).join(", ");
        return allowing.length > 0
            ? { allowed: true, reason: `${direction.toLowerCase()} allowed by ${names(allowing)}` }
            : { allowed: false, reason: `${direction.toLowerCase()} of ${pod.name} is isolated by ${names(isolating)} and no rule allows it` };
    }

    decide(flow: Flow): Decision {
        if (!this.facts.enforced) return { allowed: true, reason: "NetworkPolicy is not enforced on this cluster" };
        const protocol = flow.protocol ?? "TCP";
        if (flow.via) return this.decideViaService(flow as Flow & { via: Service }, protocol);
        const number = typeof flow.port === "number" ? flow.port : namedPort(flow.to, flow.port, protocol);
        const sides: Decision[] = [];
        if ("pod" in flow.from && !flow.from.pod.hostNetwork) sides.push(this.side("Egress", flow.from.pod, flow.to, flow, protocol, number));
        if ("pod" in flow.to && !flow.to.pod.hostNetwork) sides.push(this.side("Ingress", flow.to.pod, flow.from, flow, protocol, number));
        const denied = sides.find((s) => !s.allowed);
        return denied ?? { allowed: true, reason: sides.map((s) => s.reason).join("; ") || "neither end is a pod NetworkPolicy applies to" };
    }

    /**
     * Through a Service's ClusterIP. The destination pod sees the connection
     * after kube-proxy's DNAT, on the container port. The source's egress
     * probe sits on its veth and sees the ClusterIP, so the VPC CNI's policy
     * controller (aws/amazon-network-policy-controller-k8s v1.1.7,
     * pkg/resolvers/endpoints.go getMatchingServiceClusterIPs) adds a
     * Service's ClusterIP to an egress rule only when the rule's peer selects
     * the Service's namespace, its podSelector matches the Service's own
     * `spec.selector` labels, the Service is not headless, and each policy port
     * maps to a Service port (pkg/k8s/service_utils.go), a named targetPort
     * never resolving to a container port the policy does not allow.
     */
    private decideViaService(flow: Flow & { via: Service }, protocol: string): Decision {
        const svc = flow.via;
        const servicePort = svc.ports.find((p) => p.port === flow.port && (p.protocol ?? "TCP") === protocol);
        const target = servicePort?.targetPort ?? servicePort?.port;
        const containerPort = typeof target === "string" ? namedPort(flow.to, target, protocol) : target;
        if (containerPort === undefined) return { allowed: false, reason: `Service ${svc.namespace}/${svc.name} has no ${protocol} port ${flow.port} leading to ${describeEndpoint(flow.to)}` };
        const sides: Decision[] = [];
        if ("pod" in flow.from && !flow.from.pod.hostNetwork) sides.push(this.serviceEgress(flow.from.pod, svc, flow, protocol));
        if ("pod" in flow.to && !flow.to.pod.hostNetwork) sides.push(this.side("Ingress", flow.to.pod, flow.from, { ...flow, via: undefined, port: containerPort }, protocol, containerPort));
        const denied = sides.find((d) => !d.allowed);
        return denied ?? { allowed: true, reason: sides.map((d) => d.reason).join("; ") };
    }

    private serviceEgress(pod: Pod, svc: Service, flow: Flow, protocol: string): Decision {
        const isolating = this.policies.filter((p) => p.namespace === pod.namespace && p.types.has("Egress") && selectorMatches(p.podSelector, pod.labels));
        if (isolating.length === 0) return { allowed: true, reason: `${pod.name} is not isolated for egress` };
        const clusterIp = rangeOf(this.facts.serviceCidr)!;
        const ruleAllows = (rule: Rule, policy: Policy) => {
            if (!rule.peers || rule.peers.length === 0) return this.portMatches(rule.ports, flow, protocol, flow.port as number);
            return rule.peers.some((peer) => {
                if (peer.ipBlock) return ipBlockMatches(peer.ipBlock, clusterIp) && (!rule.ports?.length || rule.ports.some((p) => typeof p.port !== "string" && this.portMatches([p], flow, protocol, flow.port as number)));
                const namespaceOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, this.labelsOf(svc.namespace)) : svc.namespace === policy.namespace;
                return namespaceOk && !svc.headless && selectorMatches(peer.podSelector, svc.selector) && this.servicePortsAllow(rule.ports, svc, flow, protocol);
            });
        };
        const allowing = isolating.filter((p) => p.egress.some((r) => ruleAllows(r, p)));
        const names = (ps: Policy[]) => ps.map((p) => `${p.namespace}/${p.name}`).join(", ");
        return allowing.length > 0
            ? { allowed: true, reason: `egress to Service ${svc.namespace}/${svc.name} allowed by ${names(allowing)}` }
            : { allowed: false, reason: `egress of ${pod.name} is isolated by ${names(isolating)} and none lets it reach Service ${svc.namespace}/${svc.name}'s ClusterIP (the VPC CNI admits a ClusterIP only for a peer whose podSelector matches the Service's selector ${JSON.stringify(svc.selector)})` };
    }

    /** Whether some policy port maps to the Service port in use (pkg/k8s/service_utils.go LookupServiceListenPort, LookupListenPortFromPodSpec). */
    private servicePortsAllow(ports: PolicyPort[] | undefined, svc: Service, flow: Flow, protocol: string): boolean {
        if (!ports || ports.length === 0) return true;
        const backend = "pod" in flow.to ? flow.to.pod : undefined;
        return ports.some((p) => {
            if ((p.protocol ?? "TCP") !== protocol || p.port === undefined) return (p.protocol ?? "TCP") === protocol;
            const direct = svc.ports.find((sp) => sp.targetPort !== undefined && typeof sp.targetPort === typeof p.port && String(sp.targetPort) === String(p.port) && (sp.protocol ?? "TCP") === protocol);
            const container = backend?.ports.find((c) => (typeof p.port === "string" ? c.name === p.port : c.containerPort === p.port) && (c.protocol ?? "TCP") === protocol);
            const viaPod = container && svc.ports.find((sp) => (sp.protocol ?? "TCP") === protocol && (typeof sp.targetPort === "string" ? sp.targetPort === container.name : (sp.targetPort ?? sp.port) === container.containerPort));
            const listen = (direct ?? viaPod)?.port;
            if (listen !== flow.port) return false;
            // A numeric policy port through a named targetPort must not resolve to a container port the policy leaves closed.
            const named = svc.ports.find((sp) => sp.port === listen && (sp.protocol ?? "TCP") === protocol)?.targetPort;
            if (typeof p.port === "number" && typeof named === "string") {
                const resolved = backend?.ports.find((c) => c.name === named && (c.protocol ?? "TCP") === protocol)?.containerPort;
                return resolved === undefined || ports.some((q) => typeof q.port === "number" && (q.protocol ?? "TCP") === protocol && resolved >= q.port && resolved <= (q.endPort ?? q.port));
            }
            return true;
        });
    }
}

/** The Services `objects` declare. */
export function servicesOf(objects: readonly KubernetesObject[]): Service[] {
    return objects.filter((o) => o.kind === "Service" && o.apiVersion === "v1").map((o) => {
        const spec = (o.spec ?? {}) as { selector?: Record<string, string>; ports?: Service["ports"]; clusterIP?: string };
        return { name: o.metadata?.name ?? "(unnamed)", namespace: o.metadata?.namespace ?? "default", selector: spec.selector ?? {}, ports: spec.ports ?? [], headless: spec.clusterIP === "None" };
    });
}

function namedPort(to: Endpoint, name: string, protocol: string): number | undefined {
    if (!("pod" in to)) return undefined;
    return to.pod.ports.find((p) => p.name === name && (p.protocol ?? "TCP") === protocol)?.containerPort;
}

/** Decides one flow over `objects`' NetworkPolicies. */
export function decideFlow(objects: readonly KubernetesObject[], facts: NetworkFacts, flow: Flow): Decision {
    return new Evaluator(objects, facts).decide(flow);
}

export interface Expectation {
    flow: Flow;
    expect: "allowed" | "denied";
    /** Why the platform needs the flow (or must refuse it), for the finding. */
    why: string;
}

export function describeEndpoint(e: Endpoint): string {
    return "pod" in e ? e.pod.name : `${e.name} (${e.address})`;
}

/** Every expectation the policies contradict, one finding each naming source, destination, port and the deciding reason. */
export function flowFindings(objects: readonly KubernetesObject[], facts: NetworkFacts, expectations: readonly Expectation[]): string[] {
    const evaluator = new Evaluator(objects, facts);
    return expectations.flatMap(({ flow, expect, why }) => {
        const decision = evaluator.decide(flow);
        if (decision.allowed === (expect === "allowed")) return [];
        const verb = decision.allowed ? "is allowed but must be denied" : "is denied but is needed";
        const to = flow.via ? `Service ${flow.via.namespace}/${flow.via.name} → ${describeEndpoint(flow.to)}` : describeEndpoint(flow.to);
        return [`${describeEndpoint(flow.from)} → ${to} ${flow.protocol ?? "TCP"}/${flow.port} ${verb} (${why}): ${decision.reason}`];
    });
}

const TYPE_PREFIX: Record<string, string> = { v1: "core/v1" };

/** The pods `objects` declare (one per workload), with their labels and container ports. */
export function podsOf(objects: readonly KubernetesObject[]): Pod[] {
    return objects.flatMap((o) => {
        const workload = workloadOf(`kubernetes:${TYPE_PREFIX[o.apiVersion] ?? o.apiVersion}:${o.kind}`, o as Record<string, any>);
        if (!workload) return [];
        const spec = workload.spec as Omit<PodSpec, "containers"> & { containers?: { ports?: ContainerPort[] }[]; serviceAccountName?: string };
        const namespace = workload.namespace ?? "default";
        return [{
            name: `${o.kind} ${namespace}/${o.metadata?.name ?? "(unnamed)"}`,
            namespace,
            labels: workload.podLabels,
            ports: (spec.containers ?? []).flatMap((c) => c.ports ?? []),
            hostNetwork: spec.hostNetwork === true,
            serviceAccount: spec.serviceAccountName ?? "default",
        }];
    });
}

/** The kube-system ConfigMap whose `enable-network-policy-controller` key turns enforcement on in EKS Auto Mode. */
export const AUTO_MODE_CNI_CONFIG = { namespace: "kube-system", name: "amazon-vpc-cni", key: "enable-network-policy-controller" } as const;

/**
 * Whether the recorded program turns NetworkPolicy enforcement on:
 * - with the VPC CNI add-on that @pulumi/eks 4.3.0 manages, through
 *   `vpcCniOptions.enableNetworkPolicy`, which nodejs/eks/addons/cni-addon.ts
 *   (mergeConfigurationValues) writes as the add-on's `enableNetworkPolicy`
 *   configuration value unless `configurationValues` sets that key itself;
 * - in EKS Auto Mode (where @pulumi/eks creates no VPC CNI add-on), through the
 *   `amazon-vpc-cni` ConfigMap in kube-system with
 *   `enable-network-policy-controller: "true"` (EKS user guide, "Use Network
 *   Policies with EKS Auto Mode", latest/ug/automode/auto-net-pol.adoc).
 */
export function networkPolicyEnforced(resources: readonly RecordedResource[]): boolean {
    const clusters = resources.filter((r) => r.type === "eks:index:Cluster");
    if (clusters.length !== 1) throw new Error(`expected one eks:index:Cluster, found ${clusters.length}`);
    const inputs = clusters[0].inputs;
    if (inputs.autoMode?.enabled === true) {
        return resources.some((r) => {
            const o = r.inputs as KubernetesObject & { data?: Record<string, string> };
            return r.type.startsWith("kubernetes:core/v1:ConfigMap") && o.metadata?.namespace === AUTO_MODE_CNI_CONFIG.namespace
                && o.metadata?.name === AUTO_MODE_CNI_CONFIG.name && o.data?.[AUTO_MODE_CNI_CONFIG.key] === "true";
        });
    }
    if (inputs.useDefaultVpcCni === true) return false;
    const options = inputs.vpcCniOptions ?? {};
    const configured = options.configurationValues?.enableNetworkPolicy;
    return configured !== undefined ? String(configured) === "true" : options.enableNetworkPolicy === true;
}

/** One pod port Prometheus scrapes, and the monitor that asks for it. */
export interface ScrapeTarget {
    monitor: string;
    pod: Pod;
    port: number | string;
}

type ObjectWith<S> = KubernetesObject & { spec?: S };
type MonitorNamespaces = { any?: boolean; matchNames?: string[] };

function monitoredNamespaces(selector: MonitorNamespaces | undefined, own: string, namespace: string): boolean {
    if (selector?.any) return true;
    return (selector?.matchNames ?? [own]).includes(namespace);
}

/**
 * The pod ports every ServiceMonitor and PodMonitor in `objects` makes
 * Prometheus scrape (prometheus-operator: a ServiceMonitor endpoint's `port`
 * names a Service port, whose `targetPort` leads to the pods the Service
 * selects; a PodMonitor's `port` names a container port), and the monitors
 * whose targets are not among `objects` (chart Services before the charts are rendered).
 */
export function scrapeTargets(objects: readonly KubernetesObject[]): { targets: ScrapeTarget[]; unresolved: string[] } {
    const pods = podsOf(objects);
    const services = objects.filter((o) => o.kind === "Service" && o.apiVersion === "v1") as ObjectWith<{ selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] }>[];
    const targets: ScrapeTarget[] = [];
    const unresolved: string[] = [];
    for (const m of objects.filter((o) => o.apiVersion === "monitoring.coreos.com/v1" && (o.kind === "ServiceMonitor" || o.kind === "PodMonitor"))) {
        const spec = (m.spec ?? {}) as { selector?: Selector; namespaceSelector?: MonitorNamespaces; endpoints?: { port?: string; targetPort?: number | string }[]; podMetricsEndpoints?: { port?: string }[] };
        const own = m.metadata?.namespace ?? "default";
        const name = `${m.kind} ${own}/${m.metadata?.name}`;
        const found: ScrapeTarget[] = [];
        if (m.kind === "PodMonitor") {
            for (const pod of pods.filter((p) => monitoredNamespaces(spec.namespaceSelector, own, p.namespace) && selectorMatches(spec.selector, p.labels))) {
                for (const e of spec.podMetricsEndpoints ?? []) found.push({ monitor: name, pod, port: e.port! });
            }
        } else {
            const selected = services.filter((s) => monitoredNamespaces(spec.namespaceSelector, own, s.metadata?.namespace ?? "default") && selectorMatches(spec.selector, (s.metadata?.labels ?? {}) as Record<string, string>));
            for (const s of selected) {
                const backends = pods.filter((p) => p.namespace === s.metadata?.namespace && s.spec?.selector && selectorMatches({ matchLabels: s.spec.selector }, p.labels));
                for (const e of spec.endpoints ?? []) {
                    const servicePort = s.spec?.ports?.find((p) => p.name === e.port);
                    const port = e.targetPort ?? servicePort?.targetPort ?? servicePort?.port;
                    if (port === undefined) continue;
                    for (const pod of backends) found.push({ monitor: name, pod, port });
                }
            }
        }
        if (found.length === 0) unresolved.push(name);
        targets.push(...found);
    }
    return { targets, unresolved };
}

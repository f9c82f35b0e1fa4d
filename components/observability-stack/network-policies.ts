/**
 * The NetworkPolicies of the stack's namespaces: each closed to ingress but
 * from itself and the platform pods that need it, so no tenant can query
 * Prometheus, open Grafana or Alertmanager, or read Langfuse's and
 * ClickHouse's traces. The charts' own NetworkPolicy options were read and
 * not used: kube-prometheus-stack 88.5.3, Grafana and the Langfuse chart
 * fence single components (and the Prometheus one only renders rules given as
 * raw values), which leaves the operators, exporters and ClickHouse open;
 * one namespace-wide default-deny covers every pod, chart-made or operator-made.
 */
import { AGENT_POD_LABELS } from "../agent-service/manifests";
import { namespaceIngressPolicies, namespacePeer, platformPeer, tenantPeer, tcp } from "../internal/network-policy";
import type { KubernetesObject } from "../internal/k8s-object";
import { GATEWAY_POD_LABELS } from "../llm-gateway/manifests";
import { KEDA_NAMESPACE } from "../gpu-cluster/values";
import type { ResolvedObservabilityStackArgs } from "./args";
import { COLLECTOR_OTLP_PORT, COLLECTOR_POD_LABELS, renderCollectorEgressPolicy } from "./otel-collector";
import { CLICKHOUSE_OPERATOR_NAMESPACE, KUBE_PROMETHEUS_STACK_RELEASE, LANGFUSE_WEB_POD_LABELS, LANGFUSE_WEB_PORT, MONITORING_NAMESPACE } from "./values";

/** Grafana's pods (grafana chart `grafana.selectorLabels`, release kube-prometheus-stack) and their container port (`service.targetPort`). */
const GRAFANA_POD_LABELS = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": KUBE_PROMETHEUS_STACK_RELEASE };
const GRAFANA_CONTAINER_PORT = 3000;

/** The ALB of `ingress` targets pods by address (target-type ip), from its nodes in the subnets of its scheme. */
const fromLoadBalancer = (r: ResolvedObservabilityStackArgs) => r.loadBalancerSourceCidrs.map((cidr) => ({ ipBlock: { cidr } }));

const PART_OF = { "app.kubernetes.io/part-of": "genai-platform", "app.kubernetes.io/managed-by": "pulumi" };

/** Labels of the Prometheus pods the operator creates (kube-prometheus-stack 88.5.3 templates/prometheus/networkpolicy.yaml podSelector). */
export const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${KUBE_PROMETHEUS_STACK_RELEASE}-prometheus` };
export const PROMETHEUS_PORT = 9090;
/** The platform's Prometheus, as a NetworkPolicy peer: what scrapes every endpoint. */
export const PROMETHEUS_PEER = namespacePeer(MONITORING_NAMESPACE, PROMETHEUS_POD_LABELS);

/** The Prometheus operator's pods (templates/prometheus-operator/deployment.yaml selector) and its admission webhook port (`tls.internalPort`). */
const PROMETHEUS_OPERATOR_POD_LABELS = { app: `${KUBE_PROMETHEUS_STACK_RELEASE}-operator`, release: KUBE_PROMETHEUS_STACK_RELEASE };
const PROMETHEUS_OPERATOR_WEBHOOK_PORT = 10250;

/**
 * `monitoring`: KEDA's Prometheus scalers query Prometheus; the API server
 * calls the operator's admission webhook from the control plane's ENIs.
 * With the VPC CNI pods take VPC addresses too, so no CIDR tells the API
 * server from a pod: the webhook port is open to every address, and only it.
 * Grafana, Prometheus and Alertmanager stay reachable by port-forward (the
 * kubelet's node address is always allowed); Grafana also from the ALB when
 * the ingress publishes it.
 */
export function renderMonitoringNetworkPolicies(r: ResolvedObservabilityStackArgs): KubernetesObject[] {
    return namespaceIngressPolicies(MONITORING_NAMESPACE, PART_OF, [
        { name: "allow-keda-to-prometheus", podLabels: PROMETHEUS_POD_LABELS, from: [namespacePeer(KEDA_NAMESPACE)], ports: tcp([PROMETHEUS_PORT]) },
        { name: "allow-api-server-to-operator-webhook", podLabels: PROMETHEUS_OPERATOR_POD_LABELS, from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp([PROMETHEUS_OPERATOR_WEBHOOK_PORT]) },
        ...(r.ingress?.grafanaHost !== undefined
            ? [{ name: "allow-load-balancer-to-grafana", podLabels: GRAFANA_POD_LABELS, from: fromLoadBalancer(r), ports: tcp([GRAFANA_CONTAINER_PORT]) }]
            : []),
    ]);
}

/**
 * Langfuse's namespace, with its ClickHouse and the platform's OTel
 * collector: the gateway sends traces to langfuse-web (and the ALB, when the
 * ingress publishes it), tenants' AgentServices send theirs to the collector
 * only, the ClickHouse operator manages the ClickHouse and Keeper pods; web,
 * worker, ClickHouse and the collector talk among themselves (the collector
 * forwards to langfuse-web). Agents are admitted by their pods' label, which
 * a tenant could put on any pod: what that opens is the collector's OTLP
 * port, which holds no credential a sender could read and stamps each span
 * with the sender's own tenant; langfuse-web, the worker and ClickHouse stay
 * closed to every tenant pod. The collector's own egress is fenced too.
 */
export function renderLangfuseNetworkPolicies(r: ResolvedObservabilityStackArgs): KubernetesObject[] {
    return [
        ...namespaceIngressPolicies(r.langfuse.namespace, PART_OF, [
            { name: "allow-gateway-to-langfuse-web", podLabels: LANGFUSE_WEB_POD_LABELS, from: [platformPeer(GATEWAY_POD_LABELS)], ports: tcp([LANGFUSE_WEB_PORT]) },
            { name: "allow-agents-to-otel-collector", podLabels: COLLECTOR_POD_LABELS, from: [tenantPeer(AGENT_POD_LABELS)], ports: tcp([COLLECTOR_OTLP_PORT]) },
            { name: "allow-clickhouse-operator", from: [namespacePeer(CLICKHOUSE_OPERATOR_NAMESPACE)] },
            ...(r.ingress?.langfuseHost !== undefined
                ? [{ name: "allow-load-balancer-to-langfuse-web", podLabels: LANGFUSE_WEB_POD_LABELS, from: fromLoadBalancer(r), ports: tcp([LANGFUSE_WEB_PORT]) }]
                : []),
        ]),
        renderCollectorEgressPolicy(r),
    ];
}

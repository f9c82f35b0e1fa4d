/**
 * Pure renderers of the stack's own Kubernetes objects: namespaces, the
 * shells of its Secrets (the component adds the values), Grafana dashboard
 * ConfigMaps, the PrometheusRule and the ServiceMonitors nothing else creates.
 */
import { renderAlbIngress } from "../internal/alb-ingress";
import type { PodSecurityLevel } from "../internal/helm";
import type { KubernetesObject } from "../internal/k8s-object";
import type { ResolvedObservabilityStackArgs } from "./args";
import { GATEWAY_QUERIES, platformDashboards } from "./dashboards";
import {
    ALERTMANAGER_RECEIVERS_SECRET,
    DASHBOARD_LABEL,
    GRAFANA_ADMIN_SECRET,
    GRAFANA_SERVICE,
    GRAFANA_SERVICE_PORT,
    KUBE_PROMETHEUS_STACK_RELEASE,
    LANGFUSE_SECRET,
    LANGFUSE_WEB_PORT,
    LANGFUSE_WEB_SERVICE,
    MONITORING_NAMESPACE,
} from "./values";

const PART_OF = { "app.kubernetes.io/part-of": "genai-platform", "app.kubernetes.io/managed-by": "pulumi" };
/** What the release's own rule and monitor selectors would match, kept even though ours select everything. */
const RELEASE_LABEL = { release: KUBE_PROMETHEUS_STACK_RELEASE };

/** The Karpenter chart's Service carries its chart name and exposes `http-metrics`. */
export const KARPENTER_SERVICE_SELECTOR = { "app.kubernetes.io/name": "karpenter" };

/** Recorded every evaluation: one series per Deployment whose Service serves vLLM metrics (a model endpoint). */
export const MODEL_ENDPOINT_RECORD = "genai_platform:model_endpoint_deployment:info";

/**
 * Pod Security level per namespace: node-exporter needs host access, so
 * `monitoring` is privileged. The Langfuse namespace is restricted: web and
 * worker get the profile's security contexts from our values, and the
 * ClickHouse operator v0.0.5 gives its server, keeper and version-probe pods
 * (created in this namespace, where the chart renders the CRs) runAsNonRoot,
 * RuntimeDefault seccomp and `drop: [ALL]` (ClickHouse/clickhouse-operator
 * internal/controller/securitycontext.go, since fe80214; before it, v0.0.4
 * and older added IPC_LOCK, PERFMON and SYS_PTRACE, which even baseline refuses).
 */
export function renderNamespace(name: string, level: PodSecurityLevel): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name,
            labels: {
                ...PART_OF,
                "pod-security.kubernetes.io/enforce": level,
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    };
}

/** The Secret's shell; the component adds `stringData` (one key per `langfuseSecretKeys`) as a Pulumi secret. */
export function renderLangfuseSecret(r: ResolvedObservabilityStackArgs): KubernetesObject {
    return { apiVersion: "v1", kind: "Secret", metadata: { name: LANGFUSE_SECRET, namespace: r.langfuse.namespace, labels: PART_OF }, type: "Opaque" };
}

/** The shell of Alertmanager's receiver credentials; the component adds `stringData` as a Pulumi secret. */
export function renderAlertmanagerReceiversSecret(): KubernetesObject {
    return { apiVersion: "v1", kind: "Secret", metadata: { name: ALERTMANAGER_RECEIVERS_SECRET, namespace: MONITORING_NAMESPACE, labels: PART_OF }, type: "Opaque" };
}

/**
 * The Ingresses the stack's `ingress` asks for: langfuse-web and Grafana on
 * one HTTPS-only ALB (an IngressGroup named after the component), each health
 * -checked on its readiness endpoint.
 */
export function renderIngresses(r: ResolvedObservabilityStackArgs): { langfuse?: KubernetesObject; grafana?: KubernetesObject } {
    const ingress = r.ingress;
    if (!ingress) return {};
    const { langfuseHost, grafanaHost, ...alb } = ingress;
    const shared = { labels: PART_OF, groupName: r.name, tags: r.tags };
    return {
        ...(langfuseHost !== undefined
            ? { langfuse: renderAlbIngress(alb, { ...shared, name: "langfuse", namespace: r.langfuse.namespace, host: langfuseHost, service: LANGFUSE_WEB_SERVICE, port: LANGFUSE_WEB_PORT, healthcheckPath: "/api/public/ready" }) }
            : {}),
        ...(grafanaHost !== undefined
            ? { grafana: renderAlbIngress(alb, { ...shared, name: "grafana", namespace: MONITORING_NAMESPACE, host: grafanaHost, service: GRAFANA_SERVICE, port: GRAFANA_SERVICE_PORT, healthcheckPath: "/api/health" }) }
            : {}),
    };
}

/** Grafana's admin credentials, read by the chart through `grafana.admin.existingSecret`. */
export function renderGrafanaAdminSecret(): KubernetesObject {
    return { apiVersion: "v1", kind: "Secret", metadata: { name: GRAFANA_ADMIN_SECRET, namespace: MONITORING_NAMESPACE, labels: PART_OF }, type: "Opaque" };
}

/** One ConfigMap per dashboard, labelled for the Grafana sidecar. */
export function renderDashboardConfigMaps(): KubernetesObject[] {
    return Object.entries(platformDashboards()).map(([key, dashboard]) => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `genai-platform-dashboard-${key}`, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF, ...DASHBOARD_LABEL } },
        data: { [`genai-platform-${key}.json`]: JSON.stringify(dashboard, null, 2) },
    }));
}

interface Alert {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: "warning" | "critical" };
    annotations: { summary: string; description: string };
}

/** Pods asking for GPUs that the scheduler (and Karpenter) could not place. */
export const GPU_PENDING_EXPR =
    'sum by (namespace, pod) (kube_pod_container_resource_requests{resource="nvidia_com_gpu"}) > 0' +
    ' and on (namespace, pod) (kube_pod_status_phase{phase="Pending"} == 1)';

export const POOL_AT_LIMIT_EXPR =
    'sum by (nodepool) (karpenter_nodepools_usage{resource_type="nvidia.com/gpu"}) >= sum by (nodepool) (karpenter_nodepools_limit{resource_type="nvidia.com/gpu"})';

/** The Service name is the Deployment name (ModelEndpoint names both after the endpoint). */
export const MODEL_ENDPOINT_RECORD_EXPR = 'label_replace(group by (namespace, service) (vllm:num_requests_running), "deployment", "$1", "service", "(.*)")';

/**
 * A model endpoint (a Deployment seen serving vLLM metrics in the last day)
 * that should run but has no available replica. kube-state-metrics exposes
 * no Deployment labels without an allow-list, so endpoints are known by the
 * metrics they serve rather than by `app.kubernetes.io/component`.
 */
export const ENDPOINT_UNAVAILABLE_EXPR =
    "(kube_deployment_spec_replicas > 0)" +
    " and on (namespace, deployment) (kube_deployment_status_replicas_available == 0)" +
    ` and on (namespace, deployment) max_over_time(${MODEL_ENDPOINT_RECORD}[1d])`;

function gpuAlerts(r: ResolvedObservabilityStackArgs): Alert[] {
    const alerts: Alert[] = [{
        alert: "GpuPodPendingTooLong",
        expr: GPU_PENDING_EXPR,
        for: r.alerts.gpuPendingFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "A pod requesting GPUs has been Pending too long",
            description: `{{ $labels.namespace }}/{{ $labels.pod }} has waited more than ${r.alerts.gpuPendingFor} for a GPU node: check Karpenter's logs, the pool's GPU limit and EC2 capacity.`,
        },
    }];
    if (r.karpenterNamespace !== false) {
        alerts.push({
            alert: "GpuPoolAtLimit",
            expr: POOL_AT_LIMIT_EXPR,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A GPU pool has provisioned all the GPUs its limit allows",
                description: "NodePool {{ $labels.nodepool }} is at its nvidia.com/gpu limit: further GPU pods stay Pending until it is raised or load drops.",
            },
        });
    }
    return alerts;
}

function endpointAlert(r: ResolvedObservabilityStackArgs): Alert {
    return {
        alert: "ModelEndpointNoReadyReplica",
        expr: ENDPOINT_UNAVAILABLE_EXPR,
        for: r.alerts.endpointUnavailableFor,
        labels: { severity: "critical" },
        annotations: {
            summary: "A model endpoint has no available replica",
            description: `{{ $labels.namespace }}/{{ $labels.deployment }} has had no available replica for ${r.alerts.endpointUnavailableFor}: the gateway's routes to it fail or fall back.`,
        },
    };
}

function gatewayAlert(r: ResolvedObservabilityStackArgs): Alert {
    const percent = `${Math.round(r.alerts.gatewayErrorRatio * 1000) / 10}%`;
    return {
        alert: "GatewayHighErrorRate",
        expr: `${GATEWAY_QUERIES.errorRatio} > ${r.alerts.gatewayErrorRatio}`,
        for: "10m",
        labels: { severity: "critical" },
        annotations: {
            summary: "The LLM gateway answers too many requests with server errors",
            description: `More than ${percent} of gateway requests got a server error (5xx) over the last 5 minutes: check the gateway's logs and its model endpoints.`,
        },
    };
}

/** The platform's alert rules, picked up by Prometheus from any namespace. */
export function renderAlertRules(r: ResolvedObservabilityStackArgs): KubernetesObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "genai-platform", namespace: MONITORING_NAMESPACE, labels: { ...PART_OF, ...RELEASE_LABEL } },
        spec: {
            groups: [
                { name: "genai-platform.gpu", rules: gpuAlerts(r) },
                {
                    name: "genai-platform.model-endpoints",
                    rules: [{ record: MODEL_ENDPOINT_RECORD, expr: MODEL_ENDPOINT_RECORD_EXPR }, endpointAlert(r)],
                },
                { name: "genai-platform.gateway", rules: [gatewayAlert(r)] },
            ],
        },
    };
}

function serviceMonitor(name: string, selector: Record<string, string>, namespaceSelector: Record<string, unknown>, port: string, path: string): KubernetesObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name, namespace: MONITORING_NAMESPACE, labels: { ...PART_OF, ...RELEASE_LABEL } },
        spec: {
            selector: { matchLabels: selector },
            namespaceSelector,
            endpoints: [{ port, path, interval: "30s" }],
        },
    };
}

/**
 * Scrapes that no chart or component sets up: on Karpenter clusters,
 * Karpenter's node and pool metrics (its chart's ServiceMonitor is off).
 * DCGM, vLLM and each LlmGateway (with its own scrape key) bring their own.
 */
export function renderServiceMonitors(r: ResolvedObservabilityStackArgs): KubernetesObject[] {
    if (r.karpenterNamespace === false) return [];
    return [serviceMonitor("genai-platform-karpenter", KARPENTER_SERVICE_SELECTOR, { matchNames: [r.karpenterNamespace] }, "http-metrics", "/metrics")];
}

/**
 * The platform's OpenTelemetry Collector: the only holder of the Langfuse
 * project keys that tenants' traces pass through. Tenants' AgentServices
 * export OTLP/HTTP to it with no credential at all; it stamps each batch with
 * the tenant of the pod that sent it (from the sending pod's namespace, found
 * by the connection's address) and forwards to langfuse-web's OTel endpoint
 * with the project keys. The keys never leave the Langfuse namespace: the
 * collector runs there and reads them from the component's own Secret by
 * secretKeyRef (a secretKeyRef reaches only its pod's namespace).
 *
 * Pure renderers: no Pulumi and no secret value (the config names the keys
 * by `${env:...}`; the environment takes them from the Secret).
 *
 * Config semantics, at the pinned distribution (otelcol-k8s 0.159.0):
 * - `otlp` receiver (open-telemetry/opentelemetry-collector v0.159.0
 *   receiver/otlpreceiver/README.md): `protocols.http.endpoint`, default
 *   localhost:4318, so the pod's address is given;
 * - `otlp_http` exporter (same tag, exporter/otlphttpexporter/config.go,
 *   metadata.yaml `type: otlp_http`, `otlphttp` a deprecated alias):
 *   `endpoint` + "/v1/traces", `auth.authenticator`;
 * - `basicauth` extension, `client_auth.username/password`: the
 *   `Authorization: Basic base64(user:pass)` header, which langfuse-web's
 *   `/api/public/otel/v1/traces` verifies as public key : secret key
 *   (langfuse/langfuse v4.4.0, the chart 2.0.0 appVersion:
 *   web/src/pages/api/public/otel/v1/traces/index.ts,
 *   web/src/features/public-api/server/createAuthedProjectAPIRoute.ts);
 * - `k8sattributes` (opentelemetry-collector-contrib
 *   processor/k8sattributesprocessor config.go / config.schema.yaml; contrib
 *   read at its newest stored version, Aug 2026: its full snapshot is too large
 *   to fetch at the v0.159.0 tag, and these keys predate it):
 *   `pod_association[].sources[].from: connection`, `extract.metadata`,
 *   `extract.labels[] {tag_name, key, from: namespace}`, `wait_for_metadata`.
 *   Its processor.go `setResourceAttribute` never overwrites an attribute the
 *   client already sent, and falls back to the client's `k8s.namespace.name`
 *   when no pod matches: so the client's copies are deleted first;
 * - `transform` (`trace_statements[] {context, statements}`,
 *   processor/transformprocessor/internal/common/config.schema.yaml) and
 *   `filter` (`trace_conditions[] {context, conditions}`,
 *   processor/filterprocessor/internal/condition/config.go; added in contrib
 *   v0.146.0, opentelemetry.io blog 2026-02-17 "OTTL context inference comes
 *   to the Filter Processor"; `traces.span` is the deprecated form), OTTL;
 * - `memory_limiter` (`check_interval`, `limit_percentage`,
 *   `spike_limit_percentage`), `batch`, `health_check` (`endpoint`, path `/`).
 * Every one is in the otelcol-k8s distribution's manifest
 * (open-telemetry/opentelemetry-collector-releases v0.159.0
 * distributions/otelcol-k8s/manifest.yaml); k8sattributes is not in the core
 * distribution (distributions/otelcol/manifest.yaml).
 */
import { createHash } from "crypto";
import { stringify } from "yaml";
import type { KubernetesObject } from "../internal/k8s-object";
import { namespacePeer, tcp, TENANT_NAMESPACE_LABEL } from "../internal/network-policy";
import { IMAGES } from "../internal/versions";
import type { ResolvedObservabilityStackArgs } from "./args";
import { langfuseHost, LANGFUSE_SECRET, LANGFUSE_WEB_POD_LABELS, LANGFUSE_WEB_PORT, SECRET_KEYS } from "./values";

export const COLLECTOR_NAME = "otel-collector";
/** OTLP over HTTP: what the agents' OTel SDKs export with (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
export const COLLECTOR_OTLP_PORT = 4318;
/** The health_check extension's port (the distribution's default, 13133). */
export const COLLECTOR_HEALTH_PORT = 13133;
/** The image's user (otelcol-k8s Dockerfile `ARG USER_UID=10001`, `USER_GID=10001`). */
export const COLLECTOR_UID = 10001;
export const COLLECTOR_CONFIG_KEY = "config.yaml";
const CONFIG_DIR = "/conf";

/** The resource attribute every forwarded span carries: the sending pod's tenant, as its namespace's label says. */
export const TENANT_ATTRIBUTE = "tenant";
/** Span attributes the workflow may set that Langfuse shows as the tenant (trace metadata); overwritten with the collector's value. */
export const TENANT_SPAN_ATTRIBUTES = [TENANT_ATTRIBUTE, "langfuse.trace.metadata.tenant"] as const;

export const COLLECTOR_POD_LABELS = { "app.kubernetes.io/name": COLLECTOR_NAME, "app.kubernetes.io/instance": COLLECTOR_NAME } as const;
const PART_OF = { "app.kubernetes.io/part-of": "genai-platform", "app.kubernetes.io/managed-by": "pulumi" };
const labels = { ...COLLECTOR_POD_LABELS, ...PART_OF };

/** Environment variables the config reads (`${env:NAME}`): the pod's address and the two project keys. */
const ENV = { podIp: "POD_IP", publicKey: "LANGFUSE_PUBLIC_KEY", secretKey: "LANGFUSE_SECRET_KEY" } as const;
const env = (name: string) => `\${env:${name}}`;

/** Where tenants send traces: the collector's Service, OTLP/HTTP (the SDK appends `/v1/traces`). */
export function collectorEndpoint(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): string {
    return `http://${COLLECTOR_NAME}.${r.langfuse.namespace}.svc.cluster.local:${COLLECTOR_OTLP_PORT}`;
}

/** Langfuse's OTLP base (`/api/public/otel`); the exporter appends `/v1/traces`. */
export function langfuseOtlpEndpoint(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): string {
    return `${langfuseHost(r)}/api/public/otel`;
}

/**
 * The processors, in pipeline order. `k8sattributes` must see the request's
 * connection (no batching before it), and it only fills attributes the client
 * left unset, so `strip-client-identity` deletes every client-sent copy
 * first: the tenant a span ends up with is the one the collector found.
 */
export const TRACE_PROCESSORS = ["memory_limiter", "transform/strip-client-identity", "k8sattributes", "filter/unattributed", "transform/stamp-tenant", "batch"] as const;

export function renderCollectorConfig(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): Record<string, unknown> {
    return {
        extensions: {
            health_check: { endpoint: `${env(ENV.podIp)}:${COLLECTOR_HEALTH_PORT}` },
            "basicauth/langfuse": { client_auth: { username: env(ENV.publicKey), password: env(ENV.secretKey) } },
        },
        receivers: {
            otlp: { protocols: { http: { endpoint: `${env(ENV.podIp)}:${COLLECTOR_OTLP_PORT}` } } },
        },
        processors: {
            // Refuse data before the container's memory limit is hit (percentages of the cgroup limit).
            memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
            "transform/strip-client-identity": {
                error_mode: "ignore",
                trace_statements: [{
                    context: "resource",
                    statements: [`delete_key(resource.attributes, "${TENANT_ATTRIBUTE}")`, 'delete_matching_keys(resource.attributes, "^k8s\\\\.")'],
                }],
            },
            k8sattributes: {
                auth_type: "serviceAccount",
                passthrough: false,
                // Not ready (and no data accepted) until the pod and namespace caches have synced.
                wait_for_metadata: true,
                wait_for_metadata_timeout: "30s",
                // Only the connection's address: a resource attribute naming the pod would be the client's word.
                pod_association: [{ sources: [{ from: "connection" }] }],
                extract: {
                    metadata: ["k8s.namespace.name", "k8s.pod.name"],
                    labels: [{ tag_name: TENANT_ATTRIBUTE, key: TENANT_NAMESPACE_LABEL, from: "namespace" }],
                },
            },
            // Whatever no tenant namespace sent (no pod matched, or its namespace is not a tenant's) is dropped, never forwarded unattributed.
            "filter/unattributed": {
                error_mode: "ignore",
                trace_conditions: [{ context: "span", conditions: [`resource.attributes["${TENANT_ATTRIBUTE}"] == nil`] }],
            },
            "transform/stamp-tenant": {
                error_mode: "ignore",
                trace_statements: [{
                    context: "span",
                    statements: TENANT_SPAN_ATTRIBUTES.map((key) => `set(span.attributes["${key}"], resource.attributes["${TENANT_ATTRIBUTE}"])`),
                }],
            },
            batch: { send_batch_size: 512, timeout: "5s" },
        },
        exporters: {
            "otlp_http/langfuse": { endpoint: langfuseOtlpEndpoint(r), auth: { authenticator: "basicauth/langfuse" } },
        },
        service: {
            extensions: ["health_check", "basicauth/langfuse"],
            pipelines: { traces: { receivers: ["otlp"], processors: [...TRACE_PROCESSORS], exporters: ["otlp_http/langfuse"] } },
        },
    };
}

const metadata = (r: Pick<ResolvedObservabilityStackArgs, "langfuse">, name = COLLECTOR_NAME) => ({ name, namespace: r.langfuse.namespace, labels });

export function renderCollectorConfigMap(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): KubernetesObject {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: metadata(r), data: { [COLLECTOR_CONFIG_KEY]: stringify(renderCollectorConfig(r)) } };
}

export function renderCollectorServiceAccount(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): KubernetesObject {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata(r) };
}

/** k8sattributes watches pods (address → pod) and namespaces (their tenant label): read-only, nothing else. */
export function renderCollectorClusterRole(r: Pick<ResolvedObservabilityStackArgs, "name">): KubernetesObject {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: `${r.name}-${COLLECTOR_NAME}`, labels },
        rules: [{ apiGroups: [""], resources: ["pods", "namespaces"], verbs: ["get", "list", "watch"] }],
    };
}

export function renderCollectorClusterRoleBinding(r: Pick<ResolvedObservabilityStackArgs, "name" | "langfuse">): KubernetesObject {
    const name = `${r.name}-${COLLECTOR_NAME}`;
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [{ kind: "ServiceAccount", name: COLLECTOR_NAME, namespace: r.langfuse.namespace }],
    };
}

const secretEnv = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: LANGFUSE_SECRET, key } } });

/** Replicas: two in production (the PDB keeps one), one elsewhere. */
export const collectorReplicas = (r: Pick<ResolvedObservabilityStackArgs, "production">): number => (r.production ? 2 : 1);

/** Restricted Pod Security: non-root (the image's uid), no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root. */
export function renderCollectorDeployment(r: Pick<ResolvedObservabilityStackArgs, "langfuse" | "production">): KubernetesObject {
    const configHash = createHash("sha256").update(stringify(renderCollectorConfig(r))).digest("hex");
    const probe = (periodSeconds: number, failureThreshold: number) => ({ httpGet: { path: "/", port: "health" }, periodSeconds, failureThreshold, timeoutSeconds: 2 });
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(r),
        spec: {
            replicas: collectorReplicas(r),
            selector: { matchLabels: COLLECTOR_POD_LABELS },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                // A changed config rolls the pods (the collector reads its file once, at start).
                metadata: { labels, annotations: { "genai-platform.io/config-sha256": configHash } },
                spec: {
                    serviceAccountName: COLLECTOR_NAME,
                    securityContext: { runAsNonRoot: true, runAsUser: COLLECTOR_UID, runAsGroup: COLLECTOR_UID, seccompProfile: { type: "RuntimeDefault" } },
                    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: COLLECTOR_POD_LABELS } }],
                    containers: [{
                        name: "otel-collector",
                        image: IMAGES.otelCollector.image,
                        args: [`--config=file:${CONFIG_DIR}/${COLLECTOR_CONFIG_KEY}`],
                        ports: [
                            { name: "otlp-http", containerPort: COLLECTOR_OTLP_PORT, protocol: "TCP" },
                            { name: "health", containerPort: COLLECTOR_HEALTH_PORT, protocol: "TCP" },
                        ],
                        env: [
                            { name: ENV.podIp, valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                            secretEnv(ENV.publicKey, SECRET_KEYS.initPublicKey),
                            secretEnv(ENV.secretKey, SECRET_KEYS.initSecretKey),
                        ],
                        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                        readinessProbe: probe(5, 3),
                        livenessProbe: probe(10, 6),
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
                    }],
                    volumes: [{ name: "config", configMap: { name: COLLECTOR_NAME } }],
                },
            },
        },
    };
}

export function renderCollectorService(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(r),
        spec: { type: "ClusterIP", selector: COLLECTOR_POD_LABELS, ports: [{ name: "otlp-http", port: COLLECTOR_OTLP_PORT, targetPort: "otlp-http", protocol: "TCP" }] },
    };
}

/** Production only: with two replicas, a drain takes one at a time. */
export function renderCollectorPodDisruptionBudget(r: Pick<ResolvedObservabilityStackArgs, "langfuse" | "production">): KubernetesObject | undefined {
    if (!r.production) return undefined;
    return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: metadata(r), spec: { maxUnavailable: 1, selector: { matchLabels: COLLECTOR_POD_LABELS } } };
}

/**
 * The collector's egress: DNS, langfuse-web, and the API server on 443 for
 * k8sattributes' watches. The API server is the `kubernetes` Service's
 * ClusterIP, then the control plane's ENIs: addresses the component is not
 * given, so 443 is open to any address, and no other port is. It parses
 * tenants' data while holding the project keys: it reaches nothing else in
 * the cluster (ClickHouse, the worker, other namespaces).
 */
export function renderCollectorEgressPolicy(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): KubernetesObject {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: metadata(r, `${COLLECTOR_NAME}-egress`),
        spec: {
            podSelector: { matchLabels: COLLECTOR_POD_LABELS },
            policyTypes: ["Egress"],
            egress: [
                { to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
                { to: [namespacePeer(r.langfuse.namespace, LANGFUSE_WEB_POD_LABELS)], ports: tcp([LANGFUSE_WEB_PORT]) },
                { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp([443]) },
            ],
        },
    };
}

/** What tenants' AgentServices need of the collector: where to send, and who to allow egress to. */
export interface CollectorConnection {
    /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
    endpoint: string;
    /** The collector's namespace (Langfuse's). */
    namespace: string;
    /** Its pods' labels, for the agents' egress rule. */
    podLabels: Record<string, string>;
    /** Its pods' OTLP/HTTP port. */
    port: number;
}

export function collectorConnection(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): CollectorConnection {
    return { endpoint: collectorEndpoint(r), namespace: r.langfuse.namespace, podLabels: { ...COLLECTOR_POD_LABELS }, port: COLLECTOR_OTLP_PORT };
}

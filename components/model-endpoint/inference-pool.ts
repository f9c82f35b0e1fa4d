/**
 * Pure renderers of a kv-aware endpoint's routing objects: the endpoint
 * picker (EPP) of llm-d-router v0.10.0, the InferencePool
 * (`inference.networking.k8s.io/v1`) it serves, the HTTPRoute that attaches
 * the pool to the cluster's inference Gateway, and one InferenceObjective
 * (`llm-d.ai/v1alpha2`) per priority class. No Pulumi inside.
 *
 * The objects are those chart llm-d-router-gateway v0.10.0 renders with
 * `provider.name: none` and `httpRoute.create: true` (llm-d/llm-d-router
 * v0.10.0, config/charts/llm-d-router-gateway/templates/{epp,rbac,httproute}.yaml
 * and config/charts/routerlib/templates/{_inferencepool,_config,_deployment,
 * _service,_rbac,_inferenceobjective}.yaml), rendered here rather than by the
 * chart because the chart's EPP pod has no securityContext and no value to
 * give it one (routerlib `_deployment.yaml`), so the restricted Pod Security
 * of the endpoint's namespace would refuse it; the picker must run in the
 * pool's namespace (it watches the pool's pods there, and
 * `endpointPickerRef` names a Service of that namespace).
 */
import type { KubernetesObject } from "../internal/k8s-object";
import { IMAGES } from "../internal/versions";
import type { InferenceGatewayRef, ResolvedModelEndpointArgs } from "./args";
import { labels, LWS_WORKER_INDEX_LABEL, selectorLabels, VLLM_PORT } from "./manifests";

export const INFERENCE_POOL_API = "inference.networking.k8s.io/v1";
export const INFERENCE_OBJECTIVE_API = "llm-d.ai/v1alpha2";
/** EPP's ext-proc gRPC port (routerlib `epp.extProcPort`), which the Gateway's proxy calls. */
export const EPP_EXT_PROC_PORT = 9002;
/** EPP's gRPC health port (routerlib default `grpcHealthPort`). */
export const EPP_HEALTH_PORT = 9003;
/** EPP's metrics port (routerlib default `metricsPort`). */
export const EPP_METRICS_PORT = 9090;
/** The image's user (llm-d-router v0.10.0 Dockerfile.epp `USER 65532:65532`). */
const EPP_UID = 65532;

/**
 * The request header EPP v0.10.0 reads the InferenceObjective's name from
 * (pkg/epp/metadata/consts.go `ObjectiveKey`; `x-gateway-inference-objective`
 * is its deprecated alias). Objectives are looked up by name among those of
 * the pool (pkg/epp/datastore/datastore.go `ObjectiveGet`); an unknown or
 * missing name gets priority 0.
 */
export const OBJECTIVE_HEADER = "x-llm-d-inference-objective";

/** The header the gateway sets to pick an endpoint's HTTPRoute on the shared inference Gateway. */
export const ENDPOINT_HEADER = "x-genai-platform-endpoint";

/**
 * Priority classes a request can carry, each an InferenceObjective of every
 * pool. Higher is served first when the picker queues (flow control): per the
 * CRD, priority 10 is always served before 0 (no objective) and -10 after it.
 */
export const PRIORITY_CLASSES = { interactive: 10, batch: -10 } as const;
export type PriorityClass = keyof typeof PRIORITY_CLASSES;

/**
 * The pods the pool sends requests to: the endpoint's pods, and of a
 * multi-node endpoint (`nodes` > 1, a LeaderWorkerSet) only the group
 * leaders (LWS_WORKER_INDEX_LABEL "0"), the only pods that serve HTTP.
 */
export function poolSelector(podSelector: Record<string, string>, nodes = 1): Record<string, string> {
    return nodes > 1 ? { ...podSelector, [LWS_WORKER_INDEX_LABEL]: "0" } : { ...podSelector };
}

export const eppName = (r: Pick<ResolvedModelEndpointArgs, "name">): string => `${r.name}-epp`;
/** Name of the endpoint's InferenceObjective for `priority`. */
export const objectiveName = (endpoint: string, priority: PriorityClass): string => `${endpoint}-${priority}`;
/** The value of ENDPOINT_HEADER that selects this endpoint's HTTPRoute. */
export const endpointHeaderValue = (r: Pick<ResolvedModelEndpointArgs, "name" | "namespace">): string => `${r.namespace}.${r.name}`;

/** Pod labels of the endpoint's picker. */
export function eppSelectorLabels(r: Pick<ResolvedModelEndpointArgs, "name">): Record<string, string> {
    return { "app.kubernetes.io/name": "llm-d-router-epp", "app.kubernetes.io/instance": eppName(r) };
}

function eppMetadata(r: ResolvedModelEndpointArgs, name = eppName(r)) {
    return { name, namespace: r.namespace, labels: { ...labels(r), ...eppSelectorLabels(r), "app.kubernetes.io/component": "endpoint-picker" } };
}

/** The OpenAI base URL of the inference Gateway's Service (the implementation names it after the Gateway). */
export function gatewayBaseUrl(g: Pick<InferenceGatewayRef, "name" | "namespace" | "port">): string {
    return `http://${g.name}.${g.namespace}.svc.cluster.local:${g.port}/v1`;
}

/**
 * EPP's EndpointPickerConfig: the chart's `default-plugins.yaml` for vLLM over
 * HTTP (routerlib `_config.yaml`): queue, KV-cache-utilisation and
 * prefix-cache scorers weighted 2/2/3 over vLLM's /metrics, plus the
 * `flowControl` feature gate (off by default, cmd/epp/runner/runner.go), so
 * requests queue in the picker by InferenceObjective priority instead of only
 * shedding negative priorities when the pool saturates.
 */
export function eppConfig(): string {
    return [
        "apiVersion: llm-d.ai/v1alpha1",
        "kind: EndpointPickerConfig",
        "featureGates:",
        "- flowControl",
        "plugins:",
        "- type: queue-scorer",
        "- type: kv-cache-utilization-scorer",
        "- type: prefix-cache-scorer",
        "- type: metrics-data-source",
        "  parameters:",
        "    scheme: \"http\"",
        "    path: \"/metrics\"",
        "    insecureSkipVerify: true",
        "- type: core-metrics-extractor",
        "schedulingProfiles:",
        "- name: default",
        "  plugins:",
        "  - pluginRef: queue-scorer",
        "    weight: 2",
        "  - pluginRef: kv-cache-utilization-scorer",
        "    weight: 2",
        "  - pluginRef: prefix-cache-scorer",
        "    weight: 3",
        "",
    ].join("\n");
}

const EPP_CONFIG_FILE = "default-plugins.yaml";

export function renderEppServiceAccount(r: ResolvedModelEndpointArgs): KubernetesObject {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: eppMetadata(r) };
}

/** What EPP reads: its pool's pods, the pool, and the objectives (chart rbac.yaml + routerlib `_rbac.yaml`, llm-d.ai group only). */
export function renderEppRole(r: ResolvedModelEndpointArgs): KubernetesObject {
    const read = ["get", "watch", "list"];
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: eppMetadata(r),
        rules: [
            { apiGroups: [""], resources: ["pods"], verbs: read },
            { apiGroups: ["inference.networking.k8s.io"], resources: ["inferencepools"], verbs: read },
            { apiGroups: ["llm-d.ai"], resources: ["inferenceobjectives", "inferencemodelrewrites"], verbs: read },
        ],
    };
}

export function renderEppRoleBinding(r: ResolvedModelEndpointArgs): KubernetesObject {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: eppMetadata(r),
        subjects: [{ kind: "ServiceAccount", name: eppName(r), namespace: r.namespace }],
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: eppName(r) },
    };
}

export function renderEppConfigMap(r: ResolvedModelEndpointArgs): KubernetesObject {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: eppMetadata(r), data: { [EPP_CONFIG_FILE]: eppConfig() } };
}

/**
 * The picker's CPU request: what the scheduler reserves, not a cap (the
 * container sets no CPU limit, like upstream: routerlib v0.10.0 values.yaml
 * `epp.resources` "CPU limits unset for burst capacity", which requests 8 CPU
 * for large fleets). A production endpoint reserves a whole core for its
 * scoring under load; a non-production one (a dev stack's few requests)
 * reserves a quarter and bursts into the node's idle CPU when it needs more.
 */
export function eppCpuRequest(r: Pick<ResolvedModelEndpointArgs, "production">): string {
    return r.production ? "1" : "250m";
}

/**
 * One picker replica with Recreate, as upstream recommends (routerlib
 * `_deployment.yaml`: the prefix-cache index lives in the picker's memory).
 * The pool fails open (`endpointPickerRef.failureMode`), so while it restarts
 * the proxy still reaches a replica. Restricted Pod Security: the image runs
 * as 65532 and needs no writable root.
 */
export function renderEppDeployment(r: ResolvedModelEndpointArgs): KubernetesObject {
    const grpcProbe = (service: string, periodSeconds: number) => ({ grpc: { port: EPP_HEALTH_PORT, service }, periodSeconds });
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: eppMetadata(r),
        spec: {
            replicas: 1,
            strategy: { type: "Recreate" },
            selector: { matchLabels: eppSelectorLabels(r) },
            template: {
                metadata: { labels: eppMetadata(r).labels },
                spec: {
                    serviceAccountName: eppName(r),
                    // The chart's: mirrors the longest grace period of the pool's pods.
                    terminationGracePeriodSeconds: 130,
                    securityContext: { runAsNonRoot: true, runAsUser: EPP_UID, runAsGroup: EPP_UID, seccompProfile: { type: "RuntimeDefault" } },
                    containers: [{
                        name: "epp",
                        image: IMAGES.endpointPicker.image,
                        imagePullPolicy: "IfNotPresent",
                        args: [
                            "--pool-name", r.name,
                            "--pool-namespace", r.namespace,
                            "--pool-group", "inference.networking.k8s.io",
                            "--zap-encoder", "json",
                            "--config-file", `/config/${EPP_CONFIG_FILE}`,
                            "--grpc-health-port", String(EPP_HEALTH_PORT),
                            "--tracing=false",
                        ],
                        ports: [
                            { name: "grpc", containerPort: EPP_EXT_PROC_PORT, protocol: "TCP" },
                            { name: "grpc-health", containerPort: EPP_HEALTH_PORT, protocol: "TCP" },
                            { name: "metrics", containerPort: EPP_METRICS_PORT, protocol: "TCP" },
                        ],
                        livenessProbe: { ...grpcProbe("inference-extension", 10), initialDelaySeconds: 5 },
                        readinessProbe: grpcProbe("inference-extension", 2),
                        env: [
                            { name: "NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                        ],
                        resources: { requests: { cpu: eppCpuRequest(r), memory: "1Gi" }, limits: { memory: "4Gi" } },
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            runAsNonRoot: true,
                            capabilities: { drop: ["ALL"] },
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        volumeMounts: [{ name: "plugins-config", mountPath: "/config", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
                    }],
                    volumes: [{ name: "plugins-config", configMap: { name: eppName(r) } }, { name: "tmp", emptyDir: {} }],
                },
            },
        },
    };
}

export function renderEppService(r: ResolvedModelEndpointArgs): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: eppMetadata(r),
        spec: {
            type: "ClusterIP",
            selector: eppSelectorLabels(r),
            ports: [
                { name: "grpc-ext-proc", protocol: "TCP", port: EPP_EXT_PROC_PORT, targetPort: EPP_EXT_PROC_PORT, appProtocol: "kubernetes.io/h2c" },
                { name: "http-metrics", protocol: "TCP", port: EPP_METRICS_PORT, targetPort: EPP_METRICS_PORT },
            ],
        },
    };
}

/**
 * The picker may always be evicted (one replica, so a PDB that kept it would
 * block every node drain): while it is gone the pool fails open and the proxy
 * still reaches a replica, only without prefix-cache scoring.
 */
export function renderEppPodDisruptionBudget(r: ResolvedModelEndpointArgs): KubernetesObject {
    return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: eppMetadata(r), spec: { maxUnavailable: 1, selector: { matchLabels: eppSelectorLabels(r) } } };
}

/** The pool of the endpoint's serving pods on vLLM's port, picked by its EPP; `nodes` > 1 selects only LWS leaders. */
export function renderInferencePool(r: ResolvedModelEndpointArgs, nodes = 1): KubernetesObject {
    return {
        apiVersion: INFERENCE_POOL_API,
        kind: "InferencePool",
        metadata: { name: r.name, namespace: r.namespace, labels: labels(r) },
        spec: {
            targetPorts: [{ number: VLLM_PORT }],
            selector: { matchLabels: poolSelector(selectorLabels(r), nodes) },
            endpointPickerRef: { name: eppName(r), port: { number: EPP_EXT_PROC_PORT }, failureMode: "FailOpen" },
        },
    };
}

/**
 * The endpoint's route on the shared inference Gateway: requests that carry
 * ENDPOINT_HEADER with this endpoint's value go to its pool. No request
 * timeout: agentgateway then sets none (v1.4.1 crates/agentgateway/src/http/
 * timeout.rs, `request_timeout: Option`), and LiteLLM's per-route timeout
 * governs long generations.
 */
export function renderHttpRoute(r: ResolvedModelEndpointArgs, gateway: InferenceGatewayRef): KubernetesObject {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: r.name, namespace: r.namespace, labels: labels(r) },
        spec: {
            parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gateway.name, namespace: gateway.namespace }],
            rules: [{
                matches: [{ path: { type: "PathPrefix", value: "/" }, headers: [{ type: "Exact", name: ENDPOINT_HEADER, value: endpointHeaderValue(r) }] }],
                backendRefs: [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: r.name }],
            }],
        },
    };
}

/** One InferenceObjective per priority class, on this endpoint's pool (routerlib `_inferenceobjective.yaml`). */
export function renderInferenceObjectives(r: ResolvedModelEndpointArgs): KubernetesObject[] {
    return (Object.entries(PRIORITY_CLASSES) as [PriorityClass, number][]).map(([priority, value]) => ({
        apiVersion: INFERENCE_OBJECTIVE_API,
        kind: "InferenceObjective",
        metadata: { name: objectiveName(r.name, priority), namespace: r.namespace, labels: labels(r) },
        spec: { priority: value, poolRef: { group: "inference.networking.k8s.io", name: r.name } },
    }));
}

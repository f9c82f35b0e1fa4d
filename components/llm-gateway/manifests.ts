/**
 * Pure renderers of the gateway's Kubernetes objects. No Pulumi inside; the
 * Secret's values are added by the component, never rendered here.
 */
import { architectureSelector } from "../internal/architecture";
import { createHash } from "crypto";
import { renderAlbIngress } from "../internal/alb-ingress";
import type { KubernetesObject } from "../internal/k8s-object";
import { litellmAdminContainer, litellmAdminPodSpec, litellmAdminScript, RERUN_WHEN_FAILED } from "../internal/litellm-admin";
import { IMAGES } from "../internal/versions";
import type { ResolvedLlmGatewayArgs } from "./args";
import { SECRET_ENV, secretEnvNames } from "./config";

export const GATEWAY_PORT = 4000;
export const CONFIG_FILE = "config.yaml";
/** LiteLLM serves `/metrics/`; `/metrics` only redirects there. */
export const METRICS_PATH = "/metrics/";
/** Key of the metrics token Secret that holds the scrape key. */
export const METRICS_TOKEN_KEY = "token";
/** How long the metrics-key registration may run, retries included. */
export const METRICS_KEY_DEADLINE_SECONDS = 600;
const CONFIG_DIR = "/etc/litellm";
/** Pod template annotation carrying the config's sha256: a config change rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = "genai-platform.io/config-sha256";
/** Pod template annotation carrying a keyed hash of the Secret's data (config.ts `secretDataDigest`): a rolled credential rolls the pods. */
export const SECRET_DIGEST_ANNOTATION = "genai-platform.io/secret-hmac-sha256";
/** `nobody`: a numeric UID so the kubelet can verify runAsNonRoot. */
const RUN_AS_USER = 65534;

export interface GatewayNames {
    deployment: string;
    service: string;
    serviceAccount: string;
    configMap: string;
    secret: string;
    /** Holds the key Prometheus scrapes /metrics with. */
    metricsSecret: string;
}

export function gatewayNames(r: Pick<ResolvedLlmGatewayArgs, "name">): GatewayNames {
    return {
        deployment: r.name,
        service: r.name,
        serviceAccount: r.name,
        configMap: `${r.name}-config`,
        secret: `${r.name}-env`,
        metricsSecret: `${r.name}-metrics-token`,
    };
}

/** The gateway's OpenAI-compatible base URL inside the cluster. */
export function inClusterBaseUrl(r: Pick<ResolvedLlmGatewayArgs, "name" | "namespace">): string {
    return `http://${gatewayNames(r).service}.${r.namespace}.svc.cluster.local:${GATEWAY_PORT}`;
}

export function selectorLabels(r: Pick<ResolvedLlmGatewayArgs, "name">): Record<string, string> {
    return { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/instance": r.name };
}

/** Labels every LlmGateway's pods carry, whatever its name: what NetworkPolicies elsewhere admit the platform's gateways by. */
export const GATEWAY_POD_LABELS = { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/component": "llm-gateway" } as const;

export function gatewayLabels(r: Pick<ResolvedLlmGatewayArgs, "name">): Record<string, string> {
    return { ...selectorLabels(r), ...GATEWAY_POD_LABELS, "app.kubernetes.io/part-of": "genai-platform" };
}

function metadata(r: ResolvedLlmGatewayArgs, name: string) {
    return { name, namespace: r.namespace, labels: gatewayLabels(r) };
}

/** The gateway's namespace, held to the restricted Pod Security Standard. */
export function renderNamespace(r: ResolvedLlmGatewayArgs): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: r.namespace,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    };
}

/** Pod Identity binds the Bedrock role to this account; LiteLLM never calls the Kubernetes API. */
export function renderServiceAccount(r: ResolvedLlmGatewayArgs): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: metadata(r, gatewayNames(r).serviceAccount),
        automountServiceAccountToken: false,
    };
}

export function renderConfigMap(r: ResolvedLlmGatewayArgs, configYaml: string): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: metadata(r, gatewayNames(r).configMap),
        data: { [CONFIG_FILE]: configYaml },
    };
}

/** The Secret's shell; the component adds `stringData` (one key per `secretEnvNames`) as a Pulumi secret. */
export function renderSecret(r: ResolvedLlmGatewayArgs): KubernetesObject {
    return { apiVersion: "v1", kind: "Secret", metadata: metadata(r, gatewayNames(r).secret), type: "Opaque" };
}

function env(r: ResolvedLlmGatewayArgs) {
    const secret = gatewayNames(r).secret;
    return [
        ...secretEnvNames(r).map((name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } })),
        // ElastiCache runs with in-transit encryption; LiteLLM passes REDIS_* settings to its Redis client.
        { name: "REDIS_SSL", value: "True" },
    ];
}

const withNodeSelector = (selector: Record<string, string>) => (Object.keys(selector).length > 0 ? { nodeSelector: selector } : {});

function topologySpread(r: ResolvedLlmGatewayArgs) {
    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable,
        labelSelector: { matchLabels: selectorLabels(r) },
        matchLabelKeys: ["pod-template-hash"],
    });
    // Production refuses to stack replicas in one zone; dev may (its nodes may span fewer zones).
    return [
        spread("topology.kubernetes.io/zone", r.production ? "DoNotSchedule" : "ScheduleAnyway"),
        spread("kubernetes.io/hostname", "ScheduleAnyway"),
    ];
}

const httpProbe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: "http" },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
});

function container(r: ResolvedLlmGatewayArgs) {
    const { cpuRequest, memoryRequest, cpuLimit, memoryLimit } = r.resources;
    return {
        name: "litellm",
        image: IMAGES.litellm.image,
        imagePullPolicy: "IfNotPresent",
        args: ["--config", `${CONFIG_DIR}/${CONFIG_FILE}`, "--port", String(GATEWAY_PORT)],
        ports: [{ name: "http", containerPort: GATEWAY_PORT, protocol: "TCP" }],
        env: env(r),
        resources: { requests: { cpu: cpuRequest, memory: memoryRequest }, limits: { cpu: cpuLimit, memory: memoryLimit } },
        // Startup applies database migrations before the server answers.
        startupProbe: httpProbe("/health/liveliness", 5, 60),
        readinessProbe: httpProbe("/health/readiness", 10, 3),
        livenessProbe: httpProbe("/health/liveliness", 15, 4),
        securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            // Not read-only: on start LiteLLM regenerates its Prisma client inside the image (BerriAI/litellm#13369).
            readOnlyRootFilesystem: false,
        },
        volumeMounts: [
            { name: "config", mountPath: CONFIG_DIR, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
        ],
    };
}

export function renderDeployment(r: ResolvedLlmGatewayArgs, configChecksum: string): KubernetesObject {
    const names = gatewayNames(r);
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(r, names.deployment),
        spec: {
            replicas: r.replicas,
            revisionHistoryLimit: 5,
            selector: { matchLabels: selectorLabels(r) },
            // Never drop below the desired replicas during a rollout.
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: gatewayLabels(r), annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum } },
                spec: {
                    serviceAccountName: names.serviceAccount,
                    automountServiceAccountToken: false,
                    // Streaming completions can run long; let them finish on shutdown.
                    terminationGracePeriodSeconds: 90,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: RUN_AS_USER,
                        runAsGroup: RUN_AS_USER,
                        fsGroup: RUN_AS_USER,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    topologySpreadConstraints: topologySpread(r),
                    // LiteLLM ships no confirmed arm64 build (versions.ts IMAGE_ARCHITECTURES): amd64 nodes only.
                    ...withNodeSelector(architectureSelector([IMAGES.litellm.image])),
                    containers: [container(r)],
                    volumes: [
                        { name: "config", configMap: { name: names.configMap } },
                        { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
                    ],
                },
            },
        },
    };
}

export function renderService(r: ResolvedLlmGatewayArgs): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(r, gatewayNames(r).service),
        spec: {
            type: "ClusterIP",
            selector: selectorLabels(r),
            ports: [{ name: "http", port: GATEWAY_PORT, targetPort: "http", protocol: "TCP" }],
        },
    };
}

/** One pod at a time may be evicted, whatever the replica count. */
export function renderPodDisruptionBudget(r: ResolvedLlmGatewayArgs): KubernetesObject {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: metadata(r, r.name),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(r) } },
    };
}

/** An HTTPS-only ALB targeting the pods directly (class `alb`, served by GpuCluster's `albIngress`). */
export function renderIngress(r: ResolvedLlmGatewayArgs): KubernetesObject | undefined {
    if (!r.ingress) return undefined;
    const { host, ...alb } = r.ingress;
    return renderAlbIngress(alb, {
        ...metadata(r, r.name),
        host,
        service: gatewayNames(r).service,
        port: GATEWAY_PORT,
        healthcheckPath: "/health/readiness",
        tags: r.tags,
    });
}

/** The metrics token Secret's shell; the component adds the key (`stringData.token`) as a Pulumi secret. */
export function renderMetricsTokenSecret(r: ResolvedLlmGatewayArgs): KubernetesObject {
    return { apiVersion: "v1", kind: "Secret", metadata: metadata(r, gatewayNames(r).metricsSecret), type: "Opaque" };
}

/**
 * Prometheus scrapes this gateway's /metrics/ with the metrics key as a bearer
 * token. It lives beside the gateway because the operator reads
 * `authorization.credentials` from the ServiceMonitor's own namespace
 * (prometheus-operator ServiceMonitor CRD, kube-prometheus-stack 88.5.3).
 */
export function renderServiceMonitor(r: ResolvedLlmGatewayArgs): KubernetesObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: metadata(r, r.name),
        spec: {
            selector: { matchLabels: selectorLabels(r) },
            namespaceSelector: { matchNames: [r.namespace] },
            endpoints: [{
                port: "http",
                path: METRICS_PATH,
                interval: "30s",
                authorization: { type: "Bearer", credentials: { name: gatewayNames(r).metricsSecret, key: METRICS_TOKEN_KEY } },
            }],
        },
    };
}

/** The metrics key's alias in the gateway: one per gateway. */
export function metricsKeyAlias(r: Pick<ResolvedLlmGatewayArgs, "name">): string {
    return `genai-platform/metrics/${r.name}`;
}

/**
 * LiteLLM `/key/generate` body of the metrics key, without the key itself (the
 * script adds it from the Secret): it may call /metrics and nothing else
 * (`allowed_routes`: litellm/proxy/auth/route_checks.py matches a route
 * exactly or below it) and no model (`no-default-models`). Not the master key,
 * which would let anyone who reads the token Secret administer the gateway.
 */
export function metricsKeyRequest(r: ResolvedLlmGatewayArgs): Record<string, unknown> {
    return {
        key_alias: metricsKeyAlias(r),
        allowed_routes: ["/metrics", "/metrics/"],
        models: ["no-default-models"],
        metadata: { "managed-by": "genai-platform", purpose: "prometheus-scrape" },
    };
}

/**
 * Makes the gateway know the Secret's metrics key under its alias: a no-op
 * while the key scrapes; otherwise (first run, rotated key, fresh database)
 * retires the alias, registers the Secret's value (`/key/generate` takes a
 * caller's `key`), and checks that it now scrapes.
 */
export const METRICS_KEY_SCRIPT = litellmAdminScript("metrics-key", String.raw`printf 'Authorization: Bearer %s\n' "$METRICS_KEY" > /tmp/metrics.h
# scrape: the HTTP status of /metrics/ with the metrics key; the body is not kept.
scrape() { curl -sS -o /dev/null -w '%{http_code}' -H @/tmp/metrics.h "$GATEWAY_URL/metrics/"; }

code=$(scrape)
if [ "$code" = 200 ]; then
  echo "metrics-key: key $KEY_ALIAS scrapes /metrics/"
  exit 0
fi
[ "$code" = 401 ] || [ "$code" = 403 ] || fail "checking key $KEY_ALIAS on /metrics/: HTTP $code"

printf '{"key_aliases":["%s"]}' "$KEY_ALIAS" | admin /key/delete > /dev/null || true
code=$({ printf '{"key":"%s",' "$METRICS_KEY"; printf '%s' "$KEY_JSON" | tail -c +2; } | admin /key/generate)
[ "$code" = 200 ] || fail "registering key $KEY_ALIAS: HTTP $code"
: > /tmp/out
code=$(scrape)
[ "$code" = 200 ] || fail "key $KEY_ALIAS still cannot scrape /metrics/: HTTP $code"
echo "metrics-key: registered key $KEY_ALIAS for Prometheus"
`);

/**
 * The Job that registers the metrics key, in the gateway's namespace, with no
 * service account token (it calls only the gateway) and not the gateway's
 * service account (which carries the Bedrock role). Named by a hash of what
 * it does; re-run by the next `up` when it failed (`RERUN_WHEN_FAILED`).
 */
export function renderMetricsKeyJob(r: ResolvedLlmGatewayArgs): KubernetesObject {
    const names = gatewayNames(r);
    const container = litellmAdminContainer("metrics-key", METRICS_KEY_SCRIPT, [
        { name: "GATEWAY_URL", value: inClusterBaseUrl(r) },
        { name: "KEY_ALIAS", value: metricsKeyAlias(r) },
        { name: "KEY_JSON", value: JSON.stringify(metricsKeyRequest(r)) },
        { name: "METRICS_KEY", valueFrom: { secretKeyRef: { name: names.metricsSecret, key: METRICS_TOKEN_KEY } } },
        { name: "LITELLM_MASTER_KEY", valueFrom: { secretKeyRef: { name: names.secret, key: SECRET_ENV.masterKey } } },
    ]);
    const podSpec = litellmAdminPodSpec(container, { automountServiceAccountToken: false });
    const hash = createHash("sha256").update(JSON.stringify(podSpec)).digest("hex").slice(0, 8);
    // Not the gateway's selector labels: its Service and PDB must never pick this pod.
    const labels = { "app.kubernetes.io/name": "litellm-metrics-key", "app.kubernetes.io/instance": r.name, "app.kubernetes.io/part-of": "genai-platform" };
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: `${r.name}-metrics-key-${hash}`, namespace: r.namespace, labels, annotations: { ...RERUN_WHEN_FAILED } },
        spec: {
            backoffLimit: 3,
            activeDeadlineSeconds: METRICS_KEY_DEADLINE_SECONDS,
            template: { metadata: { labels }, spec: podSpec },
        },
    };
}

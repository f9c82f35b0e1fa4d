/**
 * Pure renderers of an agent service's Kubernetes objects. No Pulumi inside
 * and no secret value ever: the Secrets are rendered without data (the
 * component adds it as secret Outputs), and every credential reaches a
 * container through a secretKeyRef.
 */
import { PG_IDENTIFIER_MAX, renderDatabaseProvisionJob } from "../internal/database-provisioning";
import type { KubernetesObject } from "../internal/k8s-object";
import { physicalName } from "../internal/naming";
import { namespacePeer, tcp } from "../internal/network-policy";
import { TENANT_LABEL } from "../tenant-namespace/manifests";
import type { AgentGateway, ResolvedAgentServiceArgs } from "./args";

/** Keys of the Secrets the component writes. */
export const DATABASE_SECRET_KEYS = { url: "url", password: "password" } as const;
export { PROVISION_BACKOFF_LIMIT, PROVISION_DEADLINE_SECONDS, PROVISION_SCRIPT } from "../internal/database-provisioning";

/** The Postgres identifier of the agent's database and its role: `agent_<tenant>_<name>`, '-' as '_' (longer names are cut with a hash, never truncated into a collision). */
export function databaseName(r: Pick<ResolvedAgentServiceArgs, "tenant" | "name">): string {
    return physicalName(["agent", r.tenant, r.name], PG_IDENTIFIER_MAX).replace(/-/g, "_");
}

/** Object names in the tenant's namespace. */
export function objectNames(r: Pick<ResolvedAgentServiceArgs, "name" | "tenant">) {
    return {
        workload: r.name,
        databaseSecret: `${r.name}-checkpoint-db`,
        networkPolicy: `${r.name}-egress`,
        /** In the admin Secret's namespace, beside the master credentials: named by tenant too, as agents of all tenants meet there. */
        provisionPassword: `agent-db-${r.tenant}-${r.name}`,
    };
}

export function gatewayUrl(g: AgentGateway): string {
    return `http://${g.serviceName}.${g.namespace}.svc.cluster.local:${g.port}`;
}

/** On every agent service's pods, whatever its name: what platform namespaces admit agents by (the OTel collector). */
export const AGENT_POD_LABELS = { "app.kubernetes.io/name": "agent-service" } as const;

export function selectorLabels(r: Pick<ResolvedAgentServiceArgs, "name">): Record<string, string> {
    return { ...AGENT_POD_LABELS, "app.kubernetes.io/instance": r.name };
}

function labels(r: ResolvedAgentServiceArgs): Record<string, string> {
    return { ...selectorLabels(r), [TENANT_LABEL]: r.tenant, "app.kubernetes.io/part-of": "genai-platform", "app.kubernetes.io/managed-by": "pulumi" };
}

function metadata(r: ResolvedAgentServiceArgs, name: string, namespace = r.namespace) {
    return { name, namespace, labels: labels(r) };
}

/** A Secret without data; the component fills it with secret Outputs. */
export function renderSecretShell(r: ResolvedAgentServiceArgs, name: string, namespace = r.namespace): KubernetesObject {
    return { apiVersion: "v1", kind: "Secret", metadata: metadata(r, name, namespace), type: "Opaque" };
}

export function renderServiceAccount(r: ResolvedAgentServiceArgs): KubernetesObject {
    // The workflow never calls the Kubernetes API.
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata(r, r.name), automountServiceAccountToken: false };
}

const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/**
 * `key=value,...` with the tenant first, for the workflow's own use and for
 * local runs without the collector. In the cluster the collector deletes the
 * client's `tenant` and sets it from the sending pod's namespace, so this one
 * is never what Langfuse shows.
 */
export function resourceAttributes(r: ResolvedAgentServiceArgs): string {
    return [`tenant=${r.tenant}`, `service.namespace=${r.namespace}`, `deployment.environment=${r.namespace}`].join(",");
}

/** The container's environment: gateway, models, checkpoint database, tracing; secrets by reference only, and none for tracing. */
export function renderEnv(r: ResolvedAgentServiceArgs) {
    const names = objectNames(r);
    return [
        { name: "PORT", value: String(r.port) },
        { name: "TENANT", value: r.tenant },
        { name: "OPENAI_BASE_URL", value: `${gatewayUrl(r.gateway)}/v1` },
        secretEnv("OPENAI_API_KEY", r.keySecret.name, r.keySecret.key),
        { name: "AGENT_MODELS", value: [...new Set(Object.values(r.models))].join(",") },
        ...Object.entries(r.models).map(([name, value]) => ({ name, value })),
        secretEnv("DATABASE_URL", names.databaseSecret, DATABASE_SECRET_KEYS.url),
        { name: "OTEL_SERVICE_NAME", value: r.name },
        // The platform's collector: no credential, it holds the Langfuse keys. The SDK appends `/v1/traces`.
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: r.tracing.endpoint },
        { name: "OTEL_RESOURCE_ATTRIBUTES", value: resourceAttributes(r) },
        ...Object.entries(r.env).map(([name, value]) => ({ name, value })),
    ];
}

/** Restricted Pod Security: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root with /tmp in memory. */
export function renderDeployment(r: ResolvedAgentServiceArgs): KubernetesObject {
    const probe = (periodSeconds: number, failureThreshold: number) => ({ httpGet: { path: r.healthPath, port: "http" }, periodSeconds, failureThreshold, timeoutSeconds: 2 });
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(r, r.name),
        spec: {
            // The HPA owns the replica count from here on; this is the first rollout's.
            replicas: r.scaling.minReplicas,
            selector: { matchLabels: selectorLabels(r) },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: labels(r) },
                spec: {
                    serviceAccountName: r.name,
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: r.runAsUser, runAsGroup: r.runAsUser, fsGroup: r.runAsUser, seccompProfile: { type: "RuntimeDefault" } },
                    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorLabels(r) } }],
                    containers: [{
                        name: "agent",
                        image: r.image,
                        ports: [{ name: "http", containerPort: r.port, protocol: "TCP" }],
                        env: renderEnv(r),
                        resources: {
                            requests: { cpu: r.resources.cpu, memory: r.resources.memory },
                            limits: { cpu: r.resources.cpuLimit, memory: r.resources.memory },
                        },
                        readinessProbe: probe(5, 3),
                        livenessProbe: probe(10, 6),
                        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    }],
                    volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }],
                },
            },
        },
    };
}

export function renderService(r: ResolvedAgentServiceArgs): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(r, r.name),
        spec: { type: "ClusterIP", selector: selectorLabels(r), ports: [{ name: "http", port: r.port, targetPort: "http", protocol: "TCP" }] },
    };
}

/** One replica at a time may be evicted; with the default two replicas one always serves. */
export function renderPodDisruptionBudget(r: ResolvedAgentServiceArgs): KubernetesObject {
    return { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: metadata(r, r.name), spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(r) } } };
}

/**
 * CPU autoscaling (autoscaling/v2, metrics-server's resource metrics). A
 * LangGraph service spends its wall time waiting on the gateway, so CPU
 * rises with concurrent runs (JSON, checkpoint serialisation) and needs no
 * custom-metrics adapter; a concurrency metric would need one.
 */
export function renderAutoscaler(r: ResolvedAgentServiceArgs): KubernetesObject {
    return {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: metadata(r, r.name),
        spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: r.name },
            minReplicas: r.scaling.minReplicas,
            maxReplicas: r.scaling.maxReplicas,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: r.scaling.targetCpuUtilization } } }],
        },
    };
}

/**
 * The agent's egress, on top of the tenant's default deny: exactly DNS, the
 * gateway, the checkpoint database (its subnets' CIDRs on its port; an RDS
 * endpoint's address moves on failover) and the OTel collector's OTLP port.
 * Never Langfuse: only the collector, which holds the project keys, talks to it.
 */
export function renderNetworkPolicy(r: ResolvedAgentServiceArgs): KubernetesObject {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: metadata(r, objectNames(r).networkPolicy),
        spec: {
            podSelector: { matchLabels: selectorLabels(r) },
            policyTypes: ["Egress"],
            egress: [
                { to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
                { to: [namespacePeer(r.gateway.namespace, r.gateway.podLabels)], ports: tcp([r.gateway.port]) },
                { to: r.database.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp([r.database.port]) },
                { to: [namespacePeer(r.tracing.namespace, r.tracing.podLabels)], ports: tcp([r.tracing.port]) },
            ],
        },
    };
}

/**
 * The agent's provisioning Job (components/internal/database-provisioning.ts),
 * in the admin Secret's namespace: the master credentials never leave it.
 */
export function renderProvisionJob(r: ResolvedAgentServiceArgs): KubernetesObject {
    // Not the agent's pods: no selector or NetworkPolicy of the agent's may match them.
    return renderDatabaseProvisionJob({
        nameParts: ["agent-db", r.tenant, r.name],
        namespace: r.database.adminSecret.namespace,
        labels: { ...labels(r), "app.kubernetes.io/name": "agent-db-provision" },
        adminSecret: r.database.adminSecret,
        database: databaseName(r),
        passwordSecret: { name: objectNames(r).provisionPassword, key: DATABASE_SECRET_KEYS.password },
    });
}

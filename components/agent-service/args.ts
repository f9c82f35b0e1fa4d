import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_ALLOWED_REGISTRIES } from "../gpu-cluster/args";
import { isCidr } from "../internal/cidr";
import { describeValue, Problems } from "../internal/errors";
import { checkImage } from "../internal/image-policy";
import { POSTGRES_PORT } from "../internal/managed-state-args";
import { checkDnsLabel } from "../internal/naming";
import { parseQuantity, QUANTITY_RULE } from "../internal/quantity";
import { isDnsSubdomain, isInt, isPort, isSecretKey, SECRET_KEY_RULE, SECRET_NAME_RULE } from "../internal/validators";
import type { SecretKeyRef } from "../tenant-namespace/args";
import { KEY_SECRET_KEYS, KEY_SECRET_NAME } from "../tenant-namespace/manifests";

/** The LLM gateway as the agent reaches it: plain stack outputs (a `GatewayConnection` fits). */
export interface AgentGateway {
    /** The gateway's namespace. */
    namespace: string;
    /** The gateway's Service name. */
    serviceName: string;
    /** Port of the gateway's Service and pods (LiteLLM: 4000). */
    port: number;
    /** Labels of the gateway's pods, for the egress rule. */
    podLabels: Record<string, string>;
}

/**
 * The PostgreSQL server the checkpoint database is created on: the platform
 * gateway's RDS instance (see `AgentService` for why), reached by a Job in
 * `adminSecret.namespace` that connects with the master credentials.
 */
export interface AgentDatabaseServer {
    /** The server's endpoint host name (RDS `address`). */
    host: pulumi.Input<string>;
    /** Its port. Default 5432. */
    port?: number;
    /** IPv4 CIDRs the endpoint's addresses lie in (the DB subnets'): the agent's egress rule, since an RDS endpoint's IP changes on failover. */
    cidrs: string[];
    /**
     * The Secret holding a master connection URL (`postgresql://user:pass@host:port/db?sslmode=require`),
     * e.g. the gateway's `DATABASE_URL`. The provisioning Job runs in its namespace and reads it by secretKeyRef only.
     */
    adminSecret: NamespacedSecretKeyRef;
}

/** A key of a Secret in a given namespace. */
export interface NamespacedSecretKeyRef extends SecretKeyRef {
    /** The Secret's namespace. */
    namespace: string;
}

/**
 * Where the agent sends traces: the platform's OpenTelemetry collector
 * (`ObservabilityStack.collector`), never Langfuse itself. The collector
 * holds the Langfuse project keys and stamps each span with the tenant of
 * the namespace it came from, so the agent carries no credential for traces
 * and cannot pass for another tenant.
 */
export interface AgentTracing {
    /** The collector's OTLP/HTTP base URL, e.g. `http://otel-collector.langfuse.svc.cluster.local:4318`. */
    endpoint: string;
    /** The collector's namespace. */
    namespace: string;
    /** Labels of the collector's pods, for the egress rule. */
    podLabels: Record<string, string>;
    /** The collector pods' OTLP/HTTP port (4318). */
    port: number;
}

/**
 * The platform's facts an AgentService takes, as the platform stack exports
 * them (its `agentPlatform` output). No credential is among them.
 */
export interface AgentPlatformFacts {
    gateway: AgentGateway;
    database: Required<AgentDatabaseServer>;
    tracing: AgentTracing;
    /** Tenant name → the gateway models its team may use. */
    tenantModels: Record<string, string[]>;
    /** Registries the cluster admits images from. */
    allowedRegistries: string[];
}

/** Replicas and CPU autoscaling (HorizontalPodAutoscaler, autoscaling/v2). */
export interface AgentScalingArgs {
    /** Fewest replicas. Default 2 (the PDB then always leaves one serving). */
    minReplicas?: number;
    /** Most replicas. Default `max(minReplicas, 4)`. */
    maxReplicas?: number;
    /** Average CPU utilisation (% of the request) the HPA keeps. Default 70. */
    targetCpuUtilization?: number;
}

/** CPU and memory of one replica: requests, and limits (CPU limit defaults to twice the request; memory limit = request). */
export interface AgentResourceArgs {
    /** CPU request. Default `"250m"`. */
    cpu?: string;
    /** CPU limit. Default twice `cpu`. */
    cpuLimit?: string;
    /** Memory request and limit. Default `"512Mi"`. */
    memory?: string;
}

/**
 * Args of an AgentService. The platform's facts (namespace, allowed
 * registries and models, gateway, database, tracing) may be the platform
 * stack's outputs read through a StackReference: validated at once when
 * known, once they resolve otherwise. The Kubernetes provider comes through
 * the resource options.
 */
export interface AgentServiceArgs {
    /**
     * Kubernetes provider of the cluster.
     * @deprecated Pass the provider as a resource option (`{ provider }` or
     * `{ providers: { kubernetes } }`), which reaches every child. Still
     * honoured when the options name no Kubernetes provider; refused when they
     * name another one.
     */
    provider?: k8s.Provider;
    /** The tenant (its name tags traces and names the database). */
    tenant: string;
    /** The tenant's namespace. Default: the tenant's name (what `TenantNamespace` creates). */
    namespace?: pulumi.Input<string>;
    /** The workflow's image: from an allowed registry, pinned to a tag other than `latest` or a digest. */
    image: string;
    /** Registries the cluster admits images from (the platform's Kyverno allow-list). Default `DEFAULT_ALLOWED_REGISTRIES`. */
    allowedRegistries?: pulumi.Input<string[]>;
    /** Port the workflow's HTTP server listens on. Default 8080. */
    port?: number;
    /** Path of its health endpoint (readiness and liveness). Default `"/healthz"`. */
    healthPath?: string;
    /** Numeric user the container runs as (restricted Pod Security needs a non-root user). Default 65532. */
    runAsUser?: number;
    /**
     * Gateway models the workflow uses, by the environment variable that
     * carries each (`{ ROUTER_MODEL: "llama-3.1-8b", ANSWER_MODEL: "gpt-4o" }`).
     * Each must be in `allowedModels`. All are also listed in `AGENT_MODELS`.
     */
    models: Record<string, string>;
    /** The models the tenant's gateway team may call (its `team.models`). */
    allowedModels: pulumi.Input<string[]>;
    /** The LLM gateway. */
    gateway: pulumi.Input<AgentGateway>;
    /** The tenant's gateway key Secret. Default `{ name: "llm-gateway-key", key: "api-key" }` (what the team sync writes). */
    keySecret?: SecretKeyRef;
    /** Where the checkpoint database is created. */
    database: pulumi.Input<AgentDatabaseServer>;
    /** Trace export: the platform's OTel collector. */
    tracing: pulumi.Input<AgentTracing>;
    /** Replicas and autoscaling. */
    scaling?: AgentScalingArgs;
    /** Resources of one replica. */
    resources?: AgentResourceArgs;
    /** Extra plain environment variables (never secrets). Default none. */
    env?: Record<string, string>;
}

/** `AgentServiceArgs` with the platform's facts known: what validation takes. */
export type KnownAgentServiceArgs = Omit<AgentServiceArgs, "namespace" | "allowedRegistries" | "allowedModels" | "gateway" | "database" | "tracing"> & {
    namespace?: string;
    allowedRegistries?: string[];
    allowedModels: string[];
    gateway: AgentGateway;
    database: AgentDatabaseServer;
    tracing: AgentTracing;
};

export interface ResolvedAgentServiceArgs {
    name: string;
    tenant: string;
    namespace: string;
    image: string;
    port: number;
    healthPath: string;
    runAsUser: number;
    models: Record<string, string>;
    gateway: AgentGateway;
    keySecret: { name: string; key: string };
    database: { port: number; cidrs: string[]; adminSecret: { namespace: string; name: string; key: string } };
    tracing: AgentTracing;
    scaling: Required<AgentScalingArgs>;
    resources: Required<AgentResourceArgs>;
    env: Record<string, string>;
}

/** Agent names end up in Postgres identifiers (`agent_<tenant>_<name>`, ≤ 63) and object names. */
export const AGENT_NAME_MAX = 20;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Variables the component sets itself; `env` and `models` may not override them. */
export const RESERVED_ENV = [
    "OPENAI_BASE_URL", "OPENAI_API_KEY", "DATABASE_URL", "AGENT_MODELS", "TENANT", "PORT",
    "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_RESOURCE_ATTRIBUTES",
];

function checkEnvName(p: Problems, field: string, key: string): void {
    p.check(ENV_NAME.test(key) && !RESERVED_ENV.includes(key), field, key, `expected an environment variable name (A-Z, 0-9, _) other than ${RESERVED_ENV.join(", ")}`);
}

function checkSecretRef(p: Problems, ref: { name?: unknown; key?: unknown } | undefined): void {
    p.check(isDnsSubdomain(ref?.name), "name", ref?.name, SECRET_NAME_RULE);
    p.check(isSecretKey(ref?.key), "key", ref?.key, SECRET_KEY_RULE);
}

function checkPodLabels(p: Problems, labels: unknown): void {
    const ok = typeof labels === "object" && labels !== null && Object.keys(labels).length > 0 && Object.values(labels).every((v) => typeof v === "string");
    p.check(ok, "podLabels", labels, "expected at least one pod label (key: value) selecting only those pods");
}

function validateModels(p: Problems, models: unknown, allowed: unknown): void {
    const allowedOk = p.check(Array.isArray(allowed) && allowed.length > 0, "allowedModels", allowed, "expected the tenant team's models (at least one)");
    if (!p.check(typeof models === "object" && models !== null && Object.keys(models).length > 0, "models", models, "expected at least one model, e.g. { ANSWER_MODEL: \"gpt-4o\" }")) return;
    for (const [key, model] of Object.entries(models as Record<string, unknown>)) {
        checkEnvName(p.at("models"), key, key);
        if (allowedOk) {
            const list = allowed as string[];
            p.at("models").check(list.includes(model as string), key, model, `expected a model the tenant may use (${list.join(", ")})`);
        }
    }
}

function validateScaling(p: Problems, s: Required<AgentScalingArgs>): void {
    p.check(isInt(s.minReplicas, 1, 100), "minReplicas", s.minReplicas, "expected a whole number 1–100 (a workflow service keeps at least one replica)");
    p.check(isInt(s.maxReplicas, 1, 100), "maxReplicas", s.maxReplicas, "expected a whole number 1–100");
    if (isInt(s.minReplicas, 1) && isInt(s.maxReplicas, 1)) p.check(s.maxReplicas >= s.minReplicas, "maxReplicas", s.maxReplicas, `must be ≥ scaling.minReplicas (${s.minReplicas})`);
    p.check(isInt(s.targetCpuUtilization, 10, 100), "targetCpuUtilization", s.targetCpuUtilization, "expected a percentage of the CPU request, 10–100");
}

function validateResources(p: Problems, r: Required<AgentResourceArgs>): void {
    const positive = (v: unknown) => (parseQuantity(v) ?? 0) > 0;
    p.check(positive(r.cpu), "cpu", r.cpu, `${QUANTITY_RULE}, above 0`);
    p.check(positive(r.cpuLimit), "cpuLimit", r.cpuLimit, `${QUANTITY_RULE}, above 0`);
    p.check(positive(r.memory), "memory", r.memory, `${QUANTITY_RULE}, above 0`);
    if (positive(r.cpu) && positive(r.cpuLimit)) p.check(parseQuantity(r.cpuLimit)! >= parseQuantity(r.cpu)!, "cpuLimit", r.cpuLimit, `must be ≥ resources.cpu (${describeValue(r.cpu)})`);
}

function validateConnections(p: Problems, args: KnownAgentServiceArgs): void {
    const g = p.at("gateway");
    checkDnsLabel(g, "namespace", args.gateway?.namespace);
    checkDnsLabel(g, "serviceName", args.gateway?.serviceName);
    g.check(isPort(args.gateway?.port), "port", args.gateway?.port, "expected a port 1–65535");
    checkPodLabels(g, args.gateway?.podLabels);
    checkSecretRef(p.at("keySecret"), args.keySecret ?? { name: KEY_SECRET_NAME, key: KEY_SECRET_KEYS.apiKey });

    const db = p.at("database");
    db.check(args.database?.host !== undefined && args.database.host !== "", "host", args.database?.host, "expected the PostgreSQL endpoint's host name");
    db.check(isPort(args.database?.port ?? POSTGRES_PORT), "port", args.database?.port, "expected a port 1–65535");
    if (db.check(Array.isArray(args.database?.cidrs) && args.database.cidrs.length > 0, "cidrs", args.database?.cidrs, "expected the DB subnets' IPv4 CIDRs (at least one)")) {
        args.database.cidrs.forEach((c, i) => db.at("cidrs").check(isCidr(c), i, c, 'expected an IPv4 CIDR such as "10.0.64.0/19"'));
    }
    checkDnsLabel(db.at("adminSecret"), "namespace", args.database?.adminSecret?.namespace);
    checkSecretRef(db.at("adminSecret"), args.database?.adminSecret);

    const t = p.at("tracing");
    t.check(typeof args.tracing?.endpoint === "string" && /^http:\/\/[^/?#@]+$/.test(args.tracing.endpoint), "endpoint", args.tracing?.endpoint, "expected the collector's in-cluster OTLP/HTTP base URL, http://host:port, no path or credentials");
    checkDnsLabel(t, "namespace", args.tracing?.namespace);
    checkPodLabels(t, args.tracing?.podLabels);
    t.check(isPort(args.tracing?.port), "port", args.tracing?.port, "expected a port 1–65535");
}

/** Defaults applied; nothing checked yet. */
export function resolveAgentServiceArgs(name: string, args: KnownAgentServiceArgs): ResolvedAgentServiceArgs {
    const minReplicas = args.scaling?.minReplicas ?? 2;
    const cpu = args.resources?.cpu ?? "250m";
    const cpuCores = parseQuantity(cpu);
    return {
        name,
        tenant: args.tenant,
        namespace: args.namespace ?? args.tenant,
        image: args.image,
        port: args.port ?? 8080,
        healthPath: args.healthPath ?? "/healthz",
        runAsUser: args.runAsUser ?? 65532,
        models: { ...args.models },
        gateway: args.gateway,
        keySecret: args.keySecret ?? { name: KEY_SECRET_NAME, key: KEY_SECRET_KEYS.apiKey },
        database: { port: args.database?.port ?? POSTGRES_PORT, cidrs: args.database?.cidrs, adminSecret: args.database?.adminSecret },
        tracing: args.tracing,
        scaling: {
            minReplicas,
            maxReplicas: args.scaling?.maxReplicas ?? Math.max(typeof minReplicas === "number" ? minReplicas : 1, 4),
            targetCpuUtilization: args.scaling?.targetCpuUtilization ?? 70,
        },
        resources: {
            cpu,
            cpuLimit: args.resources?.cpuLimit ?? (cpuCores !== undefined ? `${Math.round(cpuCores * 2000)}m` : cpu),
            memory: args.resources?.memory ?? "512Mi",
        },
        env: { ...args.env },
    };
}

/**
 * Validates AgentService args: names, image (allowed and pinned, as the
 * cluster's Kyverno policy decides), replicas, resources, models against the
 * tenant's allowed list, and the gateway, database and collector connections.
 * Throws one ValidationError listing every problem.
 */
export function validateAgentServiceArgs(name: string, args: KnownAgentServiceArgs): ResolvedAgentServiceArgs {
    const p = new Problems();
    checkDnsLabel(p, "name", name, AGENT_NAME_MAX);
    const r = resolveAgentServiceArgs(name, args);
    checkDnsLabel(p, "tenant", r.tenant, 40);
    checkDnsLabel(p, "namespace", r.namespace);
    checkImage(p, "image", r.image, args.allowedRegistries ?? DEFAULT_ALLOWED_REGISTRIES);
    p.check(isInt(r.port, 1024, 65535), "port", r.port, "expected a port 1024–65535 (a non-root container cannot bind below 1024)");
    p.check(typeof r.healthPath === "string" && r.healthPath.startsWith("/"), "healthPath", r.healthPath, 'expected an absolute path such as "/healthz"');
    p.check(isInt(r.runAsUser, 1, 2 ** 31 - 1), "runAsUser", r.runAsUser, "expected a non-root numeric user id ≥ 1");
    validateModels(p, args.models, args.allowedModels);
    validateScaling(p.at("scaling"), r.scaling);
    validateResources(p.at("resources"), r.resources);
    for (const [key, value] of Object.entries(r.env)) {
        checkEnvName(p.at("env"), key, key);
        p.at("env").check(typeof value === "string", key, value, "expected a string");
    }
    validateConnections(p, args);
    p.throwIfAny(`AgentService "${name}" args`);
    return r;
}

import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { isCidr, SYSTEM_NAMESPACES } from "../gpu-cluster";
import { describeValue, Problems } from "../internal/errors";
import { checkLabels } from "../internal/labels";
import { UniqueNames } from "../internal/unique-names";
import { checkDnsLabel } from "../internal/naming";
import { checkPrincipalArns, principalKey } from "../internal/principal-arn";
import { parseQuantity, QUANTITY_RULE } from "../internal/quantity";
import { isDnsLabel, isDnsSubdomain, isInt, isLiteLlmBudgetDuration, isPort, isPositiveNumber, isSecretKey, SECRET_KEY_RULE, SECRET_NAME_RULE } from "../internal/validators";

/** What a tenant principal may do in its namespace. */
export const TenantAccess = {
    /** EKS `AmazonEKSEditPolicy`, scoped to the namespace. */
    Edit: "edit",
    /** EKS `AmazonEKSViewPolicy`, scoped to the namespace. */
    View: "view",
} as const;
export type TenantAccess = (typeof TenantAccess)[keyof typeof TenantAccess];
export const TENANT_ACCESS_LEVELS: readonly TenantAccess[] = Object.values(TenantAccess);

/** The Kubernetes groups a tenant's principals are mapped to, one per access level. */
export interface TenantAccessGroups {
    /** The group of `edit` principals. */
    edit: string;
    /** The group of `view` principals. */
    view: string;
}

/** A key of a Secret: which Secret, and which of its keys. */
export interface SecretKeyRef {
    /** The Secret's name. */
    name: string;
    /** The key inside the Secret. */
    key: string;
}

/** An IAM principal of the tenant, given access to the tenant's namespace only. */
export interface TenantPrincipal {
    /** IAM role or user ARN (paths allowed), e.g. `arn:aws:iam::123456789012:role/research-dev`. STS session ARNs and wildcards cannot have access entries. */
    arn: string;
    /** `"edit"` (EKS `AmazonEKSEditPolicy`) or `"view"` (`AmazonEKSViewPolicy`), scoped to the namespace. Default `"edit"`. */
    access?: TenantAccess;
}

/** The namespace's ResourceQuota (besides GPUs, which `gpuQuota` sets). */
export interface TenantQuotaArgs {
    /** `requests.cpu`. Default `"16"`. */
    cpuRequests?: string;
    /** `limits.cpu`. Default `"32"`. */
    cpuLimits?: string;
    /** `requests.memory`. Default `"64Gi"`. */
    memoryRequests?: string;
    /** `limits.memory`. Default `"128Gi"`. */
    memoryLimits?: string;
    /** Most pods. Default 50. */
    pods?: number;
    /** Most Services. Default 20. */
    services?: number;
    /** Most PersistentVolumeClaims. Default 20. */
    persistentVolumeClaims?: number;
    /** `requests.storage`: all PVCs together. Default `"1Ti"`. */
    storage?: string;
}

/** LimitRange defaults for containers that set no requests or limits of their own. */
export interface ContainerDefaultsArgs {
    /** Default `"100m"`. */
    cpuRequest?: string;
    /** Default `"256Mi"`. */
    memoryRequest?: string;
    /** Default `"1"`. */
    cpuLimit?: string;
    /** Default `"1Gi"`. */
    memoryLimit?: string;
}

/** The tenant's team in the LLM gateway (LiteLLM): its budget, rate limits and models. */
export interface TenantTeamArgs {
    /** Most the team may spend per budget period, in USD (LiteLLM `max_budget`). Required: it bounds spend. */
    maxBudgetUsd: number;
    /** Budget period (LiteLLM `budget_duration`): `<n>s|m|h|d|w|mo`, e.g. `"30d"`, `"1mo"`. Default `"30d"`. */
    budgetDuration?: string;
    /** Team-wide tokens per minute (`tpm_limit`). Default: no limit. */
    tpm?: number;
    /** Team-wide requests per minute (`rpm_limit`). Default: no limit. */
    rpm?: number;
    /** Gateway model names the team may call; each must be routed by the gateway. Default: every routed model (`knownModels`). */
    models?: string[];
    /**
     * LiteLLM team `model_aliases`: a model name the team asks for → the gateway
     * model its requests go to (both routed by the gateway, the target among
     * `models`), e.g. a kv-aware model → its `@batch` route, so the team's
     * requests carry the batch InferenceObjective. Default none.
     */
    modelAliases?: Record<string, string>;
}

/** Pods outside the namespace allowed to connect in (an ingress controller, Prometheus). */
export interface IngressSourceArgs {
    /** Their namespace, a DNS-1123 label. */
    namespace: string;
    /** Their pods' labels. Default: every pod of that namespace. */
    podLabels?: Record<string, string>;
}

/** Extra egress beyond DNS, the gateway and the namespace itself (e.g. VPC endpoints, a model hub). */
export interface EgressRuleArgs {
    /** Destination IPv4 CIDR. */
    cidr: string;
    /** TCP ports. Default `[443]`. */
    ports?: number[];
}

/**
 * One tenant as the platform's config describes it: what `validateTenants`
 * checks across tenants and `TenantNamespace` deploys.
 */
export interface TenantSpec {
    /** Tenant name, a DNS-1123 label of at most 40 characters: names the namespace, the gateway team (`team_id`) and labels. */
    name: string;
    /** Most `nvidia.com/gpu` the namespace may request at once. Default 0 (no GPU pods: Kyverno admits them only in namespaces labelled with a GPU quota). */
    gpuQuota?: number;
    /** GPU pools the tenant's GPU pods may use; the quota must fit their combined GPU limit. Default: every pool in `pools`. */
    gpuPools?: string[];
    /** ResourceQuota besides GPUs. Defaults per field. */
    quota?: TenantQuotaArgs;
    /** LimitRange defaults for containers. Defaults per field. */
    containerDefaults?: ContainerDefaultsArgs;
    /** IAM principals given access to the namespace (and nothing cluster-wide). Default none. */
    principals?: TenantPrincipal[];
    /** The tenant's gateway team. */
    team: TenantTeamArgs;
    /** Pods outside the namespace that may connect in, e.g. the ingress controller. Default none. */
    allowIngressFrom?: IngressSourceArgs[];
    /** Ports of the tenant's pods the gateway's pods may call (its self-hosted model endpoints). Default `[8000]` (vLLM). */
    gatewayIngressPorts?: number[];
    /** Ports of the tenant's pods the platform's Prometheus may scrape (KEDA scales endpoints on those metrics). Default `[8000]` (vLLM serves `/metrics` on its API port). */
    metricsPorts?: number[];
    /** Extra egress rules. Default none. */
    egress?: EgressRuleArgs[];
    /** Tags on the tenant's AWS resources (access entries). Default none. */
    tags?: Record<string, string>;
}

/** A GPU pool as the platform's stack outputs describe it. */
export interface TenantPoolInfo {
    /** The pool's name (its nodes carry `genai-platform.io/pool: <name>`). */
    name: string;
    /** The pool's GPU limit (physical GPUs). */
    gpuLimit: number;
    /**
     * `nvidia.com/gpu` one physical GPU of the pool advertises: the
     * time-slicing replicas or MIG slices per GPU (`poolAdvertisedPerGpu`).
     * The namespace's ResourceQuota counts pods' requests, i.e. advertised
     * units, so it is rendered as gpuQuota × this. Default 1 (no sharing).
     */
    advertisedPerGpu?: number;
}

/** How to reach the LLM gateway (LiteLLM) from inside the cluster: the platform stack's `gateway` output (no secrets). */
export interface GatewayConnection {
    /** The gateway's namespace; the team-sync Job runs there, beside the master key Secret. */
    namespace: string;
    /** The gateway's Service name. */
    serviceName: string;
    /** Port of the gateway's Service and pods (LiteLLM: 4000). */
    port: number;
    /** The Secret (in the gateway's namespace) and key holding the LiteLLM master key. */
    masterKeySecret: SecretKeyRef;
    /**
     * The gateway Service's selector, for NetworkPolicies. The Service's, not every label of its pods: on EKS the VPC
     * CNI lets egress through a ClusterIP only when the policy's podSelector matches the Service's selector.
     */
    podLabels: Record<string, string>;
}

/**
 * Args of a TenantNamespace: the tenant, plus the platform facts it needs,
 * which may be the platform stack's outputs read through a StackReference
 * (Outputs: validated once they resolve). The Kubernetes provider comes
 * through the resource options.
 */
export interface TenantNamespaceArgs extends TenantSpec {
    /**
     * Kubernetes provider of the cluster.
     * @deprecated Pass the provider as a resource option (`{ provider }` or
     * `{ providers: { kubernetes } }`), which reaches every child. Still
     * honoured when the options name no Kubernetes provider; refused when they
     * name another one.
     */
    provider?: k8s.Provider;
    /** The EKS cluster's name, for the access entries. */
    clusterName: pulumi.Input<string>;
    /** The cluster's GPU pools and their GPU limits (the platform's `tenantPools` output). */
    pools: pulumi.Input<TenantPoolInfo[]>;
    /** The LLM gateway (the platform's `gateway` output). */
    gateway: pulumi.Input<GatewayConnection>;
    /** Model names the gateway routes (the platform's `gatewayModels` output). */
    knownModels: pulumi.Input<string[]>;
}

/** `TenantNamespaceArgs` with the facts that may be Outputs known: what validation takes. */
export type KnownTenantNamespaceArgs = Omit<TenantNamespaceArgs, "pools" | "gateway" | "knownModels"> & {
    pools: TenantPoolInfo[];
    gateway: GatewayConnection;
    knownModels: string[];
};

export interface ResolvedTenant {
    name: string;
    /** Physical GPUs. */
    gpuQuota: number;
    /** The quota in the unit pods request and the ResourceQuota counts: gpuQuota × its pools' advertised GPUs per GPU. */
    gpuQuotaAdvertised: number;
    gpuPools: string[];
    quota: Required<TenantQuotaArgs>;
    containerDefaults: Required<ContainerDefaultsArgs>;
    principals: Required<TenantPrincipal>[];
    team: Required<Omit<TenantTeamArgs, "tpm" | "rpm">> & Pick<TenantTeamArgs, "tpm" | "rpm">;
    allowIngressFrom: Required<IngressSourceArgs>[];
    gatewayIngressPorts: number[];
    metricsPorts: number[];
    egress: Required<EgressRuleArgs>[];
    tags: Record<string, string>;
}

/** What validation checks a tenant against: the cluster's pools and the gateway's models. */
export interface TenantContext {
    pools: readonly TenantPoolInfo[];
    /** Model names the gateway routes. */
    gatewayModels: readonly string[];
    /**
     * Namespaces the platform's components use besides the cluster's own
     * (`SYSTEM_NAMESPACES`), which no tenant may take: the gateway's, the
     * add-ons', the models'. The stack derives them from the components.
     */
    reservedNamespaces?: readonly string[];
}

export interface ResolvedTenantNamespaceArgs {
    tenant: ResolvedTenant;
    gateway: GatewayConnection;
    pools: TenantPoolInfo[];
}

export const TENANT_NAME_MAX = 40;
const RESERVED_NAMESPACES = ["default", ...SYSTEM_NAMESPACES];


/** `defaults` overlaid with the fields `given` sets (an explicit `undefined` keeps the default). */
function withDefaults<T extends object>(defaults: Required<T>, given: T | undefined): Required<T> {
    const set = Object.entries(given ?? {}).filter(([, v]) => v !== undefined);
    return { ...defaults, ...Object.fromEntries(set) } as Required<T>;
}

/** Defaults applied; nothing checked yet. */
export function resolveTenant(spec: TenantSpec, ctx: Pick<TenantContext, "pools" | "gatewayModels">): ResolvedTenant {
    const team = spec.team ?? ({} as TenantTeamArgs);
    const gpuPools = spec.gpuPools ?? ctx.pools.map((p) => p.name);
    const gpuQuota = spec.gpuQuota ?? 0;
    return {
        name: spec.name,
        gpuQuota,
        gpuQuotaAdvertised: gpuQuota * Math.max(1, ...advertisedFactors(gpuPools, ctx.pools)),
        gpuPools,
        quota: withDefaults<TenantQuotaArgs>(
            { cpuRequests: "16", cpuLimits: "32", memoryRequests: "64Gi", memoryLimits: "128Gi", pods: 50, services: 20, persistentVolumeClaims: 20, storage: "1Ti" },
            spec.quota,
        ),
        containerDefaults: withDefaults<ContainerDefaultsArgs>({ cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "1", memoryLimit: "1Gi" }, spec.containerDefaults),
        principals: (spec.principals ?? []).map((pr) => ({ arn: pr.arn, access: pr.access ?? "edit" })),
        team: {
            maxBudgetUsd: team.maxBudgetUsd,
            budgetDuration: team.budgetDuration ?? "30d",
            tpm: team.tpm,
            rpm: team.rpm,
            // Listed explicitly rather than LiteLLM's "[] = every model", so a new route is a visible change.
            models: team.models ?? [...ctx.gatewayModels],
            modelAliases: { ...team.modelAliases },
        },
        allowIngressFrom: (spec.allowIngressFrom ?? []).map((s) => ({ namespace: s.namespace, podLabels: s.podLabels ?? {} })),
        gatewayIngressPorts: spec.gatewayIngressPorts ?? [8000],
        metricsPorts: spec.metricsPorts ?? [8000],
        egress: (spec.egress ?? []).map((e) => ({ cidr: e.cidr, ports: e.ports ?? [443] })),
        tags: spec.tags ?? {},
    };
}

function checkQuantities<T extends object>(p: Problems, values: T, keys: (keyof T & string)[]): void {
    for (const key of keys) p.check(parseQuantity(values[key]) !== undefined, key, values[key], QUANTITY_RULE);
}

/** `lower` ≤ `upper` when both parse; reported at `lowerField`. */
function checkOrder(p: Problems, lowerField: string, lower: unknown, upperName: string, upper: unknown): void {
    const [a, b] = [parseQuantity(lower), parseQuantity(upper)];
    if (a !== undefined && b !== undefined) p.check(a <= b, lowerField, lower, `must be ≤ ${upperName} (${describeValue(upper)})`);
}

function validateQuota(p: Problems, t: ResolvedTenant): void {
    const q = t.quota;
    checkQuantities(p, q, ["cpuRequests", "cpuLimits", "memoryRequests", "memoryLimits", "storage"]);
    for (const key of ["pods", "services", "persistentVolumeClaims"] as const) p.check(isInt(q[key], 0), key, q[key], "expected a whole number ≥ 0");
    checkOrder(p, "cpuRequests", q.cpuRequests, "quota.cpuLimits", q.cpuLimits);
    checkOrder(p, "memoryRequests", q.memoryRequests, "quota.memoryLimits", q.memoryLimits);
}

function validateContainerDefaults(p: Problems, t: ResolvedTenant): void {
    const d = t.containerDefaults;
    checkQuantities(p, d, ["cpuRequest", "memoryRequest", "cpuLimit", "memoryLimit"]);
    checkOrder(p, "cpuRequest", d.cpuRequest, "containerDefaults.cpuLimit", d.cpuLimit);
    checkOrder(p, "memoryRequest", d.memoryRequest, "containerDefaults.memoryLimit", d.memoryLimit);
    // A default larger than the whole namespace's quota would make every defaulted pod unschedulable.
    checkOrder(p, "cpuLimit", d.cpuLimit, "quota.cpuLimits", t.quota.cpuLimits);
    checkOrder(p, "memoryLimit", d.memoryLimit, "quota.memoryLimits", t.quota.memoryLimits);
}

/** The distinct advertised-GPUs-per-GPU factors of the named pools (unknown pools ignored). */
function advertisedFactors(names: unknown, pools: readonly TenantPoolInfo[]): number[] {
    if (!Array.isArray(names)) return [];
    return [...new Set(pools.filter((pool) => names.includes(pool.name)).map((pool) => pool.advertisedPerGpu ?? 1))];
}

function validateGpus(p: Problems, t: ResolvedTenant, pools: readonly TenantPoolInfo[]): void {
    const limits = new Map(pools.map((pool) => [pool.name, pool.gpuLimit]));
    const poolNames = pools.map((pool) => pool.name).join(", ") || "none";
    p.check(isInt(t.gpuQuota, 0), "gpuQuota", t.gpuQuota, "expected a whole number of GPUs ≥ 0");
    if (!p.check(Array.isArray(t.gpuPools), "gpuPools", t.gpuPools, "expected a list of GPU pool names")) return;
    t.gpuPools.forEach((pool, i) => {
        p.at("gpuPools").check(limits.has(pool), i, pool, `expected one of the cluster's GPU pools (${poolNames})`);
        p.at("gpuPools").check(t.gpuPools.indexOf(pool) === i, i, pool, "list each pool once");
    });
    if (!isInt(t.gpuQuota, 1)) return;
    if (!p.check(t.gpuPools.length > 0, "gpuPools", t.gpuPools, "a tenant with a GPU quota needs at least one GPU pool")) return;
    // One ResourceQuota line counts every pool's nvidia.com/gpu alike: pools that advertise different units per GPU cannot share it.
    const factors = advertisedFactors(t.gpuPools, pools);
    const byFactor = t.gpuPools.map((name) => `${name}: ${pools.find((pool) => pool.name === name)?.advertisedPerGpu ?? 1}`).join(", ");
    p.check(factors.length <= 1, "gpuPools", t.gpuPools, `one GPU quota cannot span pools that advertise different nvidia.com/gpu per physical GPU (${byFactor}); give the tenant pools that share GPUs alike`);
    // Unknown pools, or pools whose own limit is invalid, are reported elsewhere; comparing against them would only add noise.
    if (!t.gpuPools.every((pool) => limits.has(pool) && isInt(limits.get(pool), 1))) return;
    const pooled = [...new Set(t.gpuPools)];
    const capacity = pooled.reduce((sum, pool) => sum + limits.get(pool)!, 0);
    const described = pooled.map((pool) => `${pool} (${limits.get(pool)} GPUs)`).join(", ");
    p.check(t.gpuQuota <= capacity, "gpuQuota", t.gpuQuota, `tenant "${t.name}" may use pools ${described}; its GPU quota must be ≤ ${capacity}`);
}

function validatePrincipals(p: Problems, t: ResolvedTenant): void {
    checkPrincipalArns(p.at("principals"), t.principals.map((pr) => pr.arn), "arn");
    t.principals.forEach((pr, i) => p.at("principals").at(i).check(TENANT_ACCESS_LEVELS.includes(pr.access), "access", pr.access, `expected one of ${TENANT_ACCESS_LEVELS.join(", ")}`));
}

function validateTeam(p: Problems, t: ResolvedTenant, models: readonly string[]): void {
    const team = t.team;
    p.check(isPositiveNumber(team.maxBudgetUsd), "maxBudgetUsd", team.maxBudgetUsd, "expected a budget in USD > 0");
    p.check(isLiteLlmBudgetDuration(team.budgetDuration), "budgetDuration", team.budgetDuration, 'expected a LiteLLM budget period such as "1d", "30d" or "1mo" (<n>s|m|h|d|w|mo)');
    if (team.tpm !== undefined) p.check(isInt(team.tpm, 1), "tpm", team.tpm, "expected a whole number of tokens per minute ≥ 1");
    if (team.rpm !== undefined) p.check(isInt(team.rpm, 1), "rpm", team.rpm, "expected a whole number of requests per minute ≥ 1");
    if (!p.check(Array.isArray(team.models) && team.models.length > 0, "models", team.models, "expected at least one model the gateway routes")) return;
    team.models.forEach((m, i) => {
        p.at("models").check(models.includes(m), i, m, `expected a model the gateway routes (${models.join(", ") || "none"})`);
        p.at("models").check(team.models.indexOf(m) === i, i, m, "list each model once");
    });
    for (const [from, to] of Object.entries(team.modelAliases)) {
        p.at("modelAliases").check(models.includes(from) && team.models.includes(to), from, to, `expected a model the gateway routes aliased to one of the team's models (${team.models.join(", ")})`);
    }
}

function validateNetwork(p: Problems, t: ResolvedTenant): void {
    t.allowIngressFrom.forEach((source, i) => {
        const at = p.at("allowIngressFrom").at(i);
        checkDnsLabel(at, "namespace", source.namespace);
        checkLabels(at, "podLabels", source.podLabels, false);
    });
    for (const key of ["gatewayIngressPorts", "metricsPorts"] as const) {
        t[key].forEach((port, i) => p.at(key).check(isPort(port), i, port, "expected a port 1–65535"));
    }
    t.egress.forEach((rule, i) => {
        const at = p.at("egress").at(i);
        at.check(isCidr(rule.cidr), "cidr", rule.cidr, 'expected an IPv4 CIDR such as "10.0.0.0/16"');
        if (at.check(Array.isArray(rule.ports) && rule.ports.length > 0, "ports", rule.ports, "expected at least one port")) {
            rule.ports.forEach((port, j) => at.at("ports").check(isPort(port), j, port, "expected a port 1–65535"));
        }
    });
}

/** Checks one resolved tenant, recording problems under `p`. */
function validateTenant(p: Problems, t: ResolvedTenant, ctx: TenantContext): void {
    const reserved = [...new Set([...RESERVED_NAMESPACES, ...(ctx.reservedNamespaces ?? [])])];
    if (checkDnsLabel(p, "name", t.name, TENANT_NAME_MAX)) {
        p.check(!reserved.includes(t.name), "name", t.name, `expected a namespace the platform does not use (not ${reserved.join(", ")})`);
    }
    validateGpus(p, t, ctx.pools);
    validateQuota(p.at("quota"), t);
    validateContainerDefaults(p.at("containerDefaults"), t);
    validatePrincipals(p, t);
    validateTeam(p.at("team"), t, ctx.gatewayModels);
    validateNetwork(p, t);
    for (const [key, value] of Object.entries(t.tags)) p.at("tags").check(typeof value === "string", key, value, "expected a string");
}

/**
 * Validates every tenant of a stack together: each on its own (names, GPU
 * quota against its pools, quotas, principals, team), plus what must hold
 * across tenants (unique names; a principal in at most one tenant, as EKS
 * allows one access entry per principal). Throws one ValidationError listing
 * every problem; returns the tenants with defaults applied.
 */
export function validateTenants(tenants: readonly TenantSpec[], ctx: TenantContext): ResolvedTenant[] {
    const p = new Problems();
    const list = p.at("tenants");
    const resolved = tenants.map((spec) => resolveTenant(spec, ctx));
    resolved.forEach((t, i) => validateTenant(list.at(i), t, ctx));
    const owners = new Map<string, string>();
    const names = new UniqueNames();
    resolved.forEach((t, i) => {
        if (names.claim(t.name, String(i)) !== undefined) list.at(i).add("name", t.name, "tenant names must be unique; this one is already used");
        t.principals.forEach((pr, j) => {
            const key = principalKey(pr.arn);
            const owner = owners.get(key);
            if (owner !== undefined && owner !== t.name) {
                list.at(i).at("principals").at(j).add("arn", pr.arn, `already given to tenant "${owner}"; EKS allows one access entry per principal`);
            }
            if (owner === undefined) owners.set(key, t.name);
        });
    });
    p.throwIfAny("tenants");
    return resolved;
}

function validateGateway(p: Problems, g: GatewayConnection): void {
    if (!p.check(typeof g === "object" && g !== null, undefined, g, "expected { namespace, serviceName, port, masterKeySecret, podLabels }")) return;
    checkDnsLabel(p, "namespace", g.namespace);
    checkDnsLabel(p, "serviceName", g.serviceName);
    p.check(isPort(g.port), "port", g.port, "expected a port 1–65535");
    const secret = p.at("masterKeySecret");
    secret.check(isDnsSubdomain(g.masterKeySecret?.name), "name", g.masterKeySecret?.name, SECRET_NAME_RULE);
    secret.check(isSecretKey(g.masterKeySecret?.key), "key", g.masterKeySecret?.key, SECRET_KEY_RULE);
    checkLabels(p, "podLabels", g.podLabels, true);
}

function validatePools(p: Problems, pools: unknown): pools is TenantPoolInfo[] {
    if (!p.check(Array.isArray(pools), "pools", pools, "expected a list of { name, gpuLimit } (the cluster's GPU pools)")) return false;
    (pools as TenantPoolInfo[]).forEach((pool, i) => {
        checkDnsLabel(p.at("pools").at(i), "name", pool.name);
        p.at("pools").at(i).check(isInt(pool.gpuLimit, 0), "gpuLimit", pool.gpuLimit, "expected a whole number of GPUs ≥ 0");
        if (pool.advertisedPerGpu !== undefined) p.at("pools").at(i).check(isInt(pool.advertisedPerGpu, 1), "advertisedPerGpu", pool.advertisedPerGpu, "expected a whole number ≥ 1");
    });
    return true;
}

/** Validates TenantNamespace args; throws one ValidationError listing every problem. */
export function validateTenantNamespaceArgs(name: string, args: KnownTenantNamespaceArgs): ResolvedTenantNamespaceArgs {
    const p = new Problems();
    const poolsOk = validatePools(p, args.pools);
    const pools = poolsOk ? args.pools : [];
    const modelsOk = p.check(Array.isArray(args.knownModels) && args.knownModels.every((m) => typeof m === "string" && m.length > 0), "knownModels", args.knownModels, "expected the gateway's model names (non-empty strings)");
    const knownModels = modelsOk ? args.knownModels : [];
    p.check(args.clusterName !== undefined && args.clusterName !== "", "clusterName", args.clusterName, "expected the EKS cluster's name");
    validateGateway(p.at("gateway"), args.gateway);
    const ctx: TenantContext = { pools, gatewayModels: knownModels, reservedNamespaces: isDnsLabel(args.gateway?.namespace) ? [args.gateway.namespace] : [] };
    const tenant = resolveTenant(args, ctx);
    validateTenant(p, tenant, ctx);
    p.throwIfAny(`TenantNamespace "${name}" args`);
    return { tenant, gateway: args.gateway, pools };
}

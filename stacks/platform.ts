/**
 * The composition `pulumi up` runs: environment profile + stack config →
 * the args of every component, validated together before any is declared,
 * then the components themselves.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    addonPlacement,
    GPU_QUOTA_LABEL,
    GPU_RESOURCE,
    GpuCluster,
    GpuClusterArgs,
    GpuPoolInfo,
    PLATFORM_MANAGED_LABEL,
    PlatformCapacityType,
    resolveGpuClusterArgs,
    SYSTEM_NAMESPACES,
    validateGpuClusterArgs,
} from "../components/gpu-cluster";
import type { AgentPlatformFacts } from "../components/agent-service";
import type { PlatformStackOutputs } from "../components/platform-outputs";
import { HIDDEN, Problem, ValidationError } from "../components/internal/errors";
import { CACHE_PORT, type ExternalState, POSTGRES_PORT, StateSharing } from "../components/internal/managed-state-args";
import { poolAdvertisedPerGpu } from "../components/internal/gpu-instances";
import { COMPONENT_NAME_MAX } from "../components/internal/naming";
import { EndpointDemand, endpointCapacityProblems, TenantDemand, tenantCapacityProblems } from "../components/internal/pool-capacity";
import { principalKey } from "../components/internal/principal-arn";
import { isInt } from "../components/internal/validators";
import { gatewayNamespace, LlmGateway, LlmGatewayArgs, SelfHostedRoute, validateLlmGatewayArgs } from "../components/llm-gateway";
import {
    createInferenceGateway,
    INFERENCE_GATEWAY_NAMESPACE,
    inferenceGatewayRef,
    KnownModelEndpointArgs,
    ModelEndpoint,
    OBJECTIVE_HEADER,
    ResolvedModelEndpointArgs,
    objectiveName,
    PRIORITY_CLASSES,
    type PriorityClass,
    resolveModelEndpointArgs,
    routeOf,
    Routing,
    validateModelEndpointArgs,
} from "../components/model-endpoint";
import { EPP_EXT_PROC_PORT } from "../components/model-endpoint/inference-pool";
import { renderDeployment, VLLM_PORT } from "../components/model-endpoint/manifests";
import { renderLeaderWorkerSet } from "../components/model-endpoint/leader-worker-set";
import { observabilityNamespaces, ObservabilityStack, ObservabilityStackArgs, PROMETHEUS_URL, validateObservabilityStackArgs } from "../components/observability-stack";
import { DATABASE_NAME as LANGFUSE_DATABASE } from "../components/observability-stack/values";
import { SharedState, SharedStateArgs, STATE_NAMESPACE, validateSharedStateArgs } from "../components/shared-state";
import { GatewayConnection, KnownTenantNamespaceArgs, resolveTenant, TenantNamespace, validateTenants } from "../components/tenant-namespace";
import { asArgs } from "../components/internal/k8s-object";
import { isCidr, zoneSubnets } from "../components/internal/cidr";
import { namespaceIngressPolicies, namespacePeer, platformPeer, tcp } from "../components/internal/network-policy";
import { GATEWAY_POD_LABELS } from "../components/llm-gateway/manifests";
import { PROMETHEUS_PEER } from "../components/observability-stack/network-policies";
import { NAMESPACE, PlatformConfig } from "./config";
import { postureProblems, productionOverridesInForce } from "./posture";
import { modelPrice, modelPriceProblems, regionProblems } from "./pricing";
import { isPriceRegion, PriceRegion } from "../plan/prices";

/** What differs between environments unless the stack's config says otherwise. */
export const PROFILES = {
    dev: {
        network: { availabilityZoneCount: 2, natGateways: "single" as const },
        /**
         * Audit only, so one replica of each Kyverno controller and of KEDA's three parts: dev's idle pods must fit
         * the one platform node its idle floor prices (issue 15); a drain pauses admission reports and scaling briefly.
         */
        kyverno: { enforcement: "Audit" as const, admissionReplicas: 1, controllerReplicas: 1 },
        kedaReplicas: 1,
        /** Karpenter's two replicas, one node each. */
        systemNodes: { minSize: 2, desiredSize: 2, maxSize: 2 },
        /** Add-ons may run on spot: interruptions are brief in dev, and Karpenter handles them. */
        platformPool: { capacityTypes: [PlatformCapacityType.Spot, PlatformCapacityType.OnDemand] as PlatformCapacityType[] },
        /** Idle models scale to zero; the gateway's traffic wakes them. */
        scaleToZero: true,
        /** The gateway and Langfuse share one PostgreSQL instance and one cache (a database, role and cache database each). */
        state: { sharing: StateSharing.Shared as StateSharing },
        production: false,
    },
    prod: {
        network: { availabilityZoneCount: 3, natGateways: "perZone" as const },
        kyverno: { enforcement: "Enforce" as const, admissionReplicas: 3, controllerReplicas: 2 },
        kedaReplicas: 2,
        systemNodes: { minSize: 2, desiredSize: 2, maxSize: 3 },
        platformPool: { capacityTypes: [PlatformCapacityType.OnDemand] as PlatformCapacityType[] },
        scaleToZero: false,
        /** Separate and HA: each component's own Multi-AZ instance and failover cache (validatePlatform refuses shared). */
        state: { sharing: StateSharing.Dedicated as StateSharing },
        production: true,
    },
};

/** Namespace of the platform's own model endpoints. */
export const MODELS_NAMESPACE = "models";

/**
 * What the components after the cluster need of it in their args; a GpuCluster
 * provides all of it. Its Kubernetes provider reaches them as a resource option.
 */
export interface ClusterFacts {
    /** The GPU pools, plain: the platform validates its endpoints and tenants against them before declaring anything. */
    pools: GpuPoolInfo[];
    /** Add-ons the components' pods and objects need first (GPU Operator, Kyverno): their `dependsOn`. */
    addons?: pulumi.Resource[];
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string>[];
    clusterSecurityGroupId: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
}

const tags = (config: PlatformConfig) => ({ ...config.tags, environment: config.environment });

/** A Pulumi secret from a secret config value, or undefined when unset. */
const secret = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));

/** Namespaces of add-ons installed by chart (their pods are the charts' own): exempt from the tenant admission policies. */
export function addonNamespaces(config: PlatformConfig): string[] {
    return [...observabilityNamespaces(config.observability), INFERENCE_GATEWAY_NAMESPACE];
}

/**
 * Every namespace the platform uses, from the components that use them (no
 * tenant may take one: it would share the platform's Secrets, declare the
 * namespace twice and inherit its policy exemptions).
 */
export function platformNamespaces(config: PlatformConfig): string[] {
    // The shared state's namespace is reserved in either mode: a stack may switch to sharing later.
    return [...new Set([...SYSTEM_NAMESPACES, ...addonNamespaces(config), MODELS_NAMESPACE, gatewayNamespace({}), STATE_NAMESPACE])];
}

export function clusterArgs(config: PlatformConfig): GpuClusterArgs {
    const profile = PROFILES[config.environment];
    const c = config.cluster;
    return {
        ...c,
        // Required; a missing one is refused by validateGpuClusterArgs at its config key.
        deployerPrincipalArn: c.deployerPrincipalArn as string,
        network: { ...profile.network, ...c.network },
        kyverno: { ...profile.kyverno, ...c.kyverno, exemptNamespaces: addonNamespaces(config) },
        kedaReplicas: profile.kedaReplicas,
        systemNodes: { ...profile.systemNodes, ...c.systemNodes },
        platformPool: { ...profile.platformPool, ...c.platformPool },
        pools: config.pools,
        // Any ingress the stack asks for needs the `alb` class's controller.
        albIngress: config.gateway.ingress !== undefined || config.observability.ingress !== undefined,
        // A model spanning nodes needs the LeaderWorkerSet controller (and EFA on its pool).
        multiNode: config.models.some((m) => (m.nodes ?? 1) > 1),
        protectStatefulResources: profile.production,
        tags: tags(config),
    };
}

/**
 * PromQL that rises while the gateway receives requests for `model`, under its
 * own name or a priority route's (`<model>@batch`, which a batch team's alias
 * may report): wakes an endpoint scaled to zero.
 */
export function gatewayDemandQuery(model: string): string {
    const names = (Object.keys(PRIORITY_CLASSES) as PriorityClass[]).map((p) => priorityModelName(model, p).replace(/[.\\^$|?*+()[\]{}]/g, "\\\\$&"));
    return `sum(rate(litellm_proxy_total_requests_metric_total{requested_model=~"${names.join("|")}"}[2m]))`;
}

/** The endpoint's args from config; without the cluster's name (resolving defaults only) S3 weights fail validation. */
export function endpointArgs(config: PlatformConfig, m: PlatformConfig["models"][number], cluster: Pick<ClusterFacts, "pools"> & Partial<Pick<ClusterFacts, "clusterName">>): KnownModelEndpointArgs {
    const profile = PROFILES[config.environment];
    const served = m.servedModelName ?? m.name;
    // Production endpoints keep two replicas unless the stack says otherwise (ModelEndpoint `production`).
    const minReplicas = m.autoscaling?.minReplicas ?? (profile.scaleToZero ? 0 : profile.production ? 2 : 1);
    return {
        cluster: { pools: cluster.pools, clusterName: cluster.clusterName },
        pool: m.pool,
        namespace: MODELS_NAMESPACE,
        model: m.model,
        servedModelName: served,
        tensorParallelSize: m.tensorParallelSize,
        maxModelLen: m.maxModelLen,
        gpuMemoryUtilization: m.gpuMemoryUtilization,
        enablePrefixCaching: m.enablePrefixCaching,
        maxNumSeqs: m.maxNumSeqs,
        dtype: m.dtype,
        quantization: m.quantization,
        extraArgs: m.extraArgs,
        trustRemoteCode: m.trustRemoteCode,
        resources: m.resources,
        cacheVolume: m.cacheVolume,
        nodes: m.nodes,
        parametersBillions: m.parametersBillions,
        hfToken: secret(config.hfToken),
        autoscaling: {
            ...m.autoscaling,
            serverAddress: PROMETHEUS_URL,
            minReplicas,
            allowScaleToZero: profile.scaleToZero,
            ...(minReplicas === 0 ? { wakeQuery: gatewayDemandQuery(served) } : {}),
        },
        production: profile.production,
        routing: m.routing,
        inferenceGateway: inferenceGatewayRef(),
        tags: tags(config),
    };
}

/** The platform's endpoints with their defaults applied (and their index in `models`), for those whose pool exists (validation reports the others). */
function resolvedEndpoints(config: PlatformConfig, pools: readonly GpuPoolInfo[]) {
    return config.models.flatMap((m, index) => {
        const pool = pools.find((p) => p.name === m.pool);
        return pool ? [{ index, endpoint: resolveModelEndpointArgs(m.name, endpointArgs(config, m, { pools: [...pools] }), pool) }] : [];
    });
}

/** True when some endpoint routes kv-aware: the cluster then needs the inference Gateway. */
export function needsInferenceGateway(config: PlatformConfig, pools: readonly GpuPoolInfo[]): boolean {
    return resolvedEndpoints(config, pools).some(({ endpoint }) => endpoint.routing.mode === Routing.KvAware);
}

/**
 * The gateway model name through which requests of `priority` reach a kv-aware
 * model: the model's own name for interactive traffic, `<name>@batch` for
 * batch. Teams of batch tenants alias the model to it (`priorityTeam`).
 */
export function priorityModelName(modelName: string, priority: PriorityClass): string {
    return priority === "interactive" ? modelName : `${modelName}@${priority}`;
}

/**
 * The gateway's self-hosted routes, known from config and the pools: each
 * endpoint's Service, or for a kv-aware endpoint the inference Gateway with
 * the header that picks its HTTPRoute, once per priority class, each carrying
 * the InferenceObjective of its class (OBJECTIVE_HEADER). Each is priced per
 * token from its pool's price in `region` (stacks/pricing.ts) so tenants'
 * budgets count self-hosted use; a model that cannot be priced (reported by
 * validatePlatform) gets no price.
 */
export function selfHostedRoutes(config: PlatformConfig, pools: readonly GpuPoolInfo[], region: PriceRegion | undefined): SelfHostedRoute[] {
    return resolvedEndpoints(config, pools).flatMap(({ index, endpoint: r }) => {
        const price = region === undefined ? undefined : modelPrice(config, index, region);
        const cost = price && "costPerToken" in price ? { inputCostPerToken: price.costPerToken, outputCostPerToken: price.costPerToken } : {};
        const route = routeOf(r);
        if (r.routing.mode !== Routing.KvAware) return [{ servedModelName: route.servedModelName, baseUrl: route.baseUrl, ...cost }];
        return (Object.keys(PRIORITY_CLASSES) as PriorityClass[]).map((priority) => ({
            modelName: priorityModelName(route.servedModelName, priority),
            servedModelName: route.servedModelName,
            baseUrl: route.baseUrl,
            headers: { ...route.headers, [OBJECTIVE_HEADER]: objectiveName(r.name, priority) },
            ...cost,
        }));
    });
}

/** What a component with its own databases needs of the cluster: where to put them and whom to admit. */
function stateNetwork(cluster: ClusterFacts) {
    return {
        clusterName: cluster.clusterName,
        vpcId: cluster.vpcId,
        subnetIds: cluster.privateSubnetIds,
        clusterSecurityGroupId: cluster.clusterSecurityGroupId,
    };
}

/** The subnets an ingress ALB of `scheme` runs in (GpuCluster lays them out with `zoneSubnets`): where it sends to pods from. */
function loadBalancerSubnets(config: PlatformConfig, scheme: "internal" | "internet-facing" = "internal"): string[] | undefined {
    const network = resolveGpuClusterArgs(clusterArgs(config)).network;
    // A VPC CIDR that cannot be laid out is reported once, at genai-platform:cluster.network.vpcCidr.
    if (!isCidr(network.vpcCidr)) return undefined;
    let subnets: ReturnType<typeof zoneSubnets>;
    try {
        subnets = zoneSubnets(network.vpcCidr, network.availabilityZoneCount);
    } catch {
        return undefined;
    }
    return scheme === "internet-facing" ? subnets.public : subnets.private;
}

/** The stack's state sharing: its config's, else its environment profile's. */
export function stateSharing(config: PlatformConfig): StateSharing {
    return config.state.sharing ?? PROFILES[config.environment].state.sharing;
}

/**
 * The shared instance's databases, and the cache database each consumer
 * keeps its keys in: LiteLLM selects none (its router and cache settings take
 * host, port and password only, so it stays in 0), Langfuse takes 1.
 */
export const SHARED_STATE_CONSUMERS = {
    gateway: { database: "litellm", cacheDatabase: 0 },
    langfuse: { database: LANGFUSE_DATABASE, cacheDatabase: 1 },
} as const;

export function sharedStateArgs(config: PlatformConfig, cluster: ClusterFacts): SharedStateArgs {
    return {
        ...stateNetwork(cluster),
        databases: [SHARED_STATE_CONSUMERS.gateway.database, SHARED_STATE_CONSUMERS.langfuse.database],
        database: config.state.database,
        cache: config.state.cache,
        tags: tags(config),
    };
}

type SharedServer = Pick<SharedState, "databases" | "cache" | "ready">;

/** What the gateway and Langfuse are each given of a shared server. */
export function externalStates(server: SharedServer): { gateway: ExternalState; langfuse: ExternalState } {
    const of = (c: { database: string; cacheDatabase: number }): ExternalState => ({ database: server.databases[c.database], cache: { ...server.cache, database: c.cacheDatabase }, ready: server.ready });
    return { gateway: of(SHARED_STATE_CONSUMERS.gateway), langfuse: of(SHARED_STATE_CONSUMERS.langfuse) };
}

/** A SharedState's outputs before it exists: validation reads the names and indexes, never the pending values. */
function pendingSharedServer(): SharedServer {
    const pending = pulumi.output("");
    const database = (name: string) => ({ host: pending, port: POSTGRES_PORT, name, password: pending, adminSecret: { namespace: STATE_NAMESPACE, name: "", key: "" } });
    const { gateway, langfuse } = SHARED_STATE_CONSUMERS;
    return { databases: { [gateway.database]: database(gateway.database), [langfuse.database]: database(langfuse.database) }, cache: { host: pending, port: CACHE_PORT, password: pending }, ready: [] };
}

/**
 * Combinations of `state` with other keys that cannot hold: production keeps
 * dedicated, Multi-AZ state (one shared instance would be one failure domain
 * for the gateway and Langfuse, with no standby); sizes go to the servers the
 * mode creates.
 */
function stateProblems(config: PlatformConfig): Problem[] {
    const problems: Problem[] = [];
    const key = (path: string) => `${NAMESPACE}:${path}`;
    if (stateSharing(config) === StateSharing.Shared) {
        if (PROFILES[config.environment].production) {
            problems.push({ path: key("state.sharing"), value: StateSharing.Shared, allowed: `expected "${StateSharing.Dedicated}" in a production stack: production keeps the gateway's and Langfuse's state separate and HA (each its own Multi-AZ instance and failover cache)` });
        }
        for (const field of ["database", "cache"] as const) {
            if (config.gateway[field] !== undefined) {
                problems.push({ path: key(`gateway.${field}`), value: config.gateway[field], allowed: `not with ${key("state.sharing")} "${StateSharing.Shared}": the gateway's ${field} is on the shared server; size it at ${key(`state.${field}`)}` });
            }
        }
    } else {
        for (const field of ["database", "cache"] as const) {
            if (config.state[field] !== undefined) {
                problems.push({ path: key(`state.${field}`), value: config.state[field], allowed: `sizes the shared ${field} of ${key("state.sharing")} "${StateSharing.Shared}"; with "${StateSharing.Dedicated}" size each component's (${key(`gateway.${field}`)})` });
            }
        }
    }
    return problems;
}

export function observabilityArgs(config: PlatformConfig, cluster: ClusterFacts, externalState?: ExternalState): ObservabilityStackArgs {
    const o = config.observability;
    return {
        ...stateNetwork(cluster),
        externalState,
        loadBalancerSourceCidrs: loadBalancerSubnets(config, o.ingress?.scheme),
        addons: cluster.addons,
        production: PROFILES[config.environment].production,
        langfuse: o.langfuse,
        ingress: o.ingress,
        prometheus: o.prometheus,
        alerts: o.alerts && {
            ...o.alerts,
            slack: o.alerts.slack && { channel: o.alerts.slack.channel, webhookUrl: secret(config.slackWebhookUrl) ?? "" },
        },
        clusterMode: config.cluster.mode,
        karpenterNamespace: config.cluster.mode === "auto" ? false : undefined,
        tags: tags(config),
    };
}

export function gatewayArgs(config: PlatformConfig, cluster: ClusterFacts, region: PriceRegion | undefined, langfuse?: LlmGatewayArgs["langfuse"], dependsOn: pulumi.Resource[] = [], externalState?: ExternalState): LlmGatewayArgs {
    const g = config.gateway;
    return {
        ...stateNetwork(cluster),
        production: PROFILES[config.environment].production,
        selfHosted: selfHostedRoutes(config, cluster.pools, region),
        hosted: g.hosted,
        providerKeys: { openai: secret(config.openaiApiKey), anthropic: secret(config.anthropicApiKey), gemini: secret(config.geminiApiKey) },
        routing: {
            strategy: g.routingStrategy,
            numRetries: g.numRetries,
            timeoutSeconds: g.timeoutSeconds,
            fallbacks: g.fallbacks,
            contextWindowFallbacks: g.contextWindowFallbacks,
        },
        replicas: g.replicas,
        // Shared state is sized at `state` (stateProblems refuses gateway.database/cache beside it).
        ...(externalState ? { externalState } : { database: g.database, cache: g.cache }),
        ingress: g.ingress,
        langfuse,
        tags: tags(config),
        dependsOn,
    };
}

/** The model names the gateway will serve, known from config and the pools (a kv-aware model's priority routes included). */
export function gatewayModelNames(config: PlatformConfig, pools: readonly GpuPoolInfo[]): string[] {
    return [...new Set([...selfHostedRoutes(config, pools, undefined).map((r) => r.modelName ?? r.servedModelName), ...config.gateway.hosted.map((h) => h.modelName)])];
}

/** A pool as tenants see it: physical GPU limit and the nvidia.com/gpu each GPU advertises (their quota's unit). */
const tenantPool = (p: GpuPoolInfo) => ({ name: p.name, gpuLimit: p.gpuLimit, advertisedPerGpu: poolAdvertisedPerGpu(p) });

export function tenantArgs(
    config: PlatformConfig,
    t: PlatformConfig["tenants"][number],
    cluster: Pick<ClusterFacts, "pools" | "clusterName">,
    gateway: GatewayConnection,
): KnownTenantNamespaceArgs {
    const { priority, ...spec } = t;
    return {
        ...spec,
        team: { ...t.team, ...priorityTeam(config, cluster.pools, t.team.models, priority ?? "interactive") },
        clusterName: cluster.clusterName,
        pools: cluster.pools.map(tenantPool),
        gateway,
        knownModels: gatewayModelNames(config, cluster.pools),
        tags: tags(config),
    };
}

/**
 * How a tenant's requests carry its priority: LiteLLM cannot set a header per
 * team (team-based tag routing is an Enterprise feature at
 * main-v1.81.0-stable), so each kv-aware model has one route per priority
 * class (`selfHostedRoutes`), and a team whose priority is not interactive
 * aliases every kv-aware model it may call to that class's route (LiteLLM
 * team `model_aliases`), which it is then also allowed.
 */
function priorityTeam(config: PlatformConfig, pools: readonly GpuPoolInfo[], models: string[] | undefined, priority: PriorityClass): { models?: string[]; modelAliases?: Record<string, string> } {
    if (priority === "interactive") return {};
    const kvAware = resolvedEndpoints(config, pools).map(({ endpoint }) => endpoint).filter((r) => r.routing.mode === Routing.KvAware).map((r) => r.servedModelName);
    const aliased = kvAware.filter((m) => models === undefined || models.includes(m));
    if (aliased.length === 0) return {};
    const target = (m: string) => priorityModelName(m, priority);
    return {
        ...(models ? { models: [...models, ...aliased.map(target).filter((m) => !models.includes(m))] } : {}),
        modelAliases: Object.fromEntries(aliased.map((m) => [m, target(m)])),
    };
}

/**
 * The names of the platform's components, derived once from the stack name:
 * validation checks exactly these and `createPlatform` declares them, and the
 * components derive their AWS and Kubernetes names from them.
 */
export function platformNames(stackName: string) {
    const base = `genai-${stackName}`;
    return {
        cluster: base,
        observability: `${base}-observability`,
        gateway: `${base}-gateway`,
        state: `${base}-state`,
        modelsNamespace: `${base}-models`,
        inferenceGateway: `${base}-infgw`,
    };
}

/** The longest stack name every derived component name fits (`genai-<stack>-observability` is the longest). */
export const STACK_NAME_MAX = COMPONENT_NAME_MAX - (platformNames("").observability.length);

/** Where problems with a name derived from the stack name are reported: the user chose the stack name, not the derived one. */
export const STACK_NAME_KEY = "pulumi stack name";

/**
 * Moves a component's problem with its own name (derived from the stack name)
 * to the stack name; other problems pass through.
 */
function onStackName(problems: Problem[], prefix: string, stackName: string, component: string, derived: string): Problem[] {
    return problems.map((p) =>
        p.path === `${prefix}name`
            ? {
                  path: STACK_NAME_KEY,
                  value: stackName,
                  allowed: `it names ${component} "${derived}", which must be ${p.allowed.replace(/^expected /, "")}; choose a stack name of at most ${STACK_NAME_MAX} characters: lowercase letters, digits and '-'`,
              }
            : p,
    );
}

/**
 * Runs `validate`, returning its problems with paths moved under the config
 * key `prefix`; `rename` maps a component path the stack derived from another
 * key back to the key the user wrote (and may hide its value).
 */
function problemsOf(prefix: string, validate: () => unknown, rename: (p: Problem) => Problem = (p) => p): Problem[] {
    try {
        validate();
        return [];
    } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return e.problems.map((p) => {
            const renamed = rename(p);
            return renamed.path === p.path ? { ...p, path: `${prefix}${p.path}` } : renamed;
        });
    }
}

/** LlmGateway args the stack derives from other keys → those keys (`routing.numRetries` → `gateway.numRetries`, `selfHosted[i]` → `models[i]`). */
function gatewayKey(config: PlatformConfig) {
    const routing: Record<string, string> = { strategy: "routingStrategy", numRetries: "numRetries", timeoutSeconds: "timeoutSeconds", fallbacks: "fallbacks", contextWindowFallbacks: "contextWindowFallbacks" };
    return (p: Problem): Problem => {
        const route = /^routing\.([A-Za-z]+)(.*)$/.exec(p.path);
        if (route && routing[route[1]]) return { ...p, path: `${NAMESPACE}:gateway.${routing[route[1]]}${route[2]}` };
        const selfHosted = /^selfHosted\[(\d+)\]/.exec(p.path);
        if (selfHosted) {
            const i = Number(selfHosted[1]);
            return { ...p, path: `${NAMESPACE}:models[${i}].${config.models[i]?.servedModelName !== undefined ? "servedModelName" : "name"}` };
        }
        const key = /^providerKeys\.([a-z]+)$/.exec(p.path);
        if (key) return { ...p, path: `${NAMESPACE}:${key[1]}ApiKey`, value: HIDDEN };
        return p;
    };
}

/** ObservabilityStack args the stack derives from other keys: the Slack webhook is the secret `slackWebhookUrl`. */
function observabilityKey(p: Problem): Problem {
    return p.path === "alerts.slack.webhookUrl" ? { ...p, path: `${NAMESPACE}:slackWebhookUrl`, value: HIDDEN } : p;
}

/** Drops tenant problems at a `team.models` the tenant did not write (defaulted to every gateway model, whose own keys report them). */
function writtenTenantKeys(config: PlatformConfig) {
    return (problems: Problem[]): Problem[] =>
        problems.filter((p) => {
            const match = /^genai-platform:tenants\[(\d+)\]\.team\.models/.exec(p.path);
            return !match || config.tenants[Number(match[1])]?.team.models !== undefined;
        });
}

/** Problems reported twice (a model name both ModelEndpoint and LlmGateway refuse), once. */
function unique(problems: Problem[]): Problem[] {
    const seen = new Set<string>();
    return problems.filter((p) => {
        const key = `${p.path}\u0000${p.allowed}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

/**
 * What the endpoints and tenants sharing each pool need together (each alone
 * is checked by its component): endpoints' full scale and warm floors, and
 * each tenant's quota on top of the warm floors on its pools.
 */
function capacityProblems(config: PlatformConfig, facts: ClusterFacts): Problem[] {
    const pools = facts.pools.map(tenantPool);
    const endpoints = config.models.flatMap((m, i): EndpointDemand[] => {
        const pool = facts.pools.find((p) => p.name === m.pool);
        if (!pool) return [];
        const r = resolveModelEndpointArgs(m.name, endpointArgs(config, m, facts), pool);
        const { minReplicas, maxReplicas } = r.autoscaling;
        if (![minReplicas, maxReplicas, r.tensorParallelSize].every((n) => isInt(n, 0))) return [];
        // A multi-node replica holds tensorParallelSize GPUs on each of its nodes.
        return [{ key: `${NAMESPACE}:models[${i}]`, pool: m.pool, minReplicas, maxReplicas, gpusPerReplica: r.tensorParallelSize * r.nodes }];
    });
    const tenants = config.tenants.map((t, i): TenantDemand => {
        const resolved = resolveTenant(t, { pools, gatewayModels: [] });
        return { key: `${NAMESPACE}:tenants[${i}]`, name: t.name, pools: resolved.gpuPools, quota: resolved.gpuQuotaAdvertised, written: resolved.gpuQuota };
    });
    return [...endpointCapacityProblems(pools, endpoints), ...tenantCapacityProblems(pools, endpoints, tenants)];
}

/** GpuCluster paths: pools live at the namespace's top level, the rest under `cluster`. */
const clusterPrefix = (path: string) => (path.startsWith("pools") ? `${NAMESPACE}:` : `${NAMESPACE}:cluster.`);

/**
 * Validates every component's args against each other, under the names the
 * stack will declare (`platformNames`), before anything is declared; throws one
 * ValidationError with every problem at its config key (or the stack name).
 * Runtime facts (provider, VPC ids) are not known yet; validation never reads them.
 * `awsRegion` is the stack's `aws:region`: it must be a Region plan/prices.ts
 * covers, and every self-hosted model must be priceable there.
 */
export function validatePlatform(config: PlatformConfig, stackName: string, awsRegion: string | undefined): void {
    const names = platformNames(stackName);
    const region = awsRegion !== undefined && isPriceRegion(awsRegion) ? awsRegion : undefined;
    const problems: Problem[] = [...postureProblems(config, stackName), ...regionProblems(awsRegion)];
    const clusterProblems = problemsOf("", () => validateGpuClusterArgs(names.cluster, clusterArgs(config))).map((p) => ({ ...p, path: `${clusterPrefix(p.path)}${p.path}` }));
    problems.push(...onStackName(clusterProblems, `${NAMESPACE}:cluster.`, stackName, "GpuCluster", names.cluster));
    // What the others need of the cluster, from its args even when they are invalid (so problems do not cascade).
    // Ids that only exist once the cluster does are Outputs here, which validation leaves unchecked.
    const settings = resolveGpuClusterArgs(clusterArgs(config));
    const pending = pulumi.output("");
    const facts: ClusterFacts = {
        pools: settings.pools.map((p) => ({ ...p, instanceFamilies: p.instanceFamilies ?? [], gpuNames: p.gpuNames ?? [] })),
        vpcId: pending,
        privateSubnetIds: Array.from({ length: settings.network.availabilityZoneCount }, () => pending),
        clusterSecurityGroupId: pending,
        clusterName: pending,
    };
    config.models.forEach((m, i) => {
        const endpointProblems = problemsOf(`${NAMESPACE}:models[${i}].`, () => validateModelEndpointArgs(m.name, endpointArgs(config, m, facts)));
        problems.push(...endpointProblems);
        // Priced only once its endpoint is valid: a bad tensorParallelSize is reported there, not again as unpriceable.
        if (region && endpointProblems.length === 0) problems.push(...modelPriceProblems(config, i, region));
    });
    problems.push(...stateProblems(config));
    const shared = stateSharing(config) === StateSharing.Shared;
    const external = shared ? externalStates(pendingSharedServer()) : undefined;
    if (shared) {
        const state = `${NAMESPACE}:state.`;
        problems.push(...onStackName(problemsOf(state, () => validateSharedStateArgs(names.state, sharedStateArgs(config, facts))), state, stackName, "SharedState", names.state));
    }
    const observability = `${NAMESPACE}:observability.`;
    problems.push(...onStackName(problemsOf(observability, () => validateObservabilityStackArgs(names.observability, observabilityArgs(config, facts, external?.langfuse)), observabilityKey), observability, stackName, "ObservabilityStack", names.observability));
    const gateway = `${NAMESPACE}:gateway.`;
    problems.push(...onStackName(problemsOf(gateway, () => validateLlmGatewayArgs(names.gateway, gatewayArgs(config, facts, region, undefined, [], external?.gateway)), gatewayKey(config)), gateway, stackName, "LlmGateway", names.gateway));
    problems.push(...writtenTenantKeys(config)(problemsOf(`${NAMESPACE}:`, () => validateTenants(config.tenants, { pools: facts.pools.map(tenantPool), gatewayModels: gatewayModelNames(config, facts.pools), reservedNamespaces: platformNamespaces(config) }))));
    problems.push(...capacityProblems(config, facts));
    // EKS allows one access entry per principal: a cluster admin (the deployer, admin as the cluster's creator, too)
    // cannot also be a tenant principal.
    const admins = new Set([...settings.adminPrincipalArns, settings.deployerPrincipalArn].map(principalKey));
    config.tenants.forEach((t, i) => (t.principals ?? []).forEach((p, j) => {
        if (admins.has(principalKey(p.arn))) problems.push({ path: `${NAMESPACE}:tenants[${i}].principals[${j}].arn`, value: p.arn, allowed: "this principal is already a cluster admin (genai-platform:cluster.adminPrincipalArns or .deployerPrincipalArn); EKS allows one access entry per principal" });
    }));
    // One bad stack name breaks several derived names; report it once, at the first.
    const firstOnStackName = problems.findIndex((p) => p.path === STACK_NAME_KEY);
    const reported = unique(problems.filter((p, i) => p.path !== STACK_NAME_KEY || i === firstOnStackName));
    if (reported.length > 0) throw new ValidationError("stack configuration", reported);
}

interface DeploymentShape {
    /** ModelEndpoint renders Recreate, or RollingUpdate with a maxSurge count. */
    strategy: { type: string; rollingUpdate?: { maxSurge: number } };
    template: { spec: { containers: { resources?: { requests?: Record<string, string> } }[] } };
}

/** Pods a rollout adds beyond the replica count: RollingUpdate's maxSurge, none for Recreate. */
function surgePods(strategy: DeploymentShape["strategy"]): number {
    return strategy.type === "RollingUpdate" ? strategy.rollingUpdate?.maxSurge ?? 0 : 0;
}

/**
 * GPUs the platform's own endpoints can hold at once: Σ (maxReplicas + the
 * rollout's surge pods) × the GPUs one replica's pod requests, read from the
 * Deployment each endpoint renders. Surge counts because a rollout at full
 * scale creates its extra pod before removing an old one (maxUnavailable 0);
 * a quota without it would stall that rollout. The request is in the unit
 * quotas count, the node's advertised `nvidia.com/gpu` (one time-slice or
 * MIG slice is one), so the sum is the quota the models namespace needs: no
 * more (a quota is a promise on the pools' capacity), no less.
 */
export function modelsGpuQuota(config: PlatformConfig, cluster: Pick<ClusterFacts, "pools" | "clusterName">): number {
    return config.models.reduce((sum, m) => {
        const endpoint = validateModelEndpointArgs(m.name, endpointArgs(config, m, cluster));
        if (endpoint.nodes > 1) return sum + groupGpus(endpoint);
        const deployment = renderDeployment(endpoint).spec as DeploymentShape;
        const perReplica = deployment.template.spec.containers.reduce((n, c) => n + Number(c.resources?.requests?.[GPU_RESOURCE] ?? 0), 0);
        const pods = endpoint.autoscaling.maxReplicas + surgePods(deployment.strategy);
        return sum + pods * perReplica;
    }, 0);
}

/**
 * GPUs a multi-node endpoint can hold: (maxReplicas + surge groups) × group
 * size × the GPUs each pod requests, read from the LeaderWorkerSet it renders.
 */
function groupGpus(endpoint: ResolvedModelEndpointArgs): number {
    const spec = renderLeaderWorkerSet(endpoint).spec as {
        rolloutStrategy: { rollingUpdateConfiguration: { maxSurge: number } };
        leaderWorkerTemplate: { size: number; leaderTemplate: DeploymentShape["template"] };
    };
    const perPod = spec.leaderWorkerTemplate.leaderTemplate.spec.containers.reduce((n, c) => n + Number(c.resources?.requests?.[GPU_RESOURCE] ?? 0), 0);
    return (endpoint.autoscaling.maxReplicas + spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge) * spec.leaderWorkerTemplate.size * perPod;
}

/**
 * The namespace the platform's own endpoints run in: restricted Pod
 * Security, and a GPU quota (the label Kyverno's gpu-requires-quota-namespace
 * reads, and the ResourceQuota that label promises) sized by modelsGpuQuota.
 * Extended resources are quota'd by `requests.` only (Kubernetes "Resource
 * Quotas": overcommit is not allowed for them, so a `limits.` line is refused).
 */
function modelsNamespace(name: string, cluster: GpuCluster, gpus: number): pulumi.Resource[] {
    const namespace = new k8s.core.v1.Namespace(name, {
        metadata: {
            name: MODELS_NAMESPACE,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
                [PLATFORM_MANAGED_LABEL]: "true",
                [GPU_QUOTA_LABEL]: String(gpus),
                "genai-platform.io/gpu-pools": cluster.pools.map((p) => p.name).join(","),
            },
        },
    }, { provider: cluster.provider });
    const quota = new k8s.core.v1.ResourceQuota(`${name}-gpu-quota`, {
        metadata: { name: "gpu-quota", namespace: MODELS_NAMESPACE, labels: { [PLATFORM_MANAGED_LABEL]: "true" } },
        spec: { hard: { [`requests.${GPU_RESOURCE}`]: String(gpus) } },
    }, { provider: cluster.provider, dependsOn: [namespace] });
    return [namespace, quota];
}

/**
 * The models namespace admits only itself, the gateway and Prometheus, on
 * vLLM's port: tenants reach the platform's models through the gateway,
 * where their budgets and rate limits apply.
 */
function modelsNetworkPolicies(namespaceName: string, cluster: GpuCluster, namespace: pulumi.Resource, kvAware: boolean): void {
    const { namespace: gatewayNs, proxyPodLabels } = inferenceGatewayRef();
    const policies = namespaceIngressPolicies(MODELS_NAMESPACE, { [PLATFORM_MANAGED_LABEL]: "true" }, [
        { name: "allow-gateway-to-models", from: [platformPeer(GATEWAY_POD_LABELS)], ports: tcp([VLLM_PORT]) },
        { name: "allow-prometheus-to-models", from: [PROMETHEUS_PEER], ports: tcp([VLLM_PORT]) },
        // The inference Gateway's proxy sends to the replica the picker chose, after asking the picker (ext-proc gRPC).
        ...(kvAware ? [{ name: "allow-inference-gateway-to-models", from: [namespacePeer(gatewayNs, proxyPodLabels)], ports: tcp([VLLM_PORT, EPP_EXT_PROC_PORT]) }] : []),
    ]);
    for (const p of policies) {
        new k8s.networking.v1.NetworkPolicy(`${namespaceName}-${p.metadata.name}`, asArgs<k8s.networking.v1.NetworkPolicyArgs>(p), { provider: cluster.provider, dependsOn: [namespace] });
    }
}

/**
 * The stack's outputs: `PlatformStackOutputs` (components/platform-outputs.ts,
 * the contract tenant programs read through a StackReference), each as an
 * Input of its type, so the compiler holds the stack to that contract.
 */
export type PlatformOutputs = { [K in keyof PlatformStackOutputs]: pulumi.Input<PlatformStackOutputs[K]> };

function agentPlatform(config: PlatformConfig, cluster: GpuCluster, gateway: LlmGateway, observability: ObservabilityStack): AgentPlatformFacts {
    const { namespace, serviceName, port, podLabels } = gateway.adminConnection;
    const network = cluster.settings.network;
    return {
        gateway: { namespace, serviceName, port, podLabels },
        // The gateway's RDS instance sits in the cluster's private subnets (its subnet group).
        database: { ...gateway.database, cidrs: zoneSubnets(network.vpcCidr, network.availabilityZoneCount).private },
        tracing: observability.collector,
        // What each TenantNamespace gives its team, resolved from the same config.
        tenantModels: Object.fromEntries(config.tenants.map((t) => [t.name, resolveTenant(t, { pools: cluster.pools.map(tenantPool), gatewayModels: gatewayModelNames(config, cluster.pools) }).team.models])),
        allowedRegistries: cluster.settings.kyverno.allowedRegistries,
    };
}

/** Declares the platform for one stack in `awsRegion` (its `aws:region`). */
export function createPlatform(config: PlatformConfig, stackName: string, awsRegion: string | undefined): PlatformOutputs {
    validatePlatform(config, stackName, awsRegion);
    // validatePlatform refused any Region plan/prices.ts does not cover.
    const region = awsRegion as PriceRegion;
    const overrides = productionOverridesInForce(config);
    for (const o of overrides) pulumi.log.warn(o);
    const names = platformNames(stackName);
    const cluster = new GpuCluster(names.cluster, clusterArgs(config));
    const shared = stateSharing(config) === StateSharing.Shared ? new SharedState(names.state, sharedStateArgs(config, cluster), { provider: cluster.provider, dependsOn: cluster.addons }) : undefined;
    const external = shared && externalStates(shared);
    const observability = new ObservabilityStack(names.observability, observabilityArgs(config, cluster, external?.langfuse), { provider: cluster.provider });
    // The quota exists before the endpoints' pods, so it counts every one of them.
    const models = modelsNamespace(names.modelsNamespace, cluster, modelsGpuQuota(config, cluster));
    const kvAware = needsInferenceGateway(config, cluster.pools);
    modelsNetworkPolicies(names.modelsNamespace, cluster, models[0], kvAware);
    const inferenceGateway = kvAware
        ? createInferenceGateway(names.inferenceGateway, cluster.provider, {
              placement: addonPlacement(cluster.settings.mode),
              routeNamespaces: [MODELS_NAMESPACE],
              replicas: PROFILES[config.environment].production ? 2 : 1,
              clients: [platformPeer(GATEWAY_POD_LABELS)],
          }, cluster.addons)
        : undefined;
    // Endpoints need the KEDA (a cluster add-on) and Prometheus operator CRDs (ScaledObject, ServiceMonitor) first, kv-aware ones the Gateway's.
    const endpointDeps = [observability.monitoringRelease, ...models, ...cluster.addons, ...(inferenceGateway?.resources ?? [])];
    for (const m of config.models) new ModelEndpoint(m.name, endpointArgs(config, m, cluster), { provider: cluster.provider, dependsOn: endpointDeps });
    // Its ServiceMonitor needs the Prometheus operator's CRDs.
    const gateway = new LlmGateway(names.gateway, gatewayArgs(config, cluster, region, observability.langfuse, [observability.monitoringRelease], external?.gateway), { provider: cluster.provider, dependsOn: cluster.addons });
    const tenants = config.tenants.map((t) => new TenantNamespace(`tenant-${t.name}`, tenantArgs(config, t, cluster, gateway.adminConnection), { provider: cluster.provider, dependsOn: [gateway] }));
    return {
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        vpcId: cluster.vpcId,
        gpuPools: cluster.pools,
        tenantPools: cluster.pools.map(tenantPool),
        tenantNamespaces: pulumi.output(Object.fromEntries(tenants.map((t, i) => [config.tenants[i].name, t.namespace]))),
        gateway: gateway.adminConnection,
        agentPlatform: agentPlatform(config, cluster, gateway, observability),
        gatewayUrl: gateway.baseUrl,
        gatewayModels: gateway.models,
        modelsNamespace: MODELS_NAMESPACE,
        langfuseUrl: observability.langfuse.host,
        prometheusUrl: observability.prometheusUrl,
        langfusePublicUrl: observability.langfusePublicUrl,
        grafanaUrl: observability.grafanaUrl,
        langfuseAdminEmail: observability.langfuseAdminEmail,
        langfuseAdminPassword: observability.langfuseAdminPassword,
        grafanaAdminPassword: observability.grafanaAdminPassword,
        productionOverrides: overrides,
    };
}

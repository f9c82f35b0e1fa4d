import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { AlbIngressArgs, checkHostName, resolveAlbIngress, ResolvedAlbIngress, validateAlbIngress } from "../internal/alb-ingress";
import { Problems } from "../internal/errors";
import { parseQuantity, QUANTITY_RULE } from "../internal/quantity";
import { isAwsRegion, isHttpHeaderName, isHttpHeaderValue, isHttpUrl, isInt, isNonNegativeNumber, isPositiveNumber } from "../internal/validators";
import type { CacheArgs, ExternalState, PostgresArgs } from "../internal/managed-state-args";
import { checkStoreOwnerName, resolveCache, resolvePostgres, validateCache, validatePostgres } from "../internal/managed-state-args";
import { checkDnsLabel } from "../internal/naming";
import { BEDROCK_MODEL_RULE, parseBedrockModel } from "./bedrock";

export const ROUTING_STRATEGIES = ["simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const HOSTED_PROVIDERS = ["openai", "anthropic", "gemini", "bedrock"] as const;
export type HostedProvider = (typeof HOSTED_PROVIDERS)[number];
/** Providers reached with an API key; Bedrock uses the gateway's IAM role instead. */
export type KeyedProvider = Exclude<HostedProvider, "bedrock">;
export const KEYED_PROVIDERS: readonly KeyedProvider[] = ["openai", "anthropic", "gemini"];

export { INGRESS_SCHEMES, type IngressScheme } from "../internal/alb-ingress";

/** Limits the router applies to one deployment (one `model_list` entry). */
export interface DeploymentLimits {
    /** Requests per minute this deployment takes before the router skips it. Default: unlimited. */
    rpm?: number;
    /** Tokens per minute this deployment takes before the router skips it. Default: unlimited. */
    tpm?: number;
    /** Seconds a call to this deployment may take. Default: `routing.timeoutSeconds`. */
    timeoutSeconds?: number;
}

/**
 * A self-hosted, OpenAI-compatible server (`ModelEndpoint.route` fits as is).
 * Several routes with the same `modelName` form one load-balanced model group.
 */
export interface SelfHostedRoute extends DeploymentLimits {
    /** The model name clients ask the gateway for, e.g. `"llama-3.1-8b"`. Default `servedModelName`. */
    modelName?: string;
    /** The name the server serves the model under (vLLM `--served-model-name`). */
    servedModelName: string;
    /** The server's OpenAI base URL, e.g. `http://llama.models.svc.cluster.local:8000/v1`. */
    baseUrl: string;
    /**
     * USD the gateway charges per prompt token (LiteLLM `input_cost_per_token`), so team and key budgets and
     * the spend metrics count self-hosted use. Default: none (LiteLLM then counts the route as free).
     */
    inputCostPerToken?: number;
    /** USD the gateway charges per generated token (LiteLLM `output_cost_per_token`). Default: none. */
    outputCostPerToken?: number;
    /**
     * Headers sent with every request of this route (LiteLLM `extra_headers`),
     * e.g. the ones that pick a kv-aware endpoint's HTTPRoute on the inference
     * Gateway and its InferenceObjective. Default none.
     */
    headers?: Record<string, string>;
}

/** A self-hosted route with its model name resolved. */
export type ResolvedSelfHostedRoute = SelfHostedRoute & { modelName: string };

/** A model of a hosted provider. Several routes with the same `modelName` form one model group. */
export interface HostedRoute extends DeploymentLimits {
    /** The model name clients ask the gateway for, e.g. `"gpt-4o"`. */
    modelName: string;
    /** Which provider serves the model. Required. */
    provider: HostedProvider;
    /**
     * The provider's model id, e.g. `"gpt-4o"`, `"claude-sonnet-4-5"`. For Bedrock: a foundation model id
     * (`"anthropic.claude-3-5-sonnet-20240620-v1:0"`), a cross-region inference profile id
     * (`"us.anthropic.claude-sonnet-4-5-20250929-v1:0"`) or an inference profile's ARN (see bedrock.ts).
     */
    model: string;
    /** AWS region of a Bedrock model. Required for Bedrock, not allowed for other providers. */
    region?: string;
}

/** API keys of the hosted providers, usually from Pulumi secret config. Required for each provider a route uses (not Bedrock). */
export interface ProviderKeys {
    /** `OPENAI_API_KEY`. Default: none. */
    openai?: pulumi.Input<string>;
    /** `ANTHROPIC_API_KEY`. Default: none. */
    anthropic?: pulumi.Input<string>;
    /** `GEMINI_API_KEY` (Google AI Studio). Default: none. */
    gemini?: pulumi.Input<string>;
}

export interface RoutingArgs {
    /** How the router picks a deployment within a model group. Default `"simple-shuffle"`. */
    strategy?: RoutingStrategy;
    /** Retries of a failed call before falling back. Default 2. */
    numRetries?: number;
    /** Seconds a call may take, for every deployment without its own. Default 600. */
    timeoutSeconds?: number;
    /** Model name → model names tried in order when it fails, e.g. self-hosted → hosted and back. Default: none. */
    fallbacks?: Record<string, string[]>;
    /** Model name → model names with larger context windows, tried when a prompt does not fit. Default: none. */
    contextWindowFallbacks?: Record<string, string[]>;
}

/** Langfuse project keys the gateway traces to through OpenTelemetry (`langfuse_otel`). */
export interface LangfuseArgs {
    /** Langfuse base URL, e.g. the ObservabilityStack's in-cluster URL. Required. */
    host: string;
    /** Project public key (`pk-lf-...`). Required. */
    publicKey: pulumi.Input<string>;
    /** Project secret key (`sk-lf-...`), kept secret. Required. */
    secretKey: pulumi.Input<string>;
}

export interface DatabaseArgs extends PostgresArgs {
    /** Standby in a second zone. Default `production`. */
    multiAz?: boolean;
    /** Refuse deletion (and take a final snapshot on delete). Default `production`. */
    deletionProtection?: boolean;
    /** Performance Insights. Default `production`. */
    performanceInsights?: boolean;
}

export type { CacheArgs };

/**
 * An HTTPS-only ALB in front of the gateway (class `alb`: the cluster needs
 * `GpuClusterArgs.albIngress`). Default scheme `"internal"`: the gateway stays
 * private to the VPC. Clients authenticate with their virtual keys.
 */
export interface IngressArgs extends AlbIngressArgs {
    /** Host name the rule matches. Default: any host. */
    host?: string;
}

export interface GatewayResourceArgs {
    /** Default `"500m"`. */
    cpuRequest?: string;
    /** Default `"1Gi"`. */
    memoryRequest?: string;
    /** Default `"2"`. */
    cpuLimit?: string;
    /** Default `"2Gi"`. */
    memoryLimit?: string;
}

export interface LlmGatewayArgs {
    /**
     * @deprecated Pass the provider as a resource option (`{ provider }` or
     * `{ providers: { kubernetes } }`), which reaches every child. Still
     * honoured when the options name no Kubernetes provider; refused when they
     * name another one.
     */
    provider?: k8s.Provider;
    /** VPC of the cluster; the database and cache live there. */
    vpcId: pulumi.Input<string>;
    /** Private subnets (2+ zones) for the database and cache subnet groups. */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster security group: the only source admitted to the database and cache. */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** EKS cluster name, for the Pod Identity association. Required when a route uses Bedrock. */
    clusterName?: pulumi.Input<string>;
    /** Namespace the gateway runs in, created by the component. Default `"llm-gateway"`. */
    namespace?: string;
    /** Production defaults: Multi-AZ, deletion protection and final snapshot, cache failover, 3 replicas. Default false. */
    production?: boolean;
    /** Self-hosted endpoints. Default none; at least one route overall. */
    selfHosted?: SelfHostedRoute[];
    /** Hosted provider models. Default none; at least one route overall. */
    hosted?: HostedRoute[];
    /** API keys of the providers `hosted` uses. Default none. */
    providerKeys?: ProviderKeys;
    /** Routing strategy, retries, timeouts, fallbacks. Defaults as documented on each field. */
    routing?: RoutingArgs;
    /** Langfuse tracing. Default: off. */
    langfuse?: LangfuseArgs;
    /** Gateway pods. Default 2, 3 in production (at least 2 in production). */
    replicas?: number;
    /** Container resources. Defaults as documented on each field. */
    resources?: GatewayResourceArgs;
    /** RDS PostgreSQL settings. Defaults follow `production`. Not with `externalState`. */
    database?: DatabaseArgs;
    /** ElastiCache settings. Defaults follow `production`. Not with `externalState`. */
    cache?: CacheArgs;
    /**
     * Keep the state on servers another component owns (a SharedState)
     * instead of creating an RDS instance and a cache: a database and role of
     * the gateway's own there, and the cache's logical database 0 (LiteLLM's
     * router and cache settings take a host, port and password only). Default:
     * the gateway creates its own.
     */
    externalState?: ExternalState;
    /** Expose the gateway through an ALB. Default: none (in-cluster Service only). */
    ingress?: IngressArgs;
    /** Tags on every AWS resource. Default none. */
    tags?: Record<string, string>;
    /** Releases whose CRDs this gateway needs first: kube-prometheus-stack (its ServiceMonitor). Default none. */
    dependsOn?: pulumi.Resource[];
}

/** Everything the pure renderers need: plain values with defaults applied (no Inputs). */
export interface ResolvedLlmGatewayArgs {
    name: string;
    namespace: string;
    production: boolean;
    selfHosted: ResolvedSelfHostedRoute[];
    hosted: HostedRoute[];
    /** Providers whose API key is configured. */
    keyedProviders: KeyedProvider[];
    routing: Required<Omit<RoutingArgs, "fallbacks" | "contextWindowFallbacks">> & {
        fallbacks: Record<string, string[]>;
        contextWindowFallbacks: Record<string, string[]>;
    };
    /** Langfuse host when tracing is on. */
    langfuseHost?: string;
    replicas: number;
    resources: Required<GatewayResourceArgs>;
    database: Required<DatabaseArgs>;
    cache: Required<CacheArgs>;
    /** The state is another component's (`externalState`): the gateway creates no RDS instance or cache. */
    externalState: boolean;
    ingress?: ResolvedAlbIngress & Pick<IngressArgs, "host">;
    tags: Record<string, string>;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;
const MODEL_NAME_RULE = "expected 1–128 characters: letters, digits and . _ : / @ -, starting with a letter or digit";

/** The namespace the gateway runs in (and creates). */
export const gatewayNamespace = (args: Pick<LlmGatewayArgs, "namespace">): string => args.namespace ?? "llm-gateway";

export function resolveLlmGatewayArgs(name: string, args: LlmGatewayArgs): ResolvedLlmGatewayArgs {
    const production = args.production ?? false;
    const db = args.database ?? {};
    const keys = args.providerKeys ?? {};
    return {
        name,
        namespace: gatewayNamespace(args),
        production,
        selfHosted: (args.selfHosted ?? []).map((route) => ({ ...route, modelName: route.modelName ?? route.servedModelName })),
        hosted: args.hosted ?? [],
        keyedProviders: KEYED_PROVIDERS.filter((p) => keys[p] !== undefined),
        routing: {
            strategy: args.routing?.strategy ?? "simple-shuffle",
            numRetries: args.routing?.numRetries ?? 2,
            timeoutSeconds: args.routing?.timeoutSeconds ?? 600,
            fallbacks: args.routing?.fallbacks ?? {},
            contextWindowFallbacks: args.routing?.contextWindowFallbacks ?? {},
        },
        langfuseHost: args.langfuse?.host,
        replicas: args.replicas ?? (production ? 3 : 2),
        resources: { cpuRequest: "500m", memoryRequest: "1Gi", cpuLimit: "2", memoryLimit: "2Gi", ...args.resources },
        database: {
            ...resolvePostgres(production, db),
            multiAz: db.multiAz ?? production,
            deletionProtection: db.deletionProtection ?? production,
            performanceInsights: db.performanceInsights ?? production,
        },
        cache: resolveCache(production, args.cache),
        externalState: args.externalState !== undefined,
        ingress: args.ingress ? resolveAlbIngress(args.ingress) : undefined,
        tags: args.tags ?? {},
    };
}

function checkLimits(p: Problems, route: DeploymentLimits): void {
    if (route.rpm !== undefined) p.check(isInt(route.rpm, 1), "rpm", route.rpm, "expected a whole number of requests per minute ≥ 1");
    if (route.tpm !== undefined) p.check(isInt(route.tpm, 1), "tpm", route.tpm, "expected a whole number of tokens per minute ≥ 1");
    if (route.timeoutSeconds !== undefined) p.check(isPositiveNumber(route.timeoutSeconds), "timeoutSeconds", route.timeoutSeconds, "expected a number of seconds > 0");
}

function isOpenAiBaseUrl(value: unknown): boolean {
    if (typeof value !== "string") return false;
    try {
        const url = new URL(value);
        return ["http:", "https:"].includes(url.protocol) && !url.username && !url.password && !url.search && !url.hash && url.pathname.endsWith("/v1");
    } catch {
        return false;
    }
}

/** Header names are tokens; values are printable on one line (no CR/LF, which would split the request). */
function checkHeaders(at: Problems, headers: Record<string, string> | undefined): void {
    for (const [name, value] of Object.entries(headers ?? {})) {
        at.at("headers").check(isHttpHeaderName(name) && isHttpHeaderValue(value), name, value, "expected a header name of letters, digits and !#$%&'*+.^_`|~- and a printable ASCII value on one line");
    }
}

/** What makes two deployments the same: the group they serve and the backend they call. */
function deploymentKey(modelName: string, backend: string): string {
    return `${modelName}\u0000${backend}`;
}

function validateRoutes(p: Problems, r: ResolvedLlmGatewayArgs, args: LlmGatewayArgs): void {
    const seen = new Set<string>();
    const checkDuplicate = (at: Problems, modelName: string, backend: string) => {
        const key = deploymentKey(modelName, backend);
        at.check(!seen.has(key), undefined, backend, `duplicate deployment: model "${modelName}" already routes to this backend`);
        seen.add(key);
    };
    p.check(r.selfHosted.length + r.hosted.length > 0, "selfHosted", args.selfHosted, "give at least one self-hosted or hosted route");
    r.selfHosted.forEach((route, i) => {
        const at = p.at("selfHosted").at(i);
        at.check(MODEL_NAME.test(String(route.modelName)), "modelName", route.modelName, MODEL_NAME_RULE);
        at.check(MODEL_NAME.test(String(route.servedModelName)), "servedModelName", route.servedModelName, MODEL_NAME_RULE);
        at.check(isOpenAiBaseUrl(route.baseUrl), "baseUrl", route.baseUrl, 'expected an http(s) URL ending in /v1, e.g. "http://llama.models.svc.cluster.local:8000/v1"');
        checkLimits(at, route);
        for (const key of ["inputCostPerToken", "outputCostPerToken"] as const) {
            const cost = route[key];
            if (cost !== undefined) at.check(isNonNegativeNumber(cost), key, cost, "expected a finite number of USD per token ≥ 0");
        }
        checkHeaders(at, route.headers);
        const headers = Object.entries(route.headers ?? {}).map(([k, v]) => ` ${k}: ${v}`).join("");
        checkDuplicate(at, route.modelName, `hosted_vllm/${route.servedModelName} at ${route.baseUrl}${headers}`);
    });
    r.hosted.forEach((route, i) => {
        const at = p.at("hosted").at(i);
        at.check(MODEL_NAME.test(String(route.modelName)), "modelName", route.modelName, MODEL_NAME_RULE);
        at.check(MODEL_NAME.test(String(route.model)), "model", route.model, MODEL_NAME_RULE);
        if (!at.check(HOSTED_PROVIDERS.includes(route.provider), "provider", route.provider, `expected one of ${HOSTED_PROVIDERS.join(", ")}`)) return;
        if (route.provider === "bedrock") {
            validateBedrockRoute(at, route);
        } else {
            at.check(route.region === undefined, "region", route.region, "region applies to Bedrock models only");
            at.check(r.keyedProviders.includes(route.provider), "provider", route.provider, `no API key for ${route.provider}: set providerKeys.${route.provider}`);
        }
        checkLimits(at, route);
        checkDuplicate(at, route.modelName, `${route.provider}/${route.model}${route.region ? ` in ${route.region}` : ""}`);
    });
    if (r.hosted.some((h) => h.provider === "bedrock")) {
        p.check(args.clusterName !== undefined, "clusterName", args.clusterName, "Bedrock routes need the EKS cluster name for the gateway's Pod Identity association");
    }
}

/** The model is one of the forms in bedrock.ts; a profile's ARN is called in its own Region. */
function validateBedrockRoute(at: Problems, route: HostedRoute): void {
    const model = typeof route.model === "string" ? parseBedrockModel(route.model) : undefined;
    at.check(model !== undefined, "model", route.model, BEDROCK_MODEL_RULE);
    if (!at.check(isAwsRegion(route.region), "region", route.region, 'Bedrock models need their AWS region, e.g. "us-east-1"')) return;
    const arnRegion = model?.kind === "inference-profile" ? model.arn?.region : undefined;
    if (arnRegion !== undefined) at.check(arnRegion === route.region, "region", route.region, `the inference profile's ARN is in ${arnRegion}: route it from that region`);
}

function validateFallbacks(p: Problems, field: string, fallbacks: Record<string, string[]>, models: Set<string>): void {
    const known = [...models].join(", ");
    for (const [from, targets] of Object.entries(fallbacks)) {
        const at = p.at(field);
        at.check(models.has(from), from, from, `unknown model; fallbacks start from a routed model (${known})`);
        if (!at.check(Array.isArray(targets) && targets.length > 0, from, targets, "expected a non-empty list of model names")) continue;
        targets.forEach((to, i) => {
            at.at(from).check(models.has(to), i, to, `unknown model; fallbacks go to a routed model (${known})`);
            at.at(from).check(to !== from, i, to, "a model cannot fall back to itself");
        });
        at.check(new Set(targets).size === targets.length, from, targets, "each fallback model may appear once");
    }
}

function validateRouting(p: Problems, r: ResolvedLlmGatewayArgs): void {
    const at = p.at("routing");
    at.check(ROUTING_STRATEGIES.includes(r.routing.strategy), "strategy", r.routing.strategy, `expected one of ${ROUTING_STRATEGIES.join(", ")}`);
    at.check(isInt(r.routing.numRetries, 0, 10), "numRetries", r.routing.numRetries, "expected a whole number from 0 to 10");
    at.check(isPositiveNumber(r.routing.timeoutSeconds), "timeoutSeconds", r.routing.timeoutSeconds, "expected a number of seconds > 0");
    const models = new Set(servedModels(r));
    validateFallbacks(at, "fallbacks", r.routing.fallbacks, models);
    validateFallbacks(at, "contextWindowFallbacks", r.routing.contextWindowFallbacks, models);
}

function validateState(p: Problems, r: ResolvedLlmGatewayArgs, args: LlmGatewayArgs): void {
    const external = args.externalState;
    if (!external) {
        validatePostgres(p.at("database"), r.database);
        validateCache(p.at("cache"), r.cache, r.production);
        return;
    }
    const sizes = "the state is on servers another component owns (externalState): size them there";
    p.check(args.database === undefined, "database", args.database, sizes);
    p.check(args.cache === undefined, "cache", args.cache, sizes);
    p.at("externalState").check(external.cache.database === 0, "cache.database", external.cache.database, "expected 0: LiteLLM's router and cache settings select no other logical database");
}

function validateIngress(p: Problems, ingress: NonNullable<ResolvedLlmGatewayArgs["ingress"]>): void {
    validateAlbIngress(p, ingress);
    if (ingress.host !== undefined) checkHostName(p, "host", ingress.host);
}

function validateLangfuse(p: Problems, langfuse: LangfuseArgs): void {
    p.check(isHttpUrl(langfuse.host), "host", langfuse.host, 'expected an http(s) URL such as "http://langfuse-web.observability.svc.cluster.local:3000"');
    p.check(langfuse.publicKey !== undefined, "publicKey", langfuse.publicKey, "tracing needs the project's public key");
    p.check(langfuse.secretKey !== undefined, "secretKey", langfuse.secretKey, "tracing needs the project's secret key");
}

function validateDeployment(p: Problems, r: ResolvedLlmGatewayArgs): void {
    if (p.check(isInt(r.replicas, 1, 50), "replicas", r.replicas, "expected a whole number from 1 to 50") && r.production) {
        p.check(r.replicas >= 2, "replicas", r.replicas, "production needs at least 2 replicas so a node or zone loss keeps the gateway up");
    }
    for (const [field, value] of Object.entries(r.resources)) {
        p.at("resources").check(parseQuantity(value) !== undefined, field, value, QUANTITY_RULE);
    }
}

/** The model names the gateway serves, in first-seen order. */
export function servedModels(r: Pick<ResolvedLlmGatewayArgs, "selfHosted" | "hosted">): string[] {
    return [...new Set([...r.selfHosted, ...r.hosted].map((route) => route.modelName))];
}

/**
 * Validates LlmGateway args; throws one ValidationError listing every problem.
 * The component name derives AWS identifiers (RDS, ElastiCache), so it must
 * also start with a letter and hold no double hyphen.
 */
export function validateLlmGatewayArgs(name: string, args: LlmGatewayArgs): ResolvedLlmGatewayArgs {
    const p = new Problems();
    const r = resolveLlmGatewayArgs(name, args);
    checkStoreOwnerName(p, name, "RDS and ElastiCache resources");
    checkDnsLabel(p, "namespace", r.namespace);
    if (Array.isArray(args.subnetIds)) {
        p.check(args.subnetIds.length >= 2, "subnetIds", args.subnetIds, "expected private subnets in at least 2 zones (RDS and ElastiCache subnet groups)");
    }
    validateRoutes(p, r, args);
    validateRouting(p, r);
    if (args.langfuse) validateLangfuse(p.at("langfuse"), args.langfuse);
    validateDeployment(p, r);
    validateState(p, r, args);
    if (r.ingress) validateIngress(p.at("ingress"), r.ingress);
    p.throwIfAny(`LlmGateway "${name}" args`);
    return r;
}

/**
 * Pure renderer of the LiteLLM proxy's `config.yaml` from validated args.
 * Secrets never appear here: the config names environment variables
 * (`os.environ/NAME`) that the pod reads from the gateway's Secret.
 */
import { createHash, createHmac } from "crypto";
import { stringify } from "yaml";
import type { DeploymentLimits, HostedRoute, KeyedProvider, ResolvedLlmGatewayArgs, ResolvedSelfHostedRoute } from "./args";

/** Environment variables the pod reads from the gateway's Secret. */
export const SECRET_ENV = {
    masterKey: "LITELLM_MASTER_KEY",
    saltKey: "LITELLM_SALT_KEY",
    databaseUrl: "DATABASE_URL",
    redisHost: "REDIS_HOST",
    redisPort: "REDIS_PORT",
    redisPassword: "REDIS_PASSWORD",
    langfusePublicKey: "LANGFUSE_PUBLIC_KEY",
    langfuseSecretKey: "LANGFUSE_SECRET_KEY",
    langfuseHost: "LANGFUSE_OTEL_HOST",
} as const;

export const PROVIDER_KEY_ENV: Readonly<Record<KeyedProvider, string>> = {
    openai: "OPENAI_API_KEY",
    anthropic: "ANTHROPIC_API_KEY",
    gemini: "GEMINI_API_KEY",
};

/** LiteLLM's provider prefixes of `litellm_params.model`. */
const PROVIDER_PREFIX: Readonly<Record<HostedRoute["provider"], string>> = {
    openai: "openai",
    anthropic: "anthropic",
    gemini: "gemini",
    bedrock: "bedrock",
};

export interface LiteLlmParams {
    model: string;
    api_base?: string;
    api_key?: string;
    aws_region_name?: string;
    rpm?: number;
    tpm?: number;
    timeout?: number;
    /** Custom pricing (litellm/types/utils.py `CustomPricingLiteLLMParams`), USD per token. */
    input_cost_per_token?: number;
    output_cost_per_token?: number;
    /** Headers LiteLLM adds to every request of the deployment. */
    extra_headers?: Record<string, string>;
}

export interface ModelListEntry {
    model_name: string;
    litellm_params: LiteLlmParams;
}

/** `[{ from: [to, ...] }, ...]`, the shape LiteLLM's router reads fallbacks in. */
export type FallbackList = Record<string, string[]>[];

export interface LiteLlmConfig {
    model_list: ModelListEntry[];
    router_settings: {
        routing_strategy: string;
        num_retries: number;
        timeout: number;
        fallbacks?: FallbackList;
        context_window_fallbacks?: FallbackList;
        redis_host: string;
        redis_port: string;
        redis_password: string;
    };
    litellm_settings: {
        callbacks: string[];
        cache: boolean;
        cache_params: { type: "redis"; mode: "default_off" };
        require_auth_for_metrics_endpoint: boolean;
    };
    general_settings: {
        master_key: string;
        database_url: string;
    };
}

export const envRef = (name: string): string => `os.environ/${name}`;

function limits(route: DeploymentLimits): Pick<LiteLlmParams, "rpm" | "tpm" | "timeout"> {
    return {
        ...(route.rpm !== undefined ? { rpm: route.rpm } : {}),
        ...(route.tpm !== undefined ? { tpm: route.tpm } : {}),
        ...(route.timeoutSeconds !== undefined ? { timeout: route.timeoutSeconds } : {}),
    };
}

/**
 * `hosted_vllm/<name>` is in no LiteLLM cost map, so without a price every
 * call costs $0 and no team budget moves. A deployment's
 * `input_cost_per_token` / `output_cost_per_token` (BerriAI/litellm
 * litellm/types/utils.py `CustomPricingLiteLLMParams`, the keys the proxy's
 * custom-pricing docs put in `litellm_params`) are copied by the router into
 * that deployment's model info (litellm/router.py `_create_deployment`
 * registers it under the deployment id); the logging object sees custom
 * pricing (litellm_core_utils/litellm_logging.py `_response_cost_calculator`,
 * `use_custom_pricing_for_model`), cost_calculator.py
 * `_select_model_name_for_cost_calc` then prices by that id, and the cost is
 * prompt tokens × input + completion tokens × output. That response cost is
 * what the spend logs, budgets and `litellm_spend_metric` count.
 */
export function selfHostedEntry(route: ResolvedSelfHostedRoute): ModelListEntry {
    return {
        model_name: route.modelName,
        litellm_params: {
            model: `hosted_vllm/${route.servedModelName}`,
            api_base: route.baseUrl,
            ...limits(route),
            ...(route.inputCostPerToken !== undefined ? { input_cost_per_token: route.inputCostPerToken } : {}),
            ...(route.outputCostPerToken !== undefined ? { output_cost_per_token: route.outputCostPerToken } : {}),
            ...(route.headers && Object.keys(route.headers).length > 0 ? { extra_headers: { ...route.headers } } : {}),
        },
    };
}

/** Bedrock authenticates with the pod's IAM role (Pod Identity): a region, no key. */
export function hostedEntry(route: HostedRoute): ModelListEntry {
    const auth: Partial<LiteLlmParams> =
        route.provider === "bedrock" ? { aws_region_name: route.region } : { api_key: envRef(PROVIDER_KEY_ENV[route.provider]) };
    return {
        model_name: route.modelName,
        litellm_params: { model: `${PROVIDER_PREFIX[route.provider]}/${route.model}`, ...auth, ...limits(route) },
    };
}

function fallbackList(fallbacks: Record<string, string[]>): FallbackList | undefined {
    const entries = Object.entries(fallbacks);
    return entries.length > 0 ? entries.map(([from, to]) => ({ [from]: [...to] })) : undefined;
}

/** Secret keys the pod needs, in a stable order. */
export function secretEnvNames(r: ResolvedLlmGatewayArgs): string[] {
    const names: string[] = [
        SECRET_ENV.masterKey,
        SECRET_ENV.saltKey,
        SECRET_ENV.databaseUrl,
        SECRET_ENV.redisHost,
        SECRET_ENV.redisPort,
        SECRET_ENV.redisPassword,
        ...r.keyedProviders.map((p) => PROVIDER_KEY_ENV[p]),
    ];
    if (r.langfuseHost !== undefined) names.push(SECRET_ENV.langfusePublicKey, SECRET_ENV.langfuseSecretKey, SECRET_ENV.langfuseHost);
    return names;
}

/**
 * The proxy config: one `model_list` entry per deployment (entries sharing a
 * `model_name` are load-balanced), router settings backed by Redis so rate
 * limits and usage-based routing are shared across replicas, Prometheus (and
 * Langfuse when configured) callbacks behind an authenticated /metrics, Redis
 * response caching that clients opt into per request, and the admin key and
 * database from the environment.
 */
export function renderLiteLlmConfig(r: ResolvedLlmGatewayArgs): LiteLlmConfig {
    const fallbacks = fallbackList(r.routing.fallbacks);
    const contextWindowFallbacks = fallbackList(r.routing.contextWindowFallbacks);
    return {
        model_list: [...r.selfHosted.map(selfHostedEntry), ...r.hosted.map(hostedEntry)],
        router_settings: {
            routing_strategy: r.routing.strategy,
            num_retries: r.routing.numRetries,
            timeout: r.routing.timeoutSeconds,
            ...(fallbacks ? { fallbacks } : {}),
            ...(contextWindowFallbacks ? { context_window_fallbacks: contextWindowFallbacks } : {}),
            redis_host: envRef(SECRET_ENV.redisHost),
            redis_port: envRef(SECRET_ENV.redisPort),
            redis_password: envRef(SECRET_ENV.redisPassword),
        },
        litellm_settings: {
            callbacks: r.langfuseHost !== undefined ? ["prometheus", "langfuse_otel"] : ["prometheus"],
            cache: true,
            // Completions are not deterministic: cache only when a request asks for it.
            cache_params: { type: "redis", mode: "default_off" },
            // /metrics labels carry key aliases, hashed keys and user emails: Prometheus scrapes with its own key
            // (litellm/proxy/middleware/prometheus_auth_middleware.py reads this flag from litellm_settings).
            require_auth_for_metrics_endpoint: true,
        },
        general_settings: {
            master_key: envRef(SECRET_ENV.masterKey),
            database_url: envRef(SECRET_ENV.databaseUrl),
        },
    };
}

export function renderConfigYaml(config: LiteLlmConfig): string {
    return stringify(config, { lineWidth: 0 });
}

/** sha256 of the rendered config; a pod template annotation, so config changes roll the pods. */
export function configChecksum(configYaml: string): string {
    return createHash("sha256").update(configYaml).digest("hex");
}

/**
 * HMAC-SHA256 of the gateway Secret's data (keys sorted), under `hexKey`: a
 * pod template annotation, so a changed credential rolls the pods (LiteLLM
 * reads them from the environment at start). Keyed with a generated key kept
 * only in the stack's state, the digest says nothing about the values; a plain
 * hash would let anyone who can read the Deployment test guesses of a
 * low-entropy value.
 */
export function secretDataDigest(hexKey: string, data: Record<string, string>): string {
    const canonical = JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1))));
    return createHmac("sha256", Buffer.from(hexKey, "hex")).update(canonical).digest("hex");
}

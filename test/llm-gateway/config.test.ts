import assert from "node:assert/strict";
import { parse } from "yaml";
import {
    configChecksum,
    PROVIDER_KEY_ENV,
    renderConfigYaml,
    renderLiteLlmConfig,
    SECRET_ENV,
    secretEnvNames,
} from "../../components/llm-gateway/config";
import { inClusterBaseUrl } from "../../components/llm-gateway/manifests";
import { BEDROCK_MODEL, fullArgs, NO_PROVIDER, resolved, SELF_HOSTED } from "./fixtures";

const full = () => resolved(fullArgs(NO_PROVIDER));

/** Every string in a value, with its path. */
function strings(value: unknown, path = ""): [string, string][] {
    if (typeof value === "string") return [[path, value]];
    if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
    return [];
}

describe("llm-gateway config renderer", () => {
    describe("model_list", () => {
        it("routes every self-hosted endpoint to its service DNS name as hosted_vllm/<served name>", () => {
            const { model_list } = renderLiteLlmConfig(full());
            for (const route of SELF_HOSTED) {
                const entry = model_list.find((e) => e.litellm_params.api_base === route.baseUrl);
                assert.ok(entry, `no entry for ${route.baseUrl}`);
                assert.equal(entry.model_name, route.modelName);
                assert.equal(entry.litellm_params.model, `hosted_vllm/${route.servedModelName}`);
                assert.match(entry.litellm_params.api_base!, /^http:\/\/[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local:8000\/v1$/);
                assert.equal(entry.litellm_params.api_key, undefined, "vLLM in-cluster needs no key");
            }
        });

        it("sends a route's headers with every request (extra_headers): a kv-aware endpoint's HTTPRoute and objective on the shared inference Gateway", () => {
            const baseUrl = "http://inference-gateway.agentgateway-system.svc.cluster.local:8080/v1";
            const headers = { "x-genai-platform-endpoint": "models.mistral", "x-llm-d-inference-objective": "mistral-batch" };
            const [entry] = renderLiteLlmConfig(resolved({ selfHosted: [{ modelName: "mistral@batch", servedModelName: "mistral", baseUrl, headers }] })).model_list;
            assert.deepEqual(entry, { model_name: "mistral@batch", litellm_params: { model: "hosted_vllm/mistral", api_base: baseUrl, extra_headers: headers } });
        });

        it("keeps one entry per deployment, so a model group with two endpoints is load-balanced", () => {
            const { model_list } = renderLiteLlmConfig(full());
            const llama = model_list.filter((e) => e.model_name === "llama-3.1-8b");
            assert.deepEqual(llama.map((e) => e.litellm_params.api_base), [SELF_HOSTED[0].baseUrl, SELF_HOSTED[1].baseUrl]);
            assert.equal(model_list.length, SELF_HOSTED.length + 4);
        });

        it("takes a ModelEndpoint route as is, naming the model group after the served name", () => {
            const route = { servedModelName: "mistral-7b", baseUrl: "http://mistral.models.svc.cluster.local:8000/v1", namespace: "models" };
            const [entry] = renderLiteLlmConfig(resolved({ selfHosted: [route] })).model_list;
            assert.deepEqual(entry, { model_name: "mistral-7b", litellm_params: { model: "hosted_vllm/mistral-7b", api_base: route.baseUrl } });
        });

        it("prices a self-hosted deployment per token where the route has a price, so budgets and spend count it", () => {
            // litellm/types/utils.py CustomPricingLiteLLMParams: input_cost_per_token / output_cost_per_token in litellm_params.
            const route = { servedModelName: "qwen25-7b", baseUrl: "http://qwen25-7b.models.svc.cluster.local:8000/v1", inputCostPerToken: 3.19365e-7, outputCostPerToken: 3.19365e-7 };
            const [entry] = renderLiteLlmConfig(resolved({ selfHosted: [route] })).model_list;
            assert.deepEqual(entry.litellm_params, { model: "hosted_vllm/qwen25-7b", api_base: route.baseUrl, input_cost_per_token: 3.19365e-7, output_cost_per_token: 3.19365e-7 });
            // The proxy reads config.yaml with PyYAML (YAML 1.1): the prices must come back as floats, not strings.
            const yaml = parse(renderConfigYaml(renderLiteLlmConfig(resolved({ selfHosted: [route] }))), { version: "1.1" });
            assert.equal(yaml.model_list[0].litellm_params.input_cost_per_token, 3.19365e-7);
        });

        it("gives each hosted model its provider prefix and its key only as os.environ", () => {
            const byName = new Map(renderLiteLlmConfig(full()).model_list.map((e) => [e.model_name, e.litellm_params]));
            assert.deepEqual(byName.get("gpt-4o"), { model: "openai/gpt-4o", api_key: "os.environ/OPENAI_API_KEY", rpm: 500 });
            assert.deepEqual(byName.get("claude-sonnet"), { model: "anthropic/claude-sonnet-4-5", api_key: "os.environ/ANTHROPIC_API_KEY" });
            assert.deepEqual(byName.get("gemini-pro"), { model: "gemini/gemini-2.5-pro", api_key: "os.environ/GEMINI_API_KEY" });
        });

        it("sends Bedrock through the pod's IAM role: a region and no API key", () => {
            const bedrock = renderLiteLlmConfig(full()).model_list.find((e) => e.model_name === "claude-bedrock");
            assert.deepEqual(bedrock?.litellm_params, { model: `bedrock/${BEDROCK_MODEL}`, aws_region_name: "us-east-1" });
        });

        it("sets rpm, tpm and timeout per deployment only where given", () => {
            const { model_list } = renderLiteLlmConfig(full());
            assert.deepEqual(
                model_list.slice(0, 3).map(({ litellm_params: { rpm, tpm, timeout } }) => ({ rpm, tpm, timeout })),
                [
                    { rpm: 600, tpm: 400000, timeout: undefined },
                    { rpm: 600, tpm: 400000, timeout: undefined },
                    { rpm: undefined, tpm: undefined, timeout: 120 },
                ],
            );
            assert.ok(!("rpm" in model_list[2].litellm_params), "no undefined keys in the YAML");
        });
    });

    describe("router_settings", () => {
        it("renders strategy, retries, timeout and both fallback kinds (self-hosted → hosted and back)", () => {
            const { router_settings } = renderLiteLlmConfig(full());
            assert.equal(router_settings.routing_strategy, "usage-based-routing-v2");
            assert.equal(router_settings.num_retries, 3);
            assert.equal(router_settings.timeout, 300);
            assert.deepEqual(router_settings.fallbacks, [{ "llama-3.1-8b": ["gpt-4o", "claude-bedrock"] }, { "gpt-4o": ["llama-3.1-8b"] }]);
            assert.deepEqual(router_settings.context_window_fallbacks, [{ "llama-3.1-8b": ["qwen-2.5-32b", "gemini-pro"] }]);
        });

        it("defaults to simple-shuffle, 2 retries, 600 s, and renders no empty fallback lists", () => {
            const { router_settings } = renderLiteLlmConfig(resolved());
            assert.equal(router_settings.routing_strategy, "simple-shuffle");
            assert.equal(router_settings.num_retries, 2);
            assert.equal(router_settings.timeout, 600);
            assert.ok(!("fallbacks" in router_settings));
            assert.ok(!("context_window_fallbacks" in router_settings));
        });

        it("shares rate limits across replicas through Redis named by environment", () => {
            const { router_settings } = renderLiteLlmConfig(resolved());
            assert.equal(router_settings.redis_host, "os.environ/REDIS_HOST");
            assert.equal(router_settings.redis_port, "os.environ/REDIS_PORT");
            assert.equal(router_settings.redis_password, "os.environ/REDIS_PASSWORD");
        });
    });

    describe("callbacks, cache and general settings", () => {
        it("turns Prometheus on always and Langfuse OTel only with keys", () => {
            assert.deepEqual(renderLiteLlmConfig(resolved()).litellm_settings.callbacks, ["prometheus"]);
            assert.deepEqual(renderLiteLlmConfig(full()).litellm_settings.callbacks, ["prometheus", "langfuse_otel"]);
            assert.ok(!secretEnvNames(resolved()).includes(SECRET_ENV.langfuseHost));
            assert.ok(secretEnvNames(full()).includes(SECRET_ENV.langfuseHost));
        });

        it("caches in Redis only when a request opts in", () => {
            assert.deepEqual(renderLiteLlmConfig(resolved()).litellm_settings.cache_params, { type: "redis", mode: "default_off" });
        });

        it("reads the master key and database URL from the environment", () => {
            assert.deepEqual(renderLiteLlmConfig(resolved()).general_settings, {
                master_key: "os.environ/LITELLM_MASTER_KEY",
                database_url: "os.environ/DATABASE_URL",
            });
        });

        it("names only environment variables the Secret provides, and holds no other credential", () => {
            for (const settings of [resolved(), full()]) {
                const provided = new Set(secretEnvNames(settings));
                for (const [path, value] of strings(renderLiteLlmConfig(settings))) {
                    if (value.startsWith("os.environ/")) assert.ok(provided.has(value.slice("os.environ/".length)), `${path}: ${value} not in the Secret`);
                    if (/(key|password|url)$/.test(path)) assert.match(value, /^os\.environ\//, path);
                }
            }
        });

        it("puts provider keys in the Secret only for configured providers", () => {
            const names = secretEnvNames(full());
            for (const env of Object.values(PROVIDER_KEY_ENV)) assert.ok(names.includes(env), env);
            assert.ok(!secretEnvNames(resolved()).some((n) => Object.values(PROVIDER_KEY_ENV).includes(n)));
        });
    });

    describe("YAML and checksum", () => {
        it("writes YAML that parses back to the same config", () => {
            const config = renderLiteLlmConfig(full());
            assert.deepEqual(parse(renderConfigYaml(config)), config);
        });

        it("checksums deterministically, and changes when a route changes", () => {
            const base = configChecksum(renderConfigYaml(renderLiteLlmConfig(resolved())));
            assert.match(base, /^[0-9a-f]{64}$/);
            assert.equal(configChecksum(renderConfigYaml(renderLiteLlmConfig(resolved()))), base);
            const moved = SELF_HOSTED.map((r, i) => (i === 2 ? { ...r, baseUrl: "http://qwen.team-b.svc.cluster.local:8000/v1" } : r));
            assert.notEqual(configChecksum(renderConfigYaml(renderLiteLlmConfig(resolved({ selfHosted: moved })))), base);
            const fewer = SELF_HOSTED.slice(0, 2);
            assert.notEqual(configChecksum(renderConfigYaml(renderLiteLlmConfig(resolved({ selfHosted: fewer })))), base);
        });
    });

    it("builds the in-cluster base URL from the service and namespace", () => {
        assert.equal(inClusterBaseUrl(resolved({ namespace: "ai" }, "gw")), "http://gw.ai.svc.cluster.local:4000");
    });
});

/**
 * KV-cache-aware routing in the stacks: prod's replicated endpoints and dev's
 * opted-in one are served through the inference Gateway, the LLM gateway
 * routes them there once per priority class, and batch tenants' teams alias
 * the models to their batch routes.
 */
import * as assert from "node:assert/strict";
import * as YAML from "yaml";
import { loadStackConfig, runStack } from "../../plan/stack";
import { k8sObjects, ofType, RecordedResource } from "../harness";

const GATEWAY_URL = "http://inference-gateway.agentgateway-system.svc.cluster.local:8080/v1";

/** The LiteLLM config the gateway's ConfigMap carries. */
function liteLlmModels(resources: readonly RecordedResource[]): { model_name: string; litellm_params: Record<string, any> }[] {
    const configMap = k8sObjects(resources, "ConfigMap").find((c) => typeof c.data?.["config.yaml"] === "string" && c.data["config.yaml"].includes("model_list"));
    assert.ok(configMap, "the gateway's LiteLLM config");
    return YAML.parse(configMap.data["config.yaml"]).model_list;
}

/** The body the team-sync Job of `tenant` sends (env TEAM_JSON). */
function teamBody(resources: readonly RecordedResource[], tenant: string): Record<string, any> {
    const job = ofType(resources, "kubernetes:batch/v1:Job").find((j) => j.name === `tenant-${tenant}-team-sync`)!;
    const env = job.inputs.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    return JSON.parse(env.find((e) => e.name === "TEAM_JSON")!.value!);
}

describe("stacks: KV-cache-aware routing", () => {
    const recorded: Record<string, RecordedResource[]> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) recorded[stack] = (await runStack(stack, loadStackConfig(stack))).resources;
    });

    it("prod: every replicated endpoint gets an InferencePool behind the inference Gateway", () => {
        const pools = k8sObjects(recorded.prod, "InferencePool").map((p) => p.metadata.name).sort();
        // DeepSeek-R1 spans two nodes (a LeaderWorkerSet): kv-aware too, its pool selecting only group leaders.
        assert.deepEqual(pools, ["deepseek-r1", "llama31-8b", "qwen25-1-5b", "qwen25-72b"]);
        const deepseek = k8sObjects(recorded.prod, "InferencePool").find((p) => p.metadata.name === "deepseek-r1")!;
        assert.equal(deepseek.spec.selector.matchLabels["leaderworkerset.sigs.k8s.io/worker-index"], "0");
        const routes = k8sObjects(recorded.prod, "HTTPRoute");
        assert.deepEqual(routes.map((r) => r.spec.parentRefs[0].name), ["inference-gateway", "inference-gateway", "inference-gateway", "inference-gateway"]);
        assert.equal(ofType(recorded.prod, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "oci://ghcr.io/agentgateway/charts/agentgateway").length, 1);
        assert.deepEqual(k8sObjects(recorded.prod, "Gateway").map((g) => `${g.metadata.namespace}/${g.metadata.name}`), ["agentgateway-system/inference-gateway"]);
    });

    it("dev: stays single-node, with only the opted-in endpoint kv-aware", () => {
        assert.deepEqual(k8sObjects(recorded.dev, "InferencePool").map((p) => p.metadata.name), ["qwen25-7b"]);
    });

    it("the LLM gateway reaches a kv-aware model through the Gateway, once per priority class, each with its objective", () => {
        const entries = liteLlmModels(recorded.prod).filter((m) => m.litellm_params.model === "hosted_vllm/qwen25-72b");
        // Both routes charge the model's price (stacks/pricing.ts); the rest is the routing.
        assert.equal(entries[0].litellm_params.input_cost_per_token, entries[1].litellm_params.input_cost_per_token);
        const routing = entries.map(({ model_name, litellm_params: { input_cost_per_token: _in, output_cost_per_token: _out, ...params } }) => ({ model_name, litellm_params: params }));
        assert.deepEqual(routing, [
            { model_name: "qwen25-72b", litellm_params: { model: "hosted_vllm/qwen25-72b", api_base: GATEWAY_URL, extra_headers: { "x-genai-platform-endpoint": "models.qwen25-72b", "x-llm-d-inference-objective": "qwen25-72b-interactive" } } },
            { model_name: "qwen25-72b@batch", litellm_params: { model: "hosted_vllm/qwen25-72b", api_base: GATEWAY_URL, extra_headers: { "x-genai-platform-endpoint": "models.qwen25-72b", "x-llm-d-inference-objective": "qwen25-72b-batch" } } },
        ]);
    });

    it("a batch tenant's team aliases the kv-aware models it may call to their batch routes; interactive tenants' teams alias nothing", () => {
        const search = teamBody(recorded.prod, "search");
        assert.deepEqual(search.model_aliases, { "llama31-8b": "llama31-8b@batch", "qwen25-72b": "qwen25-72b@batch" });
        assert.deepEqual(search.models, ["llama31-8b", "qwen25-72b", "qwen25-72b@batch", "llama31-8b@batch"]);
        assert.deepEqual(teamBody(recorded.prod, "assistants").model_aliases, {});
        assert.deepEqual(teamBody(recorded.dev, "search").model_aliases, { "qwen25-7b": "qwen25-7b@batch" });
    });

    it("wakes dev's scaled-to-zero kv-aware endpoint on requests under its name or its batch route's", () => {
        const [scaler] = k8sObjects(recorded.dev, "ScaledObject");
        const wake = scaler.spec.triggers.find((t: { name: string }) => t.name === "wake");
        assert.equal(wake.metadata.query, 'sum(rate(litellm_proxy_total_requests_metric_total{requested_model=~"qwen25-7b|qwen25-7b@batch"}[2m]))');
    });

    it("admits the Gateway's proxies into the models namespace on vLLM's and the picker's ports only where an endpoint is kv-aware", () => {
        const policy = k8sObjects(recorded.prod, "NetworkPolicy").find((p) => p.metadata.name === "allow-inference-gateway-to-models")!;
        assert.deepEqual(policy.spec.ingress[0].ports, [{ protocol: "TCP", port: 8000 }, { protocol: "TCP", port: 9002 }]);
        assert.deepEqual(policy.spec.ingress[0].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "agentgateway-system" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "inference-gateway", "app.kubernetes.io/instance": "inference-gateway", "gateway.networking.k8s.io/gateway-name": "inference-gateway" } } }]);
    });
});

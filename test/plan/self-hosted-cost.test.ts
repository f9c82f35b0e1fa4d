/**
 * Issue 15: tenants' budgets count self-hosted models. The real program
 * renders LiteLLM's per-token cost for every hosted_vllm route, derived from
 * the model's pool (instance families → plan/prices.ts price in the stack's
 * aws:region) and the throughput assumption for the model's size and GPU:
 *
 *   replica $/h    = instance $/h (on-demand) ÷ GPUs per node × GPUs per replica
 *   cost per token = replica $/h ÷ 3600 ÷ tokens/s per replica   (6 significant digits)
 *
 * and refuses an aws:region the price table does not cover, or a model it
 * cannot price. Upstream: BerriAI/litellm litellm/types/utils.py
 * `CustomPricingLiteLLMParams` (input_cost_per_token, output_cost_per_token in
 * litellm_params), docs/my-website/docs/proxy/custom_pricing.md.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as YAML from "yaml";
import { parseStackConfig, runStack, stackConfigPath } from "../../plan/stack";
import { main } from "../../stacks/program";
import { expectFailure, k8sObjects } from "../harness";

type Config = Record<string, any>;

function configWith(stack: "dev" | "prod", edit: (config: Config) => void) {
    const doc = YAML.parse(fs.readFileSync(stackConfigPath(stack), "utf8"));
    edit(doc.config);
    return parseStackConfig(YAML.stringify(doc));
}

/** The LiteLLM config.yaml the gateway's ConfigMap carries, parsed as the proxy parses it (PyYAML: YAML 1.1). */
async function renderedModels(stack: "dev" | "prod", edit: (config: Config) => void = () => {}): Promise<Record<string, any>> {
    const run = await runStack(stack, configWith(stack, edit));
    const configMap = k8sObjects(run.resources, "ConfigMap").find((c) => c.data?.["config.yaml"] !== undefined)!;
    const config = YAML.parse(configMap.data["config.yaml"], { version: "1.1" });
    return Object.fromEntries(config.model_list.map((m: any) => [m.model_name, m.litellm_params]));
}

describe("self-hosted model prices in the gateway (issue 15)", () => {
    it("dev: qwen25-7b on gpu-small [g5, g6] is charged at its dearest family per token, on-demand", async () => {
        const models = await renderedModels("dev");
        // g5.xlarge: 1.006 $/h ÷ 1 GPU × 1 ÷ 3600 ÷ 1200 tok/s (7-9B on A10G) = 2.32870e-7
        // g6.xlarge: 0.8048 $/h ÷ 1 GPU × 1 ÷ 3600 ÷ 700 tok/s (7-9B on L4)   = 3.19365e-7  ← dearer, charged
        assert.equal(models["qwen25-7b"].input_cost_per_token, 3.19365e-7);
        assert.equal(models["qwen25-7b"].output_cost_per_token, 3.19365e-7);
        assert.equal(models["gpt-4.1-mini"].input_cost_per_token, undefined, "hosted models keep LiteLLM's own price map");
    });

    it("prod: each self-hosted model is charged from its pool's price and GPUs per replica", async () => {
        const models = await renderedModels("prod");
        // g6e.12xlarge 10.49264 $/h ÷ 4 GPUs × 4 (TP 4) ÷ 3600 ÷ 800 tok/s (≤80B on 4 × L40S) = 3.64328e-6
        assert.equal(models["qwen25-72b"].input_cost_per_token, 3.64328e-6);
        // g6e.xlarge 1.861 $/h ÷ 1 × 1 ÷ 3600 ÷ 2000 tok/s (7-9B on L40S) = 2.58472e-7
        assert.equal(models["llama31-8b"].output_cost_per_token, 2.58472e-7);
        // g6.xlarge 0.8048 $/h ÷ 1 GPU × 1/4 (time-sliced 4 ways) ÷ 3600 ÷ (3000/4) tok/s (≤3B on L4) = 7.45185e-8
        assert.equal(models["qwen25-1-5b"].input_cost_per_token, 7.45185e-8);
    });

    it("prices from the stack's aws:region: prod in ap-northeast-2", async () => {
        const models = await renderedModels("prod", (c) => (c["aws:region"] = "ap-northeast-2"));
        // g6e.12xlarge 12.90014 $/h in Seoul ÷ 4 × 4 ÷ 3600 ÷ 800 = 4.47922e-6
        assert.equal(models["qwen25-72b"].input_cost_per_token, 4.47922e-6);
    });

    it("a measured throughput replaces the assumption", async () => {
        const models = await renderedModels("dev", (c) => (c["genai-platform:models"][0].measuredThroughput = 1000));
        // dearest family g5.xlarge: 1.006 ÷ 3600 ÷ 1000 = 2.79444e-7 (g6: 0.8048 ÷ 3600 ÷ 1000 = 2.23556e-7)
        assert.equal(models["qwen25-7b"].input_cost_per_token, 2.79444e-7);
    });

    it("refuses an aws:region the price table does not cover, naming the key, the value and the Regions allowed", async () => {
        const { config, secretKeys } = configWith("dev", (c) => (c["aws:region"] = "eu-west-1"));
        const { error, resources } = await expectFailure(main, { stack: "dev", config, secretKeys });
        assert.ok(error.message.includes('aws:region: got "eu-west-1"; expected one of us-east-1, us-west-2, ap-northeast-2'), error.message);
        assert.equal(resources.length, 0);
    });

    it("refuses a model it cannot price (size not in its name, no measured throughput)", async () => {
        const { config, secretKeys } = configWith("dev", (c) => (c["genai-platform:models"][0].model = "s3://models-bucket/qwen-finetune"));
        const { error, resources } = await expectFailure(main, { stack: "dev", config, secretKeys });
        assert.ok(error.message.includes(`genai-platform:models[0].measuredThroughput: got (missing); the gateway prices self-hosted tokens from the pool's price: the model's size cannot be read from "s3://models-bucket/qwen-finetune"; set measuredThroughput`), error.message);
        assert.equal(resources.length, 0);
    });
});

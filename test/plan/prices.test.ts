/**
 * Issue 15: the price table covers the Regions the platform's users run in,
 * each figure dated and sourced, and the self-hosted price derivation says
 * what is missing instead of pricing a token at $0.
 */
import * as assert from "node:assert/strict";
import { estimateCost } from "../../plan/cost";
import { modelParamsB, REGION_PRICES, RegionPriceTable, selfHostedPrice, SUPPORTED_REGIONS } from "../../plan/prices";
import { loadStackConfig, runStack } from "../../plan/stack";
import { parsePlatformConfig, readRawConfig } from "../../stacks/config";
import { validatePlatform } from "../../stacks/platform";
import { problemLines, type RecordedResource } from "../harness";

const L4_POOL = { families: ["g6"], advertisedPerGpu: 1 };

describe("price table (issue 15)", () => {
    const recorded: Partial<Record<"dev" | "prod", RecordedResource[]>> = {};
    before(async () => {
        for (const stack of ["dev", "prod"] as const) recorded[stack] = (await runStack(stack, loadStackConfig(stack))).resources;
    });

    for (const region of SUPPORTED_REGIONS) {
        it(`${region}: prices every line item of both stacks (nothing left unpriced)`, () => {
            for (const stack of ["dev", "prod"] as const) {
                const cost = estimateCost(recorded[stack]!, region);
                assert.deepEqual(cost.unpriced, [], `${stack} in ${region}`);
                assert.equal(cost.region, region);
            }
        });

        it(`${region}: is dated, and says where each kind of figure came from (a derived one, by what ratio)`, () => {
            const table: RegionPriceTable = REGION_PRICES[region];
            assert.match(table.recorded, /^\d{4}-\d{2}-\d{2}$/);
            for (const [kind, source] of Object.entries(table.sources)) {
                assert.ok(source.length > 20, `${region} ${kind}`);
                if (source.startsWith("derived")) assert.match(source, / × \d+(\.\d+)? \(/, `${region} ${kind} states its ratio`);
            }
        });
    }

    it("refuses a missing aws:region at that key, listing the Regions it may be", () => {
        const config = parsePlatformConfig(readRawConfig(loadStackConfig("dev").config));
        assert.deepEqual(problemLines(() => validatePlatform(config, "dev", undefined)), [
            "aws:region: expected one of us-east-1, us-west-2, ap-northeast-2: the Regions plan/prices.ts records prices for (self-hosted model prices and the plan's estimate come from them); set it with `pulumi config set aws:region <region>`",
        ]);
        assert.deepEqual(problemLines(() => validatePlatform(config, "dev", "us-west-2")), []);
    });
});

describe("self-hosted price derivation (issue 15)", () => {
    const east = REGION_PRICES["us-east-1"];

    it("reads a model's size from its name", () => {
        assert.equal(modelParamsB("Qwen/Qwen2.5-72B-Instruct"), 72);
        assert.equal(modelParamsB("meta-llama/Llama-3.1-8B-Instruct"), 8);
        assert.equal(modelParamsB("Qwen/Qwen2.5-1.5B-Instruct"), 1.5);
        assert.equal(modelParamsB("s3://bucket/fine-tune"), undefined);
    });

    it("shows its arithmetic: instance $/h ÷ GPUs per node × GPUs per replica ÷ 3600 ÷ tokens/s", () => {
        const price = selfHostedPrice(east, { model: "Qwen/Qwen2.5-72B-Instruct", tensorParallelSize: 4, families: ["g6e"], advertisedPerGpu: 1 });
        assert.ok("basis" in price);
        assert.deepEqual(price.basis, [{ family: "g6e", instanceType: "g6e.12xlarge", instanceHourly: 10.49264, gpusPerNode: 4, gpusPerReplica: 4, replicaHourly: 10.49264, tokensPerSecond: 800, costPerToken: 10.49264 / 3600 / 800 }]);
        assert.equal(price.costPerToken, 3.64328e-6);
    });

    it("a multi-node replica pays for every node it spans: DeepSeek-R1 on 2 × p5.48xlarge, its size from parametersBillions", () => {
        const price = selfHostedPrice(east, { model: "deepseek-ai/DeepSeek-R1", tensorParallelSize: 8, nodes: 2, parametersBillions: 671, families: ["p5"], advertisedPerGpu: 1 });
        assert.ok("basis" in price, JSON.stringify(price));
        const [basis] = price.basis;
        assert.deepEqual([basis.instanceType, basis.gpusPerNode, basis.gpusPerReplica, basis.tokensPerSecond], ["p5.48xlarge", 8, 16, 2500]);
        assert.equal(basis.replicaHourly, basis.instanceHourly * 2);
        // Without nodes it would be priced as one node's GPUs, half the cost of what the replica holds.
        const oneNode = selfHostedPrice(east, { model: "deepseek-ai/DeepSeek-R1", tensorParallelSize: 8, parametersBillions: 671, families: ["p5"], advertisedPerGpu: 1 });
        assert.deepEqual(oneNode, { problem: "no throughput assumption in plan/prices.ts for a 671B model on 8 × h100; set measuredThroughput (tokens/s one replica serves)" });
    });

    it("a time-sliced replica holds a share of the GPU and gets that share of its throughput: the same price per token", () => {
        const whole = selfHostedPrice(east, { model: "Qwen/Qwen2.5-1.5B-Instruct", tensorParallelSize: 1, ...L4_POOL });
        const slice = selfHostedPrice(east, { model: "Qwen/Qwen2.5-1.5B-Instruct", tensorParallelSize: 1, families: ["g6"], advertisedPerGpu: 4 });
        assert.ok("basis" in whole && "basis" in slice);
        assert.equal(slice.basis[0].gpusPerReplica, 0.25);
        assert.equal(slice.basis[0].tokensPerSecond, 750);
        assert.equal(slice.costPerToken, whole.costPerToken);
    });

    for (const [title, input, problem] of [
        ["a family with no price in the Region", { model: "Qwen/Qwen2.5-7B-Instruct", tensorParallelSize: 1, families: ["p5e"], advertisedPerGpu: 1 }, "no us-east-1 on-demand price in plan/prices.ts for a p5e instance with 1 GPU(s)"],
        ["a tensor-parallel group no priced size holds", { model: "Qwen/Qwen2.5-72B-Instruct", tensorParallelSize: 8, families: ["g6e"], advertisedPerGpu: 1 }, "no us-east-1 on-demand price in plan/prices.ts for a g6e instance with 8 GPU(s)"],
        ["a size and GPU the assumption table lacks", { model: "Qwen/Qwen2.5-32B-Instruct", tensorParallelSize: 1, ...L4_POOL }, "no throughput assumption in plan/prices.ts for a 32B model on 1 × l4; set measuredThroughput (tokens/s one replica serves)"],
        ["a model whose name gives no size", { model: "s3://bucket/fine-tune", tensorParallelSize: 1, ...L4_POOL }, `the model's size cannot be read from "s3://bucket/fine-tune"; set measuredThroughput (tokens/s one replica serves)`],
    ] as const) {
        it(`says what is missing for ${title}, instead of pricing it at $0`, () => {
            assert.deepEqual(selfHostedPrice(east, input), { problem });
        });
    }
});

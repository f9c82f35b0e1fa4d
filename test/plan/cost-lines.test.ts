/**
 * Issue 15: every line item of both stacks' monthly estimate, in dollars, so a
 * program change that moves cost shows here as a diff. One literal table per
 * stack (floor, on-demand ceiling, spot ceiling; USD rounded to cents): when a
 * change is meant to move cost, update the table and say why in the commit.
 * Prices: plan/prices.ts, us-east-1 (the stacks' aws:region); 730 h a month.
 */
import * as assert from "node:assert/strict";
import { CostEstimate, estimateCost } from "../../plan/cost";
import { costCharts, renderMarkdown } from "../../plan/report";
import { loadStackConfig, runStack } from "../../plan/stack";
import type { RecordedResource } from "../harness";

type Lines = [item: string, usd: number][];
interface Expected {
    floor: Lines;
    ceilingOnDemand: Lines;
    ceilingSpot: Lines;
    totals: { floor: number; ceilingOnDemand: number; ceilingSpot: number };
}

const cents = (n: number) => Math.round(n * 100) / 100;

function table(cost: CostEstimate): Expected {
    const lines = (ls: CostEstimate["floor"]): Lines => ls.map((l) => [l.item, cents(l.monthlyUsd)]);
    return {
        floor: lines(cost.floor),
        ceilingOnDemand: lines(cost.ceilingOnDemand),
        ceilingSpot: lines(cost.ceilingSpot),
        totals: { floor: cents(cost.totals.floor), ceilingOnDemand: cents(cost.totals.ceilingOnDemand), ceilingSpot: cents(cost.totals.ceilingSpot) },
    };
}

const DEV: Expected = {
    floor: [
        ["EKS control plane genai-dev-eks", 73.0], // $0.10/h
        ["NAT gateways (1)", 41.85], // 0.045 × 730 + 200 GB × 0.045
        ["node group genai-dev-system", 52.26], // 2 × t4g.medium 0.0336 × 730 + 2 × 20 GiB × 0.08
        ["RDS genai-dev-state-db", 25.66], // shared: db.t4g.small 0.032 × 730 + 20 GiB × 0.115
        ["ElastiCache genai-dev-state-cache", 11.68], // shared: cache.t4g.micro 0.016 × 730
        ["S3 buckets (1)", 2.3], // 100 GB × 0.023
        ["KMS keys (1)", 1.0],
        ["CPU pool platform", 58.87], // 4 vCPU × 0.2016/4 × 0.4 spot × 730
    ],
    ceilingOnDemand: [
        ["GPU pool gpu-small at its limit", 2350.02], // 4 × g6.xlarge 0.8048 × 730
        ["CPU pool platform at its limit", 1177.34], // 32 vCPU × 0.0504 × 730
    ],
    ceilingSpot: [
        ["GPU pool gpu-small at its limit", 940.01], // × 0.4
        ["CPU pool platform at its limit", 470.94], // × 0.4
    ],
    totals: { floor: 266.61, ceilingOnDemand: 3735.11, ceilingSpot: 1618.69 },
};

const PROD: Expected = {
    floor: [
        ["EKS control plane genai-prod-eks", 73.0],
        ["NAT gateways (3)", 125.55], // 3 × (0.045 × 730 + 200 × 0.045)
        ["node group genai-prod-system", 122.34], // 2 × m7g.large 0.0816 × 730 + 2 × 20 GiB gp3
        ["RDS genai-prod-observability-langfuse-db", 268.28], // 2 × db.m7g.large 0.168 × 730 + 2 × 100 GiB × 0.115
        ["RDS genai-prod-gateway-db", 268.28],
        ["ElastiCache genai-prod-observability-langfuse-cache", 230.68], // 2 × cache.m7g.large 0.158 × 730
        ["ElastiCache genai-prod-gateway-cache", 230.68],
        ["S3 buckets (1)", 2.3],
        ["KMS keys (1)", 1.0],
        ["model endpoint models/qwen25-1-5b: 2 warm replica(s)", 587.5], // 2 quarter-slices fill 1 g6.xlarge: 0.8048 × 730
        ["model endpoint models/qwen25-72b: 2 warm replica(s)", 15319.25], // 2 × 4 GPUs of g6e.12xlarge: 8 × 10.49264/4 × 730
        ["model endpoint models/llama31-8b: 2 warm replica(s)", 2717.06], // 2 × g6e.xlarge 1.861 × 730
        ["model endpoint models/deepseek-r1-group: 2 warm replica(s) of 2 nodes", 160716.8], // 2 groups × 2 p5.48xlarge: 32 × 55.04/8 × 730
        // 8 vCPU × 0.0504 × 730, on-demand: the four kv-aware endpoints' pickers (1 CPU each) take the platform's own requests to 5.7 vCPU, past one node.
        ["CPU pool platform", 294.34],
    ],
    ceilingOnDemand: [
        ["GPU pool multinode-h100 at its limit", 160716.8], // 32 × p5 6.88/GPU × 730
        ["GPU pool shared-l4 at its limit", 4700.03], // 8 × 0.8048 × 730
        ["GPU pool burst-h100 at its limit", 80358.4], // 16 × p5 6.88/GPU × 730
        ["GPU pool inference-l40s at its limit", 43472.96], // 32 × 1.861 × 730
        ["CPU pool platform at its limit", 3532.03], // 96 vCPU × 0.0504 × 730
    ],
    ceilingSpot: [
        ["GPU pool multinode-h100 at its limit", 160716.8], // on-demand only
        ["GPU pool shared-l4 at its limit", 1880.01], // × 0.4
        ["GPU pool burst-h100 at its limit", 44197.12], // × 0.55
        ["GPU pool inference-l40s at its limit", 43472.96], // on-demand only
        ["CPU pool platform at its limit", 3532.03], // on-demand only
    ],
    totals: { floor: 180957.06, ceilingOnDemand: 294102.33, ceilingSpot: 255121.03 },
};

describe("cost estimate, line by line (issue 15)", () => {
    const recorded: Partial<Record<"dev" | "prod", RecordedResource[]>> = {};
    before(async () => {
        recorded.dev = (await runStack("dev", loadStackConfig("dev"))).resources;
        recorded.prod = (await runStack("prod", loadStackConfig("prod"))).resources;
    });

    it("dev: every line of the floor and both ceilings, in dollars", () => {
        const cost = estimateCost(recorded.dev!, "us-east-1");
        assert.deepEqual(table(cost), DEV);
        assert.deepEqual(cost.unpriced, []);
    });

    it("prod: every line of the floor and both ceilings, in dollars", () => {
        const cost = estimateCost(recorded.prod!, "us-east-1");
        assert.deepEqual(table(cost), PROD);
        assert.deepEqual(cost.unpriced, []);
    });

    it("reports what the gateway charges for each self-hosted model, in the estimate and the Markdown report", () => {
        const cost = estimateCost(recorded.prod!, "us-east-1");
        // test/plan/self-hosted-cost.test.ts derives each figure.
        assert.deepEqual(cost.selfHosted, [
            // Every prod model routes kv-aware: its batch-priority route (`<model>@batch`) costs the same.
            { model: "qwen25-72b", inputCostPerToken: 3.64328e-6, outputCostPerToken: 3.64328e-6 },
            { model: "qwen25-72b@batch", inputCostPerToken: 3.64328e-6, outputCostPerToken: 3.64328e-6 },
            { model: "llama31-8b", inputCostPerToken: 2.58472e-7, outputCostPerToken: 2.58472e-7 },
            { model: "llama31-8b@batch", inputCostPerToken: 2.58472e-7, outputCostPerToken: 2.58472e-7 },
            { model: "qwen25-1-5b", inputCostPerToken: 7.45185e-8, outputCostPerToken: 7.45185e-8 },
            { model: "qwen25-1-5b@batch", inputCostPerToken: 7.45185e-8, outputCostPerToken: 7.45185e-8 },
            // 2 × p5.48xlarge 55.04 $/h ÷ 3600 ÷ 2500 tokens/s (the H100 × 16 assumption): a replica spans both nodes.
            { model: "deepseek-r1", inputCostPerToken: 1.22311e-5, outputCostPerToken: 1.22311e-5 },
            { model: "deepseek-r1@batch", inputCostPerToken: 1.22311e-5, outputCostPerToken: 1.22311e-5 },
        ]);
        const markdown = renderMarkdown({ stack: "prod", resources: recorded.prod!, placeholders: [], productionOverrides: [], violations: [], policyConfig: "policies/config.prod.json", cost });
        assert.ok(markdown.includes("| `qwen25-72b` | $3.6433 | $3.6433 |\n"), markdown.slice(markdown.indexOf("### What the gateway")));
    });

    it("prices another Region from its own table: prod in ap-northeast-2 (Seoul)", () => {
        const cost = estimateCost(recorded.prod!, "ap-northeast-2");
        const line = (item: string) => cents(cost.floor.find((l) => l.item === item)!.monthlyUsd);
        // 3 × (0.059 × 730 + 200 GB × 0.059): Seoul's NAT price.
        assert.equal(line("NAT gateways (3)"), 164.61);
        // 2 replicas × 4 GPUs of g6e.12xlarge at 12.90014 $/h in Seoul: 8 × 12.90014/4 × 730.
        assert.equal(line("model endpoint models/qwen25-72b: 2 warm replica(s)"), 18834.2);
        assert.equal(cost.region, "ap-northeast-2");
        assert.match(cost.sources.rds, /^derived: us-east-1 .* × 1\.2292 /, "a figure not found for Seoul says it is derived, and by what ratio");
    });
});

describe("plan report: cost breakdown chart (issue 15)", () => {
    let cost: CostEstimate;
    let resources: RecordedResource[];
    before(async () => {
        resources = (await runStack("dev", loadStackConfig("dev"))).resources;
        cost = estimateCost(resources, "us-east-1");
    });

    it("charts dev's idle floor line by line (pie) and the floor against both ceilings (bars), in Mermaid", () => {
        assert.deepEqual(costCharts(cost), [
            "```mermaid",
            "pie showData",
            "  title Idle floor by line item, USD/month (us-east-1)",
            ...DEV.floor.map(([item, usd]) => `  "${item}" : ${usd}`),
            "```",
            "",
            "```mermaid",
            "xychart-beta",
            '  title "Monthly cost, USD (us-east-1)"',
            '  x-axis ["Idle floor", "Ceiling on-demand", "Ceiling spot"]',
            '  y-axis "USD/month" 0 --> 3736',
            "  bar [266.61, 3735.11, 1618.69]",
            "```",
        ]);
    });

    it("puts the charts in the Markdown report, after the components diagram and before the policy verdicts", () => {
        const markdown = renderMarkdown({ stack: "dev", resources, placeholders: [], productionOverrides: [], violations: [], policyConfig: "policies/config.dev.json", cost });
        const at = (s: string) => markdown.indexOf(s);
        assert.ok(at("## Components and dependencies") < at("## Cost breakdown") && at("## Cost breakdown") < at("## Policy verdicts"), markdown.slice(0, 500));
        assert.ok(markdown.includes(`## Cost breakdown\n\n${costCharts(cost).join("\n")}\n`));
        assert.ok(markdown.includes('  "node group genai-dev-system" : 52.26\n'));
        assert.ok(markdown.includes(`- rds: ${cost.sources.rds}`), "the report says where each price came from");
    });
});

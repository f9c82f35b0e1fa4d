/**
 * `npm run bench`: wall time and peak memory of the offline plan (program
 * under mocks + the whole policy pack + cost) on the dev stack, the prod stack
 * and synthetic prod stacks with many tenants. Each run is a fresh process, so
 * its peak RSS is its own; the median of `--runs` is reported.
 *
 * Internally, `--child SCENARIO` runs one plan and prints its figures as JSON.
 */
import { execFileSync } from "child_process";
import { Command } from "commander";
import * as YAML from "yaml";
import * as fs from "fs";
import { buildPlan } from "./build";
import { parseStackConfig, stackConfigPath } from "./stack";

interface Scenario {
    name: string;
    stack: "dev" | "prod";
    /** Synthetic tenants added to the stack's own. */
    tenants: number;
}

const SCENARIOS: Scenario[] = [
    { name: "dev", stack: "dev", tenants: 0 },
    { name: "prod", stack: "prod", tenants: 0 },
    ...[10, 100, 500, 1000].map((n) => ({ name: `prod+${n} tenants`, stack: "prod" as const, tenants: n })),
];

interface Figures {
    resources: number;
    seconds: number;
    peakRssMiB: number;
}

/** The stack's config file with `count` extra GPU-less tenants, each with its own principal and budget. */
function withSyntheticTenants(stack: string, count: number) {
    const doc = YAML.parse(fs.readFileSync(stackConfigPath(stack), "utf8"));
    const tenants = doc.config["genai-platform:tenants"] ?? [];
    for (let i = 0; i < count; i++) {
        const name = `team-${String(i).padStart(4, "0")}`;
        tenants.push({
            name,
            gpuQuota: 0,
            principals: [{ arn: `arn:aws:iam::123456789012:role/${name}-developers`, access: "edit" }],
            team: { maxBudgetUsd: 100, budgetDuration: "30d", rpm: 60 },
        });
    }
    doc.config["genai-platform:tenants"] = tenants;
    return parseStackConfig(YAML.stringify(doc));
}

async function child(name: string): Promise<void> {
    // As in plan/cli.ts: the Pulumi runtime captures a stack per promise, and mapping them dominates.
    process.setSourceMapsEnabled(false);
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`unknown scenario ${name}`);
    const config = withSyntheticTenants(scenario.stack, scenario.tenants);
    const start = process.hrtime.bigint();
    const report = await buildPlan(scenario.stack, undefined, config);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const figures: Figures = { resources: report.resources.length, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
    process.stdout.write(JSON.stringify(figures));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(scenario: Scenario, runs: number): Figures {
    const samples: Figures[] = [];
    for (let i = 0; i < runs; i++) {
        const out = execFileSync(process.execPath, [...process.execArgv, __filename, "--child", scenario.name], { encoding: "utf8", maxBuffer: 1 << 26 });
        samples.push(JSON.parse(out.slice(out.lastIndexOf("{"))));
    }
    return { resources: samples[0].resources, seconds: median(samples.map((s) => s.seconds)), peakRssMiB: median(samples.map((s) => s.peakRssMiB)) };
}

new Command()
    .name("bench")
    .description("Measure the offline plan's wall time and peak memory (median of runs, each in a fresh process).")
    .option("-r, --runs <n>", "runs per scenario", "3")
    .option("--only <names>", "comma-separated scenario names")
    .option("--child <scenario>", "internal: run one scenario and print its figures")
    .action(async (options: { runs: string; only?: string; child?: string }) => {
        if (options.child) return child(options.child);
        const only = options.only?.split(",");
        console.log("| scenario | resources | plan seconds (median) | ms / resource | peak RSS MiB (median) |");
        console.log("| --- | ---: | ---: | ---: | ---: |");
        for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.name))) {
            const f = measure(scenario, Number(options.runs));
            console.log(`| ${scenario.name} | ${f.resources} | ${f.seconds.toFixed(2)} | ${((f.seconds * 1000) / f.resources).toFixed(2)} | ${f.peakRssMiB.toFixed(0)} |`);
        }
    })
    .parseAsync(process.argv);

/**
 * `npm run bench`: wall time and peak memory of the offline plan (program
 * under mocks + the whole policy pack + cost) on the dev stack, the prod stack
 * and synthetic prod stacks with many tenants. Each run is a fresh process, so
 * its peak RSS is its own; the median of `--runs` is reported.
 *
 * Internally, `--child SCENARIO` runs one plan and prints its figures as JSON.
 *
 * `--validation N` instead times validation alone for the prod stack with N
 * synthetic tenants: the refusal of a stack over the tenant limit (what
 * `pulumi up` does with it), and `validatePlatform` on all N tenants with the
 * limit lifted (how validation itself scales).
 */
import { execFileSync } from "child_process";
import { Command } from "commander";
import * as YAML from "yaml";
import * as fs from "fs";
import { buildPlan } from "./build";
import { ValidationError } from "../components/internal/errors";
import { parsePlatformConfig, readRawConfig } from "../stacks/config";
import { validatePlatform } from "../stacks/platform";
import { loadStackConfig, parseStackConfig, stackConfigPath } from "./stack";

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

/** `count` GPU-less tenants, each with its own principal and budget. */
function syntheticTenants(count: number) {
    return Array.from({ length: count }, (_, i) => {
        const name = `team-${String(i).padStart(4, "0")}`;
        return {
            name,
            gpuQuota: 0,
            principals: [{ arn: `arn:aws:iam::123456789012:role/${name}-developers`, access: "edit" }],
            team: { maxBudgetUsd: 100, budgetDuration: "30d", rpm: 60 },
        };
    });
}

/** The stack's config file with `count` extra tenants. */
function withSyntheticTenants(stack: string, count: number) {
    const doc = YAML.parse(fs.readFileSync(stackConfigPath(stack), "utf8"));
    doc.config["genai-platform:tenants"] = [...(doc.config["genai-platform:tenants"] ?? []), ...syntheticTenants(count)];
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

/** Milliseconds `fn` takes. */
function time(fn: () => unknown): number {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Times validation of the prod stack with `count` synthetic tenants; prints a table. */
function validation(count: number): void {
    // Past the stack file's size limit: the config as the program would get it.
    const stackRaw = readRawConfig(loadStackConfig("prod").config);
    const raw = { ...stackRaw, tenants: [...(stackRaw.tenants as unknown[]), ...syntheticTenants(count)] };
    const refusal = time(() => {
        try {
            parsePlatformConfig(raw);
        } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
        }
    });
    // The same config with the limit lifted: the stack's own tenants parsed, the synthetic ones appended as parsed.
    const tenants = (raw.tenants as unknown[]);
    const base = parsePlatformConfig({ ...raw, tenants: tenants.slice(0, 3) });
    const parsedTenants = tenants.map((t) => parsePlatformConfig({ ...raw, tenants: [t] }).tenants[0]);
    const full = time(() => validatePlatform({ ...base, tenants: parsedTenants }, "prod", "us-east-1"));
    console.log("| tenants | refusal over the limit (ms) | validatePlatform, limit lifted (ms) |");
    console.log("| ---: | ---: | ---: |");
    console.log(`| ${count.toLocaleString("en-US")} | ${refusal.toFixed(0)} | ${full.toFixed(0)} |`);
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
    .option("--validation <tenants>", "time validation alone for prod with this many synthetic tenants")
    .action(async (options: { runs: string; only?: string; child?: string; validation?: string }) => {
        if (options.child) return child(options.child);
        if (options.validation) return validation(Number(options.validation));
        const only = options.only?.split(",");
        console.log("| scenario | resources | plan seconds (median) | ms / resource | peak RSS MiB (median) |");
        console.log("| --- | ---: | ---: | ---: | ---: |");
        for (const scenario of SCENARIOS.filter((s) => !only || only.includes(s.name))) {
            const f = measure(scenario, Number(options.runs));
            console.log(`| ${scenario.name} | ${f.resources} | ${f.seconds.toFixed(2)} | ${((f.seconds * 1000) / f.resources).toFixed(2)} | ${f.peakRssMiB.toFixed(0)} |`);
        }
    })
    .parseAsync(process.argv);

/**
 * The offline plan every engine command runs first (plan/build.ts: config
 * validation by the real program under the mock runtime, the policy pack
 * through policies/evaluate.ts, the cost estimate of plan/cost.ts), and the
 * base plan a preview compares its cost with.
 */
import * as fs from "fs";
import { ValidationError } from "../components/internal/errors";
import { buildPlan } from "../plan/build";
import type { CostEstimate } from "../plan/cost";
import { mandatory, type PlanReport } from "../plan/report";
import { parseStackConfig, type StackConfig } from "../plan/stack";
import { EXIT } from "./exit-codes";

export type CostTotals = CostEstimate["totals"];

export type OfflineResult = { report: PlanReport; config: StackConfig; exit?: undefined; message: string } | { exit: number; message: string; report?: PlanReport; config?: StackConfig };

/** Runs the offline plan; `exit` is set when the engine must not be called. */
export async function offlinePlan(stack: string, config: StackConfig, policyConfig?: string): Promise<OfflineResult> {
    let report: PlanReport;
    try {
        report = await buildPlan(stack, policyConfig, config);
    } catch (e) {
        if (e instanceof ValidationError) return { exit: EXIT.configInvalid, message: `FAIL: invalid configuration; the engine was not called.\n${e.message}` };
        throw e;
    }
    const blocking = mandatory(report);
    if (blocking.length > 0) {
        const lines = blocking.map((v) => `  [mandatory] ${v.policyName}${v.resourceName ? ` (${v.resourceName})` : ""}: ${v.message}`);
        return { exit: EXIT.policyFailure, report, config, message: [`FAIL: ${blocking.length} mandatory policy violation(s) in the offline plan under ${report.policyConfig}; the engine was not called.`, ...lines].join("\n") };
    }
    const advisory = report.violations.length;
    return { report, config, message: `Offline plan PASS: ${report.resources.length} resources, ${advisory} advisory finding(s) under ${report.policyConfig}, idle floor $${Math.round(report.cost.totals.floor)}/month.` };
}

/** URNs the program protects (the offline plan records the option): stateful for the guard whatever their type. */
export function protectedUrns(report: PlanReport): Set<string> {
    return new Set(report.resources.filter((r) => r.protect).map((r) => r.urn));
}

/**
 * The base side of the cost delta: `--base-plan` is the JSON of
 * `npm run plan -- --format json` run at the base ref (its program and its
 * config); `--base-config` is the base ref's stack file planned with this
 * checkout's program (config changes only).
 */
export async function baseCost(stack: string, options: { basePlan?: string; baseConfig?: string; policyConfig?: string }): Promise<CostTotals | undefined> {
    if (options.basePlan) {
        const json = JSON.parse(fs.readFileSync(options.basePlan, "utf8")) as { cost?: CostEstimate };
        if (!json.cost?.totals) throw new Error(`--base-plan ${options.basePlan} has no cost.totals: expected the JSON of \`npm run plan -- --format json\``);
        return json.cost.totals;
    }
    if (options.baseConfig) {
        const report = await buildPlan(stack, options.policyConfig, parseStackConfig(fs.readFileSync(options.baseConfig, "utf8")));
        return report.cost.totals;
    }
    return undefined;
}

import * as fs from "fs";
import * as path from "path";
import { evaluatePolicies } from "../policies/evaluate";
import { estimateCost } from "./cost";
import type { PlanReport } from "./report";
import { loadStackConfig, PROJECT_ROOT, runStack, StackConfig } from "./stack";

/** The committed policy config for the stack's environment (`genai-platform:environment`). */
export function defaultPolicyConfig(config: StackConfig): string {
    const environment = config.config["genai-platform:environment"] ?? "dev";
    return path.join("policies", `config.${environment}.json`);
}

/** Runs the stack offline, judges it with the policy pack and prices it. */
export async function buildPlan(stack: string, policyConfig?: string, config: StackConfig = loadStackConfig(stack)): Promise<PlanReport> {
    const run = await runStack(stack, config);
    const policyFile = policyConfig ?? defaultPolicyConfig(config);
    const policySettings = JSON.parse(fs.readFileSync(path.resolve(PROJECT_ROOT, policyFile), "utf8"));
    return {
        stack,
        resources: run.resources,
        placeholders: config.secretKeys,
        productionOverrides: (run.result as { productionOverrides?: string[] }).productionOverrides ?? [],
        violations: await evaluatePolicies(run.resources, policySettings),
        policyConfig: policyFile,
        cost: estimateCost(run.resources),
    };
}

import * as fs from "fs";
import * as path from "path";
import { evaluatePolicies, type Violation } from "../policies/evaluate";
import { estimateCost } from "./cost";
import type { PriceRegion } from "./prices";
import type { RecordedResource } from "./recorder";
import type { PlanReport } from "./report";
import { loadStackConfig, PROJECT_ROOT, runStack, StackConfig } from "./stack";
import { addedCost, loadTenantProgram, runTenantProgram } from "./tenant";

/** The committed policy config for the stack's environment (`genai-platform:environment`). */
export function defaultPolicyConfig(config: StackConfig): string {
    const environment = config.config["genai-platform:environment"] ?? "dev";
    return path.join("policies", `config.${environment}.json`);
}

/** The stack's `aws:region`, which the platform program has checked against plan/prices.ts. */
const region = (config: StackConfig) => config.config["aws:region"] as PriceRegion;

function policySettings(policyFile: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.resolve(PROJECT_ROOT, policyFile), "utf8"));
}

/** Runs the stack offline, judges it with the policy pack and prices it. */
export async function buildPlan(stack: string, policyConfig?: string, config: StackConfig = loadStackConfig(stack)): Promise<PlanReport> {
    const run = await runStack(stack, config);
    const policyFile = policyConfig ?? defaultPolicyConfig(config);
    return {
        stack,
        resources: run.resources,
        placeholders: config.secretKeys,
        productionOverrides: (run.result as { productionOverrides?: string[] }).productionOverrides ?? [],
        violations: await evaluatePolicies(run.resources, policySettings(policyFile)),
        policyConfig: policyFile,
        // The program refused a Region plan/prices.ts does not cover before declaring anything.
        cost: estimateCost(run.resources, region(config)),
    };
}

/**
 * The pack's verdicts on a tenant program where it lands: judged together
 * with the platform stack's resources (its namespaces, its gateway routes: a
 * stack policy on the program alone would miss them), keeping the findings on
 * the program's resources and the stack-wide ones the platform alone does not have.
 */
async function tenantViolations(platform: readonly RecordedResource[], tenant: readonly RecordedResource[], settings: Record<string, unknown>): Promise<Violation[]> {
    const ours = new Set(tenant.map((r) => r.urn));
    const key = (v: Violation) => `${v.policyName}\u0000${v.message}`;
    const before = new Set((await evaluatePolicies(platform, settings)).filter((v) => v.urn === undefined).map(key));
    return (await evaluatePolicies([...platform, ...tenant], settings)).filter((v) => (v.urn !== undefined ? ours.has(v.urn) : !before.has(key(v))));
}

/**
 * A tenant program (`dir`, e.g. `examples/tenant-app`) planned against the
 * platform stack `stack` (its `Pulumi.<stack>.yaml` and the platform's): its
 * own resources, the pack's verdicts on them (with the platform environment's
 * policy config: the cluster they land in), and what they add to the bill.
 */
export async function buildTenantPlan(stack: string, dir: string, policyConfig?: string, config: StackConfig = loadStackConfig(stack)): Promise<PlanReport> {
    const program = loadTenantProgram(dir, stack);
    const { platform, tenant } = await runTenantProgram(program, stack, config);
    const policyFile = policyConfig ?? defaultPolicyConfig(config);
    return {
        stack,
        program: dir,
        resources: tenant.resources,
        placeholders: program.config.secretKeys,
        productionOverrides: [],
        violations: await tenantViolations(platform.resources, tenant.resources, policySettings(policyFile)),
        policyConfig: policyFile,
        // The platform program refused a Region plan/prices.ts does not cover before declaring anything.
        cost: addedCost(estimateCost(platform.resources, region(config)), estimateCost([...platform.resources, ...tenant.resources], region(config))),
    };
}

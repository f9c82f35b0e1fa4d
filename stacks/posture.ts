/**
 * Production posture: what a stack's name says about its environment, and the
 * named overrides that may lower a production protection (each reported by
 * `pulumi up` and the offline plan, never silent).
 */
import { Problem } from "../components/internal/errors";
import { NAMESPACE, PlatformConfig } from "./config";

/** Stack-name segments that say which environment a stack is (`prod`, `prod-eu-west-1-blue`, `team-dev`). */
const NAME_SEGMENTS = { prod: ["prod", "production", "prd"], dev: ["dev", "development"] } as const;

const ENVIRONMENT_WORD = { prod: "production", dev: "development" } as const;

/** The environment a stack's name declares, if any of its `-`/`_`/`.` segments names one. */
export function environmentOfStackName(stackName: string): "dev" | "prod" | undefined {
    const segments = stackName.toLowerCase().split(/[-_.]/);
    return (Object.keys(NAME_SEGMENTS) as ("dev" | "prod")[]).find((env) => NAME_SEGMENTS[env].some((s) => segments.includes(s)));
}

/** The production protections a stack may lower, each by a named override with a reason. */
export const PRODUCTION_OVERRIDES = {
    kyvernoAudit: "Kyverno admission policies audit instead of enforcing",
} as const;

export type ProductionOverride = keyof typeof PRODUCTION_OVERRIDES;

/** `genai-platform:productionOverrides.<name>`. */
const overrideKey = (name: ProductionOverride) => `${NAMESPACE}:productionOverrides.${name}`;

/**
 * Problems with the stack's posture: an environment that disagrees with the
 * stack's name (`environment: dev` in `Pulumi.prod.yaml` would lose every prod
 * protection and be judged by the advisory policy config), a production
 * protection lowered without its named override, and an override outside prod.
 */
export function postureProblems(config: PlatformConfig, stackName: string): Problem[] {
    const problems: Problem[] = [];
    const named = environmentOfStackName(stackName);
    if (named !== undefined && named !== config.environment) {
        problems.push({ path: `${NAMESPACE}:environment`, value: config.environment, allowed: `stack "${stackName}" is a ${ENVIRONMENT_WORD[named]} stack by its name; its environment must be "${named}" (the stack name and the environment must agree)` });
    }
    const overrides = config.productionOverrides ?? {};
    if (config.environment === "prod") {
        if (config.cluster.kyverno?.enforcement === "Audit" && config.productionOverrides?.kyvernoAudit === undefined) {
            problems.push({ path: `${NAMESPACE}:cluster.kyverno.enforcement`, value: "Audit", allowed: `production admission policies enforce; lower them only with the named override ${overrideKey("kyvernoAudit")}: "<why>", which the plan and \`pulumi up\` report` });
        }
    } else {
        for (const [name, reason] of Object.entries(overrides)) {
            problems.push({ path: overrideKey(name as ProductionOverride), value: reason, allowed: "overrides lower production protections, and this stack is not production; remove it" });
        }
    }
    return problems;
}

/** What each override in force lowers, with its reason: reported by `pulumi up` (a warning) and the plan. */
export function productionOverridesInForce(config: PlatformConfig): string[] {
    if (config.environment !== "prod") return [];
    return Object.entries(config.productionOverrides ?? {}).map(
        ([name, reason]) => `Production protection lowered by ${overrideKey(name as ProductionOverride)} (${JSON.stringify(reason)}): ${PRODUCTION_OVERRIDES[name as ProductionOverride]}`,
    );
}

/**
 * A tenant program planned against a platform stack, offline: the platform
 * stack runs first under the mocks, its outputs become what the tenant's
 * `StackReference` reads (plain values, as the engine hands them over), and
 * the tenant program (its own folder, `Pulumi.yaml` and `Pulumi.<stack>.yaml`)
 * runs against them. Its resources are judged by the policy pack and priced
 * as what they add to the platform's bill.
 */
import * as fs from "fs";
import Module from "module";
import * as path from "path";
import * as YAML from "yaml";
import type { CostEstimate, CostLine } from "./cost";
import { MockRun, runWithMocks, valueOf } from "./recorder";
import { loadStackConfig, parseStackConfig, PROJECT_NAME, PROJECT_ROOT, runStack, StackConfig } from "./stack";

/** The config key naming the platform stack a tenant program reads (`examples/tenant-app`: `tenant-app:platformStack`). */
export const PLATFORM_STACK_KEY = "platformStack";

/** The platform stack's outputs as a StackReference reads them: every Output, nested ones too, resolved to its plain value. */
export function stackReferenceOutputs(outputs: unknown): Promise<Record<string, unknown>> {
    return valueOf(outputs as Record<string, unknown>);
}

export interface TenantProgram {
    /** The program's folder, relative to the project root (e.g. `examples/tenant-app`). */
    dir: string;
    /** Its Pulumi project name (its `Pulumi.yaml` `name`). */
    project: string;
    config: StackConfig;
    /** The platform stack it reads (`<org>/<project>/<stack>`), from its config. */
    platformStack: string;
}

/** Reads a tenant program's project and its `Pulumi.<stack>.yaml`; refuses one that names no platform stack to read. */
export function loadTenantProgram(dir: string, stack: string): TenantProgram {
    const root = path.resolve(PROJECT_ROOT, dir);
    const projectFile = path.join(root, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) throw new Error(`--program ${dir}: no Pulumi.yaml there (a tenant program is a Pulumi project folder)`);
    const project = String((YAML.parse(fs.readFileSync(projectFile, "utf8")) as { name?: unknown }).name);
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new Error(`--program ${dir}: no Pulumi.${stack}.yaml (the tenant program's config for stack "${stack}")`);
    const config = parseStackConfig(fs.readFileSync(stackFile, "utf8"), project);
    const platformStack = config.config[`${project}:${PLATFORM_STACK_KEY}`];
    if (!platformStack) throw new Error(`--program ${dir}: Pulumi.${stack}.yaml sets no ${project}:${PLATFORM_STACK_KEY} (the platform stack it reads, e.g. acme/${PROJECT_NAME}/${stack})`);
    return { dir, project, config, platformStack };
}

/**
 * Resolves `import ... from "genai-platform"` in the tenant program to this
 * project's own components (what the published package holds), compiled or
 * not: the program runs from source here, not from an installed tarball.
 */
function aliasPackage(): void {
    const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
    const original = resolver._resolveFilename;
    if ((original as { aliased?: boolean }).aliased) return;
    const entry = path.join(__dirname, "..", "components", "index");
    const aliased = (request: string, ...rest: unknown[]) => original(request === PROJECT_NAME ? entry : request, ...rest);
    resolver._resolveFilename = Object.assign(aliased, { aliased: true });
}

export interface TenantRun {
    platform: MockRun<unknown>;
    tenant: MockRun<unknown>;
}

/** Runs the platform stack, then the tenant program against its outputs. */
export async function runTenantProgram(program: TenantProgram, stack: string, platformConfig: StackConfig = loadStackConfig(stack)): Promise<TenantRun> {
    const platform = await runStack(stack, platformConfig);
    const outputs = await stackReferenceOutputs(platform.result);
    aliasPackage();
    const tenant = await runWithMocks(
        async () => {
            // Its entry point (`main:` of its Pulumi.yaml, index.ts), evaluated afresh under this mock runtime, as `pulumi up` runs it; compiled under .build/ like the tools.
            const entry = require.resolve(path.join(__dirname, "..", program.dir, "index"));
            delete require.cache[entry];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return require(entry);
        },
        { project: program.project, stack, config: program.config.config, secretKeys: program.config.secretKeys, stackOutputs: { [program.platformStack]: outputs } },
    );
    return { platform, tenant };
}

const money = (n: number) => `$${Math.round(n).toLocaleString("en-US")}`;

/** The lines of `after` that `base` does not already have, as what they add (a line both have is shown by its difference). */
function addedLines(base: readonly CostLine[], after: readonly CostLine[]): CostLine[] {
    return after.flatMap((line) => {
        const before = base.find((b) => b.item === line.item);
        if (!before) return [line];
        const added = line.monthlyUsd - before.monthlyUsd;
        return Math.abs(added) < 0.005 ? [] : [{ item: line.item, monthlyUsd: added, assumption: `${line.assumption} (platform alone: ${money(before.monthlyUsd)})` }];
    });
}

/** What a tenant program adds to the platform's bill: the estimate with it, less the estimate without it, line by line. */
export function addedCost(platform: CostEstimate, withTenant: CostEstimate): CostEstimate {
    return {
        ...withTenant,
        floor: addedLines(platform.floor, withTenant.floor),
        ceilingOnDemand: addedLines(platform.ceilingOnDemand, withTenant.ceilingOnDemand),
        ceilingSpot: addedLines(platform.ceilingSpot, withTenant.ceilingSpot),
        unpriced: withTenant.unpriced.filter((u) => !platform.unpriced.includes(u)),
        selfHosted: withTenant.selfHosted.filter((m) => !platform.selfHosted.some((p) => p.model === m.model)),
        totals: {
            floor: withTenant.totals.floor - platform.totals.floor,
            ceilingOnDemand: withTenant.totals.ceilingOnDemand - platform.totals.ceilingOnDemand,
            ceilingSpot: withTenant.totals.ceilingSpot - platform.totals.ceilingSpot,
        },
    };
}

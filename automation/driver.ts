/**
 * One driver run: offline plan, guards, then the engine command on the
 * platform stack and, in order, on the tenant stacks that read it. Returns
 * the exit code (exit-codes.ts); prints progress as events arrive and writes
 * the Markdown/JSON summaries when asked.
 */
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackConfig, parseStackConfig, PROJECT_ROOT } from "../plan/stack";
import { defaultPolicyConfig } from "../plan/build";
import { CliMissingError, EngineCommand, findPulumi, openStack, runEngine } from "./engine";
import { DEFAULT_DELAY, interruptAction, isTransient, lockHolder, withRetry } from "./errors";
import { exitCodeFor, mayRetry } from "./outcome";
import { type Change, driftReport, refusedChanges, summarise, type PlanFacts } from "./events";
import { EXIT, exitName } from "./exit-codes";
import { approvalRefusal, egressCheck, tenantNotReady } from "./guards";
import { baseCost, offlinePlan, protectedUrns } from "./offline";
import { formatEvent } from "./progress";
import { renderJson, renderMarkdown, runFacts } from "./summary";

export const COMMANDS = ["plan", "preview", "up", "refresh", "destroy", "drift", "outputs"] as const;
export type Command = (typeof COMMANDS)[number];

export interface DriverOptions {
    stack: string;
    org?: string;
    config?: string;
    policyConfig?: string;
    allowReplace: string[];
    approve: boolean;
    runnerIp?: string;
    basePlan?: string;
    baseConfig?: string;
    summaryMd?: string;
    summaryJson?: string;
    tenant: string[];
    pulumiRoot?: string;
    secretsProvider?: string;
    retries: number;
    /** Where the platform program lives (tests point it elsewhere). */
    workDir?: string;
}

export interface DriverIO {
    log: (line: string) => void;
    /** Registers the SIGINT handler for the run; returns its remover. */
    onInterrupt: (handler: () => void) => () => void;
    sleep?: (ms: number) => Promise<void>;
}

/** The project name in `dir`'s Pulumi.yaml. */
function projectName(dir: string): string {
    return (YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
}

/** `org/project/stack` on Pulumi Cloud (`--org`); the bare name on a DIY backend. */
const qualified = (o: DriverOptions, stack: string, dir = o.workDir ?? PROJECT_ROOT) => (o.org ? `${o.org}/${projectName(dir)}/${stack}` : stack);

interface EngineRun {
    code: number;
    events: EngineEvent[];
    refused: Change[];
    error?: unknown;
}

/**
 * Runs one engine command with the guard watching every step (`up` and
 * `destroy` were previewed and guarded first; this catches a step the
 * preview did not show and aborts), SIGINT handling and bounded retry of
 * transient failures that happen before any resource step started.
 */
async function engineRun(stack: Stack, command: EngineCommand, o: DriverOptions, io: DriverIO, policy: { packs: string[]; configs: string[] }, facts?: PlanFacts): Promise<EngineRun> {
    let events: EngineEvent[] = [];
    let refused: Change[] = [];
    let interrupts = 0;
    let controller = new AbortController();
    let cancelling: Promise<void> = Promise.resolve();
    const remove = io.onInterrupt(() => {
        const action = interruptAction(++interrupts);
        if (action === "abort") {
            io.log("Interrupted: asking the engine to stop (it finishes the steps in flight). Press Ctrl-C again to cancel the update on the backend.");
            controller.abort();
        } else if (action === "cancel") {
            io.log("Cancelling the update on the backend (pulumi cancel).");
            cancelling = stack.cancel().catch((e) => io.log(`pulumi cancel failed: ${(e as Error).message.split("\n").find((l) => l.trim()) ?? ""}`));
        }
    });
    const guarded = command === "up" || command === "destroy";
    const onEvent = (e: EngineEvent) => {
        events.push(e);
        const line = formatEvent(e);
        if (line) io.log(line);
        if (guarded && e.resourcePreEvent) {
            const refusedNow = refusedChanges(summarise([e], facts).changes, o.allowReplace);
            if (refusedNow.length > 0 && !controller.signal.aborted) {
                refused = refused.concat(refusedNow);
                io.log(`REFUSED during ${command}: ${refusedNow.map((c) => `${c.op} of ${c.name}`).join(", ")}; stopping the engine.`);
                controller.abort();
            }
        }
    };
    let error: unknown;
    try {
        await withRetry(
            async () => {
                events = [];
                controller = new AbortController();
                await runEngine(stack, command, { onEvent, signal: controller.signal, policyPacks: policy.packs, policyPackConfigs: policy.configs });
            },
            {
                attempts: o.retries + 1,
                delayMs: DEFAULT_DELAY,
                sleep: io.sleep,
                retryable: (e) => interrupts === 0 && mayRetry(command, e, events),
                onRetry: (attempt, e) => io.log(`Transient failure (attempt ${attempt} of ${o.retries + 1}), retrying: ${(e as Error).message.split("\n").find((l) => l.trim()) ?? ""}`),
            },
        );
    } catch (e) {
        error = e;
    } finally {
        remove();
        // The run ends only once the backend has answered the cancel.
        await cancelling;
    }
    const summary = summarise(events, facts);
    const drift = command === "drift" ? driftReport(events) : undefined;
    const code = exitCodeFor({ events: summary, error, refused: refused.length, interrupted: interrupts > 0, drift });
    if (code === EXIT.stackLocked) io.log(`FAIL: stack ${stack.name} is locked by ${lockHolder(error)}. Not retried: wait for that update to end, or clear a stale lock with \`pulumi cancel --stack ${stack.name}\`.`);
    else if (code === EXIT.engineError && error) io.log(`FAIL: the engine failed: ${(error as Error).message.split("\n").slice(0, 12).join("\n")}`);
    return { code, events, refused, error };
}

/** `preview` before `up`/`destroy`: refuses stateful replacements and deletions the flags do not name. */
async function guardPreview(stack: Stack, command: "up" | "destroy", o: DriverOptions, io: DriverIO, policy: { packs: string[]; configs: string[] }, facts: PlanFacts): Promise<EngineRun> {
    io.log(`Previewing before ${command} to guard stateful resources...`);
    const run = await engineRun(stack, command === "up" ? "preview" : "destroy-preview", o, io, policy, facts);
    if (run.code !== EXIT.ok) return run;
    const refused = refusedChanges(summarise(run.events, facts).changes, o.allowReplace);
    for (const c of refused) io.log(`REFUSED: ${c.op} of ${c.stateful} ${c.name} (${c.urn}). Name it with --allow-replace ${c.name} if that is intended.`);
    return { ...run, refused, code: refused.length > 0 ? EXIT.refusedByGuard : EXIT.ok };
}

export async function drive(command: Command, o: DriverOptions, io: DriverIO): Promise<number> {
    const workDir = o.workDir ?? PROJECT_ROOT;
    const config = o.config ? parseStackConfig(fs.readFileSync(o.config, "utf8")) : loadStackConfig(o.stack, workDir);
    const environment = config.config["genai-platform:environment"] ?? "dev";
    const offline = await offlinePlan(o.stack, config, o.policyConfig);
    io.log(offline.message);
    if (offline.exit !== undefined) return offline.exit;
    if (command === "plan") return EXIT.ok;

    const refusal = approvalRefusal(environment, command, o.approve);
    if (refusal) {
        io.log(`REFUSED: ${refusal}`);
        return EXIT.refusedByGuard;
    }
    const egress = egressCheck(config, o.runnerIp);
    egress.notes.forEach((n) => io.log(n));
    if (egress.refusal && command !== "outputs") {
        io.log(`REFUSED: ${egress.refusal}`);
        return EXIT.refusedByGuard;
    }

    let pulumi;
    try {
        pulumi = await findPulumi(o.pulumiRoot);
    } catch (e) {
        if (!(e instanceof CliMissingError)) throw e;
        io.log(`FAIL: ${e.message}`);
        return EXIT.cliMissing;
    }
    const open = (dir: string, stack: string) => withRetry(() => openStack({ workDir: dir, stack, pulumi, secretsProvider: o.secretsProvider }), { attempts: o.retries + 1, delayMs: DEFAULT_DELAY, sleep: io.sleep, retryable: isTransient });
    let stack: Stack;
    try {
        stack = await open(workDir, qualified(o, o.stack));
    } catch (e) {
        io.log(`FAIL: could not select stack ${qualified(o, o.stack)}: ${(e as Error).message.split("\n").slice(0, 6).join("\n")}`);
        return lockHolder(e) ? EXIT.stackLocked : EXIT.engineError;
    }
    if (command === "outputs") {
        const outputs = await stack.outputs();
        io.log(JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value])), null, 2));
        return EXIT.ok;
    }

    const policy = { packs: [path.join(PROJECT_ROOT, "policies")], configs: [path.resolve(PROJECT_ROOT, o.policyConfig ?? defaultPolicyConfig(config))] };
    const facts: PlanFacts = { protectedUrns: protectedUrns(offline.report) };
    let run: EngineRun = { code: EXIT.ok, events: [], refused: [] };
    if (command === "up" || command === "destroy") run = await guardPreview(stack, command, o, io, policy, facts);
    // Tenant stacks read the platform: destroy them first (once the platform's destroy passed its guard), deploy them after.
    if (run.code === EXIT.ok && command === "destroy") run = { ...run, code: await runTenantsDestroy(o, io, policy, open) };
    if (run.code === EXIT.ok) run = await engineRun(stack, command, o, io, policy, facts);

    const summary = summarise(run.events, facts);
    const facts_ = runFacts({
        stack: qualified(o, o.stack),
        command,
        events: summary,
        // A preview shows what `up` would refuse with the same --allow-replace, so a PR shows it before merge.
        refused: command === "preview" ? refusedChanges(summary.changes, o.allowReplace) : run.refused,
        offlinePolicy: offline.report.violations,
        headCost: offline.report.cost.totals,
        baseCost: command === "preview" ? await baseCost(o.stack, o) : undefined,
        drift: command === "drift" ? driftReport(run.events) : undefined,
        notes: egress.notes,
        exitCode: run.code,
    });
    if (o.summaryMd) fs.writeFileSync(o.summaryMd, renderMarkdown(facts_));
    if (o.summaryJson) fs.writeFileSync(o.summaryJson, renderJson(facts_));
    io.log(`${command} of ${qualified(o, o.stack)}: ${exitName(run.code)} (exit ${run.code})`);
    if (run.code !== EXIT.ok || command === "destroy") return run.code;
    return runTenants(command, stack, o, io, policy, open);
}

type Opener = (dir: string, stack: string) => Promise<Stack>;

async function runTenants(command: Exclude<Command, "plan" | "outputs" | "destroy">, platform: Stack, o: DriverOptions, io: DriverIO, policy: { packs: string[]; configs: string[] }, open: Opener): Promise<number> {
    if (o.tenant.length === 0) return EXIT.ok;
    const outputs = Object.fromEntries(Object.entries(await platform.outputs()).map(([k, v]) => [k, v.value]));
    const notReady = tenantNotReady(outputs);
    if (notReady) {
        // A preview of a fresh environment cannot see tenants yet; deploying them would fail on the StackReference.
        io.log(`${command === "up" ? "REFUSED" : "Skipped"}: tenant stacks ${o.tenant.join(", ")}: ${notReady}.`);
        return command === "up" ? EXIT.refusedByGuard : EXIT.ok;
    }
    for (const dir of o.tenant) {
        const stack = await open(path.resolve(dir), qualified(o, o.stack, path.resolve(dir)));
        io.log(`Tenant stack ${stack.name} (${dir}): ${command}`);
        const run = await engineRun(stack, command, o, io, policy);
        if (run.code !== EXIT.ok) return run.code;
    }
    return EXIT.ok;
}

async function runTenantsDestroy(o: DriverOptions, io: DriverIO, policy: { packs: string[]; configs: string[] }, open: Opener): Promise<number> {
    for (const dir of [...o.tenant].reverse()) {
        const stack = await open(path.resolve(dir), qualified(o, o.stack, path.resolve(dir)));
        io.log(`Tenant stack ${stack.name} (${dir}): destroy, before the platform it reads`);
        const run = await engineRun(stack, "destroy", o, io, policy);
        if (run.code !== EXIT.ok) return run.code;
    }
    return EXIT.ok;
}

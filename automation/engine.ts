/**
 * The thin adapter to the Automation API (@pulumi/pulumi 3.270.0): finds the
 * CLI, selects (or creates) the stack over a local program directory, and
 * runs one engine operation with the policy pack, streaming every event to
 * the caller. Decisions live in events.ts, errors.ts and guards.ts.
 *
 * What the SDK issues, from node_modules/@pulumi/pulumi/automation/*.js:
 * `pulumi version` (PulumiCommand.get, cmd.js), `stack select --stack S`
 * then `stack init S` if that fails (Stack.createOrSelect, localWorkspace.js),
 * `preview|up|refresh|destroy ... --exec-kind auto.local --event-log <log>
 * --stack S` (stack.js; the log is `tcp://127.0.0.1:<port>`, a gRPC
 * pulumirpc.Events stream, when the CLI is newer than 3.205.0, else a file),
 * `stack output --json [--show-secrets] --stack S` and, after up/refresh/
 * destroy, `stack history --json --show-secrets --page-size 1 --page 1`.
 */
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { isCliMissing } from "./errors";

export class CliMissingError extends Error {}

/** The CLI at `root/bin/pulumi`, or the one on PATH. */
export async function findPulumi(root?: string): Promise<PulumiCommand> {
    try {
        return await PulumiCommand.get(root ? { root } : undefined);
    } catch (e) {
        if (isCliMissing(e)) {
            throw new CliMissingError(
                `The Pulumi CLI is needed for this command and was not found${root ? ` at ${root}/bin/pulumi` : " on PATH"}. ` +
                    "Install it (https://www.pulumi.com/docs/iac/download-install/; in CI the pinned pulumi/actions step does), then run again.",
            );
        }
        throw e;
    }
}

export interface StackTarget {
    /** The project directory (Pulumi.yaml and Pulumi.<stack>.yaml). */
    workDir: string;
    /** The stack name, or `org/project/stack` on Pulumi Cloud. */
    stack: string;
    pulumi: PulumiCommand;
    /** Extra environment for every CLI call (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE...), on top of the process's. */
    env?: Record<string, string>;
    /** For a new stack on a self-managed backend: `awskms://alias/...` (`stack init --secrets-provider`); Pulumi Cloud needs none. */
    secretsProvider?: string;
}

export async function openStack(target: StackTarget): Promise<Stack> {
    return LocalWorkspace.createOrSelectStack({ stackName: target.stack, workDir: target.workDir }, { pulumiCommand: target.pulumi, envVars: target.env, secretsProvider: target.secretsProvider });
}

export type EngineCommand = "preview" | "up" | "refresh" | "destroy" | "drift" | "destroy-preview";

export interface RunOptions {
    onEvent: (event: EngineEvent) => void;
    signal: AbortSignal;
    /** CrossGuard packs and their configs (preview and up; the engine runs no policy on refresh or destroy). */
    policyPacks: string[];
    policyPackConfigs: string[];
}

/** Runs one operation; the events arrive through `onEvent` as the engine emits them. */
export async function runEngine(stack: Stack, command: EngineCommand, o: RunOptions): Promise<void> {
    const common = { onEvent: o.onEvent, signal: o.signal };
    const policy = { policyPacks: o.policyPacks, policyPackConfigs: o.policyPackConfigs };
    switch (command) {
        case "preview":
            await stack.preview({ ...common, ...policy, diff: false });
            return;
        case "up":
            await stack.up({ ...common, ...policy });
            return;
        case "refresh":
            await stack.refresh(common);
            return;
        case "drift":
            // `refresh --preview-only --expect-no-changes`: the CLI fails when anything drifted; driftReport reads the events.
            await stack.previewRefresh({ ...common, expectNoChanges: true });
            return;
        case "destroy-preview":
            await stack.previewDestroy(common);
            return;
        case "destroy":
            await stack.destroy(common);
            return;
    }
}

/**
 * The driver's exit codes, one per way a run can end, so CI can tell a
 * policy failure from drift from a broken engine without reading logs.
 * README "Operating from CI" documents the same table.
 */
export const EXIT = {
    /** The command did what it was asked. */
    ok: 0,
    /** The engine failed (a resource operation, the program, the backend), or the driver did. */
    engineError: 1,
    /** The stack config fails validation: the offline plan refused it, the engine was not called. */
    configInvalid: 2,
    /** A mandatory policy violation, in the offline plan or reported by the engine's policy pack. */
    policyFailure: 3,
    /** `drift`: the refresh preview found resources that differ from the state. */
    drift: 4,
    /** A guard refused: a stateful replacement or deletion not named by `--allow-replace`, prod without `--approve`, a runner outside the API allow-list, a tenant before its platform. */
    refusedByGuard: 5,
    /** Another update holds the stack's lock (HTTP 409 / the DIY backend's lock file). */
    stackLocked: 6,
    /** No Pulumi CLI to run the engine with (the offline plan still ran). */
    cliMissing: 7,
    /** Interrupted (SIGINT): the update was cancelled. 128 + SIGINT, as a shell reports it. */
    cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The name of an exit code, for messages and the JSON summary. */
export function exitName(code: number): string {
    return Object.entries(EXIT).find(([, c]) => c === code)?.[0] ?? `unknown(${code})`;
}

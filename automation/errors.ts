/**
 * What went wrong, decided from the error the Automation API throws: a lock
 * held by another update, a transient failure worth one more try, or a
 * missing CLI. Pure functions over the error's text, plus a bounded retry.
 */
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";

/** Pulumi Cloud's answer to a second update (@pulumi/pulumi 3.270.0 automation/errors.js `conflictText`). */
const CLOUD_CONFLICT = "[409] Conflict: Another update is currently in progress.";
/** The DIY (S3, file) backend's: pulumi/pulumi pkg/backend/diy/lock.go, one line per lock file after the header. */
const DIY_LOCKED = /the stack is currently locked by \d+ lock\(s\)[^\n]*((?:\n\s*\S+\.json: created by [^\n]+)*)/;

function errorText(e: unknown): string {
    // CommandError's message is its CommandResult rendered (code, stdout, stderr): the CLI's own words.
    return e instanceof Error ? e.message : String(e);
}

/** When another update holds the stack: one message naming the lock (the lock file and its holder, or the service's 409). */
export function lockHolder(e: unknown): string | undefined {
    const text = errorText(e);
    const diy = DIY_LOCKED.exec(text);
    if (diy) {
        const holders = diy[1].split("\n").map((l) => l.trim()).filter(Boolean);
        return holders.length > 0 ? holders.join("; ") : "a lock file under .pulumi/locks/ of the backend";
    }
    if (e instanceof ConcurrentUpdateError || text.includes(CLOUD_CONFLICT)) return "another update in progress on Pulumi Cloud (HTTP 409)";
    return undefined;
}

/** Network and throttling failures between the CLI and the backend or the cloud API: the same call may pass a moment later. */
const TRANSIENT = [
    /\b(ECONNRESET|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN)\b/,
    /connection reset by peer/i,
    /TLS handshake timeout/i,
    /i\/o timeout/i,
    /\[(429|502|503|504)\]/,
    /\b(Throttling|RequestLimitExceeded|TooManyRequestsException)\b/,
];

export function isTransient(e: unknown): boolean {
    if (lockHolder(e)) return false;
    const text = errorText(e);
    return TRANSIENT.some((r) => r.test(text));
}

/** The Pulumi CLI is not installed (execa reports ENOENT for the `pulumi version` that PulumiCommand.get runs first). */
export function isCliMissing(e: unknown): boolean {
    return /ENOENT/.test(errorText(e)) && /pulumi/.test(errorText(e));
}

export interface RetryPolicy {
    attempts: number;
    delayMs: (attempt: number) => number;
    /** May this failure be retried? Also false once a retry would repeat work the engine has started. */
    retryable: (e: unknown) => boolean;
    sleep?: (ms: number) => Promise<void>;
    onRetry?: (attempt: number, e: unknown) => void;
}

export const DEFAULT_DELAY = (attempt: number) => Math.min(30_000, 2_000 * 2 ** (attempt - 1));

/** Runs `fn` up to `policy.attempts` times while its failures are retryable; rethrows the last. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
    const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
        try {
            return await fn(attempt);
        } catch (e) {
            if (attempt >= policy.attempts || !policy.retryable(e)) throw e;
            policy.onRetry?.(attempt, e);
            await sleep(policy.delayMs(attempt));
        }
    }
}

/**
 * What a SIGINT does, by count: the first aborts the CLI process with SIGINT
 * (the Automation API's `signal` option), which makes the engine stop
 * starting steps and wait for those in flight; the second also asks the
 * backend to cancel the update (`stack.cancel()`, `pulumi cancel`) so no
 * lock outlives the run; later ones are ignored.
 */
export function interruptAction(count: number): "abort" | "cancel" | "ignore" {
    return count === 1 ? "abort" : count === 2 ? "cancel" : "ignore";
}

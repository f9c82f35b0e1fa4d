/**
 * The exit code of an engine run, from what happened: the order of the
 * checks is the decision (a refusal outranks the engine error it caused, a
 * mandatory policy verdict outranks the failure the engine reports for it,
 * drift outranks the `--expect-no-changes` error that signals it).
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { isTransient, lockHolder } from "./errors";
import { type DriftItem, effective, type EventSummary, mandatoryVerdicts, summarise } from "./events";
import { EXIT } from "./exit-codes";

export interface Outcome {
    events: EventSummary;
    error?: unknown;
    refused: number;
    interrupted: boolean;
    drift?: DriftItem[];
}

export function exitCodeFor(o: Outcome): number {
    if (o.refused > 0) return EXIT.refusedByGuard;
    if (o.interrupted) return EXIT.cancelled;
    if (o.error !== undefined && lockHolder(o.error)) return EXIT.stackLocked;
    if (mandatoryVerdicts(o.events.policy).length > 0) return EXIT.policyFailure;
    if (o.drift && o.drift.length > 0) return EXIT.drift;
    if (o.error !== undefined || o.events.failed.length > 0 || o.events.errors.length > 0) return EXIT.engineError;
    return EXIT.ok;
}

/** Commands whose steps change the cloud or the state: a retry after a step started would repeat it. */
const MUTATING = new Set(["up", "destroy", "refresh"]);

/** May a failed engine call be run again: a transient failure, and for a mutating command only when no step had started. */
export function mayRetry(command: string, error: unknown, events: readonly EngineEvent[]): boolean {
    return isTransient(error) && (!MUTATING.has(command) || effective(summarise(events).changes).length === 0);
}

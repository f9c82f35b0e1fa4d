/**
 * The exit code of an engine run, from what happened: the order of the
 * checks is the decision (a refusal outranks the engine error it caused, a
 * mandatory policy verdict outranks the failure the engine reports for it,
 * drift outranks the `--expect-no-changes` error that signals it).
 */
import { lockHolder } from "./errors";
import { type DriftItem, type EventSummary, mandatoryVerdicts } from "./events";
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

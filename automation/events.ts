/**
 * Pure decisions over the engine's event stream (`EngineEvent`, as the
 * Automation API of @pulumi/pulumi 3.270.0 delivers it to `onEvent`): what
 * changes, which of them touch stateful resources, what the policy pack said,
 * and whether a refresh preview found drift. No I/O here: the tests feed
 * recorded event sequences.
 */
import type { EngineEvent, OpType, PolicyEvent, StepEventMetadata, SummaryEvent } from "@pulumi/pulumi/automation";
import { STATEFUL } from "../policies/stack/prod-stateful-resources-protected";

/** Ops that take a resource away: the guard's business when the resource holds data. */
const DESTRUCTIVE: ReadonlySet<OpType> = new Set<OpType>(["replace", "create-replacement", "delete-replaced", "delete", "discard", "discard-replaced"]);

/** Stateful types: the policy pack's (RDS, ElastiCache, S3, KMS) plus the EKS cluster, whose replacement takes every workload with it. */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
    ...Object.fromEntries(Object.entries(STATEFUL).map(([type, { label }]) => [type, label])),
    "aws:eks/cluster:Cluster": "EKS cluster",
    "eks:index:Cluster": "EKS cluster (pulumi-eks component)",
};

/** One resource step the engine planned or performed. */
export interface Change {
    op: OpType;
    urn: string;
    type: string;
    name: string;
    /** Why it counts as stateful (a type label or "protected"); absent otherwise. */
    stateful?: string;
    /** Properties whose change forces the replacement, when the engine says. */
    replaceKeys?: string[];
}

export interface PolicyVerdict {
    policyName: string;
    enforcementLevel: PolicyEvent["enforcementLevel"];
    urn?: string;
    message: string;
}

export interface EventSummary {
    changes: Change[];
    policy: PolicyVerdict[];
    errors: string[];
    failed: string[];
    summary?: SummaryEvent;
    cancelled: boolean;
}

/** `urn:pulumi:stack::project::type::name` → name (the last segment). */
export function urnName(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Facts the offline plan knows and the events may not: which URNs/names the program protects. */
export interface PlanFacts {
    protectedUrns: ReadonlySet<string>;
}

function statefulReason(meta: StepEventMetadata, facts?: PlanFacts): string | undefined {
    if (STATEFUL_TYPES[meta.type]) return STATEFUL_TYPES[meta.type];
    if (meta.old?.protect || meta.new?.protect || facts?.protectedUrns.has(meta.urn)) return "protected";
    return undefined;
}

/**
 * Sorts by `sequence` (the engine numbers its events; a reader may see them out
 * of order) and keeps, per URN and op, the first step: a preview emits one
 * `resourcePreEvent` per step, an update adds `resOutputsEvent` when it ends.
 */
export function summarise(events: readonly EngineEvent[], facts?: PlanFacts): EventSummary {
    const ordered = [...events].sort((a, b) => a.sequence - b.sequence);
    const seen = new Set<string>();
    const out: EventSummary = { changes: [], policy: [], errors: [], failed: [], cancelled: false };
    for (const e of ordered) {
        const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
        if (meta && !seen.has(`${meta.urn}|${meta.op}`)) {
            seen.add(`${meta.urn}|${meta.op}`);
            const change: Change = { op: meta.op, urn: meta.urn, type: meta.type, name: urnName(meta.urn) };
            const stateful = statefulReason(meta, facts);
            if (stateful) change.stateful = stateful;
            if (meta.keys?.length && meta.op === "replace") change.replaceKeys = meta.keys;
            out.changes.push(change);
        }
        if (e.resOpFailedEvent) out.failed.push(e.resOpFailedEvent.metadata.urn);
        if (e.policyEvent) {
            const p = e.policyEvent;
            out.policy.push({ policyName: p.policyName, enforcementLevel: p.enforcementLevel, urn: p.resourceUrn, message: p.message.trim() });
        }
        if (e.diagnosticEvent?.severity === "error") out.errors.push(e.diagnosticEvent.message.trim());
        if (e.summaryEvent) out.summary = e.summaryEvent;
        if (e.cancelEvent) out.cancelled = true;
    }
    return out;
}

/** Changes that do something (not `same`, not reads). */
export function effective(changes: readonly Change[]): Change[] {
    return changes.filter((c) => c.op !== "same" && c.op !== "read" && c.op !== "refresh");
}

/** Counts of each op per resource type, types sorted. */
export function countsByType(changes: readonly Change[]): [string, Partial<Record<OpType, number>>][] {
    const byType = new Map<string, Partial<Record<OpType, number>>>();
    for (const c of effective(changes)) {
        const counts = byType.get(c.type) ?? {};
        counts[c.op] = (counts[c.op] ?? 0) + 1;
        byType.set(c.type, counts);
    }
    return [...byType.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** Replacements and deletions of stateful resources (one line per resource, whatever the number of its steps). */
export function statefulRisks(changes: readonly Change[]): Change[] {
    const risks = new Map<string, Change>();
    for (const c of changes) {
        if (c.stateful && DESTRUCTIVE.has(c.op) && !risks.has(c.urn)) risks.set(c.urn, c);
    }
    return [...risks.values()];
}

/**
 * The `up` guard: every stateful replacement or deletion must be named by
 * `--allow-replace` (its URN or its name). Returns the ones that are not.
 */
export function refusedChanges(changes: readonly Change[], allowed: readonly string[]): Change[] {
    const allow = new Set(allowed);
    return statefulRisks(changes).filter((c) => !allow.has(c.urn) && !allow.has(c.name));
}

/** Mandatory verdicts stop the run; advisory ones (`warning` in the engine's words) are reported. */
export function mandatoryVerdicts(policy: readonly PolicyVerdict[]): PolicyVerdict[] {
    return policy.filter((p) => p.enforcementLevel === "mandatory");
}

export interface DriftItem {
    urn: string;
    type: string;
    name: string;
    /** `update`: properties differ from the state; `delete`: the resource is gone. */
    kind: "update" | "delete";
    properties: string[];
}

/**
 * Drift in a refresh preview. A refresh step's `resourcePreEvent` says
 * `refresh`; its `resOutputsEvent` carries the step's result op, which
 * pulumi/pulumi pkg/resource/deploy/step.go `RefreshStep.ResultOp` makes
 * `delete` when the resource is gone, `update` when its outputs differ from
 * the state and `same` otherwise.
 */
export function driftReport(events: readonly EngineEvent[]): DriftItem[] {
    const items = new Map<string, DriftItem>();
    for (const e of [...events].sort((a, b) => a.sequence - b.sequence)) {
        const meta = e.resOutputsEvent?.metadata;
        if (!meta || (meta.op !== "update" && meta.op !== "delete") || items.has(meta.urn)) continue;
        const properties = meta.diffs ?? Object.keys(meta.detailedDiff ?? {});
        items.set(meta.urn, { urn: meta.urn, type: meta.type, name: urnName(meta.urn), kind: meta.op, properties });
    }
    return [...items.values()];
}

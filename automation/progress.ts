/**
 * One line per engine event worth a human's attention, printed as the event
 * arrives: planned and finished steps, failures, warnings and errors, policy
 * findings, and the closing summary. `same` steps stay quiet.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { urnName } from "./events";

const SYMBOL: Record<string, string> = { create: "+", update: "~", replace: "+-", "create-replacement": "++", "delete-replaced": "--", delete: "-", refresh: "~", read: ">" };

export function formatEvent(e: EngineEvent): string | undefined {
    const pre = e.resourcePreEvent?.metadata;
    if (pre && pre.op !== "same") return `  ${(SYMBOL[pre.op] ?? pre.op).padEnd(2)} ${pre.op.padEnd(18)} ${pre.type}  ${urnName(pre.urn)}`;
    const done = e.resOutputsEvent?.metadata;
    if (done && done.op !== "same" && !e.resOutputsEvent?.planning) return `  ok ${done.op.padEnd(18)} ${done.type}  ${urnName(done.urn)}`;
    if (e.resOpFailedEvent) return `  !! failed             ${e.resOpFailedEvent.metadata.type}  ${urnName(e.resOpFailedEvent.metadata.urn)}`;
    const d = e.diagnosticEvent;
    if (d && (d.severity === "error" || d.severity === "warning")) return `  ${d.severity}: ${d.urn ? `${urnName(d.urn)}: ` : ""}${d.message.trim()}`;
    const p = e.policyEvent;
    if (p) return `  policy [${p.enforcementLevel}] ${p.policyName}${p.resourceUrn ? ` (${urnName(p.resourceUrn)})` : ""}: ${p.message.trim()}`;
    const s = e.summaryEvent;
    if (s) return `  summary: ${Object.entries(s.resourceChanges).map(([op, n]) => `${n} ${op}`).join(", ") || "no changes"} in ${s.durationSeconds}s`;
    if (e.cancelEvent) return "  cancelled";
    return undefined;
}

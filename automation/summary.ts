/**
 * The facts of one engine run (what changes by type, stateful risks, policy
 * verdicts, the cost delta, drift) and their two renderings: Markdown for a
 * pull-request comment and JSON for tools. Both read the same `RunFacts`.
 */
import type { OpType } from "@pulumi/pulumi/automation";
import type { Violation } from "../policies/evaluate";
import { type Change, countsByType, type DriftItem, effective, type EventSummary, type PolicyVerdict, statefulRisks } from "./events";
import { exitName } from "./exit-codes";
import type { CostTotals } from "./offline";

export interface RunFacts {
    stack: string;
    command: string;
    byType: [string, Partial<Record<OpType, number>>][];
    totals: Partial<Record<OpType, number>>;
    statefulRisks: Change[];
    /** Stateful risks `up` refuses (not named by --allow-replace). */
    refused: Change[];
    enginePolicy: PolicyVerdict[];
    offlinePolicy: Violation[];
    cost: { head: CostTotals; base?: CostTotals; delta?: CostTotals };
    drift?: DriftItem[];
    errors: string[];
    notes: string[];
    exitCode: number;
}

export function runFacts(args: {
    stack: string;
    command: string;
    events: EventSummary;
    refused?: Change[];
    offlinePolicy: Violation[];
    headCost: CostTotals;
    baseCost?: CostTotals;
    drift?: DriftItem[];
    notes?: string[];
    exitCode: number;
}): RunFacts {
    const totals: Partial<Record<OpType, number>> = {};
    for (const c of effective(args.events.changes)) totals[c.op] = (totals[c.op] ?? 0) + 1;
    const base = args.baseCost;
    const delta = base && {
        floor: args.headCost.floor - base.floor,
        ceilingOnDemand: args.headCost.ceilingOnDemand - base.ceilingOnDemand,
        ceilingSpot: args.headCost.ceilingSpot - base.ceilingSpot,
    };
    return {
        stack: args.stack,
        command: args.command,
        byType: countsByType(args.events.changes),
        totals,
        statefulRisks: statefulRisks(args.events.changes),
        refused: args.refused ?? [],
        enginePolicy: args.events.policy,
        offlinePolicy: args.offlinePolicy,
        cost: { head: args.headCost, base, delta },
        drift: args.drift,
        errors: args.events.errors,
        notes: args.notes ?? [],
        exitCode: args.exitCode,
    };
}

/** The ops a reader cares about, in the order the columns show them. */
const COLUMNS: [string, OpType[]][] = [
    ["create", ["create"]],
    ["update", ["update"]],
    ["replace", ["replace"]],
    ["delete", ["delete"]],
];

const sum = (counts: Partial<Record<OpType, number>>, ops: OpType[]) => ops.reduce((n, op) => n + (counts[op] ?? 0), 0);
const money = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(Math.round(n)).toLocaleString("en-US")}`;
const signed = (n: number) => (Math.round(n) > 0 ? `+${money(n)}` : Math.round(n) === 0 ? "$0" : money(n));
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function verdictLine(f: RunFacts): string {
    const status = f.exitCode === 0 ? "OK" : `FAIL (${exitName(f.exitCode)}, exit ${f.exitCode})`;
    const counts = COLUMNS.map(([label, ops]) => `${sum(f.totals, ops)} to ${label}`).join(", ");
    return `**${status}**: ${counts}.`;
}

export function renderMarkdown(f: RunFacts): string {
    const out = [`### \`${f.command}\` of stack \`${f.stack}\``, "", verdictLine(f), ""];
    for (const n of f.notes) out.push(`> ${n}`);
    if (f.notes.length > 0) out.push("");

    out.push("#### Stateful resources replaced or deleted", "");
    if (f.statefulRisks.length === 0) out.push("None.", "");
    else {
        out.push("| op | resource | type | why stateful | allowed |", "| --- | --- | --- | --- | --- |");
        const refused = new Set(f.refused.map((c) => c.urn));
        for (const c of f.statefulRisks) {
            const why = c.replaceKeys ? `${c.stateful}; replaced because of ${c.replaceKeys.join(", ")}` : c.stateful!;
            out.push(`| **${c.op}** | \`${c.name}\` | \`${c.type}\` | ${cell(why)} | ${refused.has(c.urn) ? "no: `up` refuses without `--allow-replace " + c.name + "`" : "yes"} |`);
        }
        out.push("");
    }

    out.push("#### Changes by type", "");
    if (f.byType.length === 0) out.push("No changes.", "");
    else {
        out.push(`| type | ${COLUMNS.map(([l]) => l).join(" | ")} |`, `| --- | ${COLUMNS.map(() => "---:").join(" | ")} |`);
        for (const [type, counts] of f.byType) out.push(`| \`${type}\` | ${COLUMNS.map(([, ops]) => sum(counts, ops) || "").join(" | ")} |`);
        out.push("");
    }

    if (f.drift) {
        out.push("#### Drift", "");
        if (f.drift.length === 0) out.push("No drift: the cloud matches the state.", "");
        else {
            out.push("| resource | type | drift | properties |", "| --- | --- | --- | --- |");
            for (const d of f.drift) out.push(`| \`${d.name}\` | \`${d.type}\` | ${d.kind === "delete" ? "gone" : "changed"} | ${d.properties.map((p) => `\`${p}\``).join(", ")} |`);
            out.push("");
        }
    }

    out.push("#### Policy verdicts", "");
    const engineMandatory = f.enginePolicy.filter((p) => p.enforcementLevel === "mandatory").length;
    out.push(`Engine (CrossGuard pack \`policies/\`): ${engineMandatory} mandatory, ${f.enginePolicy.length - engineMandatory} advisory. Offline plan: ${f.offlinePolicy.filter((v) => v.enforcementLevel === "mandatory").length} mandatory, ${f.offlinePolicy.filter((v) => v.enforcementLevel !== "mandatory").length} advisory.`, "");
    if (f.enginePolicy.length > 0) {
        out.push("| level | policy | resource | message |", "| --- | --- | --- | --- |");
        for (const p of f.enginePolicy) out.push(`| ${p.enforcementLevel} | \`${p.policyName}\` | ${p.urn ? `\`${p.urn.slice(p.urn.lastIndexOf("::") + 2)}\`` : "(stack)"} | ${cell(p.message)} |`);
        out.push("");
    }

    out.push("#### Monthly cost (offline estimate)", "");
    const c = f.cost;
    const rows: [string, keyof CostTotals][] = [["idle floor", "floor"], ["ceiling, on-demand", "ceilingOnDemand"], ["ceiling, spot", "ceilingSpot"]];
    if (c.base && c.delta) {
        out.push("| | base | head | delta |", "| --- | ---: | ---: | ---: |");
        for (const [label, k] of rows) out.push(`| ${label} | ${money(c.base[k])} | ${money(c.head[k])} | ${signed(c.delta[k])} |`);
    } else {
        out.push("| | head |", "| --- | ---: |");
        for (const [label, k] of rows) out.push(`| ${label} | ${money(c.head[k])} |`);
        out.push("", "No base plan given (`--base-plan` or `--base-config`): no delta.");
    }
    out.push("");
    if (f.errors.length > 0) out.push("#### Engine errors", "", ...f.errors.map((e) => `- ${cell(e)}`), "");
    return out.join("\n");
}

export function renderJson(f: RunFacts): string {
    return JSON.stringify({ ...f, exitName: exitName(f.exitCode), byType: Object.fromEntries(f.byType) }, null, 2) + "\n";
}

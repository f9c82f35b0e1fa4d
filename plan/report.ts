/**
 * Renders an offline plan: verdict first, then the resources (counts by type
 * and the tree by component), the policy verdicts, the cost estimate and a
 * diagram of the components and their dependencies.
 */
import type { Violation } from "../policies/evaluate";
import type { CostEstimate, CostLine } from "./cost";
import type { RecordedResource } from "./recorder";

export interface PlanReport {
    stack: string;
    /** A tenant program planned on `stack` (its folder): the resources are its own, the cost what it adds to the platform's. */
    program?: string;
    resources: RecordedResource[];
    /** Config keys whose `secure:` values were replaced by placeholders. */
    placeholders: string[];
    /** Production protections the stack lowers by named override (stacks/posture.ts), with their reasons. */
    productionOverrides: string[];
    violations: Violation[];
    /** The policy config file the verdicts were judged with. */
    policyConfig: string;
    cost: CostEstimate;
}

const CAVEATS = [
    "This is an offline plan: the real program ran against Pulumi's mock runtime, not `pulumi preview`.",
    "It cannot see inside remote components (eks:index:Cluster creates its own IAM roles, security groups and add-ons) or inside Helm charts (each release is one line here).",
    "Outputs that only AWS can compute (ids, ARNs, endpoints) are mock values.",
];

export function mandatory(report: PlanReport): Violation[] {
    return report.violations.filter((v) => v.enforcementLevel === "mandatory");
}

function verdict(report: PlanReport): string {
    const m = mandatory(report).length;
    const a = report.violations.length - m;
    return m > 0
        ? `FAIL: ${m} mandatory policy violation${m === 1 ? "" : "s"} (${a} advisory) under ${report.policyConfig}`
        : `PASS: no mandatory policy violations (${a} advisory) under ${report.policyConfig}`;
}

/** What the plan is of: the stack, or a tenant program on it. */
function subject(report: PlanReport, quote: (s: string) => string = (s) => `"${s}"`): string {
    return report.program ? `tenant program ${quote(report.program)} on stack ${quote(report.stack)}` : `stack ${quote(report.stack)}`;
}

function caveats(report: PlanReport): string[] {
    const notes = [...report.productionOverrides, ...CAVEATS];
    if (report.program) {
        notes.push(`The tenant program read the ${report.stack} platform stack's outputs (run offline first) through its StackReference; the cost below is what it adds to that platform's estimate.`);
    }
    if (report.placeholders.length > 0) {
        notes.push(`Secret config values cannot be decrypted offline; labelled placeholders stand in for: ${report.placeholders.join(", ")}.`);
    }
    return notes;
}

export function countsByType(resources: readonly RecordedResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function label(r: RecordedResource): string {
    const extra: string[] = [];
    if (r.type === "kubernetes:helm.sh/v3:Release") extra.push(`${r.inputs.chart} ${r.inputs.version}`);
    if (r.remote) extra.push("remote component");
    if (r.protect) extra.push("protected");
    if (r.retainOnDelete) extra.push("retained on delete");
    return `${r.type}  ${r.name}${extra.length ? `  (${extra.join(", ")})` : ""}`;
}

/** Children of each resource (undefined: top level), sorted so the same program always prints the same tree. */
function childrenByParent(resources: readonly RecordedResource[]): Map<string | undefined, RecordedResource[]> {
    const urns = new Set(resources.map((r) => r.urn));
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    for (const list of children.values()) list.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    return children;
}

/** The resource tree: each top-level component with its children, indented. */
export function tree(resources: readonly RecordedResource[]): string[] {
    const children = childrenByParent(resources);
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${"  ".repeat(depth)}${label(r)}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    return lines;
}

const money = (n: number) => `$${Math.round(n).toLocaleString("en-US")}`;
/** A per-token price as USD per million tokens; "not priced" when the route has none. */
const perMillion = (perToken: number | undefined) => (perToken === undefined ? "not priced" : `$${(perToken * 1e6).toFixed(4)}`);

function costSection(cost: CostEstimate, line: (l: CostLine) => string): string[] {
    const out: string[] = [];
    const section = (title: string, lines: CostLine[], total: number) => {
        out.push(`${title}: ${money(total)}/month`);
        out.push(...lines.map(line));
    };
    section("Idle floor (no traffic; GPU pools scaled to what endpoints keep warm)", cost.floor, cost.totals.floor);
    section("Ceiling, on-demand (floor + every GPU pool at its limit)", cost.ceilingOnDemand, cost.totals.ceilingOnDemand);
    section("Ceiling, spot where allowed (floor + every GPU pool at its limit)", cost.ceilingSpot, cost.totals.ceilingSpot);
    if (cost.unpriced.length > 0) out.push(`Not priced (not in the price table): ${cost.unpriced.join("; ")}`);
    if (cost.selfHosted.length > 0) {
        out.push("Self-hosted tokens, as the gateway charges them (USD per 1M prompt / generated tokens):");
        out.push(...cost.selfHosted.map((m) => `    ${m.model}: ${perMillion(m.inputCostPerToken)} / ${perMillion(m.outputCostPerToken)}`));
    }
    return out;
}

export function renderText(report: PlanReport): string {
    const lines = [verdict(report), `Offline plan for ${subject(report)}: ${report.resources.length} resources`, ""];
    lines.push(...caveats(report).map((c) => `  * ${c}`));
    lines.push("", "Policy verdicts:");
    if (report.violations.length === 0) lines.push("  none");
    for (const v of report.violations) lines.push(`  [${v.enforcementLevel}] ${v.policyName}${v.resourceName ? ` (${v.resourceName})` : ""}: ${v.message}`);
    lines.push("", `Monthly cost estimate (${report.cost.region}, prices of ${report.cost.priceDate}):`);
    lines.push(...costSection(report.cost, (l) => `    ${money(l.monthlyUsd).padStart(9)}  ${l.item}  — ${l.assumption}`).map((l) => (l.startsWith("    ") ? l : `  ${l}`)));
    lines.push("", "Resources by type:");
    for (const [type, count] of countsByType(report.resources)) lines.push(`  ${String(count).padStart(4)}  ${type}`);
    lines.push("", "Resources by component:");
    lines.push(...tree(report.resources).map((l) => `  ${l}`));
    return lines.join("\n") + "\n";
}

const COMPONENT_PREFIX = "genai-platform:index:";

/** The nearest enclosing platform component of each resource (itself, for a component). */
function owners(resources: readonly RecordedResource[]): Map<string, RecordedResource | undefined> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const owner = (r: RecordedResource | undefined): RecordedResource | undefined =>
        !r ? undefined : r.type.startsWith(COMPONENT_PREFIX) ? r : owner(r.parent ? byUrn.get(r.parent) : undefined);
    return new Map(resources.map((r) => [r.urn, owner(r)]));
}

/** Mermaid flowchart: components (with their Helm releases) and the dependencies between them. */
export function mermaid(resources: readonly RecordedResource[]): string {
    const owner = owners(resources);
    const components = resources.filter((r) => r.type.startsWith(COMPONENT_PREFIX));
    const ids = new Map<string, string>();
    const nodeId = (r: RecordedResource) => {
        if (!ids.has(r.urn)) ids.set(r.urn, `n${ids.size}`);
        return ids.get(r.urn)!;
    };
    const lines = ["flowchart LR"];
    for (const c of components) {
        const releases = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && owner.get(r.urn) === c);
        const title = `${c.type.slice(COMPONENT_PREFIX.length)}: ${c.name}`;
        if (releases.length === 0) {
            lines.push(`  ${nodeId(c)}["${title}"]`);
            continue;
        }
        lines.push(`  subgraph ${nodeId(c)}["${title}"]`);
        for (const r of releases) lines.push(`    ${nodeId(r)}(["${r.inputs.chart.split("/").pop()} ${r.inputs.version}"])`);
        lines.push("  end");
    }
    const edges = new Set<string>();
    for (const r of resources) {
        const from = owner.get(r.urn);
        for (const dep of r.dependsOn) {
            const to = owner.get(dep);
            if (from && to && from !== to) edges.add(`  ${nodeId(from)} --> ${nodeId(to)}`);
        }
    }
    return [...lines, ...[...edges].sort()].join("\n");
}

const escapeCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A Mermaid pie label: inside double quotes, so quotes become single ones. */
const pieLabel = (s: string) => s.replace(/"/g, "'").replace(/\n/g, " ");

/**
 * Mermaid charts of the estimate (GitHub renders both): the idle floor by line
 * item as a pie, and the floor against both ceilings as bars. USD a month,
 * rounded to cents.
 */
export function costCharts(cost: CostEstimate): string[] {
    const cents = (n: number) => (Math.round(n * 100) / 100).toString();
    const pie = ["pie showData", `  title Idle floor by line item, USD/month (${cost.region})`, ...cost.floor.filter((l) => l.monthlyUsd > 0).map((l) => `  "${pieLabel(l.item)}" : ${cents(l.monthlyUsd)}`)];
    const totals = [cost.totals.floor, cost.totals.ceilingOnDemand, cost.totals.ceilingSpot];
    const bars = [
        "xychart-beta",
        `  title "Monthly cost, USD (${cost.region})"`,
        '  x-axis ["Idle floor", "Ceiling on-demand", "Ceiling spot"]',
        `  y-axis "USD/month" 0 --> ${Math.ceil(Math.max(...totals))}`,
        `  bar [${totals.map(cents).join(", ")}]`,
    ];
    return ["```mermaid", ...pie, "```", "", "```mermaid", ...bars, "```"];
}

export function renderMarkdown(report: PlanReport): string {
    const m = mandatory(report);
    const out: string[] = [`# Offline plan: ${subject(report, (s) => `\`${s}\``)}`, "", `**${verdict(report)}**`, ""];
    if (m.length > 0) {
        out.push("Mandatory violations that block this stack:", "");
        out.push(...m.map((v) => `- \`${v.policyName}\`${v.resourceName ? ` on \`${v.resourceName}\`` : ""}: ${v.message}`), "");
    }
    out.push(`${report.resources.length} resources declared. Monthly cost: idle floor **${money(report.cost.totals.floor)}**, ceiling **${money(report.cost.totals.ceilingOnDemand)}** on-demand / **${money(report.cost.totals.ceilingSpot)}** with spot.`, "");
    out.push(...caveats(report).map((c) => `> ${c}`), "");

    out.push("## What will be created", "", "| count | type |", "| ---: | --- |");
    out.push(...countsByType(report.resources).map(([t, n]) => `| ${n} | \`${t}\` |`), "");
    out.push("<details><summary>Every resource, by component</summary>", "", "```", ...tree(report.resources), "```", "", "</details>", "");

    out.push("## Components and dependencies", "", "```mermaid", mermaid(report.resources), "```", "");
    out.push("## Cost breakdown", "", ...costCharts(report.cost), "");

    out.push("## Policy verdicts", "", `Judged by the CrossGuard pack in \`policies/\` with \`${report.policyConfig}\`.`, "");
    if (report.violations.length === 0) out.push("No violations.", "");
    else {
        out.push("| level | policy | resource | message |", "| --- | --- | --- | --- |");
        out.push(...report.violations.map((v) => `| ${v.enforcementLevel} | \`${v.policyName}\` | ${v.resourceName ? `\`${v.resourceName}\`` : "(stack)"} | ${escapeCell(v.message)} |`), "");
    }

    const c = report.cost;
    out.push("## Monthly cost estimate", "", `Prices: ${c.region}, price table of ${c.priceDate} (\`plan/prices.ts\`); 730 hours a month.`, "");
    out.push("<details><summary>Where the prices come from</summary>", "", ...Object.entries(c.sources).map(([kind, source]) => `- ${kind}: ${source}`), "", "</details>", "");
    const table = (title: string, lines: CostLine[], total: number) => {
        out.push(`### ${title}: ${money(total)}`, "", "| item | USD/month | assumption |", "| --- | ---: | --- |");
        out.push(...lines.map((l) => `| ${escapeCell(l.item)} | ${money(l.monthlyUsd)} | ${escapeCell(l.assumption)} |`), "");
    };
    table("Idle floor", c.floor, c.totals.floor);
    out.push(`The ceilings add every GPU pool at its limit to the floor (warm endpoint GPUs are within the pools' limits).`, "");
    table("Ceiling, on-demand (floor + these pools)", c.ceilingOnDemand, c.totals.ceilingOnDemand);
    table("Ceiling, spot where allowed (floor + these pools)", c.ceilingSpot, c.totals.ceilingSpot);
    if (c.unpriced.length > 0) out.push(`Not priced: ${c.unpriced.join("; ")}.`, "");
    if (c.selfHosted.length > 0) {
        out.push("### What the gateway charges for self-hosted tokens", "", "Derived from each pool's on-demand price and the throughput assumed for the model's size and GPU (`plan/prices.ts`); tenants' budgets and the spend dashboard count it.", "");
        out.push("| model | USD per 1M prompt tokens | USD per 1M generated tokens |", "| --- | ---: | ---: |");
        out.push(...c.selfHosted.map((m) => `| \`${m.model}\` | ${perMillion(m.inputCostPerToken)} | ${perMillion(m.outputCostPerToken)} |`), "");
    }
    return out.join("\n");
}

/** What `pulumi preview --json` writes in place of a secret value. */
export const SECRET_MARK = "[secret]";

/** `value` with every path in `secrets` (recorder paths: `a.b[0].c`) replaced by "[secret]". */
export function redactSecrets(value: unknown, secrets: ReadonlySet<string>, at = ""): unknown {
    if (at && secrets.has(at)) return SECRET_MARK;
    if (Array.isArray(value)) return value.map((v, i) => redactSecrets(v, secrets, `${at}[${i}]`));
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, secrets, at ? `${at}.${k}` : k)]));
    }
    return value;
}

/**
 * One step of `pulumi preview --json` (pulumi/pulumi sdk/go/common/display
 * PreviewStep; newState is an apitype.ResourceV3): a resource the program
 * would create (`op: "create"`) or read (`op: "read"`), secrets as "[secret]".
 * Mock outputs and ids are left out: only AWS could compute them.
 */
export function previewStep(r: RecordedResource) {
    return {
        op: r.read ? "read" : "create",
        urn: r.urn,
        ...(r.provider ? { provider: r.provider } : {}),
        newState: {
            urn: r.urn,
            custom: r.custom,
            type: r.type,
            inputs: redactSecrets(r.inputs, new Set(r.secretInputs)),
            ...(r.parent ? { parent: r.parent } : {}),
            protect: r.protect,
            ...(r.read ? { external: true } : {}),
            dependencies: r.dependsOn,
            ...(r.provider ? { provider: r.provider } : {}),
            propertyDependencies: r.propertyDependencies ?? {},
            retainOnDelete: r.retainOnDelete,
        },
    };
}

/**
 * The plan as JSON for tools: `steps` and `changeSummary` as `pulumi preview
 * --json` writes them (a tool that reads a preview reads this), then the
 * plan's own verdict, policy violations and cost.
 */
export function renderJson(report: PlanReport): string {
    const steps = report.resources.map(previewStep);
    const changeSummary: Record<string, number> = {};
    for (const step of steps) changeSummary[step.op] = (changeSummary[step.op] ?? 0) + 1;
    return JSON.stringify({
        steps,
        changeSummary,
        stack: report.stack,
        ...(report.program ? { program: report.program } : {}),
        verdict: verdict(report),
        mandatoryViolations: mandatory(report).length,
        placeholders: report.placeholders,
        productionOverrides: report.productionOverrides,
        resourceCount: report.resources.length,
        resourcesByType: Object.fromEntries(countsByType(report.resources)),
        violations: report.violations,
        cost: report.cost,
    }, null, 2) + "\n";
}

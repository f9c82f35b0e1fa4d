/** Renders what an offline run declared: counts by type, then the tree by component. */
import type { RecordedResource } from "./recorder";

export interface PlanSummary {
    stack: string;
    resources: RecordedResource[];
    placeholders: string[];
}

const CAVEATS = [
    "This is an offline plan: the real program ran against Pulumi's mock runtime, not `pulumi preview`.",
    "It cannot see inside remote components (eks:index:Cluster creates its own IAM roles, security groups and add-ons) or inside Helm charts (each release is one line here).",
    "Outputs that only AWS can compute (ids, ARNs, endpoints) are mock values.",
];

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
    return `${r.type}  ${r.name}${extra.length ? `  (${extra.join(", ")})` : ""}`;
}

/** The resource tree: each top-level component with its children, indented. */
export function tree(resources: readonly RecordedResource[]): string[] {
    const children = new Map<string | undefined, RecordedResource[]>();
    const urns = new Set(resources.map((r) => r.urn));
    for (const r of resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    // Registration order depends on when inputs resolve; sort so the same program always prints the same tree.
    for (const list of children.values()) list.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
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

export function renderText(summary: PlanSummary): string {
    const lines = [`Offline plan for stack "${summary.stack}": ${summary.resources.length} resources`, ""];
    lines.push(...CAVEATS.map((c) => `  * ${c}`));
    if (summary.placeholders.length > 0) {
        lines.push(`  * Secret config values cannot be decrypted offline; labelled placeholders stand in for: ${summary.placeholders.join(", ")}.`);
    }
    lines.push("", "Resources by type:");
    for (const [type, count] of countsByType(summary.resources)) lines.push(`  ${String(count).padStart(4)}  ${type}`);
    lines.push("", "Resources by component:");
    lines.push(...tree(summary.resources).map((l) => `  ${l}`));
    return lines.join("\n") + "\n";
}

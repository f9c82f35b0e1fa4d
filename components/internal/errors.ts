/**
 * Validation that reports every problem at once. Components collect problems
 * into a `Problems` list while they walk their args, then call `throwIfAny`
 * before registering any resource, so one run shows the user everything to fix.
 */

/** One thing wrong with an input: where it is, what it was, what is allowed. */
export interface Problem {
    /** Field path, e.g. `pools[1].gpuLimit`. */
    path: string;
    /** The offending value as the user gave it. */
    value: unknown;
    /** What would have been accepted. */
    allowed: string;
}

/** Thrown when component args or stack config are invalid; lists every problem. */
export class ValidationError extends Error {
    constructor(
        readonly subject: string,
        readonly problems: readonly Problem[],
    ) {
        super(formatProblems(subject, problems));
        this.name = "ValidationError";
    }
}

/** Stands for a value a message must never show (a secret, or what may be one). */
export class Hidden {
    constructor(readonly reason = "secret values are never echoed") {}
}

/** The value to report for a secret: hidden. */
export const HIDDEN = new Hidden();

/** Characters of a value a message shows; the rest is cut, with the value's full length. */
export const MAX_VALUE_CHARS = 200;

/** NaN and ±Infinity as YAML writes them (`.nan`, `.inf`, `-.inf`); JSON would print null. */
function nonFinite(n: number): string {
    return Number.isNaN(n) ? ".nan" : n > 0 ? ".inf" : "-.inf";
}

function truncate(text: string): string {
    return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length.toLocaleString("en-US")} characters)`;
}

export function describeValue(value: unknown): string {
    if (value === undefined) return "(missing)";
    if (value instanceof Hidden) return `(hidden: ${value.reason})`;
    if (typeof value === "number" && !Number.isFinite(value)) return nonFinite(value);
    if (typeof value === "string") return truncate(JSON.stringify(value));
    try {
        const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? nonFinite(v) : v));
        return truncate(text === undefined ? String(value) : text);
    } catch {
        return truncate(String(value));
    }
}

function formatProblems(subject: string, problems: readonly Problem[]): string {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    const lines = problems.map((p) => `  - ${p.path}: got ${describeValue(p.value)}; ${p.allowed}`);
    return `Invalid ${subject} (${count}):\n${lines.join("\n")}`;
}

/** Collects problems under a path prefix; `at()` scopes to a nested field. */
export class Problems {
    constructor(
        private readonly list: Problem[] = [],
        private readonly prefix = "",
    ) {}

    /** A view of this list whose paths start with `prefix.segment` (or `prefix[i]`). */
    at(segment: string | number): Problems {
        const joined =
            typeof segment === "number"
                ? `${this.prefix}[${segment}]`
                : this.prefix
                  ? `${this.prefix}.${segment}`
                  : segment;
        return new Problems(this.list, joined);
    }

    /** Records a problem at `field` (relative to this view's prefix). */
    add(field: string | number | undefined, value: unknown, allowed: string): void {
        const path = field === undefined ? this.prefix : this.at(field).prefix;
        this.list.push({ path, value, allowed });
    }

    /** Records a problem unless `ok` holds. Returns `ok` so callers can stop descending. */
    check(ok: boolean, field: string | number | undefined, value: unknown, allowed: string): boolean {
        if (!ok) this.add(field, value, allowed);
        return ok;
    }

    get all(): readonly Problem[] {
        return this.list;
    }

    throwIfAny(subject: string): void {
        if (this.list.length > 0) throw new ValidationError(subject, this.list);
    }
}

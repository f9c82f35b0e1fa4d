/**
 * "Did you mean" hints for names the user misspelt: the closest known name by
 * edit distance, when it is close enough to be the likely intent.
 */

/** Levenshtein distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = row[j];
            row[j] = next;
        }
    }
    return row[b.length];
}

/**
 * The known name closest to `name` (case-insensitive), if it is within a third
 * of the name's length (at least 2 edits): close enough to be a typo.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
    let best: { k: string; d: number } | undefined;
    for (const k of known) {
        const d = editDistance(name.toLowerCase(), k.toLowerCase());
        if (!best || d < best.d) best = { k, d };
    }
    return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.k : undefined;
}

/** `; did you mean "x"?` when a known name is close to `name`, else "". */
export function didYouMeanHint(name: string, known: readonly string[]): string {
    const best = closestName(name, known);
    return best === undefined ? "" : `; did you mean "${best}"?`;
}

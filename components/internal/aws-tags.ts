/**
 * AWS tag rules (AWS General Reference, "Tagging your AWS resources", tag
 * naming limits): a key of 1-128 and a value of 0-256 Unicode characters,
 * letters, digits, spaces and `_ . : / = + - @`; the `aws:` prefix is reserved
 * for AWS; at most 50 user tags per resource.
 */

const TAG_TEXT = /^[\p{L}\p{N}\p{Zs}_.:/=+\-@]*$/u;

/** User tags one resource may carry; the platform adds `environment` to the stack's. */
export const MAX_TAGS = 50;

/** What is wrong with one tag, or undefined. */
export function tagProblem(key: string, value: unknown): string | undefined {
    if (key.toLowerCase().startsWith("aws:")) return "the aws: prefix is reserved for AWS";
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) return "expected a tag key of 1-128 characters: letters, digits, spaces and _ . : / = + - @";
    if (typeof value !== "string" || value.length > 256 || !TAG_TEXT.test(value)) return "expected a tag value of at most 256 characters: letters, digits, spaces and _ . : / = + - @";
    return undefined;
}

/** Every problem of a tag map: per tag, and the count (with `added` tags the platform adds). */
export function tagProblems(tags: Record<string, unknown>, added = 0): { key?: string; message: string }[] {
    const found: { key?: string; message: string }[] = [];
    for (const [key, value] of Object.entries(tags)) {
        const message = tagProblem(key, value);
        if (message) found.push({ key, message });
    }
    const count = Object.keys(tags).length;
    if (count + added > MAX_TAGS) found.push({ message: `at most ${MAX_TAGS - added} tags (AWS allows ${MAX_TAGS} per resource; the platform adds ${added})` });
    return found;
}

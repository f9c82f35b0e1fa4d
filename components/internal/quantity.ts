/**
 * Kubernetes resource quantities (`"500m"`, `"16"`, `"64Gi"`, `"1.5"`,
 * `"2e3"`): recognised and turned into numbers so validation can compare
 * them (a request against its limit) before anything reaches the API server.
 */

/** Sign-less: quotas, requests and limits are never negative. */
const QUANTITY = /^\+?(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const MULTIPLIERS: Readonly<Record<string, number>> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

export const QUANTITY_RULE = 'expected a Kubernetes quantity such as "500m", "16", "64Gi" or "1Ti"';

/** The quantity's value in base units (cores, bytes, objects), or undefined when `value` is not a quantity. */
export function parseQuantity(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
    if (typeof value !== "string") return undefined;
    const m = QUANTITY.exec(value);
    if (!m) return undefined;
    const [, digits, suffix = ""] = m;
    const multiplier = suffix in MULTIPLIERS ? MULTIPLIERS[suffix] : 10 ** Number(suffix.slice(1));
    return Number(digits) * multiplier;
}

export function isQuantity(value: unknown): boolean {
    return parseQuantity(value) !== undefined;
}

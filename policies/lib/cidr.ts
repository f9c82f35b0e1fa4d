/**
 * How much of the internet an allow-list of IPv4 CIDRs admits, and the rule
 * every allow-list that admits internet traffic follows.
 *
 * One rule for the policy pack and the components' validation
 * (components/internal/cidr.ts wraps it): it lives here, free of imports,
 * because the pack is published on its own (`pulumi policy publish`) and cannot
 * import components/, while the components can import it.
 */

/** Dotted-quad IPv4 CIDR, octets ≤ 255, prefix ≤ 32. */
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Source addresses no internet client has (IANA IPv4 Special-Purpose Address
 * Registry, RFC 6890): "this network", RFC 1918 private space, shared CGNAT
 * space, loopback, link-local, multicast and the reserved class E. Addresses
 * in them never reach a public endpoint, so they do not count.
 */
const NON_PUBLIC = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4"];

/** The widest allow-list: the public addresses of one /16. Wider lists admit a large part of the internet. */
export const MAX_ALLOWED_PUBLIC_ADDRESSES = 2 ** 16;

/** The rule, as messages state it. */
export const ALLOW_LIST_RULE = `an allow-list may admit at most ${MAX_ALLOWED_PUBLIC_ADDRESSES.toLocaleString("en-US")} public addresses (the size of one /16)`;

type Range = [start: number, end: number];

/** The addresses of `cidr` as [first, last + 1); undefined when it is no IPv4 CIDR. */
export function cidrRange(cidr: unknown): Range | undefined {
    const m = typeof cidr === "string" ? CIDR.exec(cidr) : null;
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const start = address - (address % size);
    return [start, start + size];
}

/** Sorted, non-overlapping ranges covering the same addresses as `ranges`. */
function merge(ranges: Range[]): Range[] {
    const merged: Range[] = [];
    for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
        const last = merged[merged.length - 1];
        if (last && start <= last[1]) last[1] = Math.max(last[1], end);
        else merged.push([start, end]);
    }
    return merged;
}

const NON_PUBLIC_RANGES = merge(NON_PUBLIC.map((c) => cidrRange(c)!));
const overlap = (a: Range, b: Range) => Math.max(0, Math.min(a[1], b[1]) - Math.max(a[0], b[0]));
const publicIn = (r: Range) => r[1] - r[0] - NON_PUBLIC_RANGES.reduce((n, np) => n + overlap(r, np), 0);

/** Every public IPv4 address. */
export const PUBLIC_ADDRESSES = publicIn([0, 2 ** 32]);

/** How many public addresses the valid CIDRs of `cidrs` admit together (overlaps counted once). */
export function publicAddressCount(cidrs: readonly unknown[]): number {
    const ranges = cidrs.map(cidrRange).filter((r): r is Range => r !== undefined);
    return merge(ranges).reduce((n, r) => n + publicIn(r), 0);
}

/**
 * What is wrong with a non-empty allow-list of CIDRs that admits internet
 * traffic: an entry that is no IPv4 CIDR, or more public addresses than
 * `MAX_ALLOWED_PUBLIC_ADDRESSES` together (`0.0.0.0/0`, or the two halves
 * `0.0.0.0/1` + `128.0.0.0/1`). Undefined when nothing is.
 */
export function allowListProblem(cidrs: readonly unknown[]): string | undefined {
    const malformed = cidrs.filter((c) => cidrRange(c) === undefined);
    if (malformed.length > 0) return `${malformed.map((c) => JSON.stringify(c)).join(", ")} ${malformed.length === 1 ? "is" : "are"} not an IPv4 CIDR such as 203.0.113.0/24`;
    const count = publicAddressCount(cidrs);
    if (count <= MAX_ALLOWED_PUBLIC_ADDRESSES) return undefined;
    const share = Number(((100 * count) / PUBLIC_ADDRESSES).toPrecision(2));
    return `they admit ${count.toLocaleString("en-US")} public addresses (${share}% of the public IPv4 space); ${ALLOW_LIST_RULE}`;
}

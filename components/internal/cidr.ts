/**
 * IPv4 CIDRs: recognising them in args, checking allow-lists that admit
 * internet traffic, and the arithmetic that lays out subnets.
 */
import { allowListProblem, cidrRange } from "../../policies/lib/cidr";
import { Problems } from "./errors";

/** A dotted-quad IPv4 CIDR with octets ≤ 255 and a prefix ≤ 32. */
export function isCidr(value: unknown): value is string {
    return cidrRange(value) !== undefined;
}

/**
 * Checks an allow-list of CIDRs that admits traffic from the internet: at
 * least one entry (`empty` says what to list), each an IPv4 CIDR, and together
 * no more public addresses than the policy pack's rule allows
 * (policies/lib/cidr.ts; `0.0.0.0/0` and `0.0.0.0/1` + `128.0.0.0/1` are both
 * refused). Problems are recorded at `field` (or `field[i]` for one entry).
 */
export function checkAllowList(p: Problems, field: string, cidrs: unknown, empty: string): boolean {
    if (!Array.isArray(cidrs) || cidrs.length === 0) return p.check(false, field, cidrs, empty);
    const entriesOk = cidrs.map((c, i) => p.at(field).check(isCidr(c), i, c, "expected an IPv4 CIDR such as 203.0.113.0/24")).every(Boolean);
    if (!entriesOk) return false;
    const problem = allowListProblem(cidrs);
    return p.check(problem === undefined, field, cidrs, problem ?? "");
}

function toInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The `index`-th subnet of `newPrefix` bits inside `cidr`. */
export function subnetOf(cidr: string, newPrefix: number, index: number): string {
    const [ip, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    if (newPrefix < prefix || newPrefix > 28) throw new Error(`cannot cut /${newPrefix} subnets out of ${cidr}`);
    const count = 2 ** (newPrefix - prefix);
    if (index < 0 || index >= count) throw new Error(`${cidr} holds only ${count} /${newPrefix} subnets; index ${index} is out of range`);
    const base = toInt(ip) - (toInt(ip) % 2 ** (32 - prefix));
    return `${toIp(base + index * 2 ** (32 - newPrefix))}/${newPrefix}`;
}

/**
 * Splits a VPC into one large private subnet per zone (pods take VPC IPs with
 * the VPC CNI) and one small public subnet per zone (load balancers, NAT):
 * private subnets take the first three quarters, public ones the last.
 */
export function zoneSubnets(vpcCidr: string, zones: number): { private: string[]; public: string[] } {
    const prefix = Number(vpcCidr.split("/")[1]);
    const quarters = [0, 1, 2].slice(0, zones).map((i) => subnetOf(vpcCidr, prefix + 2, i));
    const lastQuarter = subnetOf(vpcCidr, prefix + 2, 3);
    const publics = [0, 1, 2].slice(0, zones).map((i) => subnetOf(lastQuarter, prefix + 4, i));
    return { private: quarters, public: publics };
}

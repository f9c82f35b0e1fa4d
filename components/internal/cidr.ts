/** IPv4 CIDRs: recognising them in args, and the arithmetic that lays out subnets. */

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** A dotted-quad IPv4 CIDR with octets ≤ 255 and a prefix ≤ 32. */
export function isCidr(value: unknown): value is string {
    const m = typeof value === "string" ? CIDR.exec(value) : null;
    return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
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

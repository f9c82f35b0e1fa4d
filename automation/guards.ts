/**
 * Guards decided before the engine runs: prod approval, whether this runner
 * can reach the cluster API at all, and whether a tenant stack may go after
 * its platform. Pure functions; the driver prints their reasons.
 */
import * as net from "net";
import type { StackConfig } from "../plan/stack";

/** `up` and `destroy` on prod need an explicit approval; in CI the `production` environment's reviewers give it. */
export function approvalRefusal(environment: string, command: string, approved: boolean): string | undefined {
    if (environment !== "prod" || approved || !["up", "destroy"].includes(command)) return undefined;
    return `refusing \`${command}\` on a prod stack without --approve (in CI: the job runs in the "production" environment, whose required reviewers approve it)`;
}

function ipv4ToInt(ip: string): number {
    return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function cidrContains(cidr: string, ip: string): boolean {
    const [base, bits] = cidr.split("/");
    if (!net.isIPv4(base) || !net.isIPv4(ip)) return false;
    const size = 2 ** (32 - Number(bits ?? 32));
    const start = Math.floor(ipv4ToInt(base) / size) * size;
    return ipv4ToInt(ip) >= start && ipv4ToInt(ip) < start + size;
}

/** RFC 5737's documentation ranges: the example stack files use them, a real runner never egresses from them. */
const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];

export interface EgressCheck {
    /** Lines to print before any engine command. */
    notes: string[];
    /** Set when the runner's address is known and outside every allowed CIDR: the engine would time out on the cluster API. */
    refusal?: string;
}

/**
 * The runner side of the endpoint design (README "Deploying for real"): the
 * EKS API is public only to `cluster.endpoint.publicAccessCidrs`, so this
 * runner's egress address must be in that list. Says which CIDRs are
 * allowed, warns about documentation addresses left in the stack file, and
 * refuses when the runner's address is given (`--runner-ip`) and not listed.
 */
export function egressCheck(config: StackConfig, runnerIp?: string): EgressCheck {
    const cluster = JSON.parse(config.config["genai-platform:cluster"] ?? "{}") as { endpoint?: { publicAccess?: boolean; publicAccessCidrs?: string[] } };
    const cidrs = cluster.endpoint?.publicAccessCidrs ?? [];
    const notes = [`Cluster API reach: the EKS endpoint is public only to cluster.endpoint.publicAccessCidrs = [${cidrs.join(", ")}]; this runner must egress from one of them.`];
    const placeholders = cidrs.filter((c) => DOCUMENTATION_RANGES.some((d) => net.isIPv4(c.split("/")[0]) && cidrContains(d, c.split("/")[0])));
    if (placeholders.length > 0) {
        notes.push(`WARNING: ${placeholders.join(", ")} ${placeholders.length === 1 ? "is a documentation address" : "are documentation addresses"} (RFC 5737): replace with the runner's NAT egress before a real up.`);
    }
    if (!runnerIp) {
        notes.push("Runner egress not given (--runner-ip / RUNNER_EGRESS_IP): not checked; a GitHub-hosted runner's address is not in any short list.");
        return { notes };
    }
    if (!cidrs.some((c) => cidrContains(c, runnerIp))) {
        return { notes, refusal: `this runner egresses from ${runnerIp}, outside cluster.endpoint.publicAccessCidrs [${cidrs.join(", ")}]: the engine could not reach the cluster API. Add the runner's CIDR first (README "Deploying for real", step 8).` };
    }
    notes.push(`Runner egress ${runnerIp} is allowed.`);
    return { notes };
}

/**
 * The platform outputs a tenant program reads: examples/tenant-app/program.ts
 * calls getOutputValue("tenantNamespaces"), ("gpuPools"), ("gatewayUrl") and
 * requireOutput("kubeconfig") on its StackReference.
 */
export const TENANT_CONTRACT = ["tenantNamespaces", "gpuPools", "gatewayUrl", "kubeconfig"] as const;

/** Why a tenant stack cannot run yet: the platform's outputs it reads are not there. */
export function tenantNotReady(platformOutputs: Record<string, unknown>): string | undefined {
    const missing = TENANT_CONTRACT.filter((k) => platformOutputs[k] === undefined);
    return missing.length === 0 ? undefined : `the platform stack has no output ${missing.join(", ")} yet (run \`up\` on the platform first)`;
}

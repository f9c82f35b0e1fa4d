import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isOpenCidr } from "../lib/policy";
import { dependsThrough, ofTypes } from "../lib/stack";

const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
const RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LOAD_BALANCERS = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer", "aws:elb/loadBalancer:LoadBalancer"];

/** One ingress permission, whichever resource declared it. */
interface Ingress {
    /** The resource to report against. */
    declaredBy: PolicyResource;
    /** The security group it opens, when the stack declares it. */
    group?: PolicyResource;
    protocol?: string;
    fromPort?: number;
    toPort?: number;
    cidrs: string[];
}

/** An inline `ingress` block of a SecurityGroup. */
interface InlineIngress {
    protocol?: string;
    fromPort?: number;
    toPort?: number;
    cidrBlocks?: string[];
    ipv6CidrBlocks?: string[];
}

function ingressRules(resources: readonly PolicyResource[]): Ingress[] {
    const groups = ofTypes(resources, [SECURITY_GROUP]);
    const groupOf = (rule: PolicyResource) => groups.find((g) => dependsThrough(rule, "securityGroupId", g));
    const inline = groups.flatMap((g) =>
        ((g.props.ingress ?? []) as InlineIngress[]).map((i) => ({ declaredBy: g, group: g, protocol: i.protocol, fromPort: i.fromPort, toPort: i.toPort, cidrs: [...(i.cidrBlocks ?? []), ...(i.ipv6CidrBlocks ?? [])] })),
    );
    const rules = ofTypes(resources, [RULE])
        .filter((r) => r.props.type === "ingress")
        .map((r) => ({ declaredBy: r, group: groupOf(r), protocol: r.props.protocol, fromPort: r.props.fromPort, toPort: r.props.toPort, cidrs: [...(r.props.cidrBlocks ?? []), ...(r.props.ipv6CidrBlocks ?? [])] }));
    const ingress = ofTypes(resources, [INGRESS_RULE]).map((r) => ({
        declaredBy: r,
        group: groupOf(r),
        protocol: r.props.ipProtocol,
        fromPort: r.props.fromPort,
        toPort: r.props.toPort,
        cidrs: [r.props.cidrIpv4, r.props.cidrIpv6].filter((c): c is string => typeof c === "string"),
    }));
    return [...inline, ...rules, ...ingress];
}

/** HTTPS only: TCP, exactly port 443. */
function isHttps(rule: Ingress): boolean {
    return ["tcp", "6"].includes(String(rule.protocol).toLowerCase()) && rule.fromPort === 443 && rule.toPort === 443;
}

function describeRule(rule: Ingress): string {
    const ports = rule.fromPort === rule.toPort ? `port ${rule.fromPort}` : `ports ${rule.fromPort}-${rule.toPort}`;
    return `${rule.protocol === "-1" ? "all traffic" : `${rule.protocol} ${ports}`} from ${rule.cidrs.filter(isOpenCidr).join(", ")}`;
}

/** Nothing is open to the internet except HTTPS on a load balancer's own security group. */
export const securityGroupIngress: StackValidationPolicy = {
    name: "security-group-open-ingress",
    description: "Security groups admit no ingress from 0.0.0.0/0 or ::/0, except TCP 443 on a security group attached to a load balancer in the stack.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const rules = ingressRules(args.resources).filter((r) => r.cidrs.some(isOpenCidr));
        const balancers = ofTypes(args.resources, LOAD_BALANCERS);
        const onLoadBalancer = (group?: PolicyResource) => !!group && balancers.some((lb) => dependsThrough(lb, "securityGroups", group));
        for (const rule of rules) {
            if (isHttps(rule) && onLoadBalancer(rule.group)) continue;
            const why = isHttps(rule) ? ", but its security group is not attached to a load balancer in this stack" : "; only HTTPS (TCP 443) on a load balancer may be public";
            report(`Security group ingress "${rule.declaredBy.name}" admits ${describeRule(rule)}${why}. Restrict the CIDRs to known networks.`, rule.declaredBy.urn);
        }
    },
};

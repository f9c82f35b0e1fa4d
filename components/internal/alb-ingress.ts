/**
 * HTTPS-only Application Load Balancers in front of in-cluster Services: the
 * one validator and renderer the gateway, Langfuse and Grafana ingresses
 * share. The `alb` class is served by GpuCluster (`albIngress`): the AWS Load
 * Balancer Controller, or EKS Auto Mode's load balancing; both read these
 * `alb.ingress.kubernetes.io/*` annotations (kubernetes-sigs/aws-load-balancer-controller
 * docs/guide/ingress/annotations.md).
 */
import { checkAllowList, isCidr } from "./cidr";
import { Problems } from "./errors";
import type { KubernetesObject } from "./k8s-object";

export const INGRESS_SCHEMES = ["internal", "internet-facing"] as const;
export type IngressScheme = (typeof INGRESS_SCHEMES)[number];

/** The IngressClass GpuCluster serves when `albIngress` is on. */
export const ALB_INGRESS_CLASS_NAME = "alb";
/** TLS 1.2 and 1.3 only. */
export const ALB_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** An HTTPS listener on an ALB (AWS Load Balancer Controller). */
export interface AlbIngressArgs {
    /** ACM certificate ARN for the HTTPS listener. Required. */
    certificateArn: string;
    /** Default `"internal"`: reachable from the VPC (and what is peered or VPN'd to it) only. */
    scheme?: IngressScheme;
    /**
     * CIDRs allowed to reach the ALB. Required when `scheme` is
     * `"internet-facing"`, and then together at most a /16 of public addresses
     * (the API endpoint's rule, policies/lib/cidr.ts). Default: the VPC's.
     */
    inboundCidrs?: string[];
}

export type ResolvedAlbIngress = Required<AlbIngressArgs>;

export function resolveAlbIngress(args: AlbIngressArgs): ResolvedAlbIngress {
    return { scheme: "internal", inboundCidrs: [], ...args };
}

const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A lowercase DNS name an ALB rule can match. */
export function checkHostName(p: Problems, field: string, value: unknown): boolean {
    return p.check(HOST_NAME.test(String(value)), field, value, 'expected a lowercase DNS name such as "llm.example.com"');
}

/** Certificate, scheme and source CIDRs; problems under `p` (e.g. `ingress.certificateArn`). */
export function validateAlbIngress(p: Problems, ingress: ResolvedAlbIngress): void {
    p.check(ACM_ARN.test(String(ingress.certificateArn)), "certificateArn", ingress.certificateArn, "expected an ACM certificate ARN, e.g. arn:aws:acm:us-east-1:123456789012:certificate/<uuid>");
    if (!p.check(INGRESS_SCHEMES.includes(ingress.scheme), "scheme", ingress.scheme, `expected one of ${INGRESS_SCHEMES.join(", ")}`)) return;
    if (ingress.scheme === "internet-facing") {
        // The same rule as the API endpoint's: a set of CIDRs may admit at most a /16 of public addresses in all.
        checkAllowList(p, "inboundCidrs", ingress.inboundCidrs, "an internet-facing load balancer needs an explicit CIDR allow-list");
        return;
    }
    ingress.inboundCidrs.forEach((c, i) => p.at("inboundCidrs").check(isCidr(c) && !c.endsWith("/0"), i, c, "expected an IPv4 CIDR narrower than /0"));
}

/** One Service behind the ALB. */
export interface AlbBackend {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    /** Host the rule matches. Default: any host. */
    host?: string;
    service: string;
    port: number;
    /** Path the ALB health-checks on each pod. */
    healthcheckPath: string;
    /** Ingresses with one group name share one ALB (and its hourly price). Default: an ALB of its own. */
    groupName?: string;
    /** Tags on the ALB and its target groups. */
    tags: Record<string, string>;
}

/** An HTTPS-only (no port 80 listener at all) ALB Ingress targeting the pods directly. */
export function renderAlbIngress(ingress: ResolvedAlbIngress, backend: AlbBackend): KubernetesObject {
    const annotations: Record<string, string> = {
        "alb.ingress.kubernetes.io/scheme": ingress.scheme,
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/certificate-arn": ingress.certificateArn,
        "alb.ingress.kubernetes.io/ssl-policy": ALB_SSL_POLICY,
        "alb.ingress.kubernetes.io/healthcheck-path": backend.healthcheckPath,
    };
    if (backend.groupName) annotations["alb.ingress.kubernetes.io/group.name"] = backend.groupName;
    if (ingress.inboundCidrs.length > 0) annotations["alb.ingress.kubernetes.io/inbound-cidrs"] = ingress.inboundCidrs.join(",");
    const tags = Object.entries(backend.tags);
    if (tags.length > 0) annotations["alb.ingress.kubernetes.io/tags"] = tags.map(([k, v]) => `${k}=${v}`).join(",");
    const rule = { http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: backend.service, port: { number: backend.port } } } }] } };
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: backend.name, namespace: backend.namespace, labels: backend.labels, annotations },
        spec: {
            ingressClassName: ALB_INGRESS_CLASS_NAME,
            ...(backend.host ? { tls: [{ hosts: [backend.host] }] } : {}),
            rules: [backend.host ? { host: backend.host, ...rule } : rule],
        },
    };
}

/**
 * Building blocks of the platform's NetworkPolicies (networking.k8s.io/v1),
 * shared by every component that fences a namespace. Pure: no Pulumi inside.
 */
import type { KubernetesObject } from "./k8s-object";

/** Namespace label the tenant namespaces carry (TenantNamespace `TENANT_LABEL`). */
export const TENANT_NAMESPACE_LABEL = "genai-platform.io/tenant";

export type Peer = Record<string, unknown>;
export interface PolicyPort { protocol: "TCP" | "UDP"; port: number }

/** Pods of one namespace (by its `kubernetes.io/metadata.name`, which the API server sets), optionally only those with `podLabels`. */
export function namespacePeer(namespace: string, podLabels: Record<string, string> = {}): Peer {
    return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        ...(Object.keys(podLabels).length > 0 ? { podSelector: { matchLabels: podLabels } } : {}),
    };
}

/** Pods labelled `podLabels` in any namespace that is not a tenant's: a tenant cannot pass for them by copying labels. */
export function platformPeer(podLabels: Record<string, string>): Peer {
    return {
        namespaceSelector: { matchExpressions: [{ key: TENANT_NAMESPACE_LABEL, operator: "DoesNotExist" }] },
        podSelector: { matchLabels: podLabels },
    };
}

/** Pods labelled `podLabels` in any tenant namespace: for the few platform services tenants' workloads of one kind may call. */
export function tenantPeer(podLabels: Record<string, string>): Peer {
    return {
        namespaceSelector: { matchExpressions: [{ key: TENANT_NAMESPACE_LABEL, operator: "Exists" }] },
        podSelector: { matchLabels: podLabels },
    };
}

export const tcp = (ports: readonly number[]): PolicyPort[] => ports.map((port) => ({ protocol: "TCP", port }));

/**
 * The EKS Pod Identity agent: a host-network DaemonSet listening on
 * 169.254.170.23:80 (and [fd00:ec2::23]:80) on every node (EKS user guide,
 * "EKS Pod Identity" considerations). It is not the node's own IP, which the
 * VPC CNI's policy agent always allows, so a pod isolated for egress needs a
 * rule for it (aws/aws-network-policy-agent v1.3.7
 * pkg/fwruleprocessor/fw_rule_processor.go adds only the node IP by default).
 * The agent ignores the rule of the other IP family.
 */
export const POD_IDENTITY_AGENT_EGRESS = {
    to: [{ ipBlock: { cidr: "169.254.170.23/32" } }, { ipBlock: { cidr: "fd00:ec2::23/128" } }],
    ports: tcp([80]),
};

export function networkPolicy(metadata: { name: string; namespace: string; labels?: Record<string, string> }, spec: Record<string, unknown>): KubernetesObject {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata, spec: { podSelector: {}, ...spec } };
}

/** One allowed way in: from `from`, to the pods labelled `podLabels` (default all of the namespace), on `ports` (default every port). */
export interface IngressAllow {
    name: string;
    podLabels?: Record<string, string>;
    from: Peer[];
    ports?: PolicyPort[];
}

/**
 * A platform namespace closed to ingress except from itself and the listed
 * sources. Egress stays open: platform pods call AWS APIs, databases and each
 * other, and isolation from tenants is about who may connect in.
 */
export function namespaceIngressPolicies(namespace: string, labels: Record<string, string>, allows: readonly IngressAllow[]): KubernetesObject[] {
    const meta = (name: string) => ({ name, namespace, labels });
    return [
        networkPolicy(meta("default-deny-ingress"), { policyTypes: ["Ingress"] }),
        networkPolicy(meta("allow-same-namespace"), { policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] }),
        ...allows.map((a) => networkPolicy(meta(a.name), {
            ...(a.podLabels ? { podSelector: { matchLabels: a.podLabels } } : {}),
            policyTypes: ["Ingress"],
            ingress: [{ from: a.from, ...(a.ports ? { ports: a.ports } : {}) }],
        })),
    ];
}

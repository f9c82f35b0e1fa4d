/**
 * The cluster's inference Gateway: agentgateway (CHARTS.agentgateway says why
 * this implementation), the Gateway API, InferencePool, InferenceObjective and
 * agentgateway CRDs, and one internal Gateway that kv-aware ModelEndpoints
 * attach their HTTPRoutes to. It carries only the LLM gateway's traffic to the
 * models: its Service is ClusterIP, and its namespace admits only the LLM
 * gateway's pods on the listener (`inferenceGatewayNetworkPolicies`).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PLATFORM_MANAGED_LABEL } from "../gpu-cluster/kyverno-policies";
import type { Placement } from "../gpu-cluster/values";
import { helmReleaseArgs } from "../internal/helm";
import { asArgs, type KubernetesObject } from "../internal/k8s-object";
import { namespaceIngressPolicies, type Peer, tcp } from "../internal/network-policy";
import { CHARTS, CRD_MANIFESTS } from "../internal/versions";
import type { InferenceGatewayRef } from "./args";

export const INFERENCE_GATEWAY_NAMESPACE = "agentgateway-system";
/** The GatewayClass the agentgateway controller creates and reconciles (chart value `gatewayClassName` unset). */
export const AGENTGATEWAY_CLASS = "agentgateway";
export const INFERENCE_GATEWAY_NAME = "inference-gateway";
/** The listener's port; the proxy may bind it unprivileged (its pods set net.ipv4.ip_unprivileged_port_start=0). */
export const INFERENCE_GATEWAY_PORT = 8080;

/**
 * Labels of the proxy pods agentgateway creates for a Gateway (v1.4.1
 * controller/pkg/helm/agentgateway/templates/_helpers.tpl
 * `kgateway.gateway.selectorLabels`: the Gateway's name three times).
 */
export function proxyPodLabels(gateway: string): Record<string, string> {
    return { "app.kubernetes.io/name": gateway, "app.kubernetes.io/instance": gateway, "gateway.networking.k8s.io/gateway-name": gateway };
}

export interface InferenceGatewayOptions {
    /** Where the controller and the proxies run (`addonPlacement(mode)`). */
    placement: Placement;
    /** Namespaces whose HTTPRoutes may attach to the Gateway. */
    routeNamespaces: readonly string[];
    /** Proxy and controller replicas. 2 in production (with a PDB), 1 elsewhere. */
    replicas: number;
    /** The pods that may send to the Gateway (the LLM gateway's), as NetworkPolicy peers. */
    clients: Peer[];
}

/** What a kv-aware ModelEndpoint needs of the Gateway. */
export function inferenceGatewayRef(): InferenceGatewayRef {
    return { name: INFERENCE_GATEWAY_NAME, namespace: INFERENCE_GATEWAY_NAMESPACE, port: INFERENCE_GATEWAY_PORT, proxyPodLabels: proxyPodLabels(INFERENCE_GATEWAY_NAME) };
}

const SECCOMP_DEFAULT = { seccompProfile: { type: "RuntimeDefault" } };

/**
 * Chart values: InferencePool support on (`inferenceExtension.enabled` sets
 * AGW_ENABLE_INFER_EXT and the inferencepools RBAC), the seccomp profile
 * restricted Pod Security asks for (the chart sets none), a memory limit.
 */
export function agentgatewayValues(o: Pick<InferenceGatewayOptions, "placement" | "replicas">) {
    return {
        inferenceExtension: { enabled: true },
        podSecurityContext: SECCOMP_DEFAULT,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
        controller: { replicaCount: o.replicas, ...(o.replicas > 1 ? { podDisruptionBudget: { minAvailable: 1 } } : {}) },
        nodeSelector: o.placement.nodeSelector,
        tolerations: o.placement.tolerations,
    };
}

function metadata(name: string) {
    return { name, namespace: INFERENCE_GATEWAY_NAMESPACE, labels: { [PLATFORM_MANAGED_LABEL]: "true" } };
}

export function renderInferenceGatewayNamespace(): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: INFERENCE_GATEWAY_NAMESPACE,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
                [PLATFORM_MANAGED_LABEL]: "true",
            },
        },
    };
}

/**
 * The proxy Deployment's shape, as overlays on what agentgateway renders
 * (strategic merge, AgentgatewayParameters v1alpha1): the seccomp profile,
 * replicas and placement, a ClusterIP Service instead of the template's
 * LoadBalancer (templates/service.yaml), requests and a memory limit, a PDB.
 */
export function renderGatewayParameters(o: Pick<InferenceGatewayOptions, "placement" | "replicas">): KubernetesObject {
    return {
        apiVersion: "agentgateway.dev/v1alpha1",
        kind: "AgentgatewayParameters",
        metadata: metadata(INFERENCE_GATEWAY_NAME),
        spec: {
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            deployment: {
                spec: {
                    replicas: o.replicas,
                    template: { spec: { securityContext: SECCOMP_DEFAULT, nodeSelector: o.placement.nodeSelector, tolerations: o.placement.tolerations } },
                },
            },
            service: { spec: { type: "ClusterIP" } },
            ...(o.replicas > 1 ? { podDisruptionBudget: { spec: { minAvailable: 1 } } } : {}),
        },
    };
}

/** One HTTP listener; only the listed namespaces' HTTPRoutes attach. */
export function renderGateway(o: Pick<InferenceGatewayOptions, "routeNamespaces">): KubernetesObject {
    return {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: metadata(INFERENCE_GATEWAY_NAME),
        spec: {
            gatewayClassName: AGENTGATEWAY_CLASS,
            infrastructure: { parametersRef: { group: "agentgateway.dev", kind: "AgentgatewayParameters", name: INFERENCE_GATEWAY_NAME } },
            listeners: [{
                name: "http",
                protocol: "HTTP",
                port: INFERENCE_GATEWAY_PORT,
                allowedRoutes: {
                    kinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
                    namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...o.routeNamespaces] }] } },
                },
            }],
        },
    };
}

/**
 * The namespace admits its own pods (proxy → controller xDS on 9978) and the
 * LLM gateway's pods on the listener, nothing else: tenants and every other
 * pod reach models only through the LLM gateway.
 */
export function inferenceGatewayNetworkPolicies(clients: Peer[]): KubernetesObject[] {
    return namespaceIngressPolicies(INFERENCE_GATEWAY_NAMESPACE, { [PLATFORM_MANAGED_LABEL]: "true" }, [
        { name: "allow-llm-gateway-to-inference-gateway", podLabels: proxyPodLabels(INFERENCE_GATEWAY_NAME), from: clients, ports: tcp([INFERENCE_GATEWAY_PORT]) },
    ]);
}

/** The installed Gateway: what kv-aware endpoints and the LLM gateway need, and what to wait for. */
export interface InferenceGateway {
    ref: InferenceGatewayRef;
    /** The CRDs, the controller and the Gateway: kv-aware endpoints' objects come after them. */
    resources: pulumi.Resource[];
}

/**
 * Installs the CRDs (pinned manifests, CRD_MANIFESTS), the agentgateway chart
 * and the Gateway once per cluster.
 */
export function createInferenceGateway(name: string, provider: k8s.Provider, o: InferenceGatewayOptions, dependsOn: pulumi.Resource[] = []): InferenceGateway {
    const opts = { provider, dependsOn };
    const crds = Object.entries(CRD_MANIFESTS).map(([key, m]) => new k8s.yaml.v2.ConfigGroup(`${name}-crds-${key}`, { files: [...m.urls] }, opts));
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, asArgs<k8s.core.v1.NamespaceArgs>(renderInferenceGatewayNamespace()), opts);
    const after = { provider, dependsOn: [...dependsOn, namespace] };
    for (const p of inferenceGatewayNetworkPolicies(o.clients)) {
        new k8s.networking.v1.NetworkPolicy(`${name}-${p.metadata.name}`, asArgs<k8s.networking.v1.NetworkPolicyArgs>(p), after);
    }
    const controller = new k8s.helm.v3.Release(`${name}-agentgateway`, helmReleaseArgs(CHARTS.agentgateway, {
        name: "agentgateway",
        namespace: INFERENCE_GATEWAY_NAMESPACE,
        values: agentgatewayValues(o),
    }), { provider, dependsOn: [...dependsOn, namespace, ...crds] });
    const withCrds = { provider, dependsOn: [...dependsOn, namespace, ...crds, controller] };
    const parameters = new k8s.apiextensions.CustomResource(`${name}-parameters`, renderGatewayParameters(o) as k8s.apiextensions.CustomResourceArgs, withCrds);
    const gateway = new k8s.apiextensions.CustomResource(`${name}-gateway`, renderGateway(o) as k8s.apiextensions.CustomResourceArgs, { ...withCrds, dependsOn: [...withCrds.dependsOn, parameters] });
    return { ref: inferenceGatewayRef(), resources: [...crds, controller, gateway] };
}

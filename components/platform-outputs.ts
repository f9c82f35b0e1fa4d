/**
 * What the platform stack (stacks/) exports, as a tenant program reads it
 * through a `StackReference`: the contract between the two. A tenant types
 * its reads with it, e.g.
 *
 *     const platform = new pulumi.StackReference("platform", { name: "acme/genai-platform/dev" });
 *     const pools: pulumi.Output<PlatformStackOutputs["gpuPools"]> = platform.requireOutput("gpuPools");
 *
 * and passes the Outputs straight to the components' Input args. The stack's
 * own output type is derived from this interface, so the two cannot drift.
 * Secret outputs (marked) arrive as secret Outputs; no plain output holds a secret.
 */
import type { AgentPlatformFacts } from "./agent-service";
import type { GpuPoolInfo } from "./gpu-cluster";
import type { GatewayConnection, TenantPoolInfo } from "./tenant-namespace";

export interface PlatformStackOutputs {
    /** The EKS cluster's name (`ModelEndpoint` `cluster.clusterName`, for S3 weights through Pod Identity). */
    clusterName: string;
    /** Kubeconfig (JSON) of the cluster, secret: a tenant's `k8s.Provider`. */
    kubeconfig: string;
    /** The cluster's OIDC issuer URL (for IRSA, where Pod Identity does not fit). */
    oidcIssuerUrl: string;
    vpcId: string;
    /** Every GPU pool (`ModelEndpoint` `cluster.pools`). */
    gpuPools: GpuPoolInfo[];
    /** Every GPU pool as a tenant's quota counts it (`TenantNamespace` `pools`). */
    tenantPools: TenantPoolInfo[];
    /** Tenant name → its namespace (`ModelEndpoint` and `AgentService` `namespace`). */
    tenantNamespaces: Record<string, string>;
    /** How to reach the gateway in-cluster (`TenantNamespace` `gateway`): namespace, Service, port, the master key's Secret by name, pod labels. */
    gateway: GatewayConnection;
    /** The gateway's in-cluster OpenAI-compatible URL. */
    gatewayUrl: string;
    /** Model names the gateway routes (`TenantNamespace` `knownModels`). */
    gatewayModels: string[];
    /** Namespace of the platform's own model endpoints. */
    modelsNamespace: string;
    /** Langfuse's and Prometheus' in-cluster URLs. */
    langfuseUrl: string;
    prometheusUrl: string;
    /** Where people log in to Langfuse and Grafana, when the stack exposes them. */
    langfusePublicUrl?: string;
    grafanaUrl?: string;
    /**
     * What an `AgentService` needs of the platform: gateway, checkpoint server,
     * the OTel collector, models per tenant, allowed registries. No Langfuse
     * key is an output: a tenant program reads every output of this stack,
     * and the keys read the whole project (every tenant's traces).
     */
    agentPlatform: AgentPlatformFacts;
    /** Langfuse's initialised owner; the password is secret. */
    langfuseAdminEmail: string;
    langfuseAdminPassword: string;
    /** Grafana's `admin` password, secret. */
    grafanaAdminPassword: string;
    /** Production protections the stack lowers by named override, with their reasons. */
    productionOverrides: string[];
}

/**
 * The public entry point of the component library, and the only module the
 * package exports (`import { ModelEndpoint } from "genai-platform"`): the
 * components, their Args types, and the shapes of what tenants read from them
 * or from the platform stack's outputs.
 *
 * Helpers (resolvers, validators, renderers, label and port constants) stay
 * inside the package: the platform program imports them from their own
 * modules, and `exports` in package.json keeps tenants from reaching them.
 * A change to this list is a change to the package's semver contract
 * (CHANGELOG.md); test/package/public-api.test.ts pins it.
 */

// GPU cluster: EKS, Karpenter GPU pools, GPU Operator, Kyverno.
export { GpuCluster } from "./gpu-cluster";
export type {
    AmiFamily,
    BusinessHoursProtection,
    CapacityReservationSelector,
    CapacityType,
    ClusterMode,
    ConsolidationPolicy,
    EndpointArgs,
    GpuClusterArgs,
    GpuPoolArgs,
    GpuPoolInfo,
    GpuSharing,
    KyvernoArgs,
    KyvernoEnforcement,
    NatGateways,
    NetworkArgs,
    PlatformCapacityType,
    PlatformPoolArgs,
    SystemNodeArgs,
} from "./gpu-cluster";
export type { GpuPoolSharing, GpuSharingMode } from "./internal/gpu-instances";

// A vLLM model endpoint.
export { ModelEndpoint } from "./model-endpoint";
export type {
    AutoscalingArgs,
    CacheAccessMode,
    CacheVolumeArgs,
    Dtype,
    EndpointCluster,
    EndpointResourceArgs,
    InferenceGatewayRef,
    ModelEndpointArgs,
    ModelRoute,
    MonitoringArgs,
    Routing,
    SecretRef,
} from "./model-endpoint";

// The LiteLLM gateway.
export { LlmGateway } from "./llm-gateway";
export type {
    CacheArgs,
    DatabaseArgs,
    DeploymentLimits,
    GatewayResourceArgs,
    HostedProvider,
    HostedRoute,
    IngressArgs,
    IngressScheme,
    KeyedProvider,
    LangfuseArgs,
    LlmGatewayArgs,
    ProviderKeys,
    RoutingArgs,
    RoutingStrategy,
    SelfHostedRoute,
} from "./llm-gateway";
export type { AlbIngressArgs } from "./internal/alb-ingress";
export type { CacheEngine } from "./internal/managed-state-args";

// Observability: kube-prometheus-stack, Langfuse.
export { ObservabilityStack } from "./observability-stack";
export type {
    AlertArgs,
    ClickHouseArgs,
    LangfuseCacheArgs,
    CollectorConnection,
    LangfuseConnection,
    LangfuseDatabaseArgs,
    LangfuseDeploymentArgs,
    ObservabilityIngressArgs,
    ObservabilityStackArgs,
    PrometheusArgs,
    SlackReceiverArgs,
} from "./observability-stack";

// A tenant's namespace, quota, access and gateway team.
export { TenantNamespace } from "./tenant-namespace";
export type {
    ContainerDefaultsArgs,
    EgressRuleArgs,
    GatewayConnection,
    IngressSourceArgs,
    SecretKeyRef,
    TenantAccess,
    TenantAccessGroups,
    TenantNamespaceArgs,
    TenantPoolInfo,
    TenantPrincipal,
    TenantQuotaArgs,
    TenantSpec,
    TenantTeamArgs,
} from "./tenant-namespace";

// A tenant's workflow (agent) service wired to the gateway, a checkpoint database and the platform's OTel collector.
export { AgentService } from "./agent-service";
export type {
    AgentDatabaseServer,
    AgentGateway,
    AgentPlatformFacts,
    AgentResourceArgs,
    AgentScalingArgs,
    AgentServiceArgs,
    AgentTracing,
    NamespacedSecretKeyRef,
} from "./agent-service";

// What the platform stack exports, as a tenant program reads it through a StackReference.
export type { PlatformStackOutputs } from "./platform-outputs";

// What invalid args throw, before any resource is registered.
export { ValidationError } from "./internal/errors";
export type { Problem } from "./internal/errors";

/**
 * Every policy of the pack, in report order. Tests and the offline plan
 * import this module; only index.ts constructs the PolicyPack, which works
 * only inside the Pulumi engine.
 */
import type { Policies } from "@pulumi/policy";
import { eksControlPlaneLogging } from "./aws/eks-control-plane-logging";
import { eksEndpointAccess } from "./aws/eks-endpoint-access";
import { eksSecretsEncryption } from "./aws/eks-secrets-encryption";
import { elasticacheHardening } from "./aws/elasticache-hardening";
import { iamNoAdminWildcard } from "./aws/iam-no-admin-wildcard";
import { iamNoPassRoleWildcard } from "./aws/iam-no-passrole-wildcard";
import { kmsKeyRotation } from "./aws/kms-key-rotation";
import { rdsHardening } from "./aws/rds-hardening";
import { requiredTags } from "./aws/required-tags";
import { s3DefaultEncryption } from "./aws/s3-default-encryption";
import { s3PublicAccessBlocked } from "./aws/s3-public-access-blocked";
import { s3TlsOnly } from "./aws/s3-tls-only";
import { s3Versioning } from "./aws/s3-versioning";
import { securityGroupIngress } from "./aws/security-group-ingress";
import { sqsEncryption } from "./aws/sqs-encryption";
import { containerResources } from "./kubernetes/container-resources";
import { gpuScheduling } from "./kubernetes/gpu-scheduling";
import { helmReleasePinned } from "./kubernetes/helm-release-pinned";
import { imageProvenance } from "./kubernetes/image-provenance";
import { karpenterAmiPinned } from "./kubernetes/karpenter-ami-pinned";
import { karpenterNodePoolBounded } from "./kubernetes/karpenter-nodepool-bounded";
import { noHostAccess } from "./kubernetes/no-host-access";
import { gpuManagedNamespaces } from "./stack/gpu-managed-namespaces";
import { gpuQuotaWithinPoolLimits } from "./stack/gpu-quota-within-pool-limits";
import { modelEndpointsRouted } from "./stack/model-endpoints-routed";
import { prodDeploymentsHavePdb } from "./stack/prod-deployments-have-pdb";
import { prodStatefulResourcesProtected } from "./stack/prod-stateful-resources-protected";
import { tenantIsolation } from "./stack/tenant-isolation";

export const PACK_NAME = "genai-platform";

export const ALL_POLICIES: Policies = [
    // AWS resources
    eksEndpointAccess,
    eksSecretsEncryption,
    eksControlPlaneLogging,
    rdsHardening,
    elasticacheHardening,
    iamNoAdminWildcard,
    iamNoPassRoleWildcard,
    sqsEncryption,
    kmsKeyRotation,
    requiredTags,
    // AWS resources joined across the stack
    s3PublicAccessBlocked,
    s3DefaultEncryption,
    s3TlsOnly,
    s3Versioning,
    securityGroupIngress,
    // Kubernetes resources
    containerResources,
    imageProvenance,
    noHostAccess,
    gpuScheduling,
    karpenterNodePoolBounded,
    karpenterAmiPinned,
    helmReleasePinned,
    // The platform across the stack
    gpuManagedNamespaces,
    gpuQuotaWithinPoolLimits,
    modelEndpointsRouted,
    tenantIsolation,
    prodDeploymentsHavePdb,
    prodStatefulResourcesProtected,
];

import { type Architecture, instanceArchitecture } from "../internal/architecture";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuPoolSharing, poolAdvertisedPerGpu } from "../internal/gpu-instances";
import { createAddonNamespace, helmReleaseArgs } from "../internal/helm";
import { podIdentityTrustPolicy } from "../internal/iam";
import { asArgs, type KubernetesObject } from "../internal/k8s-object";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import { CHARTS, EKS_ADDONS } from "../internal/versions";
import { createAdminAccess, requireDeployer } from "./access";
import { CONTROL_PLANE_LOG_TYPES, GpuClusterArgs, ResolvedGpuClusterArgs, validateGpuClusterArgs } from "./args";
import { createKarpenter } from "./karpenter";
import { createKeda } from "./keda";
import { managedPolicyArn, nodeTrustPolicy } from "./karpenter-iam";
import { renderKyvernoPolicies } from "./kyverno-policies";
import { createLoadBalancerController } from "./load-balancer-controller";
import {
    BOOTSTRAP_NODE_SELECTOR,
    CRITICAL_ADDONS_TAINT,
    GPU_RESOURCE,
    renderAlbIngressClass,
    renderAutoModeNetworkPolicyConfig,
    renderAutoModePool,
    renderDefaultStorageClass,
    renderKarpenterPool,
    renderPlatformPool,
} from "./manifests";
import { createMultiNodeAddons } from "./multi-node";
import { createNetwork } from "./network";
import {
    addonPlacement,
    EFA_DEVICE_PLUGIN_NAMESPACE,
    GPU_OPERATOR_NAMESPACE,
    gpuOperatorValues,
    KARPENTER_NAMESPACE,
    KEDA_NAMESPACE,
    KYVERNO_NAMESPACE,
    kyvernoValues,
    LWS_NAMESPACE,
    usesSharing,
} from "./values";

export * from "./args";
export { DEFAULT_STORAGE_CLASS, GPU_TOLERATION, GPU_TAINT, GPU_RESOURCE, POOL_LABEL } from "./manifests";
export { PLATFORM_MANAGED_LABEL, TENANT_GROUP_PREFIX } from "./kyverno-policies";
export { addonPlacement, type AddonTier, KEDA_NAMESPACE, type Placement, type Toleration } from "./values";

/** Namespace label that marks a namespace allowed to run GPU pods; its value is the namespace's GPU quota. */
export const GPU_QUOTA_LABEL = "genai-platform.io/gpu-quota";

/** Namespaces the platform's own add-ons run in; exempt from tenant admission policies. */
/** The EKS AMI type of the system node group, per architecture of its instance types (EKS API `AMITypes`). */
const SYSTEM_AMI_TYPES: Record<Architecture, string> = { amd64: "AL2023_x86_64_STANDARD", arm64: "AL2023_ARM_64_STANDARD" };

export const SYSTEM_NAMESPACES = [
    "kube-system",
    "kube-node-lease",
    "kube-public",
    KARPENTER_NAMESPACE,
    GPU_OPERATOR_NAMESPACE,
    KYVERNO_NAMESPACE,
    KEDA_NAMESPACE,
    LWS_NAMESPACE,
    EFA_DEVICE_PLUGIN_NAMESPACE,
];

/** What downstream components need to know of a pool. */
export interface GpuPoolInfo {
    /** The pool's name (its nodes carry `genai-platform.io/pool: <name>`). */
    name: string;
    /** Most physical GPUs the pool may hold at once. */
    gpuLimit: number;
    /** EC2 instance families the pool may launch (empty when `gpuNames` selects them). */
    instanceFamilies: string[];
    /** GPU models (Karpenter `instance-gpu-name`) the pool may launch (empty when `instanceFamilies` selects them). */
    gpuNames: string[];
    /** Capacity types Karpenter may buy for the pool (`spot`, `on-demand`, `reserved`). */
    capacityTypes: string[];
    /** How the pool shares its GPUs between pods. Default: not shared (one pod per GPU). */
    sharing?: GpuPoolSharing;
    /**
     * `nvidia.com/gpu` one physical GPU advertises (time-slicing replicas, MIG
     * slices; 1 without sharing): the unit of the pool's NodePool limit and of
     * GPU quotas on it. Set by GpuCluster, so stack outputs carry it to tenants' TenantNamespace pools.
     */
    advertisedPerGpu?: number;
    /**
     * EFA is wired to the pool's nodes (GpuCluster `multiNode`, Karpenter mode,
     * every family with EFA): multi-node endpoints on it request
     * `vpc.amazonaws.com/efa`. Default false.
     */
    efa?: boolean;
}

/**
 * An EKS cluster ready for GPU inference: VPC, EKS with access entries and
 * envelope encryption, Karpenter with typed GPU pools (or EKS Auto Mode), the
 * NVIDIA GPU Operator, Kyverno admission policies, and KEDA (which scales the
 * ModelEndpoints on it).
 */
export class GpuCluster extends pulumi.ComponentResource {
    /** The EKS cluster's name. */
    readonly clusterName: pulumi.Output<string>;
    /** Kubeconfig (JSON), secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** A Kubernetes provider for this cluster; pass it to everything deployed into it. */
    readonly provider: k8s.Provider;
    /** The cluster's OIDC issuer URL (for IRSA, where Pod Identity does not fit). */
    readonly oidcIssuerUrl: pulumi.Output<string>;
    /** Security group EKS created for the cluster: nodes and the control plane share it. */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** GPU pools with their GPU limits, known before deployment. */
    readonly pools: GpuPoolInfo[];
    /** @internal Args with defaults applied, for the platform program; not part of the tenant API (stripped from the .d.ts). */
    readonly settings: ResolvedGpuClusterArgs;
    /** The add-on releases, for components that must install after them. */
    readonly addons: pulumi.Resource[];

    constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = validateGpuClusterArgs(name, args);
        super("genai-platform:index:GpuCluster", name, {}, opts);
        this.settings = settings;
        const clusterName = physicalName([name], AWS_NAME_LIMITS.eksCluster);
        const tags = { ...settings.tags, "genai-platform.io/cluster": clusterName };

        const network = createNetwork(name, clusterName, settings.network, tags, this);
        const secretsKey = new aws.kms.Key(`${name}-secrets`, {
            description: `Envelope encryption of Kubernetes secrets in EKS cluster ${clusterName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags,
        }, { parent: this, protect: settings.protectStatefulResources });
        new aws.kms.Alias(`${name}-secrets`, { name: `alias/${clusterName}-eks-secrets`, targetKeyId: secretsKey.keyId }, { parent: this });

        const auto = settings.mode === "auto";
        const cluster = new eks.Cluster(`${name}-eks`, {
            name: clusterName,
            version: settings.kubernetesVersion,
            vpcId: network.vpc.id,
            privateSubnetIds: network.privateSubnetIds,
            publicSubnetIds: network.publicSubnetIds,
            authenticationMode: eks.AuthenticationMode.Api,
            skipDefaultNodeGroup: true,
            createOidcProvider: false,
            encryptionConfigKeyArn: secretsKey.arn,
            enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
            // Private for the nodes, public for the deployer's networks only (EndpointArgs).
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
            publicAccessCidrs: settings.endpoint.publicAccessCidrs,
            // NetworkPolicy is enforced only when switched on: through the VPC CNI add-on @pulumi/eks manages
            // (nodejs/eks/addons/cni-addon.ts at v4.3.0 writes `enableNetworkPolicy: "true"` into its configuration),
            // or, in Auto Mode, where there is no such add-on, through the ConfigMap registered below.
            ...(auto ? { autoMode: { enabled: true } } : { vpcCniOptions: { enableNetworkPolicy: true } }),
            tags,
            // Registers only once the caller is the configured deployer: EKS makes the creator admin for good (access.ts).
            clusterTags: requireDeployer(name, settings.deployerPrincipalArn, this).apply(() => ({})),
        }, { parent: this });
        this.clusterName = cluster.eksCluster.name;
        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.oidcIssuerUrl = cluster.oidcProviderUrl;
        this.clusterSecurityGroupId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;
        this.vpcId = network.vpc.id;
        this.privateSubnetIds = network.privateSubnetIds;
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });

        createAdminAccess(name, { clusterName: this.clusterName, admins: settings.adminPrincipalArns, deployerArn: settings.deployerPrincipalArn, tags }, this);

        const pools = settings.pools.map((p) => ({ ...p }));
        let poolObjects: KubernetesObject[];
        let ebsCsiDriver: aws.eks.Addon | undefined;
        const addons: pulumi.Resource[] = [];
        /** What add-on pods need before they can schedule: Karpenter and the platform pool (Auto Mode has its built-in pools). */
        const platformCapacity: pulumi.Resource[] = [];
        if (auto) {
            poolObjects = pools.map(renderAutoModePool);
            // A patch, not a create: it applies whether or not EKS has already put the ConfigMap there.
            new k8s.core.v1.ConfigMapPatch(`${name}-network-policy`, asArgs<k8s.core.v1.ConfigMapPatchArgs>(renderAutoModeNetworkPolicyConfig()), { parent: this, provider: this.provider });
        } else {
            const systemNodes = this.createSystemNodes(name, clusterName, settings, network.privateSubnetIds, tags);
            const podIdentityAgent = new aws.eks.Addon(`${name}-pod-identity-agent`, {
                clusterName: this.clusterName,
                addonName: EKS_ADDONS.podIdentityAgent.name,
                addonVersion: EKS_ADDONS.podIdentityAgent.version,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "PRESERVE",
                tags,
            }, { parent: this, dependsOn: [systemNodes] });
            ebsCsiDriver = this.createEbsCsiDriver(name, clusterName, tags, podIdentityAgent);
            const karpenter = createKarpenter(name, {
                clusterName: this.clusterName,
                plainClusterName: clusterName,
                tags,
                provider: this.provider,
                dependsOn: [systemNodes, podIdentityAgent],
                nodeOverlay: usesSharing(settings),
            }, this);
            const poolContext = { clusterName, nodeRoleName: physicalName([clusterName, "karpenter-node"], AWS_NAME_LIMITS.iamRole), tags };
            poolObjects = pools.flatMap((pool) => renderKarpenterPool(pool, poolContext));
            // The add-ons run on the platform CPU pool: Karpenter must know it before their pods exist.
            platformCapacity.push(karpenter.release, ...this.registerObjects(name, renderPlatformPool(settings.platformPool, poolContext), [karpenter.release]));
            addons.push(...platformCapacity);
            if (settings.albIngress) {
                addons.push(createLoadBalancerController(name, {
                    clusterName: this.clusterName,
                    plainClusterName: clusterName,
                    vpcId: network.vpc.id,
                    tags,
                    provider: this.provider,
                    dependsOn: [...platformCapacity, podIdentityAgent],
                }, this));
            }
            addons.push(new k8s.helm.v3.Release(`${name}-gpu-operator`, helmReleaseArgs(CHARTS.gpuOperator, {
                name: "gpu-operator",
                namespace: GPU_OPERATOR_NAMESPACE,
                values: gpuOperatorValues(settings),
            }), {
                parent: this,
                provider: this.provider,
                // Its operands mount host paths and run privileged (driver validation, device plugin, DCGM).
                dependsOn: [createAddonNamespace(name, GPU_OPERATOR_NAMESPACE, "privileged", { parent: this, provider: this.provider }), ...platformCapacity],
            }));
        }
        this.registerObjects(name, poolObjects, addons.slice(0, 1));
        const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, asArgs<k8s.storage.v1.StorageClassArgs>(renderDefaultStorageClass(auto)), {
            parent: this,
            provider: this.provider,
            dependsOn: auto ? [] : [ebsCsiDriver!],
        });
        addons.push(storageClass);
        if (settings.albIngress) {
            addons.push(new k8s.networking.v1.IngressClass(`${name}-alb`, asArgs<k8s.networking.v1.IngressClassArgs>(renderAlbIngressClass(auto)), {
                parent: this,
                provider: this.provider,
            }));
        }

        const kyverno = new k8s.helm.v3.Release(`${name}-kyverno`, helmReleaseArgs(CHARTS.kyverno, {
            name: "kyverno",
            namespace: KYVERNO_NAMESPACE,
            values: kyvernoValues(settings),
        }), { parent: this, provider: this.provider, dependsOn: [createAddonNamespace(name, KYVERNO_NAMESPACE, "restricted", { parent: this, provider: this.provider }), ...platformCapacity] });
        addons.push(kyverno);
        addons.push(createKeda(name, { provider: this.provider, placement: addonPlacement(settings.mode, "critical"), dependsOn: platformCapacity, replicas: settings.kedaReplicas }, this));
        this.registerObjects(
            name,
            renderKyvernoPolicies({
                enforcement: settings.kyverno.enforcement,
                allowedRegistries: settings.kyverno.allowedRegistries,
                exemptNamespaces: [...SYSTEM_NAMESPACES, ...settings.kyverno.exemptNamespaces],
                gpuQuotaLabel: GPU_QUOTA_LABEL,
                gpuResource: GPU_RESOURCE,
            }),
            [kyverno],
        );
        if (settings.multiNode) {
            addons.push(...createMultiNodeAddons(name, settings, {
                clusterName,
                vpcId: network.vpc.id,
                tags,
                provider: this.provider,
                dependsOn: platformCapacity,
            }, this));
        }
        this.addons = addons;
        this.pools = pools.map((p) => ({
            name: p.name,
            gpuLimit: p.gpuLimit,
            instanceFamilies: p.instanceFamilies ?? [],
            gpuNames: p.gpuNames ?? [],
            capacityTypes: p.capacityTypes,
            sharing: p.sharing,
            advertisedPerGpu: poolAdvertisedPerGpu(p),
            efa: p.efa ?? false,
        }));

        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            oidcIssuerUrl: this.oidcIssuerUrl,
            vpcId: this.vpcId,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            privateSubnetIds: this.privateSubnetIds,
            pools: this.pools,
        });
    }

    /**
     * The minimal on-demand managed node group: Karpenter, and what must run
     * before Karpenter can launch nodes (CoreDNS and the EBS CSI controller
     * tolerate CriticalAddonsOnly; DaemonSets tolerate everything). The taint
     * keeps every other pod on the Karpenter-scaled platform pool.
     */
    private createSystemNodes(
        name: string,
        clusterName: string,
        settings: ResolvedGpuClusterArgs,
        subnetIds: pulumi.Output<string>[],
        tags: Record<string, string>,
    ): aws.eks.NodeGroup {
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const role = new aws.iam.Role(`${name}-system-nodes`, {
            name: physicalName([clusterName, "system-nodes"], AWS_NAME_LIMITS.iamRole),
            assumeRolePolicy: partition.apply((p) => JSON.stringify(nodeTrustPolicy(p))),
            tags,
        }, { parent: this });
        const attachments = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly"].map(
            (policy) => new aws.iam.RolePolicyAttachment(`${name}-system-nodes-${policy}`, {
                role: role.name,
                policyArn: partition.apply((p) => managedPolicyArn(p, policy)),
            }, { parent: this }),
        );
        const { instanceTypes, minSize, desiredSize, maxSize } = settings.systemNodes;
        return new aws.eks.NodeGroup(`${name}-system`, {
            clusterName: this.clusterName,
            nodeGroupName: "system",
            nodeRoleArn: role.arn,
            subnetIds,
            instanceTypes,
            capacityType: "ON_DEMAND",
            amiType: SYSTEM_AMI_TYPES[instanceArchitecture(instanceTypes[0])],
            // Karpenter, CoreDNS and the add-ons' images fit EKS's default root volume many times over.
            diskSize: 20,
            scalingConfig: { minSize, desiredSize, maxSize },
            updateConfig: { maxUnavailable: 1 },
            labels: BOOTSTRAP_NODE_SELECTOR,
            taints: [{ key: CRITICAL_ADDONS_TAINT.key, value: CRITICAL_ADDONS_TAINT.value, effect: "NO_SCHEDULE" }],
            tags,
        }, { parent: this, dependsOn: attachments, ignoreChanges: ["scalingConfig.desiredSize"] });
    }

    /** The EBS CSI driver add-on (Auto Mode has its own), its controller authorised through Pod Identity. */
    private createEbsCsiDriver(name: string, clusterName: string, tags: Record<string, string>, podIdentityAgent: aws.eks.Addon): aws.eks.Addon {
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const role = new aws.iam.Role(`${name}-ebs-csi`, {
            name: physicalName([clusterName, "ebs-csi"], AWS_NAME_LIMITS.iamRole),
            assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
            tags,
        }, { parent: this });
        const attachment = new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, {
            role: role.name,
            policyArn: partition.apply((p) => managedPolicyArn(p, "service-role/AmazonEBSCSIDriverPolicy")),
        }, { parent: this });
        return new aws.eks.Addon(`${name}-ebs-csi-driver`, {
            clusterName: this.clusterName,
            addonName: EKS_ADDONS.ebsCsiDriver.name,
            addonVersion: EKS_ADDONS.ebsCsiDriver.version,
            podIdentityAssociations: [{ roleArn: role.arn, serviceAccount: "ebs-csi-controller-sa" }],
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "PRESERVE",
            tags,
        }, { parent: this, dependsOn: [podIdentityAgent, attachment] });
    }

    /** Registers rendered objects (CRD instances) after the releases that install their CRDs. */
    private registerObjects(name: string, objects: KubernetesObject[], after: pulumi.Resource[]): k8s.apiextensions.CustomResource[] {
        return objects.map((obj) => {
            const { apiVersion, kind, metadata, ...rest } = obj;
            return new k8s.apiextensions.CustomResource(`${name}-${kind.toLowerCase()}-${metadata.name}`, {
                apiVersion,
                kind,
                metadata,
                ...rest,
            }, { parent: this, provider: this.provider, dependsOn: after });
        });
    }
}

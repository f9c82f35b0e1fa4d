/**
 * Pure renderers: GPU pools → Karpenter EC2NodeClass / NodePool objects and
 * the NVIDIA device-plugin sharing config. No Pulumi inside.
 */
import { GPU_FAMILIES, poolAdvertisedPerGpu, poolFamilies } from "../internal/gpu-instances";
import { AMI_ALIASES } from "../internal/versions";
import { ALB_INGRESS_CLASS_NAME } from "../internal/alb-ingress";
import type { KubernetesObject } from "../internal/k8s-object";
import { PLATFORM_POOL_NAME, type PlatformPoolArgs, type ResolvedPool } from "./args";

/** Label every GPU node carries naming its pool; workloads select on it. */
export const POOL_LABEL = "genai-platform.io/pool";
export const GPU_RESOURCE = "nvidia.com/gpu";
/** The taint every GPU pool carries, so only pods that ask for GPUs land there. */
export const GPU_TAINT = { key: GPU_RESOURCE, value: "true", effect: "NoSchedule" } as const;
/** The toleration matching GPU_TAINT. */
export const GPU_TOLERATION = { key: GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" } as const;
/** GPU Operator: selects the device-plugin config key for a node. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** GPU Operator: the MIG layout the MIG manager applies to a node. */
export const MIG_CONFIG_LABEL = "nvidia.com/mig.config";
export const DEVICE_PLUGIN_CONFIG_NAME = "device-plugin-config";
/**
 * NodePool annotation: `nvidia.com/gpu` one physical GPU of the pool
 * advertises (1 without sharing). The NodePool's limit is in advertised units;
 * dividing by this gives physical GPUs (the cost model does).
 */
export const ADVERTISED_PER_GPU_ANNOTATION = "genai-platform.io/advertised-gpus-per-gpu";
/** Node label of pools with EFA wired: the EFA device plugin runs only there. */
export const EFA_NODE_LABEL = "genai-platform.io/efa";
/** Tag of the cluster's EFA security group (value: the cluster name); EFA pools' EC2NodeClasses select it. */
export const EFA_SECURITY_GROUP_TAG = "genai-platform.io/efa-security-group";

/** Node label naming the role of non-GPU nodes. */
export const NODE_ROLE_LABEL = "genai-platform.io/node-role";
/** The managed node group that runs Karpenter and what must run before it. */
export const BOOTSTRAP_NODE_SELECTOR = { [NODE_ROLE_LABEL]: "bootstrap" } as const;
/** The Karpenter CPU NodePool the platform's add-ons run on. */
export const PLATFORM_NODE_SELECTOR = { [NODE_ROLE_LABEL]: "platform" } as const;
/** Taint (and matching toleration) that keeps all but cluster-critical pods off the bootstrap nodes and Auto Mode's `system` pool. */
export const CRITICAL_ADDONS_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" } as const;
export const CRITICAL_ADDONS_TOLERATION = { key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" } as const;

export interface PoolRenderContext {
    clusterName: string;
    /** Karpenter node role name (Karpenter mode). */
    nodeRoleName: string;
    /** Tags for the instances and volumes Karpenter launches. */
    tags: Record<string, string>;
}

/** Node labels a pool's sharing mode needs, read by the GPU Operator. */
export function sharingLabels(pool: ResolvedPool): Record<string, string> {
    if (pool.sharing?.mode === "mig") return { [MIG_CONFIG_LABEL]: pool.sharing.profile };
    // Bottlerocket ships its own device plugin (shared through its settings), so the Operator's stays off there.
    if (pool.amiFamily === "bottlerocket") return { "nvidia.com/gpu.deploy.device-plugin": "false" };
    if (pool.sharing?.mode === "time-slicing") return { [DEVICE_PLUGIN_CONFIG_LABEL]: pool.name };
    return {};
}

export function poolLabels(pool: ResolvedPool): Record<string, string> {
    return { ...pool.labels, [POOL_LABEL]: pool.name, ...sharingLabels(pool), ...(pool.efa ? { [EFA_NODE_LABEL]: "true" } : {}) };
}

/** Bottlerocket settings (TOML) that turn on its built-in device plugin's time-slicing. */
function bottlerocketUserData(pool: ResolvedPool): string | undefined {
    if (pool.amiFamily !== "bottlerocket" || pool.sharing?.mode !== "time-slicing") return undefined;
    return [
        "[settings.kubelet-device-plugins.nvidia]",
        'device-sharing-strategy = "time-slicing"',
        "",
        "[settings.kubelet-device-plugins.nvidia.time-slicing]",
        `replicas = ${pool.sharing.replicas}`,
        "rename-by-default = false",
        "",
    ].join("\n");
}

function blockDeviceMappings(pool: ResolvedPool) {
    const ebs = (size: number) => ({ volumeSize: `${size}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true, iops: 3000, throughput: 250 });
    if (pool.amiFamily === "bottlerocket") {
        // Bottlerocket keeps the OS on xvda and images on the data volume xvdb.
        return [
            { deviceName: "/dev/xvda", ebs: ebs(10) },
            { deviceName: "/dev/xvdb", ebs: ebs(pool.volumeGiB) },
        ];
    }
    return [{ deviceName: "/dev/xvda", rootVolume: true, ebs: ebs(pool.volumeGiB) }];
}

export function renderEc2NodeClass(pool: ResolvedPool, ctx: PoolRenderContext): KubernetesObject {
    const userData = bottlerocketUserData(pool);
    const reservations = (pool.capacityReservations ?? []).map((t) => ("id" in t ? { id: t.id } : { tags: t.tags, ...(t.ownerId ? { ownerID: t.ownerId } : {}) }));
    return nodeClass(pool.name, ctx, {
        // EFA pools: also the EFA security group (all traffic between its members, AWS EFA user guide
        // "Prepare an EFA-enabled security group"). Terms are ORed, so the node gets both groups. No
        // `networkInterfaces`: Karpenter v1.14.1 attaches every EFA interface of the instance type when a pod
        // asks for vpc.amazonaws.com/efa (pkg/providers/instance/instance.go getEFACountForInstance,
        // pkg/providers/launchtemplate/launchtemplate.go), and an explicit list would have to be per instance type.
        ...(pool.efa ? { securityGroupSelectorTerms: [...clusterSecurityGroupTerms(ctx), { tags: { [EFA_SECURITY_GROUP_TAG]: ctx.clusterName } }] } : {}),
        amiSelectorTerms: [{ alias: AMI_ALIASES[pool.amiFamily].alias }],
        blockDeviceMappings: blockDeviceMappings(pool),
        ...(reservations.length ? { capacityReservationSelectorTerms: reservations } : {}),
        ...(userData ? { userData } : {}),
    });
}

/** The security group EKS creates for the cluster; managed and Karpenter nodes share it. */
function clusterSecurityGroupTerms(ctx: PoolRenderContext) {
    return [{ tags: { "aws:eks:cluster-name": ctx.clusterName } }];
}

/** What every EC2NodeClass shares: node role, discovery, the cluster security group, IMDSv2 with hop limit 1, tags. */
function nodeClass(name: string, ctx: PoolRenderContext, spec: Record<string, unknown>): KubernetesObject {
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name, labels: { [POOL_LABEL]: name } },
        spec: {
            role: ctx.nodeRoleName,
            subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": ctx.clusterName } }],
            securityGroupSelectorTerms: clusterSecurityGroupTerms(ctx),
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            tags: { ...ctx.tags, [POOL_LABEL]: name },
            ...spec,
        },
    };
}

function disruptionBudgets(pool: ResolvedPool) {
    const budgets: Record<string, unknown>[] = [{ nodes: pool.disruptionBudget }];
    if (pool.protectBusinessHours) {
        // Empty nodes may still go; nodes serving models are not consolidated or drifted.
        budgets.push({ nodes: "0", reasons: ["Underutilized", "Drifted"], ...pool.protectBusinessHours });
    }
    return budgets;
}

/** Instance requirements; Auto Mode uses the same well-known keys under its own prefix. */
function requirements(pool: ResolvedPool, labelPrefix: string) {
    const reqs: { key: string; operator: string; values: string[] }[] = [];
    if (pool.instanceFamilies?.length) reqs.push({ key: `${labelPrefix}/instance-family`, operator: "In", values: pool.instanceFamilies });
    if (pool.gpuNames?.length) reqs.push({ key: `${labelPrefix}/instance-gpu-name`, operator: "In", values: pool.gpuNames });
    reqs.push(
        { key: `${labelPrefix}/instance-gpu-manufacturer`, operator: "In", values: ["nvidia"] },
        { key: "karpenter.sh/capacity-type", operator: "In", values: pool.capacityTypes },
        { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
        { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
    );
    return reqs;
}

export interface NodeClassRef {
    group: string;
    kind: string;
    name: string;
}

export function renderNodePool(pool: ResolvedPool, nodeClassRef: NodeClassRef, labelPrefix = "karpenter.k8s.aws"): KubernetesObject {
    const perGpu = poolAdvertisedPerGpu(pool);
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: pool.name, labels: { [POOL_LABEL]: pool.name }, annotations: { [ADVERTISED_PER_GPU_ANNOTATION]: String(perGpu) } },
        spec: {
            template: {
                metadata: { labels: poolLabels(pool) },
                spec: {
                    nodeClassRef,
                    requirements: requirements(pool, labelPrefix),
                    taints: [GPU_TAINT],
                    expireAfter: pool.expireAfter,
                },
            },
            // Karpenter counts an initialised node's advertised nvidia.com/gpu against the limit
            // (kubernetes-sigs/karpenter at the v1.14.1 pin, pkg/controllers/state/statenode.go Capacity()
            // and cluster.go updateNodePoolResources), so the physical limit is scaled to that unit.
            limits: { [GPU_RESOURCE]: String(pool.gpuLimit * perGpu) },
            disruption: {
                consolidationPolicy: pool.consolidationPolicy,
                consolidateAfter: pool.consolidateAfter,
                budgets: disruptionBudgets(pool),
            },
            ...(pool.weight !== undefined ? { weight: pool.weight } : {}),
        },
    };
}

/**
 * NodeOverlays that tell Karpenter's scheduling simulation what a shared
 * pool's nodes will advertise: one per GPU count among the pool's instance
 * sizes, `nvidia.com/gpu` = GPUs × slices per GPU. Without them Karpenter
 * launches for physical GPUs (one slice pod per GPU, so N slice pods buy N
 * GPUs) and counts new nodes against the limit in physical GPUs until they
 * initialise, then in advertised ones. An overlay's capacity replaces the
 * instance type's entry (kubernetes-sigs/karpenter v1.14.1 pin,
 * pkg/cloudprovider/types.go ApplyCapacityOverlay: `lo.Assign`). NodeOverlay is
 * v1alpha1 behind Karpenter's `NodeOverlay` feature gate: the platform turns the
 * gate on only when a pool shares GPUs, the one case whose accounting is wrong without it.
 */
export function renderNodeOverlays(pool: ResolvedPool): KubernetesObject[] {
    if (!pool.sharing) return [];
    const perGpu = poolAdvertisedPerGpu(pool);
    const counts = [...new Set(poolFamilies(pool).flatMap((f) => GPU_FAMILIES[f].gpuCounts))].sort((a, b) => a - b);
    return counts.map((count) => ({
        apiVersion: "karpenter.sh/v1alpha1",
        kind: "NodeOverlay",
        metadata: { name: `${pool.name}-${count}-gpu`, labels: { [POOL_LABEL]: pool.name } },
        spec: {
            requirements: [
                { key: "karpenter.sh/nodepool", operator: "In", values: [pool.name] },
                { key: "karpenter.k8s.aws/instance-gpu-count", operator: "In", values: [String(count)] },
            ],
            capacity: { [GPU_RESOURCE]: String(count * perGpu) },
        },
    }));
}

/** Self-managed Karpenter: the pool's own EC2NodeClass and NodePool, and its NodeOverlays when it shares GPUs. */
export function renderKarpenterPool(pool: ResolvedPool, ctx: PoolRenderContext): KubernetesObject[] {
    return [renderEc2NodeClass(pool, ctx), renderNodePool(pool, { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: pool.name }), ...renderNodeOverlays(pool)];
}

/**
 * The platform's CPU capacity: an untainted NodePool (current-generation
 * c/m/r of the pool's architectures, AL2023) labelled PLATFORM_NODE_SELECTOR, bounded by CPU and
 * memory limits and by `nvidia.com/gpu: 0` so it can never buy a GPU. Busy
 * nodes are consolidated (add-ons run ≥ 2 replicas behind PDBs).
 */
export function renderPlatformPool(pool: Required<PlatformPoolArgs>, ctx: PoolRenderContext): KubernetesObject[] {
    const name = PLATFORM_POOL_NAME;
    const ebs = { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true };
    return [
        nodeClass(name, ctx, {
            amiSelectorTerms: [{ alias: AMI_ALIASES.al2023.alias }],
            blockDeviceMappings: [{ deviceName: "/dev/xvda", rootVolume: true, ebs }],
        }),
        {
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name, labels: { [POOL_LABEL]: name } },
            spec: {
                template: {
                    metadata: { labels: { ...PLATFORM_NODE_SELECTOR, [POOL_LABEL]: name } },
                    spec: {
                        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name },
                        requirements: [
                            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: pool.instanceCategories },
                            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
                            { key: "karpenter.sh/capacity-type", operator: "In", values: pool.capacityTypes },
                            { key: "kubernetes.io/arch", operator: "In", values: [...pool.architectures] },
                            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                        ],
                        expireAfter: "720h",
                    },
                },
                limits: { cpu: String(pool.cpuLimit), memory: `${pool.memoryLimitGiB}Gi`, [GPU_RESOURCE]: "0" },
                disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "5m", budgets: [{ nodes: "10%" }] },
            },
        },
    ];
}

/** EKS Auto Mode: a NodePool on the built-in `default` NodeClass, with Auto Mode's label prefix. */
export function renderAutoModePool(pool: ResolvedPool): KubernetesObject {
    return renderNodePool(pool, { group: "eks.amazonaws.com", kind: "NodeClass", name: "default" }, "eks.amazonaws.com");
}

/**
 * EKS Auto Mode's switch for NetworkPolicy enforcement: its nodes run the
 * network policy agent, but the controller that resolves policies stays off
 * until this ConfigMap says otherwise (EKS user guide, "Use Network Policies
 * with EKS Auto Mode", awsdocs/amazon-eks-user-guide latest/ug/automode/auto-net-pol.adoc).
 * The built-in node classes keep the agent's default, `networkPolicy: DefaultAllow`:
 * pods no policy selects stay open, as Kubernetes defines it.
 */
export function renderAutoModeNetworkPolicyConfig(): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "amazon-vpc-cni", namespace: "kube-system" },
        data: { "enable-network-policy-controller": "true" },
    };
}

/** The StorageClass every platform volume asks for by default. */
export const DEFAULT_STORAGE_CLASS = "gp3";

/**
 * An encrypted gp3 StorageClass, the cluster's default. Volumes bind where
 * their pod lands (zonal EBS), and grow in place. Auto Mode has its own EBS
 * provisioner name.
 */
export function renderDefaultStorageClass(autoMode: boolean): KubernetesObject {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: autoMode ? "ebs.csi.eks.amazonaws.com" : "ebs.csi.aws.com",
        parameters: { type: "gp3", encrypted: "true" },
        reclaimPolicy: "Delete",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    };
}

/**
 * The device-plugin ConfigMap data: a `default` key without sharing and one
 * key per time-sliced pool, chosen per node by DEVICE_PLUGIN_CONFIG_LABEL.
 * Values are YAML documents (JSON is valid YAML).
 */
export function devicePluginConfigData(pools: readonly ResolvedPool[], migStrategy: "none" | "single"): Record<string, string> {
    const data: Record<string, string> = { default: JSON.stringify({ version: "v1", flags: { migStrategy } }) };
    for (const pool of pools) {
        if (pool.sharing?.mode !== "time-slicing" || pool.amiFamily !== "al2023") continue;
        data[pool.name] = JSON.stringify({
            version: "v1",
            flags: { migStrategy },
            sharing: { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: GPU_RESOURCE, replicas: pool.sharing.replicas }] } },
        });
    }
    return data;
}

/**
 * The `alb` IngressClass: implemented by the AWS Load Balancer Controller
 * (`ingress.k8s.aws/alb`), or on EKS Auto Mode by its built-in load balancing
 * (`eks.amazonaws.com/alb`, EKS user guide "Create an IngressClass to
 * configure an Application Load Balancer"). Both read the same
 * `alb.ingress.kubernetes.io/*` annotations.
 */
export function renderAlbIngressClass(auto: boolean): KubernetesObject {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "IngressClass",
        metadata: { name: ALB_INGRESS_CLASS_NAME },
        spec: { controller: auto ? "eks.amazonaws.com/alb" : "ingress.k8s.aws/alb" },
    };
}

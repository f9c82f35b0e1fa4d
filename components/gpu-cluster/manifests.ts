/**
 * Pure renderers: GPU pools → Karpenter EC2NodeClass / NodePool objects and
 * the NVIDIA device-plugin sharing config. No Pulumi inside.
 */
import { AMI_ALIASES } from "../internal/versions";
import { ALB_INGRESS_CLASS_NAME } from "../internal/alb-ingress";
import type { KubernetesObject } from "../internal/k8s-object";
import type { ResolvedPool } from "./args";

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
    return { ...pool.labels, [POOL_LABEL]: pool.name, ...sharingLabels(pool) };
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
    const discovery = { "karpenter.sh/discovery": ctx.clusterName };
    const userData = bottlerocketUserData(pool);
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: pool.name, labels: { [POOL_LABEL]: pool.name } },
        spec: {
            role: ctx.nodeRoleName,
            amiSelectorTerms: [{ alias: AMI_ALIASES[pool.amiFamily].alias }],
            subnetSelectorTerms: [{ tags: discovery }],
            // The security group EKS creates for the cluster; managed and Karpenter nodes share it.
            securityGroupSelectorTerms: [{ tags: { "aws:eks:cluster-name": ctx.clusterName } }],
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            blockDeviceMappings: blockDeviceMappings(pool),
            tags: { ...ctx.tags, [POOL_LABEL]: pool.name },
            ...(userData ? { userData } : {}),
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
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: pool.name, labels: { [POOL_LABEL]: pool.name } },
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
            limits: { [GPU_RESOURCE]: String(pool.gpuLimit) },
            disruption: {
                consolidationPolicy: pool.consolidationPolicy,
                consolidateAfter: pool.consolidateAfter,
                budgets: disruptionBudgets(pool),
            },
            ...(pool.weight !== undefined ? { weight: pool.weight } : {}),
        },
    };
}

/** Self-managed Karpenter: the pool's own EC2NodeClass and NodePool. */
export function renderKarpenterPool(pool: ResolvedPool, ctx: PoolRenderContext): KubernetesObject[] {
    return [renderEc2NodeClass(pool, ctx), renderNodePool(pool, { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: pool.name })];
}

/** EKS Auto Mode: a NodePool on the built-in `default` NodeClass, with Auto Mode's label prefix. */
export function renderAutoModePool(pool: ResolvedPool): KubernetesObject {
    return renderNodePool(pool, { group: "eks.amazonaws.com", kind: "NodeClass", name: "default" }, "eks.amazonaws.com");
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

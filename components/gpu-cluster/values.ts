/**
 * Pure renderers of the Helm values for the cluster add-ons. Every path set
 * here exists in the pinned chart's values.yaml (checked by the conformance tests).
 */
import { CHART_IMAGES } from "../internal/versions";
import type { ResolvedGpuClusterArgs } from "./args";
import {
    BOOTSTRAP_NODE_SELECTOR,
    CRITICAL_ADDONS_TOLERATION,
    EFA_NODE_LABEL,
    GPU_TOLERATION,
    DEVICE_PLUGIN_CONFIG_NAME,
    devicePluginConfigData,
    PLATFORM_NODE_SELECTOR,
} from "./manifests";

export interface Toleration {
    key: string;
    operator: "Exists" | "Equal";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** Where an add-on's pods go: the nodeSelector and tolerations its chart (or our manifest) sets. */
export interface Placement {
    nodeSelector: Record<string, string>;
    tolerations: Toleration[];
}

/**
 * `critical`: admission and scaling controllers the cluster stops working
 * without (Kyverno's webhooks, KEDA's metrics API). `general`: everything else.
 */
export type AddonTier = "critical" | "general";

/**
 * The one answer to "where does a platform add-on run", per cluster mode:
 * - `karpenter`: the Karpenter CPU NodePool `platform` (untainted, scales);
 *   the tainted bootstrap node group keeps only Karpenter and what must run
 *   before it.
 * - `auto`: EKS Auto Mode's built-in NodePools, which cannot be changed or
 *   labelled (docs.aws.amazon.com/eks/latest/userguide/set-builtin-node-pools.html):
 *   critical add-ons on `system` (taint `CriticalAddonsOnly`; it launches amd64
 *   or arm64, so they also ask for amd64, the architecture every platform
 *   image is known to ship), the rest on `general-purpose` (untainted, amd64).
 *   Nodes carry `karpenter.sh/nodepool`.
 */
export function addonPlacement(mode: "karpenter" | "auto", tier: AddonTier = "general"): Placement {
    if (mode === "karpenter") return { nodeSelector: { ...PLATFORM_NODE_SELECTOR }, tolerations: [] };
    if (tier === "critical") {
        return { nodeSelector: { "karpenter.sh/nodepool": "system", "kubernetes.io/arch": "amd64" }, tolerations: [{ ...CRITICAL_ADDONS_TOLERATION }] };
    }
    return { nodeSelector: { "karpenter.sh/nodepool": "general-purpose" }, tolerations: [] };
}

export const KARPENTER_NAMESPACE = "karpenter";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";
export const GPU_OPERATOR_NAMESPACE = "gpu-operator";
export const KYVERNO_NAMESPACE = "kyverno";
/**
 * The namespace the LWS docs install into (kubernetes-sigs/lws v0.10.0 site/content/en/docs/installation), and
 * the only one that works: the chart's CRD (charts/lws/crds) points its conversion webhook at
 * `lws-webhook-service` in `lws-system`, whatever the release namespace.
 */
export const LWS_NAMESPACE = "lws-system";
export const EFA_DEVICE_PLUGIN_NAMESPACE = "efa-device-plugin";

/**
 * Karpenter on the bootstrap node group (never on nodes it manages: the
 * chart's default affinity also requires `karpenter.sh/nodepool` absent),
 * tolerating its CriticalAddonsOnly taint. `nodeOverlay` turns on the alpha
 * NodeOverlay gate, needed when a pool shares GPUs (see renderNodeOverlays).
 */
export function karpenterValues(clusterName: string, interruptionQueueName: string, nodeOverlay = false) {
    return {
        settings: { clusterName, interruptionQueue: interruptionQueueName, eksControlPlane: true, featureGates: { nodeOverlay } },
        serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
        replicas: 2,
        nodeSelector: { "kubernetes.io/os": "linux", ...BOOTSTRAP_NODE_SELECTOR },
        tolerations: [{ ...CRITICAL_ADDONS_TOLERATION }],
        controller: { resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } } },
    };
}

export function usesMig(args: ResolvedGpuClusterArgs): boolean {
    return args.pools.some((p) => p.sharing?.mode === "mig");
}

/** Some pool shares its GPUs, so Karpenter needs NodeOverlays (and their feature gate). */
export function usesSharing(args: ResolvedGpuClusterArgs): boolean {
    return args.pools.some((p) => p.sharing !== undefined);
}

/**
 * GPU Operator on the EKS NVIDIA AMIs: the AMI brings the driver and
 * container toolkit, so the Operator runs only the device plugin (with the
 * pools' sharing config), GPU feature discovery, the MIG manager and DCGM.
 */
export function gpuOperatorValues(args: ResolvedGpuClusterArgs) {
    const mig = usesMig(args);
    const placement = addonPlacement(args.mode);
    return {
        driver: { enabled: false },
        toolkit: { enabled: false },
        // NFD's master and gc Deployments keep the subchart's placement: without a nodeSelector they land on
        // the only untainted nodes, the platform pool (the bootstrap group and GPU pools are tainted).
        operator: placement,
        mig: { strategy: mig ? "single" : "none" },
        // On cloud instances the GPU cannot be reset in place to enter MIG mode: the MIG manager must
        // reboot the node (NVIDIA GPU Operator docs, "GPU Operator with MIG": in a CSP environment set
        // migManager.env WITH_REBOOT=true). The chart's default env is empty (v26.7.0 values.yaml).
        migManager: { enabled: mig, ...(mig ? { env: [{ name: "WITH_REBOOT", value: "true" }] } : {}) },
        devicePlugin: {
            enabled: true,
            config: {
                create: true,
                name: DEVICE_PLUGIN_CONFIG_NAME,
                default: "default",
                data: devicePluginConfigData(args.pools, mig ? "single" : "none"),
            },
        },
        dcgmExporter: { enabled: true, serviceMonitor: { enabled: true, interval: "15s" } },
    };
}

/**
 * Kyverno: admission replicas spread over zones (3 by default, HA), controllers placed per cluster mode (critical tier).
 * The chart makes a controller's PodDisruptionBudget exactly when it has more than one replica
 * (kyverno 3.9.0 templates/<controller>/poddisruptionbudget.yaml: `or .podDisruptionBudget.enabled
 * (gt replicas 1)`), so `enabled` is never set: it would be ignored, and with one replica a PDB of
 * minAvailable 1 would block every node drain.
 */
export function kyvernoValues(args: ResolvedGpuClusterArgs) {
    const placement = addonPlacement(args.mode, "critical");
    const controller = (replicas: number) => ({
        replicas,
        ...placement,
        ...(replicas > 1 ? { podDisruptionBudget: { minAvailable: 1 } } : {}),
    });
    return {
        admissionController: {
            ...controller(args.kyverno.admissionReplicas),
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: "topology.kubernetes.io/zone",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: { "app.kubernetes.io/component": "admission-controller" } },
                },
            ],
        },
        backgroundController: controller(args.kyverno.controllerReplicas),
        cleanupController: controller(args.kyverno.controllerReplicas),
        reportsController: controller(args.kyverno.controllerReplicas),
    };
}

export const LOAD_BALANCER_CONTROLLER_NAMESPACE = "kube-system";
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";

/**
 * The AWS Load Balancer Controller (chart 3.5.0). Region and VPC are given so
 * it never asks IMDS (hop limit 1 on the nodes). The `alb` IngressClass is
 * ours (manifests.ts `renderAlbIngressClass`, the same object on Auto Mode),
 * so the chart's class stays off, and with it its IngressClassParams (chart
 * 3.5.0 templates/ingressclass.yaml reads `ingressClassParams.create` only
 * under `createIngressClassResource`, so it is not set). The Service mutator
 * webhook stays off: it would take over every `type: LoadBalancer` Service
 * cluster-wide, which nothing here asks for.
 */
export function loadBalancerControllerValues(clusterName: string, region: string, vpcId: string) {
    return {
        clusterName,
        region,
        vpcId,
        serviceAccount: { create: true, name: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT },
        createIngressClassResource: false,
        enableServiceMutatorWebhook: false,
        // Installed in Karpenter mode only (Auto Mode brings its own ALB support).
        ...addonPlacement("karpenter"),
        podDisruptionBudget: { maxUnavailable: 1 },
    };
}

/**
 * The LeaderWorkerSet controller (chart 0.10.0, values contract
 * ../shared/reference/charts/lws-0.10.0/values.yaml): the released image pinned
 * (the git values say `main`/`Always`), placed with the critical add-ons (its
 * webhooks are `failurePolicy: Fail` on every LWS and every LWS pod), and a
 * RuntimeDefault seccomp profile on top of the chart's non-root, read-only,
 * no-capabilities defaults, so it passes Pod Security `restricted`.
 */
export function leaderWorkerSetValues(mode: "karpenter" | "auto") {
    return {
        image: { manager: { repository: CHART_IMAGES.leaderWorkerSet.repository, tag: CHART_IMAGES.leaderWorkerSet.tag, pullPolicy: "IfNotPresent" } },
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        ...addonPlacement(mode, "critical"),
    };
}

/**
 * The EFA device plugin (eks-charts stable/aws-efa-k8s-device-plugin v0.5.30,
 * values contract ../shared/reference/charts/aws-efa-k8s-device-plugin-v0.5.30/values.yaml):
 * only on the GPU nodes of EFA pools (their node label; the GPU taint
 * tolerated), besides the chart's own affinity to EFA instance types. It runs
 * privileged with host paths (/var/lib/kubelet/device-plugins, /dev/infiniband)
 * by design, hence its own namespace at Pod Security `privileged`.
 */
export function efaDevicePluginValues() {
    return {
        image: { repository: CHART_IMAGES.efaDevicePlugin.repository, tag: CHART_IMAGES.efaDevicePlugin.tag },
        nodeSelector: { [EFA_NODE_LABEL]: "true" },
        tolerations: [{ ...GPU_TOLERATION }],
    };
}

/** KEDA's namespace: its operator scales every ModelEndpoint (ScaledObject). */
export const KEDA_NAMESPACE = "keda";

/**
 * KEDA where the cluster mode puts critical add-ons (`addonPlacement`), never
 * on GPU nodes. By default two replicas of each part with a PDB: one operator
 * leads, the other takes over, so scaling (and waking idle models) survives a
 * node drain. One replica (a stack's profile, e.g. dev) trades that for capacity.
 */
export function kedaValues(placement: Placement, replicas = 2) {
    // The chart renders each PDB only when its podDisruptionBudget.<component> is set (keda 2.20.2
    // templates/{manager,metrics-server,webhooks}/poddisruptionbudget.yaml): with one replica none is set,
    // since minAvailable 1 on a single pod would block every node drain.
    const pdb = { minAvailable: 1 };
    return {
        ...placement,
        operator: { replicaCount: replicas },
        metricsServer: { replicaCount: replicas },
        webhooks: { replicaCount: replicas },
        ...(replicas > 1 ? { podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb } } : {}),
    };
}

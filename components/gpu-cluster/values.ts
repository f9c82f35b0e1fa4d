/**
 * Pure renderers of the Helm values for the cluster add-ons. Every path set
 * here exists in the pinned chart's values.yaml (checked by the conformance tests).
 */
import type { ResolvedGpuClusterArgs } from "./args";
import { DEVICE_PLUGIN_CONFIG_NAME, devicePluginConfigData } from "./manifests";

/** Label of the on-demand system node group; add-on controllers run there, never on GPU nodes. */
export const SYSTEM_NODE_LABEL = "genai-platform.io/node-role";
export const SYSTEM_NODE_SELECTOR = { [SYSTEM_NODE_LABEL]: "system" };

export const KARPENTER_NAMESPACE = "karpenter";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";
export const GPU_OPERATOR_NAMESPACE = "gpu-operator";
export const KYVERNO_NAMESPACE = "kyverno";

export function karpenterValues(clusterName: string, interruptionQueueName: string) {
    return {
        settings: { clusterName, interruptionQueue: interruptionQueueName, eksControlPlane: true },
        serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
        replicas: 2,
        nodeSelector: { "kubernetes.io/os": "linux", ...SYSTEM_NODE_SELECTOR },
        controller: { resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } } },
    };
}

export function usesMig(args: ResolvedGpuClusterArgs): boolean {
    return args.pools.some((p) => p.sharing?.mode === "mig");
}

/**
 * GPU Operator on the EKS NVIDIA AMIs: the AMI brings the driver and
 * container toolkit, so the Operator runs only the device plugin (with the
 * pools' sharing config), GPU feature discovery, the MIG manager and DCGM.
 */
export function gpuOperatorValues(args: ResolvedGpuClusterArgs) {
    const mig = usesMig(args);
    return {
        driver: { enabled: false },
        toolkit: { enabled: false },
        operator: { nodeSelector: SYSTEM_NODE_SELECTOR },
        mig: { strategy: mig ? "single" : "none" },
        migManager: { enabled: mig },
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

/** Kyverno in HA: three admission replicas spread over zones, PDBs, controllers off the GPU nodes. */
export function kyvernoValues(args: ResolvedGpuClusterArgs) {
    const controller = (replicas: number) => ({
        replicas,
        nodeSelector: SYSTEM_NODE_SELECTOR,
        podDisruptionBudget: { enabled: replicas > 1, minAvailable: 1 },
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
        backgroundController: controller(2),
        cleanupController: controller(2),
        reportsController: controller(2),
    };
}

export const LOAD_BALANCER_CONTROLLER_NAMESPACE = "kube-system";
export const LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = "aws-load-balancer-controller";

/**
 * The AWS Load Balancer Controller (chart 3.5.0). Region and VPC are given so
 * it never asks IMDS (hop limit 1 on the nodes). The `alb` IngressClass is
 * ours (manifests.ts `renderAlbIngressClass`, the same object on Auto Mode),
 * so the chart's class and IngressClassParams stay off. The Service mutator
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
        ingressClassParams: { create: false },
        enableServiceMutatorWebhook: false,
        nodeSelector: SYSTEM_NODE_SELECTOR,
        podDisruptionBudget: { maxUnavailable: 1 },
    };
}

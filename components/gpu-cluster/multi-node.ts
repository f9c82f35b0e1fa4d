import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createAddonNamespace, helmReleaseArgs, type PodSecurityLevel } from "../internal/helm";
import { CHARTS } from "../internal/versions";
import type { ResolvedGpuClusterArgs } from "./args";
import { EFA_SECURITY_GROUP_TAG } from "./manifests";
import { EFA_DEVICE_PLUGIN_NAMESPACE, efaDevicePluginValues, leaderWorkerSetValues, LWS_NAMESPACE } from "./values";

export interface MultiNodeContext {
    clusterName: string;
    vpcId: pulumi.Input<string>;
    tags: Record<string, string>;
    provider: k8s.Provider;
    /** What the add-on pods need before they can schedule (Karpenter and the platform pool). */
    dependsOn: pulumi.Resource[];
}

/**
 * Serving past one node (GpuCluster `multiNode`): the LeaderWorkerSet
 * controller in `lws-system` (Pod Security restricted), and for EFA pools the
 * EFA security group and the EFA device plugin in its own privileged
 * namespace. Returns the releases, for endpoints to install after.
 */
export function createMultiNodeAddons(name: string, settings: ResolvedGpuClusterArgs, ctx: MultiNodeContext, parent: pulumi.Resource): pulumi.Resource[] {
    const opts = { parent, provider: ctx.provider };
    const namespace = (ns: string, level: PodSecurityLevel) => createAddonNamespace(name, ns, level, opts);
    const lws = new k8s.helm.v3.Release(`${name}-lws`, helmReleaseArgs(CHARTS.leaderWorkerSet, {
        name: "lws",
        namespace: LWS_NAMESPACE,
        values: leaderWorkerSetValues(settings.mode),
    }), { ...opts, dependsOn: [namespace(LWS_NAMESPACE, "restricted"), ...ctx.dependsOn] });
    if (!settings.pools.some((p) => p.efa)) return [lws];
    createEfaSecurityGroup(name, ctx, parent);
    const plugin = new k8s.helm.v3.Release(`${name}-efa-device-plugin`, helmReleaseArgs(CHARTS.efaDevicePlugin, {
        name: "aws-efa-k8s-device-plugin",
        namespace: EFA_DEVICE_PLUGIN_NAMESPACE,
        values: efaDevicePluginValues(),
    }), { ...opts, dependsOn: [namespace(EFA_DEVICE_PLUGIN_NAMESPACE, "privileged"), ...ctx.dependsOn] });
    return [lws, plugin];
}

/**
 * The EFA security group: all traffic in from and out to its own members,
 * which EFA's OS-bypass (SRD) traffic needs (AWS EC2 User Guide, "Get started
 * with EFA and NCCL": "allows all inbound and outbound traffic to and from the
 * security group itself"). EFA pools' EC2NodeClasses select it by tag, beside
 * the cluster security group.
 */
function createEfaSecurityGroup(name: string, ctx: MultiNodeContext, parent: pulumi.Resource): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(`${name}-efa`, {
        vpcId: ctx.vpcId,
        description: `EFA traffic between the GPU nodes of EKS cluster ${ctx.clusterName}`,
        tags: { ...ctx.tags, Name: `${ctx.clusterName}-efa`, [EFA_SECURITY_GROUP_TAG]: ctx.clusterName },
    }, { parent });
    new aws.vpc.SecurityGroupIngressRule(`${name}-efa-in`, {
        securityGroupId: group.id,
        referencedSecurityGroupId: group.id,
        ipProtocol: "-1",
        description: "All traffic from EFA members",
        tags: ctx.tags,
    }, { parent });
    new aws.vpc.SecurityGroupEgressRule(`${name}-efa-out`, {
        securityGroupId: group.id,
        referencedSecurityGroupId: group.id,
        ipProtocol: "-1",
        description: "All traffic to EFA members",
        tags: ctx.tags,
    }, { parent });
    return group;
}

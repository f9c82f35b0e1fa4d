/**
 * The composition `pulumi up` runs: environment profile + stack config →
 * the platform's components.
 */
import * as pulumi from "@pulumi/pulumi";
import { GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import { PlatformConfig } from "./config";

/** What differs between environments unless the stack's config says otherwise. */
export const PROFILES = {
    dev: {
        network: { availabilityZoneCount: 2, natGateways: "single" as const },
        kyverno: { enforcement: "Audit" as const },
        systemNodes: { minSize: 2, desiredSize: 2, maxSize: 3 },
    },
    prod: {
        network: { availabilityZoneCount: 3, natGateways: "perZone" as const },
        kyverno: { enforcement: "Enforce" as const },
        systemNodes: { minSize: 3, desiredSize: 3, maxSize: 6 },
    },
};

export function clusterArgs(config: PlatformConfig): GpuClusterArgs {
    const profile = PROFILES[config.environment];
    const c = config.cluster;
    return {
        ...c,
        network: { ...profile.network, ...c.network },
        kyverno: { ...profile.kyverno, ...c.kyverno },
        systemNodes: { ...profile.systemNodes, ...c.systemNodes },
        pools: config.pools as GpuClusterArgs["pools"],
        tags: { ...config.tags, environment: config.environment },
    };
}

export interface PlatformOutputs {
    clusterName: pulumi.Output<string>;
    kubeconfig: pulumi.Output<string>;
    oidcIssuerUrl: pulumi.Output<string>;
    vpcId: pulumi.Output<string>;
    gpuPools: { name: string; gpuLimit: number }[];
}

/** Declares the platform for one stack. */
export function createPlatform(config: PlatformConfig, stackName: string): PlatformOutputs {
    const cluster = new GpuCluster(`genai-${stackName}`, clusterArgs(config));
    return {
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        vpcId: cluster.vpcId,
        gpuPools: cluster.pools.map((p) => ({ name: p.name, gpuLimit: p.gpuLimit })),
    };
}

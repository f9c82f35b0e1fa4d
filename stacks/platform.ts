/**
 * The composition `pulumi up` runs: environment profile + stack config →
 * the platform's components.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GPU_QUOTA_LABEL, GpuCluster, GpuClusterArgs } from "../components/gpu-cluster";
import { LlmGateway } from "../components/llm-gateway";
import { createKedaRelease, ModelEndpoint } from "../components/model-endpoint";
import { PlatformConfig } from "./config";

/** What differs between environments unless the stack's config says otherwise. */
export const PROFILES = {
    dev: {
        network: { availabilityZoneCount: 2, natGateways: "single" as const },
        kyverno: { enforcement: "Audit" as const },
        systemNodes: { minSize: 2, desiredSize: 2, maxSize: 3 },
        /** Idle models scale to zero; the gateway's traffic wakes them. */
        scaleToZero: true,
        production: false,
    },
    prod: {
        network: { availabilityZoneCount: 3, natGateways: "perZone" as const },
        kyverno: { enforcement: "Enforce" as const },
        systemNodes: { minSize: 3, desiredSize: 3, maxSize: 6 },
        scaleToZero: false,
        production: true,
    },
};

/** Namespace of the platform's own model endpoints. */
export const MODELS_NAMESPACE = "models";

export function clusterArgs(config: PlatformConfig): GpuClusterArgs {
    const profile = PROFILES[config.environment];
    const c = config.cluster;
    return {
        ...c,
        network: { ...profile.network, ...c.network },
        kyverno: { ...profile.kyverno, ...c.kyverno },
        systemNodes: { ...profile.systemNodes, ...c.systemNodes },
        pools: config.pools as GpuClusterArgs["pools"],
        protectStatefulResources: profile.production,
        tags: tags(config),
    };
}

function tags(config: PlatformConfig): Record<string, string> {
    return { ...config.tags, environment: config.environment };
}

/** A Pulumi secret from a secret config value, or undefined when unset. */
const secret = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));

/** PromQL that rises while the gateway receives requests for `model`: wakes an endpoint scaled to zero. */
export function gatewayDemandQuery(model: string): string {
    return `sum(rate(litellm_proxy_total_requests_metric_total{requested_model="${model}"}[2m]))`;
}

/** The namespace the platform's own endpoints run in: restricted Pod Security, allowed GPUs. */
function modelsNamespace(name: string, cluster: GpuCluster): k8s.core.v1.Namespace {
    const gpus = cluster.pools.reduce((n, p) => n + p.gpuLimit, 0);
    return new k8s.core.v1.Namespace(`${name}-models`, {
        metadata: {
            name: MODELS_NAMESPACE,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
                "genai-platform.io/managed": "true",
                [GPU_QUOTA_LABEL]: String(gpus),
                "genai-platform.io/gpu-pools": cluster.pools.map((p) => p.name).join(","),
            },
        },
    }, { provider: cluster.provider });
}

function createEndpoints(config: PlatformConfig, cluster: GpuCluster, dependsOn: pulumi.Resource[]): ModelEndpoint[] {
    const profile = PROFILES[config.environment];
    return config.models.map((m) => {
        const served = m.servedModelName ?? m.name;
        const minReplicas = m.autoscaling?.minReplicas ?? (profile.scaleToZero ? 0 : 1);
        return new ModelEndpoint(m.name, {
            cluster,
            pool: m.pool,
            namespace: MODELS_NAMESPACE,
            model: m.model,
            servedModelName: served,
            tensorParallelSize: m.tensorParallelSize,
            maxModelLen: m.maxModelLen,
            gpuMemoryUtilization: m.gpuMemoryUtilization,
            enablePrefixCaching: m.enablePrefixCaching,
            maxNumSeqs: m.maxNumSeqs,
            dtype: m.dtype,
            quantization: m.quantization,
            extraArgs: m.extraArgs,
            resources: m.resources,
            cacheVolume: m.cacheVolume,
            hfToken: secret(config.hfToken),
            autoscaling: {
                ...m.autoscaling,
                minReplicas,
                allowScaleToZero: profile.scaleToZero,
                ...(minReplicas === 0 ? { wakeQuery: gatewayDemandQuery(served) } : {}),
            },
            tags: tags(config),
            dependsOn,
        });
    });
}

export interface PlatformOutputs {
    clusterName: pulumi.Output<string>;
    kubeconfig: pulumi.Output<string>;
    oidcIssuerUrl: pulumi.Output<string>;
    vpcId: pulumi.Output<string>;
    gpuPools: { name: string; gpuLimit: number }[];
    gatewayUrl: string;
    gatewayModels: string[];
    modelsNamespace: string;
}

/** Declares the platform for one stack. */
export function createPlatform(config: PlatformConfig, stackName: string): PlatformOutputs {
    const name = `genai-${stackName}`;
    const profile = PROFILES[config.environment];
    const cluster = new GpuCluster(name, clusterArgs(config));
    const keda = createKedaRelease(`${name}-keda`, cluster.provider, cluster, cluster.addons);
    const namespace = modelsNamespace(name, cluster);
    const endpoints = createEndpoints(config, cluster, [keda, namespace, ...cluster.addons]);
    const g = config.gateway;
    const gateway = new LlmGateway(`${name}-gateway`, {
        provider: cluster.provider,
        vpcId: cluster.vpcId,
        subnetIds: cluster.privateSubnetIds,
        clusterSecurityGroupId: cluster.clusterSecurityGroupId,
        clusterName: cluster.clusterName,
        production: profile.production,
        selfHosted: endpoints.map((e) => e.route),
        hosted: g.hosted,
        providerKeys: { openai: secret(config.openaiApiKey), anthropic: secret(config.anthropicApiKey), gemini: secret(config.geminiApiKey) },
        routing: {
            strategy: g.routingStrategy,
            numRetries: g.numRetries,
            timeoutSeconds: g.timeoutSeconds,
            fallbacks: g.fallbacks,
            contextWindowFallbacks: g.contextWindowFallbacks,
        },
        replicas: g.replicas,
        database: g.database,
        cache: g.cache,
        ingress: g.ingress,
        tags: tags(config),
    }, { dependsOn: cluster.addons });
    return {
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        vpcId: cluster.vpcId,
        gpuPools: cluster.pools.map((p) => ({ name: p.name, gpuLimit: p.gpuLimit })),
        gatewayUrl: gateway.baseUrl,
        gatewayModels: gateway.models,
        modelsNamespace: MODELS_NAMESPACE,
    };
}

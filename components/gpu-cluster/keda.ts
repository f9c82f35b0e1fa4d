import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { createAddonNamespace, helmReleaseArgs } from "../internal/helm";
import { CHARTS } from "../internal/versions";
import { KEDA_NAMESPACE, kedaValues, type Placement } from "./values";

export interface KedaInputs {
    provider: k8s.Provider;
    /** Where critical add-ons run in the cluster's mode (`addonPlacement(mode, "critical")`). */
    placement: Placement;
    /** What KEDA's pods need first (the platform pool's capacity). */
    dependsOn: pulumi.Resource[];
    /** Replicas of each of its operator, metrics API server and admission webhooks (1 renders no PDBs). */
    replicas: number;
}

/**
 * KEDA (pinned chart, namespace `keda`), one of the cluster's add-ons like
 * the GPU Operator and Kyverno: every ModelEndpoint's ScaledObject needs its
 * CRDs and operator, so it is in `GpuCluster.addons`, which endpoints depend on.
 *
 * Until 0.2.0 the platform stack installed it with a free function under the
 * name `<cluster>-keda-keda`, also parented to the cluster; the alias keeps an
 * existing stack's release (and with it the ScaledObject CRD, whose deletion
 * would delete every ScaledObject) from being replaced.
 */
export function createKeda(name: string, inputs: KedaInputs, parent: pulumi.Resource): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(`${name}-keda`, helmReleaseArgs(CHARTS.keda, {
        name: "keda",
        namespace: KEDA_NAMESPACE,
        values: kedaValues(inputs.placement, inputs.replicas),
    }), {
        parent,
        provider: inputs.provider,
        dependsOn: [createAddonNamespace(name, KEDA_NAMESPACE, "restricted", { parent, provider: inputs.provider }), ...inputs.dependsOn],
        aliases: [{ name: `${name}-keda-keda` }],
    });
}

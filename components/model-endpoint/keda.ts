import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { helmReleaseArgs } from "../internal/helm";
import { CHARTS } from "../internal/versions";
import type { Placement } from "../gpu-cluster/values";
import { KEDA_NAMESPACE, kedaValues } from "./values";

export { KEDA_NAMESPACE };

/**
 * Installs KEDA (pinned chart, namespace `keda`) once per cluster: the
 * ScaledObjects of every ModelEndpoint need its CRDs, so pass the release in
 * their `dependsOn`. `placement` is the cluster's critical-add-on placement
 * (`addonPlacement(cluster.settings.mode, "critical")`); default the Karpenter-mode platform pool.
 * `replicas` of each of its operator, metrics API server and admission webhooks: default 2 (HA, with PDBs);
 * 1 renders no PDBs.
 */
export function createKedaRelease(
    name: string,
    provider: k8s.Provider,
    parent?: pulumi.Resource,
    dependsOn?: pulumi.Resource[],
    placement?: Placement,
    replicas?: number,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(`${name}-keda`, helmReleaseArgs(CHARTS.keda, {
        name: "keda",
        namespace: KEDA_NAMESPACE,
        values: kedaValues(placement, replicas),
    }), { parent, provider, dependsOn });
}

import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PinnedChart } from "./versions";

export interface ReleaseOptions {
    /** Helm release name (stable across stacks: one per cluster). */
    name: string;
    namespace: string;
    values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm waits for resources to be ready. Default 600. */
    timeout?: number;
}

/** Release args for a pinned chart: exact version, its repository, own namespace, rollback on failure. */
export function helmReleaseArgs(chart: PinnedChart, options: ReleaseOptions): k8s.helm.v3.ReleaseArgs {
    return {
        name: options.name,
        chart: chart.chart,
        version: chart.version,
        ...(chart.repo ? { repositoryOpts: { repo: chart.repo } } : {}),
        namespace: options.namespace,
        createNamespace: true,
        atomic: true,
        cleanupOnFail: true,
        maxHistory: 10,
        timeout: options.timeout ?? 600,
        values: options.values,
    };
}

import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { asArgs, type KubernetesObject } from "./k8s-object";
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

/** A Pod Security Standards level. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * A namespace for a chart's add-on, admitting pods at Pod Security `level`
 * (enforced, audited and warned). Helm's `createNamespace` makes one with no
 * labels, where the cluster default applies: privileged on EKS.
 */
export function renderAddonNamespace(name: string, level: PodSecurityLevel): KubernetesObject {
    const modes = ["enforce", "audit", "warn"];
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: Object.fromEntries(modes.map((m) => [`pod-security.kubernetes.io/${m}`, level])) },
    };
}

/**
 * Declares an add-on's namespace at the strictest Pod Security level its pods
 * pass (`test/semantics/pod-security.test.ts` holds every namespace to that),
 * named `<prefix>-<namespace>`; the release goes in its `dependsOn`.
 */
export function createAddonNamespace(prefix: string, namespace: string, level: PodSecurityLevel, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(`${prefix}-${namespace}`, asArgs<k8s.core.v1.NamespaceArgs>(renderAddonNamespace(namespace, level)), opts);
}

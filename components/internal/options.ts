/**
 * Providers reach a component's children through its resource options, as in
 * pulumi-awsx and pulumi-eks: the component passes `{ parent: this }` to every
 * child, and Pulumi resolves each child's provider from `opts.provider`, then
 * `opts.providers`, then the parent's (@pulumi/pulumi resource.ts, the
 * `Resource` constructor). A provider given as an arg instead is deprecated;
 * `withArgProvider` folds it into the options so it takes that same path.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "./errors";

/** The key of `opts.providers` Pulumi reads for Kubernetes resources (their package). */
const PACKAGE = "kubernetes";

/** The Kubernetes provider the options name for the component's children, if any. */
function optionsProvider(opts: pulumi.ComponentResourceOptions): pulumi.ProviderResource | undefined {
    if (k8s.Provider.isInstance(opts.provider)) return opts.provider;
    const providers = opts.providers;
    if (Array.isArray(providers)) return providers.find((p) => k8s.Provider.isInstance(p));
    return providers?.[PACKAGE];
}

/**
 * `opts` with a deprecated provider arg (at `path` of `subject`'s args) added
 * to `providers`. An arg that names another provider than the options do is
 * refused: one of the two would be ignored without a word.
 */
export function withArgProvider(
    opts: pulumi.ComponentResourceOptions | undefined,
    provider: k8s.Provider | undefined,
    subject: string,
    path: string,
): pulumi.ComponentResourceOptions {
    const given = opts ?? {};
    if (provider === undefined) return given;
    const named = optionsProvider(given);
    if (named !== undefined && named !== provider) {
        throw new ValidationError(subject, [{
            path,
            value: "(a k8s.Provider)",
            allowed: "the resource options name another Kubernetes provider; pass one provider, as a resource option ({ provider } or { providers: { kubernetes } }), which every child inherits",
        }]);
    }
    if (named !== undefined) return given;
    const providers = given.providers;
    return { ...given, providers: Array.isArray(providers) ? [...providers, provider] : { ...providers, [PACKAGE]: provider } };
}

/** What `dependsOn` takes: one resource or a list, each perhaps an Input. */
export type DependsOn = pulumi.ResourceOptions["dependsOn"];

/**
 * A child's `dependsOn`: the component's own (from its options) and the
 * child's. Pulumi orders a component's children after its dependencies only
 * through the parent's registration, and records each resource's
 * dependencies from its own options alone; without the component's list, a
 * destroy could delete a release (KEDA, the Prometheus operator) before the
 * custom resources that need its CRDs. Pulumi flattens nested lists
 * (`gatherExplicitDependencies`, @pulumi/pulumi runtime/dependsOn.ts).
 */
export function childDependsOn(component: DependsOn, ...own: pulumi.Input<pulumi.Resource>[]): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
    return (component === undefined ? own : [component, ...own]) as pulumi.Input<pulumi.Resource>[];
}

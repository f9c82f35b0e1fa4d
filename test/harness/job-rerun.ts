/**
 * What the next `pulumi up` does with a Job it declared before, as
 * pulumi-kubernetes decides (pulumi/pulumi-kubernetes v4.32.0):
 * - provider/pkg/provider/diff.go `forceNewProperties`: a change to
 *   metadata.name or .namespace, or to the Job's spec.template, completions,
 *   parallelism or selector, replaces it; a replaced Job runs again;
 * - provider/pkg/provider/provider.go `Diff`: with the annotation
 *   `pulumi.com/replaceUnready: "true"`, a Job whose live object is not Ready
 *   (provider/pkg/await/checker/job/check.go: started, condition Complete=True)
 *   is replaced; a live Job that cannot be read (deleted) is left alone;
 * - any other change is an in-place update, which does not run the Job again.
 */
import { isDeepStrictEqual } from "node:util";
import type { KubernetesObject } from "../../components/internal/k8s-object";

export type JobOutcome = "complete" | "failed";
export type NextUp = "nothing" | "update" | "replace";

/** The live Job some time after its run: gone once its TTL (if any) has passed. */
export function liveJob(job: KubernetesObject, outcome: JobOutcome, secondsSinceFinished: number): JobOutcome | "gone" {
    const ttl = (job.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished;
    return ttl !== undefined && secondsSinceFinished >= ttl ? "gone" : outcome;
}

const FORCE_NEW = ["completions", "parallelism", "selector", "template"] as const;

export function nextUpForJob(previous: KubernetesObject, live: JobOutcome | "gone", desired: KubernetesObject): NextUp {
    const [before, after] = [previous.spec as Record<string, unknown>, desired.spec as Record<string, unknown>];
    const forceNew =
        previous.metadata.name !== desired.metadata.name ||
        previous.metadata.namespace !== desired.metadata.namespace ||
        FORCE_NEW.some((k) => !isDeepStrictEqual(before[k], after[k]));
    if (forceNew) return "replace";
    if (desired.metadata.annotations?.["pulumi.com/replaceUnready"] === "true" && live === "failed") return "replace";
    return isDeepStrictEqual(previous, desired) ? "nothing" : "update";
}

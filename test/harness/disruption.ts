/**
 * Node drains against PodDisruptionBudgets: a drain evicts through the
 * Eviction API, which refuses while the budget allows no disruption. A PDB
 * that allows none even with every pod it selects healthy blocks every drain
 * of their nodes (Karpenter's consolidation, expiry and drift, node group
 * upgrades) until someone deletes a pod by hand.
 *
 * The budget's arithmetic as Kubernetes documents it (kubernetes.io
 * docs/tasks/run-application/configure-pdb, "Rounding logic when specifying
 * percentages"; PodDisruptionBudgetStatus in the policy/v1 API reference):
 * with `maxUnavailable`, desired healthy = expected − maxUnavailable; with
 * `minAvailable`, desired healthy = minAvailable; a percentage scales the
 * expected pod count rounding up; disruptions allowed = current healthy −
 * desired healthy. The expected count is the selected controllers' replicas.
 */
import type { KubernetesObject } from "./conformance";
import { selectorMatches } from "./network";

type Obj = Record<string, any>;

const CONTROLLERS = new Set(["Deployment", "StatefulSet", "ReplicaSet"]);

/** The replicas of the pod controllers in `namespace` whose pod template labels the selector matches. */
function expectedPods(objects: readonly KubernetesObject[], namespace: string, selector: Obj | undefined): number {
    return objects
        .filter((o) => CONTROLLERS.has(o.kind) && (o.metadata?.namespace ?? "default") === namespace)
        .filter((o) => selectorMatches(selector, ((o.spec as Obj | undefined)?.template?.metadata?.labels ?? {}) as Record<string, string>))
        .reduce((n, o) => n + Number((o.spec as Obj | undefined)?.replicas ?? 1), 0);
}

const scaled = (value: number | string, expected: number) =>
    typeof value === "string" && value.endsWith("%") ? Math.ceil((Number(value.slice(0, -1)) * expected) / 100) : Number(value);

/** Disruptions a PDB allows with every pod it selects healthy. */
export function disruptionsAllowed(pdb: KubernetesObject, expected: number): number {
    const spec = (pdb.spec ?? {}) as Obj;
    const desiredHealthy = spec.maxUnavailable !== undefined ? expected - scaled(spec.maxUnavailable, expected) : scaled(spec.minAvailable ?? 0, expected);
    return Math.max(0, expected - desiredHealthy);
}

/** One message per PDB that selects running pods yet allows no disruption with all of them healthy. */
export function blockingDisruptionBudgets(objects: readonly KubernetesObject[]): string[] {
    return objects
        .filter((o) => o.kind === "PodDisruptionBudget")
        .flatMap((pdb) => {
            const namespace = pdb.metadata?.namespace ?? "default";
            const expected = expectedPods(objects, namespace, (pdb.spec as Obj | undefined)?.selector);
            if (expected === 0 || disruptionsAllowed(pdb, expected) > 0) return [];
            const spec = pdb.spec as Obj;
            const budget = spec.maxUnavailable !== undefined ? `maxUnavailable ${spec.maxUnavailable}` : `minAvailable ${spec.minAvailable}`;
            return [`${namespace}/PodDisruptionBudget ${pdb.metadata?.name}: ${budget} over ${expected} pod(s) allows no disruption, so it blocks every drain of their nodes`];
        });
}

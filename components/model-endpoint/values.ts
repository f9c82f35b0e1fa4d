/**
 * Pure renderer of the KEDA chart values. Every path set here exists in the
 * pinned chart's values.yaml (checked by the conformance tests).
 */
import { addonPlacement, type Placement } from "../gpu-cluster/values";

export const KEDA_NAMESPACE = "keda";

/**
 * KEDA where the cluster mode puts critical add-ons (`addonPlacement`), never
 * on GPU nodes. By default two replicas of each part with a PDB: one operator
 * leads, the other takes over, so scaling (and waking idle models) survives a
 * node drain. One replica (a stack's profile, e.g. dev) trades that for capacity.
 */
export function kedaValues(placement: Placement = addonPlacement("karpenter", "critical"), replicas = 2) {
    // The chart renders each PDB only when its podDisruptionBudget.<component> is set (keda 2.20.2
    // templates/{manager,metrics-server,webhooks}/poddisruptionbudget.yaml): with one replica none is set,
    // since minAvailable 1 on a single pod would block every node drain.
    const pdb = { minAvailable: 1 };
    return {
        ...placement,
        operator: { replicaCount: replicas },
        metricsServer: { replicaCount: replicas },
        webhooks: { replicaCount: replicas },
        ...(replicas > 1 ? { podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb } } : {}),
    };
}

/**
 * Pure renderer of the KEDA chart values. Every path set here exists in the
 * pinned chart's values.yaml (checked by the conformance tests).
 */
import { addonPlacement, type Placement } from "../gpu-cluster/values";

export const KEDA_NAMESPACE = "keda";

/**
 * KEDA where the cluster mode puts critical add-ons (`addonPlacement`), never
 * on GPU nodes. Two replicas of each part with a PDB: one operator leads, the
 * other takes over, so scaling (and waking idle models) survives a node drain.
 */
export function kedaValues(placement: Placement = addonPlacement("karpenter", "critical")) {
    const pdb = { minAvailable: 1 };
    return {
        ...placement,
        operator: { replicaCount: 2 },
        metricsServer: { replicaCount: 2 },
        webhooks: { replicaCount: 2 },
        podDisruptionBudget: { operator: pdb, metricServer: pdb, webhooks: pdb },
    };
}

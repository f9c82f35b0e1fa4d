import { ResourceValidationPolicy } from "@pulumi/policy";
import { GPU_RESOURCE, POOL_LABEL } from "../lib/platform";
import { describeWorkload, gpuCount, PodSpec, validateWorkloads } from "../lib/pod-specs";

/** Tolerates the GPU pools' taint `nvidia.com/gpu=true:NoSchedule`. */
function toleratesGpuTaint(spec: PodSpec): boolean {
    return (spec.tolerations ?? []).some(
        (t) =>
            t.key === GPU_RESOURCE &&
            (t.effect === undefined || t.effect === "" || t.effect === "NoSchedule") &&
            (t.operator === "Exists" || ((t.operator === undefined || t.operator === "Equal") && t.value === "true")),
    );
}

/** Pinned to a pool: a nodeSelector on the pool label, or a required node affinity whose every term names it. */
function selectsPool(spec: PodSpec): boolean {
    if (spec.nodeSelector?.[POOL_LABEL]) return true;
    const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    return terms.length > 0 && terms.every((term) => (term.matchExpressions ?? []).some((e) => e.key === POOL_LABEL && e.operator === "In" && (e.values ?? []).length > 0));
}

/** GPU pods land on the GPU pool they were sized for, and only there. */
export const gpuScheduling: ResourceValidationPolicy = {
    name: "gpu-workload-scheduling",
    description: `Pods that request ${GPU_RESOURCE} tolerate the GPU taint (${GPU_RESOURCE} Exists NoSchedule) and select a GPU pool through ${POOL_LABEL} (nodeSelector or required node affinity).`,
    enforcementLevel: "mandatory",
    validateResource: validateWorkloads((workload, args, report) => {
        const gpus = gpuCount(workload.spec);
        if (gpus === 0) return;
        const subject = `${describeWorkload(workload, args)} requests ${gpus} GPU(s) but`;
        if (!toleratesGpuTaint(workload.spec)) report(`${subject} does not tolerate the GPU taint; add the toleration {key: "${GPU_RESOURCE}", operator: "Exists", effect: "NoSchedule"}.`);
        if (!selectsPool(workload.spec)) report(`${subject} selects no GPU pool; set nodeSelector {"${POOL_LABEL}": "<pool>"} or a required node affinity on ${POOL_LABEL}.`);
    }),
};

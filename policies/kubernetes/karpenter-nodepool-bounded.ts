import { ResourceValidationPolicy } from "@pulumi/policy";
import { GPU_RESOURCE } from "../lib/platform";
import { validateResourceOfTypes, wholeCount } from "../lib/policy";

export const NODE_POOL_TYPE = "kubernetes:karpenter.sh/v1:NodePool";

/** Every NodePool bounds the GPUs it may buy and gives idle nodes back. */
export const karpenterNodePoolBounded: ResourceValidationPolicy = {
    name: "karpenter-nodepool-bounded",
    description: `Karpenter NodePools set a ${GPU_RESOURCE} limit (0 for pools that must never launch GPU instances) and consolidate idle nodes (a consolidationPolicy, consolidateAfter not "Never").`,
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfTypes([NODE_POOL_TYPE], (props, args, report) => {
        const subject = `NodePool "${props.metadata?.name ?? args.name}"`;
        const limit = props.spec?.limits?.[GPU_RESOURCE];
        if (limit === undefined) {
            report(`${subject} has no spec.limits["${GPU_RESOURCE}"], so it can buy GPU instances without bound; set the pool's GPU limit (0 if it must never launch GPU instances).`);
        } else if (wholeCount(limit) === undefined) {
            report(`${subject} spec.limits["${GPU_RESOURCE}"] is ${JSON.stringify(limit)}; expected a whole number of GPUs.`);
        }
        const disruption = props.spec?.disruption ?? {};
        if (!disruption.consolidationPolicy || disruption.consolidateAfter === "Never") {
            report(`${subject} never consolidates idle nodes; set spec.disruption.consolidationPolicy (e.g. WhenEmpty) and a consolidateAfter other than "Never".`);
        }
    }),
};

import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeWorkload, validateWorkloads } from "../lib/pod-specs";

/** The scheduler can place, and the kubelet can bound, every container. */
export const containerResources: ResourceValidationPolicy = {
    name: "k8s-container-resources",
    description: "Every container declares CPU and memory requests and a memory limit, so pods are scheduled on real capacity and cannot exhaust a node's memory.",
    enforcementLevel: "advisory",
    validateResource: validateWorkloads((workload, args, report) => {
        for (const container of containersOf(workload.spec)) {
            const { requests = {}, limits = {} } = container.resources ?? {};
            const missing = [
                requests.cpu === undefined ? "requests.cpu" : undefined,
                requests.memory === undefined ? "requests.memory" : undefined,
                limits.memory === undefined ? "limits.memory" : undefined,
            ].filter((m) => m !== undefined);
            if (missing.length > 0) report(`${describeWorkload(workload, args, container)} does not set resources.${missing.join(", resources.")}.`);
        }
    }),
};

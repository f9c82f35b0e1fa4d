import { StackValidationPolicy } from "@pulumi/policy";
import { MANAGED_NAMESPACE_LABEL } from "../lib/platform";
import { describeWorkload, gpuCount, workloadsOf } from "../lib/pod-specs";
import { stringList } from "../lib/policy";
import { metadataOf, Namespaces } from "../lib/stack";

/** GPUs are spent only where the platform sets quotas and policies: its managed namespaces. */
export const gpuManagedNamespaces: StackValidationPolicy = {
    name: "gpu-workloads-in-managed-namespaces",
    description: `Pods that request GPUs run only in namespaces the platform manages: a Namespace in the stack labelled ${MANAGED_NAMESPACE_LABEL}: "true", or one listed in managedNamespaces.`,
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { managedNamespaces: stringList("Namespaces managed outside this stack that may also run GPU workloads.", []) },
    },
    validateStack: (args, report) => {
        const { managedNamespaces } = args.getConfig<{ managedNamespaces: string[] }>();
        const namespaces = new Namespaces(args.resources);
        for (const resource of args.resources) {
            const workload = workloadsOf(resource.type, resource.props).find((w) => gpuCount(w.spec) > 0);
            if (!workload) continue;
            const ns = namespaces.of(resource);
            const name = ns ? namespaces.nameOf(ns) : namespaces.keyOf(resource);
            if ((ns && metadataOf(ns).labels[MANAGED_NAMESPACE_LABEL] === "true") || managedNamespaces.includes(name)) continue;
            report(
                `${describeWorkload(workload, resource)} requests GPUs in namespace "${name}", which the platform does not manage; ` +
                    `deploy it into a TenantNamespace (labelled ${MANAGED_NAMESPACE_LABEL}: "true") or add the namespace to managedNamespaces.`,
                resource.urn,
            );
        }
    },
};

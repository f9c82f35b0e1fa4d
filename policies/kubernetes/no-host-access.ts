import { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_SYSTEM_NAMESPACES } from "../lib/platform";
import { containersOf, describeWorkload, validateWorkloads } from "../lib/pod-specs";
import { stringList } from "../lib/policy";

const HOST_NAMESPACES = ["hostNetwork", "hostPID", "hostIPC"] as const;

/** Workloads outside the system namespaces never reach into the node. */
export const noHostAccess: ResourceValidationPolicy = {
    name: "k8s-no-host-access",
    description: "Outside the system namespaces, pods run no privileged containers, share no host namespace (network, PID, IPC) and mount no hostPath volume.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { systemNamespaces: stringList("Namespaces whose node agents may use host access (Kubernetes and platform add-ons).", DEFAULT_SYSTEM_NAMESPACES) },
    },
    validateResource: validateWorkloads((workload, args, report) => {
        const namespace = workload.namespace ?? "default";
        if (args.getConfig<{ systemNamespaces: string[] }>().systemNamespaces.includes(namespace)) return;
        const subject = describeWorkload(workload, args);
        const where = `in namespace "${namespace}" (not a system namespace)`;
        for (const field of HOST_NAMESPACES) {
            if (workload.spec[field] === true) report(`${subject} ${where} sets ${field}: true; remove it.`);
        }
        for (const volume of workload.spec.volumes ?? []) {
            if (volume.hostPath) report(`${subject} ${where} mounts hostPath "${volume.hostPath.path ?? "?"}" as volume "${volume.name ?? "?"}"; use a PersistentVolumeClaim, emptyDir or CSI volume.`);
        }
        for (const container of containersOf(workload.spec)) {
            if (container.securityContext?.privileged === true) report(`${describeWorkload(workload, args, container)} ${where} is privileged; remove securityContext.privileged.`);
        }
    }),
};

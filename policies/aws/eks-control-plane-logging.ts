import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { EKS_COMPONENT_TYPE } from "../lib/platform";
import { stringList, validateResourceOfTypes } from "../lib/policy";

const ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

function checkLogTypes(enabled: string[] | undefined, args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const { requiredLogTypes } = args.getConfig<{ requiredLogTypes: string[] }>();
    const missing = requiredLogTypes.filter((t) => !(enabled ?? []).includes(t));
    if (missing.length > 0) {
        reportViolation(`EKS cluster "${args.name}" does not ship control-plane logs ${missing.join(", ")} to CloudWatch; add them to enabledClusterLogTypes.`);
    }
}

/** Control-plane logs (API, audit, authenticator, …) go to CloudWatch for incident response. */
export const eksControlPlaneLogging: ResourceValidationPolicy = {
    name: "eks-control-plane-logging",
    description: "EKS clusters send the required control-plane log types (by default all five) to CloudWatch Logs.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: { requiredLogTypes: { ...stringList("Control-plane log types every cluster must enable.", ALL_LOG_TYPES), items: { type: "string", enum: ALL_LOG_TYPES } } },
    },
    validateResource: [
        validateResourceOfTypes([EKS_COMPONENT_TYPE], (props, args, report) => checkLogTypes(props.enabledClusterLogTypes, args, report)),
        validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => checkLogTypes(cluster.enabledClusterLogTypes, args, report)),
    ],
};

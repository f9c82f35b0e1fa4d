import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { EKS_COMPONENT_TYPE } from "../lib/platform";
import { ENVIRONMENT_PROPERTY, Environment, isOpenCidr, validateResourceOfTypes } from "../lib/policy";

interface Endpoint {
    /** EKS and pulumi-eks both default to a public endpoint. */
    publicAccess?: boolean;
    publicAccessCidrs?: string[];
}

function checkEndpoint(endpoint: Endpoint, args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    if (endpoint.publicAccess === false) return;
    const subject = `EKS cluster "${args.name}" has a public API endpoint`;
    if (args.getConfig<{ environment: Environment }>().environment === "prod") {
        reportViolation(`${subject}; production clusters must be private: set endpointPublicAccess: false and endpointPrivateAccess: true.`);
        return;
    }
    const cidrs = endpoint.publicAccessCidrs ?? [];
    if (cidrs.length === 0 || cidrs.some(isOpenCidr)) {
        reportViolation(
            `${subject} open to the whole internet (publicAccessCidrs ${cidrs.length ? JSON.stringify(cidrs) : "unset, which means 0.0.0.0/0"}); ` +
                "list only the networks that administer the cluster.",
        );
    }
}

/** EKS API endpoints: private in production, otherwise public only to an allow-list of CIDRs. */
export const eksEndpointAccess: ResourceValidationPolicy = {
    name: "eks-endpoint-access",
    description: "EKS API endpoints are private in production; elsewhere a public endpoint is reachable only from listed CIDRs, never 0.0.0.0/0.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { environment: ENVIRONMENT_PROPERTY } },
    validateResource: [
        validateResourceOfTypes([EKS_COMPONENT_TYPE], (props, args, report) =>
            checkEndpoint({ publicAccess: props.endpointPublicAccess, publicAccessCidrs: props.publicAccessCidrs }, args, report),
        ),
        validateResourceOfType(aws.eks.Cluster, (cluster, args, report) =>
            checkEndpoint({ publicAccess: cluster.vpcConfig?.endpointPublicAccess, publicAccessCidrs: cluster.vpcConfig?.publicAccessCidrs }, args, report),
        ),
    ],
};

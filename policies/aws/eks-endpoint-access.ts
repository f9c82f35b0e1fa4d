import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { allowListProblem } from "../lib/cidr";
import { DEPLOYER_CIDRS_RULE, PRIVATE_ONLY_RULE } from "../lib/eks-endpoint";
import { EKS_COMPONENT_TYPE } from "../lib/platform";
import { validateResourceOfTypes } from "../lib/policy";

interface Endpoint {
    /** EKS and pulumi-eks both default to a public endpoint. */
    publicAccess?: boolean;
    /** EKS and pulumi-eks both default to no private endpoint. */
    privateAccess?: boolean;
    /** Unset means EKS's default, 0.0.0.0/0. */
    publicAccessCidrs?: string[];
}

/**
 * The same rule GpuCluster validation applies (policies/lib/eks-endpoint.ts,
 * policies/lib/cidr.ts), so a config validation accepts passes and one it
 * refuses is reported; test/gpu-cluster/endpoint.test.ts runs both on the same cases.
 */
function checkEndpoint(endpoint: Endpoint, args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const cluster = `EKS cluster "${args.name}"`;
    if (endpoint.publicAccess === false) {
        reportViolation(`${cluster} has a private-only API endpoint; ${PRIVATE_ONLY_RULE}.`);
        return;
    }
    const cidrs = endpoint.publicAccessCidrs ?? [];
    if (cidrs.length === 0) {
        reportViolation(`${cluster} has a public API endpoint open to the whole internet (publicAccessCidrs unset, which means 0.0.0.0/0); ${DEPLOYER_CIDRS_RULE}.`);
        return;
    }
    const problem = allowListProblem(cidrs);
    if (problem !== undefined) {
        reportViolation(`${cluster} has a public API endpoint whose publicAccessCidrs ${JSON.stringify(cidrs)} are too wide: ${problem}; ${DEPLOYER_CIDRS_RULE}.`);
        return;
    }
    if (endpoint.privateAccess !== true) {
        // EKS User Guide, "Cluster API server endpoint": with public access limited to CIDRs and no private
        // endpoint, nodes reach the API through the public endpoint and the CIDRs must include their addresses.
        reportViolation(
            `${cluster} has no private API endpoint: its nodes would reach the API through the public endpoint, which admits only ${JSON.stringify(cidrs)}; ` +
                "set endpointPrivateAccess: true so node traffic stays in the VPC.",
        );
    }
}

/** EKS API endpoints: private for the nodes, public only to the networks that deploy and administer the cluster. */
export const eksEndpointAccess: ResourceValidationPolicy = {
    name: "eks-endpoint-access",
    description:
        "EKS API endpoints have private access for the nodes and public access limited to the deployer's networks (at most a /16 of public addresses, never 0.0.0.0/0); private-only endpoints cannot be deployed from outside the VPC the program creates.",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfTypes([EKS_COMPONENT_TYPE], (props, args, report) =>
            checkEndpoint({ publicAccess: props.endpointPublicAccess, privateAccess: props.endpointPrivateAccess, publicAccessCidrs: props.publicAccessCidrs }, args, report),
        ),
        validateResourceOfType(aws.eks.Cluster, (cluster, args, report) =>
            checkEndpoint(
                { publicAccess: cluster.vpcConfig?.endpointPublicAccess, privateAccess: cluster.vpcConfig?.endpointPrivateAccess, publicAccessCidrs: cluster.vpcConfig?.publicAccessCidrs },
                args,
                report,
            ),
        ),
    ],
};

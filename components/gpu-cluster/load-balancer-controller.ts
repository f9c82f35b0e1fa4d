import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { helmReleaseArgs } from "../internal/helm";
import { podIdentityTrustPolicy } from "../internal/iam";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import { CHARTS } from "../internal/versions";
import { loadBalancerControllerPolicy } from "./load-balancer-controller-iam";
import { LOAD_BALANCER_CONTROLLER_NAMESPACE, LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT, loadBalancerControllerValues } from "./values";

export interface LoadBalancerControllerInputs {
    clusterName: pulumi.Output<string>;
    /** Physical cluster name known before deployment; derives the role's name. */
    plainClusterName: string;
    vpcId: pulumi.Output<string>;
    tags: Record<string, string>;
    provider: k8s.Provider;
    /** What the controller must wait for (the system nodes it runs on, the Pod Identity agent). */
    dependsOn: pulumi.Resource[];
}

/**
 * The AWS Load Balancer Controller: a role trusted by EKS Pod Identity with
 * the upstream v3.5.0 policy, bound to the controller's service account, and
 * the pinned chart. Returns the release, which Ingresses must come after.
 */
export function createLoadBalancerController(name: string, inputs: LoadBalancerControllerInputs, parent: pulumi.Resource): k8s.helm.v3.Release {
    const opts = { parent };
    const partition = aws.getPartitionOutput({}, opts).partition;
    const region = aws.getRegionOutput({}, opts).region;
    const role = new aws.iam.Role(`${name}-aws-load-balancer-controller`, {
        name: physicalName([inputs.plainClusterName, "aws-lb-controller"], AWS_NAME_LIMITS.iamRole),
        description: `AWS Load Balancer Controller of EKS cluster ${inputs.plainClusterName}`,
        assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
        tags: inputs.tags,
    }, opts);
    const policy = new aws.iam.RolePolicy(`${name}-aws-load-balancer-controller`, {
        name: "AWSLoadBalancerControllerIAMPolicy",
        role: role.id,
        policy: partition.apply((p) => JSON.stringify(loadBalancerControllerPolicy(p))),
    }, opts);
    const association = new aws.eks.PodIdentityAssociation(`${name}-aws-load-balancer-controller`, {
        clusterName: inputs.clusterName,
        namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
        serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
        roleArn: role.arn,
        tags: inputs.tags,
    }, opts);
    return new k8s.helm.v3.Release(`${name}-aws-load-balancer-controller`, helmReleaseArgs(CHARTS.awsLoadBalancerController, {
        name: "aws-load-balancer-controller",
        namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
        values: pulumi.all([region, inputs.vpcId]).apply(([r, vpcId]) => loadBalancerControllerValues(inputs.plainClusterName, r, vpcId)),
    }), { parent, provider: inputs.provider, dependsOn: [...inputs.dependsOn, policy, association] });
}

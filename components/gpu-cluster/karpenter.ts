import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import { CHARTS } from "../internal/versions";
import { createAddonNamespace, helmReleaseArgs } from "../internal/helm";
import {
    controllerTrustPolicy,
    INTERRUPTION_QUEUE_SETTINGS,
    interruptionEventRules,
    interruptionQueuePolicy,
    karpenterControllerPolicies,
    CONTROLLER_POLICY_NAMES,
    managedPolicyArn,
    NODE_MANAGED_POLICIES,
    nodeTrustPolicy,
} from "./karpenter-iam";
import { KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT, karpenterValues } from "./values";

export interface KarpenterInputs {
    clusterName: pulumi.Output<string>;
    /** Physical cluster name known before deployment; derives the AWS names. */
    plainClusterName: string;
    tags: Record<string, string>;
    provider: k8s.Provider;
    /** What the controller must wait for (the system nodes it runs on). */
    dependsOn: pulumi.Resource[];
    /** Turn on the NodeOverlay feature gate (some pool shares GPUs). */
    nodeOverlay: boolean;
}

export interface Karpenter {
    nodeRole: aws.iam.Role;
    controllerRole: aws.iam.Role;
    queue: aws.sqs.Queue;
    release: k8s.helm.v3.Release;
}

const json = (doc: unknown) => JSON.stringify(doc);

/**
 * Karpenter's AWS side and its chart, as the upstream v1.14.1 CloudFormation
 * defines it: node role with an EC2_LINUX access entry, controller role for
 * EKS Pod Identity with the upstream controller policies, and an SQS
 * interruption queue fed by the five EventBridge rules.
 */
export function createKarpenter(name: string, inputs: KarpenterInputs, parent: pulumi.Resource): Karpenter {
    const opts = { parent };
    const { plainClusterName, tags } = inputs;
    const partition = aws.getPartitionOutput({}, opts).partition;
    const region = aws.getRegionOutput({}, opts).region;
    const accountId = aws.getCallerIdentityOutput({}, opts).accountId;

    const nodeRole = new aws.iam.Role(`${name}-karpenter-node`, {
        name: physicalName([plainClusterName, "karpenter-node"], AWS_NAME_LIMITS.iamRole),
        assumeRolePolicy: partition.apply((p) => json(nodeTrustPolicy(p))),
        tags,
    }, opts);
    const attachments = NODE_MANAGED_POLICIES.map(
        (policy) =>
            new aws.iam.RolePolicyAttachment(`${name}-karpenter-node-${policy}`, {
                role: nodeRole.name,
                policyArn: partition.apply((p) => managedPolicyArn(p, policy)),
            }, opts),
    );
    const nodeAccess = new aws.eks.AccessEntry(`${name}-karpenter-node`, {
        clusterName: inputs.clusterName,
        principalArn: nodeRole.arn,
        type: "EC2_LINUX",
        tags,
    }, opts);

    const queue = new aws.sqs.Queue(`${name}-karpenter-interruption`, {
        name: physicalName([plainClusterName, "karpenter"], AWS_NAME_LIMITS.sqsQueue),
        messageRetentionSeconds: INTERRUPTION_QUEUE_SETTINGS.messageRetentionSeconds,
        sqsManagedSseEnabled: INTERRUPTION_QUEUE_SETTINGS.sqsManagedSseEnabled,
        tags,
    }, opts);
    new aws.sqs.QueuePolicy(`${name}-karpenter-interruption`, {
        queueUrl: queue.url,
        policy: queue.arn.apply((arn) => json(interruptionQueuePolicy(arn))),
    }, opts);
    for (const rule of interruptionEventRules()) {
        const eventRule = new aws.cloudwatch.EventRule(`${name}-karpenter-${rule.key}`, {
            name: physicalName([plainClusterName, "karpenter", rule.key], AWS_NAME_LIMITS.eventRule),
            description: rule.description,
            eventPattern: json(rule.eventPattern),
            tags,
        }, opts);
        new aws.cloudwatch.EventTarget(`${name}-karpenter-${rule.key}`, {
            rule: eventRule.name,
            targetId: "KarpenterInterruptionQueueTarget",
            arn: queue.arn,
        }, opts);
    }

    const controllerRole = new aws.iam.Role(`${name}-karpenter-controller`, {
        name: physicalName([plainClusterName, "karpenter-controller"], AWS_NAME_LIMITS.iamRole),
        assumeRolePolicy: json(controllerTrustPolicy()),
        tags,
    }, opts);
    const policies = pulumi
        .all([partition, region, accountId, inputs.clusterName, nodeRole.arn, queue.arn])
        .apply(([p, r, a, c, nodeRoleArn, interruptionQueueArn]) =>
            karpenterControllerPolicies({ partition: p, region: r, accountId: a, clusterName: c, nodeRoleArn, interruptionQueueArn }),
        );
    const rolePolicies = CONTROLLER_POLICY_NAMES.map(
        (policyName, i) =>
            new aws.iam.RolePolicy(`${name}-${policyName}`, {
                name: policyName,
                role: controllerRole.id,
                policy: policies.apply((all) => json(all[i].document)),
            }, opts),
    );
    const podIdentity = new aws.eks.PodIdentityAssociation(`${name}-karpenter`, {
        clusterName: inputs.clusterName,
        namespace: KARPENTER_NAMESPACE,
        serviceAccount: KARPENTER_SERVICE_ACCOUNT,
        roleArn: controllerRole.arn,
        tags,
    }, opts);

    const release = new k8s.helm.v3.Release(`${name}-karpenter`, helmReleaseArgs(CHARTS.karpenter, {
        name: "karpenter",
        namespace: KARPENTER_NAMESPACE,
        values: pulumi.all([inputs.clusterName, queue.name]).apply(([c, q]) => karpenterValues(c, q, inputs.nodeOverlay)),
    }), {
        parent,
        provider: inputs.provider,
        dependsOn: [createAddonNamespace(name, KARPENTER_NAMESPACE, "restricted", { parent, provider: inputs.provider }), ...inputs.dependsOn, podIdentity, nodeAccess, ...rolePolicies, ...attachments],
    });

    return { nodeRole, controllerRole, queue, release };
}

/**
 * Karpenter's AWS side, v1.14.1: controller and node IAM, the interruption
 * queue's policy and settings, and the EventBridge rules that feed it.
 *
 * Pure renderers, derived statement by statement from the upstream
 * getting-started CloudFormation of `aws/karpenter-provider-aws` v1.14.1
 * (mirrored in `reference/iam/`). Sids, statement order and policy names are
 * upstream's so a reviewer can diff the two; the conformance test does.
 * The component calls these inside `pulumi.all(...).apply`, so inputs are
 * plain strings.
 */
import { podIdentityTrustPolicy, type PolicyDocument, type PolicyStatement } from "../internal/iam";

/** Everything the upstream template gets from `${AWS::*}`, parameters and `!GetAtt`. */
export interface KarpenterIamContext {
    /** `${AWS::Partition}`, e.g. `aws`, `aws-cn`. */
    partition: string;
    /** `${AWS::Region}`. */
    region: string;
    /** `${AWS::AccountId}`. */
    accountId: string;
    /** `${ClusterName}`: the EKS cluster name Karpenter manages. */
    clusterName: string;
    /** `${KarpenterNodeRole.Arn}`: the only role the controller may pass to EC2. */
    nodeRoleArn: string;
    /** `${KarpenterInterruptionQueue.Arn}`. */
    interruptionQueueArn: string;
}

/** One controller managed policy; `name` is upstream's `ManagedPolicyName` without the `-${ClusterName}` suffix. */
export interface NamedPolicy {
    name: string;
    document: PolicyDocument;
}

/** One EventBridge rule targeting the interruption queue. */
export interface InterruptionEventRule {
    /** Short kebab-case id the component derives resource names from. */
    key: string;
    description: string;
    eventPattern: { source: string[]; "detail-type": string[] };
}

const VERSION = "2012-10-17" as const;

/** Queue settings as upstream: messages older than 5 min are useless to Karpenter; SSE with SQS-owned keys. */
export const INTERRUPTION_QUEUE_SETTINGS = {
    messageRetentionSeconds: 300,
    sqsManagedSseEnabled: true,
} as const;

/** CloudFormation's `${AWS::URLSuffix}` per partition; service principals are built from it upstream. */
export function urlSuffix(partition = "aws"): string {
    switch (partition) {
        case "aws-cn":
            return "amazonaws.com.cn";
        case "aws-iso":
            return "c2s.ic.gov";
        case "aws-iso-b":
            return "sc2s.sgov.gov";
        default:
            return "amazonaws.com";
    }
}

function doc(statements: PolicyStatement[]): PolicyDocument {
    return { Version: VERSION, Statement: statements };
}

/** `kubernetes.io/cluster/<name>`: the tag that scopes every mutating EC2/IAM action to this cluster. */
function clusterTagKey(ctx: KarpenterIamContext): string {
    return `kubernetes.io/cluster/${ctx.clusterName}`;
}

/** Launching, tagging and deleting instances, fleets and launch templates — only ones tagged for this cluster. */
function nodeLifecyclePolicy(ctx: KarpenterIamContext): PolicyDocument {
    const ec2 = `arn:${ctx.partition}:ec2:${ctx.region}`;
    const owned = clusterTagKey(ctx);
    // Resources Karpenter creates (and tags on creation) when it launches a node.
    const created = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(
        (type) => `${ec2}:*:${type}/*`,
    );
    return doc([
        {
            // Shared inputs to a launch (AMIs, subnets, security groups...) are not Karpenter's to tag.
            Sid: "AllowScopedEC2InstanceAccessActions",
            Effect: "Allow",
            Resource: [
                `${ec2}::image/*`,
                `${ec2}::snapshot/*`,
                `${ec2}:*:security-group/*`,
                `${ec2}:*:subnet/*`,
                `${ec2}:*:capacity-reservation/*`,
                `${ec2}:*:placement-group/*`,
            ],
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
        },
        {
            // Launch only from launch templates this cluster's Karpenter created.
            Sid: "AllowScopedEC2LaunchTemplateAccessActions",
            Effect: "Allow",
            Resource: `${ec2}:*:launch-template/*`,
            Action: ["ec2:RunInstances", "ec2:CreateFleet"],
            Condition: {
                StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" },
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            // Creation must carry the cluster and nodepool tags, so later actions can be scoped by them.
            Sid: "AllowScopedEC2InstanceActionsWithTags",
            Effect: "Allow",
            Resource: created,
            Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            Condition: {
                StringEquals: {
                    [`aws:RequestTag/${owned}`]: "owned",
                    "aws:RequestTag/eks:eks-cluster-name": ctx.clusterName,
                },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            // Tag-on-create only, and only as part of the launch calls above.
            Sid: "AllowScopedResourceCreationTagging",
            Effect: "Allow",
            Resource: created,
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: {
                    [`aws:RequestTag/${owned}`]: "owned",
                    "aws:RequestTag/eks:eks-cluster-name": ctx.clusterName,
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                },
                StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
            },
        },
        {
            // Later tagging of its own instances, limited to the three keys Karpenter sets after launch.
            Sid: "AllowScopedResourceTagging",
            Effect: "Allow",
            Resource: `${ec2}:*:instance/*`,
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" },
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": ctx.clusterName },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
            },
        },
        {
            // Terminate only what this cluster's Karpenter launched.
            Sid: "AllowScopedDeletion",
            Effect: "Allow",
            Resource: [`${ec2}:*:instance/*`, `${ec2}:*:launch-template/*`],
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Condition: {
                StringEquals: { [`aws:ResourceTag/${owned}`]: "owned" },
                StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
            },
        },
    ]);
}

/** Passing the node role to EC2 and managing the instance profiles Karpenter generates per EC2NodeClass. */
function iamIntegrationPolicy(ctx: KarpenterIamContext): PolicyDocument {
    const profiles = `arn:${ctx.partition}:iam::${ctx.accountId}:instance-profile/*`;
    const owned = clusterTagKey(ctx);
    const requestTags = {
        [`aws:RequestTag/${owned}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": ctx.clusterName,
        "aws:RequestTag/topology.kubernetes.io/region": ctx.region,
    };
    const resourceTags = {
        [`aws:ResourceTag/${owned}`]: "owned",
        "aws:ResourceTag/topology.kubernetes.io/region": ctx.region,
    };
    return doc([
        {
            // Never `*`: the controller can hand exactly one role to EC2 (both commercial and China principals, as upstream).
            Sid: "AllowPassingInstanceRole",
            Effect: "Allow",
            Resource: ctx.nodeRoleArn,
            Action: "iam:PassRole",
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
        },
        {
            Sid: "AllowScopedInstanceProfileCreationActions",
            Effect: "Allow",
            Resource: profiles,
            Action: ["iam:CreateInstanceProfile"],
            Condition: {
                StringEquals: { ...requestTags },
                StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
        {
            // Retagging requires the profile to be ours already and to stay ours.
            Sid: "AllowScopedInstanceProfileTagActions",
            Effect: "Allow",
            Resource: profiles,
            Action: ["iam:TagInstanceProfile"],
            Condition: {
                StringEquals: { ...resourceTags, ...requestTags },
                StringLike: {
                    "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                    "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*",
                },
            },
        },
        {
            Sid: "AllowScopedInstanceProfileActions",
            Effect: "Allow",
            Resource: profiles,
            Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
            Condition: {
                StringEquals: { ...resourceTags },
                StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            },
        },
    ]);
}

/** The API server endpoint and CA come from DescribeCluster on this one cluster. */
function eksIntegrationPolicy(ctx: KarpenterIamContext): PolicyDocument {
    return doc([
        {
            Sid: "AllowAPIServerEndpointDiscovery",
            Effect: "Allow",
            Resource: eksClusterArn(ctx),
            Action: "eks:DescribeCluster",
        },
    ]);
}

/** Consuming the interruption queue; sending is EventBridge's job, not the controller's. */
function interruptionPolicy(ctx: KarpenterIamContext): PolicyDocument {
    return doc([
        {
            Sid: "AllowInterruptionQueueActions",
            Effect: "Allow",
            Resource: ctx.interruptionQueueArn,
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        },
    ]);
}

/**
 * ARC zonal shift status of this cluster. Upstream grants it on `*` and scopes
 * it by the `arc-zonal-shift:ResourceIdentifier` condition key instead.
 */
function zonalShiftPolicy(ctx: KarpenterIamContext): PolicyDocument {
    return doc([
        {
            Sid: "AllowZonalShiftStatusReadOnly",
            Effect: "Allow",
            Resource: "*",
            Action: ["arc-zonal-shift:GetManagedResource"],
            Condition: { StringEquals: { "arc-zonal-shift:ResourceIdentifier": eksClusterArn(ctx) } },
        },
    ]);
}

/** Read-only discovery: Describe* has no resource-level scoping, so it is pinned to the region instead. */
function resourceDiscoveryPolicy(ctx: KarpenterIamContext): PolicyDocument {
    return doc([
        {
            Sid: "AllowRegionalReadActions",
            Effect: "Allow",
            Resource: "*",
            Action: [
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            Condition: { StringEquals: { "aws:RequestedRegion": ctx.region } },
        },
        {
            // Public AMI alias parameters only.
            Sid: "AllowSSMReadActions",
            Effect: "Allow",
            Resource: `arn:${ctx.partition}:ssm:${ctx.region}::parameter/aws/service/*`,
            Action: "ssm:GetParameter",
        },
        {
            Sid: "AllowPricingReadActions",
            Effect: "Allow",
            Resource: "*",
            Action: "pricing:GetProducts",
        },
        {
            Sid: "AllowUnscopedInstanceProfileListAction",
            Effect: "Allow",
            Resource: "*",
            Action: "iam:ListInstanceProfiles",
        },
        {
            Sid: "AllowInstanceProfileReadActions",
            Effect: "Allow",
            Resource: `arn:${ctx.partition}:iam::${ctx.accountId}:instance-profile/*`,
            Action: "iam:GetInstanceProfile",
        },
    ]);
}

function eksClusterArn(ctx: KarpenterIamContext): string {
    return `arn:${ctx.partition}:eks:${ctx.region}:${ctx.accountId}:cluster/${ctx.clusterName}`;
}

/**
 * The upstream v1 controller policies, in upstream order. Callers should
 * suffix `name` with the cluster name (as upstream does) when they set a
 * physical policy name, so two clusters in one account never collide.
 */
export function karpenterControllerPolicies(ctx: KarpenterIamContext): NamedPolicy[] {
    return CONTROLLER_POLICIES.map(([name, render]) => ({ name, document: render(ctx) }));
}

const CONTROLLER_POLICIES: [string, (ctx: KarpenterIamContext) => PolicyDocument][] = [
    ["KarpenterControllerNodeLifecyclePolicy", nodeLifecyclePolicy],
    ["KarpenterControllerIAMIntegrationPolicy", iamIntegrationPolicy],
    ["KarpenterControllerEKSIntegrationPolicy", eksIntegrationPolicy],
    ["KarpenterControllerInterruptionPolicy", interruptionPolicy],
    ["KarpenterControllerZonalShiftPolicy", zonalShiftPolicy],
    ["KarpenterControllerResourceDiscoveryPolicy", resourceDiscoveryPolicy],
];

/** Names of the controller policies, known before any ARN is. */
export const CONTROLLER_POLICY_NAMES: readonly string[] = CONTROLLER_POLICIES.map(([name]) => name);

/** Upstream's `KarpenterControllerRole` trust: EKS Pod Identity, as every platform Pod Identity role. */
export const controllerTrustPolicy = podIdentityTrustPolicy;

/** Node role trust: EC2 (via the instance profile). Upstream writes `ec2.${AWS::URLSuffix}`. */
export function nodeTrustPolicy(partition = "aws"): PolicyDocument {
    return doc([
        {
            Effect: "Allow",
            Principal: { Service: `ec2.${urlSuffix(partition)}` },
            Action: ["sts:AssumeRole"],
        },
    ]);
}

/** The AWS managed policies upstream attaches to the node role (ECR pull-only, not read-only). */
export const NODE_MANAGED_POLICIES: readonly string[] = [
    "AmazonEKS_CNI_Policy",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
];

export function nodeManagedPolicyArns(partition: string): string[] {
    return NODE_MANAGED_POLICIES.map((name) => managedPolicyArn(partition, name));
}

export function managedPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

/**
 * The queue's resource policy: EventBridge (and SQS) may deliver; any call
 * over plain HTTP is denied. `Bool` values are strings in IAM JSON.
 */
export function interruptionQueuePolicy(queueArn: string): PolicyDocument {
    return {
        Version: VERSION,
        Id: "EC2InterruptionPolicy",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
                Action: "sqs:SendMessage",
                Resource: queueArn,
            },
            {
                Sid: "DenyHTTP",
                Effect: "Deny",
                Action: "sqs:*",
                Resource: queueArn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
                Principal: "*",
            },
        ],
    };
}

/** One rule per event source Karpenter acts on; patterns exactly as upstream. */
export function interruptionEventRules(): InterruptionEventRule[] {
    const rule = (key: string, source: string, detailType: string, description: string): InterruptionEventRule => ({
        key,
        description,
        eventPattern: { source: [source], "detail-type": [detailType] },
    });
    return [
        rule("scheduled-change", "aws.health", "AWS Health Event", "Karpenter: AWS Health scheduled changes (e.g. instance retirement)"),
        rule("spot-interruption", "aws.ec2", "EC2 Spot Instance Interruption Warning", "Karpenter: Spot two-minute interruption warnings"),
        rule("rebalance", "aws.ec2", "EC2 Instance Rebalance Recommendation", "Karpenter: EC2 instance rebalance recommendations"),
        rule("instance-state-change", "aws.ec2", "EC2 Instance State-change Notification", "Karpenter: EC2 instance state changes"),
        rule(
            "capacity-reservation-interruption",
            "aws.ec2",
            "EC2 Capacity Reservation Instance Interruption Warning",
            "Karpenter: capacity reservation instance interruption warnings",
        ),
    ];
}

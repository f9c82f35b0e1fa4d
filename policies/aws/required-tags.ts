import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { EKS_COMPONENT_TYPE } from "../lib/platform";
import { stringList } from "../lib/policy";

/**
 * Taggable types checked even when they declare no `tags` (the platform's
 * costly and stateful resources); any other AWS resource is checked when it
 * has a `tags` input.
 */
const ALWAYS_TAGGED = new Set([
    EKS_COMPONENT_TYPE,
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/instance:Instance",
    "aws:kms/key:Key",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:elasticache/replicationGroup:ReplicationGroup",
    "aws:elasticache/serverlessCache:ServerlessCache",
    "aws:sqs/queue:Queue",
    "aws:iam/role:Role",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:cloudwatch/logGroup:LogGroup",
]);

function isTaggable(args: ResourceValidationArgs): boolean {
    return ALWAYS_TAGGED.has(args.type) || (args.type.startsWith("aws:") && "tags" in args.props);
}

/** Tags the AWS provider adds to every resource it creates (`defaultTags`); the engine passes nested provider inputs as JSON text. */
function providerDefaultTags(args: ResourceValidationArgs): Record<string, string> {
    if (args.provider?.type !== "pulumi:providers:aws") return {};
    let defaults = args.provider.props.defaultTags;
    if (typeof defaults === "string") defaults = JSON.parse(defaults);
    return defaults?.tags ?? {};
}

/** Cost allocation and ownership: every taggable AWS resource carries the required tags. */
export const requiredTags: ResourceValidationPolicy = {
    name: "aws-required-tags",
    description: "Every taggable AWS resource carries the required tags (by default environment, owner, cost-center), set on it or through the provider's defaultTags.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: { requiredTags: stringList("Tag keys every taggable AWS resource must carry with a non-empty value.", ["environment", "owner", "cost-center"]) },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (!isTaggable(args)) args.notApplicable("Not a taggable AWS resource");
        const tags = { ...providerDefaultTags(args), ...(args.props.tags ?? {}) };
        const missing = args.getConfig<{ requiredTags: string[] }>().requiredTags.filter((key) => !tags[key]);
        if (missing.length > 0) report(`${args.type.split(":").pop()} "${args.name}" lacks tag(s) ${missing.join(", ")}; add them to its tags or the provider's defaultTags.`);
    },
};

import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ENVIRONMENT_PROPERTY, Environment, Props } from "../lib/policy";
import { BUCKET_TYPES } from "../lib/s3";

/**
 * Stateful types, each with the evidence of protection its own inputs can
 * give besides the `protect` option. CrossGuard does not see
 * `retainOnDelete` (the engine's analyzer options carry only `protect`),
 * so it cannot count.
 */
export const STATEFUL: Record<string, { label: string; evidence?: (props: Props) => boolean; hint?: string }> = {
    "aws:rds/instance:Instance": { label: "RDS instance", evidence: (p) => p.deletionProtection === true, hint: "or deletionProtection: true" },
    "aws:rds/cluster:Cluster": { label: "RDS cluster", evidence: (p) => p.deletionProtection === true, hint: "or deletionProtection: true" },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        label: "ElastiCache replication group",
        evidence: (p) => typeof p.finalSnapshotIdentifier === "string" && p.finalSnapshotIdentifier !== "",
        hint: "or a finalSnapshotIdentifier",
    },
    "aws:kms/key:Key": { label: "KMS key" },
    ...Object.fromEntries(BUCKET_TYPES.map((t) => [t, { label: "S3 bucket" }])),
};

function isProtected(resource: PolicyResource): boolean {
    return resource.opts.protect || STATEFUL[resource.type].evidence?.(resource.props) === true;
}

/** Production data cannot be destroyed by a `pulumi up` or `destroy` that drops it from the program. */
export const prodStatefulResourcesProtected: StackValidationPolicy = {
    name: "prod-stateful-resources-protected",
    description:
        "In production, stateful resources (RDS instances and clusters, ElastiCache replication groups, S3 buckets, KMS keys) have the protect resource option " +
        "(RDS may use deletionProtection, ElastiCache a final snapshot, instead). retainOnDelete is invisible to CrossGuard and does not count.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { environment: ENVIRONMENT_PROPERTY } },
    validateStack: (args, report) => {
        if (args.getConfig<{ environment: Environment }>().environment !== "prod") args.notApplicable("Only production stacks need protected state");
        for (const resource of args.resources.filter((r) => r.type in STATEFUL && !isProtected(r))) {
            const { label, hint } = STATEFUL[resource.type];
            report(`${label} "${resource.name}" is not protected from deletion; set the protect resource option${hint ? ` (${hint})` : ""}.`, resource.urn);
        }
    },
};

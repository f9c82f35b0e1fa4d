import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ENVIRONMENT_PROPERTY, Environment } from "../lib/policy";

function snapshotProblem(subject: string, days: number | undefined, minimum: number): string | undefined {
    if (!days) return `${subject} takes no automatic snapshots; set snapshotRetentionLimit to at least ${minimum}.`;
    return days < minimum ? `${subject} keeps snapshots ${days} day(s); set snapshotRetentionLimit to at least ${minimum}.` : undefined;
}

interface Config {
    environment: Environment;
    minSnapshotRetentionDays: number;
}

/**
 * ElastiCache (Redis/Valkey): encrypted at rest and in transit, in the
 * platform's subnets, snapshotted, and keeping a final snapshot in production.
 */
export const elasticacheHardening: ResourceValidationPolicy = {
    name: "elasticache-hardening",
    description:
        "ElastiCache caches are encrypted at rest and in transit, placed in the platform's private subnets, keep daily snapshots, and take a final snapshot on deletion in production.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            environment: ENVIRONMENT_PROPERTY,
            minSnapshotRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 1, description: "Fewest days of automatic snapshots." },
        },
    },
    validateResource: [
        validateResourceOfType(aws.elasticache.ReplicationGroup, (rg, args, report) => {
            const { environment, minSnapshotRetentionDays } = args.getConfig<Config>();
            const subject = `ElastiCache replication group "${args.name}"`;
            if (rg.atRestEncryptionEnabled !== true) report(`${subject} is not encrypted at rest; set atRestEncryptionEnabled: true.`);
            if (rg.transitEncryptionEnabled !== true) report(`${subject} accepts plaintext connections; set transitEncryptionEnabled: true.`);
            if (!rg.subnetGroupName) report(`${subject} has no subnetGroupName, so it lands in the default VPC; place it in the platform's private subnets.`);
            const snapshots = snapshotProblem(subject, rg.snapshotRetentionLimit, minSnapshotRetentionDays);
            if (snapshots) report(snapshots);
            if (environment === "prod" && !rg.finalSnapshotIdentifier) {
                report(`${subject} would be deleted without a snapshot; set finalSnapshotIdentifier in production (ElastiCache has no deletion protection).`);
            }
        }),
        validateResourceOfType(aws.elasticache.ServerlessCache, (cache, args, report) => {
            const { minSnapshotRetentionDays } = args.getConfig<Config>();
            const subject = `ElastiCache serverless cache "${args.name}"`;
            if (!cache.subnetIds?.length) report(`${subject} has no subnetIds, so it lands in the default VPC; place it in the platform's private subnets.`);
            const snapshots = snapshotProblem(subject, cache.snapshotRetentionLimit, minSnapshotRetentionDays);
            if (snapshots) report(snapshots);
        }),
    ],
};

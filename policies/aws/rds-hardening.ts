import * as aws from "@pulumi/aws";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ENVIRONMENT_PROPERTY, Environment } from "../lib/policy";

interface Config {
    environment: Environment;
    minBackupRetentionDays: number;
}

interface Database {
    subject: string;
    storageEncrypted?: boolean;
    backupRetentionPeriod?: number;
    deletionProtection?: boolean;
}

function checkDatabase(db: Database, args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    const { environment, minBackupRetentionDays } = args.getConfig<Config>();
    if (db.storageEncrypted !== true) reportViolation(`${db.subject} storage is not encrypted; set storageEncrypted: true (with kmsKeyId for a customer key).`);
    if (db.backupRetentionPeriod === undefined) {
        reportViolation(`${db.subject} does not set backupRetentionPeriod (the AWS API keeps 1 day); set it to at least ${minBackupRetentionDays}.`);
    } else if (db.backupRetentionPeriod < minBackupRetentionDays) {
        reportViolation(`${db.subject} keeps automated backups ${db.backupRetentionPeriod} day(s); set backupRetentionPeriod to at least ${minBackupRetentionDays}.`);
    }
    if (environment === "prod" && db.deletionProtection !== true) reportViolation(`${db.subject} can be deleted; set deletionProtection: true in production.`);
}

function checkPrivate(publiclyAccessible: boolean | undefined, subject: string, reportViolation: ReportViolation): void {
    if (publiclyAccessible === true) reportViolation(`${subject} is publicly accessible; set publiclyAccessible: false and reach it from inside the VPC.`);
}

/** RDS instances and Aurora clusters: encrypted, private, backed up, deletion-protected in production. */
export const rdsHardening: ResourceValidationPolicy = {
    name: "rds-hardening",
    description: "RDS databases are encrypted at rest, not publicly accessible, keep automated backups, and are deletion-protected in production.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            environment: ENVIRONMENT_PROPERTY,
            minBackupRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 7, description: "Fewest days of automated backups." },
        },
    },
    validateResource: [
        validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            const subject = `RDS instance "${args.name}"`;
            checkPrivate(db.publiclyAccessible, subject, report);
            // Read replicas inherit encryption and need no backups of their own.
            if (db.replicateSourceDb) return;
            checkDatabase({ subject, ...db }, args, report);
        }),
        validateResourceOfType(aws.rds.Cluster, (db, args, report) => checkDatabase({ subject: `RDS cluster "${args.name}"`, ...db }, args, report)),
        validateResourceOfType(aws.rds.ClusterInstance, (db, args, report) => checkPrivate(db.publiclyAccessible, `RDS cluster instance "${args.name}"`, report)),
    ],
};

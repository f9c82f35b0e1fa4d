/**
 * Pure renderers of the Langfuse bucket's documents: what the Pod Identity
 * role may do (this bucket only), the bucket policy (TLS only) and the
 * lifecycle rules (expire old event blobs, clean up what uploads leave).
 */
import type { PolicyDocument } from "../internal/iam";
import type { ResolvedObservabilityStackArgs } from "./args";
import { S3_PREFIXES } from "./values";

/** Days a batch export stays downloadable. */
export const EXPORT_RETENTION_DAYS = 7;
/** Days an overwritten or deleted object version is kept (versioning guards against mistakes, not forever). */
export const NONCURRENT_VERSION_DAYS = 30;
/** Days before an unfinished multipart upload is aborted and its parts freed. */
export const INCOMPLETE_UPLOAD_DAYS = 1;

export const BUCKET_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];
export const BUCKET_ACTIONS = ["s3:ListBucket", "s3:GetBucketLocation"];

/** Langfuse reads and writes event, media and export objects in this one bucket, and nothing else. */
export function bucketAccessPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListLangfuseBucket", Effect: "Allow", Action: BUCKET_ACTIONS, Resource: bucketArn },
            { Sid: "ReadWriteLangfuseObjects", Effect: "Allow", Action: BUCKET_OBJECT_ACTIONS, Resource: `${bucketArn}/*` },
        ],
    };
}

/** Denies every request made without TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }],
    };
}

/** Raw events are only a buffer before ClickHouse; media stays as long as the traces that show it. */
export function lifecycleRules(r: Pick<ResolvedObservabilityStackArgs, "langfuse">) {
    return [
        { id: "expire-old-event-blobs", status: "Enabled", filter: { prefix: S3_PREFIXES.events }, expiration: { days: r.langfuse.eventRetentionDays } },
        { id: "expire-batch-exports", status: "Enabled", filter: { prefix: S3_PREFIXES.exports }, expiration: { days: EXPORT_RETENTION_DAYS } },
        {
            id: "housekeeping",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: INCOMPLETE_UPLOAD_DAYS },
            noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
            expiration: { expiredObjectDeleteMarker: true },
        },
    ];
}

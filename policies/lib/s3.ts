/**
 * With @pulumi/aws v7 a bucket's settings are separate resources
 * (BucketPublicAccessBlock, BucketServerSideEncryptionConfiguration,
 * BucketPolicy, BucketVersioning); this joins them to their buckets.
 */
import type { PolicyResource, ReportViolation, StackValidation, StackValidationArgs } from "@pulumi/policy";
import { dependsThrough, ofTypes } from "./stack";

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

/** Setting resources by kind, each with its deprecated V2 twin. */
export const BUCKET_SETTING_TYPES = {
    publicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    encryption: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    policy: ["aws:s3/bucketPolicy:BucketPolicy"],
    versioning: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
};

/**
 * A setting applies to a bucket when its `bucket` input was computed from
 * the bucket (known even in preview, when the value is not), or — only when
 * it was computed from nothing — names the bucket literally.
 */
function appliesTo(setting: PolicyResource, bucket: PolicyResource): boolean {
    if ((setting.propertyDependencies.bucket ?? []).length > 0) return dependsThrough(setting, "bucket", bucket);
    return bucket.props.bucket !== undefined && setting.props.bucket === bucket.props.bucket;
}

/** `S3 bucket "name"` for messages. */
export function describeBucket(bucket: PolicyResource): string {
    return `S3 bucket "${bucket.props.bucket ?? bucket.name}"`;
}

/**
 * A stack validation that calls `check` once per bucket with the settings
 * of `settingTypes` that apply to it (possibly none).
 */
export function validateBuckets(
    settingTypes: readonly string[],
    check: (bucket: PolicyResource, settings: PolicyResource[], reportViolation: ReportViolation, args: StackValidationArgs) => void,
): StackValidation {
    return (args, reportViolation) => {
        const buckets = ofTypes(args.resources, BUCKET_TYPES);
        if (buckets.length === 0) args.notApplicable("The stack declares no S3 buckets");
        const settings = ofTypes(args.resources, settingTypes);
        for (const bucket of buckets) check(bucket, settings.filter((s) => appliesTo(s, bucket)), reportViolation, args);
    };
}

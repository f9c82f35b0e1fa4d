/**
 * Pure renderers of the IAM documents behind S3 weights: the Pod Identity
 * role may read one key prefix of one bucket.
 */
import type { PolicyDocument } from "../internal/iam";

/**
 * Read access to `s3://bucket/prefix` and nothing else: objects under the
 * prefix, and listing restricted to keys under it (the streamer lists the
 * prefix to find the safetensors shards).
 */
export function s3ReadPolicy(partition: string, bucket: string, prefix: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadModelObjects", Effect: "Allow", Action: "s3:GetObject", Resource: `arn:${partition}:s3:::${bucket}/${prefix}/*` },
            {
                Sid: "ListModelPrefix",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: `arn:${partition}:s3:::${bucket}`,
                Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}/*`] } },
            },
        ],
    };
}

/**
 * Pure renderers of the IAM documents behind S3 weights: a role only EKS Pod
 * Identity can assume, allowed to read one key prefix of one bucket.
 */

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: Record<string, string | string[]>;
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** Trust policy of a role assumed through EKS Pod Identity (which tags the session with the pod's identity). */
export function podIdentityTrustPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    };
}

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

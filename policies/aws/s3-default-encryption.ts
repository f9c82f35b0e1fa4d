import { StackValidationPolicy } from "@pulumi/policy";
import { BUCKET_SETTING_TYPES, describeBucket, validateBuckets } from "../lib/s3";

const KMS = ["aws:kms", "aws:kms:dsse"];

type EncryptionRule = { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } };

/** Every bucket declares default encryption, with KMS where the config requires it. */
export const s3DefaultEncryption: StackValidationPolicy = {
    name: "s3-default-encryption",
    description: "Every S3 bucket declares default server-side encryption (a BucketServerSideEncryptionConfiguration), with a KMS key when requireKms is set.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { requireKms: { type: "boolean", default: false, description: "Require SSE-KMS (aws:kms) rather than accepting SSE-S3 (AES256)." } },
    },
    validateStack: validateBuckets(BUCKET_SETTING_TYPES.encryption, (bucket, configs, reportViolation, args) => {
        const { requireKms } = args.getConfig<{ requireKms: boolean }>();
        const accepted = requireKms ? KMS : [...KMS, "AES256"];
        const algorithms = configs.flatMap((c) => ((c.props.rules ?? []) as EncryptionRule[]).map((r) => r.applyServerSideEncryptionByDefault?.sseAlgorithm));
        if (!algorithms.some((a) => a !== undefined && accepted.includes(a))) {
            reportViolation(
                `${describeBucket(bucket)} declares no default encryption${algorithms.length ? ` of ${accepted.join(" or ")} (found ${algorithms.join(", ")})` : ""}; ` +
                    `add a BucketServerSideEncryptionConfiguration with sseAlgorithm ${requireKms ? "aws:kms" : "aws:kms or AES256"}.`,
                bucket.urn,
            );
        }
    }),
};

import { StackValidationPolicy } from "@pulumi/policy";
import { BUCKET_SETTING_TYPES, describeBucket, validateBuckets } from "../lib/s3";

const FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/** Every bucket has a BucketPublicAccessBlock with all four flags on. */
export const s3PublicAccessBlocked: StackValidationPolicy = {
    name: "s3-public-access-blocked",
    description: "Every S3 bucket has a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true.",
    enforcementLevel: "mandatory",
    validateStack: validateBuckets(BUCKET_SETTING_TYPES.publicAccessBlock, (bucket, blocks, report) => {
        if (blocks.length === 0) {
            report(`${describeBucket(bucket)} has no BucketPublicAccessBlock; add one with all four flags true.`, bucket.urn);
            return;
        }
        for (const block of blocks) {
            const off = FLAGS.filter((f) => block.props[f] !== true);
            if (off.length > 0) report(`${describeBucket(bucket)} public access block "${block.name}" leaves ${off.join(", ")} off; set all four flags true.`, block.urn);
        }
    }),
};

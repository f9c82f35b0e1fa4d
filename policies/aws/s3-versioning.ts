import { StackValidationPolicy } from "@pulumi/policy";
import { HOLDS_STATE_TAG } from "../lib/platform";
import { BUCKET_SETTING_TYPES, describeBucket, validateBuckets } from "../lib/s3";

/** Buckets that hold state keep object versions, so a bad write or delete can be undone. */
export const s3Versioning: StackValidationPolicy = {
    name: "s3-versioning",
    description: `S3 buckets that hold state have versioning enabled (a BucketVersioning with status "Enabled"); a bucket tagged ${HOLDS_STATE_TAG}: "false" is exempt.`,
    enforcementLevel: "mandatory",
    validateStack: validateBuckets(BUCKET_SETTING_TYPES.versioning, (bucket, versionings, report) => {
        if (bucket.props.tags?.[HOLDS_STATE_TAG] === "false") return;
        if (!versionings.some((v) => v.props.versioningConfiguration?.status === "Enabled")) {
            report(
                `${describeBucket(bucket)} holds state without versioning; add a BucketVersioning with status "Enabled" (or tag it ${HOLDS_STATE_TAG}: "false" if it holds none).`,
                bucket.urn,
            );
        }
    }),
};

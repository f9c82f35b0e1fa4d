import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Statement, statementsOf } from "../lib/iam";
import { asList } from "../lib/policy";
import { BUCKET_SETTING_TYPES, describeBucket, validateBuckets } from "../lib/s3";

/** `Deny` for every principal when `aws:SecureTransport` is false. */
function deniesInsecureTransport(s: Statement): boolean {
    const toEveryone = s.Principal === "*" || asList(s.Principal?.AWS).includes("*");
    const bool = Object.entries(s.Condition ?? {}).find(([op]) => op.toLowerCase() === "bool")?.[1] ?? {};
    const secure = Object.entries(bool).find(([key]) => key.toLowerCase() === "aws:securetransport")?.[1];
    return s.Effect === "Deny" && toEveryone && asList(secure as unknown).some((v) => String(v) === "false");
}

function enforcesTls(policy: PolicyResource): boolean {
    const statements = statementsOf(policy.props.policy);
    return Array.isArray(statements) && statements.some(deniesInsecureTransport);
}

/** Every bucket's policy denies requests not made over TLS. */
export const s3TlsOnly: StackValidationPolicy = {
    name: "s3-tls-only",
    description: "Every S3 bucket has a bucket policy that denies all principals when aws:SecureTransport is false (TLS only).",
    enforcementLevel: "mandatory",
    validateStack: validateBuckets(BUCKET_SETTING_TYPES.policy, (bucket, policies, report) => {
        if (!policies.some(enforcesTls)) {
            report(
                `${describeBucket(bucket)} accepts plain HTTP: add a BucketPolicy statement with Effect "Deny", Principal "*", Action "s3:*" and Condition {"Bool": {"aws:SecureTransport": "false"}}.`,
                bucket.urn,
            );
        }
    }),
};

/**
 * IAM policy documents as plain objects (what `JSON.stringify` turns into the
 * policy JSON AWS takes), and the trust policy every Pod Identity role shares.
 */

export type OneOrMany = string | string[];

/** `Principal` as IAM accepts it: `"*"` or a map of principal type to ids. */
export type PolicyPrincipal = "*" | { Service?: OneOrMany; AWS?: OneOrMany; Federated?: OneOrMany };

/** Condition operator → condition key → value(s), e.g. `{ StringEquals: { "aws:RequestedRegion": "eu-west-1" } }`. */
export type PolicyCondition = Record<string, Record<string, OneOrMany>>;

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: OneOrMany;
    Resource?: OneOrMany;
    Principal?: PolicyPrincipal;
    Condition?: PolicyCondition;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    /** Rarely set: only resource policies that follow an upstream template carry one. */
    Id?: string;
    Statement: PolicyStatement[];
}

/** Trust policy of a role assumed through EKS Pod Identity: the agent assumes it and tags the session with the pod's identity. */
export function podIdentityTrustPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    };
}

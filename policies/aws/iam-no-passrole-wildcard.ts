import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowsOnAnyResource, validatePolicyStatements, wildcardMatches } from "../lib/iam";
import { asList } from "../lib/policy";

/**
 * `iam:PassRole` on `*` lets a principal hand any role (admin included) to a
 * service it controls. Bare `Action: "*"` is iam-no-admin-wildcard's finding.
 */
export const iamNoPassRoleWildcard: ResourceValidationPolicy = {
    name: "iam-no-passrole-wildcard",
    description: "IAM policies never allow iam:PassRole (or an iam:* pattern covering it) on Resource \"*\"; name the roles that may be passed.",
    enforcementLevel: "mandatory",
    validateResource: validatePolicyStatements((s, where, report) => {
        if (!allowsOnAnyResource(s)) return;
        const passRole = asList(s.Action).filter((a) => a.toLowerCase().startsWith("iam:") && wildcardMatches(a, "iam:PassRole"));
        if (passRole.length > 0) {
            report(`${where} allows ${passRole.join(", ")} on Resource "*", so any role can be passed to a service; list the role ARNs instead.`);
        }
    }),
};

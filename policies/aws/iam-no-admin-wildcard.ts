import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowsOnAnyResource, validatePolicyStatements } from "../lib/iam";
import { asList } from "../lib/policy";

/** No policy grants every action on every resource (`*:*`), directly or through NotAction. */
export const iamNoAdminWildcard: ResourceValidationPolicy = {
    name: "iam-no-admin-wildcard",
    description: "IAM policies (managed, inline, and roles' inline policies) never allow every action on every resource (Action \"*\" on Resource \"*\").",
    enforcementLevel: "mandatory",
    validateResource: validatePolicyStatements((s, where, report) => {
        if (!allowsOnAnyResource(s)) return;
        if (asList(s.Action).some((a) => a === "*" || a === "*:*")) {
            report(`${where} allows Action "*" on Resource "*" (full administrator); grant the specific actions and resources the principal needs.`);
        } else if (s.NotAction !== undefined) {
            report(`${where} allows everything except ${JSON.stringify(s.NotAction)} on Resource "*"; list the allowed actions instead of NotAction.`);
        }
    }),
};

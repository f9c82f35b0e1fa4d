import { ResourceValidationPolicy } from "@pulumi/policy";
import { ENVIRONMENT_PROPERTY, Environment, validateResourceOfTypes } from "../lib/policy";

const EC2_NODE_CLASS_TYPE = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";

/** Production nodes boot a known AMI: `@latest` would roll every GPU node on each AMI release. */
export const karpenterAmiPinned: ResourceValidationPolicy = {
    name: "karpenter-ami-pinned",
    description: "In production, Karpenter EC2NodeClasses pin their AMI alias to a release (al2023@vYYYYMMDD, bottlerocket@1.x.y), never @latest.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { environment: ENVIRONMENT_PROPERTY } },
    validateResource: validateResourceOfTypes([EC2_NODE_CLASS_TYPE], (props, args, report) => {
        if (args.getConfig<{ environment: Environment }>().environment !== "prod") return;
        for (const term of props.spec?.amiSelectorTerms ?? []) {
            if (typeof term.alias === "string" && term.alias.endsWith("@latest")) {
                report(`EC2NodeClass "${props.metadata?.name ?? args.name}" uses AMI alias "${term.alias}"; pin a release (e.g. al2023@v20260903) in production.`);
            }
        }
    }),
};

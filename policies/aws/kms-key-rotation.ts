import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Symmetric KMS keys rotate yearly; AWS cannot rotate asymmetric or HMAC keys. */
export const kmsKeyRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation",
    description: "Symmetric KMS keys have automatic rotation enabled.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.kms.Key, (key, args, report) => {
        const spec = key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
        if (spec === "SYMMETRIC_DEFAULT" && key.enableKeyRotation !== true) {
            report(`KMS key "${args.name}" does not rotate; set enableKeyRotation: true.`);
        }
    }),
};

import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** SQS queues encrypt messages at rest, with SQS-managed keys or a KMS key. */
export const sqsEncryption: ResourceValidationPolicy = {
    name: "sqs-encryption",
    description: "SQS queues encrypt messages at rest: sqsManagedSseEnabled: true or a kmsMasterKeyId.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.sqs.Queue, (queue, args, report) => {
        if (queue.sqsManagedSseEnabled !== true && !queue.kmsMasterKeyId) {
            report(`SQS queue "${args.name}" does not declare encryption at rest; set sqsManagedSseEnabled: true or kmsMasterKeyId.`);
        }
    }),
};

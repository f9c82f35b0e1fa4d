import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { EKS_COMPONENT_TYPE } from "../lib/platform";
import { validateResourceOfTypes } from "../lib/policy";

const message = (name: string) =>
    `EKS cluster "${name}" does not encrypt Kubernetes Secrets with a KMS key; set encryptionConfigKeyArn (pulumi-eks) or encryptionConfig { resources: ["secrets"], provider.keyArn } (aws.eks.Cluster).`;

/** Kubernetes Secrets are envelope-encrypted with a customer KMS key. */
export const eksSecretsEncryption: ResourceValidationPolicy = {
    name: "eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Kubernetes Secrets with a customer-managed KMS key.",
    enforcementLevel: "mandatory",
    validateResource: [
        validateResourceOfTypes([EKS_COMPONENT_TYPE], (props, args, report) => {
            if (!props.encryptionConfigKeyArn) report(message(args.name));
        }),
        validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
            const config = cluster.encryptionConfig;
            if (!config?.resources?.includes("secrets") || !config.provider?.keyArn) report(message(args.name));
        }),
    ],
};

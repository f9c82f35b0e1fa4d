/**
 * Pure renderers of the gateway's IAM documents: the Bedrock role trusted by
 * EKS Pod Identity, allowed to invoke exactly the routed Bedrock models.
 */
import type { PolicyDocument } from "../gpu-cluster/karpenter-iam";
import type { HostedRoute } from "./args";

export const BEDROCK_INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

/** Trust for EKS Pod Identity; session tags carry the namespace and service account. */
export function podIdentityTrustPolicy(): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
    };
}

/** A foundation model's ARN: regional, no account. */
export function bedrockModelArn(partition: string, region: string, modelId: string): string {
    return `arn:${partition}:bedrock:${region}::foundation-model/${modelId}`;
}

/** The routed Bedrock models' ARNs, deduplicated, in route order. */
export function bedrockModelArns(partition: string, routes: readonly HostedRoute[]): string[] {
    const arns = routes.filter((r) => r.provider === "bedrock").map((r) => bedrockModelArn(partition, r.region!, r.model));
    return [...new Set(arns)];
}

export function bedrockInvokePolicy(modelArns: readonly string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "InvokeRoutedModels", Effect: "Allow", Action: BEDROCK_INVOKE_ACTIONS, Resource: [...modelArns] }],
    };
}

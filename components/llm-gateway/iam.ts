/**
 * Pure renderers of the gateway's IAM documents: the Bedrock role (trusted by
 * EKS Pod Identity) may invoke exactly the routed Bedrock models.
 */
import type { PolicyDocument } from "../internal/iam";
import type { HostedRoute } from "./args";

export const BEDROCK_INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

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

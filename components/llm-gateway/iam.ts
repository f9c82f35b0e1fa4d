/**
 * Pure renderers of the gateway's IAM documents: the Bedrock role (trusted by
 * EKS Pod Identity) may invoke exactly the routed Bedrock models.
 */
import type { PolicyDocument } from "../internal/iam";
import type { HostedRoute } from "./args";
import { parseBedrockModel } from "./bedrock";

export const BEDROCK_INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"];

/** A foundation model's ARN: regional (`*` for every Region), no account. */
export function bedrockModelArn(partition: string, region: string, modelId: string): string {
    return `arn:${partition}:bedrock:${region}::foundation-model/${modelId}`;
}

/**
 * The ARNs a Bedrock route is invoked through, and those Bedrock also checks
 * when the route is an inference profile: the profile, plus its foundation
 * model in every Region of the profile's geography ("When you specify an
 * inference profile in the Resource field, you must also specify the
 * foundation model in each Region associated with it": AWS, Amazon Bedrock
 * user guide, "Prerequisites for inference profiles"). Those Regions differ
 * per profile and grow over time, so the model is granted in every Region;
 * it is still only that model.
 */
function routeArns(partition: string, account: string, route: HostedRoute): { invoked: string; routedTo?: string } {
    const model = parseBedrockModel(route.model);
    if (!model) throw new Error(`unvalidated Bedrock model ${route.model}`);
    if (model.kind === "foundation-model") return { invoked: bedrockModelArn(partition, route.region!, model.modelId) };
    const invoked = model.arn ? route.model : `arn:${partition}:bedrock:${route.region}:${account}:inference-profile/${model.profileId}`;
    return { invoked, routedTo: bedrockModelArn(partition, "*", model.modelId) };
}

/** The routed Bedrock models' ARNs, deduplicated: what each route invokes in route order, then the profiles' foundation models. */
export function bedrockModelArns(partition: string, account: string, routes: readonly HostedRoute[]): string[] {
    const arns = routes.filter((r) => r.provider === "bedrock").map((r) => routeArns(partition, account, r));
    return [...new Set([...arns.map((a) => a.invoked), ...arns.flatMap((a) => (a.routedTo ? [a.routedTo] : []))])];
}

export function bedrockInvokePolicy(partition: string, account: string, routes: readonly HostedRoute[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "InvokeRoutedModels", Effect: "Allow", Action: BEDROCK_INVOKE_ACTIONS, Resource: bedrockModelArns(partition, account, routes) }],
    };
}

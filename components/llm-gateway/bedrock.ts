/**
 * What a Bedrock route's `model` may name, and what it resolves to. Three
 * forms reach a model on Bedrock:
 * - a foundation model id, invoked on demand in the route's Region
 *   (`anthropic.claude-3-5-sonnet-20240620-v1:0`);
 * - a system-defined cross-region inference profile id: the model id behind a
 *   geography prefix (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`), which
 *   newer Anthropic models require; Bedrock routes each call to one Region of
 *   that geography;
 * - the ARN of such a profile
 *   (`arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic…`).
 * LiteLLM takes all three after `bedrock/` and knows these geography prefixes
 * (BerriAI/litellm litellm/llms/bedrock/common_utils.py, BedrockModelInfo
 * `_supported_cross_region_inference_region` and `extract_model_name_from_arn`).
 * Application inference profiles (opaque ids) are not accepted: the
 * foundation models they route to cannot be known from the id, so the
 * gateway's policy could not name them.
 */

import { AWS_REGION_PATTERN } from "../internal/validators";

/** Geography prefixes of system-defined cross-region inference profiles. */
export const INFERENCE_PROFILE_GEOGRAPHIES = ["us", "us-gov", "eu", "apac", "jp", "au", "global"] as const;

export interface InferenceProfile {
    kind: "inference-profile";
    profileId: string;
    /** The foundation model the profile routes to. */
    modelId: string;
    /** Where the ARN form put it. */
    arn?: { partition: string; region: string; account: string };
}

export type BedrockModel = { kind: "foundation-model"; modelId: string } | InferenceProfile;

const GEOGRAPHY = INFERENCE_PROFILE_GEOGRAPHIES.join("|");
/** `<provider>.<model>`: a provider (anthropic, meta, amazon, …), one dot, the model and version (no further dot). */
const FOUNDATION_MODEL_ID = "[a-z0-9-]+\\.[A-Za-z0-9_:-]+";
const FOUNDATION_MODEL = new RegExp(`^${FOUNDATION_MODEL_ID}$`);
const PROFILE_ID = new RegExp(`^(${GEOGRAPHY})\\.(${FOUNDATION_MODEL_ID})$`);
const PROFILE_ARN = new RegExp(`^arn:(aws[a-z-]*):bedrock:(${AWS_REGION_PATTERN}):(\\d{12}):inference-profile/(.+)$`);

export const BEDROCK_MODEL_RULE =
    'expected a foundation model id ("anthropic.claude-3-5-sonnet-20240620-v1:0"), ' +
    `a cross-region inference profile id with a geography prefix (${INFERENCE_PROFILE_GEOGRAPHIES.join(", ")}: "us.anthropic.claude-sonnet-4-5-20250929-v1:0") ` +
    'or an inference-profile ARN ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0")';

function profile(profileId: string): InferenceProfile | undefined {
    const match = PROFILE_ID.exec(profileId);
    return match ? { kind: "inference-profile", profileId, modelId: match[2] } : undefined;
}

/** The model a route names, or undefined when it is none of the accepted forms. */
export function parseBedrockModel(model: string): BedrockModel | undefined {
    const arn = PROFILE_ARN.exec(model);
    if (arn) {
        const parsed = profile(arn[4]);
        return parsed && { ...parsed, arn: { partition: arn[1], region: arn[2], account: arn[3] } };
    }
    if (FOUNDATION_MODEL.test(model)) return { kind: "foundation-model", modelId: model };
    return profile(model);
}

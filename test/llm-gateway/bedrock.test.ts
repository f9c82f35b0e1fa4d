/**
 * Bedrock model references and the gateway's invoke policy. Newer Anthropic
 * models on Bedrock are served only through cross-region inference profiles
 * (`us.anthropic.…`); LiteLLM takes them as `bedrock/<profile id>` or as the
 * profile's ARN (BerriAI/litellm litellm/llms/bedrock/common_utils.py,
 * BedrockModelInfo: `_supported_cross_region_inference_region` and
 * `extract_model_name_from_arn`). Invoking through a profile needs
 * bedrock:InvokeModel on the profile and on the foundation model in every
 * Region the profile routes to (AWS, Amazon Bedrock user guide,
 * "Prerequisites for inference profiles").
 */
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { LlmGateway } from "../../components/llm-gateway";
import { renderLiteLlmConfig } from "../../components/llm-gateway/config";
import { bedrockInvokePolicy } from "../../components/llm-gateway/iam";
import { MOCK_ACCOUNT } from "../../plan/mock-outputs";
import { rejectedWith, validationMessage } from "../harness";
import { BEDROCK_MODEL, deploy, minimalArgs, one, resolved } from "./fixtures";

const PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const PROFILE_ARN = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`;
const bedrock = (model: string, region = "us-east-1", modelName = "claude") => ({ modelName, provider: "bedrock" as const, model, region });

describe("LlmGateway Bedrock routes", () => {
    describe("validation", () => {
        it("accepts foundation models, cross-region inference profile ids and inference-profile ARNs", () => {
            const r = resolved({
                clusterName: "genai-dev",
                hosted: [bedrock(BEDROCK_MODEL, "us-east-1", "a"), bedrock(PROFILE, "us-west-2", "b"), bedrock(PROFILE_ARN, "us-east-1", "c"), bedrock("global.anthropic.claude-opus-4-5-20251101-v1:0", "eu-west-1", "d")],
            });
            assert.equal(r.hosted.length, 4);
        });

        it("refuses an ARN that is no inference profile, a profile ARN in another region, and an unknown geography", async () => {
            const { message, types } = await rejectedWith((provider: k8s.Provider) =>
                new LlmGateway("gateway", minimalArgs(provider, {
                    clusterName: "genai-dev",
                    hosted: [
                        bedrock("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", "a"),
                        bedrock(PROFILE_ARN, "eu-west-1", "b"),
                        bedrock("xx.anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", "c"),
                    ],
                })),
            );
            const allowed =
                'expected a foundation model id ("anthropic.claude-3-5-sonnet-20240620-v1:0"), a cross-region inference profile id with a geography prefix (us, us-gov, eu, apac, jp, au, global: "us.anthropic.claude-sonnet-4-5-20250929-v1:0") or an inference-profile ARN ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0")';
            assert.equal(message, validationMessage('LlmGateway "gateway" args', [
                `hosted[0].model: got "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"; ${allowed}`,
                `hosted[1].region: got "eu-west-1"; the inference profile's ARN is in us-east-1: route it from that region`,
                `hosted[2].model: got "xx.anthropic.claude-3-haiku-20240307-v1:0"; ${allowed}`,
            ]));
            assert.deepEqual(types, []);
        });
    });

    it("hands LiteLLM the profile id or ARN after bedrock/, called in the route's Region", () => {
        const r = resolved({ clusterName: "genai-dev", hosted: [bedrock(PROFILE, "us-west-2", "b"), bedrock(PROFILE_ARN, "us-east-1", "c")] });
        const params = renderLiteLlmConfig(r).model_list.filter((e) => e.litellm_params.model.startsWith("bedrock/")).map((e) => e.litellm_params);
        assert.deepEqual(params, [
            { model: `bedrock/${PROFILE}`, aws_region_name: "us-west-2" },
            { model: `bedrock/${PROFILE_ARN}`, aws_region_name: "us-east-1" },
        ]);
    });

    describe("invoke policy", () => {
        it("grants a profile and its foundation model in every Region, and on-demand models in their own Region", () => {
            const policy = bedrockInvokePolicy("aws", "123456789012", [bedrock(BEDROCK_MODEL, "eu-west-1", "a"), bedrock(PROFILE, "us-west-2", "b"), bedrock(PROFILE_ARN, "us-east-1", "c")]);
            assert.deepEqual(policy.Statement, [
                {
                    Sid: "InvokeRoutedModels",
                    Effect: "Allow",
                    Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                    Resource: [
                        `arn:aws:bedrock:eu-west-1::foundation-model/${BEDROCK_MODEL}`,
                        `arn:aws:bedrock:us-west-2:123456789012:inference-profile/${PROFILE}`,
                        PROFILE_ARN,
                        "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
                    ],
                },
            ]);
        });

        it("gives the gateway's role the profile in the deploying account", async () => {
            const { resources } = await deploy((provider) => minimalArgs(provider, { clusterName: "genai-dev", hosted: [bedrock(PROFILE, "us-east-2")] }));
            const policy = JSON.parse(one(resources, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
            assert.deepEqual(policy.Statement[0].Resource, [
                `arn:aws:bedrock:us-east-2:${MOCK_ACCOUNT}:inference-profile/${PROFILE}`,
                "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            ]);
        });
    });
});

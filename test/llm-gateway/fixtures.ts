/** Shared args and helpers of the LlmGateway suites. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LlmGateway, LlmGatewayArgs, ResolvedLlmGatewayArgs, SelfHostedRoute, validateLlmGatewayArgs } from "../../components/llm-gateway";
import { RecordedResource, runWithMocks } from "../../plan/recorder";

export const NETWORK = {
    vpcId: "vpc-0a1b2c3d",
    subnetIds: ["subnet-aaa111", "subnet-bbb222", "subnet-ccc333"],
    clusterSecurityGroupId: "sg-cluster0001",
};

/** Configured secret values: none may appear anywhere in plain text. */
export { GENERATED_SECRET_MARK } from "../harness/secrets";

export const CONFIGURED_SECRETS = {
    openai: "sk-proj-fixture-openai-7f3a9c",
    anthropic: "sk-ant-fixture-anthropic-91bc02",
    gemini: "AIza-fixture-gemini-55d0e1",
    langfusePublic: "pk-lf-fixture-public-2e61",
    langfuseSecret: "sk-lf-fixture-secret-c4d8",
};


/** Two vLLM endpoints serving one model group, and one serving another. */
export const SELF_HOSTED: SelfHostedRoute[] = [
    { modelName: "llama-3.1-8b", servedModelName: "meta-llama/Llama-3.1-8B-Instruct", baseUrl: "http://llama-a.models.svc.cluster.local:8000/v1", rpm: 600, tpm: 400000 },
    { modelName: "llama-3.1-8b", servedModelName: "meta-llama/Llama-3.1-8B-Instruct", baseUrl: "http://llama-b.models.svc.cluster.local:8000/v1", rpm: 600, tpm: 400000 },
    { modelName: "qwen-2.5-32b", servedModelName: "qwen2.5-32b", baseUrl: "http://qwen.team-a.svc.cluster.local:8000/v1", timeoutSeconds: 120 },
];

export const BEDROCK_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

export function fullArgs(provider: k8s.Provider): LlmGatewayArgs {
    return {
        provider,
        ...NETWORK,
        clusterName: "genai-dev",
        selfHosted: SELF_HOSTED,
        hosted: [
            { modelName: "gpt-4o", provider: "openai", model: "gpt-4o", rpm: 500 },
            { modelName: "claude-sonnet", provider: "anthropic", model: "claude-sonnet-4-5" },
            { modelName: "gemini-pro", provider: "gemini", model: "gemini-2.5-pro" },
            { modelName: "claude-bedrock", provider: "bedrock", model: BEDROCK_MODEL, region: "us-east-1" },
        ],
        providerKeys: {
            openai: pulumi.secret(CONFIGURED_SECRETS.openai),
            anthropic: pulumi.secret(CONFIGURED_SECRETS.anthropic),
            // A plain string on purpose: the component must still keep it secret.
            gemini: CONFIGURED_SECRETS.gemini,
        },
        routing: {
            strategy: "usage-based-routing-v2",
            numRetries: 3,
            timeoutSeconds: 300,
            fallbacks: { "llama-3.1-8b": ["gpt-4o", "claude-bedrock"], "gpt-4o": ["llama-3.1-8b"] },
            contextWindowFallbacks: { "llama-3.1-8b": ["qwen-2.5-32b", "gemini-pro"] },
        },
        langfuse: {
            host: "http://langfuse-web.observability.svc.cluster.local:3000",
            publicKey: pulumi.secret(CONFIGURED_SECRETS.langfusePublic),
            secretKey: pulumi.secret(CONFIGURED_SECRETS.langfuseSecret),
        },
    };
}

/** Only self-hosted routes: the smallest valid gateway. */
export function minimalArgs(provider: k8s.Provider, overrides: Partial<LlmGatewayArgs> = {}): LlmGatewayArgs {
    return { provider, ...NETWORK, selfHosted: SELF_HOSTED, ...overrides };
}

/** Validation and the pure renderers never touch the provider. */
export const NO_PROVIDER = {} as k8s.Provider;

export function resolved(args: Partial<LlmGatewayArgs> = {}, name = "gateway"): ResolvedLlmGatewayArgs {
    return validateLlmGatewayArgs(name, { ...minimalArgs(NO_PROVIDER), ...args });
}

export interface Deployed {
    resources: RecordedResource[];
    gateway: LlmGateway;
}

/** Runs one gateway under the mocks; `args` gets the provider the run creates. */
export async function deploy(
    args: (provider: k8s.Provider) => LlmGatewayArgs,
    name = "gateway",
    opts: pulumi.ComponentResourceOptions = {},
): Promise<Deployed> {
    const run = await runWithMocks(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        return new LlmGateway(name, args(provider), opts);
    });
    return { resources: run.resources, gateway: run.result };
}

export { one, ofType } from "../harness";

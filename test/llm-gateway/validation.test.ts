import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { LlmGateway, LlmGatewayArgs, RoutingStrategy, SelfHostedRoute } from "../../components/llm-gateway";
import { rejectedWith, validationMessage } from "../harness";
import { BEDROCK_MODEL, deploy, minimalArgs, SELF_HOSTED } from "./fixtures";

const MODEL_NAME_RULE = "expected 1–128 characters: letters, digits and . _ : / @ -, starting with a letter or digit";
const ROUTED = "(llama-3.1-8b, qwen-2.5-32b)";
const HEADER_RULE = "expected a header name of letters, digits and !#$%&'*+.^_`|~- and a printable ASCII value on one line";

/** Constructs an LlmGateway that must be rejected; returns the message and the types registered besides the provider. */
function rejected(args: (provider: k8s.Provider) => LlmGatewayArgs, name = "gateway") {
    return rejectedWith((provider) => new LlmGateway(name, args(provider)));
}

const expected = (problems: string[], name = "gateway") => validationMessage(`LlmGateway "${name}" args`, problems);

interface Case {
    title: string;
    args: (provider: k8s.Provider) => LlmGatewayArgs;
    problems: string[];
    name?: string;
}

const CASES: Case[] = [
    {
        title: "bad route names and base URLs",
        args: (provider) => minimalArgs(provider, { selfHosted: [{ modelName: "llama 3", servedModelName: "", baseUrl: "llama.models:8000" }] }),
        problems: [
            `selfHosted[0].modelName: got "llama 3"; ${MODEL_NAME_RULE}`,
            `selfHosted[0].servedModelName: got ""; ${MODEL_NAME_RULE}`,
            'selfHosted[0].baseUrl: got "llama.models:8000"; expected an http(s) URL ending in /v1, e.g. "http://llama.models.svc.cluster.local:8000/v1"',
        ],
    },
    {
        title: "a base URL that is not the OpenAI root",
        args: (provider) => minimalArgs(provider, { selfHosted: [{ ...SELF_HOSTED[0], baseUrl: "http://llama-a.models.svc.cluster.local:8000/v1/chat/completions" }] }),
        problems: ['selfHosted[0].baseUrl: got "http://llama-a.models.svc.cluster.local:8000/v1/chat/completions"; expected an http(s) URL ending in /v1, e.g. "http://llama.models.svc.cluster.local:8000/v1"'],
    },
    {
        title: "duplicate deployments (same model group, same backend)",
        args: (provider) =>
            minimalArgs(provider, {
                selfHosted: [...SELF_HOSTED, { ...SELF_HOSTED[0], rpm: 10 }],
                hosted: [
                    { modelName: "gpt-4o", provider: "openai", model: "gpt-4o" },
                    { modelName: "gpt-4o", provider: "openai", model: "gpt-4o", tpm: 1000 },
                ],
                providerKeys: { openai: "sk-test" },
            }),
        problems: [
            'selfHosted[3]: got "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct at http://llama-a.models.svc.cluster.local:8000/v1"; duplicate deployment: model "llama-3.1-8b" already routes to this backend',
            'hosted[1]: got "openai/gpt-4o"; duplicate deployment: model "gpt-4o" already routes to this backend',
        ],
    },
    {
        title: "fallbacks that name unknown models or themselves",
        args: (provider) =>
            minimalArgs(provider, {
                routing: {
                    fallbacks: { "llama-3.1-8b": ["gpt-5"], mistral: ["llama-3.1-8b"] },
                    contextWindowFallbacks: { "qwen-2.5-32b": ["qwen-2.5-32b"] },
                },
            }),
        problems: [
            `routing.fallbacks.llama-3.1-8b[0]: got "gpt-5"; unknown model; fallbacks go to a routed model ${ROUTED}`,
            `routing.fallbacks.mistral: got "mistral"; unknown model; fallbacks start from a routed model ${ROUTED}`,
            'routing.contextWindowFallbacks.qwen-2.5-32b[0]: got "qwen-2.5-32b"; a model cannot fall back to itself',
        ],
    },
    {
        title: "route headers that would split the request or are no HTTP field name",
        args: (provider) => minimalArgs(provider, { selfHosted: [{ ...SELF_HOSTED[0], headers: { "x-ok": "a", "bad header": "b", "x-inject": "v\r\nHost: evil" } }] }),
        problems: [
            `selfHosted[0].headers.bad header: got "b"; ${HEADER_RULE}`,
            `selfHosted[0].headers.x-inject: got "v\\r\\nHost: evil"; ${HEADER_RULE}`,
        ],
    },
    {
        title: "an unknown routing strategy",
        args: (provider) => minimalArgs(provider, { routing: { strategy: "round-robin" as RoutingStrategy } }),
        problems: ['routing.strategy: got "round-robin"; expected one of simple-shuffle, least-busy, latency-based-routing, usage-based-routing-v2'],
    },
    {
        title: "provider models without their API key",
        args: (provider) =>
            minimalArgs(provider, {
                hosted: [
                    { modelName: "gpt-4o", provider: "openai", model: "gpt-4o" },
                    { modelName: "claude", provider: "anthropic", model: "claude-sonnet-4-5" },
                ],
                providerKeys: { gemini: "AIza-unused" },
            }),
        problems: [
            'hosted[0].provider: got "openai"; no API key for openai: set providerKeys.openai',
            'hosted[1].provider: got "anthropic"; no API key for anthropic: set providerKeys.anthropic',
        ],
    },
    {
        title: "an unknown provider",
        args: (provider) => minimalArgs(provider, { hosted: [{ modelName: "gpt-4o", provider: "azure" as "openai", model: "gpt-4o" }] }),
        problems: ['hosted[0].provider: got "azure"; expected one of openai, anthropic, gemini, bedrock'],
    },
    {
        title: "Bedrock without a region or a cluster for Pod Identity",
        args: (provider) => minimalArgs(provider, { hosted: [{ modelName: "claude", provider: "bedrock", model: BEDROCK_MODEL }] }),
        problems: [
            'hosted[0].region: got (missing); Bedrock models need their AWS region, e.g. "us-east-1"',
            "clusterName: got (missing); Bedrock routes need the EKS cluster name for the gateway's Pod Identity association",
        ],
    },
    {
        title: "fewer than 2 replicas in production",
        args: (provider) => minimalArgs(provider, { production: true, replicas: 1 }),
        problems: ["replicas: got 1; production needs at least 2 replicas so a node or zone loss keeps the gateway up"],
    },
    {
        title: "a single cache node in production",
        args: (provider) => minimalArgs(provider, { production: true, cache: { nodes: 1 } }),
        problems: ["cache.nodes: got 1; production needs 2+ cache nodes for automatic failover across zones"],
    },
    {
        title: "bad ingress certificate, host and CIDRs",
        args: (provider) =>
            minimalArgs(provider, {
                ingress: { certificateArn: "arn:aws:iam::123456789012:server-certificate/llm", host: "LLM.example.com", scheme: "internet-facing", inboundCidrs: ["0.0.0.0/0"] },
            }),
        problems: [
            'ingress.certificateArn: got "arn:aws:iam::123456789012:server-certificate/llm"; expected an ACM certificate ARN, e.g. arn:aws:acm:us-east-1:123456789012:certificate/<uuid>',
            'ingress.inboundCidrs: got ["0.0.0.0/0"]; they admit 3,702,390,784 public addresses (100% of the public IPv4 space); an allow-list may admit at most 65,536 public addresses (the size of one /16)',
            'ingress.host: got "LLM.example.com"; expected a lowercase DNS name such as "llm.example.com"',
        ],
    },
    {
        title: "an internet-facing ingress without an allow-list",
        args: (provider) =>
            minimalArgs(provider, {
                ingress: { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666", scheme: "internet-facing" },
            }),
        problems: ["ingress.inboundCidrs: got []; an internet-facing load balancer needs an explicit CIDR allow-list"],
    },
    {
        title: "an unknown ingress scheme",
        args: (provider) =>
            minimalArgs(provider, {
                ingress: { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666", scheme: "public" as "internal" },
            }),
        problems: ['ingress.scheme: got "public"; expected one of internal, internet-facing'],
    },
    {
        title: "Langfuse tracing without a URL or keys",
        args: (provider) =>
            minimalArgs(provider, { langfuse: { host: "langfuse:3000", publicKey: undefined as unknown as string, secretKey: undefined as unknown as string } }),
        problems: [
            'langfuse.host: got "langfuse:3000"; expected an http(s) URL such as "http://langfuse-web.observability.svc.cluster.local:3000"',
            "langfuse.publicKey: got (missing); tracing needs the project's public key",
            "langfuse.secretKey: got (missing); tracing needs the project's secret key",
        ],
    },
    {
        title: "no routes at all",
        args: (provider) => minimalArgs(provider, { selfHosted: [] }),
        problems: ["selfHosted: got []; give at least one self-hosted or hosted route"],
    },
    {
        title: "bad limits on a deployment",
        args: (provider) => minimalArgs(provider, { selfHosted: [{ ...SELF_HOSTED[0], rpm: 0, tpm: 1.5, timeoutSeconds: -1 }] }),
        problems: [
            "selfHosted[0].rpm: got 0; expected a whole number of requests per minute ≥ 1",
            "selfHosted[0].tpm: got 1.5; expected a whole number of tokens per minute ≥ 1",
            "selfHosted[0].timeoutSeconds: got -1; expected a number of seconds > 0",
        ],
    },
    {
        title: "a self-hosted price that is negative or not a finite number",
        args: (provider) => minimalArgs(provider, { selfHosted: [{ ...SELF_HOSTED[0], inputCostPerToken: -1e-7, outputCostPerToken: Number.NaN }] }),
        problems: [
            "selfHosted[0].inputCostPerToken: got -1e-7; expected a finite number of USD per token ≥ 0",
            "selfHosted[0].outputCostPerToken: got .nan; expected a finite number of USD per token ≥ 0",
        ],
    },
    {
        title: "a name that cannot name RDS and ElastiCache resources",
        name: "9-gateway",
        args: (provider) => minimalArgs(provider),
        problems: [`name: got "9-gateway"; expected to start with a letter and hold no '--' (it names RDS and ElastiCache resources)`],
    },
    {
        title: "too few subnets and too short backups",
        args: (provider) => minimalArgs(provider, { subnetIds: ["subnet-aaa111"], database: { backupRetentionDays: 3 } }),
        problems: [
            'subnetIds: got ["subnet-aaa111"]; expected private subnets in at least 2 zones (RDS and ElastiCache subnet groups)',
            "database.backupRetentionDays: got 3; expected 7 to 35 days of backups",
        ],
    },
];

describe("LlmGateway validation", () => {
    for (const c of CASES) {
        it(`rejects ${c.title}, naming each field, and registers nothing`, async () => {
            const { message, types } = await rejected(c.args, c.name);
            assert.equal(message, expected(c.problems, c.name));
            assert.deepEqual(types, [], "nothing but the test's own provider may be registered");
        });
    }

    it("reports every problem of one input together", async () => {
        const route: SelfHostedRoute = { modelName: "bad name", servedModelName: "x", baseUrl: "ftp://x/v1" };
        const { message, types } = await rejected((provider) =>
            minimalArgs(provider, { production: true, replicas: 1, selfHosted: [route], routing: { strategy: "fastest" as RoutingStrategy } }),
        );
        assert.match(message, /^Invalid LlmGateway "gateway" args \(4 problems\):/);
        for (const field of ["selfHosted[0].modelName", "selfHosted[0].baseUrl", "routing.strategy", "replicas"]) assert.ok(message.includes(`  - ${field}: `), field);
        assert.deepEqual(types, []);
    });

    it("accepts Bedrock without an API key, and one replica outside production", async () => {
        const { resources } = await deploy((provider) =>
            minimalArgs(provider, {
                replicas: 1,
                clusterName: "genai-dev",
                hosted: [{ modelName: "claude", provider: "bedrock", model: BEDROCK_MODEL, region: "eu-west-1" }],
            }),
        );
        const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment");
        assert.equal(deployment?.inputs.spec.replicas, 1);
    });
});

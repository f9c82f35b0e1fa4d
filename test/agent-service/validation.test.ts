import assert from "node:assert/strict";
import { AgentService, KnownAgentServiceArgs } from "../../components/agent-service";
import { rejectedWith, validationMessage } from "../harness";
import { agentArgs } from "./fixtures";

/** Constructs an AgentService named `name` with `overrides`; returns the ValidationError's message and what was registered. */
const reject = (overrides: Partial<KnownAgentServiceArgs>, name = "assistant") =>
    rejectedWith((provider) => new AgentService(name, agentArgs(overrides), { provider }));

const subject = 'AgentService "assistant" args';

describe("AgentService validation (bad input: one clear error, nothing registered)", () => {
    const cases: [string, Partial<KnownAgentServiceArgs>, string[], string?][] = [
        ["an unpinned image", { image: "ghcr.io/acme/agent" }, ['image: got "ghcr.io/acme/agent"; expected an image pinned to a tag other than latest or to a digest (@sha256:...)']],
        ["an image tagged latest", { image: "ghcr.io/acme/agent:latest" }, ['image: got "ghcr.io/acme/agent:latest"; expected an image pinned to a tag other than latest or to a digest (@sha256:...)']],
        ["an image from a registry outside the allow-list", { image: "docker.io/acme/agent:1.0" }, [
            'image: got "docker.io/acme/agent:1.0"; expected an image from an allowed registry (public.ecr.aws, nvcr.io, registry.k8s.io, quay.io, ghcr.io, docker.io/vllm, reg.kyverno.io); its repository is index.docker.io/acme/agent',
        ]],
        ["a look-alike registry host", { image: "ghcr.io.evil.io/acme/agent:1.0", allowedRegistries: ["ghcr.io"] }, [
            'image: got "ghcr.io.evil.io/acme/agent:1.0"; expected an image from an allowed registry (ghcr.io); its repository is ghcr.io.evil.io/acme/agent',
        ]],
        ["a model the tenant may not use", { models: { ROUTER_MODEL: "llama-3.1-8b", ANSWER_MODEL: "claude-opus" } }, [
            'models.ANSWER_MODEL: got "claude-opus"; expected a model the tenant may use (llama-3.1-8b, gpt-4o)',
        ]],
        ["no models", { models: {} }, ['models: got {}; expected at least one model, e.g. { ANSWER_MODEL: "gpt-4o" }']],
        ["a model variable that would override the gateway key", { models: { OPENAI_API_KEY: "gpt-4o" } }, [
            'models.OPENAI_API_KEY: got "OPENAI_API_KEY"; expected an environment variable name (A-Z, 0-9, _) other than OPENAI_BASE_URL, OPENAI_API_KEY, DATABASE_URL, AGENT_MODELS, TENANT, PORT, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_RESOURCE_ATTRIBUTES',
        ]],
        ["zero replicas and a max below the min", { scaling: { minReplicas: 0, maxReplicas: 0 } }, [
            "scaling.minReplicas: got 0; expected a whole number 1–100 (a workflow service keeps at least one replica)",
            "scaling.maxReplicas: got 0; expected a whole number 1–100",
        ]],
        ["a max below the min", { scaling: { minReplicas: 3, maxReplicas: 2 } }, ["scaling.maxReplicas: got 2; must be ≥ scaling.minReplicas (3)"]],
        ["a CPU target out of range", { scaling: { targetCpuUtilization: 150 } }, ["scaling.targetCpuUtilization: got 150; expected a percentage of the CPU request, 10–100"]],
        ["bad resources", { resources: { cpu: "lots", memory: "0", cpuLimit: "100m" } }, [
            'resources.cpu: got "lots"; expected a Kubernetes quantity such as "500m", "16", "64Gi" or "1Ti", above 0',
            'resources.memory: got "0"; expected a Kubernetes quantity such as "500m", "16", "64Gi" or "1Ti", above 0',
        ]],
        ["a CPU limit below the request", { resources: { cpu: "1", cpuLimit: "500m" } }, ['resources.cpuLimit: got "500m"; must be ≥ resources.cpu ("1")']],
        ["a privileged port and user 0", { port: 80, runAsUser: 0 }, [
            "port: got 80; expected a port 1024–65535 (a non-root container cannot bind below 1024)",
            "runAsUser: got 0; expected a non-root numeric user id ≥ 1",
        ]],
        ["a bad database CIDR and no admin Secret", { database: { host: "db", cidrs: ["10.0.0.0/33"], adminSecret: undefined as never } }, [
            'database.cidrs[0]: got "10.0.0.0/33"; expected an IPv4 CIDR such as "10.0.64.0/19"',
            "database.adminSecret.namespace: got (missing); expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters",
            "database.adminSecret.name: got (missing); expected a Secret name (DNS-1123 subdomain)",
            "database.adminSecret.key: got (missing); expected a Secret key: letters, digits, '-', '_' and '.', at most 253 characters, not '.' or starting with '..'",
        ]],
        ["a collector URL with credentials, no pod labels and no port", { tracing: { endpoint: "http://pk-lf-1:sk-lf-2@otel-collector:4318", namespace: "observability", podLabels: {}, port: undefined as never } }, [
            'tracing.endpoint: got "http://pk-lf-1:sk-lf-2@otel-collector:4318"; expected the collector\'s in-cluster OTLP/HTTP base URL, http://host:port, no path or credentials',
            "tracing.podLabels: got {}; expected at least one pod label (key: value) selecting only those pods",
            "tracing.port: got (missing); expected a port 1–65535",
        ]],
        ["gateway pod labels missing (the egress rule would open the whole namespace)", { gateway: { namespace: "llm-gateway", serviceName: "gateway", port: 4000, podLabels: {} } }, [
            "gateway.podLabels: got {}; expected at least one pod label (key: value) selecting only those pods",
        ]],
        ["an env override of a platform variable", { env: { DATABASE_URL: "postgres://x" } }, [
            'env.DATABASE_URL: got "DATABASE_URL"; expected an environment variable name (A-Z, 0-9, _) other than OPENAI_BASE_URL, OPENAI_API_KEY, DATABASE_URL, AGENT_MODELS, TENANT, PORT, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_RESOURCE_ATTRIBUTES',
        ]],
    ];

    for (const [what, overrides, problems] of cases) {
        it(`refuses ${what}`, async () => {
            const { message, types } = await reject(overrides);
            assert.equal(message, validationMessage(subject, problems));
            assert.deepEqual(types, []);
        });
    }

    it("refuses a name that is not a short DNS label", async () => {
        const { message, types } = await reject({}, "Assistant_With_A_Long_Name");
        assert.equal(message, validationMessage('AgentService "Assistant_With_A_Long_Name" args', [
            "name: got \"Assistant_With_A_Long_Name\"; expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 20 characters",
        ]));
        assert.deepEqual(types, []);
    });
});

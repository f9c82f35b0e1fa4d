import * as assert from "node:assert/strict";
import { main } from "../../examples/tenant-app/program";
import { loadStackConfig, runStack } from "../../plan/stack";
import type { PlatformOutputs } from "../../stacks/platform";
import { KUBERNETES_VERSIONS } from "../../components/internal/versions";
import { evaluatePolicies } from "../../policies/evaluate";
import { conformanceErrors, kubernetesObjects, skipWithoutReference } from "../harness/conformance";
import { podSecurityFindings } from "../harness/pod-security";
import { credentialForms, namespaceSecretLeaks } from "../harness/secrets";
import { stackReferenceOutputs, tenantAppConfig } from "../harness/tenant-app";
import { k8sObjects, ofType, RecordedResource, runWithMocks, valueOf } from "../harness";

/** The outputs of the real dev platform stack, as the tenant program reads them (the contract between the two). */
let PLATFORM_OUTPUTS: Record<string, unknown>;
/** The dev platform's Langfuse project keys, as its Secret in Langfuse's namespace holds them. */
let LANGFUSE_KEYS: { publicKey: string; secretKey: string };

async function platformOutputs(): Promise<Record<string, unknown>> {
    const run = await runStack("dev", loadStackConfig("dev"));
    const credentials = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === "langfuse-pinned-credentials")!;
    LANGFUSE_KEYS = { publicKey: credentials.inputs.stringData["init-project-public-key"], secretKey: credentials.inputs.stringData["init-project-secret-key"] };
    return stackReferenceOutputs(run.result as PlatformOutputs);
}

/** The Langfuse project keys in every form an object could carry them. */
const langfuseKeyForms = () => credentialForms([LANGFUSE_KEYS.publicKey, LANGFUSE_KEYS.secretKey], [[LANGFUSE_KEYS.publicKey, LANGFUSE_KEYS.secretKey]]);

function options(tenant = "research") {
    return {
        project: "tenant-app",
        config: tenantAppConfig(tenant),
        stackOutputs: { "acme/genai-platform/dev": PLATFORM_OUTPUTS },
    };
}

describe("examples/tenant-app", () => {
    let resources: RecordedResource[];
    let outputs: Awaited<ReturnType<typeof main>>;
    before(async () => {
        PLATFORM_OUTPUTS = await platformOutputs();
        const run = await runWithMocks(main, options());
        resources = run.resources;
        outputs = run.result;
    });

    it("reads the platform only through a StackReference", () => {
        const [ref] = ofType(resources, "pulumi:pulumi:StackReference");
        assert.equal(ref.inputs.id, "acme/genai-platform/dev");
        assert.equal(ref.read, true);
        assert.deepEqual(ofType(resources, "eks:index:Cluster"), []);
    });

    it("deploys its model into the namespace the platform gave the tenant, through a provider built from the platform's kubeconfig", () => {
        const provider = ofType(resources, "pulumi:providers:kubernetes")[0];
        assert.equal(provider.inputs.kubeconfig, PLATFORM_OUTPUTS.kubeconfig);
        assert.equal(provider.inputs.namespace, "research");
        const [deployment] = k8sObjects(resources, "Deployment");
        assert.equal(deployment.metadata.namespace, "research");
        assert.equal(deployment.spec.template.spec.nodeSelector["genai-platform.io/pool"], "gpu-small");
        for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) assert.match(r.provider ?? "", /::platform::/);
    });

    it("exports its model's in-cluster URL and the gateway's", async () => {
        assert.equal(await valueOf(outputs.namespace), "research");
        assert.equal(await valueOf(outputs.baseUrl), "http://research-model.research.svc.cluster.local:8000/v1");
        assert.equal(await valueOf(outputs.gatewayUrl), "http://genai-dev-gateway.llm-gateway.svc.cluster.local:4000");
    });

    it("deploys its LangGraph agent next to the model, wired to the platform's gateway, checkpoint server and OTel collector", async () => {
        const agent = k8sObjects(resources, "Deployment").find((d) => d.metadata.name === "research-agent")!;
        assert.equal(agent.metadata.namespace, "research");
        const env = Object.fromEntries(agent.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(env.OPENAI_BASE_URL, `${await valueOf(outputs.gatewayUrl)}/v1`);
        assert.deepEqual(env.OPENAI_API_KEY, { secretKeyRef: { name: "llm-gateway-key", key: "api-key" } });
        assert.equal(env.ROUTER_MODEL, "qwen25-7b");
        assert.equal(env.ANSWER_MODEL, "gpt-4.1-mini");
        // Traces go to the platform's collector, which holds the Langfuse keys; the agent gets none.
        assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.langfuse.svc.cluster.local:4318");
        assert.equal(env.OTEL_EXPORTER_OTLP_HEADERS, undefined);
        const [job] = k8sObjects(resources, "Job");
        // Dev shares one instance between the gateway and Langfuse (genai-platform:state.sharing): its master URL lives in platform-state.
        assert.equal(job.metadata.namespace, "platform-state", "the database is provisioned beside the shared instance's master credentials");
        const db = resources.find((r) => r.name === "research-agent-checkpoint-db")!;
        assert.match(db.inputs.stringData.url, /^postgresql:\/\/agent_research_research_agent:[^@]+@[^:]+:5432\/agent_research_research_agent\?sslmode=require$/);
        const policy = k8sObjects(resources, "NetworkPolicy").find((p) => p.metadata.name === "research-agent-egress")!;
        // The dev VPC 10.40.0.0/16 over two zones: its private subnets, where the gateway's RDS subnet group is, on 5432.
        assert.deepEqual(policy.spec.egress[2], { to: [{ ipBlock: { cidr: "10.40.0.0/18" } }, { ipBlock: { cidr: "10.40.64.0/18" } }], ports: [{ protocol: "TCP", port: 5432 }] });
        assert.equal(await valueOf(outputs.agentUrl), "http://research-agent.research.svc.cluster.local:8080");
    });

    it("its agent passes every resource policy of the pack, and restricted Pod Security in the tenant's namespace", async () => {
        // Stack policies judge the platform stack (routes, managed namespaces), which a tenant program is not; resource policies judge each object.
        const agentUrns = new Set(resources.filter((r) => r.name.startsWith("research-agent")).map((r) => r.urn));
        assert.ok(agentUrns.size >= 11);
        const violations = (await evaluatePolicies(resources, {})).filter((v) => v.urn !== undefined && agentUrns.has(v.urn));
        assert.deepEqual(violations.map((v) => `${v.policyName}: ${v.message}`), []);
        const tenantNamespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "research", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } };
        const agentObjects = kubernetesObjects(resources).filter((o) => o.metadata?.name?.startsWith("research-agent") || o.kind === "Job");
        assert.deepEqual(podSecurityFindings([tenantNamespace, ...agentObjects], { kubernetesVersion: KUBERNETES_VERSIONS.default }).map((f) => f.message), []);
    });

    it("holds the Langfuse project keys in no object of the tenant's namespace, and reads them from no platform output", () => {
        assert.match(LANGFUSE_KEYS.secretKey, /^sk-lf-/);
        assert.deepEqual(namespaceSecretLeaks(resources, ["research"], langfuseKeyForms()), []);
        const readable = JSON.stringify(PLATFORM_OUTPUTS);
        assert.deepEqual(langfuseKeyForms().filter((k) => readable.includes(k)), [], "a tenant program reads the platform stack's outputs");
    });

    it("the key scan catches the keys planted back into the tenant's namespace (an OTLP header Secret, as agents once had)", () => {
        const token = Buffer.from(`${LANGFUSE_KEYS.publicKey}:${LANGFUSE_KEYS.secretKey}`).toString("base64");
        const planted = { ...resources[0], name: "research-agent-otel", type: "kubernetes:core/v1:Secret", inputs: { metadata: { name: "research-agent-otel", namespace: "research" }, stringData: { "otlp-headers": `Authorization=Basic%20${token}` } } } as RecordedResource;
        const leaks = namespaceSecretLeaks([...resources, planted], ["research"], langfuseKeyForms());
        assert.ok(leaks.includes(`research-agent-otel (kubernetes:core/v1:Secret, namespace research) holds ${token}`), leaks.join("\n"));
        assert.ok(leaks.every((l) => l.startsWith("research-agent-otel ")), leaks.join("\n"));
    });

    it("fails clearly for a tenant the platform does not know, before deploying anything", async () => {
        const error = await runWithMocks(main, options("marketing")).then(() => assert.fail("expected the deployment to fail"), (e: Error) => e);
        // Pulumi prefixes "error serializing property …" when the error passes through a resource's inputs.
        assert.ok(error.message.endsWith('tenant "marketing" has no namespace on the platform; tenants: research, search'), error.message);
    });

    describe("conformance", function () {
        before(function () {
            skipWithoutReference(this);
        });
        it("every Kubernetes object validates against its upstream schema", async () => {
            assert.deepEqual(await conformanceErrors(resources), []);
        });
    });
});

import assert from "node:assert/strict";
import * as k8sSdk from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../../components/internal/errors";
import { AgentService, AgentServiceArgs, KnownAgentServiceArgs } from "../../components/agent-service";
import { DEFAULT_ALLOWED_REGISTRIES } from "../../components/gpu-cluster/args";
import { GPU_QUOTA_LABEL } from "../../components/gpu-cluster";
import { renderKyvernoPolicies } from "../../components/gpu-cluster/kyverno-policies";
import { GPU_RESOURCE } from "../../components/gpu-cluster/manifests";
import { imageRefusal } from "../../components/internal/image-policy";
import { resolveTenant } from "../../components/tenant-namespace/args";
import { renderNamespace } from "../../components/tenant-namespace/manifests";
import { KUBERNETES_VERSIONS } from "../../components/internal/versions";
import { conformanceErrors, kubernetesObjects, skipWithoutReference, type KubernetesObject } from "../harness/conformance";
import { admit, compilePolicies, createRequest, storedNamespaces } from "../harness/kyverno";
import { podSecurityFindings } from "../harness/pod-security";
import { GENERATED_SECRET_MARK, secretLeaks } from "../harness/secrets";
import { type RecordedResource, runWithMocks, valueOf } from "../harness";
import { assertSameValidationError, childrenOf, registrations } from "../harness/inputs";
import { agentArgs, deployAgent, RDS_HOST } from "./fixtures";

const T = {
    component: "genai-platform:index:AgentService",
    password: "random:index/randomPassword:RandomPassword",
    secret: "kubernetes:core/v1:Secret",
};
const kindOf = (r: RecordedResource) => r.inputs.kind ?? r.type.split(":").pop();
const named = (resources: RecordedResource[], name: string) => resources.find((r) => r.name === name)!;
const TENANT_NAMESPACE = renderNamespace(resolveTenant({ name: "research", team: { maxBudgetUsd: 1 } }, { pools: [], gatewayModels: [] })) as unknown as KubernetesObject;

describe("AgentService component", () => {
    let resources: RecordedResource[];
    let agent: AgentService;

    before(async () => {
        ({ resources, agent } = await deployAgent());
    });

    it("registers its children under the component, named after it, with the given provider", () => {
        const component = resources.find((r) => r.type === T.component && r.name === "assistant")!;
        const children = resources.filter((r) => r.parent === component.urn);
        assert.deepEqual(children.map(kindOf).sort(), [
            "Deployment", "HorizontalPodAutoscaler", "Job", "NetworkPolicy", "PodDisruptionBudget", "RandomPassword", "Secret", "Secret", "Service", "ServiceAccount",
        ]);
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        for (const child of children) {
            assert.ok(child.name.startsWith("assistant-"), child.name);
            if (child.type.startsWith("kubernetes:")) assert.equal(child.provider, `${provider.urn}::${provider.name}-id`, child.name);
        }
    });

    it("puts the workload in the tenant's namespace and only the provisioning Job and its password beside the master credentials", () => {
        const byNamespace = (ns: string) => resources.filter((r) => r.inputs.metadata?.namespace === ns).map(kindOf).sort();
        assert.deepEqual(byNamespace("llm-gateway"), ["Job", "Secret"]);
        assert.deepEqual(byNamespace("research"), ["Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount"]);
    });

    it("delivers the generated password only by Secret: to the Job, and inside the agent's connection URL", () => {
        const password = resources.find((r) => r.type === T.password)!;
        assert.equal(password.name, "assistant-checkpoint-db-password");
        const generated = `${GENERATED_SECRET_MARK}assistant-checkpoint-db-password`;
        const provision = named(resources, "assistant-provision-password");
        assert.ok(String(provision.inputs.stringData.password).startsWith(generated));
        assert.ok(provision.secretInputs.some((p) => p.startsWith("stringData")));
        const db = named(resources, "assistant-checkpoint-db");
        assert.match(db.inputs.stringData.url, new RegExp(`^postgresql://agent_research_assistant:${generated}[^@]*@${RDS_HOST.replace(/\./g, "\\.")}:5432/agent_research_assistant\\?sslmode=require$`));
        assert.ok(db.secretInputs.some((p) => p.startsWith("stringData")));
        const generatedValue = String(provision.inputs.stringData.password);
        assert.deepEqual(secretLeaks(resources, [generatedValue]), []);
    });

    it("starts the pods after their Secrets and the database exist", () => {
        const deployment = resources.find((r) => r.inputs.kind === "Deployment")!;
        const needs = ["assistant-checkpoint-db", "assistant-provision-db", "assistant-sa"].map((n) => named(resources, n).urn);
        for (const urn of needs) assert.ok(deployment.dependsOn.includes(urn), urn);
        assert.ok(named(resources, "assistant-provision-db").dependsOn.includes(named(resources, "assistant-provision-password").urn));
    });

    it("exposes its URL, namespace, service and database as registered Outputs", async () => {
        const outputs = {
            url: "http://assistant.research.svc.cluster.local:8080",
            namespace: "research",
            serviceName: "assistant",
            databaseName: "agent_research_assistant",
            databaseSecretName: "assistant-checkpoint-db",
        };
        assert.deepEqual(await valueOf(pulumi.all({ url: agent.url, namespace: agent.namespace, serviceName: agent.serviceName, databaseName: agent.databaseName, databaseSecretName: agent.databaseSecretName })), outputs);
        assert.deepEqual(named(resources, "assistant").outputs, outputs);
    });

    it("two agents of two tenants in one stack never collide", async () => {
        const other = await deployAgent("assistant", { tenant: "search" });
        const job = (rs: RecordedResource[]) => rs.find((r) => r.inputs.kind === "Job")!.inputs.metadata.name;
        assert.notEqual(job(other.resources), job(resources));
        assert.equal(await valueOf(other.agent.databaseName), "agent_search_assistant");
    });

    it("passes restricted Pod Security, the workload in the tenant's namespace and the Job in the gateway's", () => {
        const objects = [TENANT_NAMESPACE, ...kubernetesObjects(resources)];
        const restrictedEverywhere = [...objects, { apiVersion: "v1", kind: "Namespace", metadata: { name: "llm-gateway", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }] as KubernetesObject[];
        assert.deepEqual(podSecurityFindings(restrictedEverywhere, { kubernetesVersion: KUBERNETES_VERSIONS.default }).map((f) => f.message), []);
    });

    it("a planted privileged container is refused by the same Pod Security check", () => {
        const objects = kubernetesObjects(resources).map((o) => structuredClone(o));
        const deployment = objects.find((o) => o.kind === "Deployment") as any;
        deployment.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
        const findings = podSecurityFindings([TENANT_NAMESPACE, ...objects], { kubernetesVersion: KUBERNETES_VERSIONS.default });
        assert.deepEqual(findings.map((f) => f.check), ["allowPrivilegeEscalation"]);
    });

    it("is admitted by the platform's Kyverno policies (images, requests and limits), and the image check agrees with them", () => {
        const policies = compilePolicies(renderKyvernoPolicies({
            enforcement: "Enforce", allowedRegistries: DEFAULT_ALLOWED_REGISTRIES, exemptNamespaces: [], gpuQuotaLabel: GPU_QUOTA_LABEL, gpuResource: GPU_RESOURCE,
        }) as unknown as KubernetesObject[]);
        const namespaces = storedNamespaces([TENANT_NAMESPACE, { apiVersion: "v1", kind: "Namespace", metadata: { name: "llm-gateway" } }]);
        for (const obj of kubernetesObjects(resources).filter((o) => ["Deployment", "Job"].includes(o.kind))) {
            assert.deepEqual(admit(policies, createRequest(obj), namespaces).denials, [], `${obj.kind} ${obj.metadata?.name}`);
        }
        const deployment = kubernetesObjects(resources).find((o) => o.kind === "Deployment")!;
        for (const image of ["ghcr.io/acme/agent:1.0", "ghcr.io/acme/agent", "ghcr.io/acme/agent:latest", `quay.io/acme/agent@sha256:${"b".repeat(64)}`,
            "docker.io/acme/agent:1.0", "acme/agent:1.0", "ghcr.io.evil.io/acme/agent:1.0", "public.ecr.aws/docker/library/python:3.13-slim"]) {
            const probe = structuredClone(deployment) as any;
            probe.spec.template.spec.containers[0].image = image;
            const denied = admit(policies, createRequest(probe), namespaces).denials.length > 0;
            assert.equal(imageRefusal(image, DEFAULT_ALLOWED_REGISTRIES) !== undefined, denied, `${image}: Kyverno ${denied ? "denies" : "admits"} it`);
        }
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

describe("AgentService from the platform stack's outputs", () => {
    /** One AgentService from `args`, under mocks; `options` sets its resource options. */
    const run = (args: AgentServiceArgs, options: (provider: k8sSdk.Provider) => pulumi.ComponentResourceOptions) =>
        runWithMocks(() => {
            const provider = new k8sSdk.Provider("k8s", { kubeconfig: "{}" });
            try {
                return { agent: new AgentService("assistant", args, options(provider)) };
            } catch (error) {
                return { error: error as Error };
            }
        });
    /** The platform's facts as a StackReference gives them: Outputs. */
    const asOutputs = (a: KnownAgentServiceArgs): AgentServiceArgs => ({
        ...a,
        namespace: pulumi.output(a.namespace ?? a.tenant),
        allowedRegistries: pulumi.output(DEFAULT_ALLOWED_REGISTRIES),
        allowedModels: pulumi.output(a.allowedModels),
        gateway: pulumi.output(a.gateway),
        database: pulumi.output(a.database),
        tracing: pulumi.output(a.tracing),
    });
    const byOption = (provider: k8sSdk.Provider) => ({ provider });

    it("registers the same resources from Output-wrapped platform facts as from plain ones", async () => {
        const plain = await run(agentArgs(), byOption);
        const wrapped = await run(asOutputs(agentArgs()), byOption);
        assert.ok(plain.resources.length >= 12);
        assert.deepEqual(registrations(wrapped.resources), registrations(plain.resources));
    });

    it("throws a known bad value before anything registers, and fails the deployment with the same error when an Output carries it", async () => {
        const bad = agentArgs({ allowedModels: ["gpt-4o"], gateway: { ...agentArgs().gateway, port: 70000 } });
        const plain = await run(bad, byOption);
        assert.ok(plain.result.error instanceof ValidationError);
        assert.match(plain.result.error.message, /gateway\.port: got 70000/);
        assert.match(plain.result.error.message, /models\.ROUTER_MODEL: got "llama-3\.1-8b"; expected a model the tenant may use \(gpt-4o\)/);
        assert.deepEqual(plain.resources.map((r) => r.name), ["k8s"]);
        // The constructor accepts the Outputs; the run (as `pulumi up` would) fails once they resolve.
        const failure = await run(asOutputs(bad), byOption).then(() => assert.fail("expected the deployment to fail"), (e: Error) => e);
        assertSameValidationError(failure, plain.result.error);
    });

    it("registers every Kubernetes child with the provider in its providers option", async () => {
        const { resources } = await run(agentArgs(), () => ({ providers: { kubernetes: new k8sSdk.Provider("tenant", { kubeconfig: "{}" }) } }));
        const provider = resources.find((r) => r.name === "tenant")!;
        const children = childrenOf(resources, resources.find((r) => r.type === T.component)!).filter((r) => r.type.startsWith("kubernetes:"));
        assert.equal(children.length, 9);
        for (const child of children) assert.equal(child.provider, `${provider.urn}::tenant-id`, child.name);
    });

    it("refuses a deprecated provider arg that differs from the provider option", async () => {
        const { result } = await run({ ...agentArgs(), provider: new k8sSdk.Provider("other", { kubeconfig: "{}" }) }, byOption);
        assert.ok(result.error instanceof ValidationError);
        assert.match(result.error.message, /provider: got "\(a k8s\.Provider\)"; the resource options name another Kubernetes provider/);
    });
});

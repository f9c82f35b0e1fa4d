import assert from "node:assert/strict";
import { AgentService } from "../../components/agent-service";
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
import type { RecordedResource } from "../harness";
import { deployAgent, RDS_HOST } from "./fixtures";

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

    it("exposes its URL and database as plain outputs", () => {
        assert.equal(agent.url, "http://assistant.research.svc.cluster.local:8080");
        assert.equal(agent.databaseName, "agent_research_assistant");
        assert.equal(agent.databaseSecretName, "assistant-checkpoint-db");
    });

    it("two agents of two tenants in one stack never collide", async () => {
        const other = await deployAgent("assistant", { tenant: "search" });
        const job = (rs: RecordedResource[]) => rs.find((r) => r.inputs.kind === "Job")!.inputs.metadata.name;
        assert.notEqual(job(other.resources), job(resources));
        assert.equal(other.agent.databaseName, "agent_search_assistant");
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

import assert from "node:assert/strict";
import * as pulumiK8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../../components/internal/errors";
import { KnownTenantNamespaceArgs, TenantNamespace, TenantNamespaceArgs } from "../../components/tenant-namespace";
import { evaluatePolicies } from "../../policies/evaluate";
import { containerResources } from "../../policies/kubernetes/container-resources";
import { imageProvenance } from "../../policies/kubernetes/image-provenance";
import { noHostAccess } from "../../policies/kubernetes/no-host-access";
import { gpuManagedNamespaces } from "../../policies/stack/gpu-managed-namespaces";
import { gpuQuotaWithinPoolLimits } from "../../policies/stack/gpu-quota-within-pool-limits";
import { tenantIsolation } from "../../policies/stack/tenant-isolation";
import { type RecordedResource, runWithMocks } from "../../plan/recorder";
import { conformanceErrors } from "../harness/conformance";
import { assertSameValidationError, childrenOf as childrenOfComponent, registrations } from "../harness/inputs";
import { k8s, resource } from "../policies/helpers";
import { deploy, object, RESEARCH, ROLE_ARN, tenantArgs, VIEWER_ARN, WEB } from "./fixtures";

const T = {
    component: "genai-platform:index:TenantNamespace",
    accessEntry: "aws:eks/accessEntry:AccessEntry",
    association: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    job: "kubernetes:batch/v1:Job",
};

const ofType = (resources: readonly RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const component = (resources: readonly RecordedResource[], name: string) => resources.find((r) => r.type === T.component && r.name === name)!;
const childrenOf = (resources: readonly RecordedResource[], name: string) => resources.filter((r) => r.parent === component(resources, name).urn);
const kinds = (resources: readonly RecordedResource[]) => resources.map((r) => r.inputs.kind ?? r.type.split(":").pop()).sort();

describe("TenantNamespace component", () => {
    let resources: RecordedResource[];

    before(async () => {
        resources = await deploy(RESEARCH, WEB);
    });

    it("registers every child under the component, named after it, with the given provider", () => {
        const research = childrenOf(resources, "research");
        assert.deepEqual(kinds(research), [
            "AccessEntry", "AccessEntry", "AccessPolicyAssociation", "AccessPolicyAssociation",
            "Job", "LimitRange", "Namespace",
            "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy",
            "ResourceQuota", "Role", "Role", "Role", "RoleBinding", "RoleBinding", "RoleBinding", "Secret", "ServiceAccount",
        ]);
        assert.deepEqual(kinds(childrenOf(resources, "web")), [
            "Job", "LimitRange", "Namespace", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy", "NetworkPolicy",
            "ResourceQuota", "Role", "RoleBinding", "Secret", "ServiceAccount",
        ]);
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        for (const tenant of ["research", "web"]) {
            for (const child of childrenOf(resources, tenant)) {
                assert.ok(child.name.startsWith(`${tenant}-`), child.name);
                if (child.type.startsWith("kubernetes:")) assert.equal(child.provider, `${provider.urn}::${provider.name}-id`, child.name);
            }
        }
        const urns = resources.map((r) => r.urn);
        assert.equal(new Set(urns).size, urns.length, "two tenants in one stack never collide");
    });

    it("creates the namespaced objects after the namespace, and the Job after what it needs", () => {
        const namespace = childrenOf(resources, "research").find((r) => r.inputs.kind === "Namespace")!;
        const inNamespace = childrenOf(resources, "research").filter((r) => r.type.startsWith("kubernetes:") && r.inputs.metadata?.namespace === "research");
        assert.equal(inNamespace.length, 18);
        for (const r of inNamespace) assert.ok(r.dependsOn.includes(namespace.urn), r.name);
        const job = ofType(childrenOf(resources, "research"), T.job)[0];
        const needed = childrenOf(resources, "research").filter((r) => ["Secret", "ServiceAccount"].includes(r.inputs.kind) || r.inputs.metadata?.name === "llm-gateway-key-writer");
        assert.equal(needed.length, 4);
        for (const r of needed) assert.ok(job.dependsOn.includes(r.urn), r.name);
    });

    it("replaces the team-sync Job in place (it keeps its name) and waits for it as long as its deadline allows", () => {
        const job = ofType(childrenOf(resources, "research"), T.job)[0];
        // A changed or failed Job is replaced under the same name: the old one must go first.
        assert.equal(job.deleteBeforeReplace, true);
        // pulumi-kubernetes waits 10 minutes for a Job by default; the Job may run for activeDeadlineSeconds.
        const deadline = job.inputs.spec.activeDeadlineSeconds as number;
        for (const op of ["create", "update"] as const) {
            const [, minutes] = /^(\d+)m$/.exec(job.customTimeouts?.[op] ?? "") ?? [];
            assert.ok(Number(minutes) * 60 > deadline, `${op} timeout ${job.customTimeouts?.[op]} outlasts the Job's ${deadline}s deadline`);
        }
    });

    it("gives each principal a STANDARD access entry in its level's group and a namespace-scoped policy, nothing cluster-wide", () => {
        const entries = ofType(childrenOf(resources, "research"), T.accessEntry).map((r) => r.inputs);
        assert.deepEqual(entries.map((e) => [e.principalArn, e.type, e.clusterName, e.kubernetesGroups]).sort(), [
            [ROLE_ARN, "STANDARD", "genai-dev", ["genai-platform:research:edit"]],
            [VIEWER_ARN, "STANDARD", "genai-dev", ["genai-platform:research:view"]],
        ]);
        assert.ok(entries.every((e) => e.tags.owner === "research" && e.tags["cost-center"] === "cc-42" && e.tags["genai-platform.io/tenant"] === "research"));
        const associations = ofType(resources, T.association).map((r) => r.inputs);
        assert.deepEqual(associations.map((a) => [a.principalArn, a.policyArn, a.accessScope]).sort(), [
            [ROLE_ARN, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", { type: "namespace", namespaces: ["research"] }],
            [VIEWER_ARN, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", { type: "namespace", namespaces: ["research"] }],
        ]);
        assert.equal(ofType(childrenOf(resources, "web"), T.accessEntry).length, 0);
    });

    it("binds the extra Roles to exactly the groups the access entries use", () => {
        const groups = ofType(resources, T.accessEntry).flatMap((r) => r.inputs.kubernetesGroups).sort();
        const bound = childrenOf(resources, "research")
            .filter((r) => r.inputs.kind === "RoleBinding")
            .flatMap((r) => r.inputs.subjects.filter((s: { kind: string }) => s.kind === "Group").map((s: { name: string }) => s.name))
            .sort();
        assert.deepEqual(bound, groups);
    });

    it("registers quotas, limits and network policies that match each tenant's args", () => {
        assert.equal(object(resources, "ResourceQuota", "tenant-quota", "research").spec.hard["requests.nvidia.com/gpu"], "6");
        assert.equal(object(resources, "ResourceQuota", "tenant-quota", "web").spec.hard["requests.cpu"], "16");
        assert.deepEqual(object(resources, "LimitRange", "container-defaults", "research").spec.limits[0].default, { cpu: "2", memory: "2Gi" });
        assert.deepEqual(object(resources, "NetworkPolicy", "default-deny", "web").spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        assert.equal(object(resources, "Namespace", "research").metadata.labels["genai-platform.io/gpu-quota"], "6");
        assert.equal(object(resources, "Namespace", "web").metadata.labels["genai-platform.io/gpu-quota"], undefined);
    });

    it("runs the team sync beside the gateway's master key, referenced and never copied", () => {
        const jobs = ofType(resources, T.job).map((r) => r.inputs);
        assert.deepEqual(jobs.map((j) => j.metadata.namespace), ["llm-gateway", "llm-gateway"]);
        for (const job of jobs) {
            const env = job.spec.template.spec.containers[0].env;
            assert.deepEqual(env.filter((e: { valueFrom?: unknown }) => e.valueFrom), [
                { name: "LITELLM_MASTER_KEY", valueFrom: { secretKeyRef: { name: "gateway-env", key: "LITELLM_MASTER_KEY" } } },
            ]);
        }
        assert.deepEqual(resources.flatMap((r) => r.secretInputs), [], "the component handles no secret value at all");
        assert.deepEqual(object(resources, "ServiceAccount", "team-sync-web", "llm-gateway").automountServiceAccountToken, false);
    });

    it("exposes the namespace, team, key Secret, access groups and team models as registered outputs", () => {
        assert.deepEqual(component(resources, "research").outputs, {
            namespace: "research",
            teamId: "research",
            keySecretName: "llm-gateway-key",
            accessGroups: { edit: "genai-platform:research:edit", view: "genai-platform:research:view" },
            teamModels: ["llama-3.1-8b", "gpt-4o"],
            gpuQuota: 6,
        });
    });

    it("registers only Kubernetes objects that validate against their upstream schemas", async () => {
        assert.deepEqual(await conformanceErrors(resources), []);
    });

    it("satisfies the platform's policies: isolation, GPU quotas within pools, pinned images, container resources", async () => {
        const nodePool = (name: string, gpus: number) =>
            resource("kubernetes:karpenter.sh/v1:NodePool", k8s(name, undefined, { spec: { template: { metadata: { labels: { "genai-platform.io/pool": name } } }, limits: { "nvidia.com/gpu": String(gpus) } } }), { name: `pool-${name}` });
        const stack = [...resources, nodePool("shared-l4", 8), nodePool("big-h100", 16)];
        const policies = [tenantIsolation, gpuQuotaWithinPoolLimits, gpuManagedNamespaces, containerResources, imageProvenance, noHostAccess];
        const found = await evaluatePolicies(stack, {}, policies);
        assert.deepEqual(found.map((v) => `${v.policyName}: ${v.message}`), []);
        // The same check fails a tenant whose default-deny is missing, so the pass above means something.
        const withoutDeny = stack.filter((r) => !(r.inputs.kind === "NetworkPolicy" && r.inputs.metadata.name === "default-deny" && r.inputs.metadata.namespace === "web"));
        assert.deepEqual((await evaluatePolicies(withoutDeny, {}, [tenantIsolation])).map((v) => v.message), [
            'Tenant namespace "web" lacks a default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules).',
        ]);
    });
});

describe("TenantNamespace from another stack's outputs", () => {
    /** Runs one TenantNamespace for RESEARCH; `wrap` may turn its platform facts into Outputs, `options` sets resource options. */
    const run = (wrap: (args: KnownTenantNamespaceArgs) => TenantNamespaceArgs, options: (provider: pulumiK8s.Provider) => pulumi.ComponentResourceOptions) =>
        runWithMocks(() => {
            const provider = new pulumiK8s.Provider("k8s", { kubeconfig: "{}" });
            try {
                return { tenant: new TenantNamespace("research", wrap({ ...tenantArgs(provider, RESEARCH), provider: undefined }), options(provider)) };
            } catch (error) {
                return { error: error as Error };
            }
        });
    const outputs = (a: KnownTenantNamespaceArgs): TenantNamespaceArgs => ({
        ...a,
        clusterName: pulumi.output(a.clusterName),
        pools: pulumi.output(a.pools),
        gateway: pulumi.output(a.gateway),
        knownModels: pulumi.output(a.knownModels),
    });

    it("registers the same resources from Output-wrapped pools, gateway, models and cluster name as from plain ones", async () => {
        const plain = await run((a) => a, (provider) => ({ provider }));
        const wrapped = await run(outputs, (provider) => ({ provider }));
        assert.ok(plain.resources.length > 20);
        assert.deepEqual(registrations(wrapped.resources), registrations(plain.resources));
    });

    it("fails the deployment with the same ValidationError when an Output carries a bad value", async () => {
        const bad = (a: KnownTenantNamespaceArgs): KnownTenantNamespaceArgs => ({ ...a, gateway: { ...a.gateway, port: 0 }, knownModels: ["llama-3.1-8b"] });
        const plain = await run(bad, (provider) => ({ provider }));
        assert.ok(plain.result.error instanceof ValidationError);
        assert.deepEqual(plain.resources.map((r) => r.name), ["k8s"], "a known bad value throws before anything registers");
        // The constructor accepts the Outputs; the run (as `pulumi up` would) fails once they resolve.
        const failure = await run((a) => outputs(bad(a)), (provider) => ({ provider })).then(() => assert.fail("expected the deployment to fail"), (e: Error) => e);
        assertSameValidationError(failure, plain.result.error);
        assert.match(plain.result.error.message, /gateway\.port: got 0/);
    });

    it("registers every Kubernetes child with the provider in its providers option", async () => {
        const { resources } = await run((a) => a, () => ({ providers: { kubernetes: new pulumiK8s.Provider("tenant", { kubeconfig: "{}" }) } }));
        const provider = resources.find((r) => r.name === "tenant")!;
        const children = childrenOfComponent(resources, component(resources, "research")).filter((r) => r.type.startsWith("kubernetes:"));
        assert.ok(children.length > 20);
        for (const child of children) assert.equal(child.provider, `${provider.urn}::tenant-id`, child.name);
    });

    it("refuses a deprecated provider arg that differs from the provider option", async () => {
        const { result, resources } = await run((a) => ({ ...a, provider: new pulumiK8s.Provider("other", { kubeconfig: "{}" }) }), (provider) => ({ provider }));
        assert.ok(result.error instanceof ValidationError);
        assert.match(result.error.message, /provider: got "\(a k8s\.Provider\)"; the resource options name another Kubernetes provider/);
        assert.equal(ofType(resources, T.component).length, 0);
    });
});

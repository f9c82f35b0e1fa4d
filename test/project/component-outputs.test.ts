/**
 * Every component's public API through resource options and outputs: each
 * public output property is registered (`registerOutputs`) and, where the
 * component is tenant-facing, is an Output; every Kubernetes child takes the
 * provider given in `opts.providers`.
 */
import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AgentService, GpuCluster, LlmGateway, ModelEndpoint, ObservabilityStack, TenantNamespace } from "../../components";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";
import { type RecordedResource, runWithMocks } from "../../plan/recorder";
import { agentArgs } from "../agent-service/fixtures";
import { minimalArgs as gatewayArgs } from "../llm-gateway/fixtures";
import { POOLS as ENDPOINT_POOLS } from "../model-endpoint/fixtures";
import { minimalArgs as observabilityArgs } from "../observability-stack/fixtures";
import { SharedState } from "../../components/shared-state";
import { RESEARCH, tenantArgs } from "../tenant-namespace/fixtures";

type Component = pulumi.ComponentResource;

/** Each component, constructed with `opts` and no provider arg. */
const COMPONENTS: Record<string, (opts: pulumi.ComponentResourceOptions) => Component> = {
    GpuCluster: (opts) => new GpuCluster("cluster", { pools: [{ name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 }], endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, deployerPrincipalArn: MOCK_DEPLOYER_ARN }, opts),
    ModelEndpoint: (opts) => new ModelEndpoint("llama", { cluster: { pools: ENDPOINT_POOLS, clusterName: "genai-test" }, pool: "l4", namespace: "models", model: "s3://acme-models/llama" }, opts),
    LlmGateway: (opts) => new LlmGateway("gateway", { ...gatewayArgs(undefined as unknown as k8s.Provider), provider: undefined }, opts),
    ObservabilityStack: (opts) => new ObservabilityStack("obs", { ...observabilityArgs(undefined as unknown as k8s.Provider), provider: undefined }, opts),
    TenantNamespace: (opts) => new TenantNamespace("research", { ...tenantArgs(undefined as unknown as k8s.Provider, RESEARCH), provider: undefined }, opts),
    AgentService: (opts) => new AgentService("assistant", agentArgs(), opts),
    SharedState: (opts) => new SharedState("state", { vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"], clusterSecurityGroupId: "sg-1", databases: ["litellm", "langfuse"] }, opts),
};

/**
 * Public properties of the platform-only components that are still plain
 * values known at plan time (the platform program composes them before
 * deployment). Registered like every output, but not yet Outputs; the list is
 * exact, so converting one shrinks it.
 */
const PLAIN_FACTS: Record<string, string[]> = {
    GpuCluster: ["pools"],
    LlmGateway: ["adminConnection", "baseUrl", "database", "models", "namespace", "serviceName"],
    // And grafanaUrl, langfusePublicUrl when the stack is exposed (unset here).
    SharedState: ["cache", "databases"],
    ObservabilityStack: ["collector", "langfuse", "langfuseAdminEmail", "namespaces", "prometheusUrl"],
};

/** A component's public properties: own, enumerable, not Pulumi's (`urn`, `__…`) nor the platform-only `settings`. */
function publicProperties(component: Component): Record<string, unknown> {
    return Object.fromEntries(Object.entries(component).filter(([k]) => k !== "urn" && k !== "settings" && !k.startsWith("__")));
}

const isResource = (v: unknown) => pulumi.Resource.isInstance(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => pulumi.Resource.isInstance(x)));
const isOutputs = (v: unknown) => pulumi.Output.isInstance(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => pulumi.Output.isInstance(x)));

async function run(make: (opts: pulumi.ComponentResourceOptions) => Component) {
    return runWithMocks(() => {
        const provider = new k8s.Provider("option-k8s", { kubeconfig: "{}" });
        return { component: make({ providers: { kubernetes: provider } }) };
    });
}

/** Resources under `root`, at any depth. */
function descendants(resources: readonly RecordedResource[], root: RecordedResource): RecordedResource[] {
    const below = resources.filter((r) => r.parent === root.urn);
    return below.flatMap((r) => [r, ...descendants(resources, r)]);
}

describe("every component's outputs and resource options", () => {
    for (const [type, make] of Object.entries(COMPONENTS)) {
        describe(type, () => {
            let resources: RecordedResource[];
            let component: Component;
            before(async () => {
                const result = await run(make);
                resources = result.resources;
                component = result.result.component;
            });

            it("registers every public output property with registerOutputs", () => {
                const recorded = resources.find((r) => r.type === `genai-platform:index:${type}`)!;
                const outputs = Object.keys(publicProperties(component)).filter((k) => !isResource((component as unknown as Record<string, unknown>)[k]));
                assert.ok(outputs.length > 0);
                const missing = outputs.filter((k) => !(k in (recorded.outputs ?? {})) && (component as unknown as Record<string, unknown>)[k] !== undefined);
                assert.deepEqual(missing, [], `${type} does not register ${missing.join(", ")}`);
            });

            it("exposes each public output property as an Output (plain only where listed)", () => {
                const plain = Object.entries(publicProperties(component))
                    .filter(([, v]) => v !== undefined && !isResource(v) && !isOutputs(v))
                    .map(([k]) => k)
                    .sort();
                assert.deepEqual(plain, PLAIN_FACTS[type] ?? []);
            });

            it("registers every Kubernetes child with the provider given in opts.providers", () => {
                const option = resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "option-k8s")!;
                const recorded = resources.find((r) => r.type === `genai-platform:index:${type}`)!;
                // GpuCluster creates the cluster, and its Kubernetes children target that cluster's own provider.
                const own = resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.parent === recorded.urn);
                const expected = own ?? option;
                const children = descendants(resources, recorded).filter((r) => r.custom && r.type.startsWith("kubernetes:"));
                assert.ok(children.length > 0);
                for (const child of children) assert.equal(child.provider, `${expected.urn}::${expected.name}-id`, child.name);
            });
        });
    }
});

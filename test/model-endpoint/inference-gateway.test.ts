/**
 * The inference Gateway add-on: agentgateway v1.4.1 (chart values, CRD
 * manifests), its internal Gateway and AgentgatewayParameters, the namespace's
 * Pod Security level against what the controller and its proxies run, and the
 * NetworkPolicies that keep it LiteLLM-only.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { addonPlacement } from "../../components/gpu-cluster/values";
import { platformPeer } from "../../components/internal/network-policy";
import { CHARTS, CRD_MANIFESTS } from "../../components/internal/versions";
import { GATEWAY_POD_LABELS } from "../../components/llm-gateway/manifests";
import {
    agentgatewayValues,
    inferenceGatewayNetworkPolicies,
    proxyPodLabels,
    renderGateway,
    renderGatewayParameters,
    renderInferenceGatewayNamespace,
} from "../../components/model-endpoint/inference-gateway";
import { agentgatewayControllerObjects, agentgatewayProxies } from "../harness/fixtures/agentgateway";
import { KubernetesObject, REFERENCE_DIR, schemaErrors, skipWithoutReference, unknownValuePaths } from "../harness/conformance";
import { decideFlow } from "../harness/network";
import { podSecurityFindings } from "../harness/pod-security";

const OPTIONS = { placement: addonPlacement("karpenter"), routeNamespaces: ["models"], replicas: 2 };
const NAMESPACE = "agentgateway-system";
const release = { resource: "r", name: "agentgateway", chart: CHARTS.agentgateway.chart, version: CHARTS.agentgateway.version, namespace: NAMESPACE, values: agentgatewayValues(OPTIONS) };

/** Everything the add-on puts in its namespace: ours, the chart's (stand-in) and the controller's proxies (fixture). */
function addonObjects(parameters = renderGatewayParameters(OPTIONS)): KubernetesObject[] {
    const ours = [renderInferenceGatewayNamespace(), parameters, renderGateway(OPTIONS)];
    return [...ours, ...agentgatewayControllerObjects(release), ...agentgatewayProxies([NAMESPACE], ours)];
}

describe("inference Gateway (agentgateway v1.4.1)", () => {
    before(function () {
        skipWithoutReference(this);
    });

    it("pins the chart and every CRD manifest at a tag", () => {
        assert.equal(CHARTS.agentgateway.version, "v1.4.1");
        for (const m of Object.values(CRD_MANIFESTS)) for (const url of m.urls) assert.match(url, /\/(v\d+\.\d+\.\d+)\//, url);
    });

    it("sets only value paths the pinned chart defines, InferencePool support among them", () => {
        const reference = YAML.parse(fs.readFileSync(path.join(REFERENCE_DIR, "charts", "agentgateway-v1.4.1", "values.yaml"), "utf8"));
        assert.deepEqual(unknownValuePaths(agentgatewayValues(OPTIONS), reference), []);
        assert.equal(agentgatewayValues(OPTIONS).inferenceExtension.enabled, true);
    });

    it("validates the Gateway, its GatewayClass and AgentgatewayParameters against the Gateway API v1.6.1 and agentgateway CRDs", async () => {
        assert.deepEqual(await schemaErrors(renderGateway(OPTIONS)), []);
        assert.deepEqual(await schemaErrors(renderGatewayParameters(OPTIONS)), []);
        // The GatewayClass the controller creates (fixture) too.
        const gatewayClass = addonObjects().find((o) => o.kind === "GatewayClass")!;
        assert.deepEqual(await schemaErrors(gatewayClass), []);
        const planted = { ...renderGateway(OPTIONS), spec: { ...(renderGateway(OPTIONS).spec as object), listeners: [{ name: "http", protocol: "HTTP" }] } };
        assert.ok((await schemaErrors(planted)).some((e) => /must have required property 'port'/.test(e)));
    });

    it("keeps the Gateway internal: the proxy's Service is ClusterIP, and only the models namespace's routes attach", () => {
        const service = addonObjects().find((o) => o.kind === "Service" && o.metadata?.name === "inference-gateway")!;
        assert.equal((service.spec as { type: string }).type, "ClusterIP");
        assert.deepEqual((service.spec as { ports: unknown[] }).ports, [{ name: "http", protocol: "TCP", targetPort: 8080, port: 8080 }]);
        const listener = (renderGateway(OPTIONS).spec as any).listeners[0];
        assert.deepEqual(listener.allowedRoutes.namespaces, { from: "Selector", selector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["models"] }] } });
        // Without the overlay agentgateway would publish a LoadBalancer (controller/pkg/helm/agentgateway/templates/service.yaml).
        const bare = addonObjects({ ...renderGatewayParameters(OPTIONS), spec: {} }).find((o) => o.kind === "Service" && o.metadata?.name === "inference-gateway")!;
        assert.equal((bare.spec as { type: string }).type, "LoadBalancer");
    });

    it("runs the controller and the proxies under restricted Pod Security, which the seccomp overlays make possible", () => {
        assert.equal((renderInferenceGatewayNamespace().metadata.labels as Record<string, string>)["pod-security.kubernetes.io/enforce"], "restricted");
        const objects = addonObjects();
        assert.deepEqual(objects.filter((o) => o.kind === "Deployment").map((o) => o.metadata?.name).sort(), ["agentgateway", "inference-gateway"]);
        assert.deepEqual(podSecurityFindings(objects, { kubernetesVersion: "1.35" }), []);
        // Planted: the proxy without the parameters' seccomp profile is refused.
        const params = renderGatewayParameters(OPTIONS) as any;
        const withoutSeccomp = { ...params, spec: { ...params.spec, deployment: { spec: { replicas: 2 } } } };
        const findings = podSecurityFindings(addonObjects(withoutSeccomp), { kubernetesVersion: "1.35" });
        assert.deepEqual(findings.map((f) => `${f.object} ${f.check}`), ["Deployment inference-gateway seccompProfile_restricted"]);
    });

    it("admits only the LLM gateway's pods to the proxy's listener", () => {
        const policies = inferenceGatewayNetworkPolicies([platformPeer(GATEWAY_POD_LABELS)]);
        const facts = { enforced: true, podCidrs: ["10.0.0.0/16"], serviceCidr: "172.20.0.0/16" };
        const proxy = { pod: { name: "proxy", namespace: NAMESPACE, labels: proxyPodLabels("inference-gateway"), ports: [] } };
        const litellm = { pod: { name: "litellm", namespace: "llm-gateway", labels: { ...GATEWAY_POD_LABELS }, ports: [] } };
        const tenant = { pod: { name: "app", namespace: "research", labels: { ...GATEWAY_POD_LABELS }, ports: [] } };
        const namespaces: KubernetesObject[] = [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "research", labels: { "genai-platform.io/tenant": "research" } } }];
        const flow = (from: typeof litellm, port: number) => decideFlow([...policies, ...namespaces], facts, { from, to: proxy, port }).allowed;
        assert.equal(flow(litellm, 8080), true);
        assert.equal(flow(litellm, 15020), false, "only the listener");
        assert.equal(flow(tenant, 8080), false, "a tenant pod copying the gateway's labels");
    });
});

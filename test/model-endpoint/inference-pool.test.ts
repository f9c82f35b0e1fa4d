/**
 * KV-cache-aware routing of a ModelEndpoint: the endpoint picker (llm-d-router
 * v0.10.0), its InferencePool, the HTTPRoute on the inference Gateway and the
 * priority objectives; the `routing` arg, its default and its validation.
 */
import assert from "node:assert/strict";
import { ValidationError } from "../../components/internal/errors";
import { IMAGES } from "../../components/internal/versions";
import { defaultRouting, inferenceGatewayRef, Routing } from "../../components/model-endpoint";
import { eppConfig, OBJECTIVE_HEADER, poolSelector } from "../../components/model-endpoint/inference-pool";
import { LWS_WORKER_INDEX_LABEL } from "../../components/model-endpoint/manifests";
import { valueOf } from "../../plan/recorder";
import { conformanceErrors, skipWithoutReference } from "../harness/conformance";
import { construct, one, TYPES } from "./fixtures";

const GATEWAY = inferenceGatewayRef();
const KV_AWARE = { routing: Routing.KvAware, inferenceGateway: GATEWAY, autoscaling: { minReplicas: 1, maxReplicas: 3 } } as const;

const objectsOfKind = (resources: { inputs: any }[], kind: string) => resources.filter((r) => r.inputs?.kind === kind).map((r) => r.inputs);

describe("ModelEndpoint: KV-cache-aware routing", () => {
    it("serves a kv-aware endpoint through an InferencePool of its vLLM pods on port 8000, picked by its own EPP", async () => {
        const { resources, error } = await construct(KV_AWARE);
        assert.equal(error, undefined);
        const [pool] = objectsOfKind(resources, "InferencePool");
        assert.equal(pool.apiVersion, "inference.networking.k8s.io/v1");
        assert.deepEqual(pool.spec, {
            targetPorts: [{ number: 8000 }],
            selector: { matchLabels: { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "llama" } },
            endpointPickerRef: { name: "llama-epp", port: { number: 9002 }, failureMode: "FailOpen" },
        });
        // The pool selects exactly the pods of the vLLM Deployment.
        const vllm = one(resources, TYPES.deployment, "llama-vllm").inputs.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(pool.spec.selector.matchLabels)) assert.equal(vllm[k], v);
        // The picker's Service exposes ext-proc on the port the pool names, and selects the picker's pods.
        const eppService = one(resources, TYPES.service, "llama-epp-svc").inputs;
        assert.deepEqual(eppService.spec.ports[0], { name: "grpc-ext-proc", protocol: "TCP", port: 9002, targetPort: 9002, appProtocol: "kubernetes.io/h2c" });
        const epp = one(resources, TYPES.deployment, "llama-epp").inputs;
        assert.deepEqual(epp.spec.template.metadata.labels, { ...epp.spec.template.metadata.labels, ...eppService.spec.selector });
        const c = epp.spec.template.spec.containers[0];
        assert.equal(c.image, IMAGES.endpointPicker.image);
        assert.deepEqual(c.args.slice(0, 6), ["--pool-name", "llama", "--pool-namespace", "models", "--pool-group", "inference.networking.k8s.io"]);
        assert.deepEqual(epp.spec.strategy, { type: "Recreate" });
    });

    it("reserves a whole core for a production endpoint's picker, a quarter otherwise, never capping its CPU", async () => {
        const picker = async (production: boolean) => {
            const { resources, error } = await construct({ ...KV_AWARE, production, autoscaling: { minReplicas: production ? 2 : 1, maxReplicas: 3 } });
            assert.equal(error, undefined);
            return one(resources, TYPES.deployment, "llama-epp").inputs.spec.template.spec.containers[0].resources;
        };
        assert.deepEqual(await picker(true), { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "4Gi" } });
        assert.deepEqual(await picker(false), { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "4Gi" } });
    });

    it("configures the picker with upstream's prefix-cache, KV-cache and queue scorers, and queues by priority (flow control)", () => {
        const config = eppConfig();
        for (const line of ["kind: EndpointPickerConfig", "- flowControl", "- type: prefix-cache-scorer", "- type: kv-cache-utilization-scorer", "- type: queue-scorer", "- type: metrics-data-source"]) {
            assert.ok(config.includes(line), line);
        }
        assert.match(config, /pluginRef: prefix-cache-scorer\n {4}weight: 3/);
    });

    it("gives the picker only read access to its pool's pods, pools and objectives", async () => {
        const { resources } = await construct(KV_AWARE);
        const [role] = objectsOfKind(resources, "Role");
        assert.deepEqual(role.rules.flatMap((r: { verbs: string[] }) => r.verbs).filter((v: string) => !["get", "watch", "list"].includes(v)), []);
        assert.deepEqual(role.rules.map((r: { apiGroups: string[] }) => r.apiGroups[0]), ["", "inference.networking.k8s.io", "llm-d.ai"]);
    });

    it("attaches an HTTPRoute to the inference Gateway, matched by the endpoint header, and the gateway's route goes there", async () => {
        const { resources, endpoint } = await construct(KV_AWARE);
        const [route] = objectsOfKind(resources, "HTTPRoute");
        assert.deepEqual(route.spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "inference-gateway", namespace: "agentgateway-system" }]);
        assert.deepEqual(route.spec.rules[0].backendRefs, [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: "llama" }]);
        assert.deepEqual(route.spec.rules[0].matches[0].headers, [{ type: "Exact", name: "x-genai-platform-endpoint", value: "models.llama" }]);
        assert.deepEqual(await valueOf(endpoint!.route), {
            servedModelName: "llama",
            namespace: "models",
            baseUrl: "http://inference-gateway.agentgateway-system.svc.cluster.local:8080/v1",
            headers: { "x-genai-platform-endpoint": "models.llama" },
        });
        assert.equal(await valueOf(endpoint!.baseUrl), "http://inference-gateway.agentgateway-system.svc.cluster.local:8080/v1");
    });

    it("declares one InferenceObjective per priority class on its pool: interactive 10 before batch -10", async () => {
        const { resources } = await construct(KV_AWARE);
        const objectives = objectsOfKind(resources, "InferenceObjective");
        assert.deepEqual(objectives.map((o) => [o.apiVersion, o.metadata.name, o.spec]), [
            ["llm-d.ai/v1alpha2", "llama-interactive", { priority: 10, poolRef: { group: "inference.networking.k8s.io", name: "llama" } }],
            ["llm-d.ai/v1alpha2", "llama-batch", { priority: -10, poolRef: { group: "inference.networking.k8s.io", name: "llama" } }],
        ]);
        // EPP v0.10.0 reads the objective's name from this header (pkg/epp/metadata/consts.go ObjectiveKey).
        assert.equal(OBJECTIVE_HEADER, "x-llm-d-inference-objective");
    });

    it("registers no routing objects for a Service-routed endpoint", async () => {
        const { resources, endpoint } = await construct({ routing: Routing.Service, inferenceGateway: GATEWAY, autoscaling: { maxReplicas: 3 } });
        for (const kind of ["InferencePool", "HTTPRoute", "InferenceObjective"]) assert.deepEqual(objectsOfKind(resources, kind), [], kind);
        const route = await valueOf(endpoint!.route);
        assert.equal(route.baseUrl, "http://llama.models.svc.cluster.local:8000/v1");
        assert.equal(route.headers, undefined);
        assert.equal(await valueOf(endpoint!.baseUrl), "http://llama.models.svc.cluster.local:8000/v1");
    });

    it("selects only LeaderWorkerSet leaders (worker-index 0) for a multi-node endpoint", () => {
        const pods = { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "big" };
        assert.deepEqual(poolSelector(pods), pods);
        assert.deepEqual(poolSelector(pods, 2), { ...pods, [LWS_WORKER_INDEX_LABEL]: "0" });
        assert.equal(LWS_WORKER_INDEX_LABEL, "leaderworkerset.sigs.k8s.io/worker-index");
    });

    describe("default and validation", () => {
        it("defaults to kv-aware in production with more than one replica or node, to service otherwise", () => {
            assert.equal(defaultRouting(true, 2), Routing.KvAware);
            assert.equal(defaultRouting(true, 1, 2), Routing.KvAware);
            assert.equal(defaultRouting(true, 1), Routing.Service);
            assert.equal(defaultRouting(false, 8), Routing.Service);
        });

        it("routes a production endpoint with more than one replica kv-aware when the Gateway is given", async () => {
            const { resources, error } = await construct({ production: true, autoscaling: { minReplicas: 2, maxReplicas: 4 }, inferenceGateway: GATEWAY });
            assert.equal(error, undefined);
            assert.equal(objectsOfKind(resources, "InferencePool").length, 1);
        });

        it("refuses kv-aware routing without the inference Gateway, naming the default that chose it, before registering anything", async () => {
            const { error, resources } = await construct({ production: true, autoscaling: { minReplicas: 2, maxReplicas: 4 } });
            assert.ok(error instanceof ValidationError, String(error));
            assert.match(error.message, /inferenceGateway: got \(missing\); routing "kv-aware" \(the default for a production endpoint with more than one replica or node\) needs the cluster's inference Gateway/);
            assert.deepEqual(resources.map((r) => r.type), ["pulumi:providers:kubernetes"]);
        });

        it("refuses an unknown routing mode, listing the allowed ones", async () => {
            const { error } = await construct({ routing: "round-robin" as Routing });
            assert.ok(error instanceof ValidationError, String(error));
            assert.match(error.message, /routing: got "round-robin"; expected one of "kv-aware", "service"/);
        });

        it("refuses a Gateway reference that is not a DNS label or a port", async () => {
            const { error } = await construct({ ...KV_AWARE, inferenceGateway: { ...GATEWAY, name: "Inference_GW", port: 70000 } });
            assert.ok(error instanceof ValidationError, String(error));
            assert.match(error.message, /inferenceGateway\.name: got "Inference_GW"/);
            assert.match(error.message, /inferenceGateway\.port: got 70000; expected a TCP port from 1 to 65535/);
        });
    });

    describe("conformance", () => {
        before(function () {
            skipWithoutReference(this);
        });

        it("validates the InferencePool, HTTPRoute, InferenceObjectives and the picker's objects against their upstream schemas", async () => {
            const { resources } = await construct(KV_AWARE);
            assert.deepEqual(await conformanceErrors(resources), []);
        });

        it("fails conformance for a planted defect: an InferencePool without targetPorts", async () => {
            const { resources } = await construct(KV_AWARE);
            const pool = resources.find((r) => r.inputs?.kind === "InferencePool")!;
            const planted = { ...pool, inputs: { ...pool.inputs, spec: { ...pool.inputs.spec, targetPorts: undefined } } };
            const errors = await conformanceErrors([planted]);
            assert.ok(errors.some((e) => /InferencePool models\/llama: \/spec must have required property 'targetPorts'/.test(e)), errors.join("\n"));
        });
    });
});

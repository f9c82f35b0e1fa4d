import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as YAML from "yaml";
import { loadStackConfig, parseStackConfig, runStack, secretPlaceholder, stackConfigPath } from "../../plan/stack";
import { GENERATED_SECRET_MARK, secretLeaks } from "../harness/secrets";
import { conformanceErrors, helmValueErrors, skipWithoutReference } from "../harness/conformance";
import { k8sObjects, ofType, RecordedResource } from "../harness";

const STACKS = ["dev", "prod"] as const;

describe("stacks", () => {
    const recorded: Partial<Record<(typeof STACKS)[number], RecordedResource[]>> = {};
    before(async () => {
        for (const stack of STACKS) recorded[stack] = (await runStack(stack, loadStackConfig(stack))).resources;
    });

    it("dev: a spot-first g5/g6 pool with a small limit and a CIDR-restricted public endpoint", () => {
        const dev = recorded.dev!;
        const pool = k8sObjects(dev, "NodePool").find((p) => p.metadata.name === "gpu-small")!;
        const reqs = pool.spec.template.spec.requirements;
        assert.deepEqual(reqs.find((r: any) => r.key === "karpenter.sh/capacity-type").values, ["spot", "on-demand"]);
        assert.deepEqual(reqs.find((r: any) => r.key === "karpenter.k8s.aws/instance-family").values, ["g5", "g6"]);
        assert.equal(pool.spec.limits["nvidia.com/gpu"], "4");
        const eks = ofType(dev, "eks:index:Cluster")[0];
        assert.equal(eks.inputs.endpointPublicAccess, true);
        assert.deepEqual(eks.inputs.publicAccessCidrs, ["203.0.113.0/24"]);
        assert.equal(ofType(dev, "aws:ec2/natGateway:NatGateway").length, 1, "dev profile: one NAT gateway");
    });

    it("prod: a private endpoint plus CI's and the VPN's CIDRs, on-demand and spot pools, a time-sliced pool, Kyverno enforcing", () => {
        const prod = recorded.prod!;
        const eks = ofType(prod, "eks:index:Cluster")[0];
        assert.deepEqual([eks.inputs.endpointPrivateAccess, eks.inputs.endpointPublicAccess], [true, true]);
        assert.deepEqual(eks.inputs.publicAccessCidrs, ["198.51.100.24/32", "203.0.113.0/26"]);
        const pools = k8sObjects(prod, "NodePool");
        assert.deepEqual(pools.map((p) => p.metadata.name).sort(), ["burst-h100", "inference-l40s", "multinode-h100", "platform", "shared-l4"]);
        assert.ok(pools.some((p) => p.spec.template.metadata.labels["nvidia.com/device-plugin.config"] === "shared-l4"));
        const policies = k8sObjects(prod, "ValidatingPolicy");
        assert.ok(policies.length > 0);
        for (const p of policies) assert.deepEqual(p.spec.validationActions, ["Deny"]);
        assert.equal(ofType(prod, "aws:ec2/natGateway:NatGateway").length, 3, "prod profile: a NAT gateway per zone");
    });

    it("prod: Langfuse and Grafana behind one HTTPS ALB whose controller (and IngressClass) comes first; dev exposes nothing", () => {
        const prod = recorded.prod!;
        const controller = ofType(prod, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "aws-load-balancer-controller");
        assert.ok(controller, "prod asks for an ingress, so the cluster installs the AWS Load Balancer Controller");
        const [ingressClass] = k8sObjects(prod, "IngressClass");
        const ingresses = ofType(prod, "kubernetes:networking.k8s.io/v1:Ingress");
        assert.deepEqual(ingresses.map((i) => i.inputs.metadata.namespace).sort(), ["langfuse", "monitoring"]);
        for (const i of ingresses) {
            assert.equal(i.inputs.spec.ingressClassName, ingressClass.metadata.name);
            assert.ok(i.dependsOn.includes(controller.urn), `${i.name} is declared before the controller that serves it`);
        }
        const langfuse = ofType(prod, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "langfuse")!;
        assert.equal(langfuse.inputs.values.langfuse.nextauth.url, "https://langfuse.genai.example.com");
        assert.equal(langfuse.inputs.values.langfuse.features.signUpDisabled, true);
        assert.deepEqual(ofType(recorded.dev!, "kubernetes:networking.k8s.io/v1:Ingress"), []);
        assert.ok(!ofType(recorded.dev!, "kubernetes:helm.sh/v3:Release").some((r) => r.inputs.chart === "aws-load-balancer-controller"));
    });

    it("prod protects every database, cache and KMS key from deletion; dev does not", () => {
        const stateful = (stack: (typeof STACKS)[number]) =>
            recorded[stack]!.filter((r) => ["aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:kms/key:Key"].includes(r.type));
        assert.equal(stateful("prod").length, 5);
        for (const r of stateful("prod")) assert.ok(r.protect || r.inputs.deletionProtection === true, `${r.name} is unprotected`);
        for (const r of stateful("dev")) assert.ok(!r.protect && r.inputs.deletionProtection !== true, `${r.name} blocks dev teardown`);
    });

    it("dev Kyverno policies only audit", () => {
        for (const p of k8sObjects(recorded.dev!, "ValidatingPolicy")) assert.deepEqual(p.spec.validationActions, ["Audit"]);
    });

    it("tags every taggable AWS resource with environment, owner and cost-center", () => {
        for (const stack of STACKS) {
            const taggable = recorded[stack]!.filter((r) => r.type.startsWith("aws:") && r.inputs.tags);
            assert.ok(taggable.length > 10);
            for (const r of taggable) {
                assert.equal(r.inputs.tags.environment, stack, `${r.name} lacks environment`);
                assert.ok(r.inputs.tags.owner && r.inputs.tags["cost-center"], `${r.name} lacks owner/cost-center`);
            }
        }
    });

    describe("serving path", () => {
        const gatewayConfig = (resources: RecordedResource[]) =>
            YAML.parse(k8sObjects(resources, "ConfigMap").find((c) => c.data?.["config.yaml"])!.data["config.yaml"]);

        it("dev: one small model that scales to zero behind a gateway with a hosted fallback", () => {
            const dev = recorded.dev!;
            const [scaled] = k8sObjects(dev, "ScaledObject");
            assert.equal(scaled.spec.idleReplicaCount, 0);
            const config = gatewayConfig(dev);
            const self = config.model_list.find((m: any) => m.model_name === "qwen25-7b");
            assert.equal(self.litellm_params.model, "hosted_vllm/qwen25-7b");
            // Dev's one model opts in to kv-aware routing: through the inference Gateway, its HTTPRoute picked by header.
            assert.equal(self.litellm_params.api_base, "http://inference-gateway.agentgateway-system.svc.cluster.local:8080/v1");
            assert.equal(self.litellm_params.extra_headers["x-genai-platform-endpoint"], "models.qwen25-7b");
            assert.deepEqual(config.router_settings.fallbacks, [{ "qwen25-7b": ["gpt-4.1-mini"] }]);
        });

        it("prod: several warm models, one tensor-parallel over 4 GPUs, an HA gateway routing to each", () => {
            const prod = recorded.prod!;
            const deployments = k8sObjects(prod, "Deployment").filter((d) => d.spec.template.spec.containers[0].image.startsWith("vllm/"));
            assert.equal(deployments.length, 3);
            const big = deployments.find((d) => d.metadata.name === "qwen25-72b")!;
            const container = big.spec.template.spec.containers[0];
            assert.ok(container.args.join(" ").includes("--tensor-parallel-size 4"), container.args.join(" "));
            assert.equal(String(container.resources.limits["nvidia.com/gpu"]), "4");
            for (const so of k8sObjects(prod, "ScaledObject")) assert.equal(so.spec.idleReplicaCount, undefined);
            const config = gatewayConfig(prod);
            for (const d of deployments) {
                // Replicated prod endpoints route kv-aware: through the inference Gateway to their InferencePool.
                const route = config.model_list.find((m: any) => m.litellm_params.model === `hosted_vllm/${d.metadata.name}`);
                assert.equal(route?.litellm_params.api_base, "http://inference-gateway.agentgateway-system.svc.cluster.local:8080/v1");
                assert.equal(route?.litellm_params.extra_headers["x-genai-platform-endpoint"], `models.${d.metadata.name}`);
            }
            const gateway = k8sObjects(prod, "Deployment").find((d) => d.spec.template.spec.containers[0].image.includes("litellm"))!;
            assert.equal(gateway.spec.replicas, 3);
        });

        it("no secret appears in plain text anywhere recorded", () => {
            for (const stack of STACKS) {
                const placeholders = loadStackConfig(stack).secretKeys.map(secretPlaceholder);
                assert.deepEqual(secretLeaks(recorded[stack]!, [GENERATED_SECRET_MARK, ...placeholders]), []);
            }
        });
    });

    describe("observability", () => {
        const secretData = (resources: RecordedResource[], namespace: string) =>
            ofType(resources, "kubernetes:core/v1:Secret").filter((r) => r.inputs.metadata.namespace === namespace).map((r) => r.inputs.stringData ?? {});

        it("the gateway traces with the Langfuse keys the headless init creates", () => {
            for (const stack of STACKS) {
                const langfuse = Object.assign({}, ...secretData(recorded[stack]!, "langfuse"));
                const gateway = Object.assign({}, ...secretData(recorded[stack]!, "llm-gateway"));
                assert.match(langfuse["init-project-public-key"], /^pk-lf-/);
                assert.equal(gateway.LANGFUSE_PUBLIC_KEY, langfuse["init-project-public-key"]);
                assert.equal(gateway.LANGFUSE_SECRET_KEY, langfuse["init-project-secret-key"]);
            }
        });

        it("model endpoints wait for the Prometheus operator and KEDA, and scale on the stack's Prometheus", () => {
            const prod = recorded.prod!;
            const monitoring = ofType(prod, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kube-prometheus-stack")!;
            const keda = ofType(prod, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "keda")!;
            const endpoints = ofType(prod, "genai-platform:index:ModelEndpoint");
            assert.equal(endpoints.length, 4);
            for (const so of ofType(prod, "kubernetes:keda.sh/v1alpha1:ScaledObject")) {
                assert.ok(so.dependsOn.includes(monitoring.urn) && so.dependsOn.includes(keda.urn), so.name);
                assert.equal(so.inputs.spec.triggers[0].metadata.serverAddress, "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090");
            }
        });

        it("exempts the add-on namespaces from the tenant admission policies", () => {
            const policy = k8sObjects(recorded.prod!, "ValidatingPolicy").find((p) => p.metadata.name === "restrict-image-registries")!;
            const excluded = policy.spec.matchConstraints.namespaceSelector.matchExpressions[0].values;
            for (const ns of ["keda", "monitoring", "langfuse", "kube-system", "karpenter"]) assert.ok(excluded.includes(ns), ns);
            assert.ok(!excluded.includes("models"));
        });
    });

    describe("tenants", () => {
        it("dev has two tenants and prod three, one with GPUs on the time-sliced pool", () => {
            const names = (stack: (typeof STACKS)[number]) => ofType(recorded[stack]!, "genai-platform:index:TenantNamespace").map((r) => r.name).sort();
            assert.deepEqual(names("dev"), ["tenant-research", "tenant-search"]);
            assert.deepEqual(names("prod"), ["tenant-assistants", "tenant-research", "tenant-search"]);
            const ns = k8sObjects(recorded.prod!, "Namespace").find((n) => n.metadata.name === "assistants")!;
            assert.equal(ns.metadata.labels["genai-platform.io/gpu-pools"], "shared-l4");
            assert.equal(ns.metadata.labels["genai-platform.io/gpu-quota"], "16", "4 L4s time-sliced 4 ways: 16 slices, the quota's unit");
            assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        });

        it("each tenant's gateway team is synced by a Job in the gateway's namespace, beside the metrics-key Job", () => {
            const jobs = k8sObjects(recorded.prod!, "Job");
            assert.equal(jobs.filter((j) => j.metadata.name.startsWith("team-sync-")).length, 3);
            assert.equal(jobs.filter((j) => j.metadata.name.includes("-metrics-key-")).length, 1);
            for (const job of jobs) assert.equal(job.metadata.namespace, "llm-gateway");
        });
    });

    describe("conformance", function () {
        before(function () {
            skipWithoutReference(this);
        });
        for (const stack of STACKS) {
            it(`${stack}: every Kubernetes object validates against its upstream schema`, async () => {
                assert.deepEqual(await conformanceErrors(recorded[stack]!), []);
            });
            it(`${stack}: every Helm value path exists in its pinned chart`, () => {
                assert.deepEqual(helmValueErrors(recorded[stack]!), []);
            });
        }
    });
});

describe("stack config files", () => {
    it("turn secure: values into labelled placeholders marked secret", () => {
        const parsed = parseStackConfig("config:\n  genai-platform:apiKey:\n    secure: AAABAMj0\n  aws:region: eu-west-1\n");
        assert.equal(parsed.config["genai-platform:apiKey"], "<offline-plan placeholder for secret genai-platform:apiKey>");
        assert.deepEqual(parsed.secretKeys, ["genai-platform:apiKey"]);
        assert.equal(parsed.config["aws:region"], "eu-west-1");
    });

    it("are complete YAML documents for every stack", () => {
        for (const stack of STACKS) {
            const doc = YAML.parse(fs.readFileSync(stackConfigPath(stack), "utf8"));
            assert.equal(doc.config["genai-platform:environment"], stack);
        }
    });
});

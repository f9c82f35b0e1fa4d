import assert from "node:assert/strict";
import * as awsSdk from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuCluster } from "../../components/gpu-cluster";
import { GPU_TOLERATION, POOL_LABEL } from "../../components/gpu-cluster/manifests";
import { DEFAULT_PROMETHEUS_URL, ModelEndpoint } from "../../components/model-endpoint";
import { ValidationError } from "../../components/internal/errors";
import { IMAGES } from "../../components/internal/versions";
import { runWithMocks, valueOf } from "../../plan/recorder";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";
import { conformanceErrors } from "../harness/conformance";
import { assertSameValidationError, childrenOf, registrations } from "../harness/inputs";
import { CLUSTER_NAME, construct, customResource, one, ofType, POOLS, podSpec, TYPES, type TestArgs } from "./fixtures";

const WAKE = 'sum(rate(litellm_deployment_failure_responses_total{api_base=~".*llama.models.svc.*"}[2m]))';
const TOKEN = "hf_NotARealTokenButUnique1234";

const vllm = (spec: Record<string, any>) => spec.containers.find((c: { name: string }) => c.name === "vllm");
const envNamed = (container: Record<string, any>, name: string) => container.env.find((e: { name: string }) => e.name === name);

describe("ModelEndpoint", () => {
    describe("vLLM server", () => {
        it("renders `vllm serve` args, GPU limits and resources from the typed args", async () => {
            const { resources } = await construct({
                servedModelName: "llama-3.1-8b",
                tensorParallelSize: 4,
                maxModelLen: 32768,
                gpuMemoryUtilization: 0.85,
                enablePrefixCaching: false,
                maxNumSeqs: 128,
                dtype: "bfloat16",
                quantization: "fp8",
                extraArgs: ["--enable-chunked-prefill"],
            });
            const c = vllm(podSpec(resources));
            assert.equal(c.image, IMAGES.vllm.image);
            assert.deepEqual(c.command, ["vllm", "serve"]);
            assert.deepEqual(c.args, [
                "meta-llama/Llama-3.1-8B-Instruct",
                "--served-model-name", "llama-3.1-8b",
                "--port", "8000",
                "--tensor-parallel-size", "4",
                "--gpu-memory-utilization", "0.85",
                "--max-num-seqs", "128",
                "--no-enable-prefix-caching",
                "--max-model-len", "32768",
                "--dtype", "bfloat16",
                "--quantization", "fp8",
                "--enable-chunked-prefill",
            ]);
            const expected = { cpu: "16", memory: "96Gi", "nvidia.com/gpu": "4" };
            assert.deepEqual(c.resources, { requests: expected, limits: expected });
            const shm = podSpec(resources).volumes.find((v: { name: string }) => v.name === "shm");
            assert.deepEqual(shm.emptyDir, { medium: "Memory", sizeLimit: "16Gi" });
        });

        it("defaults to one GPU with prefix caching and leaves unset options to vLLM", async () => {
            const { resources } = await construct({});
            const c = vllm(podSpec(resources));
            assert.deepEqual(c.args, [
                "meta-llama/Llama-3.1-8B-Instruct",
                "--served-model-name", "llama",
                "--port", "8000",
                "--tensor-parallel-size", "1",
                "--gpu-memory-utilization", "0.9",
                "--max-num-seqs", "256",
                "--enable-prefix-caching",
            ]);
            assert.deepEqual(c.resources.limits, { cpu: "4", memory: "24Gi", "nvidia.com/gpu": "1" });
        });

        it("takes CPU, memory and shared-memory overrides, keeping requests equal to limits", async () => {
            const { resources } = await construct({ tensorParallelSize: 2, resources: { cpu: "6", memory: "40Gi", shmSize: "2Gi" } });
            const c = vllm(podSpec(resources));
            assert.deepEqual(c.resources.requests, { cpu: "6", memory: "40Gi", "nvidia.com/gpu": "2" });
            assert.deepEqual(c.resources.limits, c.resources.requests);
            assert.equal(podSpec(resources).volumes.find((v: { name: string }) => v.name === "shm").emptyDir.sizeLimit, "2Gi");
        });

        it("probes /health with a startup budget that covers a slow load, and drains before stopping", async () => {
            const { resources } = await construct({ startupTimeoutSeconds: 3600, terminationGracePeriodSeconds: 300 });
            const spec = podSpec(resources);
            const c = vllm(spec);
            for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
                assert.deepEqual(probe.httpGet, { path: "/health", port: "http" });
            }
            assert.ok(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds >= 3600);
            assert.equal(spec.terminationGracePeriodSeconds, 300);
            assert.deepEqual(c.lifecycle.preStop, { sleep: { seconds: 10 } });

            const defaults = vllm(podSpec((await construct({})).resources));
            assert.ok(defaults.startupProbe.failureThreshold * defaults.startupProbe.periodSeconds >= 30 * 60);
            assert.equal(podSpec((await construct({})).resources).terminationGracePeriodSeconds, 120);
        });

        it("lets Kubernetes and Pulumi wait for a GPU node plus the model load, and leaves replicas to KEDA", async () => {
            const { resources } = await construct({ startupTimeoutSeconds: 1800 });
            const deployment = one(resources, TYPES.deployment);
            assert.equal(deployment.inputs.spec.progressDeadlineSeconds, 2700);
            assert.equal(deployment.inputs.spec.replicas, undefined);
            assert.deepEqual(deployment.inputs.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        });
    });

    describe("scheduling", () => {
        it("selects the pool's nodes and tolerates the GPU taint", async () => {
            const { resources } = await construct({ pool: "h100", tensorParallelSize: 8 });
            const spec = podSpec(resources);
            assert.deepEqual(spec.nodeSelector, { [POOL_LABEL]: "h100" });
            assert.deepEqual(spec.tolerations, [GPU_TOLERATION]);
            assert.equal(vllm(spec).resources.limits["nvidia.com/gpu"], "8");
        });
    });

    describe("restricted Pod Security", () => {
        it("sets the restricted fields on the pod and every container", async () => {
            const { resources } = await construct({ hfToken: TOKEN, cacheVolume: {} });
            const spec = podSpec(resources);
            assert.equal(spec.securityContext.runAsNonRoot, true);
            assert.equal(typeof spec.securityContext.runAsUser, "number");
            assert.notEqual(spec.securityContext.runAsUser, 0);
            assert.deepEqual(spec.securityContext.seccompProfile, { type: "RuntimeDefault" });
            assert.equal(spec.hostNetwork ?? false, false);
            const containers = [...spec.containers, ...(spec.initContainers ?? [])];
            assert.ok(containers.length > 0);
            for (const c of containers) {
                const sc = c.securityContext;
                assert.equal(sc.runAsNonRoot, true, c.name);
                assert.ok(Number.isInteger(sc.runAsUser) && sc.runAsUser > 0, c.name);
                assert.equal(sc.allowPrivilegeEscalation, false, c.name);
                assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, c.name);
                assert.deepEqual(sc.seccompProfile, { type: "RuntimeDefault" }, c.name);
                assert.equal(sc.readOnlyRootFilesystem, true, c.name);
                assert.equal(sc.privileged ?? false, false, c.name);
            }
            assert.ok(spec.volumes.every((v: Record<string, unknown>) => !("hostPath" in v)));
        });

        it("puts HOME, HF_HOME and every cache vLLM writes on writable volumes", async () => {
            for (const args of [{}, { cacheVolume: {} }, { model: "s3://acme-models/llama" }] as Partial<TestArgs>[]) {
                const spec = podSpec((await construct(args)).resources);
                const c = vllm(spec);
                const home = envNamed(c, "HOME").value;
                const writable = c.volumeMounts
                    .filter((m: { readOnly?: boolean; name: string }) => !m.readOnly)
                    .filter((m: { name: string }) => {
                        const volume = spec.volumes.find((v: { name: string }) => v.name === m.name);
                        return volume.emptyDir !== undefined || volume.persistentVolumeClaim !== undefined;
                    })
                    .map((m: { mountPath: string }) => m.mountPath);
                const paths = [home, envNamed(c, "HF_HOME").value, "/tmp", "/dev/shm", `${home}/.cache`, `${home}/.triton`, `${home}/.config/vllm`];
                for (const p of paths) {
                    assert.ok(writable.some((m: string) => p === m || p.startsWith(`${m}/`)), `${p} is not on a writable volume (${JSON.stringify(args)})`);
                }
            }
        });
    });

    describe("Hugging Face token", () => {
        it("creates a Secret from hfToken and reaches the pod only through secretKeyRef", async () => {
            const { resources } = await construct({ hfToken: TOKEN });
            const secret = one(resources, TYPES.secret);
            assert.equal(secret.inputs.metadata.name, "llama-hf-token");
            assert.equal(secret.inputs.metadata.namespace, "models");
            assert.equal(secret.inputs.stringData.token, TOKEN);
            assert.ok(secret.secretInputs.some((p) => "stringData.token".startsWith(p)), `secret paths: ${secret.secretInputs}`);

            const c = vllm(podSpec(resources));
            assert.deepEqual(envNamed(c, "HF_TOKEN"), { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "llama-hf-token", key: "token" } } });
            for (const r of resources.filter((x) => x !== secret)) {
                assert.ok(!JSON.stringify(r.inputs).includes(TOKEN), `${r.type} ${r.name} carries the token`);
                assert.ok(!JSON.stringify(r.outputs ?? {}).includes(TOKEN), `${r.type} ${r.name} outputs carry the token`);
            }
            const deployment = one(resources, TYPES.deployment);
            assert.ok(deployment.dependsOn.includes(secret.urn));
        });

        it("references an existing Secret without creating one", async () => {
            const { resources } = await construct({ hfTokenSecret: { name: "hf-creds", key: "HF_TOKEN" } });
            assert.equal(ofType(resources, TYPES.secret).length, 0);
            const env = envNamed(vllm(podSpec(resources)), "HF_TOKEN");
            assert.deepEqual(env.valueFrom, { secretKeyRef: { name: "hf-creds", key: "HF_TOKEN" } });
            assert.equal(env.value, undefined);
        });

        it("sets no token at all when none is given", async () => {
            const { resources } = await construct({});
            assert.equal(envNamed(vllm(podSpec(resources)), "HF_TOKEN"), undefined);
            assert.equal(ofType(resources, TYPES.secret).length, 0);
        });
    });

    describe("S3 weights", () => {
        const S3_MODEL = "s3://acme-models/llama/3.1-8b/";

        it("streams the model from S3 with the Run:ai streamer", async () => {
            const { resources } = await construct({ model: S3_MODEL });
            const c = vllm(podSpec(resources));
            assert.equal(c.args[0], "s3://acme-models/llama/3.1-8b");
            const at = c.args.indexOf("--load-format");
            assert.equal(c.args[at + 1], "runai_streamer");
            assert.equal(podSpec(resources).serviceAccountName, "llama");
            assert.equal(ofType(resources, TYPES.pvc).length, 0);
        });

        it("gives the pods a Pod Identity role that can only read the model's prefix", async () => {
            const { resources } = await construct({ model: S3_MODEL, tags: { team: "ml" } });
            const role = one(resources, TYPES.role);
            assert.ok(role.inputs.name.length <= 64);
            assert.equal(role.inputs.tags.team, "ml");
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
                { Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
            ]);

            const policy = JSON.parse(one(resources, TYPES.rolePolicy).inputs.policy);
            assert.deepEqual(policy.Statement, [
                { Sid: "ReadModelObjects", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-models/llama/3.1-8b/*" },
                {
                    Sid: "ListModelPrefix",
                    Effect: "Allow",
                    Action: "s3:ListBucket",
                    Resource: "arn:aws:s3:::acme-models",
                    Condition: { StringLike: { "s3:prefix": ["llama/3.1-8b", "llama/3.1-8b/*"] } },
                },
            ]);

            const association = one(resources, TYPES.podIdentity);
            assert.equal(association.inputs.clusterName, "genai-test");
            assert.equal(association.inputs.namespace, "models");
            assert.equal(association.inputs.serviceAccount, "llama");
            assert.equal(association.inputs.roleArn, `arn:aws:iam::123456789012:role/${role.inputs.name}`);
            assert.equal(one(resources, TYPES.serviceAccount).inputs.metadata.name, "llama");

            // Pod Identity injects credentials when the pod is created, so the association must exist first.
            const deployment = one(resources, TYPES.deployment);
            assert.ok(deployment.dependsOn.includes(association.urn));
            assert.ok(deployment.dependsOn.includes(one(resources, TYPES.rolePolicy).urn));
        });

        it("creates no AWS resources for Hugging Face models", async () => {
            const { resources } = await construct({});
            assert.equal(resources.filter((r) => r.type.startsWith("aws:")).length, 0);
        });
    });

    describe("persistent cache volume", () => {
        it("mounts a claim of the given StorageClass as the Hugging Face cache and recreates on update", async () => {
            const { resources } = await construct({ cacheVolume: { size: "500Gi" } });
            const pvc = one(resources, TYPES.pvc);
            assert.deepEqual(pvc.inputs.spec, { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "500Gi" } } });
            assert.equal(pvc.inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
            const spec = podSpec(resources);
            const volume = spec.volumes.find((v: Record<string, any>) => v.persistentVolumeClaim);
            assert.equal(volume.persistentVolumeClaim.claimName, pvc.inputs.metadata.name);
            const mount = vllm(spec).volumeMounts.find((m: { name: string }) => m.name === volume.name);
            assert.equal(mount.mountPath, envNamed(vllm(spec), "HF_HOME").value);
            assert.deepEqual(one(resources, TYPES.deployment).inputs.spec.strategy, { type: "Recreate" });
        });

        it("shares a ReadWriteMany cache between replicas with rolling updates", async () => {
            const { resources } = await construct({
                cacheVolume: { storageClassName: "efs-models", accessMode: "ReadWriteMany" },
                autoscaling: { maxReplicas: 3 },
            });
            const pvc = one(resources, TYPES.pvc);
            assert.equal(pvc.inputs.spec.storageClassName, "efs-models");
            assert.deepEqual(pvc.inputs.spec.accessModes, ["ReadWriteMany"]);
            assert.equal(one(resources, TYPES.deployment).inputs.spec.strategy.type, "RollingUpdate");
        });
    });

    describe("Service, PDB and ServiceMonitor", () => {
        it("exposes port 8000 in-cluster to the model's pods and scrapes /metrics", async () => {
            const { resources } = await construct({});
            const podLabels = one(resources, TYPES.deployment).inputs.spec.template.metadata.labels;
            const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);

            const service = one(resources, TYPES.service);
            assert.equal(service.inputs.metadata.name, "llama");
            assert.equal(service.inputs.spec.type, "ClusterIP");
            assert.deepEqual(service.inputs.spec.ports, [{ name: "http", port: 8000, targetPort: "http", protocol: "TCP", appProtocol: "http" }]);
            assert.ok(matches(service.inputs.spec.selector));

            const pdb = one(resources, TYPES.pdb);
            assert.equal(pdb.inputs.spec.maxUnavailable, 1);
            assert.ok(matches(pdb.inputs.spec.selector.matchLabels));

            const monitor = customResource(resources, "ServiceMonitor");
            assert.equal(monitor.inputs.apiVersion, "monitoring.coreos.com/v1");
            assert.equal(monitor.inputs.metadata.labels.release, "kube-prometheus-stack");
            assert.deepEqual(monitor.inputs.spec.endpoints, [{ port: "http", path: "/metrics", interval: "15s" }]);
            const serviceLabels = service.inputs.metadata.labels;
            assert.ok(Object.entries(monitor.inputs.spec.selector.matchLabels).every(([k, v]) => serviceLabels[k] === v));
            assert.deepEqual(monitor.inputs.spec.namespaceSelector, { matchNames: ["models"] });
        });
    });

    describe("autoscaling", () => {
        it("scales on this model's vLLM queue depth through the in-cluster Prometheus", async () => {
            const { resources } = await construct({ servedModelName: "llama-8b", autoscaling: { minReplicas: 1, maxReplicas: 3, targetQueueDepth: 8 } });
            const so = customResource(resources, "ScaledObject");
            assert.equal(so.inputs.apiVersion, "keda.sh/v1alpha1");
            assert.deepEqual(so.inputs.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "llama" });
            assert.equal(so.inputs.spec.minReplicaCount, 1);
            assert.equal(so.inputs.spec.maxReplicaCount, 3);
            assert.equal(so.inputs.spec.idleReplicaCount, undefined);
            const queue = so.inputs.spec.triggers.find((t: { name: string }) => t.name === "queue-depth");
            assert.equal(queue.type, "prometheus");
            assert.equal(queue.metricType, "AverageValue");
            assert.equal(queue.metadata.serverAddress, DEFAULT_PROMETHEUS_URL);
            assert.equal(queue.metadata.query, 'sum(vllm:num_requests_waiting{namespace="models",model_name="llama-8b"})');
            assert.equal(queue.metadata.threshold, "8");
            for (const t of so.inputs.spec.triggers) {
                assert.match(t.metadata.query, /\{namespace="models",model_name="llama-8b"\}/, `${t.name} is not filtered to the model`);
            }
            assert.ok(so.dependsOn.includes(one(resources, TYPES.deployment).urn));
        });

        it("uses the Prometheus address it is given", async () => {
            const { resources } = await construct({ autoscaling: { serverAddress: "http://prometheus.observability.svc:9090" } });
            const so = customResource(resources, "ScaledObject");
            assert.ok(so.inputs.spec.triggers.every((t: Record<string, any>) => t.metadata.serverAddress === "http://prometheus.observability.svc:9090"));
        });

        it("idles at zero when allowed and wakes on the given query", async () => {
            const { resources } = await construct({
                autoscaling: { minReplicas: 0, maxReplicas: 2, allowScaleToZero: true, wakeQuery: WAKE, cooldownPeriod: 900 },
            });
            const spec = customResource(resources, "ScaledObject").inputs.spec;
            assert.equal(spec.idleReplicaCount, 0);
            assert.equal(spec.minReplicaCount, 1);
            assert.equal(spec.maxReplicaCount, 2);
            assert.equal(spec.cooldownPeriod, 900);
            assert.equal(spec.initialCooldownPeriod, 1800);
            const wake = spec.triggers.find((t: { name: string }) => t.name === "wake");
            assert.equal(wake.metadata.query, WAKE);
        });
    });

    describe("outputs and structure", () => {
        it("exposes its facts as Outputs, every one registered", async () => {
            const { endpoint, resources } = await construct({ servedModelName: "llama-8b" });
            assert.ok(endpoint);
            const url = "http://llama.models.svc.cluster.local:8000/v1";
            const route = { servedModelName: "llama-8b", baseUrl: url, namespace: "models" };
            assert.deepEqual(await valueOf(endpoint.route), route);
            assert.equal(await valueOf(endpoint.serviceName), "llama");
            assert.equal(await valueOf(endpoint.namespace), "models");
            assert.equal(await valueOf(endpoint.servedModelName), "llama-8b");
            assert.equal(await valueOf(endpoint.baseUrl), url);
            const component = one(resources, TYPES.component);
            assert.deepEqual(component.outputs, { baseUrl: url, servedModelName: "llama-8b", namespace: "models", serviceName: "llama", route });
        });

        it("parents every child to the component, names it after the component, and uses the cluster's provider", async () => {
            const { resources } = await construct({ model: "s3://acme-models/llama", hfToken: TOKEN });
            const component = one(resources, TYPES.component);
            const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
            const children = resources.filter((r) => r.parent === component.urn);
            assert.deepEqual(
                children.map((r) => r.type).sort(),
                [
                    TYPES.role,
                    TYPES.rolePolicy,
                    TYPES.podIdentity,
                    TYPES.deployment,
                    TYPES.secret,
                    TYPES.service,
                    TYPES.serviceAccount,
                    "kubernetes:keda.sh/v1alpha1:ScaledObject",
                    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
                    TYPES.pdb,
                ].sort(),
            );
            for (const child of children) {
                assert.ok(child.name.startsWith("llama-"), child.name);
                if (child.type.startsWith("kubernetes:")) {
                    assert.ok(child.provider?.startsWith(`${provider.urn}::`), `${child.name} provider ${child.provider}`);
                    assert.equal(child.inputs.metadata.namespace, "models", child.name);
                }
            }
        });

        it("registers every child after the resources in its dependsOn option (KEDA, cluster add-ons)", async () => {
            const { resources } = await construct({ model: "s3://acme-models/llama" }, "llama", undefined, (provider) => {
                const keda = new k8s.helm.v3.Release("genai-keda", { chart: "keda" }, { provider });
                const gpuOperator = new k8s.helm.v3.Release("gpu-operator", { chart: "gpu-operator" }, { provider });
                return { dependsOn: [keda, gpuOperator] };
            });
            const keda = resources.find((r) => r.name === "genai-keda")!;
            const gpuOperator = resources.find((r) => r.name === "gpu-operator")!;
            const children = childrenOf(resources, one(resources, TYPES.component)).filter((r) => r.custom);
            assert.ok(children.length >= 9, children.map((r) => r.name).join(", "));
            for (const obj of children) {
                assert.ok(obj.dependsOn.includes(keda.urn), `${obj.name} does not wait for KEDA`);
                assert.ok(obj.dependsOn.includes(gpuOperator.urn), `${obj.name} does not wait for the cluster add-ons`);
            }
        });

        it("registers every Kubernetes child with the provider in its providers option, and every AWS child with the AWS one", async () => {
            const { resources } = await construct({ model: "s3://acme-models/llama", hfToken: TOKEN }, "llama", undefined, () => {
                const kubernetes = new k8s.Provider("tenant-k8s", { kubeconfig: "{}" });
                const aws = new awsSdk.Provider("tenant-aws", { region: "eu-west-1" });
                return { provider: undefined, providers: { kubernetes, aws } };
            });
            const urnOf = (name: string) => resources.find((r) => r.name === name && r.type.startsWith("pulumi:providers:"))!.urn;
            const children = childrenOf(resources, one(resources, TYPES.component)).filter((r) => r.custom);
            for (const child of children) {
                const expected = child.type.startsWith("kubernetes:") ? urnOf("tenant-k8s") : urnOf("tenant-aws");
                assert.ok(child.provider?.startsWith(`${expected}::`), `${child.name}: ${child.provider}`);
            }
            assert.deepEqual([...new Set(children.map((r) => r.type.split(":")[0]))].sort(), ["aws", "kubernetes"]);
        });

        it("still honours the deprecated cluster.provider arg, and refuses one that differs from the provider option", async () => {
            const honoured = await construct({}, "llama", (provider) => ({ cluster: { provider } }), () => ({ provider: undefined }));
            const provider = honoured.resources.find((r) => r.name === "test-k8s")!;
            assert.ok(one(honoured.resources, TYPES.deployment).provider?.startsWith(`${provider.urn}::`));
            const refused = await construct({}, "llama", () => ({ cluster: { provider: new k8s.Provider("other", { kubeconfig: "{}" }) } }));
            assert.ok(refused.error instanceof ValidationError);
            assert.match(refused.error.message, /cluster\.provider: got "\(a k8s\.Provider\)"; the resource options name another Kubernetes provider/);
            assert.equal(ofType(refused.resources, TYPES.component).length, 0);
        });
    });

    describe("Input<> args", () => {
        const GOOD = { namespace: "team-a", pool: "l4", model: "s3://acme-models/llama" };

        it("registers the same resources from Output-wrapped namespace, pools and cluster name as from plain ones", async () => {
            const plain = await construct(GOOD);
            const wrapped = await construct({ ...GOOD, namespace: pulumi.output("team-a") }, "llama", () => ({
                cluster: { pools: pulumi.output(POOLS), clusterName: pulumi.output(CLUSTER_NAME) },
            }));
            assert.equal(wrapped.error, undefined);
            assert.ok(plain.resources.length >= 11);
            assert.deepEqual(registrations(wrapped.resources), registrations(plain.resources));
            assert.equal(await valueOf(wrapped.endpoint!.namespace), "team-a");
        });

        it("throws a known bad value before anything registers", async () => {
            const { error, resources } = await construct({ namespace: "Team_A" });
            assert.ok(error instanceof ValidationError);
            assert.match(error.message, /namespace: got "Team_A"; expected a DNS-1123 label/);
            assert.deepEqual(resources.map((r) => r.name), ["test-k8s"]);
        });

        it("fails the deployment with the same ValidationError when an Output carries the bad value", async () => {
            const plain = await construct({ namespace: "Team_A", pool: "a10g" });
            // The constructor accepts the Outputs; the run (as `pulumi up` would) fails once they resolve.
            const failure = await construct({ namespace: pulumi.output("Team_A") }, "llama", () => ({
                pool: "a10g",
                cluster: { pools: pulumi.output(POOLS) },
            })).then(() => assert.fail("expected the deployment to fail"), (e: Error) => e);
            assertSameValidationError(failure, plain.error);
            assert.match(plain.error!.message, /pool: got "a10g"; expected one of the cluster's GPU pools/);
        });
    });

    describe("conformance", () => {
        const VARIANTS: Record<string, Partial<TestArgs>> = {
            defaults: {},
            "S3 weights with a token": { model: "s3://acme-models/llama/8b", hfToken: TOKEN },
            "cache volume, existing secret, scale to zero": {
                cacheVolume: {},
                hfTokenSecret: { name: "hf" },
                autoscaling: { minReplicas: 0, maxReplicas: 1, allowScaleToZero: true, wakeQuery: WAKE },
            },
            "every engine flag on an 8-GPU node": {
                pool: "h100",
                tensorParallelSize: 8,
                maxModelLen: 131072,
                dtype: "bfloat16",
                quantization: "fp8",
                extraArgs: ["--kv-cache-dtype", "fp8"],
                autoscaling: { minReplicas: 1, maxReplicas: 2 },
            },
        };
        for (const [title, args] of Object.entries(VARIANTS)) {
            it(`every Kubernetes object validates against its upstream schema (${title})`, async () => {
                const { resources, error } = await construct(args);
                assert.equal(error, undefined);
                assert.deepEqual(await conformanceErrors(resources), []);
            });
        }
    });
});

describe("ModelEndpoint on a GpuCluster", () => {
    it("takes the cluster as is (pools, name for Pod Identity), its provider and add-ons as resource options", async () => {
        const { resources } = await runWithMocks(() => {
            const cluster = new GpuCluster("t", { pools: [{ name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 }], endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, deployerPrincipalArn: MOCK_DEPLOYER_ARN });
            new ModelEndpoint("qwen", { cluster, pool: "l4", namespace: "models", model: "s3://acme-models/qwen", tensorParallelSize: 4 }, { provider: cluster.provider, dependsOn: cluster.addons });
        });
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        const deployment = one(resources, TYPES.deployment);
        assert.ok(deployment.provider?.startsWith(`${provider.urn}::`));
        assert.deepEqual(deployment.inputs.spec.template.spec.nodeSelector, { [POOL_LABEL]: "l4" });
        const clusterName = resources.find((r) => r.type === "eks:index:Cluster")!.inputs.name;
        const association = resources.find((r) => r.type === TYPES.podIdentity && r.name === "qwen-weights")!;
        assert.equal(association.inputs.clusterName, clusterName);
        const gpuOperator = resources.find((r) => r.type === TYPES.release && r.inputs.chart === "gpu-operator")!;
        assert.ok(deployment.dependsOn.includes(gpuOperator.urn));
    });
});

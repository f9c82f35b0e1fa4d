import assert from "node:assert/strict";
import { containerResources } from "../../policies/kubernetes/container-resources";
import { gpuScheduling } from "../../policies/kubernetes/gpu-scheduling";
import { helmReleasePinned } from "../../policies/kubernetes/helm-release-pinned";
import { fromRegistry, imageProvenance, parseImage } from "../../policies/kubernetes/image-provenance";
import { karpenterAmiPinned } from "../../policies/kubernetes/karpenter-ami-pinned";
import { karpenterNodePoolBounded } from "../../policies/kubernetes/karpenter-nodepool-bounded";
import { noHostAccess } from "../../policies/kubernetes/no-host-access";
import { containersOf, gpuCount, workloadOf } from "../../policies/lib/pod-specs";
import { container, deployment, k8s, messages, resource } from "./helpers";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
const gpuContainer = (gpus: number) => container("vllm", { resources: { requests: { cpu: "4", memory: "32Gi" }, limits: { memory: "32Gi", "nvidia.com/gpu": String(gpus) } } });

describe("policies: Kubernetes resources", () => {
    describe("pod spec extraction (one helper for every workload kind)", () => {
        const spec = { containers: [container("main")], initContainers: [container("init")] };
        const cases: [string, Record<string, any>][] = [
            ["kubernetes:core/v1:Pod", { metadata: { namespace: "a", labels: { app: "x" } }, spec }],
            [DEPLOYMENT, { metadata: { namespace: "a" }, spec: { template: { metadata: { labels: { app: "x" } }, spec } } }],
            ["kubernetes:apps/v1:StatefulSet", { metadata: { namespace: "a" }, spec: { template: { metadata: { labels: { app: "x" } }, spec } } }],
            ["kubernetes:apps/v1:DaemonSet", { metadata: { namespace: "a" }, spec: { template: { metadata: { labels: { app: "x" } }, spec } } }],
            ["kubernetes:batch/v1:Job", { metadata: { namespace: "a" }, spec: { template: { metadata: { labels: { app: "x" } }, spec } } }],
            ["kubernetes:batch/v1:CronJob", { metadata: { namespace: "a" }, spec: { jobTemplate: { spec: { template: { metadata: { labels: { app: "x" } }, spec } } } } }],
        ];
        for (const [type, props] of cases) {
            it(`finds the pod of a ${type.split(":").pop()}`, () => {
                const workload = workloadOf(type, props);
                assert.deepEqual(workload?.namespace, "a");
                assert.deepEqual(workload?.podLabels, { app: "x" });
                assert.deepEqual(containersOf(workload!.spec).map((c) => c.name), ["init", "main"]);
            });
        }

        it("ignores objects without a pod and counts GPUs as the scheduler does", () => {
            assert.equal(workloadOf("kubernetes:core/v1:ConfigMap", { data: {} }), undefined);
            assert.equal(gpuCount({ containers: [gpuContainer(2), gpuContainer(1)], initContainers: [gpuContainer(1)] }), 3);
            assert.equal(gpuCount({ containers: [gpuContainer(1)], initContainers: [gpuContainer(4)] }), 4);
        });
    });

    describe("k8s-container-resources", () => {
        it("passes containers with CPU and memory requests and a memory limit", async () => {
            assert.deepEqual(await messages(containerResources, resource(DEPLOYMENT, deployment("api", "team-a", { containers: [container()] }))), []);
        });

        it("names each container and each missing field", async () => {
            const job = resource("kubernetes:batch/v1:Job", k8s("migrate", "team-a", {
                spec: { template: { spec: { initContainers: [container("wait", { resources: undefined })], containers: [container("run", { resources: { requests: { cpu: "1" } } })] } } },
            }), { name: "migrate" });
            assert.deepEqual(await messages(containerResources, job), [
                'Job "migrate" container "wait" does not set resources.requests.cpu, resources.requests.memory, resources.limits.memory.',
                'Job "migrate" container "run" does not set resources.requests.memory, resources.limits.memory.',
            ]);
        });
    });

    describe("LeaderWorkerSet pod templates (kubernetes-sigs/lws v0.10.0)", () => {
        const lws = (leader: Record<string, any> | undefined, worker: Record<string, any>) =>
            resource("kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet", k8s("r1-group", "models", {
                spec: { leaderWorkerTemplate: { size: 2, ...(leader ? { leaderTemplate: { spec: leader } } : {}), workerTemplate: { spec: worker } } },
            }), { name: "r1-group" });

        it("checks the leader and the worker template, naming which", async () => {
            const bad = lws({ containers: [container("vllm-leader")] }, { containers: [container("vllm-worker", { resources: undefined })] });
            assert.deepEqual(await messages(containerResources, bad), [
                'LeaderWorkerSet "r1-group" workerTemplate container "vllm-worker" does not set resources.requests.cpu, resources.requests.memory, resources.limits.memory.',
            ]);
        });

        it("reads the worker template as the leader's when leaderTemplate is absent, as the LWS controller does", async () => {
            const bad = lws(undefined, { containers: [container("vllm", { resources: undefined })] });
            assert.equal((await messages(containerResources, bad)).length, 2);
        });
    });

    describe("k8s-image-provenance", () => {
        it("resolves image references as container runtimes do", () => {
            assert.deepEqual(parseImage("nginx"), { repository: "docker.io/library/nginx", tag: undefined, digest: undefined });
            assert.deepEqual(parseImage("vllm/vllm-openai:v0.21.0-cu129"), { repository: "docker.io/vllm/vllm-openai", tag: "v0.21.0-cu129", digest: undefined });
            assert.deepEqual(parseImage("localhost:5000/x@sha256:abc"), { repository: "localhost:5000/x", tag: undefined, digest: "sha256:abc" });
            assert.equal(fromRegistry("ghcr.io/berriai/litellm", "ghcr.io"), true);
            assert.equal(fromRegistry("ghcr.io.evil.com/x", "ghcr.io"), false);
            assert.equal(fromRegistry("docker.io/vllmx/y", "docker.io/vllm"), false);
        });

        it("reads Docker Hub as Kyverno's image library does, so docker.io/vllm admits vllm/* but not the official image vllm", () => {
            // go-containerregistry v0.21.8 pkg/name: docker.io and index.docker.io are one registry; a one-part repository there is library/<name>.
            assert.equal(parseImage("docker.io/vllm:0.1").repository, "docker.io/library/vllm");
            assert.equal(parseImage("index.docker.io/vllm/vllm-openai:v1").repository, "docker.io/vllm/vllm-openai");
            assert.equal(fromRegistry(parseImage("docker.io/vllm:0.1").repository, "docker.io/vllm"), false);
            assert.equal(fromRegistry(parseImage("index.docker.io/vllm/vllm-openai:v1").repository, "docker.io/vllm"), true);
            assert.equal(fromRegistry(parseImage("vllm/vllm-openai:v1").repository, "index.docker.io/vllm"), true);
        });

        it("passes pinned images from allowed registries, by tag or digest", async () => {
            const pod = { containers: [container("a", { image: "vllm/vllm-openai:v0.21.0-cu129" }), container("b", { image: "ghcr.io/berriai/litellm-database@sha256:0123" })] };
            assert.deepEqual(await messages(imageProvenance, resource(DEPLOYMENT, deployment("x", "team-a", pod))), []);
        });

        it("reports unpinned images and foreign registries, honouring the configured list", async () => {
            const pod = { containers: [container("a", { image: "nginx" }), container("b", { image: "quay.io/org/app:latest" })] };
            const d = resource(DEPLOYMENT, deployment("web", "team-a", pod), { name: "web" });
            assert.deepEqual(await messages(imageProvenance, d, { allowedRegistries: ["quay.io/org"] }), [
                'Deployment "web" container "a" image "nginx" is not pinned; use a release tag (not latest) or a digest.',
                'Deployment "web" container "a" image "nginx" (docker.io/library/nginx) is not from an allowed registry (quay.io/org).',
                'Deployment "web" container "b" image "quay.io/org/app:latest" is not pinned; use a release tag (not latest) or a digest.',
            ]);
        });
    });

    describe("k8s-no-host-access", () => {
        const hostile = { hostNetwork: true, hostPID: true, volumes: [{ name: "root", hostPath: { path: "/" } }], containers: [container("c", { securityContext: { privileged: true } })] };

        it("allows host access in system namespaces only", async () => {
            assert.deepEqual(await messages(noHostAccess, resource("kubernetes:apps/v1:DaemonSet", deployment("agent", "kube-system", hostile))), []);
            assert.deepEqual(await messages(noHostAccess, resource(DEPLOYMENT, deployment("api", "team-a", { containers: [container()] }))), []);
        });

        it("reports every kind of host access elsewhere", async () => {
            const ds = resource("kubernetes:apps/v1:DaemonSet", deployment("agent", "team-a", hostile), { name: "agent" });
            const where = 'in namespace "team-a" (not a system namespace)';
            assert.deepEqual(await messages(noHostAccess, ds), [
                `DaemonSet "agent" ${where} sets hostNetwork: true; remove it.`,
                `DaemonSet "agent" ${where} sets hostPID: true; remove it.`,
                `DaemonSet "agent" ${where} mounts hostPath "/" as volume "root"; use a PersistentVolumeClaim, emptyDir or CSI volume.`,
                `DaemonSet "agent" container "c" ${where} is privileged; remove securityContext.privileged.`,
            ]);
        });
    });

    describe("gpu-workload-scheduling", () => {
        it("passes GPU pods with the toleration and a pool selector or affinity, and ignores CPU pods", async () => {
            const bySelector = { containers: [gpuContainer(1)], tolerations: [GPU_TOLERATION], nodeSelector: { "genai-platform.io/pool": "l4" } };
            const byAffinity = {
                containers: [gpuContainer(1)],
                tolerations: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
                affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "genai-platform.io/pool", operator: "In", values: ["l4", "a10g"] }] }] } } },
            };
            for (const spec of [bySelector, byAffinity, { containers: [container()] }]) {
                assert.deepEqual(await messages(gpuScheduling, resource(DEPLOYMENT, deployment("m", "team-a", spec))), []);
            }
        });

        it("reports a GPU pod without toleration or pool selector", async () => {
            const zoneOnly = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }] } } };
            const d = resource(DEPLOYMENT, deployment("llama", "team-a", { containers: [gpuContainer(2)], affinity: zoneOnly }), { name: "llama" });
            assert.deepEqual(await messages(gpuScheduling, d), [
                'Deployment "llama" requests 2 GPU(s) but does not tolerate the GPU taint; add the toleration {key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule"}.',
                'Deployment "llama" requests 2 GPU(s) but selects no GPU pool; set nodeSelector {"genai-platform.io/pool": "<pool>"} or a required node affinity on genai-platform.io/pool.',
            ]);
        });
    });

    describe("karpenter-nodepool-bounded", () => {
        const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
        it("passes a pool with a GPU limit and consolidation", async () => {
            const pool = resource(NODE_POOL, k8s("l4", undefined, { spec: { limits: { "nvidia.com/gpu": "8" }, disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "10m" } } }));
            assert.deepEqual(await messages(karpenterNodePoolBounded, pool), []);
        });

        it("reports an unbounded pool that never consolidates, and a malformed limit", async () => {
            const unbounded = resource(NODE_POOL, k8s("l4", undefined, { spec: { disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "Never" } } }));
            assert.deepEqual(await messages(karpenterNodePoolBounded, unbounded), [
                'NodePool "l4" has no spec.limits["nvidia.com/gpu"], so it can buy GPU instances without bound; set the pool\'s GPU limit (0 if it must never launch GPU instances).',
                'NodePool "l4" never consolidates idle nodes; set spec.disruption.consolidationPolicy (e.g. WhenEmpty) and a consolidateAfter other than "Never".',
            ]);
            const malformed = resource(NODE_POOL, k8s("h100", undefined, { spec: { limits: { "nvidia.com/gpu": "8.5" }, disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "1h" } } }));
            assert.deepEqual(await messages(karpenterNodePoolBounded, malformed), ['NodePool "h100" spec.limits["nvidia.com/gpu"] is "8.5"; expected a whole number of GPUs.']);
        });
    });

    describe("karpenter-ami-pinned", () => {
        const nodeClass = (alias: string) => resource("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", k8s("l4", undefined, { spec: { amiSelectorTerms: [{ alias }] } }));
        it("passes a pinned alias, and @latest outside production", async () => {
            assert.deepEqual(await messages(karpenterAmiPinned, nodeClass("al2023@v20260903")), []);
            assert.deepEqual(await messages(karpenterAmiPinned, nodeClass("al2023@latest"), { environment: "dev" }), []);
        });

        it("rejects @latest in production", async () => {
            assert.deepEqual(await messages(karpenterAmiPinned, nodeClass("bottlerocket@latest")), [
                'EC2NodeClass "l4" uses AMI alias "bottlerocket@latest"; pin a release (e.g. al2023@v20260903) in production.',
            ]);
        });
    });

    describe("helm-release-pinned", () => {
        const RELEASE = "kubernetes:helm.sh/v3:Release";
        it("passes exact versions from allowed repositories and OCI prefixes", async () => {
            const classic = resource(RELEASE, { chart: "kyverno", version: "3.9.0", repositoryOpts: { repo: "https://kyverno.github.io/kyverno/" } });
            const oci = resource("kubernetes:helm.sh/v4:Chart", { chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.14.1" });
            assert.deepEqual(await messages(helmReleasePinned, [classic, oci]), []);
        });

        it("reports floating versions and unknown sources", async () => {
            const floating = resource(RELEASE, { chart: "redis", version: "^18.0.0", repositoryOpts: { repo: "https://charts.bitnami.com/bitnami" } }, { name: "redis" });
            assert.deepEqual(await messages(helmReleasePinned, floating), [
                'Helm release "redis" chart "redis" version "^18.0.0" is not one exact version; pin an exact version, e.g. "1.2.3".',
                'Helm release "redis" repository "https://charts.bitnami.com/bitnami" is not allowed (https://helm.ngc.nvidia.com/nvidia, https://kyverno.github.io/kyverno, https://kedacore.github.io/charts, https://prometheus-community.github.io/helm-charts, https://langfuse.github.io/langfuse-k8s, https://aws.github.io/eks-charts).',
            ]);
            const local = resource(RELEASE, { chart: "./charts/app" }, { name: "app" });
            assert.deepEqual(await messages(helmReleasePinned, local), [
                'Helm release "app" chart "./charts/app" has no version (Helm takes the newest); pin an exact version, e.g. "1.2.3".',
                'Helm release "app" chart "./charts/app" names no repository (a local path or a helm repo alias); set repositoryOpts.repo to an allowed repository or use an allowed oci:// chart.',
            ]);
            const oci = resource(RELEASE, { chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "18.0.0" }, { name: "r" });
            assert.deepEqual(await messages(helmReleasePinned, oci, { allowedOciPrefixes: ["oci://ghcr.io/clickhouse/"] }), [
                'Helm release "r" OCI chart "oci://registry-1.docker.io/bitnamicharts/redis" is not under an allowed prefix (oci://ghcr.io/clickhouse/).',
            ]);
        });
    });
});

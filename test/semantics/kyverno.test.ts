/**
 * Deploy semantics: Kyverno admission, executed (test/harness/kyverno.ts).
 * Every platform workload of the prod stack (Enforce) is admitted, and the
 * Pods their controllers create; a corpus of bad Pods is denied; tenants
 * cannot change the platform's objects; a policy with a bad CEL expression is
 * reported.
 */
import * as assert from "node:assert/strict";
import { renderKyvernoPolicies } from "../../components/gpu-cluster/kyverno-policies";
import { IMAGES } from "../../components/internal/versions";
import { clusterObjects } from "../harness/cluster";
import { KubernetesObject, skipWithoutReference } from "../harness/conformance";
import {
    admit, AdmissionRequest, compilePolicies, createRequest, DEPLOYER, KyvernoCompileErrors, KyvernoPolicySet, podFromWorkload, storedNamespaces, UserInfo,
} from "../harness/kyverno";

const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"]);
const name = (o: KubernetesObject) => `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } };
const GPU_RESOURCES = { requests: { ...RESOURCES.requests, "nvidia.com/gpu": "1" }, limits: { ...RESOURCES.limits, "nvidia.com/gpu": "1" } };

/** A Pod in `namespace` whose containers are `containers` (name, image, resources), plus what `extra` adds to its spec. */
function pod(namespace: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "probe", namespace },
        spec: { containers: containers.map((c, i) => ({ name: `c${i}`, resources: RESOURCES, ...c })), ...extra },
    };
}

/** A tenant editor: the group TenantNamespace's access entry gives an AmazonEKSEditPolicy principal. */
const TENANT_EDITOR: UserInfo = {
    username: "arn:aws:sts::123456789012:assumed-role/research-dev/alice",
    groups: ["genai-platform:research:edit", "system:authenticated"],
};

describe("Kyverno admission (CEL executed)", function () {
    this.timeout(120_000);
    let objects: KubernetesObject[];
    let namespaces: KubernetesObject[];
    let policies: KyvernoPolicySet;
    /** The prod stack's namespaces, plus one with no GPU quota label. */
    const decide = (request: AdmissionRequest) => admit(policies, request, namespaces);
    const denials = (obj: KubernetesObject) => decide(createRequest(obj)).denials;

    before(async function () {
        skipWithoutReference(this);
        // Everything the prod cluster runs: ours, the charts' and the operators' (copied: the harness shares frozen objects).
        objects = structuredClone([...(await clusterObjects("prod"))]);
        namespaces = storedNamespaces([
            ...objects,
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "no-quota", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
        ]);
        policies = compilePolicies(objects);
    });

    it("compiles every policy the prod stack declares, and their autogen copies", () => {
        const names = new Set(policies.policies.map((p) => p.name));
        for (const p of renderKyvernoPolicies({ enforcement: "Enforce", allowedRegistries: ["nvcr.io"], exemptNamespaces: [], gpuQuotaLabel: "l", gpuResource: "r" })) {
            assert.ok(names.has(p.metadata!.name!), p.metadata!.name);
        }
        assert.ok(policies.policies.some((p) => p.autogen === "defaults") && policies.policies.some((p) => p.autogen === "cronjobs"));
    });

    it("admits every platform workload in prod, and the Pods their controllers create", () => {
        const refused: string[] = [];
        const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
        assert.ok(workloads.length >= 5, `${workloads.length} workloads`);
        for (const workload of workloads) {
            for (const obj of [workload, podFromWorkload(workload)].filter((o): o is KubernetesObject => o !== undefined)) {
                const result = decide(createRequest(obj));
                if (!result.allowed) refused.push(`${name(obj)}: ${result.denials.join("; ")}`);
            }
        }
        assert.deepEqual(refused, []);
    });

    it("really evaluates the platform's vLLM Pods: GPU policies pass in models, the toleration is added", () => {
        const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata?.namespace === "models");
        assert.ok(deployment, "a vLLM Deployment in models");
        const vllmPod = podFromWorkload(deployment)!;
        (vllmPod.spec as any).tolerations = [];
        const result = decide(createRequest(vllmPod));
        const outcome = (policy: string) => result.results.find((r) => r.policy === policy && !r.autogen)?.outcome;
        assert.equal(outcome("gpu-requires-quota-namespace"), "pass");
        assert.equal(outcome("restrict-image-registries"), "pass");
        assert.equal(outcome("add-gpu-toleration"), "pass");
        assert.deepEqual((result.object!.spec as any).tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    });

    it("finds nothing to report in dev (Audit) either: no platform workload fails or errors a policy", async function () {
        skipWithoutReference(this);
        const dev = structuredClone([...(await clusterObjects("dev"))]);
        const devPolicies = compilePolicies(dev);
        const reported: string[] = [];
        for (const workload of dev.filter((o) => WORKLOAD_KINDS.has(o.kind))) {
            for (const obj of [workload, podFromWorkload(workload)].filter((o): o is KubernetesObject => o !== undefined)) {
                const bad = admit(devPolicies, createRequest(obj), storedNamespaces(dev)).results.filter((r) => r.outcome === "fail" || r.outcome === "error");
                reported.push(...bad.map((r) => `${name(obj)}: ${r.policy}: ${r.message}`));
            }
        }
        assert.deepEqual(reported, []);
    });

    describe("denies the bad Pod corpus", () => {
        const expectDenied = (obj: KubernetesObject, policy: string, pattern: RegExp) => {
            const found = denials(obj);
            assert.ok(found.some((d) => d.startsWith(`${policy}: `) && pattern.test(d)), `expected ${policy} to deny with ${pattern}; denials: ${JSON.stringify(found)}`);
        };

        it("an image tagged :latest", () => {
            expectDenied(pod("research", [{ image: "nvcr.io/nvidia/cuda:latest" }]), "restrict-image-registries", /nvcr\.io\/nvidia\/cuda:latest must be pinned/);
        });

        it("an untagged image (it means :latest)", () => {
            expectDenied(pod("research", [{ image: "nvcr.io/nvidia/cuda" }]), "restrict-image-registries", /nvcr\.io\/nvidia\/cuda must be pinned/);
        });

        it("an image from an unlisted registry", () => {
            expectDenied(pod("research", [{ image: "evil.example.com/miner:1.0" }]), "restrict-image-registries", /evil\.example\.com\/miner:1\.0 are not from an allowed registry/);
        });

        it("look-alike registries and paths: docker.io/vllm:0.1, docker.io/vllmx/..., an ECR host as a prefix of another host", () => {
            for (const image of [
                "docker.io/vllm:0.1",
                "vllm:0.1",
                "docker.io/vllmx/vllm-openai:v1",
                "vllm-evil/vllm-openai:v1",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.io/app:1",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com:8443/app:1",
                "nvcr.io.evil.io/nvidia/cuda:12.4",
            ]) {
                expectDenied(pod("research", [{ image }]), "restrict-image-registries", new RegExp(`${image.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} are not from an allowed registry`));
            }
        });

        it("but admits what the allow-list names, at its boundaries (Docker Hub spelt either way)", () => {
            for (const image of [IMAGES.vllm.image, "docker.io/vllm/vllm-openai:v0.21.0-cu129", "index.docker.io/vllm/vllm-openai:v1",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.2", `nvcr.io/nvidia/cuda@sha256:${"a".repeat(64)}`]) {
                assert.deepEqual(denials(pod("research", [{ image }])), [], image);
            }
        });

        it("a GPU Pod in a namespace without a GPU quota label", () => {
            expectDenied(pod("no-quota", [{ image: "nvcr.io/nvidia/cuda:12.4.1-base-ubi9", resources: GPU_RESOURCES }]), "gpu-requires-quota-namespace",
                /Namespace no-quota has no GPU quota/);
        });

        it("an init container with a bad image", () => {
            expectDenied(pod("research", [{ image: "nvcr.io/nvidia/cuda:12.4.1-base-ubi9" }], { initContainers: [{ name: "init", image: "busybox", resources: RESOURCES }] }),
                "restrict-image-registries", /busybox are not from an allowed registry/);
        });

        it("an ephemeral container with a bad image, added through pods/ephemeralcontainers (kubectl debug)", () => {
            const running = pod("research", [{ image: "nvcr.io/nvidia/cuda:12.4.1-base-ubi9" }]);
            const debugged = { ...running, spec: { ...(running.spec as object), ephemeralContainers: [{ name: "debugger", image: "busybox:latest" }] } };
            const result = decide({ operation: "UPDATE", subResource: "ephemeralcontainers", object: debugged, oldObject: running, userInfo: TENANT_EDITOR });
            assert.equal(result.allowed, false, JSON.stringify(result.results));
            assert.match(result.denials.join("\n"), /restrict-ephemeral-container-images: Image\(s\) busybox:latest are not from an allowed registry/);
        });

        it("a Deployment with a bad image, through autogen", () => {
            const deployment: KubernetesObject = {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "app", namespace: "research" },
                spec: { selector: { matchLabels: { app: "x" } }, template: { metadata: { labels: { app: "x" } }, spec: (pod("research", [{ image: "nginx" }]).spec) } },
            };
            const result = decide(createRequest(deployment));
            assert.deepEqual(result.results.filter((r) => r.denies).map((r) => [r.policy, r.autogen]), [["restrict-image-registries", "defaults"]]);
        });
    });

    describe("the GPU-quota label means a ResourceQuota caps the namespace's GPUs (gpu-requires-quota-namespace)", () => {
        const quotaOf = (namespace: string): number | undefined => {
            const quotas = objects.filter((o) => o.kind === "ResourceQuota" && o.metadata?.namespace === namespace);
            const hard = quotas.map((q) => (q.spec as any)?.hard?.["requests.nvidia.com/gpu"]).filter((v) => v !== undefined);
            return hard.length === 0 ? undefined : Math.min(...hard.map(Number));
        };

        it("every namespace labelled with a GPU quota has a ResourceQuota on requests.nvidia.com/gpu equal to the label", () => {
            const labelled = namespaces.filter((n) => (n.metadata as any).labels?.["genai-platform.io/gpu-quota"] !== undefined);
            assert.ok(labelled.some((n) => n.metadata?.name === "models"));
            for (const n of labelled) {
                const label = Number((n.metadata as any).labels["genai-platform.io/gpu-quota"]);
                assert.equal(quotaOf(n.metadata!.name!), label, `namespace ${n.metadata!.name} (label ${label})`);
            }
        });

        it("the models quota is what the platform's endpoints can hold at once, a rollout's surge pod included", () => {
            let needed = 0;
            // The model servers (vLLM); the kv-aware endpoints' pickers beside them hold no GPU.
            const servers = objects.filter((o) => o.kind === "Deployment" && o.metadata?.namespace === "models" && (o.spec as any).template.metadata.labels["app.kubernetes.io/name"] === "vllm");
            assert.ok(objects.some((o) => o.kind === "Deployment" && o.metadata?.namespace === "models" && !servers.includes(o)), "the kv-aware endpoints' pickers run beside them");
            for (const deployment of servers) {
                const scaled = objects.find((o) => o.kind === "ScaledObject" && (o.spec as any).scaleTargetRef?.name === deployment.metadata?.name);
                assert.ok(scaled, `ScaledObject of ${deployment.metadata?.name}`);
                const spec = deployment.spec as any;
                const gpus = (spec.template.spec.containers as any[]).reduce((n, c) => n + Number(c.resources?.requests?.["nvidia.com/gpu"] ?? 0), 0);
                // maxSurge 1, maxUnavailable 0: at full scale a rollout runs one pod more before it stops an old one.
                assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
                needed += ((scaled.spec as any).maxReplicaCount + 1) * gpus;
            }
            for (const lws of objects.filter((o) => o.kind === "LeaderWorkerSet" && o.metadata?.namespace === "models")) {
                const scaled = objects.find((o) => o.kind === "ScaledObject" && (o.spec as any).scaleTargetRef?.name === lws.metadata?.name);
                assert.ok(scaled, `ScaledObject of ${lws.metadata?.name}`);
                const spec = lws.spec as any;
                const gpus = (spec.leaderWorkerTemplate.leaderTemplate.spec.containers as any[]).reduce((n, c) => n + Number(c.resources?.requests?.["nvidia.com/gpu"] ?? 0), 0);
                // No surge group: a rollout replaces one group at a time (maxUnavailable 1, maxSurge 0).
                assert.deepEqual(spec.rolloutStrategy.rollingUpdateConfiguration, { maxUnavailable: 1, maxSurge: 0 });
                needed += (scaled.spec as any).maxReplicaCount * spec.leaderWorkerTemplate.size * gpus;
            }
            // Pulumi.prod.yaml: qwen25-72b (4+1) × 4, llama31-8b (8+1) × 1, qwen25-1-5b (4+1) × 1 (a time-sliced L4 slice is one advertised GPU),
            // deepseek-r1 2 groups × 2 nodes × 8.
            assert.equal(needed, 66);
            assert.equal(quotaOf("models"), needed);
        });
    });

    describe("tenants cannot change the platform's objects (protect-platform-objects)", () => {
        const netpol = () => {
            const found = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata?.namespace === "research" && o.metadata?.name === "default-deny");
            assert.ok(found, "research's default-deny NetworkPolicy");
            return found;
        };

        it("labels what TenantNamespace creates as platform-managed", () => {
            for (const kind of ["NetworkPolicy", "ResourceQuota", "LimitRange", "RoleBinding"]) {
                const found = objects.filter((o) => o.kind === kind && o.metadata?.namespace === "research");
                assert.ok(found.length > 0, kind);
                for (const o of found) assert.equal((o.metadata as any).labels?.["genai-platform.io/managed"], "true", name(o));
            }
        });

        it("denies a tenant editor's DELETE (the request carries only oldObject) and UPDATE", () => {
            const deleted = decide({ operation: "DELETE", oldObject: netpol(), userInfo: TENANT_EDITOR });
            assert.equal(deleted.allowed, false);
            assert.match(deleted.denials.join("\n"), /protect-platform-objects: DELETE of NetworkPolicy research\/default-deny is refused: .* members of genai-platform:research:edit may not/);
            const relabelled = { ...netpol(), metadata: { ...netpol().metadata, labels: {} }, spec: { podSelector: {}, policyTypes: [] } };
            assert.equal(decide({ operation: "UPDATE", object: relabelled, oldObject: netpol(), userInfo: TENANT_EDITOR }).allowed, false);
        });

        it("allows the platform's deployer, Kubernetes' namespace controller, and a tenant's own objects", () => {
            assert.equal(decide({ operation: "DELETE", oldObject: netpol(), userInfo: DEPLOYER }).allowed, true);
            assert.equal(decide({ operation: "UPDATE", object: netpol(), oldObject: netpol(), userInfo: DEPLOYER }).allowed, true);
            const gc: UserInfo = { username: "system:serviceaccount:kube-system:namespace-controller", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system"] };
            assert.equal(decide({ operation: "DELETE", oldObject: netpol(), userInfo: gc }).allowed, true);
            const own = { ...netpol(), metadata: { name: "allow-my-app", namespace: "research", labels: {} } };
            assert.equal(decide({ operation: "DELETE", oldObject: own, userInfo: TENANT_EDITOR }).allowed, true);
        });
    });

    describe("planted defects", () => {
        it("reports a policy with a bad CEL expression, naming the policy and the field", () => {
            const bad = structuredClone(objects.find((o) => o.metadata?.name === "restrict-image-registries")!);
            (bad.spec as any).validations[1].expression = "size(variables.unallowed) == ";
            assert.throws(() => compilePolicies([bad]), (e: unknown) =>
                e instanceof KyvernoCompileErrors && /restrict-image-registries spec\.validations\[1\]\.expression/.test(e.message));
        });

        it("reports a variable the policy does not declare, and a validation that is not a bool", () => {
            const bad = structuredClone(objects.find((o) => o.metadata?.name === "require-requests-limits")!);
            (bad.spec as any).validations[0].expression = "size(variables.missing) == 0";
            (bad.spec as any).validations.push({ expression: "\"yes\"", message: "m" });
            assert.throws(() => compilePolicies([bad]), (e: unknown) => e instanceof KyvernoCompileErrors && e.errors.length >= 2 &&
                e.errors.some((x) => x.path === "spec.validations[0].expression") && e.errors.some((x) => x.path === "spec.validations[1].expression" && /bool/.test(x.message)));
        });
    });
});

/**
 * Multi-node ModelEndpoint (`nodes` ≥ 2): the LeaderWorkerSet it renders, the
 * vLLM/Ray args for the pinned vLLM, EFA wiring (present on EFA families,
 * absent elsewhere), the leader-only Service, KEDA on the LWS scale
 * subresource, model fit and the startup budget, and every validation rule.
 */
import assert from "node:assert/strict";
import type { GpuPoolInfo } from "../../components/gpu-cluster";
import { ValidationError } from "../../components/internal/errors";
import { inferenceGatewayRef, validateModelEndpointArgs } from "../../components/model-endpoint";
import { LEADER_SCRIPT, renderGroupNetworkPolicy, renderLeaderWorkerSet, WORKER_SCRIPT } from "../../components/model-endpoint/leader-worker-set";
import { renderScaledObject, renderService, vllmArgs } from "../../components/model-endpoint/manifests";
import { KV_CACHE_HEADROOM, modelFit, startupBudgetSeconds } from "../../components/model-endpoint/multi-node";
import { haveReference, schemaErrors } from "../harness/conformance";
import { construct, type TestArgs } from "./fixtures";

const POOLS: GpuPoolInfo[] = [
    { name: "h100", gpuLimit: 32, instanceFamilies: ["p5"], gpuNames: [], capacityTypes: ["on-demand"], efa: true },
    { name: "h200", gpuLimit: 32, instanceFamilies: ["p5e", "p5en"], gpuNames: [], capacityTypes: ["on-demand"], efa: true },
    { name: "l40s", gpuLimit: 32, instanceFamilies: ["g6e"], gpuNames: [], capacityTypes: ["on-demand"] },
    { name: "small", gpuLimit: 8, instanceFamilies: ["p5"], gpuNames: [], capacityTypes: ["on-demand"], efa: true },
    { name: "h100-no-efa", gpuLimit: 32, instanceFamilies: ["p5"], gpuNames: [], capacityTypes: ["on-demand"] },
    { name: "shared", gpuLimit: 8, instanceFamilies: ["p5"], gpuNames: [], capacityTypes: ["on-demand"], sharing: { mode: "mig", profile: "all-1g.10gb" } },
];

/** DeepSeek-R1 (671B, FP8) on two 8×H100 nodes with EFA: the prod stack's large model. */
const R1: Partial<TestArgs> = {
    pool: "h100",
    model: "deepseek-ai/DeepSeek-R1",
    nodes: 2,
    tensorParallelSize: 8,
    parametersBillions: 671,
    quantization: "fp8",
    production: true,
    autoscaling: { minReplicas: 2, maxReplicas: 2 },
    // Multi-node production endpoints default to kv-aware routing (test/model-endpoint/inference-pool.test.ts covers it); these tests are about the group.
    routing: "service",
    cluster: { pools: POOLS },
};

function settings(args: Partial<TestArgs>, name = "r1") {
    const { cluster, ...rest } = { namespace: "models", model: "x/y", pool: "h100", ...args };
    return validateModelEndpointArgs(name, { ...rest, cluster: { provider: undefined as never, pools: POOLS, clusterName: "c", ...cluster } } as never);
}

type Obj = Record<string, any>;
const leaderOf = (lws: Obj) => lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
const workerOf = (lws: Obj) => lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0];
const envOf = (c: Obj) => Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value ?? e.valueFrom]));

describe("ModelEndpoint: multi-node (LeaderWorkerSet)", () => {
    describe("what it registers", () => {
        it("registers a LeaderWorkerSet and its group NetworkPolicy instead of a Deployment", async () => {
            const { resources, error } = await construct(R1, "r1");
            assert.equal(error, undefined);
            const kinds = resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes").map((r) => r.inputs.kind ?? r.type);
            assert.ok(kinds.includes("LeaderWorkerSet"), kinds.join(", "));
            assert.ok(!resources.some((r) => r.type === "kubernetes:apps/v1:Deployment"), "no Deployment");
            assert.ok(resources.some((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && r.name === "r1-group"));
            const lws = resources.find((r) => r.inputs.kind === "LeaderWorkerSet")!;
            assert.equal(lws.inputs.metadata.name, "r1-group");
            const scaler = resources.find((r) => r.inputs.kind === "ScaledObject")!;
            assert.ok(scaler.dependsOn.includes(lws.urn), "the ScaledObject waits for its LeaderWorkerSet");
        });

        it("routes a kv-aware multi-node endpoint to its group leaders only (worker-index 0), the pods that serve HTTP", async () => {
            const { resources, error } = await construct({ ...R1, routing: "kv-aware", inferenceGateway: inferenceGatewayRef() }, "r1");
            assert.equal(error, undefined);
            const pool = resources.find((r) => r.inputs?.kind === "InferencePool")!.inputs;
            assert.equal(pool.spec.selector.matchLabels["leaderworkerset.sigs.k8s.io/worker-index"], "0");
            const lws = resources.find((r) => r.inputs?.kind === "LeaderWorkerSet")!.inputs;
            const leader = lws.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels as Record<string, string>;
            const worker = lws.spec.leaderWorkerTemplate.workerTemplate.metadata.labels as Record<string, string>;
            const podLabels = Object.fromEntries(Object.entries(pool.spec.selector.matchLabels as Record<string, string>).filter(([k]) => k !== "leaderworkerset.sigs.k8s.io/worker-index"));
            // LWS adds worker-index itself (0 on the leader); the rest of the selector is on both templates.
            for (const labels of [leader, worker]) for (const [k, v] of Object.entries(podLabels)) assert.equal(labels[k], v, k);
        });

        it("keeps single-node endpoints on a Deployment", async () => {
            const { resources } = await construct({ ...R1, nodes: undefined, parametersBillions: undefined, pool: "h100", autoscaling: { minReplicas: 2 } }, "r1");
            assert.ok(resources.some((r) => r.type === "kubernetes:apps/v1:Deployment"));
            assert.ok(!resources.some((r) => r.inputs.kind === "LeaderWorkerSet"));
        });
    });

    describe("the LeaderWorkerSet", () => {
        const r = settings(R1);
        const lws = renderLeaderWorkerSet(r) as Obj;

        it("has group size = nodes, recreates the whole group on a pod restart, and rolls one group at a time without surge", () => {
            assert.equal(lws.spec.leaderWorkerTemplate.size, 2);
            assert.equal(lws.spec.leaderWorkerTemplate.restartPolicy, "RecreateGroupOnPodRestart");
            assert.deepEqual(lws.spec.rolloutStrategy, { type: "RollingUpdate", rollingUpdateConfiguration: { maxUnavailable: 1, maxSurge: 0 } });
            assert.equal(lws.spec.replicas, undefined, "KEDA owns replicas");
        });

        it("runs vLLM with tensor parallel = GPUs per node, pipeline parallel = nodes, on Ray", () => {
            const args = vllmArgs(r);
            const flag = (f: string) => args[args.indexOf(f) + 1];
            assert.equal(flag("--tensor-parallel-size"), "8");
            assert.equal(flag("--pipeline-parallel-size"), "2");
            assert.equal(flag("--distributed-executor-backend"), "ray");
            assert.equal(flag("--quantization"), "fp8");
            assert.deepEqual(leaderOf(lws).command, ["/bin/sh", "-c"]);
            assert.deepEqual(leaderOf(lws).args, [LEADER_SCRIPT, "vllm-leader", ...args]);
            assert.match(LEADER_SCRIPT, /ray start --head --port=6379/);
            assert.match(LEADER_SCRIPT, /LWS_GROUP_SIZE/);
            assert.match(LEADER_SCRIPT, /exec vllm serve "\$@"$/);
        });

        it("has workers join the leader's Ray head at $LWS_LEADER_ADDRESS and serve nothing themselves", () => {
            assert.deepEqual(workerOf(lws).args, [WORKER_SCRIPT]);
            assert.match(WORKER_SCRIPT, /ray start --address="\$LWS_LEADER_ADDRESS:6379" --block/);
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) assert.equal(workerOf(lws)[probe], undefined, `worker ${probe}`);
            assert.equal(workerOf(lws).ports, undefined);
            assert.equal(leaderOf(lws).readinessProbe.httpGet.path, "/health");
        });

        it("keeps every pod of a group in one zone (pod affinity keyed by the group, no one-group-per-zone exclusivity)", () => {
            for (const template of ["leaderTemplate", "workerTemplate"]) {
                const affinity = lws.spec.leaderWorkerTemplate[template].spec.affinity;
                assert.deepEqual(affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution, [{
                    labelSelector: { matchLabels: { "leaderworkerset.sigs.k8s.io/name": "r1-group" } },
                    matchLabelKeys: ["leaderworkerset.sigs.k8s.io/group-key"],
                    topologyKey: "topology.kubernetes.io/zone",
                }]);
                assert.equal(affinity.podAntiAffinity, undefined);
            }
            assert.equal(lws.metadata.annotations?.["leaderworkerset.sigs.k8s.io/exclusive-topology"], undefined);
        });

        it("sizes each pod to its whole node: p5.48xlarge allocatable less the GPU DaemonSets, a quarter of it as /dev/shm", () => {
            const res = leaderOf(lws).resources.requests;
            assert.deepEqual(res, { cpu: "190", memory: "1891Gi", "nvidia.com/gpu": "8", "vpc.amazonaws.com/efa": "32" });
            const shm = lws.spec.leaderWorkerTemplate.leaderTemplate.spec.volumes.find((v: Obj) => v.name === "shm");
            assert.deepEqual(shm.emptyDir, { medium: "Memory", sizeLimit: "472Gi" });
        });

        it("runs restricted: non-root, read-only root filesystem, Ray's /tmp and HOME on emptyDirs", () => {
            for (const c of [leaderOf(lws), workerOf(lws)]) {
                assert.equal(c.securityContext.runAsNonRoot, true);
                assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
                assert.ok(c.volumeMounts.some((m: Obj) => m.mountPath === "/tmp"));
            }
        });

        it("conforms to the LeaderWorkerSet v0.10.0 CRD", async function () {
            if (!haveReference()) this.skip();
            assert.deepEqual(await schemaErrors(lws as never), []);
        });

        it("fails the CRD on a planted defect (an unknown restart policy)", async function () {
            if (!haveReference()) this.skip();
            const bad = structuredClone(lws);
            bad.spec.leaderWorkerTemplate.restartPolicy = "Always";
            assert.match((await schemaErrors(bad as never)).join("\n"), /restartPolicy must be equal to one of the allowed values/);
        });
    });

    describe("EFA wiring", () => {
        it("is present on EFA families: the pods ask for every EFA interface of the smallest 8-GPU size, with libfabric's EFA provider", () => {
            const h200 = renderLeaderWorkerSet(settings({ ...R1, pool: "h200", parametersBillions: 405 })) as Obj;
            for (const c of [leaderOf(h200), workerOf(h200)]) {
                assert.equal(c.resources.limits["vpc.amazonaws.com/efa"], "16", "p5en has 16, p5e 32: the fewest");
                assert.equal(envOf(c).FI_PROVIDER, "efa");
                assert.equal(envOf(c).FI_EFA_USE_DEVICE_RDMA, "1");
                assert.equal(envOf(c).NCCL_SOCKET_IFNAME, "eth0");
                assert.deepEqual(envOf(c).VLLM_HOST_IP, { fieldRef: { fieldPath: "status.podIP" } });
            }
        });

        it("is absent on families without EFA (dev may run multi-node over TCP)", () => {
            const l40s = renderLeaderWorkerSet(settings({ ...R1, pool: "l40s", production: false, parametersBillions: 70, quantization: undefined, tensorParallelSize: 8 })) as Obj;
            for (const c of [leaderOf(l40s), workerOf(l40s)]) {
                assert.equal(c.resources.limits["vpc.amazonaws.com/efa"], undefined);
                assert.equal(envOf(c).FI_PROVIDER, undefined);
                assert.equal(envOf(c).NCCL_SOCKET_IFNAME, "eth0");
            }
        });

        it("is absent where the cluster has not wired EFA to the pool (dev, or multiNode off)", () => {
            const bare = renderLeaderWorkerSet(settings({ ...R1, pool: "h100-no-efa", production: false })) as Obj;
            assert.equal(leaderOf(bare).resources.limits["vpc.amazonaws.com/efa"], undefined);
            assert.equal(envOf(leaderOf(bare)).FI_PROVIDER, undefined);
        });

        it("is absent on single-node endpoints, even on EFA families", async () => {
            const { resources } = await construct({ ...R1, nodes: undefined, parametersBillions: undefined, autoscaling: { minReplicas: 2 } }, "r1");
            const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
            const c = deployment.inputs.spec.template.spec.containers[0];
            assert.equal(c.resources.limits["vpc.amazonaws.com/efa"], undefined);
            assert.ok(!c.env.some((e: Obj) => e.name === "FI_PROVIDER"));
        });
    });

    describe("Service, scaling and network", () => {
        const r = settings(R1);
        it("the Service selects only the leader", () => {
            assert.equal((renderService(r) as Obj).spec.selector["leaderworkerset.sigs.k8s.io/worker-index"], "0");
        });
        it("KEDA scales groups through the LeaderWorkerSet's scale subresource", () => {
            assert.deepEqual((renderScaledObject(r) as Obj).spec.scaleTargetRef, { apiVersion: "leaderworkerset.x-k8s.io/v1", kind: "LeaderWorkerSet", name: "r1-group" });
        });
        it("a group's pods admit each other on every port, and only each other", () => {
            const np = renderGroupNetworkPolicy(r) as Obj;
            assert.deepEqual(np.spec.ingress, [{ from: [{ podSelector: np.spec.podSelector }] }]);
            assert.equal(np.spec.podSelector.matchLabels["leaderworkerset.sigs.k8s.io/name"], "r1-group");
        });
    });

    describe("model fit and startup budget", () => {
        it("gives the fit arithmetic for DeepSeek-R1 FP8 on 2 × 8 H100", () => {
            const fit = modelFit(settings(R1))!;
            assert.equal(fit.gpus, 16);
            assert.equal(Math.round(fit.weightsGiB), 625); // 671e9 × 1 byte / 2^30
            assert.equal(Math.round(fit.usableGiB), 979); // 16 × 80 GiB × 0.9 × (1 − 0.15)
            assert.equal(KV_CACHE_HEADROOM, 0.15);
        });

        it("sizes the startup budget from the bytes and the load path", () => {
            const hf = settings(R1);
            // 671 GB ÷ 150 MB/s × 1.5 + 600 s = 7310 s → 7320 s (whole minutes).
            assert.equal(startupBudgetSeconds(hf), 7320);
            assert.equal(hf.startupTimeoutSeconds, 7320);
            const s3 = settings({ ...R1, model: "s3://weights-bucket/deepseek-r1" });
            // 671 GB ÷ 1 GB/s × 1.5 + 600 s = 1606.5 s → at least 1800 s.
            assert.equal(s3.startupTimeoutSeconds, 1800);
            assert.equal(settings({ ...R1, startupTimeoutSeconds: 9000 }).startupTimeoutSeconds, 9000);
        });
    });

    describe("validation", () => {
        const cases: { title: string; args: Partial<TestArgs>; lines: string[] }[] = [
            {
                title: "a model that does not fit one node's GPUs",
                args: { ...R1, nodes: 1, pool: "h100", autoscaling: { minReplicas: 2, maxReplicas: 2 } },
                lines: [
                    "parametersBillions: got 671; the model does not fit: 671B parameters × 1 bytes (fp8) = 625 GiB of weights, but 1 node(s) × 8 GPUs × 80 GiB × gpuMemoryUtilization 0.9 leave 490 GiB once 15 % is kept for the KV cache; use more nodes or GPUs, a larger GPU, or quantization",
                ],
            },
            {
                title: "a multi-node endpoint without the model's size",
                args: { ...R1, parametersBillions: undefined },
                lines: ["parametersBillions: got (missing); a multi-node endpoint (nodes: 2) must give the model's size, so its fit across 2 nodes is checked before any node is bought"],
            },
            {
                title: "nodes × GPUs per node above the pool's limit",
                args: { ...R1, pool: "small", autoscaling: { minReplicas: 2, maxReplicas: 2 } },
                lines: [
                    'autoscaling.maxReplicas: got 2; maxReplicas × nodes × tensorParallelSize = 32 GPUs exceeds pool "small" gpuLimit 8; the extra replicas could never schedule',
                    'nodes: got 2; nodes × tensorParallelSize = 16 GPUs exceeds pool "small" gpuLimit 8: one replica could never schedule',
                ],
            },
            {
                title: "GPUs per node no instance size of the pool has",
                args: { ...R1, tensorParallelSize: 4, parametersBillions: 70, quantization: undefined },
                lines: [
                    'tensorParallelSize: got 4; with nodes ≥ 2, tensorParallelSize is the GPUs per node and each pod takes a whole node, so pool "h100" needs an instance size with exactly 4 GPUs (p5: 1, 8)',
                ],
            },
            {
                title: "multi-node on a pool that shares GPUs",
                args: { ...R1, pool: "shared", tensorParallelSize: 1, production: false, autoscaling: { minReplicas: 1, maxReplicas: 1 } },
                lines: ['nodes: got 2; pool "shared" shares GPUs (mig): a multi-node replica needs whole GPUs on whole nodes, so use a pool without time-slicing or MIG, or nodes: 1'],
            },
            {
                title: "a production multi-node endpoint without EFA",
                args: { ...R1, pool: "l40s", parametersBillions: 70, quantization: undefined },
                lines: [
                    'nodes: got 2; a production multi-node endpoint needs EFA on every node of pool "l40s", but g6e has none: pipeline and tensor traffic between nodes would go over TCP sockets, a fraction of EFA\'s bandwidth, so throughput collapses; use EFA families (p4d, p4de, p5, p5e, p5en, p6-b200)',
                ],
            },
            {
                title: "a production multi-node endpoint on EFA families the cluster has not wired EFA to",
                args: { ...R1, pool: "h100-no-efa" },
                lines: [
                    'nodes: got 2; a production multi-node endpoint needs EFA, and the cluster has not wired it to pool "h100-no-efa"\'s nodes: set GpuCluster multiNode (EKS Auto Mode cannot: the EFA device plugin does not run on Auto Mode nodes)',
                ],
            },
            {
                title: "multi-node scale-to-zero without the explicit multi-node allowance",
                args: { ...R1, production: false, autoscaling: { minReplicas: 0, maxReplicas: 1, allowScaleToZero: true, wakeQuery: "sum(up)" } },
                lines: [
                    "autoscaling.minReplicas: got 0; scaling a 2-node replica to zero must be allowed explicitly (autoscaling.allowMultiNodeScaleToZero: true): waking it buys 2 GPU nodes at once and reloads the whole model, tens of minutes",
                ],
            },
            {
                title: "a fractional node count",
                args: { ...R1, nodes: 1.5 },
                lines: ["nodes: got 1.5; expected a whole number of nodes per replica from 1 to 99"],
            },
            {
                title: "pipeline flags in extraArgs",
                args: { ...R1, extraArgs: ["--pipeline-parallel-size=4"] },
                lines: ['extraArgs[0]: got "--pipeline-parallel-size=4"; --pipeline-parallel-size is set by nodes (one pipeline stage per node); the component renders it, so it may not appear in extraArgs'],
            },
        ];
        for (const c of cases) {
            it(`refuses ${c.title}, naming field, value and what is allowed, registering nothing`, async () => {
                const { error, resources } = await construct(c.args, "r1");
                assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${error}`);
                assert.deepEqual(error.message.split("\n").slice(1).map((l) => l.replace(/^ {2}- /, "")), c.lines);
                assert.deepEqual(resources.map((r) => r.type), ["pulumi:providers:kubernetes"]);
            });
        }

        it("accepts multi-node scale-to-zero when explicitly allowed (outside production)", async () => {
            const { error } = await construct({ ...R1, production: false, autoscaling: { minReplicas: 0, maxReplicas: 1, allowScaleToZero: true, allowMultiNodeScaleToZero: true, wakeQuery: "sum(up)" } }, "r1");
            assert.equal(error, undefined);
        });

        it("accepts the prod model: DeepSeek-R1 FP8 across two 8 × H100 nodes with EFA", async () => {
            const { error } = await construct(R1, "r1");
            assert.equal(error, undefined);
        });
    });
});

/**
 * Issue 8 items 7 (packing) and 8 (production endpoints vs node expiry) for
 * ModelEndpoint.
 */
import * as assert from "node:assert/strict";
import { ValidationError } from "../../components/internal/errors";
import { parseQuantity } from "../../components/internal/quantity";
import { construct, podSpec } from "./fixtures";

/**
 * g6.xlarge (4 vCPU, 16 GiB, 1 L4; 4 ENIs × 15 IPv4 → 58 pods) as Karpenter
 * v1.14.1 sizes it before any node exists (aws/karpenter-provider-aws
 * pkg/providers/instancetype/types.go): CPU 4000m − kube-reserved (6 % of the
 * first core + 1 % of the second + 0.5 % of cores 3-4 = 60 + 10 + 10 m) =
 * 3920m; memory 16384 MiB − 7.5 % VM overhead (1229) − kube-reserved
 * (11 × 58 + 255 = 893) − 100 MiB eviction threshold = 14162 MiB.
 */
const G6_XLARGE_ALLOCATABLE = { cpuMillis: 3920, memoryMiB: 14162 };
/** What the GPU node's DaemonSets may request (components/internal/gpu-instances.ts GPU_NODE_DAEMONSET_RESERVE). */
const DAEMONSETS = { cpuMillis: 500, memoryMiB: 1024 };

describe("shared pools pack (issue 8 item 7)", () => {
    // fixtures' pool "shared": g6, time-sliced 4 ways, gpuLimit 2 physical GPUs.
    it("sizes a slice pod so that all 4 slices of one g6.xlarge fit its allocatable, not one slice per node", async () => {
        const { resources, error } = await construct({ pool: "shared", gpuMemoryUtilization: 0.2 });
        assert.equal(error, undefined);
        const [vllm] = podSpec(resources).containers;
        const requests = vllm.resources.requests;
        assert.equal(requests["nvidia.com/gpu"], "1");
        const slices = 4;
        const cpu = parseQuantity(requests.cpu)! * 1000 * slices + DAEMONSETS.cpuMillis;
        const memory = (parseQuantity(requests.memory)! / 2 ** 20) * slices + DAEMONSETS.memoryMiB;
        assert.ok(cpu <= G6_XLARGE_ALLOCATABLE.cpuMillis, `${slices} slices request ${cpu}m CPU with the DaemonSets; a g6.xlarge has ${G6_XLARGE_ALLOCATABLE.cpuMillis}m`);
        assert.ok(memory <= G6_XLARGE_ALLOCATABLE.memoryMiB, `${slices} slices request ${memory} MiB with the DaemonSets; a g6.xlarge has ${G6_XLARGE_ALLOCATABLE.memoryMiB} MiB`);
        const shm = podSpec(resources).volumes.find((v: any) => v.name === "shm");
        assert.ok(parseQuantity(shm.emptyDir.sizeLimit)! <= parseQuantity(requests.memory)!, "the memory-backed /dev/shm counts against the memory limit");
    });

    it("refuses explicit resources that would stop the slices packing", async () => {
        const { error } = await construct({ pool: "shared", gpuMemoryUtilization: 0.2, resources: { cpu: "2", memory: "8Gi" } });
        assert.ok(error instanceof ValidationError, String(error));
        assert.match(error.message, /resources\.cpu: got "2"; pool "shared" shares GPUs: 4 slices share one g6\.xlarge, so each may have at most 855m CPU/);
        assert.match(error.message, /resources\.memory: got "8Gi"; pool "shared" shares GPUs: 4 slices share one g6\.xlarge, so each may have at most 3284Mi memory/);
    });

    it("counts a shared pool's replicas in slices: gpuLimit 2 × 4 slices holds 8 replicas, not 2", async () => {
        assert.equal((await construct({ pool: "shared", gpuMemoryUtilization: 0.2, autoscaling: { maxReplicas: 8 } })).error, undefined);
        const { error } = await construct({ pool: "shared", gpuMemoryUtilization: 0.2, autoscaling: { maxReplicas: 9 } });
        assert.match(String(error), /autoscaling\.maxReplicas: got 9; maxReplicas × tensorParallelSize = 9 slices exceeds pool "shared"'s 8 slices \(gpuLimit 2 GPUs × 4\)/);
    });
});

describe("production endpoints survive node expiry (issue 8 item 8)", () => {
    // Karpenter v1.14 docs, concepts/disruption: "Expiration is a forceful disruption method"; "NodePool
    // Disruption Budgets do not prevent Karpenter from terminating expired nodes." Only the PDB slows the drain.
    it("refuses one replica in production, where expiry would take the only replica", async () => {
        const { error, resources } = await construct({ production: true, autoscaling: { minReplicas: 1, maxReplicas: 2 } });
        assert.ok(error instanceof ValidationError, String(error));
        assert.match(error.message, /autoscaling\.minReplicas: got 1; a production endpoint needs ≥ 2 replicas \(or 0 with allowScaleToZero\)/);
        assert.deepEqual(resources.map((r) => r.type), ["pulumi:providers:kubernetes"]);
    });

    it("spreads production replicas over nodes so the PDB's one-at-a-time drain keeps one serving", async () => {
        const { resources, error } = await construct({ production: true, autoscaling: { minReplicas: 2, maxReplicas: 4 }, routing: "service" });
        assert.equal(error, undefined);
        assert.deepEqual(podSpec(resources).topologySpreadConstraints, [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "llama" } } },
        ]);
    });

    it("defaults a production endpoint to 2 replicas", async () => {
        const { resources, error } = await construct({ production: true, routing: "service" });
        assert.equal(error, undefined);
        const scaler = resources.find((r) => r.inputs?.kind === "ScaledObject")!;
        assert.equal(scaler.inputs.spec.minReplicaCount, 2);
        assert.equal(scaler.inputs.spec.maxReplicaCount, 2);
    });

    it("still lets dev run one replica", async () => {
        assert.equal((await construct({ autoscaling: { minReplicas: 1 } })).error, undefined);
    });
});

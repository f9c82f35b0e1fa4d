/**
 * Scheduling and capacity over pod templates and the nodes the cluster can
 * have: Karpenter's allocatable arithmetic, node selection and taints,
 * GPU pods against their pool's instance types, shared-pool packing and the
 * platform's capacity, each with a planted defect; then the stacks in both
 * cluster modes.
 */
import * as assert from "node:assert/strict";
import { renderedCluster } from "../harness/cluster";
import { skipWithoutReference, type KubernetesObject } from "../harness/conformance";
import { allocatable, instanceShape, INSTANCE_TYPES } from "../harness/instance-types";
import { candidates, clusterCompute, type ClusterCompute, migSlicesPerGpu, type NodeSource, nodeSources, podRequests, type Requirement, schedulingFindings } from "../harness/scheduling";
import { resolveGpuClusterArgs } from "../../components/gpu-cluster/args";
import { renderKarpenterPool } from "../../components/gpu-cluster/manifests";
import { GPU_FAMILIES } from "../../components/internal/gpu-instances";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";
import { instanceArchitecture } from "../../components/internal/architecture";
import { IMAGES } from "../../components/internal/versions";

const MIB = 2 ** 20;
const GIB = 2 ** 30;

const shape = (t: string) => instanceShape(t)!;

/** A GPU NodePool source as GpuCluster renders one (taint, pool label, family requirement). */
function gpuPool(name: string, families: string[], advertisedPerGpu = 1, limits?: Record<string, number>): NodeSource {
    return {
        name: `NodePool ${name}`,
        labels: { "genai-platform.io/pool": name, "karpenter.sh/nodepool": name },
        requirements: [
            { key: "karpenter.k8s.aws/instance-family", operator: "In", values: families },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
        ],
        taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }],
        instanceTypes: INSTANCE_TYPES,
        labelPrefix: "karpenter.k8s.aws",
        ephemeralGiB: 200,
        advertisedPerGpu,
        ...(limits ? { limits } : {}),
    };
}

function systemNodes(maxNodes: number, instanceType = "m7i.xlarge"): NodeSource {
    return {
        name: "node group system",
        labels: { "genai-platform.io/node-role": "system" },
        requirements: [],
        taints: [],
        instanceTypes: [shape(instanceType)],
        ephemeralGiB: 50,
        advertisedPerGpu: 1,
        maxNodes,
    };
}

interface PodOptions {
    kind?: string;
    replicas?: number;
    nodeSelector?: Record<string, string>;
    affinity?: Requirement[][];
    tolerations?: Record<string, string>[];
    requests?: Record<string, string>;
    image?: string;
}

function deployment(name: string, o: PodOptions = {}): KubernetesObject {
    const spec = {
        ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
        ...(o.affinity ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: o.affinity.map((matchExpressions) => ({ matchExpressions })) } } } } : {}),
        ...(o.tolerations ? { tolerations: o.tolerations } : {}),
        containers: [{ name: "main", ...(o.image ? { image: o.image } : {}), resources: { requests: o.requests ?? { cpu: "100m", memory: "128Mi" } } }],
    };
    return { apiVersion: "apps/v1", kind: o.kind ?? "Deployment", metadata: { name, namespace: "platform" }, spec: { replicas: o.replicas, template: { spec } } };
}

const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };

describe("scheduling and capacity", () => {
    describe("allocatable, as Karpenter v1.14.1 computes it (pkg/providers/instancetype/types.go)", () => {
        it("m7i.xlarge: 4 vCPU less 80m kube-reserved; 16 GiB less 7.5% VM overhead, 11 MiB × 58 pods + 255 MiB and 100 MiB eviction", () => {
            const a = allocatable(shape("m7i.xlarge"), { ephemeralGiB: 50, advertisedPerGpu: 1 });
            assert.equal(a.cpu, 3.92);
            assert.equal(a.memory, (16384 - 1229 - (11 * 58 + 255) - 100) * MIB);
            assert.equal(a["ephemeral-storage"], 50 * GIB - GIB - 5 * GIB);
            assert.equal(a.pods, 58);
        });

        it("advertises time-sliced GPUs × replicas, and caps pods in Auto Mode", () => {
            const a = allocatable(shape("g6.12xlarge"), { ephemeralGiB: 200, advertisedPerGpu: 4, maxPodsCap: 110 });
            assert.equal(a["nvidia.com/gpu"], 16);
            assert.equal(a.pods, 110);
            assert.equal(a.cpu, (48000 - 60 - 10 - 10 - Math.floor(44000 * 0.0025)) / 1000);
        });

        it("knows every size of every GPU family validation accepts, with the family's GPU counts", () => {
            for (const [family, f] of Object.entries(GPU_FAMILIES)) {
                const counts = [...new Set(INSTANCE_TYPES.filter((s) => s.instanceType.startsWith(`${family}.`)).map((s) => s.gpus))].sort((a, b) => a - b);
                assert.deepEqual(counts, [...f.gpuCounts], family);
            }
        });
    });

    describe("node sources from GpuCluster's rendered pools", () => {
        const settings = resolveGpuClusterArgs({
            deployerPrincipalArn: MOCK_DEPLOYER_ARN,
            pools: [
                { name: "plain", instanceFamilies: ["g6e"], gpuLimit: 8, volumeGiB: 300 },
                { name: "sliced", instanceFamilies: ["g6"], gpuLimit: 4, sharing: { mode: "time-slicing", replicas: 4 } },
                { name: "sliced-br", instanceFamilies: ["g6"], gpuLimit: 4, amiFamily: "bottlerocket", volumeGiB: 400, sharing: { mode: "time-slicing", replicas: 3 } },
                { name: "mig", instanceFamilies: ["p5e"], gpuLimit: 8, sharing: { mode: "mig", profile: "all-3g.71gb" } },
            ],
        });
        const objects = settings.pools.flatMap((p) => renderKarpenterPool(p, { clusterName: "c", nodeRoleName: "r", tags: {} }));
        const compute: ClusterCompute = { mode: "managed", nodeGroups: [], gpuOperator: true, timeSlicing: { sliced: 4 } };
        const byName = new Map(nodeSources(objects, compute).map((s) => [s.name, s]));

        it("reads slices per GPU from the device-plugin config, Bottlerocket's settings, or the MIG profile", () => {
            assert.deepEqual(["plain", "sliced", "sliced-br", "mig"].map((n) => byName.get(`NodePool ${n}`)!.advertisedPerGpu), [1, 4, 3, 2]);
        });

        it("counts MIG slices as the MIG manager the GPU Operator v26.7.0 chart pins does (NVIDIA/mig-parted v0.15.0 deployments/systemd/config-default.yaml, all-* layouts)", () => {
            const layouts: [number, Record<string, number>][] = [
                [40, { "1g.5gb": 7, "1g.10gb": 4, "2g.10gb": 3, "3g.20gb": 2, "4g.20gb": 1, "7g.40gb": 1 }],
                [80, { "1g.10gb": 7, "1g.20gb": 4, "2g.20gb": 3, "3g.40gb": 2, "4g.40gb": 1, "7g.80gb": 1 }],
                [141, { "1g.18gb": 7, "1g.35gb": 4, "2g.35gb": 3, "3g.71gb": 2, "4g.71gb": 1, "7g.141gb": 1 }],
                [179, { "1g.23gb": 7, "1g.45gb": 4, "2g.45gb": 3, "3g.90gb": 2, "4g.90gb": 1, "7g.180gb": 1 }],
            ];
            for (const [memory, layout] of layouts) {
                for (const [profile, slices] of Object.entries(layout)) assert.equal(migSlicesPerGpu(`all-${profile}`, memory), slices, `${profile} on ${memory} GB`);
            }
        });

        it("reads ephemeral storage from the root volume, or Bottlerocket's data volume", () => {
            assert.deepEqual(["plain", "sliced-br"].map((n) => byName.get(`NodePool ${n}`)!.ephemeralGiB), [300, 400]);
        });

        it("labels GPU nodes as NFD and the GPU Operator do once they join, keeping GpuCluster's preset values", () => {
            const label = (pool: string, key: string) => candidates(byName.get(`NodePool ${pool}`)!)[0].labels.get(key);
            assert.deepEqual(label("plain", "nvidia.com/gpu.deploy.device-plugin"), ["true"]);
            assert.deepEqual(label("plain", "nvidia.com/gpu.deploy.mig-manager"), undefined);
            assert.deepEqual(label("sliced-br", "nvidia.com/gpu.deploy.device-plugin"), ["false"]);
            assert.deepEqual(label("mig", "nvidia.com/gpu.deploy.mig-manager"), ["true"]);
        });

        it("counts the GPU Operator's DaemonSets on the GPU nodes they select, and reports none that select no node", () => {
            const daemonSet = (operand: string, cpu: string) =>
                deployment(`nvidia-${operand}`, { kind: "DaemonSet", nodeSelector: { [`nvidia.com/gpu.deploy.${operand}`]: "true" }, tolerations: [GPU_TOLERATION], requests: { cpu, memory: "1Gi" } });
            const vllm = deployment("vllm", { nodeSelector: { "genai-platform.io/pool": "plain" }, tolerations: [GPU_TOLERATION], requests: { cpu: "3", memory: "20Gi", "nvidia.com/gpu": "1" } });
            const sources = [...byName.values()];
            assert.deepEqual(schedulingFindings([vllm, daemonSet("mig-manager", "1")], sources), []);
            // g6e.xlarge offers 3.92 CPUs; with 1 CPU of device plugin the pod needs g6e.2xlarge, still in the pool.
            assert.deepEqual(schedulingFindings([vllm, daemonSet("device-plugin", "1")], sources), []);
            assert.deepEqual(schedulingFindings([vllm, daemonSet("device-plugin", "200")], sources).map((f) => f.check), ["fit"]);
        });

        it("takes GpuCluster's taint, pool label and limit", () => {
            const plain = byName.get("NodePool plain")!;
            assert.deepEqual(plain.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
            assert.equal(plain.labels["genai-platform.io/pool"], "plain");
            assert.deepEqual(plain.limits, { "nvidia.com/gpu": 8 });
            assert.deepEqual(candidates(plain).map((c) => c.shape.instanceType).sort(), INSTANCE_TYPES.filter((s) => s.instanceType.startsWith("g6e.")).map((s) => s.instanceType).sort());
        });
    });

    it("counts requests as kube-scheduler does: limits default requests, init containers peak, sidecars add", () => {
        const r = podRequests({
            initContainers: [
                { name: "migrate", resources: { requests: { cpu: "3" } } },
                { name: "proxy", resources: { limits: { cpu: "250m", memory: "64Mi" } }, restartPolicy: "Always" } as never,
            ],
            containers: [{ name: "app", resources: { limits: { cpu: "1", memory: "1Gi" } } }, { name: "side", resources: { requests: { cpu: "500m" } } }],
        });
        assert.deepEqual(r, { cpu: 3, memory: GIB + 64 * MIB, pods: 1 });
    });

    describe("placement", () => {
        const sources = [systemNodes(3), gpuPool("gpu-small", ["g5", "g6"])];
        const placement = (o: PodOptions) => schedulingFindings([deployment("p", o)], sources).filter((f) => f.check === "placement");

        const cases: [string, PodOptions, boolean][] = [
            ["no constraints: the system nodes", {}, true],
            ["the system node label", { nodeSelector: { "genai-platform.io/node-role": "system" } }, true],
            ["a GPU pool label without the GPU toleration", { nodeSelector: { "genai-platform.io/pool": "gpu-small" } }, false],
            ["a GPU pool label with the GPU toleration", { nodeSelector: { "genai-platform.io/pool": "gpu-small" }, tolerations: [GPU_TOLERATION] }, true],
            ["a toleration with a mismatched value", { nodeSelector: { "genai-platform.io/pool": "gpu-small" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "false" }] }, false],
            ["an empty-key Exists toleration (tolerates everything)", { nodeSelector: { "genai-platform.io/pool": "gpu-small" }, tolerations: [{ operator: "Exists" }] }, true],
            ["In on a family the pool offers", { tolerations: [GPU_TOLERATION], affinity: [[{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g6"] }]] }, true],
            ["In on a family the pool excludes", { tolerations: [GPU_TOLERATION], affinity: [[{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["p5"] }]] }, false],
            ["NotIn every family of the pool", { nodeSelector: { "genai-platform.io/pool": "gpu-small" }, tolerations: [GPU_TOLERATION], affinity: [[{ key: "karpenter.k8s.aws/instance-family", operator: "NotIn", values: ["g5", "g6"] }]] }, false],
            ["Gt on GPU count (4-GPU sizes exist)", { tolerations: [GPU_TOLERATION], affinity: [[{ key: "karpenter.k8s.aws/instance-gpu-count", operator: "Gt", values: ["2"] }]] }, true],
            ["Lt on GPU count no size has", { nodeSelector: { "genai-platform.io/pool": "gpu-small" }, tolerations: [GPU_TOLERATION], affinity: [[{ key: "karpenter.k8s.aws/instance-gpu-count", operator: "Lt", values: ["1"] }]] }, false],
            ["Exists on the zone", { affinity: [[{ key: "topology.kubernetes.io/zone", operator: "Exists" }]] }, true],
            ["DoesNotExist on the system label (pods kept off system nodes, GPU not tolerated)", { affinity: [[{ key: "genai-platform.io/node-role", operator: "DoesNotExist" }]] }, false],
            ["ORed terms, the second satisfiable", { affinity: [[{ key: "x", operator: "In", values: ["y"] }], [{ key: "genai-platform.io/node-role", operator: "In", values: ["system"] }]] }, true],
            ["a Karpenter instance label, which managed node groups do not carry", { affinity: [[{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m7i"] }]] }, false],
            ["the instance type, which every node carries", { nodeSelector: { "node.kubernetes.io/instance-type": "m7i.xlarge" } }, true],
            ["capacity type the pool does not buy", { tolerations: [GPU_TOLERATION], nodeSelector: { "karpenter.sh/capacity-type": "spot", "genai-platform.io/pool": "gpu-small" } }, false],
        ];
        for (const [name, options, placed] of cases) {
            it(`${placed ? "places" : "cannot place"} a pod with ${name}`, () => assert.equal(placement(options).length, placed ? 0 : 1));
        }

        it("one node carries one value per label; a NodePool requirement on its own key labels the node", () => {
            const pool: NodeSource = {
                ...gpuPool("mixed", ["g6"]),
                requirements: [
                    { key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["g6"] },
                    { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] },
                    { key: "team", operator: "In", values: ["search"] },
                ],
            };
            const place = (affinity: Requirement[]) => schedulingFindings([deployment("p", { tolerations: [GPU_TOLERATION], affinity: [affinity] })], [pool]).length === 0;
            assert.equal(place([{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }]), true);
            assert.equal(place([{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }, { key: "karpenter.sh/capacity-type", operator: "NotIn", values: ["spot"] }]), false);
            assert.equal(place([{ key: "team", operator: "In", values: ["search"] }]), true);
            assert.equal(place([{ key: "team", operator: "In", values: ["research"] }]), false);
        });

        it("planted defect: a nodeSelector no node carries is reported, naming the pod and why", () => {
            const [f] = placement({ nodeSelector: { "genai-platform.io/node-role": "sytem" } });
            assert.equal(
                f.message,
                'Deployment p in namespace "platform": placement: no node can take it: node group system: no node carries genai-platform.io/node-role=sytem; ' +
                    "NodePool gpu-small: does not tolerate nvidia.com/gpu=true:NoSchedule",
            );
        });

        it("Auto Mode: the built-in pools carry no system node label; the system pool wants CriticalAddonsOnly tolerated", () => {
            const auto = nodeSources([], { mode: "auto", nodeGroups: [], gpuOperator: false, timeSlicing: {} });
            assert.deepEqual(auto.map((s) => s.name), ["Auto Mode NodePool system", "Auto Mode NodePool general-purpose"]);
            const on = (o: PodOptions) => schedulingFindings([deployment("p", o)], auto).map((f) => f.check);
            assert.deepEqual(on({ nodeSelector: { "genai-platform.io/node-role": "system" } }), ["placement"]);
            assert.deepEqual(on({ nodeSelector: { "karpenter.sh/nodepool": "system" } }), ["placement"]);
            assert.deepEqual(on({ nodeSelector: { "karpenter.sh/nodepool": "system" }, tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] }), []);
            assert.deepEqual(on({ nodeSelector: { "eks.amazonaws.com/compute-type": "auto" } }), []);
        });
    });

    describe("GPU pods against their pool's instance types", () => {
        const pool = gpuPool("l4", ["g6"]);
        const gpuPod = (requests: Record<string, string>) => deployment("vllm", { nodeSelector: { "genai-platform.io/pool": "l4" }, tolerations: [GPU_TOLERATION], requests });

        it("fits a 4-GPU pod on g6.12xlarge", () => {
            assert.deepEqual(schedulingFindings([gpuPod({ cpu: "16", memory: "96Gi", "nvidia.com/gpu": "4" })], [pool]), []);
        });

        it("planted defect: a GPU pod bigger than any instance of its pool is reported", () => {
            const findings = schedulingFindings([gpuPod({ cpu: "8", memory: "64Gi", "nvidia.com/gpu": "16" })], [pool]);
            assert.equal(findings.length, 1);
            assert.equal(findings[0].check, "fit");
            assert.match(findings[0].message, /^Deployment vllm in namespace "platform": fit: requests cpu 8, memory 64\.0Gi, nvidia\.com\/gpu 16, more than any instance type of NodePool l4 \(largest: .*nvidia\.com\/gpu 8/);
        });

        it("counts ephemeral storage against the node's volume", () => {
            const findings = schedulingFindings([gpuPod({ cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1", "ephemeral-storage": "300Gi" })], [pool]);
            assert.deepEqual(findings.map((f) => f.check), ["fit"]);
        });
    });

    describe("shared pools: N slice pods fit one node", () => {
        const shared = gpuPool("shared-l4", ["g6"], 4);
        const slicePod = (requests: Record<string, string>) => deployment("small-model", { nodeSelector: { "genai-platform.io/pool": "shared-l4" }, tolerations: [GPU_TOLERATION], requests, replicas: 4 });

        it("planted defect: slice pods sized per physical GPU need one node each", () => {
            const findings = schedulingFindings([slicePod({ cpu: "4", memory: "24Gi", "nvidia.com/gpu": "1" })], [shared]);
            assert.equal(findings.length, 1);
            assert.equal(findings[0].check, "sharedPacking");
            assert.match(findings[0].detail, /advertises 4 slices on g6\.2xlarge, the node Karpenter launches for one pod, but only 1 pod fits there .*every slice pod needs a node of its own/);
        });

        it("slice pods sized from the node shape and the replica count pack four to a g6.xlarge", () => {
            assert.deepEqual(schedulingFindings([slicePod({ cpu: "900m", memory: "3Gi", "nvidia.com/gpu": "1" })], [shared]), []);
        });
    });

    describe("capacity the platform gives itself", () => {
        const platformPods = (replicas: number) => [deployment("gateway", { replicas, requests: { cpu: "1", memory: "2Gi" } })];

        it("fits when the node group's max size holds every replica (DaemonSets counted per node)", () => {
            const daemon = deployment("node-agent", { kind: "DaemonSet", requests: { cpu: "200m", memory: "256Mi" } });
            assert.deepEqual(schedulingFindings([...platformPods(9), daemon], [systemNodes(3)]), []);
        });

        it("planted defect: requests exceeding the system capacity are reported", () => {
            const daemon = deployment("node-agent", { kind: "DaemonSet", requests: { cpu: "200m", memory: "256Mi" } });
            const findings = schedulingFindings([...platformPods(10), daemon], [systemNodes(3)]);
            assert.deepEqual(findings.map((f) => f.check), ["capacity"]);
            assert.match(findings[0].detail, /^10 pods request cpu 10, memory 20\.0Gi but the capacity they may use holds at most node group system: 3 × m7i\.xlarge .*1 do not fit: platform\/Deployment gateway$/);
        });

        it("a managed node group holds its desired size: only a Cluster Autoscaler takes it to its max size", () => {
            const compute = { mode: "managed" as const, gpuOperator: false, timeSlicing: {}, nodeGroups: [{ name: "system", labels: {}, taints: [], instanceTypes: ["m7i.xlarge"], desiredSize: 2, maxSize: 4, diskSize: 50 }] };
            const autoscaler: KubernetesObject = {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "cluster-autoscaler", namespace: "kube-system" },
                spec: { template: { spec: { containers: [{ name: "ca", image: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0" }] } } },
            };
            assert.equal(nodeSources([], compute)[0].maxNodes, 2);
            assert.equal(nodeSources([autoscaler], compute)[0].maxNodes, 4);
        });

        it("a CPU NodePool takes the overflow within its limits; without limits it is unbounded", () => {
            const cpuPool = (limits?: Record<string, number>): NodeSource => ({ ...gpuPool("cpu", ["m7i"], 1, limits), name: "NodePool cpu", taints: [], labels: { "karpenter.sh/nodepool": "cpu" } });
            assert.deepEqual(schedulingFindings(platformPods(20), [systemNodes(3), cpuPool({ cpu: 16 })]), []);
            assert.deepEqual(schedulingFindings(platformPods(40), [systemNodes(3), cpuPool({ cpu: 16 })]).map((f) => f.check), ["capacity"]);
            assert.deepEqual(schedulingFindings(platformPods(400), [systemNodes(3), cpuPool()]), []);
        });
    });

    describe("architecture: no image without an arm64 build on a Graviton node", () => {
        const LITELLM = IMAGES.litellm.image;
        const graviton = { ...systemNodes(2, "m7g.large"), name: "node group graviton" };
        const intel = { ...systemNodes(2, "m7i.large"), name: "node group intel" };
        const architecture = (objects: KubernetesObject[], sources: NodeSource[]) => schedulingFindings(objects, sources).filter((f) => f.check === "architecture");

        it("names instance architectures as EC2 does: a g among a family's attributes (or a1) is Graviton", () => {
            const arm64 = ["m7g.large", "c7gn.xlarge", "r8gd.2xlarge", "t4g.medium", "im4gn.large", "g5g.xlarge", "x2gd.large", "hpc7g.4xlarge", "a1.large"];
            const amd64 = ["m7i.large", "m7i-flex.large", "c7a.xlarge", "g6.xlarge", "g4dn.xlarge", "p5en.48xlarge", "r7iz.large", "inf2.xlarge"];
            assert.deepEqual(arm64.map(instanceArchitecture), arm64.map(() => "arm64"));
            assert.deepEqual(amd64.map(instanceArchitecture), amd64.map(() => "amd64"));
            assert.equal(candidates(graviton)[0].labels.get("kubernetes.io/arch")![0], "arm64");
        });

        it("planted defect: an amd64-only image without the affinity is reported where it could land on arm64", () => {
            const [f, ...more] = architecture([deployment("gateway", { image: LITELLM })], [graviton, intel]);
            assert.equal(more.length, 0);
            assert.equal(
                f.message,
                `Deployment gateway in namespace "platform": architecture: ${LITELLM} has no recorded arm64 build, but the pod can land on arm64 nodes of node group graviton (m7g.large): ` +
                    "keep it on amd64 (nodeSelector kubernetes.io/arch: amd64) or record the image's arm64 build in IMAGE_ARCHITECTURES",
            );
        });

        it("the same pod kept on amd64 by nodeSelector or node affinity is not", () => {
            assert.deepEqual(architecture([deployment("gateway", { image: LITELLM, nodeSelector: { "kubernetes.io/arch": "amd64" } })], [graviton, intel]), []);
            assert.deepEqual(architecture([deployment("gateway", { image: LITELLM, affinity: [[{ key: "kubernetes.io/arch", operator: "NotIn", values: ["arm64"] }]] })], [graviton, intel]), []);
        });

        it("an image recorded with arm64, or a pod a taint keeps off the Graviton nodes, is not", () => {
            assert.deepEqual(architecture([deployment("karpenter", { image: "public.ecr.aws/karpenter/controller:1.13.0@sha256:ea73" })], [graviton]), []);
            const tainted = { ...graviton, taints: [{ key: "CriticalAddonsOnly", effect: "NoSchedule" }] };
            assert.deepEqual(architecture([deployment("gateway", { image: LITELLM })], [tainted, intel]), []);
        });

        it("a DaemonSet that tolerates every taint is judged on every node it runs on, an unrecorded image as amd64 only", () => {
            const tainted = { ...graviton, taints: [{ key: "CriticalAddonsOnly", effect: "NoSchedule" }] };
            const agent = (image: string) => deployment("agent", { kind: "DaemonSet", image, tolerations: [{ operator: "Exists" }] });
            assert.deepEqual(architecture([agent("quay.io/prometheus/node-exporter:v1.12.1-distroless")], [tainted]), []);
            assert.deepEqual(architecture([agent("example.com/agent:1.0")], [tainted]).map((f) => f.object), ["DaemonSet agent"]);
        });

        it("the stacks' system node groups are Graviton on the ARM AMI, and the gateway keeps to amd64", async function () {
            skipWithoutReference(this);
            for (const stack of ["dev", "prod"] as const) {
                const cluster = await renderedCluster(stack, { mode: "managed" });
                const group = cluster.resources.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup")!;
                assert.deepEqual([group.inputs.instanceTypes.map(instanceArchitecture), group.inputs.amiType], [group.inputs.instanceTypes.map(() => "arm64"), "AL2023_ARM_64_STANDARD"], stack);
                const gateway = cluster.objects.find((o) => o.kind === "Deployment" && o.metadata.namespace === "llm-gateway")!;
                assert.deepEqual((gateway.spec as any).template.spec.nodeSelector, { "kubernetes.io/arch": "amd64" }, stack);
            }
        });
    });

    describe("the stacks' clusters: ours, every chart's and the operators' pods", () => {
        for (const stack of ["dev", "prod"] as const) {
            for (const mode of ["managed", "auto"] as const) {
                it(`${stack}, ${mode} mode: every pod has a node, GPU pods fit their pools, slices pack, capacity holds`, async function () {
                    skipWithoutReference(this);
                    const cluster = await renderedCluster(stack, { mode });
                    const compute = clusterCompute(cluster.resources);
                    assert.equal(compute.mode, mode);
                    const objects = [...cluster.objects];
                    assert.deepEqual(schedulingFindings(objects, nodeSources(objects, compute)).map((f) => f.message), []);
                });
            }
        }
    });
});

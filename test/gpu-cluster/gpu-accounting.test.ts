/**
 * Issue 8 items 7, 9, 10 and 19 at the GpuCluster level: GPU limits in the
 * unit Karpenter counts, NodeOverlays for shared pools, MIG profiles per GPU
 * model and the MIG manager's reboot, capacity reservations, and the
 * platform's own scaling CPU capacity.
 */
import * as assert from "node:assert/strict";
import { GpuCluster, type GpuClusterArgs, type GpuPoolArgs } from "../../components/gpu-cluster";
import { expectFailure, k8sObjects, ofType, type RecordedResource, runWithMocks } from "../harness";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";

const ADMIN = ["arn:aws:iam::123456789012:role/admin"];
/** The deployer's networks: the public endpoint admits only them. */
const ENDPOINT = { publicAccessCidrs: ["203.0.113.0/24"] };
const DEPLOYER = MOCK_DEPLOYER_ARN;
const l4: GpuPoolArgs = { name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 };
const sliced: GpuPoolArgs = { name: "sliced", instanceFamilies: ["g6"], gpuLimit: 8, sharing: { mode: "time-slicing", replicas: 4 } };
const h100Mig: GpuPoolArgs = { name: "mig", instanceFamilies: ["p5"], gpuLimit: 16, sharing: { mode: "mig", profile: "all-1g.10gb" } };

async function declare(pools: GpuPoolArgs[], extra: Partial<GpuClusterArgs> = {}): Promise<RecordedResource[]> {
    return (await runWithMocks(() => new GpuCluster("t", { pools, adminPrincipalArns: ADMIN, deployerPrincipalArn: DEPLOYER, endpoint: ENDPOINT, ...extra }))).resources;
}

const nodePool = (resources: RecordedResource[], name: string) => k8sObjects(resources, "NodePool").find((p) => p.metadata.name === name)!;
const karpenterValues = (resources: RecordedResource[]) => ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "karpenter")!.inputs.values;

async function rejected(pools: GpuPoolArgs[], extra: Partial<GpuClusterArgs> = {}): Promise<string> {
    const { error, resources } = await expectFailure(() => new GpuCluster("bad", { pools, adminPrincipalArns: ADMIN, deployerPrincipalArn: DEPLOYER, endpoint: ENDPOINT, ...extra }));
    assert.equal(resources.length, 0, "nothing may be registered on bad input");
    return error.message;
}

describe("GPU accounting (issue 8 item 7)", () => {
    let resources: RecordedResource[];
    before(async () => {
        resources = await declare([l4, sliced, h100Mig]);
    });

    // Karpenter counts an initialised node's advertised nvidia.com/gpu (node.status.capacity) against the
    // NodePool limit: kubernetes-sigs/karpenter (the v1.14.1 pin) pkg/controllers/state/statenode.go
    // Capacity() and cluster.go updateNodePoolResources. Time-slicing advertises GPUs × replicas; MIG
    // (single strategy) advertises slices: 7 of 1g.10gb per H100 (NVIDIA/mig-parted v0.15.0 config-default.yaml).
    it("renders each NodePool's nvidia.com/gpu limit in advertised units, from gpuLimit in physical GPUs", () => {
        assert.equal(nodePool(resources, "l4").spec.limits["nvidia.com/gpu"], "8");
        assert.equal(nodePool(resources, "sliced").spec.limits["nvidia.com/gpu"], "32");
        assert.equal(nodePool(resources, "mig").spec.limits["nvidia.com/gpu"], "112");
        assert.equal(nodePool(resources, "sliced").metadata.annotations["genai-platform.io/advertised-gpus-per-gpu"], "4");
    });

    it("tells Karpenter what shared nodes advertise with one NodeOverlay per GPU count, and turns on its feature gate", () => {
        const overlays = k8sObjects(resources, "NodeOverlay");
        const of = (pool: string) => overlays.filter((o) => o.spec.requirements.some((r: any) => r.key === "karpenter.sh/nodepool" && r.values[0] === pool));
        const capacityByCount = (pool: string) =>
            Object.fromEntries(of(pool).map((o) => [o.spec.requirements.find((r: any) => r.key === "karpenter.k8s.aws/instance-gpu-count").values[0], o.spec.capacity["nvidia.com/gpu"]]));
        assert.deepEqual(capacityByCount("sliced"), { 1: "4", 4: "16", 8: "32" });
        assert.deepEqual(capacityByCount("mig"), { 1: "7", 8: "56" });
        assert.deepEqual(of("l4"), [], "pools without sharing need no overlay");
        assert.equal(karpenterValues(resources).settings.featureGates.nodeOverlay, true);
    });

    it("tells consumers of its pools (tenants through stack outputs) the unit: advertised GPUs per physical GPU", async () => {
        const pools = (await runWithMocks(() => new GpuCluster("t", { pools: [l4, sliced, h100Mig], adminPrincipalArns: ADMIN, deployerPrincipalArn: DEPLOYER, endpoint: ENDPOINT }).pools)).result;
        assert.deepEqual(pools.map((p) => [p.name, p.gpuLimit, p.advertisedPerGpu]), [["l4", 8, 1], ["sliced", 8, 4], ["mig", 16, 7]]);
    });

    it("leaves the alpha NodeOverlay gate off when no pool shares GPUs", async () => {
        assert.equal(karpenterValues(await declare([l4])).settings.featureGates.nodeOverlay, false);
    });
});

describe("MIG per GPU model (issue 8 item 9)", () => {
    // Profiles per model from NVIDIA/mig-parted v0.15.0 deployments/systemd/config-default.yaml, the
    // k8s-mig-manager version the GPU Operator v26.7.0 chart pins.
    it("refuses a profile the pool's GPU model does not have", async () => {
        const message = await rejected([{ ...h100Mig, instanceFamilies: ["p5e"] }]);
        assert.match(message, /pools\[0\]\.sharing\.profile: got "all-1g\.10gb"; H200-141GB supports all-1g\.18gb, all-1g\.35gb/);
        const a100 = await rejected([{ ...h100Mig, instanceFamilies: ["p4d"], sharing: { mode: "mig", profile: "all-1g.20gb" } }]);
        assert.match(a100, /A100-40GB supports all-1g\.5gb, all-1g\.10gb, all-2g\.10gb/);
    });

    it("refuses MIG pools that mix GPU models, named by family or by GPU name", async () => {
        assert.match(await rejected([{ ...h100Mig, instanceFamilies: ["p4d", "p4de"] }]), /pools\[0\]\.sharing\.mode: got "p4d: A100-40GB, p4de: A100-80GB"; a MIG pool must launch one GPU model/);
        assert.match(await rejected([{ ...h100Mig, instanceFamilies: undefined, gpuNames: ["a100"] }]), /a MIG pool must launch one GPU model/);
    });

    it("accepts each model's own profiles, 1g.10gb on A100-40GB included (4 per GPU upstream)", async () => {
        const resources = await declare([{ ...h100Mig, instanceFamilies: ["p4d"] }, { ...h100Mig, name: "h200", instanceFamilies: ["p5e", "p5en"], sharing: { mode: "mig", profile: "all-1g.18gb" } }]);
        assert.equal(nodePool(resources, "mig").spec.limits["nvidia.com/gpu"], String(16 * 4));
        assert.equal(nodePool(resources, "h200").spec.limits["nvidia.com/gpu"], String(16 * 7));
    });

    // NVIDIA GPU Operator docs, "GPU Operator with MIG": in a cloud (CSP) environment set
    // migManager.env WITH_REBOOT=true so the node reboots to apply the MIG mode change.
    it("lets the MIG manager reboot cloud nodes to apply MIG mode", async () => {
        const values = ofType(await declare([h100Mig]), "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "gpu-operator")!.inputs.values;
        assert.deepEqual(values.migManager.env, [{ name: "WITH_REBOOT", value: "true" }]);
    });
});

describe("capacity reservations (issue 8 item 10)", () => {
    const reserved: GpuPoolArgs = { name: "reserved", instanceFamilies: ["p5"], gpuLimit: 8, capacityTypes: ["reserved", "on-demand"] };

    it("refuses reserved capacity without a reservation to launch into", async () => {
        assert.match(await rejected([reserved]), /pools\[0\]\.capacityReservations: got \(missing\); capacityTypes "reserved" needs 1-30 capacity reservation selectors/);
    });

    it("selects the given reservations on the pool's EC2NodeClass (CRD field capacityReservationSelectorTerms)", async () => {
        const resources = await declare([{ ...reserved, capacityReservations: [{ id: "cr-0123456789abcdef0" }, { tags: { team: "ml" }, ownerId: "210987654321" }] }]);
        const nodeClass = k8sObjects(resources, "EC2NodeClass").find((c) => c.metadata.name === "reserved")!;
        assert.deepEqual(nodeClass.spec.capacityReservationSelectorTerms, [{ id: "cr-0123456789abcdef0" }, { tags: { team: "ml" }, ownerID: "210987654321" }]);
    });

    it("refuses malformed terms, reservations on pools that cannot use them, and reserved capacity in Auto Mode", async () => {
        const message = await rejected([
            { ...reserved, capacityReservations: [{ id: "reservation-1" }, { tags: {} }] },
            { ...l4, capacityReservations: [{ id: "cr-0123" }] },
        ]);
        assert.match(message, /pools\[0\]\.capacityReservations\[0\]\.id: got "reservation-1"; expected a reservation id "cr-…"/);
        assert.match(message, /pools\[0\]\.capacityReservations\[1\]\.tags: got \{\}; expected 1-20 non-empty tag keys/);
        assert.match(message, /pools\[1\]\.capacityReservations: got \[\{"id":"cr-0123"\}\]; capacity reservations apply only to pools whose capacityTypes include "reserved"/);
        assert.match(await rejected([{ ...reserved, capacityReservations: [{ id: "cr-0123" }] }], { mode: "auto" }), /pools\[0\]\.capacityTypes: .*reserved capacity needs mode "karpenter"/);
    });
});

describe("platform CPU capacity (issue 8 item 19)", () => {
    it("gives add-ons an untainted Karpenter CPU pool that can never buy a GPU, and keeps the managed group for Karpenter", async () => {
        const resources = await declare([l4], { platformPool: { capacityTypes: ["spot", "on-demand"], cpuLimit: 48, memoryLimitGiB: 192 } });
        const pool = nodePool(resources, "platform");
        assert.ok(pool, "no platform NodePool");
        assert.equal(pool.spec.template.spec.taints, undefined, "the platform pool must take untolerating add-on pods");
        assert.deepEqual(pool.spec.limits, { cpu: "48", memory: "192Gi", "nvidia.com/gpu": "0" });
        assert.deepEqual(pool.spec.template.spec.requirements.find((r: any) => r.key === "karpenter.sh/capacity-type").values, ["spot", "on-demand"]);
        assert.equal(pool.spec.template.metadata.labels["genai-platform.io/node-role"], "platform");
        const nodeClass = k8sObjects(resources, "EC2NodeClass").find((c) => c.metadata.name === "platform")!;
        assert.equal(nodeClass.spec.metadataOptions.httpTokens, "required");
        const [group] = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
        assert.deepEqual(group.inputs.taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
    });

    it("launches the architectures the pool allows: amd64 by default, Graviton too when asked", async () => {
        const arch = (resources: RecordedResource[]) => nodePool(resources, "platform").spec.template.spec.requirements.find((r: any) => r.key === "kubernetes.io/arch").values;
        assert.deepEqual(arch(await declare([l4])), ["amd64"]);
        assert.deepEqual(arch(await declare([l4], { platformPool: { architectures: ["arm64", "amd64"] } })), ["arm64", "amd64"]);
    });

    it("reserves the platform pool's name and checks its limits", async () => {
        const message = await rejected([{ ...l4, name: "platform" }], { platformPool: { cpuLimit: 2, capacityTypes: ["reserved" as "spot"] } });
        assert.match(message, /pools\[0\]\.name: got "platform"; "platform" names the platform's CPU NodePool/);
        assert.match(message, /platformPool\.cpuLimit: got 2; expected a whole number of vCPUs ≥ 4/);
        assert.match(message, /platformPool\.capacityTypes\[0\]: got "reserved"; expected "spot" or "on-demand"/);
    });
});

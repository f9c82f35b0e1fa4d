import assert from "node:assert/strict";
import { GpuCluster, KEDA_NAMESPACE, SYSTEM_NAMESPACES } from "../../components/gpu-cluster";
import { addonPlacement } from "../../components/gpu-cluster/values";
import { CHARTS } from "../../components/internal/versions";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";
import { runWithMocks } from "../../plan/recorder";
import { helmValueErrors, skipWithoutReference } from "../harness/conformance";
import type { RecordedResource } from "../harness";

const ARGS = { pools: [{ name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 }], endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, deployerPrincipalArn: MOCK_DEPLOYER_ARN };

async function clusterRun(mode: "karpenter" | "auto" = "karpenter", kedaReplicas?: number) {
    return runWithMocks(() => {
        const cluster = new GpuCluster("genai-dev", { ...ARGS, mode, kedaReplicas });
        return { addons: cluster.addons.map((r) => r.urn) };
    });
}

const kedaOf = (resources: RecordedResource[]) => {
    const found = resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === CHARTS.keda.chart);
    assert.equal(found.length, 1, "one KEDA release");
    return found[0];
};

describe("GpuCluster's KEDA add-on", () => {
    it("installs the pinned KEDA chart once, in namespace keda, with the cluster's provider, after the platform pool", async () => {
        const { resources } = await clusterRun();
        const release = kedaOf(resources);
        assert.equal(release.name, "genai-dev-keda");
        assert.equal(release.inputs.version, "2.20.2");
        assert.equal(release.inputs.repositoryOpts.repo, "https://kedacore.github.io/charts");
        assert.equal(release.inputs.name, "keda");
        assert.equal(release.inputs.namespace, KEDA_NAMESPACE);
        assert.equal(KEDA_NAMESPACE, "keda");
        const cluster = resources.find((r) => r.type === "genai-platform:index:GpuCluster")!;
        assert.equal(release.parent, cluster.urn);
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "genai-dev-k8s")!;
        assert.ok(release.provider?.startsWith(`${provider.urn}::`));
        const karpenter = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === CHARTS.karpenter.chart)!;
        assert.ok(release.dependsOn.includes(karpenter.urn), "KEDA waits for Karpenter (its pods run on the platform pool)");
    });

    it("is one of the cluster's add-ons, which ModelEndpoints depend on, and its namespace is exempt like the others'", async () => {
        const { resources, result } = await clusterRun();
        const urns = await Promise.all(result.addons.map((u) => new Promise<string>((resolve) => u.apply(resolve))));
        assert.ok(urns.includes(kedaOf(resources).urn));
        assert.ok(SYSTEM_NAMESPACES.includes(KEDA_NAMESPACE));
    });

    it("keeps an existing stack's release through the rename from <cluster>-keda-keda (alias)", async () => {
        const { resources } = await clusterRun();
        assert.deepEqual(kedaOf(resources).aliasNames, ["genai-dev-keda-keda"]);
    });

    for (const mode of ["karpenter", "auto"] as const) {
        it(`runs KEDA where critical add-ons run in ${mode} mode, in HA with disruption budgets`, async () => {
            const { values } = kedaOf((await clusterRun(mode)).resources).inputs;
            assert.deepEqual({ nodeSelector: values.nodeSelector, tolerations: values.tolerations }, addonPlacement(mode, "critical"));
            assert.equal(values.operator.replicaCount, 2);
            assert.deepEqual(values.podDisruptionBudget.operator, { minAvailable: 1 });
        });
    }

    it("runs one replica of each part when asked, and sets no PDB (the chart renders one only when its key is set)", async () => {
        const { values } = kedaOf((await clusterRun("karpenter", 1)).resources).inputs;
        assert.deepEqual([values.operator.replicaCount, values.metricsServer.replicaCount, values.webhooks.replicaCount], [1, 1, 1]);
        assert.equal(values.podDisruptionBudget, undefined);
    });

    describe("conformance", function () {
        before(function () {
            skipWithoutReference(this);
        });

        for (const replicas of [undefined, 1]) {
            it(`sets only value paths that exist in the pinned chart (replicas ${replicas ?? "default"})`, async () => {
                const { resources } = await clusterRun("karpenter", replicas);
                assert.deepEqual(helmValueErrors([kedaOf(resources)]), []);
            });
        }
    });
});

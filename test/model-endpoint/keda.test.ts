import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { createKedaRelease, KEDA_NAMESPACE } from "../../components/model-endpoint";
import { kedaValues } from "../../components/model-endpoint/values";
import { addonPlacement } from "../../components/gpu-cluster/values";
import { CHARTS } from "../../components/internal/versions";
import { runWithMocks } from "../../plan/recorder";
import { helmValueErrors, skipWithoutReference } from "../harness/conformance";

async function kedaRun(replicas?: number) {
    return runWithMocks(() => {
        const provider = new k8s.Provider("test-k8s", { kubeconfig: "{}" });
        const before = new k8s.helm.v3.Release("kyverno", { chart: "kyverno" }, { provider });
        return { release: createKedaRelease("genai-dev", provider, undefined, [before], undefined, replicas), provider };
    });
}

describe("createKedaRelease", () => {
    it("installs the pinned KEDA chart once, in namespace keda, with the cluster's provider", async () => {
        const { resources } = await kedaRun();
        const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "genai-dev-keda")!;
        assert.equal(release.inputs.chart, CHARTS.keda.chart);
        assert.equal(release.inputs.version, "2.20.2");
        assert.equal(release.inputs.repositoryOpts.repo, "https://kedacore.github.io/charts");
        assert.equal(release.inputs.name, "keda");
        assert.equal(release.inputs.namespace, KEDA_NAMESPACE);
        assert.equal(KEDA_NAMESPACE, "keda");
        const provider = resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.ok(release.provider?.startsWith(`${provider.urn}::`));
        assert.ok(release.dependsOn.includes(resources.find((r) => r.name === "kyverno")!.urn));
    });

    it("keeps KEDA on the platform pool by default, in HA with disruption budgets", async () => {
        const { resources } = await kedaRun();
        const { values } = resources.find((r) => r.name === "genai-dev-keda")!.inputs;
        assert.deepEqual({ nodeSelector: values.nodeSelector, tolerations: values.tolerations }, addonPlacement("karpenter", "critical"));
        assert.equal(values.operator.replicaCount, 2);
        assert.deepEqual(values.podDisruptionBudget.operator, { minAvailable: 1 });
    });

    it("runs one replica of each part when asked, and sets no PDB (the chart renders one only when its key is set)", async () => {
        const { resources } = await kedaRun(1);
        const { values } = resources.find((r) => r.name === "genai-dev-keda")!.inputs;
        assert.deepEqual([values.operator.replicaCount, values.metricsServer.replicaCount, values.webhooks.replicaCount], [1, 1, 1]);
        assert.equal(values.podDisruptionBudget, undefined);
        assert.deepEqual(kedaValues(undefined, 2).podDisruptionBudget, { operator: { minAvailable: 1 }, metricServer: { minAvailable: 1 }, webhooks: { minAvailable: 1 } });
    });

    describe("conformance", function () {
        before(function () {
            skipWithoutReference(this);
        });

        for (const replicas of [undefined, 1]) {
            it(`sets only value paths that exist in the pinned chart (replicas ${replicas ?? "default"})`, async () => {
                const { resources } = await kedaRun(replicas);
                const keda = resources.filter((r) => r.name === "genai-dev-keda");
                assert.equal(keda.length, 1);
                assert.deepEqual(helmValueErrors(keda), []);
            });
        }
    });
});

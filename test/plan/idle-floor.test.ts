/**
 * The dev stack's idle floor, as the plan's own estimate prices it: at most
 * $270 a month with every feature of the dev stack declared (issue 15). The
 * line-item dollars are pinned elsewhere; this holds the bound and that no
 * resource slipped out of the estimate unpriced (which would lower the floor
 * by hiding a cost).
 */
import * as assert from "node:assert/strict";
import { estimateCost } from "../../plan/cost";
import { loadStackConfig, runStack } from "../../plan/stack";
import type { RecordedResource } from "../../plan/recorder";
import type { PriceRegion } from "../../plan/prices";

const DEV_IDLE_FLOOR_MAX_USD = 270;

describe("dev's idle floor", () => {
    let resources: RecordedResource[];
    const config = loadStackConfig("dev");
    // The Region the dev stack file sets (aws:region): its prices.
    const region = config.config["aws:region"] as PriceRegion;
    before(async () => {
        resources = (await runStack("dev", config)).resources;
    });

    it(`is at most $${DEV_IDLE_FLOOR_MAX_USD} a month, every resource priced`, () => {
        assert.equal(region, "us-east-1");
        const cost = estimateCost(resources, region);
        assert.deepEqual(cost.unpriced, []);
        const lines = cost.floor.map((l) => `$${l.monthlyUsd.toFixed(2)} ${l.item}`).join("\n");
        assert.ok(cost.totals.floor <= DEV_IDLE_FLOOR_MAX_USD, `idle floor $${cost.totals.floor.toFixed(2)} > $${DEV_IDLE_FLOOR_MAX_USD}:\n${lines}`);
    });

    it("still declares every feature the dev stack had: each chart, component and the GPU pool", () => {
        const releases = new Set(resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart));
        const charts = ["gpu-operator", "keda", "kube-prometheus-stack", "kyverno", "langfuse", "oci://ghcr.io/clickhouse/clickhouse-operator-helm", "oci://public.ecr.aws/karpenter/karpenter", "oci://quay.io/jetstack/charts/cert-manager"];
        assert.deepEqual(charts.filter((c) => !releases.has(c)), []);
        const components = new Set(resources.filter((r) => r.type.startsWith("genai-platform:index:")).map((r) => `${r.type.split(":")[2]} ${r.name}`));
        const before = ["GpuCluster genai-dev", "LlmGateway genai-dev-gateway", "ModelEndpoint qwen25-7b", "ObservabilityStack genai-dev-observability", "TenantNamespace tenant-research", "TenantNamespace tenant-search"];
        assert.deepEqual(before.filter((c) => !components.has(c)), []);
        assert.ok(resources.some((r) => r.inputs?.kind === "NodePool" && r.inputs.metadata.name === "gpu-small"), "the GPU pool");
    });
});

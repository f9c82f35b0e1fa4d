/**
 * The idle floor is only as true as its CPU nodes: the plan prices the
 * platform pool's idle floor as whole reference nodes for the requests it can
 * see (its own Deployments; the charts' pods are invisible to it). Here every
 * pod the dev cluster runs idle (ours, every chart's, the operators'),
 * replicas expanded and DaemonSets counted per node, must pack into that many
 * nodes of that shape, or the floor understates what dev costs.
 */
import * as assert from "node:assert/strict";
import { renderedCluster } from "../harness/cluster";
import { skipWithoutReference } from "../harness/conformance";
import { instanceShape } from "../harness/instance-types";
import { clusterCompute, nodeSources, schedulingFindings } from "../harness/scheduling";
import { estimateCost } from "../../plan/cost";
import { PLATFORM_POOL_SHAPE } from "../../plan/prices";

describe("the idle floor's platform nodes hold what dev runs idle", () => {
    it("dev: the pods only the platform pool takes fit the nodes the idle floor prices", async function () {
        skipWithoutReference(this);
        const cluster = await renderedCluster("dev", { mode: "managed" });
        // The node count does not depend on the Region's prices.
        const line = estimateCost(cluster.resources, "us-east-1").floor.find((l) => l.item === "CPU pool platform");
        assert.ok(line, "the floor prices the platform pool");
        const nodes = Number(/on (\d+) node\(s\)/.exec(line.assumption)?.[1]);
        const shape = instanceShape(PLATFORM_POOL_SHAPE.instanceType)!;
        // Jobs run to completion: an idle cluster holds none of their pods.
        const idle = cluster.objects.filter((o) => o.kind !== "Job" && o.kind !== "CronJob");
        const sources = nodeSources(idle, clusterCompute(cluster.resources)).map((s) => (s.name === "NodePool platform" ? { ...s, instanceTypes: [shape], maxNodes: nodes, limits: undefined } : s));
        assert.deepEqual(schedulingFindings(idle, sources).filter((f) => f.check === "capacity").map((f) => f.message), []);
    });
});

/**
 * Issue 8 items 7, 8 and 19 over the real stacks: GPU quotas in the unit
 * pods request, prod endpoints that survive node expiry, platform CPU
 * capacity that scales and holds what the platform requests, and the cost
 * model counting physical GPUs.
 */
import * as assert from "node:assert/strict";
import { validatePlatform } from "../../stacks/platform";
import { parsePlatformConfig } from "../../stacks/config";
import { parseQuantity } from "../../components/internal/quantity";
import { estimateCost } from "../../plan/cost";
import { loadStackConfig, runStack, type StackConfig } from "../../plan/stack";
import { workloadOf } from "../../policies/lib/pod-specs";
import { k8sObjects, problemLines, type RecordedResource } from "../harness";

const STACKS = ["dev", "prod"] as const;

/** The stack file's `genai-platform:` keys, decoded, as the program reads them. */
function rawConfig(config: StackConfig): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(config.config)
            .filter(([k]) => k.startsWith("genai-platform:"))
            .map(([k, v]) => [k.slice("genai-platform:".length), (() => { try { return JSON.parse(v); } catch { return v; } })()]),
    );
}

/** CPU cores and memory bytes our own non-GPU pods request, replicas counted. */
function platformRequests(resources: readonly RecordedResource[]): { cpu: number; memory: number } {
    let cpu = 0;
    let memory = 0;
    for (const r of resources) {
        const workload = r.type.startsWith("kubernetes:") && r.type !== "kubernetes:batch/v1:Job" ? workloadOf(r.type, r.inputs) : undefined;
        if (!workload) continue;
        const containers = workload.spec.containers ?? [];
        if (containers.some((c) => c.resources?.limits?.["nvidia.com/gpu"] !== undefined)) continue;
        const replicas = Number(r.inputs.spec?.replicas ?? 1);
        for (const c of containers) {
            cpu += (parseQuantity(c.resources?.requests?.cpu) ?? 0) * replicas;
            memory += (parseQuantity(c.resources?.requests?.memory) ?? 0) * replicas;
        }
    }
    return { cpu, memory };
}

describe("stack capacity (issue 8 items 7, 8, 19)", () => {
    const recorded: Partial<Record<(typeof STACKS)[number], RecordedResource[]>> = {};
    before(async () => {
        for (const stack of STACKS) recorded[stack] = (await runStack(stack, loadStackConfig(stack))).resources;
    });

    it("prod: a tenant's quota on the 4-way time-sliced pool counts slices, as pods request them (4 GPUs = 16)", () => {
        const quota = k8sObjects(recorded.prod!, "ResourceQuota").find((q) => q.metadata.namespace === "assistants")!;
        assert.equal(quota.spec.hard["requests.nvidia.com/gpu"], "16");
        const research = k8sObjects(recorded.prod!, "ResourceQuota").find((q) => q.metadata.namespace === "research")!;
        assert.equal(research.spec.hard["requests.nvidia.com/gpu"], "8", "whole-GPU pools count GPUs");
    });

    it("refuses one GPU quota across pools that advertise different units per GPU", () => {
        const raw = rawConfig(loadStackConfig("prod"));
        const tenants = (raw.tenants as any[]).map((t) => (t.name === "assistants" ? { ...t, gpuPools: ["shared-l4", "inference-l40s"] } : t));
        const problems = problemLines(() => validatePlatform(parsePlatformConfig({ ...raw, tenants }), "prod", "us-east-1"));
        assert.ok(
            problems.some((p) => p.startsWith("genai-platform:tenants[1].gpuPools: one GPU quota cannot span pools that advertise different nvidia.com/gpu per physical GPU (shared-l4: 4, inference-l40s: 1)")),
            problems.join("\n"),
        );
    });

    it("prod: every model endpoint keeps ≥ 2 warm replicas, and validation refuses 1 at its config key", () => {
        for (const so of k8sObjects(recorded.prod!, "ScaledObject")) assert.ok(so.spec.minReplicaCount >= 2, `${so.metadata.name} keeps ${so.spec.minReplicaCount} replica(s)`);
        const raw = rawConfig(loadStackConfig("prod"));
        const models = (raw.models as any[]).map((m, i) => (i === 0 ? { ...m, autoscaling: { ...m.autoscaling, minReplicas: 1 } } : m));
        const problems = problemLines(() => validatePlatform(parsePlatformConfig({ ...raw, models }), "prod", "us-east-1"));
        assert.ok(problems.some((p) => p.startsWith("genai-platform:models[0].autoscaling.minReplicas: a production endpoint needs ≥ 2 replicas")), problems.join("\n"));
        const unset = (raw.models as any[]).map((m) => ({ ...m, autoscaling: { maxReplicas: m.autoscaling.maxReplicas } }));
        assert.deepEqual(problemLines(() => validatePlatform(parsePlatformConfig({ ...raw, models: unset }), "prod", "us-east-1")), [], "an unset minReplicas defaults to 2 in prod");
    });

    for (const stack of STACKS) {
        it(`${stack}: the platform's own pods fit the CPU pool Karpenter scales for them`, () => {
            const pool = k8sObjects(recorded[stack]!, "NodePool").find((p) => p.metadata.name === "platform");
            assert.ok(pool, "no CPU NodePool: nothing scales the platform's capacity");
            assert.equal(pool.spec.template.spec.taints, undefined);
            const requested = platformRequests(recorded[stack]!);
            assert.ok(requested.cpu > 0 && requested.memory > 0);
            assert.ok(requested.cpu <= parseQuantity(pool.spec.limits.cpu)!, `requests ${requested.cpu} CPU > limit ${pool.spec.limits.cpu}`);
            assert.ok(requested.memory <= parseQuantity(pool.spec.limits.memory)!, `requests ${requested.memory} B > limit ${pool.spec.limits.memory}`);
        });
    }

    it("keeps dev cheap: its CPU pool may use spot; prod's is on-demand", () => {
        const capacity = (stack: (typeof STACKS)[number]) =>
            k8sObjects(recorded[stack]!, "NodePool").find((p) => p.metadata.name === "platform")!.spec.template.spec.requirements.find((r: any) => r.key === "karpenter.sh/capacity-type").values;
        assert.deepEqual(capacity("dev"), ["spot", "on-demand"]);
        assert.deepEqual(capacity("prod"), ["on-demand"]);
    });

    it("the cost model prices shared pools in physical GPUs and the CPU pool from its limit", () => {
        const cost = estimateCost(recorded.prod!, "us-east-1");
        const shared = cost.ceilingOnDemand.find((l) => l.item === "GPU pool shared-l4 at its limit")!;
        assert.match(shared.assumption, /^8 GPU × /, "the NodePool limit is 32 slices = 8 L4s");
        const warm = cost.floor.find((l) => l.item.startsWith("model endpoint models/qwen25-1-5b"))!;
        assert.match(warm.assumption, /^1 GPU × /, "2 warm slices of a 4-way time-sliced L4 keep one L4 up, not two");
        const cpu = cost.ceilingOnDemand.find((l) => l.item === "CPU pool platform at its limit")!;
        assert.match(cpu.assumption, /^its CPU limit: 96 vCPU × /);
        const devFloor = estimateCost(recorded.dev!, "us-east-1").floor.find((l) => l.item === "CPU pool platform")!;
        assert.match(devFloor.assumption, /assumed spot ratio/);
    });
});

/**
 * Node drains over both stacks' clusters: no PodDisruptionBudget may allow
 * zero disruptions with all its pods healthy (it would block Karpenter's
 * consolidation, expiry and drift, and node group upgrades, for good). Dev
 * runs one replica of KEDA's and Kyverno's parts to fit the node its idle
 * floor prices (issue 15); their charts must then render no PDB for them,
 * while prod keeps its HA replicas behind PDBs.
 */
import * as assert from "node:assert/strict";
import { clusterObjects, type ClusterObject } from "../harness/cluster";
import { skipWithoutReference } from "../harness/conformance";
import { blockingDisruptionBudgets } from "../harness/disruption";

const SCALED_BY_PROFILE = {
    keda: ["keda-operator", "keda-operator-metrics-apiserver", "keda-admission-webhooks"],
    kyverno: ["kyverno-admission-controller", "kyverno-background-controller", "kyverno-cleanup-controller", "kyverno-reports-controller"],
};

const deployments = (objects: readonly ClusterObject[], namespace: keyof typeof SCALED_BY_PROFILE) =>
    Object.fromEntries(SCALED_BY_PROFILE[namespace].map((name) => [name, (objects.find((o) => o.kind === "Deployment" && o.metadata?.namespace === namespace && o.metadata?.name === name)?.spec as any)?.replicas]));
const pdbs = (objects: readonly ClusterObject[], namespace: string) =>
    objects.filter((o) => o.kind === "PodDisruptionBudget" && o.metadata?.namespace === namespace).map((o) => o.metadata?.name).sort();

const deployment = (name: string, replicas: number) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "x" }, spec: { replicas, template: { metadata: { labels: { app: name } } } } });
const pdb = (name: string, budget: Record<string, number | string>) => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: "x" }, spec: { ...budget, selector: { matchLabels: { app: name } } } });

describe("deploy semantics: node drains and disruption budgets", function () {
    let dev: readonly ClusterObject[];
    let prod: readonly ClusterObject[];
    before(async function () {
        skipWithoutReference(this);
        [dev, prod] = [await clusterObjects("dev"), await clusterObjects("prod")];
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: no PodDisruptionBudget blocks a node drain`, () => {
            assert.deepEqual(blockingDisruptionBudgets(stack === "dev" ? dev : prod), []);
        });
    }

    it("dev: one replica of each KEDA and Kyverno part, and no PDB for them (the charts render none for one replica)", () => {
        assert.deepEqual(deployments(dev, "keda"), Object.fromEntries(SCALED_BY_PROFILE.keda.map((n) => [n, 1])));
        assert.deepEqual(deployments(dev, "kyverno"), Object.fromEntries(SCALED_BY_PROFILE.kyverno.map((n) => [n, 1])));
        assert.deepEqual(pdbs(dev, "keda"), []);
        assert.deepEqual(pdbs(dev, "kyverno"), []);
    });

    it("prod: KEDA's parts and Kyverno's controllers keep their HA replicas behind PDBs", () => {
        assert.deepEqual(deployments(prod, "keda"), Object.fromEntries(SCALED_BY_PROFILE.keda.map((n) => [n, 2])));
        assert.deepEqual(deployments(prod, "kyverno"), {
            "kyverno-admission-controller": 3,
            "kyverno-background-controller": 2,
            "kyverno-cleanup-controller": 2,
            "kyverno-reports-controller": 2,
        });
        assert.equal(pdbs(prod, "keda").length, 3);
        assert.equal(pdbs(prod, "kyverno").length, 4);
    });
});

describe("blockingDisruptionBudgets (planted defects)", () => {
    it("reports minAvailable 1 over one replica, minAvailable 100% and maxUnavailable 0", () => {
        const objects = [
            deployment("one", 1), pdb("one", { minAvailable: 1 }),
            deployment("all", 3), pdb("all", { minAvailable: "100%" }),
            deployment("none", 2), pdb("none", { maxUnavailable: 0 }),
        ];
        assert.deepEqual(blockingDisruptionBudgets(objects), [
            "x/PodDisruptionBudget one: minAvailable 1 over 1 pod(s) allows no disruption, so it blocks every drain of their nodes",
            "x/PodDisruptionBudget all: minAvailable 100% over 3 pod(s) allows no disruption, so it blocks every drain of their nodes",
            "x/PodDisruptionBudget none: maxUnavailable 0 over 2 pod(s) allows no disruption, so it blocks every drain of their nodes",
        ]);
    });

    it("passes budgets that allow a disruption, and one whose pods are scaled to zero", () => {
        const objects = [
            deployment("two", 2), pdb("two", { minAvailable: 1 }),
            deployment("pct", 3), pdb("pct", { maxUnavailable: "10%" }),
            deployment("idle", 0), pdb("idle", { minAvailable: 1 }),
        ];
        assert.deepEqual(blockingDisruptionBudgets(objects), []);
    });
});

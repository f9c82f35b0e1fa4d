/**
 * Issue 8 item 13: an `alb` Ingress needs a controller. GpuCluster installs
 * the AWS Load Balancer Controller (chart 3.5.0, app v3.5.0) with the upstream
 * IAM policy through EKS Pod Identity, or on EKS Auto Mode points the `alb`
 * IngressClass at Auto Mode's built-in load balancing (pulumi-eks v4.3.0
 * nodejs/eks/cluster/cluster.ts enables `elasticLoadBalancing` with Auto Mode).
 *
 * Upstream: ../shared/reference/iam/aws-load-balancer-controller-v3.5.0-iam_policy.json
 * (kubernetes-sigs/aws-load-balancer-controller v3.5.0 docs/install/iam_policy.json) and
 * ../shared/reference/charts/aws-load-balancer-controller-3.5.0/values.yaml (aws/eks-charts v0.0.242).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { GpuCluster, GpuClusterArgs } from "../../components/gpu-cluster";
import { loadBalancerControllerPolicy } from "../../components/gpu-cluster/load-balancer-controller-iam";
import type { PolicyDocument, PolicyStatement } from "../../components/internal/iam";
import { CHARTS } from "../../components/internal/versions";
import { helmValueErrors, REFERENCE_DIR, skipWithoutReference } from "../harness/conformance";
import { k8sObjects, one, ofType, RecordedResource, runWithMocks } from "../harness";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";

const REFERENCE = path.join(REFERENCE_DIR, "iam/aws-load-balancer-controller-v3.5.0-iam_policy.json");

const T = {
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    release: "kubernetes:helm.sh/v3:Release",
    subnet: "aws:ec2/subnet:Subnet",
};

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Order-insensitive lists inside a statement, so only content counts. */
function normalise(s: PolicyStatement): Record<string, unknown> {
    const sortValues = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v]));
    return {
        Effect: s.Effect,
        Action: asList(s.Action).sort(),
        Resource: asList(s.Resource).sort(),
        Condition: Object.fromEntries(Object.entries(s.Condition ?? {}).map(([op, keys]) => [op, sortValues(keys)])),
    };
}

function args(overrides: Partial<GpuClusterArgs> = {}): GpuClusterArgs {
    return { pools: [{ name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 }], endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, deployerPrincipalArn: MOCK_DEPLOYER_ARN, ...overrides };
}

async function declare(a: GpuClusterArgs): Promise<RecordedResource[]> {
    return (await runWithMocks(() => new GpuCluster("t", a))).resources;
}

const lbcRelease = (resources: RecordedResource[]) => ofType(resources, T.release).find((r) => r.inputs.chart === CHARTS.awsLoadBalancerController.chart);

describe("AWS Load Balancer Controller", () => {
    describe("IAM policy: conformance with upstream v3.5.0 iam_policy.json", function () {
        let upstream: PolicyDocument;
        before(function () {
            skipWithoutReference(this);
            upstream = JSON.parse(fs.readFileSync(REFERENCE, "utf8"));
        });

        it("has upstream's version and as many statements", () => {
            const ours = loadBalancerControllerPolicy("aws");
            assert.equal(ours.Version, upstream.Version);
            assert.equal(ours.Statement.length, upstream.Statement.length);
        });

        it("matches upstream statement by statement: effect, actions, resources and conditions", () => {
            const ours = loadBalancerControllerPolicy("aws").Statement;
            const mismatches = upstream.Statement.flatMap((u, i) => {
                const o = ours[i];
                return JSON.stringify(normalise(o)) === JSON.stringify(normalise(u)) ? [] : [`statement #${i + 1}: ${JSON.stringify(normalise(o))} != ${JSON.stringify(normalise(u))}`];
            });
            assert.deepEqual(mismatches, []);
        });

        it("puts every ARN in the caller's partition", () => {
            const arns = JSON.stringify(loadBalancerControllerPolicy("aws-us-gov")).match(/arn:[a-z-]+:/g) ?? [];
            assert.ok(arns.length >= 9);
            for (const a of arns) assert.equal(a, "arn:aws-us-gov:");
        });

        it("never grants Action * on Resource *, nor iam:PassRole", () => {
            for (const s of loadBalancerControllerPolicy("aws").Statement) {
                assert.ok(!(asList(s.Action).includes("*") && asList(s.Resource).includes("*")));
                assert.ok(!asList(s.Action).some((a) => a === "iam:PassRole" || a.endsWith(":*")), JSON.stringify(s.Action));
            }
        });
    });

    describe("on a Karpenter cluster that serves ALB ingresses", () => {
        let resources: RecordedResource[];
        before(async () => {
            resources = await declare(args({ albIngress: true }));
        });

        it("installs the pinned chart in kube-system, for this cluster, region and VPC", () => {
            const release = lbcRelease(resources);
            assert.ok(release, "no aws-load-balancer-controller release");
            assert.deepEqual(
                [release.inputs.chart, release.inputs.version, release.inputs.repositoryOpts?.repo, release.inputs.namespace],
                ["aws-load-balancer-controller", "3.5.0", "https://aws.github.io/eks-charts", "kube-system"],
            );
            const v = release.inputs.values;
            assert.deepEqual([v.clusterName, v.region, v.vpcId], ["t", "us-east-1", one(resources, "aws:ec2/vpc:Vpc").outputs?.id ?? v.vpcId]);
            assert.ok(v.vpcId, "the VPC id is given, so the controller never asks IMDS");
            assert.deepEqual(v.serviceAccount, { create: true, name: "aws-load-balancer-controller" });
        });

        it("gives the controller the upstream policy through a Pod Identity role bound to its service account", () => {
            const role = one(resources, T.role, "t-aws-load-balancer-controller");
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
            const policy = one(resources, T.rolePolicy, "t-aws-load-balancer-controller");
            assert.deepEqual(JSON.parse(policy.inputs.policy), loadBalancerControllerPolicy("aws"));
            const association = ofType(resources, T.podIdentity).find((a) => a.inputs.serviceAccount === "aws-load-balancer-controller");
            assert.ok(association, "no Pod Identity association for the controller");
            assert.equal(association.inputs.namespace, "kube-system");
            assert.equal(association.inputs.roleArn, role.outputs?.arn ?? association.inputs.roleArn);
            const release = lbcRelease(resources)!;
            for (const needed of [association, policy]) assert.ok(release.dependsOn.includes(needed.urn), `the release does not wait for ${needed.name}`);
        });

        it("serves the `alb` IngressClass, which the controller implements", () => {
            const [cls] = k8sObjects(resources, "IngressClass");
            assert.deepEqual([cls?.metadata.name, cls?.spec.controller], ["alb", "ingress.k8s.aws/alb"]);
            assert.equal(lbcRelease(resources)!.inputs.values.createIngressClassResource, false, "one IngressClass, ours");
        });

        it("counts among the cluster's add-ons, so Ingresses declared after them find a controller", async () => {
            const run = await runWithMocks(() => new GpuCluster("t", args({ albIngress: true })));
            const cluster = run.result as GpuCluster;
            const urns = await Promise.all(cluster.addons.map((a) => new Promise((resolve) => (a.urn as any).apply(resolve))));
            assert.ok(urns.includes(lbcRelease(run.resources)!.urn));
        });

        it("sets only value paths the pinned chart defines", function () {
            skipWithoutReference(this);
            assert.deepEqual(helmValueErrors([lbcRelease(resources)!]), []);
        });

        it("tags subnets for load-balancer discovery: public for internet-facing, private for internal", () => {
            const tags = (prefix: string) => ofType(resources, T.subnet).filter((s) => s.name.startsWith(prefix)).map((s) => s.inputs.tags);
            assert.ok(tags("t-public-").length >= 2 && tags("t-private-").length >= 2);
            for (const t of tags("t-public-")) assert.equal(t["kubernetes.io/role/elb"], "1");
            for (const t of tags("t-private-")) assert.equal(t["kubernetes.io/role/internal-elb"], "1");
        });
    });

    it("is not installed when no ingress is asked for", async () => {
        const resources = await declare(args());
        assert.equal(lbcRelease(resources), undefined);
        assert.deepEqual(k8sObjects(resources, "IngressClass"), []);
        assert.ok(!ofType(resources, T.podIdentity).some((a) => a.inputs.serviceAccount === "aws-load-balancer-controller"));
    });

    it("on EKS Auto Mode, points the `alb` IngressClass at Auto Mode's load balancing instead of installing the chart", async () => {
        const resources = await declare(args({ mode: "auto", albIngress: true }));
        assert.equal(lbcRelease(resources), undefined);
        const [cls] = k8sObjects(resources, "IngressClass");
        assert.deepEqual([cls?.metadata.name, cls?.spec.controller], ["alb", "eks.amazonaws.com/alb"]);
    });
});

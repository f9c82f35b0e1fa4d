/**
 * GpuCluster `multiNode`: the LeaderWorkerSet add-on (chart lws 0.10.0 in
 * lws-system, restricted), and EFA on pools whose families all have it: the
 * EFA device plugin (eks-charts aws-efa-k8s-device-plugin v0.5.30) in its own
 * privileged namespace, on the EFA pools' nodes only; the EFA security group
 * (all traffic between its members) selected by those pools' EC2NodeClasses;
 * nothing of it on other pools, without `multiNode`, or in EKS Auto Mode.
 */
import assert from "node:assert/strict";
import { GpuCluster, GpuClusterArgs } from "../../components/gpu-cluster";
import { CHARTS, CHART_IMAGES } from "../../components/internal/versions";
import { helmValueErrors, skipWithoutReference } from "../harness/conformance";
import { efaDevicePluginObjects } from "../harness/fixtures/efa-device-plugin";
import { leaderWorkerSetControllerObjects } from "../harness/fixtures/leaderworkerset";
import { releaseSource } from "../harness/helm";
import { podSecurityFindings } from "../harness/pod-security";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";
import { ofType, RecordedResource, runWithMocks } from "../harness";

const POOLS: GpuClusterArgs["pools"] = [
    { name: "h100", instanceFamilies: ["p5"], gpuLimit: 32 },
    { name: "l40s", instanceFamilies: ["g6e"], gpuLimit: 8 },
];

function args(overrides: Partial<GpuClusterArgs> = {}): GpuClusterArgs {
    return { pools: POOLS, endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, deployerPrincipalArn: MOCK_DEPLOYER_ARN, multiNode: true, ...overrides };
}

async function declare(a: GpuClusterArgs): Promise<{ resources: RecordedResource[]; cluster: GpuCluster }> {
    const run = await runWithMocks(() => ({ cluster: new GpuCluster("t", a) }));
    return { resources: run.resources, cluster: run.result.cluster };
}

const release = (resources: RecordedResource[], chart: string) => ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === chart);
const nodeClass = (resources: RecordedResource[], name: string) => resources.find((r) => r.inputs?.kind === "EC2NodeClass" && r.inputs.metadata.name === name)!;
const nodePool = (resources: RecordedResource[], name: string) => resources.find((r) => r.inputs?.kind === "NodePool" && r.inputs.metadata.name === name)!;
const namespace = (resources: RecordedResource[], name: string) => ofType(resources, "kubernetes:core/v1:Namespace").find((r) => r.inputs.metadata.name === name);

describe("GpuCluster multiNode: LeaderWorkerSet and EFA", () => {
    let resources: RecordedResource[];
    let cluster: GpuCluster;
    before(async () => ({ resources, cluster } = await declare(args())));

    it("installs LWS 0.10.0 from registry.k8s.io into lws-system, image pinned, restricted Pod Security", () => {
        const lws = release(resources, CHARTS.leaderWorkerSet.chart)!;
        assert.equal(lws.inputs.chart, "oci://registry.k8s.io/lws/charts/lws");
        assert.equal(lws.inputs.version, "0.10.0");
        assert.equal(lws.inputs.namespace, "lws-system");
        assert.deepEqual(lws.inputs.values.image.manager, { repository: "registry.k8s.io/lws/lws", tag: "v0.10.0", pullPolicy: "IfNotPresent" });
        assert.equal(namespace(resources, "lws-system")!.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("installs the EFA device plugin, pinned, only onto EFA pools' GPU nodes, in a namespace labelled privileged (it mounts host paths)", () => {
        const plugin = release(resources, CHARTS.efaDevicePlugin.chart)!;
        assert.equal(plugin.inputs.version, "v0.5.30");
        assert.equal(plugin.inputs.repositoryOpts.repo, "https://aws.github.io/eks-charts");
        assert.equal(plugin.inputs.namespace, "efa-device-plugin");
        assert.deepEqual(plugin.inputs.values.image, { repository: CHART_IMAGES.efaDevicePlugin.repository, tag: "v0.5.20" });
        assert.deepEqual(plugin.inputs.values.nodeSelector, { "genai-platform.io/efa": "true" });
        assert.deepEqual(plugin.inputs.values.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        const labels = namespace(resources, "efa-device-plugin")!.inputs.metadata.labels;
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.equal(nodePool(resources, "h100").inputs.spec.template.metadata.labels["genai-platform.io/efa"], "true");
        assert.equal(nodePool(resources, "l40s").inputs.spec.template.metadata.labels["genai-platform.io/efa"], undefined);
    });

    it("attaches a security group admitting all traffic between its members to the EFA pool's nodes only", () => {
        const group = ofType(resources, "aws:ec2/securityGroup:SecurityGroup").find((r) => r.name === "t-efa")!;
        assert.equal(group.inputs.tags["genai-platform.io/efa-security-group"], "t");
        const ingress = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").find((r) => r.name === "t-efa-in")!;
        const egress = ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").find((r) => r.name === "t-efa-out")!;
        for (const rule of [ingress, egress]) {
            assert.equal(rule.inputs.ipProtocol, "-1");
            assert.equal(rule.inputs.referencedSecurityGroupId, rule.inputs.securityGroupId, "self-referencing");
        }
        assert.deepEqual(nodeClass(resources, "h100").inputs.spec.securityGroupSelectorTerms, [
            { tags: { "aws:eks:cluster-name": "t" } },
            { tags: { "genai-platform.io/efa-security-group": "t" } },
        ]);
        assert.deepEqual(nodeClass(resources, "l40s").inputs.spec.securityGroupSelectorTerms, [{ tags: { "aws:eks:cluster-name": "t" } }]);
        assert.equal(nodeClass(resources, "h100").inputs.spec.networkInterfaces, undefined, "Karpenter attaches the EFA interfaces a pod asks for");
    });

    it("tells endpoints which pools have EFA", () => {
        assert.deepEqual(cluster.pools.map((p) => [p.name, p.efa]), [["h100", true], ["l40s", false]]);
    });

    it("sets only values the pinned charts define", function () {
        skipWithoutReference(this);
        assert.deepEqual(helmValueErrors([release(resources, CHARTS.leaderWorkerSet.chart)!, release(resources, CHARTS.efaDevicePlugin.chart)!]), []);
    });

    it("the rendered plugin passes privileged and would be refused at baseline; the LWS controller passes restricted", function () {
        skipWithoutReference(this);
        const plugin = efaDevicePluginObjects(releaseSource(release(resources, CHARTS.efaDevicePlugin.chart)!));
        const ns = (level: string) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "efa-device-plugin", labels: { "pod-security.kubernetes.io/enforce": level } } });
        assert.deepEqual(podSecurityFindings([ns("privileged"), ...plugin], { kubernetesVersion: "1.35" }), []);
        const refused = podSecurityFindings([ns("baseline"), ...plugin], { kubernetesVersion: "1.35" }).map((f) => f.check);
        assert.ok(["privileged", "hostNamespaces", "hostPathVolumes"].every((c) => refused.includes(c)), refused.join(", "));
        const controller = leaderWorkerSetControllerObjects(releaseSource(release(resources, CHARTS.leaderWorkerSet.chart)!));
        const lwsNs = { apiVersion: "v1", kind: "Namespace", metadata: { name: "lws-system", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } };
        assert.deepEqual(podSecurityFindings([lwsNs, ...controller], { kubernetesVersion: "1.35" }), []);
    });

    it("installs none of it without multiNode", async () => {
        const { resources: plain, cluster: c } = await declare(args({ multiNode: undefined }));
        assert.equal(release(plain, CHARTS.leaderWorkerSet.chart), undefined);
        assert.equal(release(plain, CHARTS.efaDevicePlugin.chart), undefined);
        assert.equal(ofType(plain, "aws:ec2/securityGroup:SecurityGroup").find((r) => r.name === "t-efa"), undefined);
        assert.equal(nodePool(plain, "h100").inputs.spec.template.metadata.labels["genai-platform.io/efa"], undefined);
        assert.equal(c.pools[0].efa, false);
    });

    it("installs LWS but no EFA on EKS Auto Mode (its nodes run no EFA device plugin)", async () => {
        const { resources: auto, cluster: c } = await declare(args({ mode: "auto" }));
        assert.ok(release(auto, CHARTS.leaderWorkerSet.chart));
        assert.equal(release(auto, CHARTS.efaDevicePlugin.chart), undefined);
        assert.equal(c.pools[0].efa, false);
    });
});

import * as assert from "node:assert/strict";
import { GpuCluster, GpuClusterArgs, GpuPoolArgs } from "../../components/gpu-cluster";
import { AMI_ALIASES, CHARTS } from "../../components/internal/versions";
import { conformanceErrors, helmValueErrors, skipWithoutReference } from "../harness/conformance";
import { expectFailure, k8sObjects, one, ofType, RecordedResource, runWithMocks } from "../harness";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";

const l4Pool: GpuPoolArgs = { name: "l4", instanceFamilies: ["g6"], capacityTypes: ["spot", "on-demand"], gpuLimit: 8 };

function args(overrides: Partial<GpuClusterArgs> = {}): GpuClusterArgs {
    return { pools: [l4Pool], endpoint: { publicAccessCidrs: ["203.0.113.0/24"] }, adminPrincipalArns: ["arn:aws:iam::123456789012:role/admin"], deployerPrincipalArn: MOCK_DEPLOYER_ARN, ...overrides };
}

async function declare(name: string, a: GpuClusterArgs): Promise<RecordedResource[]> {
    return (await runWithMocks(() => new GpuCluster(name, a))).resources;
}

const release = (resources: RecordedResource[], chart: string) => {
    const found = ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === chart);
    assert.ok(found, `no Helm release of ${chart}`);
    return found;
};

describe("GpuCluster", () => {
    let resources: RecordedResource[];
    before(async () => {
        resources = await declare("t", args({
            pools: [
                l4Pool,
                { name: "shared", instanceFamilies: ["g6"], gpuLimit: 4, sharing: { mode: "time-slicing", replicas: 4 } },
                { name: "mig", instanceFamilies: ["p5"], gpuLimit: 16, sharing: { mode: "mig", profile: "all-1g.10gb" }, protectBusinessHours: true },
            ],
        }));
    });

    describe("EKS", () => {
        it("uses access entries, KMS secrets encryption, every control-plane log and a private endpoint plus the deployer's CIDRs", () => {
            const eks = one(resources, "eks:index:Cluster", "t-eks");
            assert.equal(eks.inputs.authenticationMode, "API");
            assert.equal(eks.inputs.encryptionConfigKeyArn, `arn:aws:kms:us-east-1:123456789012:key/t-secrets-id`);
            assert.deepEqual(eks.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
            assert.equal(eks.inputs.endpointPublicAccess, true);
            assert.equal(eks.inputs.endpointPrivateAccess, true);
            assert.deepEqual(eks.inputs.publicAccessCidrs, ["203.0.113.0/24"]);
            assert.equal(eks.inputs.skipDefaultNodeGroup, true);
            assert.equal(one(resources, "aws:kms/key:Key", "t-secrets").inputs.enableKeyRotation, true);
        });

        it("turns on NetworkPolicy enforcement in the VPC CNI add-on @pulumi/eks manages", () => {
            // @pulumi/eks 4.3.0 nodejs/eks/addons/cni-addon.ts writes it as the add-on's `enableNetworkPolicy: "true"`.
            assert.equal(one(resources, "eks:index:Cluster", "t-eks").inputs.vpcCniOptions.enableNetworkPolicy, true);
        });

        it("grants admins cluster admin through access entries (test/gpu-cluster/access.test.ts covers the deployer)", () => {
            const entry = one(resources, "aws:eks/accessEntry:AccessEntry", "t-admin-2b477a24");
            assert.equal(entry.inputs.principalArn, "arn:aws:iam::123456789012:role/admin");
            const policy = one(resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "t-admin-2b477a24");
            assert.equal(policy.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
            assert.deepEqual(policy.inputs.accessScope, { type: "cluster" });
        });

        it("runs an on-demand bootstrap node group, tainted CriticalAddonsOnly, and the pinned Pod Identity agent", () => {
            const ng = one(resources, "aws:eks/nodeGroup:NodeGroup", "t-system");
            assert.equal(ng.inputs.capacityType, "ON_DEMAND");
            // Graviton by default, on the AMI of its architecture, with EKS's default 20 GiB root volume.
            assert.deepEqual([ng.inputs.instanceTypes, ng.inputs.amiType, ng.inputs.diskSize], [["m7g.large"], "AL2023_ARM_64_STANDARD", 20]);
            assert.deepEqual(ng.inputs.labels, { "genai-platform.io/node-role": "bootstrap" });
            assert.deepEqual(ng.inputs.taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
            const addon = one(resources, "aws:eks/addon:Addon", "t-pod-identity-agent");
            assert.equal(addon.inputs.addonName, "eks-pod-identity-agent");
            assert.match(addon.inputs.addonVersion, /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
        });
    });

    describe("storage", () => {
        it("installs the pinned EBS CSI driver, authorised through Pod Identity with the AWS managed policy", () => {
            const addon = one(resources, "aws:eks/addon:Addon", "t-ebs-csi-driver");
            assert.equal(addon.inputs.addonName, "aws-ebs-csi-driver");
            assert.match(addon.inputs.addonVersion, /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
            assert.deepEqual(addon.inputs.podIdentityAssociations, [{ roleArn: "arn:aws:iam::123456789012:role/t-ebs-csi", serviceAccount: "ebs-csi-controller-sa" }]);
            assert.equal(one(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "t-ebs-csi").inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
            const trust = JSON.parse(one(resources, "aws:iam/role:Role", "t-ebs-csi").inputs.assumeRolePolicy);
            assert.deepEqual(trust.Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
        });

        it("makes an encrypted gp3 StorageClass the default, binding where the pod lands", () => {
            const [sc] = k8sObjects(resources, "StorageClass");
            assert.equal(sc.metadata.name, "gp3");
            assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
            assert.equal(sc.provisioner, "ebs.csi.aws.com");
            assert.deepEqual(sc.parameters, { type: "gp3", encrypted: "true" });
            assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
            const driver = one(resources, "aws:eks/addon:Addon", "t-ebs-csi-driver");
            assert.ok(ofType(resources, "kubernetes:storage.k8s.io/v1:StorageClass")[0].dependsOn.includes(driver.urn));
        });
    });

    describe("network", () => {
        it("spans three zones by default with private subnets tagged for Karpenter discovery", () => {
            const subnets = ofType(resources, "aws:ec2/subnet:Subnet");
            const priv = subnets.filter((s) => s.name.startsWith("t-private"));
            assert.equal(priv.length, 3);
            assert.deepEqual(priv.map((s) => s.inputs.cidrBlock), ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"]);
            assert.deepEqual(new Set(priv.map((s) => s.inputs.availabilityZone)), new Set(["us-east-1a", "us-east-1b", "us-east-1c"]));
            for (const s of priv) assert.equal(s.inputs.tags["karpenter.sh/discovery"], "t");
            assert.equal(ofType(resources, "aws:ec2/natGateway:NatGateway").length, 3);
        });

        it("uses one NAT gateway and two zones when asked", async () => {
            const r = await declare("small", args({ network: { availabilityZoneCount: 2, natGateways: "single" } }));
            assert.equal(ofType(r, "aws:ec2/natGateway:NatGateway").length, 1);
            assert.equal(ofType(r, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("private")).length, 2);
        });
    });

    describe("Karpenter", () => {
        it("gives the node role an EC2_LINUX access entry", () => {
            const entry = one(resources, "aws:eks/accessEntry:AccessEntry", "t-karpenter-node");
            assert.equal(entry.inputs.type, "EC2_LINUX");
            assert.equal(entry.inputs.principalArn, "arn:aws:iam::123456789012:role/t-karpenter-node");
        });

        it("trusts only EKS Pod Identity for the controller and associates it with the karpenter service account", () => {
            const role = one(resources, "aws:iam/role:Role", "t-karpenter-controller");
            const trust = JSON.parse(role.inputs.assumeRolePolicy);
            assert.deepEqual(trust.Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
            assert.deepEqual([...trust.Statement[0].Action].sort(), ["sts:AssumeRole", "sts:TagSession"]);
            const assoc = one(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation", "t-karpenter");
            assert.equal(assoc.inputs.namespace, "karpenter");
            assert.equal(assoc.inputs.serviceAccount, "karpenter");
            assert.equal(ofType(resources, "aws:iam/rolePolicy:RolePolicy").length, 6);
        });

        it("keeps interruption messages 300 s, encrypted, and denies non-TLS access", () => {
            const queue = one(resources, "aws:sqs/queue:Queue", "t-karpenter-interruption");
            assert.equal(queue.inputs.messageRetentionSeconds, 300);
            assert.equal(queue.inputs.sqsManagedSseEnabled, true);
            const policy = JSON.parse(one(resources, "aws:sqs/queuePolicy:QueuePolicy", "t-karpenter-interruption").inputs.policy);
            const deny = policy.Statement.find((s: any) => s.Effect === "Deny");
            assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
        });

        it("routes all five EventBridge interruption rules to the queue", () => {
            const rules = ofType(resources, "aws:cloudwatch/eventRule:EventRule");
            assert.equal(rules.length, 5);
            const targets = ofType(resources, "aws:cloudwatch/eventTarget:EventTarget");
            assert.equal(targets.length, 5);
            for (const t of targets) assert.equal(t.inputs.arn, "arn:aws:sqs:us-east-1:123456789012:t-karpenter");
        });

        it("installs the pinned chart with the cluster name and interruption queue", () => {
            const r = release(resources, CHARTS.karpenter.chart);
            assert.equal(r.inputs.version, "1.14.1");
            assert.equal(r.inputs.values.settings.clusterName, "t");
            assert.equal(r.inputs.values.settings.interruptionQueue, "t-karpenter");
        });
    });

    describe("GPU pools", () => {
        it("renders one EC2NodeClass and one NodePool per pool, and the platform CPU pool", () => {
            assert.deepEqual(k8sObjects(resources, "NodePool").map((o) => o.metadata.name).sort(), ["l4", "mig", "platform", "shared"]);
            assert.deepEqual(k8sObjects(resources, "EC2NodeClass").map((o) => o.metadata.name).sort(), ["l4", "mig", "platform", "shared"]);
        });

        it("bounds each pool with its GPU limit and taints its nodes for GPU work only", () => {
            const pool = k8sObjects(resources, "NodePool").find((o) => o.metadata.name === "l4")!;
            assert.deepEqual(pool.spec.limits, { "nvidia.com/gpu": "8" });
            assert.deepEqual(pool.spec.template.spec.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
            const reqs = pool.spec.template.spec.requirements;
            assert.deepEqual(reqs.find((r: any) => r.key === "karpenter.sh/capacity-type").values, ["spot", "on-demand"]);
            assert.deepEqual(reqs.find((r: any) => r.key === "karpenter.k8s.aws/instance-family").values, ["g6"]);
            assert.equal(pool.spec.template.metadata.labels["genai-platform.io/pool"], "l4");
            assert.deepEqual(pool.spec.disruption, { consolidationPolicy: "WhenEmpty", consolidateAfter: "10m", budgets: [{ nodes: "10%" }] });
        });

        it("protects busy nodes in business hours when asked", () => {
            const pool = k8sObjects(resources, "NodePool").find((o) => o.metadata.name === "mig")!;
            assert.deepEqual(pool.spec.disruption.budgets[1], { nodes: "0", reasons: ["Underutilized", "Drifted"], schedule: "0 7 * * mon-fri", duration: "12h" });
        });

        it("pins the AMI alias, requires IMDSv2 with hop limit 1 and encrypts gp3 volumes", () => {
            const nc = k8sObjects(resources, "EC2NodeClass").find((o) => o.metadata.name === "l4")!;
            assert.deepEqual(nc.spec.amiSelectorTerms, [{ alias: AMI_ALIASES.al2023.alias }]);
            assert.doesNotMatch(nc.spec.amiSelectorTerms[0].alias, /latest/);
            assert.equal(nc.spec.metadataOptions.httpTokens, "required");
            assert.equal(nc.spec.metadataOptions.httpPutResponseHopLimit, 1);
            assert.equal(nc.spec.role, "t-karpenter-node");
            assert.deepEqual(nc.spec.blockDeviceMappings[0].ebs.encrypted, true);
            assert.equal(nc.spec.blockDeviceMappings[0].ebs.volumeType, "gp3");
            assert.equal(nc.spec.blockDeviceMappings[0].ebs.volumeSize, "500Gi");
        });

        it("wires time-slicing through the device-plugin config and the node label that selects it", () => {
            const values = release(resources, "gpu-operator").inputs.values;
            const sliced = JSON.parse(values.devicePlugin.config.data.shared);
            assert.deepEqual(sliced.sharing.timeSlicing.resources, [{ name: "nvidia.com/gpu", replicas: 4 }]);
            const pool = k8sObjects(resources, "NodePool").find((o) => o.metadata.name === "shared")!;
            assert.equal(pool.spec.template.metadata.labels["nvidia.com/device-plugin.config"], "shared");
            assert.equal(values.devicePlugin.config.name, "device-plugin-config");
        });

        it("turns on the MIG manager with the single strategy and labels MIG nodes with their profile", () => {
            const values = release(resources, "gpu-operator").inputs.values;
            assert.deepEqual(values.mig, { strategy: "single" });
            assert.deepEqual(values.migManager, { enabled: true, env: [{ name: "WITH_REBOOT", value: "true" }] });
            const pool = k8sObjects(resources, "NodePool").find((o) => o.metadata.name === "mig")!;
            assert.equal(pool.spec.template.metadata.labels["nvidia.com/mig.config"], "all-1g.10gb");
        });
    });

    describe("add-ons", () => {
        it("runs the GPU Operator without driver or toolkit (the AMI has them) and with a DCGM ServiceMonitor", () => {
            const r = release(resources, "gpu-operator");
            assert.equal(r.inputs.version, "v26.7.0");
            assert.equal(r.inputs.values.driver.enabled, false);
            assert.equal(r.inputs.values.toolkit.enabled, false);
            assert.equal(r.inputs.values.dcgmExporter.serviceMonitor.enabled, true);
        });

        it("runs Kyverno with three admission replicas and its cluster policies after it", () => {
            const r = release(resources, "kyverno");
            assert.equal(r.inputs.version, "3.9.0");
            assert.equal(r.inputs.values.admissionController.replicas, 3);
            const policies = resources.filter((x) => x.type.startsWith("kubernetes:policies.kyverno.io/v1:"));
            assert.ok(policies.length >= 4, `expected the Kyverno policies, found ${policies.length}`);
            for (const p of policies) assert.ok(p.dependsOn.includes(r.urn), `${p.name} does not wait for Kyverno`);
        });

        it("runs Kyverno's background, cleanup and reports controllers twice behind PDBs by default", () => {
            const { values } = release(resources, "kyverno").inputs;
            for (const c of ["backgroundController", "cleanupController", "reportsController"]) {
                assert.equal(values[c].replicas, 2, c);
                assert.deepEqual(values[c].podDisruptionBudget, { minAvailable: 1 }, c);
            }
        });

        it("runs one replica of each Kyverno controller when asked, with no PDB (one would block every drain)", async () => {
            const { values } = release(await declare("small", args({ kyverno: { admissionReplicas: 1, controllerReplicas: 1 } })), "kyverno").inputs;
            for (const c of ["admissionController", "backgroundController", "cleanupController", "reportsController"]) {
                assert.equal(values[c].replicas, 1, c);
                assert.equal(values[c].podDisruptionBudget, undefined, c);
            }
        });

        it("registers every child under the component and every Kubernetes resource with the cluster's provider", () => {
            const component = one(resources, "genai-platform:index:GpuCluster", "t");
            for (const r of resources.filter((x) => x !== component)) assert.ok(r.parent, `${r.name} has no parent`);
            for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
                assert.match(r.provider ?? "", /pulumi:providers:kubernetes::t-k8s::/, `${r.name} does not use the cluster provider`);
            }
        });
    });

    describe("names", () => {
        it("derives every physical name from the cluster name, so two clusters never collide", async () => {
            const [a, b] = [await declare("alpha", args()), await declare("beta", args())];
            // Account-wide AWS names; inline role policy names are scoped to their role.
            const physical = (rs: RecordedResource[]) =>
                rs.filter((r) => r.type.startsWith("aws:") && r.type !== "aws:iam/rolePolicy:RolePolicy")
                    .map((r) => r.inputs.name)
                    .filter((n): n is string => typeof n === "string");
            assert.ok(physical(a).length >= 10);
            const overlap = physical(a).filter((n) => physical(b).includes(n));
            assert.deepEqual(overlap, []);
        });
    });

    describe("EKS Auto Mode", () => {
        let auto: RecordedResource[];
        before(async () => {
            auto = await declare("auto", args({ mode: "auto" }));
        });

        it("enables Auto Mode and renders GPU NodePools on its NodeClass instead of installing Karpenter", () => {
            assert.equal(one(auto, "eks:index:Cluster", "auto-eks").inputs.autoMode.enabled, true);
            const charts = ofType(auto, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart).sort();
            assert.deepEqual(charts, ["keda", "kyverno"]);
            const pool = k8sObjects(auto, "NodePool")[0];
            assert.deepEqual(pool.spec.template.spec.nodeClassRef, { group: "eks.amazonaws.com", kind: "NodeClass", name: "default" });
            assert.ok(pool.spec.template.spec.requirements.some((r: any) => r.key === "eks.amazonaws.com/instance-family"));
            assert.equal(k8sObjects(auto, "EC2NodeClass").length, 0);
            assert.equal(k8sObjects(auto, "StorageClass")[0].provisioner, "ebs.csi.eks.amazonaws.com");
            assert.equal(ofType(auto, "aws:eks/addon:Addon").length, 0, "Auto Mode runs the Pod Identity agent and EBS driver itself");
        });

        it("turns on NetworkPolicy enforcement through the amazon-vpc-cni ConfigMap, patched so it applies whether or not EKS created it", () => {
            assert.equal(one(auto, "eks:index:Cluster", "auto-eks").inputs.vpcCniOptions, undefined, "Auto Mode has no VPC CNI add-on to configure");
            const patch = one(auto, "kubernetes:core/v1:ConfigMapPatch", "auto-network-policy");
            assert.deepEqual(patch.inputs.metadata, { name: "amazon-vpc-cni", namespace: "kube-system" });
            assert.deepEqual(patch.inputs.data, { "enable-network-policy-controller": "true" });
        });
    });

    describe("conformance", function () {
        before(function () {
            skipWithoutReference(this);
        });

        it("every Kubernetes object validates against its upstream schema", async () => {
            assert.deepEqual(await conformanceErrors(resources), []);
        });

        it("every Helm value path exists in the pinned chart", () => {
            assert.deepEqual(helmValueErrors(resources), []);
        });
    });
});

describe("GpuCluster bad input", () => {
    const cases: { title: string; args: GpuClusterArgs; messages: string[] }[] = [
        { title: "duplicate pool names", args: args({ pools: [l4Pool, l4Pool] }), messages: ['pools[1].name: got "l4"; names must be unique'] },
        { title: "non-DNS pool name", args: args({ pools: [{ ...l4Pool, name: "GPU_pool" }] }), messages: ['pools[0].name: got "GPU_pool"; expected a DNS-1123 label'] },
        { title: "a pool without a GPU limit", args: args({ pools: [{ ...l4Pool, gpuLimit: undefined as unknown as number }] }), messages: ["pools[0].gpuLimit: got (missing); every pool needs a GPU limit"] },
        { title: "unknown capacity type", args: args({ pools: [{ ...l4Pool, capacityTypes: ["preemptible" as "spot"] }] }), messages: ['pools[0].capacityTypes[0]: got "preemptible"; expected one of spot, on-demand, reserved'] },
        { title: "malformed consolidateAfter", args: args({ pools: [{ ...l4Pool, consolidateAfter: "5 minutes" }] }), messages: ['pools[0].consolidateAfter: got "5 minutes"; expected a duration'] },
        { title: "time-slicing replicas below 2", args: args({ pools: [{ ...l4Pool, sharing: { mode: "time-slicing", replicas: 1 } }] }), messages: ["pools[0].sharing.replicas: got 1; time-slicing needs a whole number of replicas ≥ 2"] },
        { title: "MIG on GPUs without MIG", args: args({ pools: [{ ...l4Pool, sharing: { mode: "mig", profile: "all-1g.10gb" } }] }), messages: ['pools[0].sharing.mode: got ["g6"]; MIG needs GPUs that support it'] },
        { title: "a public endpoint without CIDRs", args: args({ endpoint: { publicAccess: true } }), messages: ["endpoint.publicAccessCidrs: got []; list the networks that deploy and administer the cluster"] },
        { title: "a world-open endpoint CIDR", args: args({ endpoint: { publicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }), messages: ['endpoint.publicAccessCidrs: got ["0.0.0.0/0"]; they admit 3,702,390,784 public addresses'] },
        { title: "Kubernetes version outside the window", args: args({ kubernetesVersion: "1.29" }), messages: ['kubernetesVersion: got "1.29"; expected a supported EKS version: 1.33, 1.34, 1.35, 1.36'] },
        { title: "unknown instance family", args: args({ pools: [{ ...l4Pool, instanceFamilies: ["m7i"] }] }), messages: ['pools[0].instanceFamilies[0]: got "m7i"; expected one of the GPU families'] },
        { title: "no pools", args: args({ pools: [] }), messages: ["pools: got []; give at least one GPU pool"] },
        {
            title: "system instance types of two architectures (one node group runs one AMI type)",
            args: args({ systemNodes: { instanceTypes: ["m7g.large", "m7i.large"] } }),
            messages: ['systemNodes.instanceTypes: got ["m7g.large","m7i.large"]; expected instance types of one architecture (a managed node group runs one AMI type); these mix arm64 and amd64'],
        },
        {
            title: "a platform pool architecture Kubernetes does not know",
            args: args({ platformPool: { architectures: ["x86_64" as "amd64"] } }),
            messages: ['platformPool.architectures: got ["x86_64"]; expected one or more of amd64, arm64'],
        },
        {
            title: "Kyverno controllers scaled to zero",
            args: args({ kyverno: { controllerReplicas: 0 } }),
            messages: ["kyverno.controllerReplicas: got 0; expected a whole number ≥ 1 (2 for HA)"],
        },
        {
            title: "KEDA scaled to zero",
            args: args({ kedaReplicas: 0 }),
            messages: ["kedaReplicas: got 0; expected a whole number ≥ 1 (2 for HA)"],
        },
        {
            title: "registry allow-list entries that could never match an image (a scheme, a tag, upper case)",
            args: args({ kyverno: { allowedRegistries: ["nvcr.io", "https://ghcr.io", "docker.io/vllm:0.1", "Quay.io/Org"] } }),
            messages: [1, 2, 3].map((i) => `kyverno.allowedRegistries[${i}]: got ${JSON.stringify(["nvcr.io", "https://ghcr.io", "docker.io/vllm:0.1", "Quay.io/Org"][i])}; ` +
                "expected a registry host or host/path prefix in lower case, e.g. nvcr.io or docker.io/vllm (no scheme, tag or digest)"),
        },
    ];

    for (const c of cases) {
        it(`rejects ${c.title} before registering anything`, async () => {
            const { error, resources } = await expectFailure(() => new GpuCluster("bad", c.args));
            for (const m of c.messages) assert.ok(error.message.includes(m), `message lacks "${m}":\n${error.message}`);
            assert.equal(resources.length, 0);
        });
    }

    it("lists every problem in one error", async () => {
        const { error } = await expectFailure(() => new GpuCluster("bad", args({ kubernetesVersion: "1.20", pools: [{ ...l4Pool, gpuLimit: 0, consolidateAfter: "x" }] })));
        assert.match(error.message, /^Invalid GpuCluster "bad" args \(3 problems\):/);
    });
});

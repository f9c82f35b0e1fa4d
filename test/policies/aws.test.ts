import assert from "node:assert/strict";
import { eksControlPlaneLogging } from "../../policies/aws/eks-control-plane-logging";
import { eksEndpointAccess } from "../../policies/aws/eks-endpoint-access";
import { eksSecretsEncryption } from "../../policies/aws/eks-secrets-encryption";
import { elasticacheHardening } from "../../policies/aws/elasticache-hardening";
import { iamNoAdminWildcard } from "../../policies/aws/iam-no-admin-wildcard";
import { iamNoPassRoleWildcard } from "../../policies/aws/iam-no-passrole-wildcard";
import { kmsKeyRotation } from "../../policies/aws/kms-key-rotation";
import { rdsHardening } from "../../policies/aws/rds-hardening";
import { requiredTags } from "../../policies/aws/required-tags";
import { sqsEncryption } from "../../policies/aws/sqs-encryption";
import { messages, resource } from "./helpers";

const EKS = "eks:index:Cluster";
const AWS_EKS = "aws:eks/cluster:Cluster";
const TAGS = { environment: "prod", owner: "platform", "cost-center": "ml-1234" };

describe("policies: AWS resources", () => {
    describe("eks-endpoint-access", () => {
        // The full table of endpoints, judged by this policy and GpuCluster validation alike, is in test/gpu-cluster/endpoint.test.ts.
        it("passes private access plus public access limited to narrow CIDRs, on either cluster type", async () => {
            const restricted = { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["203.0.113.0/24"] };
            assert.deepEqual(await messages(eksEndpointAccess, resource(EKS, restricted)), []);
            assert.deepEqual(await messages(eksEndpointAccess, resource(AWS_EKS, { vpcConfig: restricted })), []);
        });

        it("rejects a private-only endpoint: the deployer outside the VPC could not reach it", async () => {
            const [message] = await messages(eksEndpointAccess, resource(AWS_EKS, { vpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }, { name: "prod-eks" }));
            assert.match(message, /^EKS cluster "prod-eks" has a private-only API endpoint; no deployer can reach a private-only endpoint: this program creates the VPC/);
        });

        it("rejects pulumi-eks's default, a public endpoint open to the internet", async () => {
            assert.deepEqual(await messages(eksEndpointAccess, resource(EKS, {}, { name: "dev-eks" })), [
                'EKS cluster "dev-eks" has a public API endpoint open to the whole internet (publicAccessCidrs unset, which means 0.0.0.0/0); ' +
                    "list the networks that deploy and administer the cluster (the CI runner's egress NAT address, a VPN): the public endpoint admits only them.",
            ]);
        });

        it("rejects CIDRs that together admit a large part of the internet", async () => {
            const halves = resource(AWS_EKS, { vpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } }, { name: "dev-eks" });
            const [message] = await messages(eksEndpointAccess, halves);
            assert.ok(message.includes("they admit 3,702,390,784 public addresses (100% of the public IPv4 space); an allow-list may admit at most 65,536 public addresses"), message);
        });
    });

    describe("eks-secrets-encryption", () => {
        it("passes a KMS key on either cluster type", async () => {
            assert.deepEqual(await messages(eksSecretsEncryption, resource(EKS, { encryptionConfigKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k" })), []);
            const cluster = resource(AWS_EKS, { encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:us-east-1:123456789012:key/k" } } });
            assert.deepEqual(await messages(eksSecretsEncryption, cluster), []);
        });

        it("rejects clusters without envelope encryption", async () => {
            const expected = (name: string) =>
                `EKS cluster "${name}" does not encrypt Kubernetes Secrets with a KMS key; set encryptionConfigKeyArn (pulumi-eks) or encryptionConfig { resources: ["secrets"], provider.keyArn } (aws.eks.Cluster).`;
            assert.deepEqual(await messages(eksSecretsEncryption, resource(EKS, {}, { name: "a" })), [expected("a")]);
            assert.deepEqual(await messages(eksSecretsEncryption, resource(AWS_EKS, { encryptionConfig: { resources: [] } }, { name: "b" })), [expected("b")]);
        });
    });

    describe("eks-control-plane-logging", () => {
        it("passes with every required log type", async () => {
            const cluster = resource(EKS, { enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"] });
            assert.deepEqual(await messages(eksControlPlaneLogging, cluster), []);
            assert.deepEqual(await messages(eksControlPlaneLogging, resource(AWS_EKS, { enabledClusterLogTypes: ["audit"] }), { requiredLogTypes: ["audit"] }), []);
        });

        it("names the missing log types", async () => {
            assert.deepEqual(await messages(eksControlPlaneLogging, resource(AWS_EKS, { enabledClusterLogTypes: ["api", "audit"] }, { name: "c" })), [
                'EKS cluster "c" does not ship control-plane logs authenticator, controllerManager, scheduler to CloudWatch; add them to enabledClusterLogTypes.',
            ]);
        });
    });

    describe("rds-hardening", () => {
        const good = { storageEncrypted: true, publiclyAccessible: false, backupRetentionPeriod: 7, deletionProtection: true };

        it("passes an encrypted, private, backed-up, protected database", async () => {
            assert.deepEqual(await messages(rdsHardening, resource("aws:rds/instance:Instance", good)), []);
            assert.deepEqual(await messages(rdsHardening, resource("aws:rds/cluster:Cluster", good)), []);
            assert.deepEqual(await messages(rdsHardening, resource("aws:rds/clusterInstance:ClusterInstance", { publiclyAccessible: false })), []);
        });

        it("reports every weakness of an instance", async () => {
            const db = resource("aws:rds/instance:Instance", { publiclyAccessible: true }, { name: "litellm-db" });
            assert.deepEqual(await messages(rdsHardening, db), [
                'RDS instance "litellm-db" is publicly accessible; set publiclyAccessible: false and reach it from inside the VPC.',
                'RDS instance "litellm-db" storage is not encrypted; set storageEncrypted: true (with kmsKeyId for a customer key).',
                'RDS instance "litellm-db" does not set backupRetentionPeriod (the AWS API keeps 1 day); set it to at least 7.',
                'RDS instance "litellm-db" can be deleted; set deletionProtection: true in production.',
            ]);
        });

        it("does not require deletion protection in dev, and honours the configured retention", async () => {
            const db = resource("aws:rds/cluster:Cluster", { storageEncrypted: true, backupRetentionPeriod: 1 }, { name: "aurora" });
            assert.deepEqual(await messages(rdsHardening, db, { environment: "dev", minBackupRetentionDays: 1 }), []);
            assert.deepEqual(await messages(rdsHardening, db, { environment: "dev", minBackupRetentionDays: 3 }), [
                'RDS cluster "aurora" keeps automated backups 1 day(s); set backupRetentionPeriod to at least 3.',
            ]);
        });

        it("checks only public access on read replicas", async () => {
            assert.deepEqual(await messages(rdsHardening, resource("aws:rds/instance:Instance", { replicateSourceDb: "primary" })), []);
        });
    });

    describe("elasticache-hardening", () => {
        it("passes an encrypted, private, snapshotted replication group", async () => {
            const rg = resource("aws:elasticache/replicationGroup:ReplicationGroup", {
                atRestEncryptionEnabled: true,
                transitEncryptionEnabled: true,
                subnetGroupName: "private",
                snapshotRetentionLimit: 7,
                finalSnapshotIdentifier: "litellm-final",
            });
            assert.deepEqual(await messages(elasticacheHardening, rg), []);
            const serverless = resource("aws:elasticache/serverlessCache:ServerlessCache", { subnetIds: ["subnet-a"], snapshotRetentionLimit: 1 });
            assert.deepEqual(await messages(elasticacheHardening, serverless), []);
        });

        it("reports every weakness", async () => {
            const rg = resource("aws:elasticache/replicationGroup:ReplicationGroup", { atRestEncryptionEnabled: false }, { name: "cache" });
            assert.deepEqual(await messages(elasticacheHardening, rg), [
                'ElastiCache replication group "cache" is not encrypted at rest; set atRestEncryptionEnabled: true.',
                'ElastiCache replication group "cache" accepts plaintext connections; set transitEncryptionEnabled: true.',
                "ElastiCache replication group \"cache\" has no subnetGroupName, so it lands in the default VPC; place it in the platform's private subnets.",
                'ElastiCache replication group "cache" takes no automatic snapshots; set snapshotRetentionLimit to at least 1.',
                'ElastiCache replication group "cache" would be deleted without a snapshot; set finalSnapshotIdentifier in production (ElastiCache has no deletion protection).',
            ]);
            const serverless = resource("aws:elasticache/serverlessCache:ServerlessCache", { snapshotRetentionLimit: 1 }, { name: "sc" });
            assert.deepEqual(await messages(elasticacheHardening, serverless, { environment: "dev", minSnapshotRetentionDays: 7 }), [
                "ElastiCache serverless cache \"sc\" has no subnetIds, so it lands in the default VPC; place it in the platform's private subnets.",
                'ElastiCache serverless cache "sc" keeps snapshots 1 day(s); set snapshotRetentionLimit to at least 7.',
            ]);
        });
    });

    describe("iam-no-admin-wildcard", () => {
        const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

        it("passes scoped statements, wildcard resources with specific actions, and denies", async () => {
            const policy = resource("aws:iam/policy:Policy", {
                policy: doc(
                    { Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
                    { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::bucket/*" },
                    { Effect: "Deny", Action: "*", Resource: "*" },
                ),
            });
            assert.deepEqual(await messages(iamNoAdminWildcard, policy), []);
        });

        it("finds *:* in managed, inline and role-inline policies, and Allow NotAction on *", async () => {
            const admin = { Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" };
            assert.deepEqual(await messages(iamNoAdminWildcard, resource("aws:iam/policy:Policy", { policy: { Statement: admin } }, { name: "p" })), [
                'IAM policy "p" statement "Admin" allows Action "*" on Resource "*" (full administrator); grant the specific actions and resources the principal needs.',
            ]);
            const role = resource("aws:iam/role:Role", { inlinePolicies: [{ name: "inline", policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: ["*"] }) }] }, { name: "r" });
            assert.deepEqual(await messages(iamNoAdminWildcard, role), [
                'IAM role "r" inline policy "inline" statement #1 allows everything except "iam:*" on Resource "*"; list the allowed actions instead of NotAction.',
            ]);
            assert.deepEqual(await messages(iamNoAdminWildcard, resource("aws:iam/userPolicy:UserPolicy", { policy: "{not json" }, { name: "u" })), [
                'IAM inline policy "u" is not valid JSON, so it cannot be checked.',
            ]);
        });
    });

    describe("iam-no-passrole-wildcard", () => {
        it("passes PassRole scoped to a role ARN", async () => {
            const policy = resource("aws:iam/rolePolicy:RolePolicy", {
                policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::123456789012:role/karpenter-node" }] }),
            });
            assert.deepEqual(await messages(iamNoPassRoleWildcard, policy), []);
        });

        it("finds iam:PassRole and iam patterns that cover it on *", async () => {
            const policy = resource("aws:iam/rolePolicy:RolePolicy", {
                policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["iam:Pass*", "ec2:RunInstances"], Resource: "*" }] }),
            }, { name: "controller" });
            assert.deepEqual(await messages(iamNoPassRoleWildcard, policy), [
                'IAM inline policy "controller" statement #1 allows iam:Pass* on Resource "*", so any role can be passed to a service; list the role ARNs instead.',
            ]);
        });
    });

    describe("sqs-encryption", () => {
        it("passes SQS-managed or KMS encryption", async () => {
            assert.deepEqual(await messages(sqsEncryption, resource("aws:sqs/queue:Queue", { sqsManagedSseEnabled: true })), []);
            assert.deepEqual(await messages(sqsEncryption, resource("aws:sqs/queue:Queue", { kmsMasterKeyId: "alias/q" })), []);
        });

        it("rejects a queue that declares no encryption", async () => {
            assert.deepEqual(await messages(sqsEncryption, resource("aws:sqs/queue:Queue", {}, { name: "q" })), [
                'SQS queue "q" does not declare encryption at rest; set sqsManagedSseEnabled: true or kmsMasterKeyId.',
            ]);
        });
    });

    describe("kms-key-rotation", () => {
        it("passes rotating symmetric keys and ignores asymmetric ones", async () => {
            assert.deepEqual(await messages(kmsKeyRotation, resource("aws:kms/key:Key", { enableKeyRotation: true })), []);
            assert.deepEqual(await messages(kmsKeyRotation, resource("aws:kms/key:Key", { customerMasterKeySpec: "RSA_2048" })), []);
        });

        it("rejects a symmetric key without rotation", async () => {
            assert.deepEqual(await messages(kmsKeyRotation, resource("aws:kms/key:Key", {}, { name: "k" })), ['KMS key "k" does not rotate; set enableKeyRotation: true.']);
        });
    });

    describe("aws-required-tags", () => {
        it("passes resources carrying the tags directly or through the provider's defaultTags", async () => {
            assert.deepEqual(await messages(requiredTags, resource("aws:sqs/queue:Queue", { tags: TAGS })), []);
            const provider = resource("pulumi:providers:aws", { region: "us-east-1", defaultTags: JSON.stringify({ tags: { owner: "platform", "cost-center": "ml-1" } }) });
            const vpc = resource("aws:ec2/vpc:Vpc", { tags: { environment: "dev" } }, { provider: `${provider.urn}::provider-id` });
            assert.deepEqual(await messages(requiredTags, [provider, vpc]), []);
        });

        it("skips untaggable resources and checks the EKS component", async () => {
            assert.deepEqual(await messages(requiredTags, resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r" })), []);
            assert.deepEqual(await messages(requiredTags, resource(EKS, { tags: { owner: "x" } }, { name: "eks" }), { requiredTags: ["owner", "team"] }), [
                'Cluster "eks" lacks tag(s) team; add them to its tags or the provider\'s defaultTags.',
            ]);
        });

        it("reports missing or empty tags, also on always-tagged types that declare none", async () => {
            assert.deepEqual(await messages(requiredTags, resource("aws:kms/key:Key", {}, { name: "k" })), [
                'Key "k" lacks tag(s) environment, owner, cost-center; add them to its tags or the provider\'s defaultTags.',
            ]);
            assert.deepEqual(await messages(requiredTags, resource("aws:cloudwatch/eventRule:EventRule", { tags: { ...TAGS, owner: "" } }, { name: "rule" })), [
                'EventRule "rule" lacks tag(s) owner; add them to its tags or the provider\'s defaultTags.',
            ]);
        });
    });
});

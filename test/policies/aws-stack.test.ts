import assert from "node:assert/strict";
import { s3DefaultEncryption } from "../../policies/aws/s3-default-encryption";
import { s3PublicAccessBlocked } from "../../policies/aws/s3-public-access-blocked";
import { s3TlsOnly } from "../../policies/aws/s3-tls-only";
import { s3Versioning } from "../../policies/aws/s3-versioning";
import { securityGroupIngress } from "../../policies/aws/security-group-ingress";
import { messages, resource, violations } from "./helpers";

const bucket = (name: string, inputs: Record<string, any> = {}) => resource("aws:s3/bucket:Bucket", inputs, { name });
/** A bucket setting computed from the bucket (`bucket: bucket.id`), as components write it. */
const setting = (type: string, of: { urn: string; name: string }, inputs: Record<string, any>) =>
    resource(type, { bucket: `${of.name}-id`, ...inputs }, { name: `${of.name}-${type.split(":").pop()}`, propertyDependencies: { bucket: [of.urn] } });

const ALL_BLOCKED = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const TLS_ONLY = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
});

describe("policies: AWS resources joined across the stack", () => {
    describe("s3-public-access-blocked", () => {
        it("passes a bucket whose public access block (joined by dependency or by name) has all flags on", async () => {
            const b = bucket("events");
            assert.deepEqual(await messages(s3PublicAccessBlocked, [b, setting("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b, ALL_BLOCKED)]), []);
            const named = bucket("media", { bucket: "langfuse-media" });
            const byName = resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "langfuse-media", ...ALL_BLOCKED });
            assert.deepEqual(await messages(s3PublicAccessBlocked, [named, byName]), []);
        });

        it("reports a missing block and a partial one, against the right resource", async () => {
            const a = bucket("a");
            const b = bucket("b", { bucket: "weights" });
            const partial = setting("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b, { ...ALL_BLOCKED, blockPublicPolicy: false, restrictPublicBuckets: false });
            const found = await violations(s3PublicAccessBlocked, [a, b, partial]);
            assert.deepEqual(
                found.map((v) => [v.resourceName, v.message]),
                [
                    ["a", 'S3 bucket "a" has no BucketPublicAccessBlock; add one with all four flags true.'],
                    ["b-BucketPublicAccessBlock", 'S3 bucket "weights" public access block "b-BucketPublicAccessBlock" leaves blockPublicPolicy, restrictPublicBuckets off; set all four flags true.'],
                ],
            );
        });
    });

    describe("s3-default-encryption", () => {
        const sse = (of: { urn: string; name: string }, sseAlgorithm: string) =>
            setting("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", of, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm } }] });

        it("passes SSE-S3 by default and SSE-KMS when KMS is required", async () => {
            const b = bucket("b");
            assert.deepEqual(await messages(s3DefaultEncryption, [b, sse(b, "AES256")]), []);
            assert.deepEqual(await messages(s3DefaultEncryption, [b, sse(b, "aws:kms")], { requireKms: true }), []);
        });

        it("reports a bucket without encryption config, and SSE-S3 when KMS is required", async () => {
            const b = bucket("b");
            assert.deepEqual(await messages(s3DefaultEncryption, [b]), ['S3 bucket "b" declares no default encryption; add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms or AES256.']);
            assert.deepEqual(await messages(s3DefaultEncryption, [b, sse(b, "AES256")], { requireKms: true }), [
                'S3 bucket "b" declares no default encryption of aws:kms or aws:kms:dsse (found AES256); add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms.',
            ]);
        });
    });

    describe("s3-tls-only", () => {
        it("passes a bucket policy denying insecure transport", async () => {
            const b = bucket("b");
            assert.deepEqual(await messages(s3TlsOnly, [b, setting("aws:s3/bucketPolicy:BucketPolicy", b, { policy: TLS_ONLY })]), []);
        });

        it("reports a bucket whose policy allows plain HTTP", async () => {
            const b = bucket("b");
            const allowOnly = setting("aws:s3/bucketPolicy:BucketPolicy", b, { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "s3:GetObject", Resource: "*" }] }) });
            assert.deepEqual(await messages(s3TlsOnly, [b, allowOnly]), [
                'S3 bucket "b" accepts plain HTTP: add a BucketPolicy statement with Effect "Deny", Principal "*", Action "s3:*" and Condition {"Bool": {"aws:SecureTransport": "false"}}.',
            ]);
        });
    });

    describe("s3-versioning", () => {
        it("passes a versioned bucket and one tagged as holding no state", async () => {
            const b = bucket("b");
            assert.deepEqual(await messages(s3Versioning, [b, setting("aws:s3/bucketVersioning:BucketVersioning", b, { versioningConfiguration: { status: "Enabled" } })]), []);
            assert.deepEqual(await messages(s3Versioning, [bucket("scratch", { tags: { "genai-platform.io/holds-state": "false" } })]), []);
        });

        it("reports a state bucket with suspended versioning", async () => {
            const b = bucket("b");
            assert.deepEqual(await messages(s3Versioning, [b, setting("aws:s3/bucketVersioningV2:BucketVersioningV2", b, { versioningConfiguration: { status: "Suspended" } })]), [
                'S3 bucket "b" holds state without versioning; add a BucketVersioning with status "Enabled" (or tag it genai-platform.io/holds-state: "false" if it holds none).',
            ]);
        });
    });

    describe("security-group-open-ingress", () => {
        const group = (name: string, ingress: object[] = []) => resource("aws:ec2/securityGroup:SecurityGroup", { ingress }, { name });
        const https = { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] };

        it("passes HTTPS from anywhere on a load balancer's group, and private CIDRs anywhere", async () => {
            const lbGroup = group("alb", [https]);
            const lb = resource("aws:lb/loadBalancer:LoadBalancer", { securityGroups: ["alb-id"] }, { propertyDependencies: { securityGroups: [lbGroup.urn] } });
            const internal = group("db", [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }]);
            assert.deepEqual(await messages(securityGroupIngress, [lbGroup, lb, internal]), []);
        });

        it("reports open ingress declared inline, as a rule, or as an ingress rule", async () => {
            const nodes = group("nodes", [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]);
            const ssh = resource("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "nodes-id" }, {
                name: "ssh",
                propertyDependencies: { securityGroupId: [nodes.urn] },
            });
            const v6 = resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv6: "::/0", securityGroupId: "nodes-id" }, {
                name: "https-v6",
                propertyDependencies: { securityGroupId: [nodes.urn] },
            });
            const egressOnly = resource("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] });
            const found = await violations(securityGroupIngress, [nodes, ssh, v6, egressOnly]);
            assert.deepEqual(
                found.map((v) => [v.resourceName, v.message]),
                [
                    ["nodes", 'Security group ingress "nodes" admits all traffic from 0.0.0.0/0; only HTTPS (TCP 443) on a load balancer may be public. Restrict the CIDRs to known networks.'],
                    ["ssh", 'Security group ingress "ssh" admits tcp port 22 from 0.0.0.0/0; only HTTPS (TCP 443) on a load balancer may be public. Restrict the CIDRs to known networks.'],
                    ["https-v6", 'Security group ingress "https-v6" admits tcp port 443 from ::/0, but its security group is not attached to a load balancer in this stack. Restrict the CIDRs to known networks.'],
                ],
            );
        });
    });
});

/**
 * What the mock engine answers for resources and function calls, so code
 * downstream of a resource sees the outputs a real deployment would give it
 * (ARNs, URLs, kubeconfigs) rather than undefined.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "us-east-1";
/**
 * Who runs `pulumi up` in a mock run unless told otherwise: the CI deployer
 * role of the committed stacks, as CI assumes it (an STS session of the role).
 */
export const MOCK_DEPLOYER_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:role/platform-ci-deployer`;
/** The session name the mock deployer's STS session carries. */
const MOCK_SESSION = "pulumi";
const arn = (service: string, resource: string, region = MOCK_REGION) =>
    `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${resource}`;

/** A kubeconfig shaped like the one pulumi-eks returns. */
function kubeconfigFor(clusterName: string) {
    const endpoint = `https://${clusterName.toUpperCase()}.gr7.${MOCK_REGION}.eks.amazonaws.com`;
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "kubernetes", cluster: { server: endpoint, "certificate-authority-data": "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t" } }],
        contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
        "current-context": "aws",
        users: [{ name: "aws", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", clusterName] } } }],
    };
}

function eksClusterState(name: string, inputs: Record<string, unknown>) {
    const clusterName = (inputs.name as string | undefined) ?? name;
    const kubeconfig = kubeconfigFor(clusterName);
    const oidcId = "EXAMPLED539D4633E53DE1B71EXAMPLE";
    const issuer = `https://oidc.eks.${MOCK_REGION}.amazonaws.com/id/${oidcId}`;
    const eksCluster = {
        name: clusterName,
        arn: arn("eks", `cluster/${clusterName}`),
        endpoint: kubeconfig.clusters[0].cluster.server,
        version: inputs.version,
        identities: [{ oidcs: [{ issuer }] }],
        vpcConfig: { clusterSecurityGroupId: `sg-${clusterName}-cluster` },
    };
    return {
        kubeconfig,
        kubeconfigJson: JSON.stringify(kubeconfig),
        eksCluster,
        core: { cluster: eksCluster, endpoint: eksCluster.endpoint, oidcProvider: { arn: arn("iam", `oidc-provider/oidc.eks.${MOCK_REGION}.amazonaws.com/id/${oidcId}`, "") } },
        clusterSecurityGroupId: `sg-${clusterName}-cluster`,
        nodeSecurityGroupId: `sg-${clusterName}-node`,
        oidcIssuer: issuer.replace("https://", ""),
        oidcProviderUrl: issuer,
        oidcProviderArn: arn("iam", `oidc-provider/oidc.eks.${MOCK_REGION}.amazonaws.com/id/${oidcId}`, ""),
        autoModeNodeRoleName: inputs.autoMode ? `${clusterName}-auto-node` : "",
    };
}

type StateFn = (name: string, inputs: Record<string, any>, id: string) => Record<string, unknown>;

/** Outputs the provider would compute, by resource type. */
const STATE: Record<string, StateFn> = {
    "eks:index:Cluster": eksClusterState,
    "aws:iam/role:Role": (name, i) => ({ arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${i.name ?? name}`, name: i.name ?? name, uniqueId: `AROA${name.length}EXAMPLE` }),
    "aws:iam/policy:Policy": (name, i) => ({ arn: `arn:aws:iam::${MOCK_ACCOUNT}:policy/${i.name ?? name}`, name: i.name ?? name }),
    "aws:iam/instanceProfile:InstanceProfile": (name, i) => ({ arn: `arn:aws:iam::${MOCK_ACCOUNT}:instance-profile/${i.name ?? name}`, name: i.name ?? name }),
    "aws:kms/key:Key": (_n, _i, id) => ({ arn: arn("kms", `key/${id}`), keyId: id }),
    "aws:sqs/queue:Queue": (name, i) => ({ arn: arn("sqs", i.name ?? name), url: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT}/${i.name ?? name}`, name: i.name ?? name }),
    "aws:cloudwatch/eventRule:EventRule": (name, i) => ({ arn: arn("events", `rule/${i.name ?? name}`), name: i.name ?? name }),
    "aws:ec2/vpc:Vpc": (_n, i) => ({ arn: arn("ec2", "vpc/vpc-mock"), cidrBlock: i.cidrBlock }),
    "aws:ec2/subnet:Subnet": (_n, i, id) => ({ arn: arn("ec2", `subnet/${id}`), cidrBlock: i.cidrBlock }),
    "aws:ec2/securityGroup:SecurityGroup": (_n, _i, id) => ({ arn: arn("ec2", `security-group/${id}`) }),
    "aws:ec2/eip:Eip": (_n, _i, id) => ({ publicIp: "198.51.100.10", allocationId: id }),
    "aws:eks/nodeGroup:NodeGroup": (name, i) => ({ arn: arn("eks", `nodegroup/${i.clusterName}/${i.nodeGroupName ?? name}/mock`) }),
    "aws:eks/accessEntry:AccessEntry": (_n, i) => ({ accessEntryArn: arn("eks", `access-entry/${i.clusterName}/mock`) }),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": (_n, i, id) => ({ associationArn: arn("eks", `podidentityassociation/${i.clusterName}/a-${id}`), associationId: `a-${id}` }),
    "aws:s3/bucket:Bucket": (name, i) => ({ arn: `arn:aws:s3:::${i.bucket ?? name}`, bucket: i.bucket ?? name, bucketRegionalDomainName: `${i.bucket ?? name}.s3.${MOCK_REGION}.amazonaws.com` }),
    "aws:s3/bucketV2:BucketV2": (name, i) => ({ arn: `arn:aws:s3:::${i.bucket ?? name}`, bucket: i.bucket ?? name }),
    "aws:rds/instance:Instance": (name, i) => ({ arn: arn("rds", `db:${i.identifier ?? name}`), address: `${i.identifier ?? name}.abcdefghijkl.${MOCK_REGION}.rds.amazonaws.com`, endpoint: `${i.identifier ?? name}.abcdefghijkl.${MOCK_REGION}.rds.amazonaws.com:5432`, port: 5432 }),
    "aws:elasticache/replicationGroup:ReplicationGroup": (name, i) => ({ arn: arn("elasticache", `replicationgroup:${i.replicationGroupId ?? name}`), primaryEndpointAddress: `master.${i.replicationGroupId ?? name}.abcdef.use1.cache.amazonaws.com`, port: 6379 }),
    "random:index/randomPassword:RandomPassword": (name, i) => ({ result: mockSecretValue(name, i.length ?? 32) }),
    "random:index/randomBytes:RandomBytes": (name, i) => ({ hex: mockHex(name, (i.length ?? 32) * 2), base64: Buffer.from(mockHex(name, i.length ?? 32)).toString("base64") }),
    "random:index/randomId:RandomId": (name, i) => ({ hex: mockHex(name, (i.byteLength ?? 8) * 2) }),
};

/** Deterministic, recognisable, unique per resource name: tests search for these. */
export function mockSecretValue(name: string, length: number): string {
    const seed = `mock-secret-${name}-`;
    return (seed + "x".repeat(Math.max(0, length))).slice(0, Math.max(length, seed.length + 4));
}

function mockHex(name: string, length: number): string {
    let h = "";
    let i = 0;
    while (h.length < length) h += createHash("sha256").update(`${name}-${i++}`).digest("hex");
    return h.slice(0, length);
}

export function mockResourceState(args: pulumi.runtime.MockResourceArgs, id: string): Record<string, unknown> {
    const state = STATE[args.type];
    const computed = state ? state(args.name, args.inputs ?? {}, id) : {};
    return { ...args.inputs, ...computed };
}

/** What a mock run knows of its caller. */
export interface MockCallContext {
    /** The IAM role (path included) or user that runs `pulumi up`. Default `MOCK_DEPLOYER_ARN`. */
    deployerArn?: string;
    /**
     * The caller is not known yet, as in a preview whose AWS provider takes its
     * credentials from another resource's outputs: getCallerIdentity answers
     * unknown values.
     */
    callerUnknown?: boolean;
}

const ROLE_ARN = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const SESSION_ARN = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

/**
 * sts:GetCallerIdentity as AWS answers it: a role's caller is an STS session
 * of the role (`assumed-role/<name>/<session>`, the role's path dropped); an
 * IAM user's is the user.
 */
function callerIdentity(deployerArn: string): Record<string, unknown> {
    const role = ROLE_ARN.exec(deployerArn);
    if (!role) return { accountId: MOCK_ACCOUNT, arn: deployerArn, userId: "AIDAMOCKDEPLOYER", id: MOCK_ACCOUNT };
    const [, partition, account, name] = role;
    return { accountId: account, arn: `arn:${partition}:sts::${account}:assumed-role/${name}/${MOCK_SESSION}`, userId: `AROAMOCKDEPLOYER:${MOCK_SESSION}`, id: account };
}

/** getCallerIdentity's answer in a preview that cannot know the caller: every field unknown. */
function unknownCaller(): Record<string, unknown> {
    const unknown = pulumi.runtime.unknownValue;
    return { accountId: unknown, arn: unknown, userId: unknown, id: unknown };
}

/**
 * aws.iam.getSessionContext as the provider answers it (the bridged
 * hashicorp/terraform-provider-aws internal/service/iam/session_context_data_source.go):
 * for an STS session, iam:GetRole on the session's role name, so `issuerArn`
 * keeps the role's path; for any other ARN, the ARN itself.
 */
function sessionContext(arn: string, deployerArn: string): Record<string, unknown> {
    const session = SESSION_ARN.exec(arn);
    if (!session) return { arn, issuerArn: arn, id: arn };
    const [, partition, account, name, sessionName] = session;
    const deployer = ROLE_ARN.exec(deployerArn);
    const issuerArn = deployer && deployer[3] === name ? deployerArn : `arn:${partition}:iam::${account}:role/${name}`;
    return { arn, issuerArn, issuerId: "AROAMOCKDEPLOYER", issuerName: name, sessionName, id: arn };
}

/** Answers for the provider functions the platform calls. */
export function mockCall(args: pulumi.runtime.MockCallArgs, context: MockCallContext = {}): Record<string, unknown> {
    const deployerArn = context.deployerArn ?? MOCK_DEPLOYER_ARN;
    switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return context.callerUnknown ? unknownCaller() : callerIdentity(deployerArn);
        case "aws:iam/getSessionContext:getSessionContext":
            return sessionContext(String(args.inputs.arn), deployerArn);
        case "aws:index/getRegion:getRegion":
            return { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION, description: "US East (N. Virginia)" };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: ["us-east-1a", "us-east-1b", "us-east-1c"], zoneIds: ["use1-az1", "use1-az2", "use1-az4"], id: MOCK_REGION };
        default:
            return args.inputs;
    }
}

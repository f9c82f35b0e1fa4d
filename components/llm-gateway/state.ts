/**
 * The gateway's state on AWS: PostgreSQL on RDS (keys, teams, spend) and
 * Valkey/Redis on ElastiCache (rate limits and routing usage shared across
 * replicas, response cache). Both private, encrypted, and reachable only from
 * the cluster security group.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import type { ResolvedLlmGatewayArgs } from "./args";

export const DATABASE_PORT = 5432;
export const CACHE_PORT = 6379;
const DATABASE_NAME = "litellm";
const DATABASE_USER = "litellm";

export interface NetworkInputs {
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    clusterSecurityGroupId: pulumi.Input<string>;
}

/** Connection facts the pod needs; the URL and password are secret. */
export interface GatewayState {
    databaseUrl: pulumi.Output<string>;
    redisHost: pulumi.Output<string>;
    redisPort: pulumi.Output<string>;
    redisPassword: pulumi.Output<string>;
}

/** Alphanumeric only: safe inside a URL and accepted by both RDS and ElastiCache. */
function password(name: string, length: number, parent: pulumi.Resource): random.RandomPassword {
    return new random.RandomPassword(name, { length, special: false }, { parent });
}

/** A security group admitting `port` from the cluster security group only (no egress: nothing is initiated from here). */
function admitFromCluster(name: string, port: number, what: string, net: NetworkInputs, tags: Record<string, string>, parent: pulumi.Resource) {
    return new aws.ec2.SecurityGroup(name, {
        vpcId: net.vpcId,
        description: `${what}: port ${port} from the EKS cluster security group only`,
        ingress: [{ protocol: "tcp", fromPort: port, toPort: port, securityGroups: [net.clusterSecurityGroupId], description: "EKS cluster" }],
        tags: { ...tags, Name: name },
    }, { parent });
}

function createDatabase(name: string, r: ResolvedLlmGatewayArgs, net: NetworkInputs, tags: Record<string, string>, parent: pulumi.Resource) {
    const db = r.database;
    const identifier = physicalName([name, "litellm"], AWS_NAME_LIMITS.rdsIdentifier);
    const subnetGroup = new aws.rds.SubnetGroup(`${name}-db`, {
        name: identifier,
        description: `LiteLLM gateway ${name}: private subnets`,
        subnetIds: net.subnetIds,
        tags,
    }, { parent });
    const securityGroup = admitFromCluster(`${name}-db`, DATABASE_PORT, `LiteLLM gateway ${name} PostgreSQL`, net, tags, parent);
    const masterPassword = password(`${name}-db-password`, 32, parent);
    const instance = new aws.rds.Instance(`${name}-db`, {
        identifier,
        engine: "postgres",
        engineVersion: db.engineVersion,
        instanceClass: db.instanceClass,
        allocatedStorage: db.allocatedStorageGiB,
        maxAllocatedStorage: db.maxAllocatedStorageGiB,
        storageType: "gp3",
        storageEncrypted: true,
        dbName: DATABASE_NAME,
        username: DATABASE_USER,
        // Not manageMasterUserPassword: the pod needs the URL, which only we can assemble.
        password: pulumi.secret(masterPassword.result),
        port: DATABASE_PORT,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        publiclyAccessible: false,
        multiAz: db.multiAz,
        deletionProtection: db.deletionProtection,
        skipFinalSnapshot: !r.production,
        ...(r.production ? { finalSnapshotIdentifier: `${identifier}-final` } : {}),
        backupRetentionPeriod: db.backupRetentionDays,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        allowMajorVersionUpgrade: false,
        performanceInsightsEnabled: db.performanceInsights,
        ...(db.performanceInsights ? { performanceInsightsRetentionPeriod: 7 } : {}),
        enabledCloudwatchLogsExports: ["postgresql"],
        // Production changes wait for the maintenance window.
        applyImmediately: !r.production,
        tags,
    }, { parent });
    const url = pulumi.interpolate`postgresql://${DATABASE_USER}:${masterPassword.result}@${instance.address}:${instance.port}/${DATABASE_NAME}?sslmode=require`;
    return { instance, url: pulumi.secret(url) };
}

function createCache(name: string, r: ResolvedLlmGatewayArgs, net: NetworkInputs, tags: Record<string, string>, parent: pulumi.Resource) {
    const cache = r.cache;
    const subnetGroup = new aws.elasticache.SubnetGroup(`${name}-cache`, {
        name: physicalName([name, "litellm"], AWS_NAME_LIMITS.elasticacheId),
        description: `LiteLLM gateway ${name}: private subnets`,
        subnetIds: net.subnetIds,
        tags,
    }, { parent });
    const securityGroup = admitFromCluster(`${name}-cache`, CACHE_PORT, `LiteLLM gateway ${name} ${cache.engine}`, net, tags, parent);
    const authToken = password(`${name}-cache-auth`, 64, parent);
    const replicated = cache.nodes >= 2;
    const group = new aws.elasticache.ReplicationGroup(`${name}-cache`, {
        replicationGroupId: physicalName([name, "litellm"], AWS_NAME_LIMITS.elasticacheId),
        description: `LiteLLM gateway ${name}: shared rate limits and response cache`,
        engine: cache.engine,
        engineVersion: cache.engineVersion,
        nodeType: cache.nodeType,
        numCacheClusters: cache.nodes,
        port: CACHE_PORT,
        automaticFailoverEnabled: replicated,
        multiAzEnabled: replicated,
        transitEncryptionEnabled: true,
        atRestEncryptionEnabled: true,
        authToken: pulumi.secret(authToken.result),
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [securityGroup.id],
        snapshotRetentionLimit: r.production ? 7 : 1,
        // ElastiCache has no deletion protection: in production, snapshot on delete and refuse `pulumi destroy`.
        ...(r.production ? { finalSnapshotIdentifier: physicalName([name, "litellm-final"], AWS_NAME_LIMITS.rdsIdentifier) } : {}),
        autoMinorVersionUpgrade: true,
        applyImmediately: !r.production,
        tags,
    }, { parent, protect: r.production });
    return { group, authToken: pulumi.secret(authToken.result) };
}

export function createState(name: string, r: ResolvedLlmGatewayArgs, net: NetworkInputs, parent: pulumi.Resource): GatewayState {
    const tags = { ...r.tags, "genai-platform.io/component": `llm-gateway/${name}` };
    const database = createDatabase(name, r, net, tags, parent);
    const cache = createCache(name, r, net, tags, parent);
    return {
        databaseUrl: database.url,
        redisHost: cache.group.primaryEndpointAddress,
        redisPort: cache.group.port.apply((p) => String(p ?? CACHE_PORT)),
        redisPassword: cache.authToken,
    };
}

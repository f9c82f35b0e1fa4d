/**
 * Langfuse's state on AWS: PostgreSQL on RDS, Valkey/Redis on ElastiCache
 * (both private, encrypted, reachable only from the cluster security group)
 * and an S3 bucket for events, media and exports that only Langfuse's Pod
 * Identity role can use.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type * as random from "@pulumi/random";
import { podIdentityTrustPolicy } from "../internal/iam";
import { createCache as createManagedCache, createPostgres, StateNetwork } from "../internal/managed-state";
import type { ExternalState } from "../internal/managed-state-args";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import type { ResolvedObservabilityStackArgs } from "./args";
import { bucketAccessPolicy, lifecycleRules, tlsOnlyBucketPolicy } from "./iam";
import { DATABASE_NAME, DATABASE_USER, LANGFUSE_SERVICE_ACCOUNT, LangfuseStateFacts } from "./values";

export interface ClusterInputs extends StateNetwork {
    clusterName: pulumi.Input<string>;
    /** Servers another component owns: Langfuse creates no database or cache of its own. */
    externalState?: ExternalState;
}

/** Generated credentials the AWS resources are created with (none when the state is another component's). */
export interface StatePasswords {
    database: random.RandomPassword;
    cache: random.RandomPassword;
}

export interface LangfuseState {
    /** Where the chart points Langfuse, once AWS has answered. */
    facts: pulumi.Output<LangfuseStateFacts>;
    bucketName: pulumi.Output<string>;
    /** Everything Langfuse needs before its pods start: database, cache, bucket settings, role and association. */
    ready: pulumi.Resource[];
}

interface Context {
    name: string;
    r: ResolvedObservabilityStackArgs;
    cluster: ClusterInputs;
    tags: Record<string, string>;
    parent: pulumi.Resource;
}

function store(c: Context) {
    return { owner: `Langfuse ${c.name}`, production: c.r.production, tags: c.tags, parent: c.parent };
}

function createDatabase(c: Context, password: random.RandomPassword): aws.rds.Instance {
    return createPostgres({
        ...store(c),
        resourceName: `${c.name}-langfuse-db`,
        identifier: physicalName([c.name, "langfuse"], AWS_NAME_LIMITS.rdsIdentifier),
        dbName: DATABASE_NAME,
        username: DATABASE_USER,
        password: password.result,
        settings: c.r.langfuse.database,
    }, c.cluster);
}

function createCache(c: Context, authToken: random.RandomPassword): aws.elasticache.ReplicationGroup {
    return createManagedCache({
        ...store(c),
        resourceName: `${c.name}-langfuse-cache`,
        id: physicalName([c.name, "langfuse"], AWS_NAME_LIMITS.elasticacheId),
        purpose: "ingestion queue and cache",
        authToken: authToken.result,
        settings: c.r.langfuse.cache,
        // Langfuse's BullMQ queues lose jobs if keys are evicted: the defaults' volatile-lru will not do.
        parameters: { description: "no eviction", values: [{ name: "maxmemory-policy", value: "noeviction" }] },
        // Queued traces live here: like the gateway's cache, refuse `pulumi destroy` in production.
        protect: c.r.production,
    }, c.cluster);
}

/** The bucket and its settings: private, encrypted, TLS only, versioned, expiring what Langfuse no longer needs. */
function createBucket(c: Context) {
    const opts = { parent: c.parent };
    const account = aws.getCallerIdentityOutput({}, opts).accountId;
    const region = aws.getRegionOutput({}, opts).region;
    // Bucket names are global: account and region keep two stacks from colliding.
    const bucketName = pulumi.all([account, region]).apply(([a, rg]) => physicalName([c.name, "langfuse", a, rg], AWS_NAME_LIMITS.s3Bucket));
    const bucket = new aws.s3.Bucket(`${c.name}-langfuse`, {
        bucket: bucketName,
        forceDestroy: !c.r.production,
        tags: c.tags,
    }, { ...opts, protect: c.r.production });
    const settings = { ...opts, dependsOn: [bucket] };
    const publicAccess = new aws.s3.BucketPublicAccessBlock(`${c.name}-langfuse`, {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    }, settings);
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${c.name}-langfuse`, {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    }, settings);
    const policy = new aws.s3.BucketPolicy(`${c.name}-langfuse`, {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
    }, { ...opts, dependsOn: [publicAccess] });
    const versioning = new aws.s3.BucketVersioning(`${c.name}-langfuse`, {
        bucket: bucket.id,
        versioningConfiguration: { status: "Enabled" },
    }, settings);
    const lifecycle = new aws.s3.BucketLifecycleConfiguration(`${c.name}-langfuse`, {
        bucket: bucket.id,
        rules: lifecycleRules(c.r),
    }, { ...opts, dependsOn: [versioning] });
    return { bucket, region, ready: [bucket, publicAccess, encryption, policy, versioning, lifecycle] };
}

/** Langfuse's role, trusted by EKS Pod Identity and bound to its service account, may use this bucket only. */
function createBucketAccess(c: Context, bucket: aws.s3.Bucket): pulumi.Resource[] {
    const opts = { parent: c.parent };
    const role = new aws.iam.Role(`${c.name}-langfuse-s3`, {
        description: `Langfuse ${c.name}: read and write its S3 bucket`,
        assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
        tags: c.tags,
    }, opts);
    const policy = new aws.iam.RolePolicy(`${c.name}-langfuse-s3`, {
        role: role.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(bucketAccessPolicy(arn))),
    }, opts);
    const association = new aws.eks.PodIdentityAssociation(`${c.name}-langfuse`, {
        clusterName: c.cluster.clusterName,
        namespace: c.r.langfuse.namespace,
        serviceAccount: LANGFUSE_SERVICE_ACCOUNT,
        roleArn: role.arn,
        tags: c.tags,
    }, opts);
    return [role, policy, association];
}

/** Langfuse's database and cache: its own, or (externalState) the hosts of another component's, which that component makes ready. */
function ownStores(c: Context, external: ExternalState | undefined, passwords: StatePasswords | undefined) {
    if (external) return { databaseHost: pulumi.output(external.database.host), redisHost: pulumi.output(external.cache.host), ready: external.ready ?? [] };
    const database = createDatabase(c, passwords!.database);
    const cache = createCache(c, passwords!.cache);
    return { databaseHost: database.address, redisHost: cache.primaryEndpointAddress, ready: [database, cache] };
}

export function createLangfuseState(
    name: string,
    r: ResolvedObservabilityStackArgs,
    cluster: ClusterInputs,
    passwords: StatePasswords | undefined,
    parent: pulumi.Resource,
): LangfuseState {
    const c: Context = { name, r, cluster, parent, tags: { ...r.tags, "genai-platform.io/component": `observability-stack/${name}` } };
    const stores = ownStores(c, cluster.externalState, passwords);
    const storage = createBucket(c);
    const access = createBucketAccess(c, storage.bucket);
    const facts = pulumi.all([stores.databaseHost, stores.redisHost, storage.bucket.bucket, storage.region]).apply(
        ([databaseHost, redisHost, bucket, region]) => ({ databaseHost, redisHost, bucket, region }),
    );
    return { facts, bucketName: storage.bucket.bucket, ready: [...stores.ready, ...storage.ready, ...access] };
}

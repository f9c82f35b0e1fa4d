/**
 * Args, defaults and validation of the managed state components keep on AWS:
 * PostgreSQL on RDS and Valkey/Redis on ElastiCache. Pure: the resources are
 * in `managed-state.ts`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { Problems } from "./errors";
import { isInt } from "./validators";
import { checkDnsLabel, COMPONENT_NAME_MAX } from "./naming";

export const POSTGRES_PORT = 5432;
export const CACHE_PORT = 6379;

export const CACHE_ENGINES = ["valkey", "redis"] as const;
export type CacheEngine = (typeof CACHE_ENGINES)[number];

/** PostgreSQL on RDS. */
export interface PostgresArgs {
    /** RDS instance class. Default `"db.t4g.medium"`, `"db.m7g.large"` in production. */
    instanceClass?: string;
    /** Initial storage, GiB. Default 20, 100 in production. */
    allocatedStorageGiB?: number;
    /** Storage autoscaling ceiling, GiB. Default 5 × `allocatedStorageGiB`. */
    maxAllocatedStorageGiB?: number;
    /** PostgreSQL major version (RDS applies minor versions). Default `"17"`. */
    engineVersion?: string;
    /** Days of automated backups, 7–35. Default 7, 14 in production. */
    backupRetentionDays?: number;
}

/** A Valkey or Redis OSS replication group on ElastiCache. */
export interface CacheArgs {
    /** ElastiCache engine. Default `"valkey"`. */
    engine?: CacheEngine;
    /** Engine version. Default `"8.0"` for Valkey, `"7.1"` for Redis OSS. */
    engineVersion?: string;
    /** Node type. Default `"cache.t4g.small"`, `"cache.m7g.large"` in production. */
    nodeType?: string;
    /** Nodes (primary + replicas). Default 1, 2 in production (automatic failover across zones needs 2+). */
    nodes?: number;
}

const VERSION = /^\d+(\.\d+){0,2}$/;
const DB_CLASS = /^db\.[a-z0-9-]+\.[a-z0-9]+$/;
const CACHE_NODE = /^cache\.[a-z0-9-]+\.[a-z0-9]+$/;

/**
 * Checks the name of a component whose stores' AWS identifiers derive from it:
 * at most 40 characters, starting with a letter, no `--` (RDS and ElastiCache
 * refuse both). `resources` says what it names, for the message.
 */
export function checkStoreOwnerName(p: Problems, name: string, resources: string): void {
    if (checkDnsLabel(p, "name", name, COMPONENT_NAME_MAX)) {
        p.check(/^[a-z]/.test(name) && !name.includes("--"), "name", name, `expected to start with a letter and hold no '--' (it names ${resources})`);
    }
}

export function resolvePostgres(production: boolean, db: PostgresArgs = {}): Required<PostgresArgs> {
    const allocated = db.allocatedStorageGiB ?? (production ? 100 : 20);
    return {
        instanceClass: db.instanceClass ?? (production ? "db.m7g.large" : "db.t4g.medium"),
        allocatedStorageGiB: allocated,
        maxAllocatedStorageGiB: db.maxAllocatedStorageGiB ?? allocated * 5,
        engineVersion: db.engineVersion ?? "17",
        backupRetentionDays: db.backupRetentionDays ?? (production ? 14 : 7),
    };
}

export function resolveCache(production: boolean, cache: CacheArgs = {}): Required<CacheArgs> {
    const engine = cache.engine ?? "valkey";
    return {
        engine,
        engineVersion: cache.engineVersion ?? (engine === "valkey" ? "8.0" : "7.1"),
        nodeType: cache.nodeType ?? (production ? "cache.m7g.large" : "cache.t4g.small"),
        nodes: cache.nodes ?? (production ? 2 : 1),
    };
}

/** Records every problem of resolved database settings at `p` (the `database` field). */
export function validatePostgres(p: Problems, db: Required<PostgresArgs>): void {
    p.check(DB_CLASS.test(String(db.instanceClass)), "instanceClass", db.instanceClass, 'expected an RDS instance class such as "db.t4g.medium"');
    p.check(isInt(db.allocatedStorageGiB, 20, 65536), "allocatedStorageGiB", db.allocatedStorageGiB, "expected a whole number of GiB from 20 to 65536");
    p.check(
        isInt(db.maxAllocatedStorageGiB, db.allocatedStorageGiB, 65536),
        "maxAllocatedStorageGiB",
        db.maxAllocatedStorageGiB,
        "expected a whole number of GiB ≥ allocatedStorageGiB and ≤ 65536",
    );
    p.check(VERSION.test(String(db.engineVersion)), "engineVersion", db.engineVersion, 'expected a PostgreSQL version such as "17"');
    p.check(isInt(db.backupRetentionDays, 7, 35), "backupRetentionDays", db.backupRetentionDays, "expected 7 to 35 days of backups");
}

/** Records every problem of resolved cache settings at `p` (the `cache` field); production needs failover. */
export function validateCache(p: Problems, cache: Required<CacheArgs>, production: boolean): void {
    p.check(CACHE_ENGINES.includes(cache.engine), "engine", cache.engine, `expected one of ${CACHE_ENGINES.join(", ")}`);
    p.check(VERSION.test(String(cache.engineVersion)), "engineVersion", cache.engineVersion, 'expected an engine version such as "8.0"');
    p.check(CACHE_NODE.test(String(cache.nodeType)), "nodeType", cache.nodeType, 'expected an ElastiCache node type such as "cache.t4g.small"');
    if (p.check(isInt(cache.nodes, 1, 6), "nodes", cache.nodes, "expected 1 to 6 nodes") && production) {
        p.check(cache.nodes >= 2, "nodes", cache.nodes, "production needs 2+ cache nodes for automatic failover across zones");
    }
}

/**
 * Where a stack's gateway and Langfuse keep their state: each on a PostgreSQL
 * instance and a cache of its own (`dedicated`, production's posture: each
 * Multi-AZ, each failing alone), or both on one instance and one cache
 * (`shared`: each its own database and role, and its own cache database).
 */
export const StateSharing = { Dedicated: "dedicated", Shared: "shared" } as const;
export type StateSharing = (typeof StateSharing)[keyof typeof StateSharing];

/**
 * A database and role of its own on a PostgreSQL server another component
 * owns, and the Secret holding that server's master URL (for Jobs that add
 * more databases there, in its namespace only).
 */
export interface ExternalDatabase {
    host: pulumi.Input<string>;
    port: number;
    /** Database name, also its owning role's name. */
    name: string;
    /** The role's generated password; secret. */
    password: pulumi.Input<string>;
    adminSecret: { namespace: string; name: string; key: string };
}

/** A Valkey/Redis another component owns, and which of its logical databases (SELECT index) this consumer keeps its keys in. */
export interface ExternalCache {
    host: pulumi.Input<string>;
    port: number;
    /** AUTH token; secret. */
    password: pulumi.Input<string>;
    /** Logical database index, 0–15 (ElastiCache cluster mode disabled serves 16; cluster mode enabled only 0). */
    database: number;
}

/** State a component is given instead of creating its own (StateSharing.Shared). */
export interface ExternalState {
    database: ExternalDatabase;
    cache: ExternalCache;
    /** What must exist before the consumer's pods connect: the servers and the Job that created its database. Default none. */
    ready?: pulumi.Resource[];
}

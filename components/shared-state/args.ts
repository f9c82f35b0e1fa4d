/**
 * Args, defaults and validation of SharedState: one PostgreSQL instance and
 * one Valkey/Redis cache that several platform components keep their state
 * on (StateSharing.Shared). Pure: the resources are in `index.ts`.
 */
import type * as k8s from "@pulumi/kubernetes";
import { Problems } from "../internal/errors";
import type { StateNetwork } from "../internal/managed-state";
import { CacheArgs, checkStoreOwnerName, PostgresArgs, resolveCache, resolvePostgres, validateCache, validatePostgres } from "../internal/managed-state-args";
import { isPostgresIdentifier, POSTGRES_IDENTIFIER_RULE } from "../internal/validators";

/** The namespace holding the instance's master URL and the Jobs that create its databases; nothing else runs there. */
export const STATE_NAMESPACE = "platform-state";

export interface SharedStateArgs extends StateNetwork {
    /**
     * @deprecated Pass the provider as a resource option (`{ provider }` or
     * `{ providers: { kubernetes } }`), which reaches every child. Still
     * honoured when the options name no Kubernetes provider; refused when they
     * name another one.
     */
    provider?: k8s.Provider;
    /** The databases to create, one role of the same name each (PostgreSQL identifiers, lower case). At least one. */
    databases: string[];
    /** The instance. Default: the non-production sizes (`db.t4g.medium`, 20 GiB, single-AZ). */
    database?: PostgresArgs;
    /** The cache. Default: the non-production sizes (`cache.t4g.small`, one node). */
    cache?: CacheArgs;
    tags?: Record<string, string>;
}

export interface ResolvedSharedStateArgs {
    databases: string[];
    database: Required<PostgresArgs>;
    cache: Required<CacheArgs>;
    tags: Record<string, string>;
}

/**
 * Sharing is a non-production posture (one failure domain, no standby):
 * production stacks keep dedicated, Multi-AZ state per component.
 */
export function resolveSharedStateArgs(args: SharedStateArgs): ResolvedSharedStateArgs {
    return {
        databases: args.databases ?? [],
        database: resolvePostgres(false, args.database),
        cache: resolveCache(false, args.cache),
        tags: args.tags ?? {},
    };
}

/** Validates SharedState args; throws one ValidationError listing every problem. */
export function validateSharedStateArgs(name: string, args: SharedStateArgs): ResolvedSharedStateArgs {
    const p = new Problems();
    const r = resolveSharedStateArgs(args);
    checkStoreOwnerName(p, name, "the RDS instance and the ElastiCache replication group");
    if (p.check(r.databases.length > 0, "databases", r.databases, "give at least one database")) {
        r.databases.forEach((db, i) => {
            p.at("databases").check(isPostgresIdentifier(db), i, db, POSTGRES_IDENTIFIER_RULE);
            p.at("databases").check(r.databases.indexOf(db) === i, i, db, "each database once: it is also its role's name");
        });
    }
    validatePostgres(p.at("database"), r.database);
    validateCache(p.at("cache"), r.cache, false);
    p.throwIfAny(`SharedState "${name}"`);
    return r;
}

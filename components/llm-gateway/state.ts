/**
 * The gateway's state on AWS: PostgreSQL on RDS (keys, teams, spend) and
 * Valkey/Redis on ElastiCache (rate limits and routing usage shared across
 * replicas, response cache). Both private, encrypted, and reachable only from
 * the cluster security group.
 */
import * as pulumi from "@pulumi/pulumi";
import { createCache, createPostgres, generatedPassword, StateNetwork } from "../internal/managed-state";
import { CACHE_PORT, type ExternalState } from "../internal/managed-state-args";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import type { ResolvedLlmGatewayArgs } from "./args";

const DATABASE_NAME = "litellm";
const DATABASE_USER = "litellm";

/** Connection facts the pod needs; the URL and password are secret. */
export interface GatewayState {
    databaseUrl: pulumi.Output<string>;
    /** The RDS endpoint's host name. */
    databaseHost: pulumi.Output<string>;
    redisHost: pulumi.Output<string>;
    redisPort: pulumi.Output<string>;
    redisPassword: pulumi.Output<string>;
    /** The Secret (namespace, name, key) holding the server's master URL, for Jobs that add databases to it. */
    adminSecret?: { namespace: string; name: string; key: string };
}

/** The gateway's database and role, and cache database 0, on servers another component owns (a SharedState). */
function externalGatewayState(external: ExternalState): GatewayState {
    const db = external.database;
    const url = pulumi.interpolate`postgresql://${db.name}:${db.password}@${db.host}:${db.port}/${db.name}?sslmode=require`;
    return {
        databaseUrl: pulumi.secret(url),
        databaseHost: pulumi.output(db.host),
        redisHost: pulumi.output(external.cache.host),
        redisPort: pulumi.output(String(external.cache.port)),
        redisPassword: pulumi.secret(external.cache.password),
        adminSecret: db.adminSecret,
    };
}

export function createState(name: string, r: ResolvedLlmGatewayArgs, net: StateNetwork & { externalState?: ExternalState }, parent: pulumi.Resource): GatewayState {
    if (net.externalState) return externalGatewayState(net.externalState);
    const tags = { ...r.tags, "genai-platform.io/component": `llm-gateway/${name}` };
    const store = { owner: `LiteLLM gateway ${name}`, production: r.production, tags, parent };
    const masterPassword = generatedPassword(`${name}-db-password`, 32, parent);
    const database = createPostgres({
        ...store,
        resourceName: `${name}-db`,
        identifier: physicalName([name, "litellm"], AWS_NAME_LIMITS.rdsIdentifier),
        dbName: DATABASE_NAME,
        username: DATABASE_USER,
        password: masterPassword.result,
        settings: r.database,
    }, net);
    const authToken = generatedPassword(`${name}-cache-auth`, 64, parent);
    const cache = createCache({
        ...store,
        resourceName: `${name}-cache`,
        id: physicalName([name, "litellm"], AWS_NAME_LIMITS.elasticacheId),
        purpose: "shared rate limits and response cache",
        authToken: authToken.result,
        settings: r.cache,
        // As first deployed: the shared default (`<id>-final`) differs for names over 31 characters.
        finalSnapshotIdentifier: physicalName([name, "litellm-final"], AWS_NAME_LIMITS.rdsIdentifier),
        protect: r.production,
    }, net);
    const url = pulumi.interpolate`postgresql://${DATABASE_USER}:${masterPassword.result}@${database.address}:${database.port}/${DATABASE_NAME}?sslmode=require`;
    return {
        databaseUrl: pulumi.secret(url),
        databaseHost: database.address,
        redisHost: cache.primaryEndpointAddress,
        redisPort: cache.port.apply((p) => String(p ?? CACHE_PORT)),
        redisPassword: pulumi.secret(authToken.result),
    };
}

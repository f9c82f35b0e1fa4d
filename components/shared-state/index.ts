import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_MANAGED_LABEL } from "../gpu-cluster/kyverno-policies";
import { PROVISION_TIMEOUT } from "../internal/database-provisioning";
import { asArgs, type KubernetesObject } from "../internal/k8s-object";
import { createCache, createPostgres, generatedPassword } from "../internal/managed-state";
import { CACHE_PORT, type ExternalCache, type ExternalDatabase, POSTGRES_PORT } from "../internal/managed-state-args";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import { withArgProvider } from "../internal/options";
import { SharedStateArgs, STATE_NAMESPACE, validateSharedStateArgs } from "./args";
import { ADMIN_SECRET, PASSWORD_KEY, passwordSecretName, renderNamespace, renderNetworkPolicies, renderProvisionJob, renderSecretShell } from "./manifests";

export * from "./args";

/** The instance's master database and user: no application uses them, only the provisioning Jobs. */
const MASTER = "platform";
const MANAGED = { [PLATFORM_MANAGED_LABEL]: "true" };

/**
 * One PostgreSQL instance and one Valkey/Redis cache that several platform
 * components share (StateSharing.Shared): the instance holds one database
 * per consumer, each owned by a role of the same name with a generated
 * password of its own, created from inside the cluster by an idempotent Job
 * (components/internal/database-provisioning.ts, the mechanism AgentService
 * uses) in the `platform-state` namespace, the only place the master URL
 * lives. The cache runs `maxmemory-policy noeviction` (Langfuse's queues
 * lose jobs when keys are evicted); its consumers keep their keys apart in
 * logical databases they are assigned (cluster mode disabled serves 16).
 *
 * Sharing trades isolation for cost: one failure domain, one maintenance
 * window, no standby. The platform uses it in dev only; production keeps
 * dedicated, Multi-AZ state per component.
 */
export class SharedState extends pulumi.ComponentResource {
    /** Per database name: its connection, role password (secret) and the master URL's Secret. */
    readonly databases: Record<string, ExternalDatabase>;
    /** The cache's endpoint and AUTH token (secret), in logical database 0; consumers pick their own index. */
    readonly cache: Omit<ExternalCache, "database">;
    /** What a consumer's pods wait for: the instance, the cache and every database's provisioning Job. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: SharedStateArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = validateSharedStateArgs(name, args);
        super("genai-platform:index:SharedState", name, {}, withArgProvider(opts, args.provider, `SharedState "${name}" args`, "provider"));
        const tags = { ...settings.tags, "genai-platform.io/component": `shared-state/${name}` };
        const store = { owner: `Shared state ${name}`, production: false, tags, parent: this };
        const masterPassword = generatedPassword(`${name}-db-password`, 32, this);
        const instance = createPostgres({
            ...store,
            resourceName: `${name}-db`,
            identifier: physicalName([name], AWS_NAME_LIMITS.rdsIdentifier),
            dbName: MASTER,
            username: MASTER,
            password: masterPassword.result,
            settings: { ...settings.database, multiAz: false, deletionProtection: false },
        }, args);
        const authToken = generatedPassword(`${name}-cache-auth`, 64, this);
        const cache = createCache({
            ...store,
            resourceName: `${name}-cache`,
            id: physicalName([name], AWS_NAME_LIMITS.elasticacheId),
            purpose: "gateway rate limits and cache, Langfuse queues and cache",
            authToken: authToken.result,
            settings: settings.cache,
            // Langfuse's BullMQ queues lose jobs when keys are evicted; LiteLLM's keys all carry a TTL and its
            // cache writes fail soft (see README "Shared state"), so the whole instance runs without eviction.
            parameters: { description: "no eviction", values: [{ name: "maxmemory-policy", value: "noeviction" }] },
        }, args);

        // Kubernetes children inherit the provider from the component's options.
        const register = <A, R extends pulumi.CustomResource>(
            Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
            suffix: string,
            obj: KubernetesObject,
            extra: pulumi.CustomResourceOptions = {},
        ): R => new Kind(`${name}-${suffix}`, asArgs<A>(obj), { parent: this, ...extra });
        const namespace = register(k8s.core.v1.Namespace, "namespace", renderNamespace(MANAGED));
        const inNamespace = { dependsOn: [namespace] };
        renderNetworkPolicies(MANAGED).forEach((p) => register(k8s.networking.v1.NetworkPolicy, p.metadata.name, p, inNamespace));
        const masterUrl = pulumi.interpolate`postgresql://${MASTER}:${masterPassword.result}@${instance.address}:${instance.port}/${MASTER}?sslmode=require`;
        const adminSecret = register(k8s.core.v1.Secret, "admin", { ...renderSecretShell(ADMIN_SECRET.name), stringData: pulumi.secret(masterUrl.apply((url) => ({ [ADMIN_SECRET.key]: url }))) }, inNamespace);

        this.databases = {};
        const jobs: pulumi.Resource[] = [];
        for (const database of settings.databases) {
            const password = pulumi.secret(generatedPassword(`${name}-${database}-password`, 32, this).result);
            const secret = register(k8s.core.v1.Secret, `${database}-password`, { ...renderSecretShell(passwordSecretName(database)), stringData: password.apply((pw) => ({ [PASSWORD_KEY]: pw })) }, inNamespace);
            jobs.push(register(k8s.batch.v1.Job, `provision-${database}`, renderProvisionJob(database), {
                dependsOn: [instance, adminSecret, secret],
                // Jobs are immutable: a changed Job is a new one; a failed one (same name) is deleted first.
                deleteBeforeReplace: true,
                customTimeouts: { create: PROVISION_TIMEOUT, update: PROVISION_TIMEOUT },
            }));
            this.databases[database] = {
                host: instance.address,
                port: POSTGRES_PORT,
                name: database,
                password,
                adminSecret: { namespace: STATE_NAMESPACE, name: ADMIN_SECRET.name, key: ADMIN_SECRET.key },
            };
        }
        this.cache = { host: cache.primaryEndpointAddress, port: CACHE_PORT, password: pulumi.secret(authToken.result) };
        this.ready = [instance, cache, ...jobs];
        // Every public output; the passwords inside stay secret Outputs.
        this.registerOutputs({ databases: this.databases, cache: this.cache });
    }
}

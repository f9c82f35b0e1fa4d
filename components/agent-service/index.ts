import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROVISION_TIMEOUT } from "../internal/database-provisioning";
import { asArgs, type KubernetesObject } from "../internal/k8s-object";
import { generatedPassword } from "../internal/managed-state";
import { AgentServiceArgs, ResolvedAgentServiceArgs, validateAgentServiceArgs } from "./args";
import {
    DATABASE_SECRET_KEYS,
    databaseName,
    objectNames,
    renderAutoscaler,
    renderDeployment,
    renderNetworkPolicy,
    renderPodDisruptionBudget,
    renderProvisionJob,
    renderSecretShell,
    renderService,
    renderServiceAccount,
} from "./manifests";

export * from "./args";
export { databaseName, DATABASE_SECRET_KEYS, PROVISION_SCRIPT } from "./manifests";

/**
 * A tenant's workflow service (a LangGraph agent, say) in its namespace:
 * Deployment, Service, PDB and CPU autoscaler under restricted Pod Security;
 * wired to the LLM gateway with the tenant's own virtual key, to a
 * checkpoint database and role of its own, and over OTLP to the platform's
 * OTel collector, which stamps the tenant and forwards to Langfuse with keys
 * the tenant never holds; allowed out of the tenant's default deny to exactly those.
 *
 * Where the checkpoint database lives: on the platform gateway's RDS instance
 * (the stack's shared one when it shares state), as a database and role per
 * agent service, created by the platform's provisioning Job
 * (components/internal/database-provisioning.ts) in the namespace of the
 * Secret holding the instance's master URL (`database.adminSecret`: the
 * gateway's, or `platform-state`). Chosen over an RDS instance per agent because an agent's
 * checkpoints are small and bursty (a smallest Multi-AZ instance costs more
 * than most agents' traffic), because the gateway's instance is already
 * backed up, encrypted, in the cluster's private subnets and reachable from
 * the cluster, and because a Job needs no network path from the deployer to
 * the database (the `@pulumi/postgresql` provider would: the instance is
 * private). Isolation is by PostgreSQL: each agent's role owns its database,
 * and CONNECT is revoked from everyone else. The cost is a shared failure
 * domain with the gateway: a team whose checkpoint load matters should run
 * its own instance and pass it as `database`.
 *
 * Deletion never drops data: the Job only creates and grants, never drops, so
 * deleting the component (or renaming it) leaves the database and its role on
 * the server; dropping them is an explicit operator action. A component
 * re-created under the same name reuses the database (the Job resets the
 * role's password to the new one).
 */
export class AgentService extends pulumi.ComponentResource {
    /** In-cluster URL of the service, `http://<name>.<namespace>.svc.cluster.local:<port>`. */
    readonly url: string;
    readonly namespace: string;
    readonly serviceName: string;
    /** The checkpoint database (and its role) on the server. */
    readonly databaseName: string;
    /** Secret in `namespace` holding the checkpoint database URL (`url`) and password (`password`). */
    readonly databaseSecretName: string;

    constructor(name: string, args: AgentServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = validateAgentServiceArgs(name, args);
        super("genai-platform:index:AgentService", name, {}, opts);
        const provider = args.provider;
        const names = objectNames(settings);
        const register = <A, R extends pulumi.CustomResource>(
            Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
            suffix: string,
            obj: KubernetesObject,
            extra: pulumi.CustomResourceOptions = {},
        ): R => new Kind(`${name}-${suffix}`, asArgs<A>(obj), { parent: this, provider, ...extra });

        const secrets = this.createSecrets(name, settings, args, register);
        const job = register(k8s.batch.v1.Job, "provision-db", renderProvisionJob(settings), {
            dependsOn: [secrets.provision],
            // Jobs are immutable: a changed Job is a new one; a failed one (same name) is deleted first.
            deleteBeforeReplace: true,
            customTimeouts: { create: PROVISION_TIMEOUT, update: PROVISION_TIMEOUT },
        });
        const serviceAccount = register(k8s.core.v1.ServiceAccount, "sa", renderServiceAccount(settings));
        register(k8s.networking.v1.NetworkPolicy, "egress", renderNetworkPolicy(settings));
        const deployment = register(k8s.apps.v1.Deployment, "deployment", renderDeployment(settings), {
            dependsOn: [serviceAccount, secrets.database, job],
        });
        register(k8s.core.v1.Service, "service", renderService(settings));
        register(k8s.policy.v1.PodDisruptionBudget, "pdb", renderPodDisruptionBudget(settings));
        register(k8s.autoscaling.v2.HorizontalPodAutoscaler, "hpa", renderAutoscaler(settings), { dependsOn: [deployment] });

        this.namespace = settings.namespace;
        this.serviceName = names.workload;
        this.url = `http://${names.workload}.${settings.namespace}.svc.cluster.local:${settings.port}`;
        this.databaseName = databaseName(settings);
        this.databaseSecretName = names.databaseSecret;
        this.registerOutputs({ url: this.url, namespace: this.namespace, serviceName: this.serviceName, databaseName: this.databaseName });
    }

    /**
     * The generated database password, delivered twice and only by Secret: to
     * the provisioning Job (beside the master URL) and, inside the agent's
     * connection URL, to the agent.
     */
    private createSecrets(
        name: string,
        r: ResolvedAgentServiceArgs,
        args: AgentServiceArgs,
        register: <A, R extends pulumi.CustomResource>(Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R, suffix: string, obj: KubernetesObject) => R,
    ) {
        const names = objectNames(r);
        const password = generatedPassword(`${name}-checkpoint-db-password`, 32, this).result;
        const db = databaseName(r);
        const withData = (obj: KubernetesObject, stringData: pulumi.Input<Record<string, pulumi.Input<string>>>) => ({ ...obj, stringData: pulumi.secret(stringData) });
        const url = pulumi.interpolate`postgresql://${db}:${password}@${args.database.host}:${r.database.port}/${db}?sslmode=require`;
        return {
            provision: register(k8s.core.v1.Secret, "provision-password",
                withData(renderSecretShell(r, names.provisionPassword, r.database.adminSecret.namespace), { [DATABASE_SECRET_KEYS.password]: password })),
            database: register(k8s.core.v1.Secret, "checkpoint-db",
                withData(renderSecretShell(r, names.databaseSecret), { [DATABASE_SECRET_KEYS.url]: url, [DATABASE_SECRET_KEYS.password]: password })),
        };
    }
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROVISION_TIMEOUT } from "../internal/database-provisioning";
import { liftObject, type ObjectHead, validatedInputs } from "../internal/inputs";
import type { KubernetesObject } from "../internal/k8s-object";
import { generatedPassword } from "../internal/managed-state";
import { childDependsOn, withArgProvider } from "../internal/options";
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
    readonly url: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** The checkpoint database (and its role) on the server. */
    readonly databaseName: pulumi.Output<string>;
    /** Secret in `namespace` holding the checkpoint database URL (`url`) and password (`password`). */
    readonly databaseSecretName: pulumi.Output<string>;

    constructor(name: string, args: AgentServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        const { resolved: settings } = validatedInputs(
            {
                namespace: args.namespace,
                allowedRegistries: args.allowedRegistries,
                allowedModels: args.allowedModels,
                gateway: args.gateway,
                database: args.database,
                tracing: args.tracing,
            },
            (facts) => validateAgentServiceArgs(name, { ...args, ...facts }),
        );
        super("genai-platform:index:AgentService", name, {}, withArgProvider(opts, args.provider, `AgentService "${name}" args`, "provider"));
        const register = <A, R extends pulumi.CustomResource>(
            Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
            suffix: string,
            head: ObjectHead,
            render: (r: ResolvedAgentServiceArgs) => KubernetesObject,
            needs: pulumi.Resource[] = [],
            extra: Omit<pulumi.CustomResourceOptions, "dependsOn"> = {},
            fields: Partial<A> = {},
        ): R => new Kind(`${name}-${suffix}`, { ...liftObject<A>(settings.apply(render), head), ...fields }, { parent: this, ...extra, dependsOn: childDependsOn(opts?.dependsOn, ...needs) });

        const secrets = this.createSecrets(name, settings, args, register);
        const job = register(k8s.batch.v1.Job, "provision-db", { apiVersion: "batch/v1", kind: "Job" }, renderProvisionJob, [secrets.provision], {
            // Jobs are immutable: a changed Job is a new one; a failed one (same name) is deleted first.
            deleteBeforeReplace: true,
            customTimeouts: { create: PROVISION_TIMEOUT, update: PROVISION_TIMEOUT },
        });
        const serviceAccount = register(k8s.core.v1.ServiceAccount, "sa", { apiVersion: "v1", kind: "ServiceAccount" }, renderServiceAccount);
        register(k8s.networking.v1.NetworkPolicy, "egress", { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" }, renderNetworkPolicy);
        const deployment = register(k8s.apps.v1.Deployment, "deployment", { apiVersion: "apps/v1", kind: "Deployment" }, renderDeployment, [
            serviceAccount, secrets.database, job,
        ]);
        register(k8s.core.v1.Service, "service", { apiVersion: "v1", kind: "Service" }, renderService);
        register(k8s.policy.v1.PodDisruptionBudget, "pdb", { apiVersion: "policy/v1", kind: "PodDisruptionBudget" }, renderPodDisruptionBudget);
        register(k8s.autoscaling.v2.HorizontalPodAutoscaler, "hpa", { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" }, renderAutoscaler, [deployment]);

        this.namespace = settings.apply((s) => s.namespace);
        this.serviceName = settings.apply((s) => objectNames(s).workload);
        this.url = settings.apply((s) => `http://${objectNames(s).workload}.${s.namespace}.svc.cluster.local:${s.port}`);
        this.databaseName = settings.apply((s) => databaseName(s));
        this.databaseSecretName = settings.apply((s) => objectNames(s).databaseSecret);
        this.registerOutputs({
            url: this.url,
            namespace: this.namespace,
            serviceName: this.serviceName,
            databaseName: this.databaseName,
            databaseSecretName: this.databaseSecretName,
        });
    }

    /**
     * The generated database password, delivered twice and only by Secret: to
     * the provisioning Job (beside the master URL) and, inside the agent's
     * connection URL, to the agent.
     */
    private createSecrets(
        name: string,
        settings: pulumi.Output<ResolvedAgentServiceArgs>,
        args: AgentServiceArgs,
        register: <A, R extends pulumi.CustomResource>(
            Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
            suffix: string,
            head: ObjectHead,
            render: (r: ResolvedAgentServiceArgs) => KubernetesObject,
            needs?: pulumi.Resource[],
            extra?: Omit<pulumi.CustomResourceOptions, "dependsOn">,
            fields?: Partial<A>,
        ) => R,
    ) {
        const password = generatedPassword(`${name}-checkpoint-db-password`, 32, this).result;
        const db = settings.apply((r) => databaseName(r));
        const port = settings.apply((r) => r.database.port);
        // Gated on the resolved args like every other input.
        const host = settings.apply(() => pulumi.output(args.database).apply((d) => d.host));
        const url = pulumi.interpolate`postgresql://${db}:${password}@${host}:${port}/${db}?sslmode=require`;
        // A Secret's data goes to the Secret itself, secret; its shell (metadata, type) is rendered from the args.
        const secret = (suffix: string, render: (r: ResolvedAgentServiceArgs) => KubernetesObject, stringData: pulumi.Input<Record<string, pulumi.Input<string>>>) =>
            register(k8s.core.v1.Secret, suffix, { apiVersion: "v1", kind: "Secret" }, render, [], {}, { stringData: pulumi.secret(stringData) });
        return {
            provision: secret("provision-password", (r) => renderSecretShell(r, objectNames(r).provisionPassword, r.database.adminSecret.namespace), { [DATABASE_SECRET_KEYS.password]: password }),
            database: secret("checkpoint-db", (r) => renderSecretShell(r, objectNames(r).databaseSecret), { [DATABASE_SECRET_KEYS.url]: url, [DATABASE_SECRET_KEYS.password]: password }),
        };
    }
}

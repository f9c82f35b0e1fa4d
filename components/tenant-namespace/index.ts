import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { asArgs, type KubernetesObject } from "../internal/k8s-object";
import { shortHash } from "../internal/naming";
import { GatewayConnection, ResolvedTenant, TenantAccess, TenantNamespaceArgs, validateTenantNamespaceArgs } from "./args";
import {
    accessGroup,
    KEY_SECRET_NAME,
    renderAccessRbac,
    renderKeySecret,
    renderKeyWriterRbac,
    renderLimitRange,
    renderNamespace,
    renderNetworkPolicies,
    renderResourceQuota,
    renderTeamSyncJob,
    renderTeamSyncServiceAccount,
    TEAM_SYNC_DEADLINE_SECONDS,
    TENANT_LABEL,
} from "./manifests";

export * from "./args";
export { accessGroup, GPU_POOLS_LABEL, KEY_SECRET_KEYS, KEY_SECRET_NAME, keyAlias, MANAGED_LABEL, TENANT_LABEL } from "./manifests";

/** EKS access policies per access level; scoped to the tenant's namespace, never the cluster. */
const ACCESS_POLICIES: Readonly<Record<TenantAccess, string>> = { edit: "AmazonEKSEditPolicy", view: "AmazonEKSViewPolicy" };

/** The renderers' plain objects have exactly the shape the typed resource classes take. */

/**
 * One tenant's slice of the platform: a namespace held to the restricted Pod
 * Security Standard, with a ResourceQuota (GPUs included), container
 * defaults, default-deny networking plus the few allowed paths, namespace-
 * scoped access for the tenant's IAM principals, and its LLM gateway team
 * (budget, rate limits, models) with a key delivered into the namespace.
 * Needs only the platform's stack outputs, so tenants can deploy it from
 * their own programs.
 */
export class TenantNamespace extends pulumi.ComponentResource {
    /** The tenant's namespace (the tenant's name). */
    readonly namespace: string;
    /** The tenant's team in the gateway (LiteLLM `team_id`). */
    readonly teamId: string;
    /** Secret in `namespace` holding the team's gateway key (`api-key`) and base URL (`base-url`). */
    readonly keySecretName: string;
    /** Kubernetes groups the tenant's principals are mapped to, per access level. */
    readonly accessGroups: Record<TenantAccess, string>;
    /** @internal Args with defaults applied, for the platform program; not part of the tenant API (stripped from the .d.ts). */
    readonly settings: ResolvedTenant;

    constructor(name: string, args: TenantNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        const { tenant, gateway } = validateTenantNamespaceArgs(name, args);
        super("genai-platform:index:TenantNamespace", name, {}, opts);
        this.settings = tenant;
        const provider = args.provider;

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, asArgs(renderNamespace(tenant)), { parent: this, provider });
        const inNamespace = { parent: this, provider, dependsOn: [namespace] };
        new k8s.core.v1.ResourceQuota(`${name}-quota`, asArgs(renderResourceQuota(tenant)), inNamespace);
        new k8s.core.v1.LimitRange(`${name}-container-defaults`, asArgs(renderLimitRange(tenant)), inNamespace);
        for (const policy of renderNetworkPolicies(tenant, gateway)) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policy.metadata.name}`, asArgs(policy), inNamespace);
        }
        this.registerRbac(name, renderAccessRbac(tenant), inNamespace);
        this.createAccessEntries(name, tenant, args.clusterName);
        this.createTeamSync(name, tenant, gateway, provider, namespace);

        this.namespace = tenant.name;
        this.teamId = tenant.name;
        this.keySecretName = KEY_SECRET_NAME;
        this.accessGroups = { edit: accessGroup(tenant.name, "edit"), view: accessGroup(tenant.name, "view") };
        this.registerOutputs({ namespace: this.namespace, teamId: this.teamId, keySecretName: this.keySecretName, gpuQuota: tenant.gpuQuota });
    }

    /** Registers rendered Roles and RoleBindings; returns them for dependents. */
    private registerRbac(name: string, objects: KubernetesObject[], opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
        return objects.map((obj) => {
            const id = `${name}-${obj.metadata.name}`;
            return obj.kind === "Role" ? new k8s.rbac.v1.Role(id, asArgs(obj), opts) : new k8s.rbac.v1.RoleBinding(id, asArgs(obj), opts);
        });
    }

    /**
     * One STANDARD access entry per principal, in the access level's group, with
     * the matching EKS access policy scoped to the namespace. Named by the ARN's
     * hash, so reordering principals replaces nothing (EKS allows one entry per principal).
     */
    private createAccessEntries(name: string, tenant: ResolvedTenant, clusterName: pulumi.Input<string>): void {
        if (tenant.principals.length === 0) return;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const tags = { ...tenant.tags, [TENANT_LABEL]: tenant.name };
        for (const principal of tenant.principals) {
            const id = `${name}-access-${shortHash(principal.arn)}`;
            const entry = new aws.eks.AccessEntry(id, {
                clusterName,
                principalArn: principal.arn,
                type: "STANDARD",
                kubernetesGroups: [accessGroup(tenant.name, principal.access)],
                tags,
            }, { parent: this });
            new aws.eks.AccessPolicyAssociation(id, {
                clusterName,
                principalArn: entry.principalArn,
                policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${ACCESS_POLICIES[principal.access]}`,
                accessScope: { type: "namespace", namespaces: [tenant.name] },
            }, { parent: this });
        }
    }

    /**
     * The gateway team, kept in step by a Job in the gateway's namespace (the
     * gateway is private) that writes the team's key into the tenant's Secret.
     */
    private createTeamSync(name: string, tenant: ResolvedTenant, gateway: GatewayConnection, provider: k8s.Provider, namespace: k8s.core.v1.Namespace): void {
        const inNamespace = { parent: this, provider, dependsOn: [namespace] };
        const secret = new k8s.core.v1.Secret(`${name}-gateway-key`, asArgs(renderKeySecret(tenant, gateway)), inNamespace);
        const rbac = this.registerRbac(name, renderKeyWriterRbac(tenant, gateway), inNamespace);
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-team-sync`, asArgs(renderTeamSyncServiceAccount(tenant, gateway)), { parent: this, provider });
        // Jobs are immutable: a changed Job (new name) replaces the old one, and a failed one (same name,
        // replaceUnready) is deleted first. `up` waits for the whole run: pulumi-kubernetes' default is 10 minutes.
        const wait = `${Math.ceil(TEAM_SYNC_DEADLINE_SECONDS / 60) + 1}m`;
        new k8s.batch.v1.Job(`${name}-team-sync`, asArgs(renderTeamSyncJob(tenant, gateway)), {
            parent: this,
            provider,
            dependsOn: [secret, serviceAccount, ...rbac],
            deleteBeforeReplace: true,
            customTimeouts: { create: wait, update: wait },
        });
    }
}

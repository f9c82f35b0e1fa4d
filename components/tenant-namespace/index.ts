import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { headOf, liftObject, type ObjectHead, validatedInputs } from "../internal/inputs";
import type { KubernetesObject } from "../internal/k8s-object";
import { shortHash } from "../internal/naming";
import { childDependsOn, withArgProvider } from "../internal/options";
import {
    GatewayConnection,
    ResolvedTenant,
    ResolvedTenantNamespaceArgs,
    resolveTenant,
    TenantAccess,
    TenantAccessGroups,
    TenantNamespaceArgs,
    validateTenantNamespaceArgs,
} from "./args";
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

/**
 * The gateway that renders the list of objects' names and kinds before the
 * real one resolves: which objects a tenant gets follows from its own spec
 * alone, so this stand-in never reaches a resource (liftObject checks each
 * object it lifts against the names rendered here).
 */
const SHAPE_GATEWAY: GatewayConnection = { namespace: "", serviceName: "", port: 0, masterKeySecret: { name: "", key: "" }, podLabels: {} };

type Render = (r: ResolvedTenantNamespaceArgs) => KubernetesObject;
type RenderAll = (r: ResolvedTenantNamespaceArgs) => KubernetesObject[];

/**
 * One tenant's slice of the platform: a namespace held to the restricted Pod
 * Security Standard, with a ResourceQuota (GPUs included), container
 * defaults, default-deny networking plus the few allowed paths, namespace-
 * scoped access for the tenant's IAM principals, and its LLM gateway team
 * (budget, rate limits, models) with a key delivered into the namespace.
 * Needs only the platform's stack outputs, so tenants can deploy it from
 * their own programs: `pools`, `gateway` and `knownModels` may be Outputs
 * (validated at once when known, once they resolve otherwise), and the
 * Kubernetes provider comes through the resource options.
 */
export class TenantNamespace extends pulumi.ComponentResource {
    /** The tenant's namespace (the tenant's name). */
    readonly namespace: pulumi.Output<string>;
    /** The tenant's team in the gateway (LiteLLM `team_id`). */
    readonly teamId: pulumi.Output<string>;
    /** Secret in `namespace` holding the team's gateway key (`api-key`) and base URL (`base-url`). */
    readonly keySecretName: pulumi.Output<string>;
    /** Kubernetes groups the tenant's principals are mapped to, per access level. */
    readonly accessGroups: pulumi.Output<TenantAccessGroups>;
    /** The gateway models the tenant's team may call. */
    readonly teamModels: pulumi.Output<string[]>;
    /** The tenant's GPU quota, in physical GPUs. */
    readonly gpuQuota: pulumi.Output<number>;

    constructor(name: string, args: TenantNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        const subject = `TenantNamespace "${name}" args`;
        const { resolved } = validatedInputs(
            { pools: args.pools, gateway: args.gateway, knownModels: args.knownModels },
            (facts) => validateTenantNamespaceArgs(name, { ...args, ...facts }),
        );
        super("genai-platform:index:TenantNamespace", name, {}, withArgProvider(opts, args.provider, subject, "provider"));
        // Which objects exist follows from the tenant's own spec (plain); their contents from the resolved args.
        const shape: ResolvedTenantNamespaceArgs = { tenant: resolveTenant(args, { pools: [], gatewayModels: [] }), gateway: SHAPE_GATEWAY, pools: [] };
        const after = (...own: pulumi.Input<pulumi.Resource>[]) => childDependsOn(opts?.dependsOn, ...own);
        const register = <A, R extends pulumi.CustomResource>(
            Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
            suffix: string,
            render: Render,
            needs: pulumi.Resource[] = [],
            extra: Omit<pulumi.CustomResourceOptions, "dependsOn"> = {},
            head = headOf(render(shape)),
        ): R => new Kind(`${name}-${suffix}`, liftObject<A>(resolved.apply(render), head), { parent: this, ...extra, dependsOn: after(...needs) });
        // Items of a list are registered by position, so each must resolve with the name the shape gave it.
        const registerAll = (render: RenderAll, make: (obj: KubernetesObject, at: Render, head: ObjectHead) => pulumi.Resource): pulumi.Resource[] =>
            render(shape).map((obj, i) => make(obj, (r) => render(r)[i], headOf(obj, true)));

        const namespace = register(k8s.core.v1.Namespace, "namespace", (r) => renderNamespace(r.tenant));
        register(k8s.core.v1.ResourceQuota, "quota", (r) => renderResourceQuota(r.tenant), [namespace]);
        register(k8s.core.v1.LimitRange, "container-defaults", (r) => renderLimitRange(r.tenant), [namespace]);
        registerAll((r) => renderNetworkPolicies(r.tenant, r.gateway), (obj, at, head) => register(k8s.networking.v1.NetworkPolicy, obj.metadata.name, at, [namespace], {}, head));
        const rbac = (render: RenderAll) => registerAll(render, (obj, at, head) => obj.kind === "Role"
            ? register(k8s.rbac.v1.Role, obj.metadata.name, at, [namespace], {}, head)
            : register(k8s.rbac.v1.RoleBinding, obj.metadata.name, at, [namespace], {}, head));
        rbac((r) => renderAccessRbac(r.tenant));
        // Gated on the resolved args like every other child: nothing registers from args that fail validation.
        this.createAccessEntries(name, shape.tenant, resolved.apply(() => pulumi.output(args.clusterName)), after());

        // The gateway team, kept in step by a Job in the gateway's namespace (the gateway is private)
        // that writes the team's key into the tenant's Secret.
        const secret = register(k8s.core.v1.Secret, "gateway-key", (r) => renderKeySecret(r.tenant, r.gateway), [namespace]);
        const keyWriter = rbac((r) => renderKeyWriterRbac(r.tenant, r.gateway));
        const serviceAccount = register(k8s.core.v1.ServiceAccount, "team-sync", (r) => renderTeamSyncServiceAccount(r.tenant, r.gateway));
        // Jobs are immutable: a changed Job (new name) replaces the old one, and a failed one (same name,
        // replaceUnready) is deleted first. `up` waits for the whole run: pulumi-kubernetes' default is 10 minutes.
        const wait = `${Math.ceil(TEAM_SYNC_DEADLINE_SECONDS / 60) + 1}m`;
        register(k8s.batch.v1.Job, "team-sync", (r) => renderTeamSyncJob(r.tenant, r.gateway), [secret, serviceAccount, ...keyWriter], {
            deleteBeforeReplace: true,
            customTimeouts: { create: wait, update: wait },
        });

        this.namespace = resolved.apply((r) => r.tenant.name);
        this.teamId = resolved.apply((r) => r.tenant.name);
        this.keySecretName = resolved.apply(() => KEY_SECRET_NAME);
        this.accessGroups = resolved.apply((r) => ({ edit: accessGroup(r.tenant.name, "edit"), view: accessGroup(r.tenant.name, "view") }));
        this.teamModels = resolved.apply((r) => r.tenant.team.models);
        this.gpuQuota = resolved.apply((r) => r.tenant.gpuQuota);
        this.registerOutputs({
            namespace: this.namespace,
            teamId: this.teamId,
            keySecretName: this.keySecretName,
            accessGroups: this.accessGroups,
            teamModels: this.teamModels,
            gpuQuota: this.gpuQuota,
        });
    }

    /**
     * One STANDARD access entry per principal, in the access level's group, with
     * the matching EKS access policy scoped to the namespace. Named by the ARN's
     * hash, so reordering principals replaces nothing (EKS allows one entry per principal).
     * Principals are the tenant's own spec, plain.
     */
    private createAccessEntries(name: string, tenant: ResolvedTenant, clusterName: pulumi.Input<string>, dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]>): void {
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
            }, { parent: this, dependsOn });
            new aws.eks.AccessPolicyAssociation(id, {
                clusterName,
                principalArn: entry.principalArn,
                policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/${ACCESS_POLICIES[principal.access]}`,
                accessScope: { type: "namespace", namespaces: [tenant.name] },
            }, { parent: this, dependsOn });
        }
    }
}

/**
 * Who administers the cluster: the deployer, whom EKS makes admin as the
 * cluster's creator, and an access entry for every other admin.
 *
 * pulumi-eks v4.3.0 (`nodejs/eks/cluster/cluster.ts`, lines 734–740) sets
 * `accessConfig.bootstrapClusterCreatorAdminPermissions: true` whenever
 * `authenticationMode` is set, with no argument to turn it off (the
 * component is a remote one, and the flag is in its `ignoreChanges`). EKS then
 * holds an AmazonEKSClusterAdminPolicy access entry for the principal that
 * created the cluster, for the cluster's life; the flag is read only when the
 * cluster is created and cannot be changed through the EKS API afterwards
 * (EKS CreateAccessConfigRequest: "set as a cluster admin access entry during
 * cluster creation time"; terraform-aws-eks docs/security/cluster-access.md:
 * "a one time operation ... cannot be modified later through the EKS API"). A
 * second entry for that principal
 * fails with 409 ResourceInUseException ("An IAM principal can't be included
 * in more than one access entry", EKS User Guide, "Create access entries").
 *
 * So the deployer is configuration (`deployerPrincipalArn`), not whoever runs
 * `up`: the entries are decided from args alone and appear in every preview,
 * whatever the caller; and in an update the cluster registers only when the
 * caller is that deployer, so an update as anyone else stops with one message
 * (its preview warns) instead of creating the cluster under the wrong creator
 * or failing halfway with 409.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { shortHash } from "../internal/naming";
import { principalKey } from "../internal/principal-arn";

/** The EKS access policy admins get (EKS User Guide, "Associate access policies with access entries"). */
const EKS_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy";

/**
 * Resolves, to the deployer's ARN, once the caller of an update is the
 * configured deployer; fails with the reason otherwise. A preview by another
 * caller only warns: it changes nothing, and the entries do not depend on the
 * caller, so CI's read-only preview role previews and checks drift as is. The
 * caller is its STS session resolved to the IAM role (`getSessionContext`'s
 * `issuerArn`, which needs `iam:GetRole` on the role), or the IAM user itself;
 * ARNs are compared as principals (case-insensitive name, path ignored).
 */
export function requireDeployer(name: string, deployerArn: string, parent: pulumi.Resource): pulumi.Output<string> {
    const opts = { parent };
    const caller = aws.getCallerIdentityOutput({}, opts).arn;
    const issuer = aws.iam.getSessionContextOutput({ arn: caller }, opts).issuerArn;
    return pulumi.all([caller, issuer]).apply(([callerArn, issuerArn]) => {
        if (principalKey(issuerArn) === principalKey(deployerArn)) return deployerArn;
        const session = callerArn === issuerArn ? "" : ` (STS session ${callerArn})`;
        const reason =
            `GpuCluster ${name}: deployerPrincipalArn is ${deployerArn}, but this run is ${issuerArn}${session}. ` +
            "EKS keeps the cluster creator's admin access entry for the cluster's life (pulumi-eks 4.3.0 sets bootstrapClusterCreatorAdminPermissions), " +
            `so every update runs as ${deployerArn}: assume that role and run again. ` +
            "For a cluster not yet created, deployerPrincipalArn may name this caller instead.";
        if (!pulumi.runtime.isDryRun()) throw new pulumi.ResourceError(reason, parent);
        void pulumi.log.warn(`${reason} This preview goes on (a preview changes nothing); an update as this caller is refused.`, parent);
        return deployerArn;
    });
}

export interface AdminAccessInputs {
    clusterName: pulumi.Input<string>;
    /** Every admin; the deployer among them is skipped (its creator entry already exists). */
    admins: readonly string[];
    deployerArn: string;
    tags: Record<string, string>;
}

/**
 * An access entry with cluster-wide AmazonEKSClusterAdminPolicy for each admin
 * but the deployer. Entries are named by a hash of the principal, so reordering
 * the list replaces nothing.
 */
export function createAdminAccess(name: string, inputs: AdminAccessInputs, parent: pulumi.Resource): void {
    const opts = { parent };
    const policyArn = pulumi.interpolate`arn:${aws.getPartitionOutput({}, opts).partition}:eks::aws:cluster-access-policy/${EKS_ADMIN_POLICY}`;
    const deployer = principalKey(inputs.deployerArn);
    for (const principalArn of inputs.admins.filter((arn) => principalKey(arn) !== deployer)) {
        const id = `${name}-admin-${shortHash(principalArn)}`;
        const entry = new aws.eks.AccessEntry(id, { clusterName: inputs.clusterName, principalArn, type: "STANDARD", tags: inputs.tags }, opts);
        new aws.eks.AccessPolicyAssociation(id, { clusterName: inputs.clusterName, principalArn, policyArn, accessScope: { type: "cluster" } }, { parent, dependsOn: [entry] });
    }
}

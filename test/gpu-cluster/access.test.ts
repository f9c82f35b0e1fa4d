/**
 * Who may administer the cluster: the admin access entries against the entry
 * EKS already holds for the cluster creator, and the IAM principal ARNs that
 * GpuCluster and TenantNamespace accept (one validator for both).
 *
 * pulumi-eks v4.3.0 `nodejs/eks/cluster/cluster.ts` (lines 734–740) sets
 * `accessConfig.bootstrapClusterCreatorAdminPermissions: true` whenever
 * `authenticationMode` is set, so EKS gives whoever runs the first `pulumi up`
 * an access entry with AmazonEKSClusterAdminPolicy; a second entry for the same
 * principal fails with 409 ResourceInUseException ("An IAM principal can't be
 * included in more than one access entry", EKS User Guide, "Create access entries").
 */
import * as assert from "node:assert/strict";
import { GpuCluster, GpuClusterArgs, validateGpuClusterArgs } from "../../components/gpu-cluster";
import { validateTenants } from "../../components/tenant-namespace";
import { mockCall, MOCK_ACCOUNT } from "../../plan/mock-outputs";
import { ofType, problemLines, RecordedResource, runWithMocks } from "../harness";
import { MODELS, POOLS } from "../tenant-namespace/fixtures";

const ADMIN = `arn:aws:iam::${MOCK_ACCOUNT}:role/platform-admin`;
/** A deployer role with a path: its STS session ARN drops the path, the issuer ARN keeps it. */
const DEPLOYER = `arn:aws:iam::${MOCK_ACCOUNT}:role/ci/platform-ci-deployer`;
const OTHER_DEPLOYER = `arn:aws:iam::${MOCK_ACCOUNT}:role/someone-else`;

const ENTRY = "aws:eks/accessEntry:AccessEntry";
const ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";

function clusterArgs(adminPrincipalArns: string[]): GpuClusterArgs {
    return {
        pools: [{ name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 }],
        endpoint: { publicAccessCidrs: ["203.0.113.0/24"] },
        adminPrincipalArns,
    };
}

/** The admin access entries and their policy associations a cluster registers when `deployer` runs `pulumi up`. */
async function adminAccess(admins: string[], deployer: string): Promise<{ entries: RecordedResource[]; associations: RecordedResource[] }> {
    const { resources } = await runWithMocks(() => new GpuCluster("t", clusterArgs(admins)), { deployerArn: deployer });
    const isAdmin = (r: RecordedResource) => r.name.startsWith("t-admin-");
    return { entries: ofType(resources, ENTRY).filter(isAdmin), associations: ofType(resources, ASSOCIATION).filter(isAdmin) };
}

describe("GpuCluster admin access entries", () => {
    it("the mock engine answers who deploys as AWS does: an STS session whose issuer is the role, path included", () => {
        const caller = mockCall({ token: "aws:index/getCallerIdentity:getCallerIdentity", inputs: {} }, { deployerArn: DEPLOYER });
        assert.equal(caller.arn, `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/platform-ci-deployer/pulumi`);
        const session = mockCall({ token: "aws:iam/getSessionContext:getSessionContext", inputs: { arn: caller.arn } }, { deployerArn: DEPLOYER });
        assert.equal(session.issuerArn, DEPLOYER);
        assert.equal(session.issuerName, "platform-ci-deployer");
        assert.equal(session.sessionName, "pulumi");
        const user = `arn:aws:iam::${MOCK_ACCOUNT}:user/alice`;
        assert.equal(mockCall({ token: "aws:index/getCallerIdentity:getCallerIdentity", inputs: {} }, { deployerArn: user }).arn, user);
        assert.equal(mockCall({ token: "aws:iam/getSessionContext:getSessionContext", inputs: { arn: user } }, { deployerArn: user }).issuerArn, user);
    });

    it("skips the deployer, whom EKS already made cluster admin as the cluster creator", async () => {
        const { entries, associations } = await adminAccess([ADMIN, DEPLOYER], DEPLOYER);
        assert.deepEqual(entries.map((e) => e.inputs.principalArn), [ADMIN]);
        assert.deepEqual(associations.map((a) => a.inputs.principalArn), [ADMIN]);
        assert.equal(associations[0].inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
        assert.deepEqual(associations[0].inputs.accessScope, { type: "cluster" });
    });

    it("gives every admin an entry when the deployer is none of them", async () => {
        const { entries } = await adminAccess([ADMIN, DEPLOYER], OTHER_DEPLOYER);
        assert.deepEqual(entries.map((e) => e.inputs.principalArn).sort(), [ADMIN, DEPLOYER].sort());
    });

    it("names each entry by its principal, so reordering the admins replaces nothing", async () => {
        const byName = (rs: RecordedResource[]) => Object.fromEntries(rs.map((r) => [r.name, r.inputs.principalArn]));
        const forward = await adminAccess([ADMIN, DEPLOYER], OTHER_DEPLOYER);
        const reversed = await adminAccess([DEPLOYER, ADMIN], OTHER_DEPLOYER);
        assert.deepEqual(byName(reversed.entries), byName(forward.entries));
        assert.deepEqual(byName(reversed.associations), byName(forward.associations));
        for (const name of Object.keys(byName(forward.entries))) assert.match(name, /^t-admin-[0-9a-f]{8}$/);
    });
});

/**
 * IAM principal ARNs as EKS access entries take them (EKS User Guide, "Create
 * access entries": a role ARN may include a path; STS session principals cannot
 * have an entry; one entry per principal). Each case is checked in both places
 * that take principals, which must agree.
 */
const ARN_CASES: { title: string; arns: string[]; refused?: { index: number; rule: string } }[] = [
    { title: "role and user ARNs, with paths, in every partition", arns: [ADMIN, DEPLOYER, "arn:aws-cn:iam::123456789012:user/ops/alice", "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f_g-h"] },
    {
        title: "an STS assumed-role session ARN",
        arns: [`arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/platform-admin/alice`],
        refused: { index: 0, rule: `an STS session cannot have an access entry; give the role's ARN instead: arn:aws:iam::${MOCK_ACCOUNT}:role/platform-admin (with its path, if it has one)` },
    },
    { title: "a wildcard role", arns: [`arn:aws:iam::${MOCK_ACCOUNT}:role/*`], refused: { index: 0, rule: "wildcards are not allowed: an access entry names exactly one principal" } },
    { title: "a wildcard in a path", arns: [`arn:aws:iam::${MOCK_ACCOUNT}:role/team/*/admin`], refused: { index: 0, rule: "wildcards are not allowed: an access entry names exactly one principal" } },
    { title: "an IAM group", arns: [`arn:aws:iam::${MOCK_ACCOUNT}:group/admins`], refused: { index: 0, rule: "expected an IAM role or user ARN" } },
    { title: "an unknown partition", arns: [`arn:aws-mars:iam::${MOCK_ACCOUNT}:role/admin`], refused: { index: 0, rule: "expected an IAM role or user ARN" } },
    { title: "a short account id", arns: ["arn:aws:iam::12345678901:role/admin"], refused: { index: 0, rule: "expected an IAM role or user ARN" } },
    { title: "the same principal twice", arns: [ADMIN, ADMIN], refused: { index: 1, rule: "list each principal once: EKS allows one access entry per principal" } },
    {
        title: "the same role in another case (IAM role names are case-insensitive)",
        arns: [ADMIN, `arn:aws:iam::${MOCK_ACCOUNT}:role/Platform-Admin`],
        refused: { index: 1, rule: "list each principal once: EKS allows one access entry per principal" },
    },
];

describe("IAM principal ARNs (GpuCluster admins and tenant principals alike)", () => {
    for (const c of ARN_CASES) {
        it(`${c.refused ? "refuses" : "accepts"} ${c.title}`, () => {
            const admins = problemLines(() => validateGpuClusterArgs("t", clusterArgs(c.arns)));
            const tenants = problemLines(() => validateTenants([{ name: "research", team: { maxBudgetUsd: 10 }, principals: c.arns.map((arn) => ({ arn })) }], { pools: POOLS, gatewayModels: MODELS }));
            if (!c.refused) {
                assert.deepEqual(admins, []);
                assert.deepEqual(tenants, []);
                return;
            }
            const { index, rule } = c.refused;
            assert.equal(admins.length, 1, admins.join("\n"));
            assert.ok(admins[0].startsWith(`adminPrincipalArns[${index}]: ${rule}`), admins[0]);
            assert.equal(tenants.length, 1, tenants.join("\n"));
            assert.ok(tenants[0].startsWith(`tenants[0].principals[${index}].arn: ${rule}`), tenants[0]);
        });
    }
});

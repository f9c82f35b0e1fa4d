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
import { ValidationError } from "../../components/internal/errors";
import { PRINCIPAL_ARN_RULE } from "../../components/internal/principal-arn";
import { mockCall, MOCK_ACCOUNT } from "../../plan/mock-outputs";
import type { MockRunOptions } from "../../plan/recorder";
import { ofType, problemLines, RecordedResource, runWithMocks } from "../harness";
import { MODELS, POOLS } from "../tenant-namespace/fixtures";

const ADMIN = `arn:aws:iam::${MOCK_ACCOUNT}:role/platform-admin`;
/** A deployer role with a path: its STS session ARN drops the path, the issuer ARN keeps it. */
const DEPLOYER = `arn:aws:iam::${MOCK_ACCOUNT}:role/ci/platform-ci-deployer`;
/** Another admin, who might run `pulumi up` from a laptop. */
const OTHER_ADMIN = `arn:aws:iam::${MOCK_ACCOUNT}:role/platform-admin-2`;

const ENTRY = "aws:eks/accessEntry:AccessEntry";
const ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";

function clusterArgs(adminPrincipalArns: string[], deployerPrincipalArn: string = DEPLOYER): GpuClusterArgs {
    return {
        pools: [{ name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 }],
        endpoint: { publicAccessCidrs: ["203.0.113.0/24"] },
        adminPrincipalArns,
        deployerPrincipalArn,
    };
}

const isAdmin = (r: RecordedResource) => r.name.startsWith("t-admin-");

/** The admin access entries and their policy associations a cluster registers when `options.deployerArn` runs `pulumi up`. */
async function adminAccess(args: GpuClusterArgs, options: MockRunOptions = {}) {
    const { resources } = await runWithMocks(() => new GpuCluster("t", args), options);
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

    it("skips the configured deployer, whom EKS already made cluster admin as the cluster creator", async () => {
        // Resolves: the guard let the cluster register (runWithMocks rejects a run whose registration failed).
        const { entries, associations } = await adminAccess(clusterArgs([ADMIN, DEPLOYER]), { deployerArn: DEPLOYER });
        assert.deepEqual(entries.map((e) => e.inputs.principalArn), [ADMIN]);
        assert.deepEqual(associations.map((a) => a.inputs.principalArn), [ADMIN]);
        assert.equal(associations[0].inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
        assert.deepEqual(associations[0].inputs.accessScope, { type: "cluster" });
    });

    it("registers the entries from config alone: they are in a preview that cannot know the caller yet", async () => {
        const { entries, associations } = await adminAccess(clusterArgs([ADMIN, DEPLOYER, OTHER_ADMIN]), { preview: true, callerUnknown: true });
        assert.deepEqual(entries.map((e) => e.inputs.principalArn), [ADMIN, OTHER_ADMIN]);
        assert.deepEqual(associations.map((a) => a.inputs.principalArn), [ADMIN, OTHER_ADMIN]);
    });

    it("refuses an update by anyone but the configured deployer with one clear error, which fails the cluster's registration and so the run", async () => {
        // OTHER_ADMIN is an admin with its own entry: without the guard its `up` would move the skip,
        // create an entry for the creator (409) and delete its own.
        const session = `arn:aws:sts::${MOCK_ACCOUNT}:assumed-role/platform-admin-2/pulumi`;
        const expected =
            `error serializing property "clusterTags": GpuCluster t: deployerPrincipalArn is ${DEPLOYER}, but this run is ${OTHER_ADMIN} (STS session ${session}). ` +
            "EKS keeps the cluster creator's admin access entry for the cluster's life (pulumi-eks 4.3.0 sets bootstrapClusterCreatorAdminPermissions), " +
            `so every update runs as ${DEPLOYER}: assume that role and run again. ` +
            "For a cluster not yet created, deployerPrincipalArn may name this caller instead.";
        await assert.rejects(adminAccess(clusterArgs([ADMIN, DEPLOYER, OTHER_ADMIN]), { deployerArn: OTHER_ADMIN }), { message: expected });
    });

    it("lets another principal preview (CI's read-only preview role): same entries, and a warning that its update would be refused", async () => {
        const warnings: string[] = [];
        const warn = console.warn;
        console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
        try {
            const asDeployer = await adminAccess(clusterArgs([ADMIN, DEPLOYER, OTHER_ADMIN]), { preview: true, deployerArn: DEPLOYER });
            const asOther = await adminAccess(clusterArgs([ADMIN, DEPLOYER, OTHER_ADMIN]), { preview: true, deployerArn: OTHER_ADMIN });
            const byName = (rs: RecordedResource[]) => Object.fromEntries(rs.map((r) => [r.name, r.inputs.principalArn]));
            assert.deepEqual(byName(asOther.entries), byName(asDeployer.entries));
        } finally {
            console.warn = warn;
        }
        const deployerWarnings = warnings.filter((w) => w.includes("deployerPrincipalArn"));
        assert.equal(deployerWarnings.length, 1, warnings.join("\n"));
        assert.ok(deployerWarnings[0].includes(`but this run is ${OTHER_ADMIN}`), deployerWarnings[0]);
        assert.ok(deployerWarnings[0].endsWith("This preview goes on (a preview changes nothing); an update as this caller is refused."), deployerWarnings[0]);
    });

    it("takes the deployer's role whatever its path or case in the caller's issuer ARN", async () => {
        // Resolves: the guard let the cluster register (runWithMocks rejects a run whose registration failed).
        const { entries } = await adminAccess(clusterArgs([ADMIN], `arn:aws:iam::${MOCK_ACCOUNT}:role/Platform-CI-Deployer`), { deployerArn: DEPLOYER });
        assert.deepEqual(entries.map((e) => e.inputs.principalArn), [ADMIN]);
    });

    it("names each entry by its principal, so reordering the admins replaces nothing", async () => {
        const byName = (rs: RecordedResource[]) => Object.fromEntries(rs.map((r) => [r.name, r.inputs.principalArn]));
        const forward = await adminAccess(clusterArgs([ADMIN, OTHER_ADMIN, DEPLOYER]));
        const reversed = await adminAccess(clusterArgs([DEPLOYER, OTHER_ADMIN, ADMIN]));
        assert.equal(Object.keys(byName(forward.entries)).length, 2);
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

describe("GpuCluster deployerPrincipalArn", () => {
    /** The problems validation reports for `arn` as the deployer: field, value, what is allowed. */
    function deployerProblems(arn: unknown): { path: string; value: unknown; allowed: string }[] {
        try {
            validateGpuClusterArgs("t", { ...clusterArgs([ADMIN]), deployerPrincipalArn: arn as string });
            return [];
        } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            return e.problems.map(({ path, value, allowed }) => ({ path, value, allowed }));
        }
    }

    for (const c of ARN_CASES.filter((c) => c.arns.length === 1 || !c.refused)) {
        it(`${c.refused ? "refuses" : "accepts"} ${c.title} as the deployer`, () => {
            for (const arn of c.arns) {
                const problems = deployerProblems(arn);
                if (!c.refused) {
                    assert.deepEqual(problems, []);
                    continue;
                }
                assert.equal(problems.length, 1, JSON.stringify(problems));
                assert.equal(problems[0].path, "deployerPrincipalArn");
                assert.equal(problems[0].value, arn);
                assert.ok(problems[0].allowed.startsWith(c.refused.rule), problems[0].allowed);
            }
        });
    }

    it("is required: the skip and the guard are decided from it", () => {
        assert.deepEqual(deployerProblems(undefined), [{ path: "deployerPrincipalArn", value: undefined, allowed: PRINCIPAL_ARN_RULE }]);
    });
});

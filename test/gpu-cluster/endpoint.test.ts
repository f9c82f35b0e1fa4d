/**
 * The EKS API endpoint must be reachable by whoever deploys: the same program
 * creates the VPC and then installs every Helm release and Kubernetes object
 * through that endpoint, so a private-only endpoint cannot be deployed from
 * outside the VPC (EKS User Guide, "Cluster API server endpoint": a private
 * endpoint is reachable only from within the VPC or connected networks).
 * Validation and the `eks-endpoint-access` policy judge the same cases alike.
 */
import * as assert from "node:assert/strict";
import { EndpointArgs, GpuCluster, GpuClusterArgs, validateGpuClusterArgs } from "../../components/gpu-cluster";
import { eksEndpointAccess } from "../../policies/aws/eks-endpoint-access";
import { one, problemLines, runWithMocks } from "../harness";
import { MOCK_DEPLOYER_ARN } from "../../plan/mock-outputs";
import { messages, resource } from "../policies/helpers";

const EKS = "eks:index:Cluster";

function clusterArgs(endpoint: EndpointArgs): GpuClusterArgs {
    return { pools: [{ name: "l4", instanceFamilies: ["g6"], gpuLimit: 8 }], endpoint, deployerPrincipalArn: MOCK_DEPLOYER_ARN };
}

/** What a stack may ask of the endpoint; `refused` is a phrase both the validation message and the policy violation must carry. */
const CASES: { title: string; endpoint: EndpointArgs; refused?: { path: string; phrase: string } }[] = [
    { title: "public access limited to the deployer's CIDR, with private access", endpoint: { publicAccessCidrs: ["203.0.113.0/24"] } },
    { title: "an explicit public flag and several narrow CIDRs", endpoint: { publicAccess: true, publicAccessCidrs: ["198.51.100.7/32", "203.0.113.0/24", "192.0.2.0/28"] } },
    { title: "a /16 of public addresses, the widest allow-list (private ranges do not count)", endpoint: { publicAccessCidrs: ["198.18.0.0/16", "10.0.0.0/8"] } },
    { title: "a private-only endpoint", endpoint: { publicAccess: false }, refused: { path: "endpoint.publicAccess", phrase: "private-only" } },
    { title: "no deployer CIDRs", endpoint: {}, refused: { path: "endpoint.publicAccessCidrs", phrase: "list the networks that deploy and administer the cluster" } },
    { title: "0.0.0.0/0", endpoint: { publicAccessCidrs: ["0.0.0.0/0"] }, refused: { path: "endpoint.publicAccessCidrs", phrase: "at most 65,536 public addresses" } },
    { title: "the internet in two halves", endpoint: { publicAccessCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }, refused: { path: "endpoint.publicAccessCidrs", phrase: "at most 65,536 public addresses" } },
    { title: "many narrow CIDRs that add up to more than a /16", endpoint: { publicAccessCidrs: ["198.18.0.0/16", "198.51.0.0/24", "203.0.0.0/16"] }, refused: { path: "endpoint.publicAccessCidrs", phrase: "at most 65,536 public addresses" } },
    { title: "a malformed CIDR", endpoint: { publicAccessCidrs: ["203.0.113.0/33"] }, refused: { path: "endpoint.publicAccessCidrs[0]", phrase: "IPv4 CIDR" } },
];

/** The eks:index:Cluster endpoint inputs GpuCluster declares for `endpoint` (as its accepted cases show it does). */
function declaredEndpoint(endpoint: EndpointArgs): Record<string, unknown> {
    const publicAccess = endpoint.publicAccess ?? true;
    return { endpointPrivateAccess: true, endpointPublicAccess: publicAccess, ...(publicAccess ? { publicAccessCidrs: endpoint.publicAccessCidrs ?? [] } : {}) };
}

describe("GpuCluster API endpoint: validation and the eks-endpoint-access policy agree", () => {
    for (const c of CASES) {
        it(`${c.refused ? "both refuse" : "both accept"} ${c.title}`, async () => {
            const problems = problemLines(() => validateGpuClusterArgs("t", clusterArgs(c.endpoint)));
            // The rule is the same in every environment; config.<env>.json sets only how hard it is enforced.
            const violations = await messages(eksEndpointAccess, resource(EKS, declaredEndpoint(c.endpoint), { name: "genai-eks" }));
            if (!c.refused) {
                assert.deepEqual(problems, [], "validation refuses");
                assert.deepEqual(violations, [], "the policy refuses what validation accepts");
                return;
            }
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.ok(problems[0].startsWith(`${c.refused.path}: `) && problems[0].includes(c.refused.phrase), problems[0]);
            assert.equal(violations.length, 1, violations.join("\n"));
            assert.ok(violations[0].includes(c.refused.phrase), violations[0]);
        });
    }

    it("declares private access plus public access limited to the deployer's CIDRs", async () => {
        const { resources } = await runWithMocks(() => new GpuCluster("t", clusterArgs({ publicAccessCidrs: ["203.0.113.0/24"] })));
        const eks = one(resources, EKS, "t-eks");
        assert.deepEqual(
            { private: eks.inputs.endpointPrivateAccess, public: eks.inputs.endpointPublicAccess, cidrs: eks.inputs.publicAccessCidrs },
            { private: true, public: true, cidrs: ["203.0.113.0/24"] },
        );
    });

    it("the policy refuses a restricted public endpoint without private access: nodes would need their NAT addresses listed", async () => {
        const props = { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["203.0.113.0/24"] };
        assert.deepEqual(await messages(eksEndpointAccess, resource(EKS, props, { name: "genai-eks" })), [
            'EKS cluster "genai-eks" has no private API endpoint: its nodes would reach the API through the public endpoint, which admits only ["203.0.113.0/24"]; set endpointPrivateAccess: true so node traffic stays in the VPC.',
        ]);
        const cluster = resource("aws:eks/cluster:Cluster", { vpcConfig: props }, { name: "raw" });
        assert.equal((await messages(eksEndpointAccess, cluster)).length, 1);
    });
});

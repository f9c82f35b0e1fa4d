import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as YAML from "yaml";
import { loadStackConfig, parseStackConfig, runStack, stackConfigPath } from "../../plan/stack";
import { conformanceErrors, helmValueErrors, skipWithoutReference } from "../harness/conformance";
import { k8sObjects, ofType, RecordedResource } from "../harness";

const STACKS = ["dev", "prod"] as const;

describe("stacks", () => {
    const recorded: Partial<Record<(typeof STACKS)[number], RecordedResource[]>> = {};
    before(async () => {
        for (const stack of STACKS) recorded[stack] = (await runStack(stack, loadStackConfig(stack))).resources;
    });

    it("dev: a spot-first g5/g6 pool with a small limit and a CIDR-restricted public endpoint", () => {
        const dev = recorded.dev!;
        const [pool] = k8sObjects(dev, "NodePool");
        const reqs = pool.spec.template.spec.requirements;
        assert.deepEqual(reqs.find((r: any) => r.key === "karpenter.sh/capacity-type").values, ["spot", "on-demand"]);
        assert.deepEqual(reqs.find((r: any) => r.key === "karpenter.k8s.aws/instance-family").values, ["g5", "g6"]);
        assert.equal(pool.spec.limits["nvidia.com/gpu"], "4");
        const eks = ofType(dev, "eks:index:Cluster")[0];
        assert.equal(eks.inputs.endpointPublicAccess, true);
        assert.deepEqual(eks.inputs.publicAccessCidrs, ["203.0.113.0/24"]);
        assert.equal(ofType(dev, "aws:ec2/natGateway:NatGateway").length, 1, "dev profile: one NAT gateway");
    });

    it("prod: a private endpoint, on-demand and spot pools, a time-sliced pool, Kyverno enforcing", () => {
        const prod = recorded.prod!;
        const eks = ofType(prod, "eks:index:Cluster")[0];
        assert.equal(eks.inputs.endpointPublicAccess, false);
        const pools = k8sObjects(prod, "NodePool");
        assert.deepEqual(pools.map((p) => p.metadata.name).sort(), ["burst-h100", "inference-l40s", "shared-l4"]);
        assert.ok(pools.some((p) => p.spec.template.metadata.labels["nvidia.com/device-plugin.config"] === "shared-l4"));
        const policies = k8sObjects(prod, "ValidatingPolicy");
        assert.ok(policies.length > 0);
        for (const p of policies) assert.deepEqual(p.spec.validationActions, ["Deny"]);
        assert.equal(ofType(prod, "aws:ec2/natGateway:NatGateway").length, 3, "prod profile: a NAT gateway per zone");
    });

    it("dev Kyverno policies only audit", () => {
        for (const p of k8sObjects(recorded.dev!, "ValidatingPolicy")) assert.deepEqual(p.spec.validationActions, ["Audit"]);
    });

    it("tags every taggable AWS resource with environment, owner and cost-center", () => {
        for (const stack of STACKS) {
            const taggable = recorded[stack]!.filter((r) => r.type.startsWith("aws:") && r.inputs.tags);
            assert.ok(taggable.length > 10);
            for (const r of taggable) {
                assert.equal(r.inputs.tags.environment, stack, `${r.name} lacks environment`);
                assert.ok(r.inputs.tags.owner && r.inputs.tags["cost-center"], `${r.name} lacks owner/cost-center`);
            }
        }
    });

    describe("conformance", function () {
        before(function () {
            skipWithoutReference(this);
        });
        for (const stack of STACKS) {
            it(`${stack}: every Kubernetes object validates against its upstream schema`, async () => {
                assert.deepEqual(await conformanceErrors(recorded[stack]!), []);
            });
            it(`${stack}: every Helm value path exists in its pinned chart`, () => {
                assert.deepEqual(helmValueErrors(recorded[stack]!), []);
            });
        }
    });
});

describe("stack config files", () => {
    it("turn secure: values into labelled placeholders marked secret", () => {
        const parsed = parseStackConfig("config:\n  genai-platform:apiKey:\n    secure: AAABAMj0\n  aws:region: eu-west-1\n");
        assert.equal(parsed.config["genai-platform:apiKey"], "<offline-plan placeholder for secret genai-platform:apiKey>");
        assert.deepEqual(parsed.secretKeys, ["genai-platform:apiKey"]);
        assert.equal(parsed.config["aws:region"], "eu-west-1");
    });

    it("are complete YAML documents for every stack", () => {
        for (const stack of STACKS) {
            const doc = YAML.parse(fs.readFileSync(stackConfigPath(stack), "utf8"));
            assert.equal(doc.config["genai-platform:environment"], stack);
        }
    });
});

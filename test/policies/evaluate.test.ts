import * as aws from "@pulumi/aws";
import * as k8sSdk from "@pulumi/kubernetes";
import type { Policies, PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { runWithMocks } from "../../plan/recorder";
import { evaluatePolicies, toPolicyResources } from "../../policies/evaluate";
import { container, deployment, k8s, resource } from "./helpers";

const readConfig = (env: string) => JSON.parse(fs.readFileSync(path.resolve(__dirname, `../../policies/config.${env}.json`), "utf8"));
const TAGS = { environment: "prod", owner: "platform", "cost-center": "ml-1" };

/** A small slice of a platform: one resource-level and several stack-level problems. */
function platformSlice() {
    const pool = resource("kubernetes:karpenter.sh/v1:NodePool", k8s("l4", undefined, {
        spec: { template: { metadata: { labels: { "genai-platform.io/pool": "l4" } } }, limits: { "nvidia.com/gpu": "4" }, disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "10m" } },
    }), { name: "pool-l4" });
    const ns = resource("kubernetes:core/v1:Namespace", k8s("team-a", undefined, {}, { "genai-platform.io/tenant": "team-a", "genai-platform.io/managed": "true", "genai-platform.io/gpu-pools": "l4" }), { name: "team-a" });
    const quota = resource("kubernetes:core/v1:ResourceQuota", k8s("team-a", "team-a", { spec: { hard: { "requests.nvidia.com/gpu": "6" } } }), { name: "team-a-quota" });
    const queue = resource("aws:sqs/queue:Queue", { tags: TAGS }, { name: "jobs" });
    const web = resource("kubernetes:apps/v1:Deployment", deployment("web", "team-a", { containers: [container()] }), { name: "web" });
    return [pool, ns, quota, queue, web];
}

describe("policies: the offline evaluator", () => {
    it("reports resource and stack violations over recorded resources, at the environment's level", async () => {
        const summary = (found: Awaited<ReturnType<typeof evaluatePolicies>>) => found.map((v) => `${v.enforcementLevel} ${v.policyName} ${v.resourceName ?? "(stack)"}`);
        const dev = await evaluatePolicies(platformSlice(), readConfig("dev"));
        assert.deepEqual(summary(dev), [
            "advisory sqs-encryption jobs",
            "advisory tenant-namespaces-isolated team-a",
        ]);
        const prod = await evaluatePolicies(platformSlice(), readConfig("prod"));
        assert.deepEqual(summary(prod), [
            "mandatory sqs-encryption jobs",
            "mandatory gpu-quota-within-pool-limits (stack)",
            "mandatory tenant-namespaces-isolated team-a",
            "mandatory prod-deployments-have-pdb web",
        ]);
        assert.equal(prod[1].message, "Tenant GPU quotas on pool(s) l4 total 6 GPUs, more than 1 × their limit of 4 (l4: 4): team-a (6). Lower the quotas, raise the pools' nvidia.com/gpu limits, or allow more oversubscription.");
        assert.equal(prod[0].urn, "urn:pulumi:test::genai-platform::aws:sqs/queue:Queue::jobs");
    });

    it("skips disabled policies", async () => {
        const found = await evaluatePolicies(platformSlice(), { ...readConfig("prod"), "sqs-encryption": "disabled", "tenant-namespaces-isolated": { enforcementLevel: "disabled" } });
        assert.deepEqual(found.map((v) => v.policyName), ["gpu-quota-within-pool-limits", "prod-deployments-have-pdb"]);
    });

    it("gives policies the engine's argument shapes", async () => {
        const provider = resource("pulumi:providers:kubernetes", { namespace: "x" }, { name: "k8s" });
        const component = resource("genai-platform:index:ModelEndpoint", { ignored: true }, { name: "llama", outputs: { servedModelName: "llama-3-8b" } });
        const bucket = resource("aws:s3/bucket:Bucket", { bucket: "b" }, { name: "b", protect: true, parent: component.urn, provider: `${provider.urn}::k8s-id` });
        const block = { ...resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket: "b-id", other: 1 }, { name: "pab" }), dependsOn: [bucket.urn], propertyDependencies: undefined };
        const seen: { resource: ResourceValidationArgs[]; stack: PolicyResource[] } = { resource: [], stack: [] };
        const probes: Policies = [
            { name: "probe-resource", description: "records args", validateResource: (args) => void seen.resource.push(args) },
            { name: "probe-stack", description: "records args", validateStack: (args) => void seen.stack.push(...args.resources) },
            { name: "probe-not-applicable", description: "never applies", validateResource: (args) => args.notApplicable("no") },
        ];
        assert.deepEqual(await evaluatePolicies([provider, component, bucket, block], {}, probes), []);

        const args = seen.resource.find((a) => a.name === "b")!;
        assert.equal(args.type, "aws:s3/bucket:Bucket");
        assert.equal(args.urn, bucket.urn);
        assert.deepEqual(args.props, { bucket: "b" });
        assert.equal(args.opts.protect, true);
        assert.equal(args.opts.parent, component.urn);
        assert.deepEqual(args.provider, { type: "pulumi:providers:kubernetes", props: { namespace: "x" }, urn: provider.urn, name: "k8s" });
        assert.equal(args.isType(aws.s3.Bucket), true);
        assert.equal(args.isType(aws.s3.BucketV2), false);
        assert.deepEqual(args.asType(aws.s3.Bucket), { bucket: "b" });
        assert.deepEqual(args.getConfig(), {});
        assert.deepEqual(seen.resource.find((a) => a.name === "llama")!.props, { ignored: true }, "resource policies see inputs");

        const [, endpoint, stackBucket, stackBlock] = seen.stack;
        assert.equal(endpoint.props.servedModelName, "llama-3-8b", "stack policies see a component's registered outputs");
        assert.equal(stackBucket.parent, endpoint);
        assert.deepEqual(stackBlock.dependencies, [stackBucket]);
        assert.deepEqual(stackBlock.propertyDependencies, { bucket: [stackBucket], other: [stackBucket] }, "without recorded property dependencies, each input depends on all dependencies");
        assert.equal(stackBucket.asType(aws.s3.Bucket)?.bucket, "b");
    });

    it("fails loudly when a policy throws, naming the policy and resource", async () => {
        const broken: Policies = [{ name: "broken", description: "throws", validateResource: () => { throw new Error("boom"); } }];
        const r = resource("aws:sqs/queue:Queue", {}, { name: "q" });
        await assert.rejects(evaluatePolicies([r], {}, broken), { message: `Policy "broken" failed on ${r.urn}: boom` });
    });

    it("evaluates what plan/recorder.ts records from a real program under mocks", async () => {
        const { resources } = await runWithMocks(() => {
            const provider = new k8sSdk.Provider("cluster", { kubeconfig: "{}" });
            new aws.sqs.Queue("jobs", { sqsManagedSseEnabled: true, tags: { environment: "dev" } });
            new aws.kms.Key("secrets", { enableKeyRotation: false, tags: TAGS });
            new k8sSdk.apps.v1.Deployment("web", {
                metadata: { namespace: "team-a" },
                spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:latest" }] } } },
            }, { provider });
        });
        const found = await evaluatePolicies(resources, readConfig("dev"));
        assert.deepEqual(found.map((v) => `${v.policyName} ${v.resourceName}: ${v.message}`), [
            'kms-key-rotation secrets: KMS key "secrets" does not rotate; set enableKeyRotation: true.',
            'aws-required-tags jobs: Queue "jobs" lacks tag(s) owner, cost-center; add them to its tags or the provider\'s defaultTags.',
            'k8s-container-resources web: Deployment "web" container "web" does not set resources.requests.cpu, resources.requests.memory, resources.limits.memory.',
            'k8s-image-provenance web: Deployment "web" container "web" image "nginx:latest" is not pinned; use a release tag (not latest) or a digest.',
            'k8s-image-provenance web: Deployment "web" container "web" image "nginx:latest" (docker.io/library/nginx) is not from an allowed registry (public.ecr.aws, nvcr.io, registry.k8s.io, quay.io, ghcr.io, docker.io/vllm, reg.kyverno.io).',
        ]);
        const web = toPolicyResources(resources).find((r) => r.name === "web")!;
        assert.equal(web.provider?.type, "pulumi:providers:kubernetes");
        assert.equal(web.provider?.name, "cluster");
    });
});

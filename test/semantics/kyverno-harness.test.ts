/**
 * The Kyverno harness itself (test/harness/kyverno.ts), against the upstream
 * behaviour it restates: go-containerregistry v0.21.8 reference parsing,
 * Kyverno v1.19.0 autogen and routing, and failurePolicy on errors. Small
 * policies written for each case, so each check can fail on its own.
 */
import * as assert from "node:assert/strict";
import type { KubernetesObject } from "../harness/conformance";
import { isImage, parseImageReference } from "../harness/image-reference";
import { admit, AdmissionRequest, autogenPolicies, compilePolicies, createRequest, storedNamespaces } from "../harness/kyverno";

type Spec = Record<string, any>;

/** A ValidatingPolicy denying whatever `expression` is false for. */
function vpol(name: string, matchConstraints: Spec, expression: string, extra: Spec = {}): KubernetesObject {
    return {
        apiVersion: "policies.kyverno.io/v1",
        kind: "ValidatingPolicy",
        metadata: { name },
        spec: { validationActions: ["Deny"], failurePolicy: "Fail", matchConstraints, validations: [{ expression, message: `${name} says no` }], ...extra },
    };
}

const PODS = { resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }] };
const pod = (namespace: string, labels: Record<string, string> = {}, spec: Spec = { containers: [{ name: "c", image: "nvcr.io/x/y:1" }] }): KubernetesObject =>
    ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace, labels }, spec });
const NAMESPACES = storedNamespaces([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "team", labels: { tier: "tenant" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "ops" } },
]);
const decide = (policies: KubernetesObject[], request: AdmissionRequest) => admit(compilePolicies(policies), request, NAMESPACES);

describe("Kyverno harness", () => {
    describe("image references (go-containerregistry v0.21.8 name.ParseReference)", () => {
        const cases: [string, string, string, string, string][] = [
            ["nginx", "index.docker.io", "library/nginx", "latest", ""],
            ["docker.io/vllm:0.1", "index.docker.io", "library/vllm", "0.1", ""],
            ["vllm/vllm-openai:v0.21.0-cu129", "index.docker.io", "vllm/vllm-openai", "v0.21.0-cu129", ""],
            ["localhost:5000/app", "localhost:5000", "app", "latest", ""],
            [`nginx:1.27@sha256:${"a".repeat(64)}`, "index.docker.io", "library/nginx", "", `sha256:${"a".repeat(64)}`],
            ["public.ecr.aws/karpenter/controller:1.14.1", "public.ecr.aws", "karpenter/controller", "1.14.1", ""],
        ];
        for (const [image, registry, repository, tag, digest] of cases) {
            it(`parses ${image}`, () => assert.deepEqual(parseImageReference(image), { registry, repository, tag, digest }));
        }

        it("refuses what ParseReference refuses", () => {
            for (const image of ["Nginx:1", "nvcr.io/x", "nginx:", "nginx@sha256:abc", "a/b@sha256:" + "A".repeat(64), "ghcr.io/x/y:bad/tag"]) {
                assert.equal(isImage(image), false, image);
            }
        });
    });

    describe("autogen (pkg/cel/autogen, vpol/autogen)", () => {
        const policy = vpol("p", { ...PODS, namespaceSelector: { matchLabels: { tier: "tenant" } } }, "object.spec.containers.size() > 0 && object.metadata.namespace != '' && has(object.metadata.labels)");

        it("rewrites object.spec and object.metadata into the pod template, leaving .namespace on the controller", () => {
            const generated = autogenPolicies(policy);
            assert.equal(generated.get("defaults")!.spec && (generated.get("defaults")!.spec as Spec).validations[0].expression,
                "object.spec.template.spec.containers.size() > 0 && object.metadata.namespace != '' && has(object.spec.template.metadata.labels)");
            assert.match((generated.get("cronjobs")!.spec as Spec).validations[0].expression, /^object\.spec\.jobTemplate\.spec\.template\.spec\.containers/);
            assert.deepEqual((generated.get("defaults")!.spec as Spec).matchConstraints.namespaceSelector, { matchLabels: { tier: "tenant" } });
        });

        it("honours spec.autogen.podControllers.controllers (nil: all six, []: none)", () => {
            const only = (controllers: string[]) => autogenPolicies({ ...policy, spec: { ...(policy.spec as Spec), autogen: { podControllers: { controllers } } } });
            assert.deepEqual([...only([]).keys()], []);
            assert.deepEqual([...only(["cronjobs"]).keys()], ["cronjobs"]);
            assert.deepEqual((only(["deployments"]).get("defaults")!.spec as Spec).matchConstraints.resourceRules,
                [{ apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"], operations: ["CREATE", "UPDATE"] }]);
        });

        it("generates nothing for a policy on a subresource, more than one resource, or with an object selector", () => {
            for (const match of [
                { resourceRules: [{ ...PODS.resourceRules[0], resources: ["pods", "pods/ephemeralcontainers"] }] },
                { resourceRules: [{ ...PODS.resourceRules[0], resources: ["pods/ephemeralcontainers"] }] },
                { ...PODS, objectSelector: { matchLabels: { a: "b" } } },
            ]) {
                assert.equal(autogenPolicies(vpol("p", match, "true")).size, 0, JSON.stringify(match));
            }
        });

        it("denies a CronJob through the cronjobs copy", () => {
            const cronjob: KubernetesObject = {
                apiVersion: "batch/v1",
                kind: "CronJob",
                metadata: { name: "c", namespace: "team" },
                spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "bad" }] } } } } },
            };
            const result = decide([vpol("img", PODS, "object.spec.containers.all(c, c.image != 'bad')")], createRequest(cronjob));
            assert.deepEqual(result.results.map((r) => [r.autogen, r.outcome]), [["cronjobs", "fail"]]);
        });
    });

    describe("routing (pkg/cel/matching, apiserver rules.Matcher)", () => {
        const no = (match: Spec) => vpol("no", match, "false");

        it("matches resource, subresource and operation exactly", () => {
            const running = pod("team");
            assert.equal(decide([no(PODS)], { operation: "UPDATE", subResource: "ephemeralcontainers", object: running, oldObject: running }).allowed, true);
            assert.equal(decide([no(PODS)], { operation: "DELETE", oldObject: running }).allowed, true);
            const sub = { resourceRules: [{ ...PODS.resourceRules[0], resources: ["pods/*"] }] };
            assert.equal(decide([no(sub)], { operation: "UPDATE", subResource: "ephemeralcontainers", object: running, oldObject: running }).allowed, false);
        });

        it("applies namespaceSelector (unknown namespaces carry only their name label), objectSelector (object or oldObject) and exclusions", () => {
            assert.equal(decide([no({ ...PODS, namespaceSelector: { matchLabels: { tier: "tenant" } } })], createRequest(pod("ops"))).allowed, true);
            assert.equal(decide([no({ ...PODS, namespaceSelector: { matchLabels: { tier: "tenant" } } })], createRequest(pod("team"))).allowed, false);
            assert.equal(decide([no({ ...PODS, namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["nowhere"] }] } })],
                createRequest(pod("nowhere"))).allowed, false);
            const selected = { ...PODS, resourceRules: [{ ...PODS.resourceRules[0], operations: ["DELETE"] }], objectSelector: { matchLabels: { keep: "yes" } } };
            assert.equal(decide([no(selected)], { operation: "DELETE", oldObject: pod("team", { keep: "yes" }) }).allowed, false);
            assert.equal(decide([no(selected)], { operation: "DELETE", oldObject: pod("team") }).allowed, true);
            assert.equal(decide([no({ ...PODS, excludeResourceRules: PODS.resourceRules })], createRequest(pod("team"))).allowed, true);
        });

        it("drops what the chart's resourceFilters drop: kube-system, ReplicaSets", () => {
            assert.equal(decide([no(PODS)], createRequest(pod("kube-system"))).allowed, true);
            const rs: KubernetesObject = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "r", namespace: "team" }, spec: { template: { spec: { containers: [] } } } };
            assert.equal(decide([no(PODS)], createRequest(rs)).results.length, 0);
        });

        it("turns evaluation errors into denials under failurePolicy Fail and admissions under Ignore", () => {
            const broken = (failurePolicy: string) => vpol("broken", PODS, "object.spec.nosuchfield == 1", { failurePolicy });
            const fail = decide([broken("Fail")], createRequest(pod("team")));
            assert.equal(fail.allowed, false);
            assert.equal(fail.results[0].outcome, "error");
            assert.equal(decide([broken("Ignore")], createRequest(pod("team"))).allowed, true);
        });

        it("gives CEL the request, the namespace object and the policy's variables", () => {
            const policy = vpol("ctx", PODS, "variables.ns == 'team' && request.operation == 'CREATE' && request.userInfo.username == 'alice'", {
                variables: [{ name: "ns", expression: "namespaceObject.metadata.name" }],
            });
            assert.equal(decide([policy], { operation: "CREATE", object: pod("team"), userInfo: { username: "alice", groups: [] } }).allowed, true);
            assert.equal(decide([policy], { operation: "CREATE", object: pod("team"), userInfo: { username: "bob", groups: [] } }).allowed, false);
        });
    });
});

/**
 * The Kyverno policy renderer: structure, and behaviour by executing the CEL
 * with the deploy-semantics harness (test/harness/kyverno.ts: a real CEL
 * engine, Kyverno 1.19's routing, autogen and image library). Schema
 * conformance needs ../shared/reference and skips, saying so, without it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import * as YAML from "yaml";
import { KYVERNO_POLICY_NAMES, KyvernoPolicyOptions, normalizeRegistryEntry, renderKyvernoPolicies } from "../../components/gpu-cluster/kyverno-policies";
import type { KubernetesObject } from "../../components/internal/k8s-object";
import { admit, AdmissionRequest, autogenPolicies, canAutogen, compilePolicies, createRequest, storedNamespaces } from "../harness/kyverno";

const CRD_DIR = path.resolve(__dirname, "../../../shared/reference/crds/kyverno-v1.19.0");
const CRD_FILES: Record<string, string> = {
    ValidatingPolicy: "policies.kyverno.io_validatingpolicies.yaml",
    MutatingPolicy: "policies.kyverno.io_mutatingpolicies.yaml",
};

const OPTS: KyvernoPolicyOptions = {
    enforcement: "Enforce",
    allowedRegistries: ["public.ecr.aws", "nvcr.io", "docker.io/vllm", "ghcr.io/berriai", "123456789012.dkr.ecr.us-east-1.amazonaws.com"],
    exemptNamespaces: ["kube-system", "karpenter", "gpu-operator", "kyverno"],
    gpuQuotaLabel: "genai-platform.io/gpu-quota",
    gpuResource: "nvidia.com/gpu",
};

type Spec = Record<string, any>;
const spec = (o: { [k: string]: unknown }): Spec => o.spec as Spec;

function policy(name: string, opts: KyvernoPolicyOptions = OPTS): KubernetesObject {
    const found = renderKyvernoPolicies(opts).find((p) => p.metadata.name === name);
    assert.ok(found, `policy ${name} rendered`);
    return found;
}

const NAMESPACES = storedNamespaces([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "team", labels: { "genai-platform.io/gpu-quota": "4" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "plain" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "kyverno" } },
]);
const RESOURCES = { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } };

function pod(containers: Spec[], extra: Spec = {}, namespace = "team"): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace },
        spec: { containers: containers.map((c, i) => ({ name: `c${i}`, image: "nvcr.io/nvidia/cuda:12.4.1", resources: RESOURCES, ...c })), ...extra },
    };
}

/** The outcome and message of policy `name` (not its autogen copies) on `request`, with the policies rendered from `opts`. */
function run(name: string, request: AdmissionRequest, opts: KyvernoPolicyOptions = OPTS) {
    const result = admit(compilePolicies(renderKyvernoPolicies(opts)), request, NAMESPACES);
    const own = result.results.find((r) => r.policy === name && !r.autogen);
    return { outcome: own?.outcome ?? "no match", message: own?.message ?? "", result };
}
const onPod = (name: string, p: KubernetesObject, opts?: KyvernoPolicyOptions) => run(name, createRequest(p), opts);

describe("renderKyvernoPolicies", () => {
    const POD_POLICIES = ["require-requests-limits", "restrict-image-registries", "gpu-requires-quota-namespace", "add-gpu-toleration"];

    it("renders the named policies as policies.kyverno.io/v1 objects with a title and description", () => {
        const policies = renderKyvernoPolicies(OPTS);
        assert.deepEqual(policies.map((p) => p.metadata.name), [...KYVERNO_POLICY_NAMES]);
        assert.deepEqual(policies.map((p) => p.kind), ["ValidatingPolicy", "ValidatingPolicy", "ValidatingPolicy", "ValidatingPolicy", "ValidatingPolicy", "MutatingPolicy"]);
        for (const p of policies) {
            assert.equal(p.apiVersion, "policies.kyverno.io/v1");
            assert.ok(p.metadata.annotations?.["policies.kyverno.io/title"], `${p.metadata.name} has a title`);
            assert.ok((p.metadata.annotations?.["policies.kyverno.io/description"] ?? "").length > 40, `${p.metadata.name} explains why`);
        }
    });

    it("compiles with a real CEL engine in every variant, autogen copies included", () => {
        for (const opts of [OPTS, { ...OPTS, enforcement: "Audit" as const }, { ...OPTS, exemptNamespaces: [] }, { ...OPTS, allowedRegistries: ["evil\"]+[\"x"] }]) {
            assert.doesNotThrow(() => compilePolicies(renderKyvernoPolicies(opts)));
        }
    });

    it("denies in Enforce mode and only reports in Audit mode", () => {
        const latest = pod([{ image: "nvcr.io/nvidia/cuda:latest" }]);
        assert.equal(onPod("restrict-image-registries", latest).result.allowed, false);
        const audited = onPod("restrict-image-registries", latest, { ...OPTS, enforcement: "Audit" });
        assert.equal(audited.outcome, "fail");
        assert.equal(audited.result.allowed, true);
        for (const p of renderKyvernoPolicies({ ...OPTS, enforcement: "Audit" }).filter((q) => q.kind === "ValidatingPolicy")) {
            assert.deepEqual(spec(p).validationActions, ["Audit"], p.metadata.name);
            assert.equal(spec(p).failurePolicy, "Ignore", p.metadata.name);
        }
        assert.equal(spec(policy("add-gpu-toleration")).validationActions, undefined);
    });

    it("matches v1 Pods outside the exempt namespaces; validates CREATE and UPDATE, mutates on CREATE", () => {
        for (const name of POD_POLICIES) {
            const p = policy(name);
            const operations = p.kind === "MutatingPolicy" ? ["CREATE"] : ["CREATE", "UPDATE"];
            assert.deepEqual(spec(p).matchConstraints.resourceRules, [{ apiGroups: [""], apiVersions: ["v1"], operations, resources: ["pods"] }], name);
            assert.deepEqual(spec(p).matchConstraints.namespaceSelector, {
                matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: OPTS.exemptNamespaces }],
            }, name);
        }
        assert.equal(onPod("restrict-image-registries", pod([{ image: "nginx" }], {}, "kyverno")).outcome, "no match");
    });

    it("omits the namespace selector when nothing is exempt (NotIn needs values) and de-duplicates exemptions", () => {
        for (const p of renderKyvernoPolicies({ ...OPTS, exemptNamespaces: [] })) {
            assert.equal(spec(p).matchConstraints.namespaceSelector, undefined);
        }
        const twice = spec(policy("require-requests-limits", { ...OPTS, exemptNamespaces: ["kyverno", "kyverno"] }));
        assert.deepEqual(twice.matchConstraints.namespaceSelector.matchExpressions[0].values, ["kyverno"]);
    });

    it("auto-generates the Pod validating policies for every pod controller, and nothing else", () => {
        for (const p of renderKyvernoPolicies(OPTS)) {
            const generated = autogenPolicies(p);
            if (p.kind === "ValidatingPolicy" && POD_POLICIES.includes(p.metadata.name!)) {
                assert.deepEqual([...generated.keys()].sort(), ["cronjobs", "defaults"], p.metadata.name);
                assert.deepEqual(spec(generated.get("defaults")!).matchConstraints.resourceRules.map((r: Spec) => r.resources).flat().sort(),
                    ["daemonsets", "deployments", "jobs", "replicasets", "statefulsets"]);
            } else {
                assert.equal(generated.size, 0, p.metadata.name);
            }
        }
        assert.deepEqual(spec(policy("add-gpu-toleration")).autogen.podControllers.controllers, []);
    });

    it("never reads object.metadata in Pod rules, so the autogen rewrite keeps meaning the Pod", () => {
        for (const name of POD_POLICIES) assert.doesNotMatch(JSON.stringify(spec(policy(name))), /object\.metadata|object\[/, name);
    });

    describe("require-requests-limits", () => {
        it("admits containers with cpu and memory requests and a memory limit; a CPU limit is optional", () => {
            assert.equal(onPod("require-requests-limits", pod([{}], { initContainers: [{ name: "i", image: "nvcr.io/x/y:1", resources: RESOURCES }] })).outcome, "pass");
        });

        it("names every container or init container missing one, and says a CPU limit is optional", () => {
            for (const [missing, resources] of [
                ["requests.cpu", { requests: { memory: "1Gi" }, limits: { memory: "1Gi" } }],
                ["requests.memory", { requests: { cpu: "1" }, limits: { memory: "1Gi" } }],
                ["limits.memory", { requests: { cpu: "1", memory: "1Gi" } }],
            ] as const) {
                const r = onPod("require-requests-limits", pod([{}], { initContainers: [{ name: "init", image: "nvcr.io/x/y:1", resources }] }));
                assert.equal(r.outcome, "fail", missing);
                assert.match(r.message, /^Container\(s\) init must set resources\.requests\.cpu, resources\.requests\.memory and resources\.limits\.memory \(a CPU limit is optional\)\.$/, missing);
            }
        });
    });

    describe("restrict-image-registries", () => {
        const verdict = (image: string, opts?: KyvernoPolicyOptions) => onPod("restrict-image-registries", pod([{ image }]), opts);

        it("normalises Docker Hub allow-list entries the way Kyverno's image library names Docker Hub", () => {
            assert.equal(normalizeRegistryEntry("docker.io/vllm/"), "index.docker.io/vllm");
            assert.equal(normalizeRegistryEntry("docker.io"), "index.docker.io");
            assert.equal(normalizeRegistryEntry("nvcr.io"), "nvcr.io");
        });

        it("admits images under an allowed host or host/path prefix, Docker Hub spelt any way, pinned by tag or digest", () => {
            for (const image of ["nvcr.io/nvidia/k8s/dcgm-exporter:4.2.0", "vllm/vllm-openai:v0.21.0-cu129", "docker.io/vllm/vllm-openai:v1",
                "index.docker.io/vllm/vllm-openai:v1", "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable", `public.ecr.aws/karpenter/controller@sha256:${"b".repeat(64)}`,
                `nvcr.io/nvidia/cuda:latest@sha256:${"c".repeat(64)}`, "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.2"]) {
                assert.equal(verdict(image).outcome, "pass", image);
            }
        });

        it("matches entries only at registry and path boundaries", () => {
            for (const image of ["docker.io/vllm:0.1", "vllm:0.1", "docker.io/vllmx/app:1", "vllm-evil/app:1", "ghcr.io/berriai-evil/x:1",
                "ghcr.io/other/litellm:1", "nvcr.io.evil.io/nvidia/cuda:1", "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.io/app:1",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com:443/app:1", "registry-1.docker.io/vllm/vllm-openai:v1"]) {
                const r = verdict(image);
                assert.equal(r.outcome, "fail", image);
                assert.equal(r.message, `Image(s) ${image} are not from an allowed registry (${OPTS.allowedRegistries.join(", ")}).`);
            }
        });

        it("rejects latest and untagged images, naming them", () => {
            for (const image of ["nvcr.io/nvidia/cuda", "nvcr.io/nvidia/cuda:latest", "localhost:5000/app"]) {
                const r = verdict(image, { ...OPTS, allowedRegistries: ["nvcr.io", "localhost:5000"] });
                assert.equal(r.outcome, "fail", image);
                assert.equal(r.message, `Image(s) ${image} must be pinned to a tag other than latest, or to a digest (@sha256:...).`);
            }
        });

        it("rejects what is not an image reference (a short digest, an upper-case repository)", () => {
            for (const image of ["nvcr.io/nvidia/cuda@sha256:short", "nvcr.io/NVIDIA/cuda:1"]) {
                assert.equal(verdict(image).message, `Image(s) ${image} are not valid image references.`, image);
            }
        });

        it("checks init and ephemeral containers too", () => {
            const init = onPod("restrict-image-registries", pod([{}], { initContainers: [{ name: "i", image: "busybox:1.36", resources: RESOURCES }] }));
            assert.match(init.message, /busybox:1\.36 are not from an allowed registry/);
            const eph = onPod("restrict-image-registries", pod([{}], { ephemeralContainers: [{ name: "d", image: "busybox:1.36" }] }));
            assert.match(eph.message, /busybox:1\.36 are not from an allowed registry/);
        });
    });

    describe("restrict-ephemeral-container-images", () => {
        const p = policy("restrict-ephemeral-container-images");
        const debug = (image: string) => {
            const running = pod([{}]);
            const added = { ...running, spec: { ...spec(running), ephemeralContainers: [{ name: "debugger", image }] } };
            return run("restrict-ephemeral-container-images", { operation: "UPDATE", subResource: "ephemeralcontainers", object: added, oldObject: running });
        };

        it("is a policy of its own on pods/ephemeralcontainers UPDATE: on the Pod policy it would switch autogen off", () => {
            assert.deepEqual(spec(p).matchConstraints.resourceRules, [{ apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["pods/ephemeralcontainers"] }]);
            assert.equal(spec(p).autogen, undefined);
            const widened = structuredClone(spec(policy("restrict-image-registries")).matchConstraints);
            widened.resourceRules[0].resources.push("pods/ephemeralcontainers");
            assert.equal(canAutogen(widened), false);
        });

        it("denies kubectl debug with an unlisted or unpinned image, and admits an allowed one", () => {
            assert.equal(debug("busybox:1.36").result.allowed, false);
            assert.match(debug("nvcr.io/nvidia/cuda").message, /must be pinned/);
            assert.equal(debug("nvcr.io/nvidia/cuda:12.4.1").outcome, "pass");
        });

        it("is not reached by a plain Pod UPDATE, which restrict-image-registries checks", () => {
            const running = pod([{}]);
            assert.equal(run("restrict-ephemeral-container-images", { operation: "UPDATE", object: running, oldObject: running }).outcome, "no match");
        });
    });

    describe("gpu-requires-quota-namespace", () => {
        const gpuPod = (namespace: string, where: "requests" | "limits" = "limits", init = false) => {
            const resources = { ...RESOURCES, [where]: { ...RESOURCES[where === "requests" ? "requests" : "limits"], "nvidia.com/gpu": "1" } };
            return init ? pod([{}], { initContainers: [{ name: "i", image: "nvcr.io/x/y:1", resources }] }, namespace) : pod([{ resources }], {}, namespace);
        };

        it("denies Pods requesting or limiting GPUs (init containers included) where the namespace has no GPU quota label", () => {
            for (const p of [gpuPod("plain"), gpuPod("plain", "requests"), gpuPod("plain", "limits", true)]) {
                const r = onPod("gpu-requires-quota-namespace", p);
                assert.equal(r.outcome, "fail");
                assert.equal(r.message, "Namespace plain has no GPU quota (label genai-platform.io/gpu-quota); pods requesting nvidia.com/gpu are not allowed there.");
            }
        });

        it("admits them in a labelled namespace, and skips Pods without GPUs", () => {
            assert.equal(onPod("gpu-requires-quota-namespace", gpuPod("team")).outcome, "pass");
            assert.equal(onPod("gpu-requires-quota-namespace", pod([{}], {}, "plain")).outcome, "skip");
        });

        it("follows the configured label and resource", () => {
            const opts = { ...OPTS, gpuQuotaLabel: "example.com/gpus", gpuResource: "amd.com/gpu" };
            const amd = pod([{ resources: { ...RESOURCES, limits: { ...RESOURCES.limits, "amd.com/gpu": "1" } } }]);
            assert.match(onPod("gpu-requires-quota-namespace", amd, opts).message, /Namespace team has no GPU quota \(label example\.com\/gpus\)/);
            assert.equal(onPod("gpu-requires-quota-namespace", gpuPod("plain"), opts).outcome, "skip");
        });
    });

    describe("protect-platform-objects", () => {
        const netpol: KubernetesObject = {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "default-deny", namespace: "team", labels: { "genai-platform.io/managed": "true" } },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        };
        const as = (groups: string[]) => ({ username: "u", groups });

        it("matches UPDATE and DELETE of platform-labelled NetworkPolicies, quotas, LimitRanges and RBAC, by object selector", () => {
            const match = spec(policy("protect-platform-objects")).matchConstraints;
            assert.deepEqual(match.objectSelector, { matchLabels: { "genai-platform.io/managed": "true" } });
            assert.deepEqual(match.resourceRules.flatMap((r: Spec) => r.resources).sort(), ["limitranges", "networkpolicies", "resourcequotas", "rolebindings", "roles"]);
            for (const r of match.resourceRules) assert.deepEqual(r.operations, ["UPDATE", "DELETE"]);
        });

        it("denies members of a tenant access group (edit or view), whatever the operation", () => {
            for (const groups of [["genai-platform:team:edit"], ["system:authenticated", "genai-platform:team:view"]]) {
                const r = run("protect-platform-objects", { operation: "DELETE", oldObject: netpol, userInfo: as(groups) });
                assert.equal(r.outcome, "fail", groups.join());
                assert.match(r.message, /^DELETE of NetworkPolicy team\/default-deny is refused: it is labelled genai-platform\.io\/managed=true/);
            }
        });

        it("admits everyone else, and skips objects without the label", () => {
            assert.equal(run("protect-platform-objects", { operation: "DELETE", oldObject: netpol, userInfo: as(["system:authenticated"]) }).outcome, "pass");
            assert.equal(run("protect-platform-objects", { operation: "UPDATE", object: netpol, oldObject: netpol, userInfo: as([]) }).outcome, "pass");
            const own = { ...netpol, metadata: { name: "mine", namespace: "team" } };
            assert.equal(run("protect-platform-objects", { operation: "DELETE", oldObject: own, userInfo: as(["genai-platform:team:edit"]) }).outcome, "no match");
        });
    });

    describe("add-gpu-toleration", () => {
        const toleration = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
        const gpu = { resources: { ...RESOURCES, limits: { ...RESOURCES.limits, "nvidia.com/gpu": "1" } } };
        const mutated = (p: KubernetesObject) => spec(onPod("add-gpu-toleration", p).result.object!).tolerations;

        it("adds the toleration to GPU Pods, creating the list or appending to it", () => {
            assert.deepEqual(mutated(pod([gpu])), [toleration]);
            const other = { key: "dedicated", operator: "Equal", value: "x", effect: "NoSchedule" };
            assert.deepEqual(mutated(pod([gpu], { tolerations: [other] })), [other, toleration]);
        });

        it("is idempotent and leaves Pods without GPUs alone", () => {
            assert.deepEqual(mutated(pod([gpu], { tolerations: [toleration] })), [toleration]);
            assert.equal(onPod("add-gpu-toleration", pod([gpu], { tolerations: [toleration] })).outcome, "skip");
            assert.equal(mutated(pod([{}])), undefined);
        });

        it("does not depend on the enforcement mode", () => {
            assert.deepEqual(spec(policy("add-gpu-toleration", { ...OPTS, enforcement: "Audit" })), spec(policy("add-gpu-toleration")));
        });
    });

    describe("conformance to the Kyverno v1.19.0 CRDs", function () {
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        const schemas = new Map<string, Spec>();
        const validators = new Map<string, ReturnType<Ajv["compile"]>>();

        before(function () {
            this.timeout(60_000); // parsing and compiling two large CRDs
            if (!fs.existsSync(CRD_DIR)) {
                console.log(`      skipping: Kyverno CRDs not found at ${CRD_DIR} (../shared/reference sits beside the project)`);
                this.skip();
            }
            for (const [kind, file] of Object.entries(CRD_FILES)) {
                const crd = YAML.parse(fs.readFileSync(path.join(CRD_DIR, file), "utf8"));
                const v1 = crd.spec.versions.find((v: Spec) => v.name === "v1");
                assert.ok(v1?.served, `${file} serves v1`);
                schemas.set(kind, v1.schema.openAPIV3Schema);
                validators.set(kind, ajv.compile(v1.schema.openAPIV3Schema));
            }
        });

        /** Fields the API server would silently prune: not in the structural schema. */
        function prunedFields(value: unknown, schema: Spec | undefined, at: string): string[] {
            if (!schema || value === null || typeof value !== "object") return [];
            if (Array.isArray(value)) return value.flatMap((v, i) => prunedFields(v, schema.items, `${at}[${i}]`));
            if (schema["x-kubernetes-preserve-unknown-fields"]) return [];
            return Object.entries(value).flatMap(([key, v]) => {
                if (schema.properties?.[key]) return prunedFields(v, schema.properties[key], `${at}.${key}`);
                if (typeof schema.additionalProperties === "object") return prunedFields(v, schema.additionalProperties, `${at}.${key}`);
                return schema.properties ? [`${at}.${key}`] : [];
            });
        }

        const variants: [string, KyvernoPolicyOptions][] = [
            ["Enforce", OPTS],
            ["Audit", { ...OPTS, enforcement: "Audit" }],
            ["no exempt namespaces", { ...OPTS, exemptNamespaces: [] }],
        ];
        for (const [label, opts] of variants) {
            it(`validates every policy against its CRD's v1 openAPIV3Schema (${label})`, () => {
                for (const p of renderKyvernoPolicies(opts)) {
                    const validate = validators.get(p.kind) ?? assert.fail(`no CRD for ${p.kind}`);
                    assert.ok(validate(p), `${p.kind} ${p.metadata.name}: ${ajv.errorsText(validate.errors)}`);
                    assert.deepEqual(prunedFields(p, schemas.get(p.kind), p.kind), [], `${p.metadata.name} has fields the CRD does not define`);
                }
            });
        }

        it("uses only the enum values the CRD allows", () => {
            const vp = schemas.get("ValidatingPolicy")?.properties.spec.properties;
            assert.deepEqual(vp.validationActions.items.enum, ["Deny", "Audit", "Warn"]);
            assert.deepEqual(vp.failurePolicy.enum, ["Ignore", "Fail"]);
            const mp = schemas.get("MutatingPolicy")?.properties.spec.properties;
            assert.match(mp.mutations.items.properties.patchType.description, /"JSONPatch"/);
        });
    });
});

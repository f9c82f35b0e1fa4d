/**
 * The Kyverno policy renderer. No CEL evaluator is installed, so the CEL is
 * checked by structure and key substrings, by a syntax sanity pass (balanced
 * brackets, defined variables), and by running its regular expressions
 * (RE2 syntax that JavaScript reads the same way) on sample images.
 * Schema conformance needs ../shared/reference and skips, saying so, without it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import * as YAML from "yaml";
import { KYVERNO_POLICY_NAMES, KyvernoPolicyOptions, renderKyvernoPolicies } from "../../components/gpu-cluster/kyverno-policies";
import type { KubernetesObject } from "../../components/internal/k8s-object";

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
const spec = (o: KubernetesObject): Spec => o.spec as Spec;

function policy(name: string, opts: KyvernoPolicyOptions = OPTS): KubernetesObject {
    const found = renderKyvernoPolicies(opts).find((p) => p.metadata.name === name);
    assert.ok(found, `policy ${name} rendered`);
    return found;
}

/** Every CEL expression of a policy, with where it sits. */
function expressions(o: KubernetesObject): [string, string][] {
    const s = spec(o);
    const named = (field: string, list: { name?: string; expression: string }[] = []) =>
        list.map((e, i): [string, string] => [`${field}[${e.name ?? i}]`, e.expression]);
    return [
        ...named("variables", s.variables),
        ...named("matchConditions", s.matchConditions),
        ...named("validations", s.validations),
        ...(s.validations ?? []).filter((v: Spec) => v.messageExpression).map((v: Spec, i: number): [string, string] => [`messageExpression[${i}]`, v.messageExpression]),
        ...(s.mutations ?? []).map((m: Spec, i: number): [string, string] => [`mutations[${i}]`, (m.jsonPatch ?? m.applyConfiguration).expression]),
    ];
}

const allExpressionText = (o: KubernetesObject) => expressions(o).map(([, e]) => e).join("\n");

/** The decoded string literals of a CEL expression (double-quoted, JSON-compatible escapes). */
const stringLiterals = (expr: string): string[] => Array.from(expr.matchAll(/"(?:[^"\\]|\\.)*"/g)).map((m) => JSON.parse(m[0]));

/** Syntax problems a CEL parser would reject: unbalanced brackets or an unterminated string. */
function celSyntaxProblems(expr: string): string[] {
    const stack: string[] = [];
    const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
    for (let i = 0; i < expr.length; i++) {
        const ch = expr[i];
        if (ch === "\"") {
            i++;
            while (i < expr.length && expr[i] !== "\"") i += expr[i] === "\\" ? 2 : 1;
            if (i >= expr.length) return ["unterminated string"];
        } else if ("([{".includes(ch)) {
            stack.push(ch);
        } else if (ch in pairs && stack.pop() !== pairs[ch]) {
            return [`unbalanced ${ch} at ${i}`];
        }
    }
    return stack.length > 0 ? [`unclosed ${stack.join("")}`] : [];
}

describe("renderKyvernoPolicies", () => {
    it("renders the four named policies as policies.kyverno.io/v1 objects with a title and description", () => {
        const policies = renderKyvernoPolicies(OPTS);
        assert.deepEqual(policies.map((p) => p.metadata.name), [...KYVERNO_POLICY_NAMES]);
        assert.deepEqual(policies.map((p) => p.kind), ["ValidatingPolicy", "ValidatingPolicy", "ValidatingPolicy", "MutatingPolicy"]);
        for (const p of policies) {
            assert.equal(p.apiVersion, "policies.kyverno.io/v1");
            assert.ok(p.metadata.annotations?.["policies.kyverno.io/title"], `${p.metadata.name} has a title`);
            assert.ok((p.metadata.annotations?.["policies.kyverno.io/description"] ?? "").length > 40, `${p.metadata.name} explains why`);
        }
    });

    it("denies in Enforce mode and only reports in Audit mode", () => {
        for (const [enforcement, actions] of [["Enforce", ["Deny"]], ["Audit", ["Audit"]]] as const) {
            const validating = renderKyvernoPolicies({ ...OPTS, enforcement }).filter((p) => p.kind === "ValidatingPolicy");
            assert.equal(validating.length, 3);
            for (const p of validating) assert.deepEqual(spec(p).validationActions, actions, `${enforcement}: ${p.metadata.name}`);
        }
        assert.equal(spec(policy("add-gpu-toleration")).validationActions, undefined);
    });

    it("matches v1 Pods outside the exempt namespaces; validates CREATE and UPDATE, mutates on CREATE", () => {
        for (const p of renderKyvernoPolicies(OPTS)) {
            const match = spec(p).matchConstraints;
            const operations = p.kind === "MutatingPolicy" ? ["CREATE"] : ["CREATE", "UPDATE"];
            assert.deepEqual(match.resourceRules, [{ apiGroups: [""], apiVersions: ["v1"], operations, resources: ["pods"] }], p.metadata.name);
            assert.deepEqual(match.namespaceSelector, {
                matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: OPTS.exemptNamespaces }],
            }, p.metadata.name);
        }
    });

    it("omits the namespace selector when nothing is exempt (NotIn needs values) and de-duplicates exemptions", () => {
        for (const p of renderKyvernoPolicies({ ...OPTS, exemptNamespaces: [] })) {
            assert.equal(spec(p).matchConstraints.namespaceSelector, undefined);
        }
        const twice = spec(policy("require-requests-limits", { ...OPTS, exemptNamespaces: ["kyverno", "kyverno"] }));
        assert.deepEqual(twice.matchConstraints.namespaceSelector.matchExpressions[0].values, ["kyverno"]);
    });

    it("auto-generates the validating rules for pod controllers, but mutates Pods only", () => {
        for (const p of renderKyvernoPolicies(OPTS)) {
            const controllers: string[] = spec(p).autogen.podControllers.controllers;
            if (p.kind === "MutatingPolicy") {
                assert.deepEqual(controllers, []);
            } else {
                for (const c of ["deployments", "statefulsets", "daemonsets", "jobs", "cronjobs"]) assert.ok(controllers.includes(c), `${p.metadata.name}: ${c}`);
            }
        }
    });

    it("writes the Pod as object.spec and never reads object.metadata, so autogen's rewrite stays correct", () => {
        for (const p of renderKyvernoPolicies(OPTS).filter((q) => q.kind === "ValidatingPolicy")) {
            const text = allExpressionText(p);
            assert.doesNotMatch(text, /object\.metadata|object\[/, p.metadata.name);
        }
    });

    it("gives every CEL expression balanced brackets and references only variables defined before it", () => {
        for (const p of renderKyvernoPolicies(OPTS)) {
            const defined: string[] = [];
            for (const [where, expr] of expressions(p)) {
                assert.deepEqual(celSyntaxProblems(expr), [], `${p.metadata.name} ${where}: ${expr}`);
                for (const [, name] of Array.from(expr.matchAll(/variables\.(\w+)/g))) {
                    assert.ok(defined.includes(name), `${p.metadata.name} ${where} uses variables.${name} before it is defined`);
                }
                if (where.startsWith("variables[")) defined.push(where.slice("variables[".length, -1));
            }
        }
    });

    describe("require-requests-limits", () => {
        const p = policy("require-requests-limits");
        const text = allExpressionText(p);

        it("checks containers and init containers for cpu and memory requests and a memory limit", () => {
            assert.match(text, /object\.spec\.containers/);
            assert.match(text, /object\.spec\.\?initContainers/);
            assert.match(text, /"cpu" in c\.\?resources\.\?requests/);
            assert.match(text, /"memory" in c\.\?resources\.\?requests/);
            assert.match(text, /"memory" in c\.\?resources\.\?limits/);
            assert.doesNotMatch(text, /"cpu" in c\.\?resources\.\?limits/, "a CPU limit is not required");
        });

        it("says what is missing and that a CPU limit is optional", () => {
            const [validation] = spec(p).validations;
            assert.match(validation.message, /requests\.cpu.*requests\.memory.*limits\.memory/);
            assert.match(validation.message, /CPU limit is optional/);
            assert.match(validation.messageExpression, /variables\.incomplete\.join/);
            assert.match(p.metadata.annotations?.["policies.kyverno.io/description"] ?? "", /CPU limit is optional/);
        });
    });

    describe("restrict-image-registries", () => {
        const p = policy("restrict-image-registries");
        const variable = (name: string): string => spec(p).variables.find((v: Spec) => v.name === name).expression;

        it("lists every allowed registry in its expression and its message", () => {
            assert.deepEqual(stringLiterals(variable("allowedRegistries")), OPTS.allowedRegistries);
            for (const r of OPTS.allowedRegistries) assert.ok(spec(p).validations[0].message.includes(r), r);
        });

        it("quotes registries as CEL strings and drops trailing slashes", () => {
            const odd = policy("restrict-image-registries", { ...OPTS, allowedRegistries: ["ghcr.io/acme/", "ghcr.io/acme", "evil\"]+[\"x"] });
            const expr = spec(odd).variables.find((v: Spec) => v.name === "allowedRegistries").expression;
            assert.deepEqual(stringLiterals(expr), ["ghcr.io/acme", "evil\"]+[\"x"]);
            assert.deepEqual(celSyntaxProblems(expr), []);
        });

        it("checks the images of containers, init containers and ephemeral containers", () => {
            const images = variable("images");
            for (const field of ["containers", "?initContainers", "?ephemeralContainers"]) assert.ok(images.includes(`object.spec.${field}`), field);
        });

        it("matches registries only at a path boundary, so docker.io/vllm does not admit docker.io/vllm-evil", () => {
            const check = variable("unallowed");
            assert.match(check, /i\.startsWith\(r \+ "\/"\)/);
            assert.doesNotMatch(check, /i\.startsWith\(r\)/);
        });

        it("reads short Docker Hub names as docker.io and recognises registry hosts", () => {
            const [hostPattern] = stringLiterals(variable("qualified")).filter((s) => s.startsWith("^"));
            const hasHost = (image: string) => new RegExp(hostPattern).test(image);
            for (const image of ["nvcr.io/nvidia/k8s/dcgm-exporter:4.2.0", "localhost/app:1", "localhost:5000/app:1",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1", "public.ecr.aws/karpenter/controller:1.14.1"]) {
                assert.ok(hasHost(image), image);
            }
            for (const image of ["vllm/vllm-openai:v0.21.0-cu129", "nginx:1.27", "nginx", "library/nginx@sha256:abc"]) {
                assert.ok(!hasHost(image), image);
            }
            assert.match(variable("qualified"), /"docker\.io\/library\/" \+ i/);
        });

        it("accepts a non-latest tag or a sha256 digest, rejects latest and untagged images", () => {
            const patterns = stringLiterals(variable("unpinned")).filter((s) => s.includes("$")).map((s) => new RegExp(s));
            assert.equal(patterns.length, 2, "a digest pattern and a tag pattern");
            const [digest, tag] = patterns;
            // Mirrors the expression: a digest, or a tag that is not latest.
            const pinned = (image: string) => digest.test(image) || (tag.test(image) && !image.endsWith(":latest"));
            const sha = "a".repeat(64);
            for (const image of ["nvcr.io/nvidia/x:25.01", "vllm/vllm-openai:v0.21.0-cu129", `ghcr.io/berriai/litellm@sha256:${sha}`,
                `nginx:latest@sha256:${sha}`, "localhost:5000/app:1.2"]) {
                assert.ok(pinned(image), image);
            }
            for (const image of ["nginx", "nginx:latest", "localhost:5000/app", "ghcr.io/berriai/litellm@sha256:short", "nvcr.io/nvidia/x:latest", "app:bad/tag"]) {
                assert.ok(!pinned(image), image);
            }
            assert.match(variable("unpinned"), /!i\.endsWith\(":latest"\)/);
        });

        it("has one validation per rule, each naming the offending images", () => {
            const validations: Spec[] = spec(p).validations;
            assert.deepEqual(validations.map((v) => v.expression), ["size(variables.unallowed) == 0", "size(variables.unpinned) == 0"]);
            assert.match(validations[0].messageExpression, /variables\.unallowed\.join/);
            assert.match(validations[1].messageExpression, /variables\.unpinned\.join/);
        });
    });

    describe("gpu-requires-quota-namespace", () => {
        const p = policy("gpu-requires-quota-namespace");

        it("applies only to Pods requesting or limiting the GPU resource", () => {
            const [condition] = spec(p).matchConditions;
            assert.match(condition.expression, /"nvidia\.com\/gpu" in c\.\?resources\.\?requests/);
            assert.match(condition.expression, /"nvidia\.com\/gpu" in c\.\?resources\.\?limits/);
            assert.match(condition.expression, /object\.spec\.\?initContainers/);
        });

        it("requires the GPU quota label on the Pod's namespace", () => {
            const [validation] = spec(p).validations;
            assert.equal(validation.expression, "\"genai-platform.io/gpu-quota\" in namespaceObject.metadata.?labels.orValue({})");
            assert.match(validation.message, /genai-platform\.io\/gpu-quota/);
            assert.match(validation.messageExpression, /namespaceObject\.metadata\.name/);
        });

        it("follows the configured label and resource", () => {
            const other = policy("gpu-requires-quota-namespace", { ...OPTS, gpuQuotaLabel: "example.com/gpus", gpuResource: "amd.com/gpu" });
            assert.match(allExpressionText(other), /"example\.com\/gpus" in namespaceObject/);
            assert.match(allExpressionText(other), /"amd\.com\/gpu" in c\./);
            assert.doesNotMatch(allExpressionText(other), /nvidia/);
        });
    });

    describe("add-gpu-toleration", () => {
        const p = policy("add-gpu-toleration");
        const s = spec(p);
        const toleration = "{\"key\": \"nvidia.com/gpu\", \"operator\": \"Exists\", \"effect\": \"NoSchedule\"}";

        it("adds the toleration with a JSON patch, creating the list when the Pod has none", () => {
            assert.equal(s.mutations.length, 1);
            assert.equal(s.mutations[0].patchType, "JSONPatch");
            const expr: string = s.mutations[0].jsonPatch.expression;
            assert.ok(expr.startsWith("has(object.spec.tolerations) ?"), expr);
            assert.ok(expr.includes(`path: "/spec/tolerations/-", value: ${toleration}`), expr);
            assert.ok(expr.includes(`path: "/spec/tolerations", value: [${toleration}]`), expr);
        });

        it("is idempotent: skips Pods that already carry the toleration, and Pods without GPUs", () => {
            const conditions: Spec[] = s.matchConditions;
            assert.deepEqual(conditions.map((c) => c.name), ["requests-gpu", "lacks-gpu-toleration"]);
            assert.equal(conditions[0].expression, spec(policy("gpu-requires-quota-namespace")).matchConditions[0].expression);
            assert.match(conditions[1].expression, /^!object\.spec\.\?tolerations\.orValue\(\[\]\)\.exists\(t, /);
            for (const part of ["t.?key.orValue(\"\") == \"nvidia.com/gpu\"", "t.?operator.orValue(\"\") == \"Exists\"", "t.?effect.orValue(\"\") == \"NoSchedule\""]) {
                assert.ok(conditions[1].expression.includes(part), part);
            }
        });

        it("does not depend on the enforcement mode", () => {
            assert.deepEqual(spec(policy("add-gpu-toleration", { ...OPTS, enforcement: "Audit" })), s);
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

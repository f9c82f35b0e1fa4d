import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as YAML from "yaml";
import { buildPlan } from "../../plan/build";
import { PlanReport, mermaid, redactSecrets, renderJson, renderMarkdown, renderText } from "../../plan/report";
import { PROJECT_ROOT, stackConfigPath } from "../../plan/stack";
import { GENERATED_SECRET_MARK } from "../harness/secrets";

const run = promisify(execFile);

/** The value at a recorder path (`a.b[0].c`, as `secretInputs` lists them). */
function inputAt(inputs: Record<string, any>, at: string): any {
    return at.split(/\.|(?=\[)/).reduce((v, key) => (v === undefined ? v : key.startsWith("[") ? v[Number(key.slice(1, -1))] : v[key]), inputs as any);
}

/**
 * config.prod.json, except that it no longer admits the KEDA chart's repository:
 * the committed prod stack then breaks exactly one mandatory policy. (A broken
 * endpoint no longer does: validation refuses every endpoint eks-endpoint-access
 * would, test/gpu-cluster/endpoint.test.ts.) Written to `dir`; returns its path.
 */
function brokenPolicyConfig(dir: string): string {
    const config = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policies", "config.prod.json"), "utf8"));
    const helm = config["helm-release-pinned"];
    helm.allowedRepositories = helm.allowedRepositories.filter((r: string) => r !== "https://kedacore.github.io/charts");
    const file = path.join(dir, "config.broken.json");
    fs.writeFileSync(file, JSON.stringify(config));
    return file;
}

/** Runs the plan CLI as a user would; resolves with its exit code and output. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await run(process.execPath, [require.resolve("tsx/cli"), "plan/cli.ts", ...args], { cwd: PROJECT_ROOT });
        return { code: 0, stdout, stderr };
    } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
}

describe("offline plan", () => {
    const reports: Partial<Record<"dev" | "prod", PlanReport>> = {};
    before(async () => {
        reports.dev = await buildPlan("dev");
        reports.prod = await buildPlan("prod");
    });

    describe("the whole policy pack over the real stacks", () => {
        it("prod has no mandatory violation under config.prod.json", () => {
            assert.equal(reports.prod!.policyConfig, path.join("policies", "config.prod.json"));
            assert.deepEqual(reports.prod!.violations.filter((v) => v.enforcementLevel === "mandatory"), []);
        });

        it("dev is judged advisory-only under config.dev.json", () => {
            assert.equal(reports.dev!.policyConfig, path.join("policies", "config.dev.json"));
            for (const v of reports.dev!.violations) assert.equal(v.enforcementLevel, "advisory");
        });

        it("prod under a policy config it breaks produces the expected mandatory violation", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
            const broken = await buildPlan("prod", brokenPolicyConfig(dir));
            fs.rmSync(dir, { recursive: true, force: true });
            const mandatory = broken.violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.deepEqual(mandatory.map((v) => [v.policyName, v.resourceName]), [["helm-release-pinned", "genai-prod-keda"]]);
        });
    });

    describe("cost", () => {
        it("prices the idle floor and the ceilings, spot below on-demand, with an assumption on every line", () => {
            for (const report of Object.values(reports)) {
                const { totals, floor, ceilingOnDemand, ceilingSpot, unpriced } = report!.cost;
                assert.deepEqual(unpriced, []);
                assert.ok(totals.floor > 0 && totals.floor < totals.ceilingSpot && totals.ceilingSpot <= totals.ceilingOnDemand);
                for (const line of [...floor, ...ceilingOnDemand, ...ceilingSpot]) assert.ok(line.assumption.length > 10, line.item);
            }
        });

        it("counts the floor items the design names", () => {
            const items = reports.prod!.cost.floor.map((l) => l.item).join("\n");
            for (const part of ["EKS control plane", "NAT gateways (3)", "node group", "RDS", "ElastiCache", "model endpoint models/qwen25-72b"]) {
                assert.ok(items.includes(part), `floor lacks ${part}:\n${items}`);
            }
        });

        it("prices prod's multi-node endpoint by whole groups: 2 warm groups × 2 p5.48xlarge = 32 H100s on-demand, and its pool at its limit", () => {
            const line = reports.prod!.cost.floor.find((l) => l.item.startsWith("model endpoint models/deepseek-r1-group"));
            assert.ok(line, reports.prod!.cost.floor.map((l) => l.item).join("\n"));
            assert.equal(line.item, "model endpoint models/deepseek-r1-group: 2 warm replica(s) of 2 nodes");
            // p5.48xlarge $55.04/h on-demand (plan/prices.ts, 2026-11-23) ÷ 8 GPUs × 32 GPUs × 730 h.
            assert.equal(Math.round(line.monthlyUsd), Math.round((55.04 / 8) * 32 * 730));
            assert.match(line.assumption, /^32 GPU × \$6\.880\/GPU-h on-demand \(p5\.48xlarge\)/);
            assert.ok(reports.prod!.cost.ceilingOnDemand.some((l) => l.item === "GPU pool multinode-h100 at its limit"));
        });

        it("keeps scale-to-zero dev models out of the floor", () => {
            assert.ok(!reports.dev!.cost.floor.some((l) => l.item.startsWith("model endpoint")));
        });
    });

    describe("reports", () => {
        it("markdown opens with the verdict and holds all four parts", () => {
            const md = renderMarkdown(reports.prod!);
            assert.match(md.split("\n")[2], /^\*\*PASS: no mandatory policy violations/);
            for (const part of ["## What will be created", "## Components and dependencies", "```mermaid", "## Policy verdicts", "## Monthly cost estimate"]) {
                assert.ok(md.includes(part), `missing ${part}`);
            }
        });

        it("the diagram shows components and the dependencies between them", () => {
            const diagram = mermaid(reports.prod!.resources);
            assert.match(diagram, /^flowchart LR/);
            assert.ok(diagram.includes('"GpuCluster: genai-prod"'));
            assert.ok(diagram.includes('"LlmGateway: genai-prod-gateway"'));
            assert.match(diagram, /n\d+ --> n\d+/);
        });

        it("text and JSON carry the same verdict and counts", () => {
            const json = JSON.parse(renderJson(reports.prod!));
            assert.equal(json.mandatoryViolations, 0);
            assert.equal(json.resourceCount, reports.prod!.resources.length);
            assert.ok(renderText(reports.prod!).startsWith(json.verdict));
        });

        // Shaped after `pulumi preview --json` (pulumi/pulumi sdk/go/common/display PreviewDigest / PreviewStep,
        // newState an apitype.ResourceV3), which writes "[secret]" for secret values.
        it("JSON: a preview step per resource with its inputs, dependencies, provider, protect and retainOnDelete", () => {
            const json = JSON.parse(renderJson(reports.prod!));
            assert.equal(json.steps.length, reports.prod!.resources.length);
            assert.deepEqual(json.changeSummary, { create: reports.prod!.resources.filter((r) => !r.read).length, ...(reports.prod!.resources.some((r) => r.read) ? { read: reports.prod!.resources.filter((r) => r.read).length } : {}) });
            const byName = (type: string, name?: string) => json.steps.find((s: any) => s.newState.type === type && (name === undefined || s.urn.endsWith(`::${name}`)));
            const db = byName("aws:rds/instance:Instance");
            assert.equal(db.op, "create");
            assert.equal(db.newState.urn, db.urn);
            assert.equal(db.newState.custom, true);
            assert.equal(db.newState.protect, false);
            assert.equal(db.newState.retainOnDelete, false);
            assert.equal(byName("aws:kms/key:Key", "genai-prod-secrets").newState.protect, true);
            assert.equal(db.newState.inputs.engine, "postgres");
            assert.ok(db.newState.dependencies.length > 0);
            assert.ok(Object.keys(db.newState.propertyDependencies).length > 0);
            assert.ok(db.newState.parent.includes("genai-platform:index:"));
            const release = byName("kubernetes:helm.sh/v3:Release");
            assert.match(release.provider, /pulumi:providers:kubernetes::genai-prod-k8s::genai-prod-k8s-id$/);
            assert.equal(release.newState.provider, release.provider);
            assert.ok(release.newState.inputs.values);
        });

        it("JSON: redacts nested and listed secret paths, and nothing else", () => {
            const inputs = { a: { b: "s1", c: "plain" }, list: [{ token: "s2" }, { token: "plain" }], top: "s3" };
            assert.deepEqual(redactSecrets(inputs, new Set(["a.b", "list[0].token", "top"])), {
                a: { b: "[secret]", c: "plain" }, list: [{ token: "[secret]" }, { token: "plain" }], top: "[secret]",
            });
        });

        it("JSON: every secret input reads \"[secret]\", and no secret value appears anywhere", () => {
            const text = renderJson(reports.prod!);
            const json = JSON.parse(text);
            const secretResources = reports.prod!.resources.filter((r) => r.secretInputs.length > 0);
            assert.ok(secretResources.length > 5);
            // Secret values under mocks: generated ones carry GENERATED_SECRET_MARK, secret config the plan's placeholder.
            const isSecretValue = (v: string) => v.includes(GENERATED_SECRET_MARK) || v.includes("placeholder for secret");
            const secretValues = new Set<string>();
            const collect = (v: unknown) => {
                if (typeof v === "string" && isSecretValue(v)) secretValues.add(v);
                else if (v && typeof v === "object") Object.values(v).forEach(collect);
            };
            for (const r of secretResources) {
                for (const p of r.secretInputs) collect(inputAt(r.inputs, p));
                const step = json.steps.find((s: any) => s.urn === r.urn);
                for (const p of r.secretInputs) assert.equal(inputAt(step.newState.inputs, p), "[secret]", `${r.name} ${p}`);
            }
            assert.ok(secretValues.size > 5);
            for (const v of secretValues) assert.ok(!text.includes(JSON.stringify(v).slice(1, -1)), `the JSON holds the secret value ${v}`);
            assert.ok(!text.includes(GENERATED_SECRET_MARK) && !text.includes("placeholder for secret"));
        });
    });

    describe("command line", function () {
        this.timeout(120000);
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("writes the prod Markdown report and exits 0", async () => {
            const out = path.join(dir, "prod.md");
            const result = await cli("--stack", "prod", "--format", "markdown", "--out", out);
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /^PASS: no mandatory policy violations/);
            assert.ok(fs.readFileSync(out, "utf8").includes("## Monthly cost estimate"));
        });

        it("exits 1 on a mandatory violation and names it first", async () => {
            const result = await cli("--stack", "prod", "--policy-config", brokenPolicyConfig(dir));
            assert.equal(result.code, 1);
            assert.match(result.stdout, /^FAIL: 1 mandatory policy violation/);
            assert.ok(result.stdout.includes("[mandatory] helm-release-pinned (genai-prod-keda)"));
        });

        it("exits 1 on invalid config with the problem in its first lines", async () => {
            const doc = YAML.parse(fs.readFileSync(stackConfigPath("dev"), "utf8"));
            doc.config["genai-platform:pools"][0].gpuLimit = -1;
            const file = path.join(dir, "Pulumi.invalid.yaml");
            fs.writeFileSync(file, YAML.stringify(doc));
            const result = await cli("--stack", "dev", "--config", file);
            assert.equal(result.code, 1);
            assert.match(result.stderr, /^FAIL: invalid configuration\nInvalid stack configuration \(1 problem\):\n {2}- genai-platform:pools\[0\]\.gpuLimit: got -1/);
        });
    });
});

import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { buildTenantPlan } from "../../plan/build";
import type { CostEstimate } from "../../plan/cost";
import { REGION_PRICES } from "../../plan/prices";
import { renderMarkdown, renderText, type PlanReport } from "../../plan/report";
import { PROJECT_ROOT } from "../../plan/stack";
import { addedCost, loadTenantProgram } from "../../plan/tenant";

const run = promisify(execFile);

describe("offline plan of a tenant program on a platform stack", function () {
    this.timeout(180000);
    let report: PlanReport;
    before(async () => {
        report = await buildTenantPlan("dev", "examples/tenant-app");
    });

    it("plans the tenant example's own resources, read through its StackReference of the dev platform", () => {
        assert.equal(report.program, "examples/tenant-app");
        const components = report.resources.filter((r) => r.type.startsWith("genai-platform:index:")).map((r) => `${r.type.split(":").pop()} ${r.name}`);
        assert.deepEqual(components.sort(), ["AgentService research-agent", "ModelEndpoint research-model"]);
        const ref = report.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!;
        assert.equal(ref.inputs.name, "acme/genai-platform/dev");
        const agent = report.resources.find((r) => r.name === "research-agent-deployment")!;
        const env = Object.fromEntries(agent.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
        assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.langfuse.svc.cluster.local:4318", "the platform's outputs reached the program");
        assert.ok(!report.resources.some((r) => r.type === "eks:index:Cluster"), "none of the platform's own resources");
    });

    it("judges it where it lands (with the platform's namespaces and routes): only the real finding, the team's model has no gateway route", () => {
        assert.deepEqual(report.violations.map((v) => `${v.enforcementLevel} ${v.policyName} ${v.resourceName}`), ["advisory model-endpoints-routed research-model"]);
    });

    it("prices what it adds to the platform: its endpoint's warm GPU, no pool of its own", () => {
        assert.deepEqual(report.cost.floor.map((l) => l.item), ["model endpoint research/research-model: 1 warm replica(s)"]);
        assert.equal(Math.round(report.cost.totals.floor), Math.round(report.cost.floor[0].monthlyUsd));
        assert.deepEqual([report.cost.ceilingOnDemand, report.cost.totals.ceilingOnDemand], [[], 0]);
    });

    it("says what it is in every report", () => {
        const text = renderText(report);
        assert.match(text, /^PASS: no mandatory policy violations \(1 advisory\) under policies\/config\.dev\.json\nOffline plan for tenant program "examples\/tenant-app" on stack "dev": \d+ resources\n/);
        assert.ok(text.includes("read the dev platform stack's outputs"));
        assert.match(renderMarkdown(report), /^# Offline plan: tenant program `examples\/tenant-app` on stack `dev`/);
    });

    it("refuses a folder that is no Pulumi project, and a tenant config that names no platform stack", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-plan-"));
        try {
            assert.throws(() => loadTenantProgram(dir, "dev"), { message: `--program ${dir}: no Pulumi.yaml there (a tenant program is a Pulumi project folder)` });
            fs.copyFileSync(path.join(PROJECT_ROOT, "examples/tenant-app/Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  tenant: research\n");
            assert.throws(() => loadTenantProgram(dir, "dev"), { message: `--program ${dir}: Pulumi.dev.yaml sets no tenant-app:platformStack (the platform stack it reads, e.g. acme/genai-platform/dev)` });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("runs from the command line: npm run plan -- --stack dev --program examples/tenant-app", async () => {
        const { stdout } = await run(process.execPath, [require.resolve("tsx/cli"), "plan/cli.ts", "--stack", "dev", "--program", "examples/tenant-app"], { cwd: PROJECT_ROOT });
        assert.match(stdout, /^PASS: .*\nOffline plan for tenant program "examples\/tenant-app" on stack "dev"/);
        assert.ok(stdout.includes("genai-platform:index:AgentService  research-agent"));
    });
});

describe("what a tenant program adds to the bill", () => {
    const estimate = (floor: [string, number][], total: number): CostEstimate => ({
        region: "us-east-1", priceDate: "2026-11-23", sources: REGION_PRICES["us-east-1"].sources, selfHosted: [], unpriced: [], ceilingOnDemand: [], ceilingSpot: [],
        floor: floor.map(([item, monthlyUsd]) => ({ item, monthlyUsd, assumption: "a" })),
        totals: { floor: total, ceilingOnDemand: total, ceilingSpot: total },
    });

    it("keeps new lines, shows a changed line by its difference and drops an unchanged one", () => {
        const added = addedCost(estimate([["EKS", 73], ["CPU pool platform", 59]], 132), estimate([["EKS", 73], ["CPU pool platform", 89], ["model endpoint x", 588]], 750));
        assert.deepEqual(added.floor.map((l) => [l.item, l.monthlyUsd]), [["CPU pool platform", 30], ["model endpoint x", 588]]);
        assert.equal(added.floor[0].assumption, "a (platform alone: $59)");
        assert.equal(added.totals.floor, 618);
    });
});

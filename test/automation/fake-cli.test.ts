/**
 * The driver end to end through the real Automation API (@pulumi/pulumi
 * 3.270.0: PulumiCommand, LocalWorkspace, Stack) against a fake `pulumi`
 * (fixtures/fake-pulumi/bin/pulumi) found through `PulumiCommand.get({ root })`.
 * The fake answers `version` with v3.270.0, so the SDK streams events over its
 * gRPC events server (stack.js setupEventLog, CLI > 3.205.0), and records
 * every invocation, which the tests read to see what the SDK really ran.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { drive, type Command, type DriverOptions } from "../../automation/driver";
import { EXIT } from "../../automation/exit-codes";
import { PROJECT_ROOT } from "../../plan/stack";
import { recorded } from "./recorded";

const FAKE_ROOT = path.join(__dirname, "fixtures", "fake-pulumi");

interface Scenario {
    events?: unknown[];
    exitCode?: number;
    stderr?: string;
    lockedBy?: string;
    hangAfter?: number;
    hangOn?: string;
    outputs?: Record<string, unknown>;
}

async function run(command: Command, scenario: Scenario, options: Partial<DriverOptions> = {}, onLine?: (line: string, interrupt: () => void) => void) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
    fs.mkdirSync(path.join(dir, "state"));
    fs.writeFileSync(path.join(dir, "scenario.json"), JSON.stringify({ events: [], ...scenario }));
    const saved = { ...process.env };
    Object.assign(process.env, { FAKE_PULUMI_STATE: path.join(dir, "state"), FAKE_PULUMI_LOG: path.join(dir, "calls.jsonl"), FAKE_PULUMI_SCENARIO: path.join(dir, "scenario.json") });
    const lines: string[] = [];
    let handler: () => void = () => undefined;
    try {
        const code = await drive(command, { stack: "prod", allowReplace: [], approve: false, tenant: [], retries: 2, pulumiRoot: FAKE_ROOT, summaryMd: path.join(dir, "summary.md"), summaryJson: path.join(dir, "summary.json"), ...options }, {
            log: (line) => {
                lines.push(line);
                onLine?.(line, () => handler());
            },
            onInterrupt: (h) => {
                handler = h;
                return () => (handler = () => undefined);
            },
            sleep: async () => undefined,
        });
        const calls = fs.existsSync(path.join(dir, "calls.jsonl")) ? fs.readFileSync(path.join(dir, "calls.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]) : [];
        const cwds = fs.existsSync(path.join(dir, "calls.jsonl.cwd")) ? fs.readFileSync(path.join(dir, "calls.jsonl.cwd"), "utf8").trim().split("\n") : [];
        const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : undefined);
        return { code, lines, calls, cwds, md: read("summary.md"), json: read("summary.json") };
    } finally {
        process.env = saved;
    }
}

const ENGINE = ["preview", "up", "refresh", "destroy", "cancel"];
const engineCalls = (calls: string[][]) => calls.filter((c) => ENGINE.includes(c[0]));
const TENANT_APP = path.join(PROJECT_ROOT, "examples", "tenant-app");
/** Engine calls with the program directory they ran in: "root" or "tenant". */
const engineCallsWhere = (r: { calls: string[][]; cwds: string[] }) =>
    r.calls.flatMap((c, i) => (ENGINE.includes(c[0]) ? [`${c.slice(0, c[1] === "--preview-only" ? 2 : 1).join(" ")} @${r.cwds[i] === TENANT_APP ? "tenant" : r.cwds[i] === PROJECT_ROOT ? "root" : r.cwds[i]}`] : []));
/** A run with nothing to do: only the summary the engine always ends with. */
const NO_CHANGES = [{ sequence: 1, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { same: 1 }, PolicyPacks: {} } }];
const PLATFORM_OUTPUTS = { tenantNamespaces: { research: "tenant-research" }, gpuPools: [], gatewayUrl: "http://genai-prod-gateway.genai-prod-gateway:4000", kubeconfig: "{}" };

describe("automation: the LocalWorkspace adapter against a fake pulumi CLI", function () {
    this.timeout(240000);

    it("previews prod: offline plan, version check, stack select/init, preview with the policy pack over the gRPC event stream", async () => {
        const r = await run("preview", { events: recorded("prod-preview") });
        assert.strictEqual(r.code, EXIT.ok, r.lines.join("\n"));
        assert.match(r.lines[0], /^Offline plan PASS: \d+ resources/);
        // cmd.js appends --non-interactive to every call but `version`.
        assert.deepStrictEqual(r.calls.slice(0, 3), [["version"], ["stack", "select", "--stack", "prod", "--non-interactive"], ["stack", "init", "prod", "--non-interactive"]]);
        const preview = r.calls[3];
        assert.deepStrictEqual(preview.slice(0, 5), ["preview", "--policy-pack", path.join(PROJECT_ROOT, "policies"), "--policy-pack-config", path.join(PROJECT_ROOT, "policies", "config.prod.json")]);
        assert.deepStrictEqual(preview.slice(5, 7), ["--exec-kind", "auto.local"]);
        assert.strictEqual(preview[7], "--event-log");
        assert.match(preview[8], /^tcp:\/\/127\.0\.0\.1:\d+$/);
        assert.deepStrictEqual(preview.slice(9), ["--stack", "prod", "--non-interactive"]);
        // Events arrived through the SDK's stream, in the summary and as progress lines.
        assert.ok(r.lines.some((l) => /\+- replace\s+aws:rds\/instance:Instance {2}genai-prod-gateway-db/.test(l)), r.lines.join("\n"));
        assert.match(r.md!, /\| \*\*replace\*\* \| `genai-prod-gateway-db` \| .* \| no: `up` refuses without `--allow-replace genai-prod-gateway-db` \|/);
        assert.strictEqual(JSON.parse(r.json!).statefulRisks.length, 1);
    });

    it("refuses up of the RDS replacement without --allow-replace: the guard preview runs, up never does", async () => {
        const r = await run("up", { events: recorded("prod-preview") }, { approve: true });
        assert.strictEqual(r.code, EXIT.refusedByGuard);
        assert.ok(r.lines.some((l) => /REFUSED: replace of RDS instance genai-prod-gateway-db/.test(l)), r.lines.join("\n"));
        assert.deepStrictEqual(engineCalls(r.calls).map((c) => c[0]), ["preview"]);
    });

    it("runs up when --allow-replace names the resource, and prod still needs --approve", async () => {
        const refused = await run("up", { events: recorded("prod-preview") }, { allowReplace: ["genai-prod-gateway-db"] });
        assert.strictEqual(refused.code, EXIT.refusedByGuard);
        assert.deepStrictEqual(refused.calls, [], "no CLI call without the approval");
        const r = await run("up", { events: recorded("prod-preview") }, { allowReplace: ["genai-prod-gateway-db"], approve: true });
        assert.strictEqual(r.code, EXIT.ok, r.lines.join("\n"));
        const up = engineCalls(r.calls).find((c) => c[0] === "up")!;
        assert.deepStrictEqual(up.slice(0, 3), ["up", "--yes", "--skip-preview"]);
        assert.ok(r.calls.some((c) => c.join(" ") === "stack output --json --stack prod --non-interactive"), "the SDK reads outputs after up");
    });

    it("stops at a stack lock with one message naming it, and one engine call (no retry storm)", async () => {
        const lock = "s3://acme-pulumi-state/.pulumi/locks/organization/genai-platform/prod/5c1f0e7a.json: created by runner@ci-7f9c (pid 2231) at 2026-12-01T23:02:11Z";
        const r = await run("preview", { lockedBy: lock });
        assert.strictEqual(r.code, EXIT.stackLocked);
        assert.strictEqual(engineCalls(r.calls).length, 1);
        const messages = r.lines.filter((l) => l.includes("is locked by"));
        assert.strictEqual(messages.length, 1);
        assert.match(messages[0], /stack prod is locked by s3:\/\/acme-pulumi-state\/.+5c1f0e7a\.json: created by runner@ci-7f9c \(pid 2231\)/);
    });

    it("retries a transient failure that changed nothing, to the bound", async () => {
        const r = await run("preview", { exitCode: 255, stderr: "error: read tcp 10.0.0.4:443: connection reset by peer" }, { retries: 2 });
        assert.strictEqual(r.code, EXIT.engineError);
        assert.strictEqual(engineCalls(r.calls).length, 3);
    });

    it("reports drift with its own exit code from refresh --preview-only --expect-no-changes", async () => {
        const r = await run("drift", { events: recorded("prod-drift"), exitCode: 255, stderr: "error: no changes were expected but changes occurred" });
        assert.strictEqual(r.code, EXIT.drift, r.lines.join("\n"));
        const refresh = engineCalls(r.calls)[0];
        assert.deepStrictEqual(refresh.slice(0, 3), ["refresh", "--preview-only", "--expect-no-changes"]);
        assert.match(r.md!, /\| `genai-prod-gateway-db` \| `aws:ec2\/securityGroup:SecurityGroup` \| changed \| `ingress` \|/);
        assert.match(r.md!, /\| `genai-prod-observability-langfuse` \| `aws:s3\/bucketPolicy:BucketPolicy` \| gone \|/);
    });

    it("fails with the policy code when the pack's mandatory verdict stops the preview", async () => {
        const r = await run("preview", { events: recorded("prod-policy-mandatory"), exitCode: 255, stderr: "error: preview failed" });
        assert.strictEqual(r.code, EXIT.policyFailure);
    });

    it("on SIGINT aborts the CLI with SIGINT, then runs pulumi cancel, and exits 130", async () => {
        let interrupted = 0;
        let previewDone = false;
        const r = await run("up", { events: recorded("prod-preview"), hangAfter: 5, hangOn: "up" }, { allowReplace: ["genai-prod-gateway-db"], approve: true }, (line, interrupt) => {
            // The first streamed step of the up (after the guard preview's summary): interrupt twice.
            if (/^ {2}~ +update/.test(line) && previewDone && interrupted === 0) {
                interrupted = 2;
                interrupt();
                interrupt();
            }
            if (line.startsWith("  summary:")) previewDone = true;
        });
        assert.strictEqual(r.code, EXIT.cancelled, r.lines.join("\n"));
        assert.deepStrictEqual(engineCalls(r.calls).map((c) => c[0]), ["preview", "up", "cancel"]);
        assert.deepStrictEqual(engineCalls(r.calls)[2], ["cancel", "--yes", "--stack", "prod", "--non-interactive"]);
    });

    it("deploys a tenant stack only after the platform, and refuses it while the platform lacks the outputs it reads", async () => {
        const missing = await run("up", { events: NO_CHANGES }, { approve: true, tenant: [TENANT_APP] });
        assert.strictEqual(missing.code, EXIT.refusedByGuard, missing.lines.join("\n"));
        assert.match(missing.lines[missing.lines.length - 1], /REFUSED: tenant stacks .*tenant-app: the platform stack has no output tenantNamespaces, gpuPools, gatewayUrl, kubeconfig yet/);
        assert.deepStrictEqual(engineCallsWhere(missing), ["preview @root", "up @root"]);
        const ready = await run("up", { events: NO_CHANGES, outputs: PLATFORM_OUTPUTS }, { approve: true, tenant: [TENANT_APP] });
        assert.strictEqual(ready.code, EXIT.ok, ready.lines.join("\n"));
        assert.deepStrictEqual(engineCallsWhere(ready), ["preview @root", "up @root", "up @tenant"]);
    });

    it("destroys tenants before the platform, once the platform's destroy passed its guard", async () => {
        const r = await run("destroy", { events: NO_CHANGES }, { stack: "dev", tenant: [TENANT_APP] });
        assert.strictEqual(r.code, EXIT.ok, r.lines.join("\n"));
        assert.deepStrictEqual(engineCallsWhere(r), ["destroy --preview-only @root", "destroy @tenant", "destroy @root"]);
    });

    it("with no Pulumi CLI, stops with a clear message after the offline plan ran", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
        const r = await run("preview", {}, { stack: "dev", pulumiRoot: empty });
        assert.strictEqual(r.code, EXIT.cliMissing);
        assert.match(r.lines[0], /^Offline plan PASS/);
        assert.match(r.lines[r.lines.length - 1], /The Pulumi CLI is needed for this command and was not found at .*\/bin\/pulumi/);
    });

    it("refuses a config the offline plan rejects before any CLI call", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-config-"));
        const file = path.join(dir, "Pulumi.prod.yaml");
        fs.writeFileSync(file, fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8").replace("publicAccessCidrs:\n        - 198.51.100.24/32", "publicAccessCidrs:\n        - 0.0.0.0/0"));
        const r = await run("preview", {}, { config: file });
        assert.strictEqual(r.code, EXIT.configInvalid, r.lines.join("\n"));
        assert.match(r.lines[0], /invalid configuration; the engine was not called[\s\S]*publicAccessCidrs/);
        assert.deepStrictEqual(r.calls, []);
    });
});

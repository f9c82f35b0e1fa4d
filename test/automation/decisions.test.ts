/**
 * The driver's decisions over recorded engine events of the prod stack
 * (test/automation/fixtures/*.events.json, shaped as @pulumi/pulumi 3.270.0
 * `EngineEvent`): ordering, the stateful guard, policy gating, exit codes,
 * the Markdown and JSON summaries, drift, lock and interrupt handling.
 */
import * as assert from "assert";
import { interruptAction, isTransient, lockHolder, withRetry } from "../../automation/errors";
import { driftReport, mandatoryVerdicts, refusedChanges, statefulRisks, summarise } from "../../automation/events";
import { EXIT } from "../../automation/exit-codes";
import { approvalRefusal, cidrContains, egressCheck, tenantNotReady } from "../../automation/guards";
import { exitCodeFor, mayRetry } from "../../automation/outcome";
import { formatEvent } from "../../automation/progress";
import { renderJson, renderMarkdown, runFacts } from "../../automation/summary";
import { loadStackConfig } from "../../plan/stack";
import { recorded } from "./recorded";


/** The SDK's own error for a failed CLI call (automation/errors.js createCommandError over a cmd.js CommandResult). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createCommandError } = require("@pulumi/pulumi/automation/errors");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CommandResult } = require("@pulumi/pulumi/automation/cmd");
const cliError = (stderr: string): Error => createCommandError(new CommandResult("", stderr, 255));

const DIY_LOCK =
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
    "  s3://acme-pulumi-state/.pulumi/locks/organization/genai-platform/prod/5c1f0e7a-2b1d-4b55-9d0e-4f1f0c3a9e21.json: created by runner@ci-7f9c (pid 2231) at 2026-12-01T23:02:11Z";
const GATEWAY_DB = "urn:pulumi:prod::genai-platform::genai-platform:index:LlmGateway$aws:rds/instance:Instance::genai-prod-gateway-db";

const cost = { floor: 9000, ceilingOnDemand: 60000, ceilingSpot: 30000 };

describe("automation: decisions on recorded engine events", () => {
    it("orders events by sequence and keeps one change per resource step, whatever order they arrive in", () => {
        const events = recorded("prod-preview");
        const shuffled = [...events].reverse();
        const a = summarise(events);
        const b = summarise(shuffled);
        assert.deepStrictEqual(b, a);
        assert.deepStrictEqual(a.changes.map((c) => c.op).filter((op) => op !== "same"), ["update", "replace", "create-replacement", "delete-replaced", "update", "create", "create", "create", "delete", "delete"]);
        // A preview step seen twice (pre and outputs) counts once.
        const doubled = summarise([...events, ...events.filter((e) => e.resourcePreEvent).map((e) => ({ ...e, sequence: e.sequence + 1000, resOutputsEvent: e.resourcePreEvent, resourcePreEvent: undefined }))]);
        assert.strictEqual(doubled.changes.length, a.changes.length);
    });

    it("guards stateful replacements: the RDS replacement is refused unless --allow-replace names it (URN or name)", () => {
        const changes = summarise(recorded("prod-preview")).changes;
        assert.deepStrictEqual(statefulRisks(changes).map((c) => [c.op, c.name, c.stateful, c.replaceKeys]), [["replace", "genai-prod-gateway-db", "RDS instance", ["engineVersion"]]]);
        assert.deepStrictEqual(refusedChanges(changes, []).map((c) => c.urn), [GATEWAY_DB]);
        assert.deepStrictEqual(refusedChanges(changes, ["genai-prod-gateway-db"]), []);
        assert.deepStrictEqual(refusedChanges(changes, [GATEWAY_DB]), []);
        assert.strictEqual(refusedChanges(changes, ["genai-prod-observability-langfuse-db"]).length, 1, "naming another resource allows nothing here");
        // The namespace deletion is not stateful by type; the plan's protect flag makes it so.
        const ns = changes.find((c) => c.name === "genai-prod-tenant-search" && c.type === "kubernetes:core/v1:Namespace")!;
        const withProtect = summarise(recorded("prod-preview"), { protectedUrns: new Set([ns.urn]) }).changes;
        assert.deepStrictEqual(refusedChanges(withProtect, ["genai-prod-gateway-db"]).map((c) => [c.op, c.name, c.stateful]), [["delete", "genai-prod-tenant-search", "protected"]]);
    });

    it("gates on policy: a mandatory verdict fails the run with the policy exit code, an advisory one does not", () => {
        const mandatory = summarise(recorded("prod-policy-mandatory"));
        assert.deepStrictEqual(mandatoryVerdicts(mandatory.policy).map((p) => p.policyName), ["s3-versioning"]);
        assert.strictEqual(exitCodeFor({ events: mandatory, error: cliError("error: preview failed"), refused: 0, interrupted: false }), EXIT.policyFailure);
        const advisory = summarise(recorded("prod-preview"));
        assert.deepStrictEqual(advisory.policy.map((p) => [p.enforcementLevel, p.policyName]), [["warning", "k8s-container-resources"]]);
        assert.strictEqual(exitCodeFor({ events: advisory, refused: 0, interrupted: false }), EXIT.ok);
    });

    it("maps every outcome to its own exit code, refusals first and drift over the expect-no-changes error", () => {
        const codes = Object.values(EXIT);
        assert.strictEqual(new Set(codes).size, codes.length, "exit codes are distinct");
        const preview = summarise(recorded("prod-preview"));
        const driftEvents = recorded("prod-drift");
        assert.strictEqual(exitCodeFor({ events: preview, refused: 1, interrupted: false, error: new Error("aborted") }), EXIT.refusedByGuard);
        assert.strictEqual(exitCodeFor({ events: preview, refused: 0, interrupted: true, error: new Error("update canceled") }), EXIT.cancelled);
        assert.strictEqual(exitCodeFor({ events: summarise([]), refused: 0, interrupted: false, error: cliError(DIY_LOCK) }), EXIT.stackLocked);
        const driftError = cliError("error: no changes were expected but changes occurred");
        assert.strictEqual(exitCodeFor({ events: summarise(driftEvents), refused: 0, interrupted: false, error: driftError, drift: driftReport(driftEvents) }), EXIT.drift);
        assert.strictEqual(exitCodeFor({ events: summarise([]), refused: 0, interrupted: false, error: cliError("error: program failed") }), EXIT.engineError);
    });

    it("reports drift from a refresh preview: what changed by hand and what is gone", () => {
        assert.deepStrictEqual(driftReport(recorded("prod-drift")).map((d) => [d.kind, d.name, d.type, d.properties]), [
            ["update", "genai-prod-gateway-db", "aws:ec2/securityGroup:SecurityGroup", ["ingress"]],
            ["delete", "genai-prod-observability-langfuse", "aws:s3/bucketPolicy:BucketPolicy", []],
        ]);
        assert.deepStrictEqual(driftReport(recorded("prod-preview")), [], "a preview's planned steps are not drift");
    });

    it("names the lock once and never retries it; retries transient failures to a bound", async () => {
        assert.match(lockHolder(cliError(DIY_LOCK))!, /5c1f0e7a-2b1d-4b55-9d0e-4f1f0c3a9e21\.json: created by runner@ci-7f9c \(pid 2231\)/);
        assert.match(lockHolder(cliError("error: [409] Conflict: Another update is currently in progress."))!, /HTTP 409/);
        assert.strictEqual(lockHolder(cliError("error: 503 upstream")), undefined);
        let calls = 0;
        const policy = { attempts: 3, delayMs: () => 0, retryable: isTransient, sleep: async () => undefined };
        await assert.rejects(withRetry(async () => { calls++; throw cliError(DIY_LOCK); }, policy), /currently locked/);
        assert.strictEqual(calls, 1, "a lock is not retried");
        calls = 0;
        await assert.rejects(withRetry(async () => { calls++; throw cliError("error: read tcp 10.0.0.4:443: connection reset by peer"); }, policy), /connection reset/);
        assert.strictEqual(calls, 3, "transient failures are retried up to the bound");
        calls = 0;
        assert.strictEqual(await withRetry(async () => (++calls < 2 ? Promise.reject(cliError("[503] Service Unavailable")) : "ok"), policy), "ok");
    });

    it("retries a transient failure of an update only when no resource step had started", () => {
        const reset = cliError("error: read tcp 10.0.0.4:443: connection reset by peer");
        const started = recorded("prod-preview");
        const notStarted = started.filter((e) => e.preludeEvent);
        assert.strictEqual(mayRetry("up", reset, notStarted), true);
        assert.strictEqual(mayRetry("up", reset, started), false, "an update that started steps is not repeated");
        assert.strictEqual(mayRetry("destroy", reset, started), false);
        assert.strictEqual(mayRetry("preview", reset, started), true, "a preview changes nothing: retried");
        assert.strictEqual(mayRetry("preview", cliError(DIY_LOCK), []), false);
        assert.strictEqual(mayRetry("preview", cliError("error: program failed: TypeError"), []), false);
    });

    it("handles SIGINT in two steps: abort the CLI (graceful), then pulumi cancel; further ones are ignored", () => {
        assert.deepStrictEqual([1, 2, 3].map(interruptAction), ["abort", "cancel", "ignore"]);
    });

    it("streams one line per meaningful event", () => {
        const lines = recorded("prod-preview").map(formatEvent).filter((l) => l !== undefined);
        assert.ok(lines.some((l) => /\+- replace\s+aws:rds\/instance:Instance {2}genai-prod-gateway-db/.test(l!)), lines.join("\n"));
        assert.ok(lines.some((l) => /policy \[warning\] k8s-container-resources/.test(l!)));
        assert.ok(!lines.some((l) => /genai-prod-eks/.test(l!)), "same steps stay quiet");
    });

    it("renders the Markdown and JSON summaries from the same facts", () => {
        const events = summarise(recorded("prod-preview"));
        const facts = runFacts({ stack: "prod", command: "preview", events, refused: refusedChanges(events.changes, []), offlinePolicy: [], headCost: { ...cost, floor: 9400 }, baseCost: cost, exitCode: 0 });
        const md = renderMarkdown(facts);
        assert.match(md, /\*\*OK\*\*: 3 to create, 2 to update, 1 to replace, 2 to delete\./);
        assert.match(md, /\| \*\*replace\*\* \| `genai-prod-gateway-db` \| `aws:rds\/instance:Instance` \| RDS instance; replaced because of engineVersion \| no: `up` refuses without `--allow-replace genai-prod-gateway-db` \|/);
        assert.match(md, /\| `kubernetes:core\/v1:Namespace` \| {2}\| {2}\| {2}\| 1 \|/);
        assert.match(md, /\| idle floor \| \$9,000 \| \$9,400 \| \+\$400 \|/);
        assert.match(md, /\| warning \| `k8s-container-resources` \| `genai-prod-mistral-7b` \|/);
        const json = JSON.parse(renderJson(facts));
        assert.deepStrictEqual(json.totals, { update: 2, replace: 1, "create-replacement": 1, "delete-replaced": 1, create: 3, delete: 2 });
        assert.strictEqual(json.statefulRisks[0].urn, GATEWAY_DB);
        assert.strictEqual(json.cost.delta.floor, 400);
        assert.strictEqual(json.exitName, "ok");
    });
});

describe("automation: guards before the engine", () => {
    it("prod up and destroy need --approve; dev and previews do not", () => {
        assert.match(approvalRefusal("prod", "up", false)!, /without --approve/);
        assert.strictEqual(approvalRefusal("prod", "up", true), undefined);
        assert.strictEqual(approvalRefusal("prod", "preview", false), undefined);
        assert.strictEqual(approvalRefusal("dev", "destroy", false), undefined);
    });

    it("states the runner's egress requirement for prod, flags documentation CIDRs and refuses a runner outside the list", () => {
        const prod = loadStackConfig("prod");
        const check = egressCheck(prod);
        assert.match(check.notes[0], /publicAccessCidrs = \[198\.51\.100\.24\/32, 203\.0\.113\.0\/26\]/);
        assert.match(check.notes[1], /198\.51\.100\.24\/32, 203\.0\.113\.0\/26 are documentation addresses/);
        assert.strictEqual(check.refusal, undefined);
        assert.match(egressCheck(prod, "52.1.2.3").refusal!, /52\.1\.2\.3, outside cluster\.endpoint\.publicAccessCidrs/);
        assert.strictEqual(egressCheck(prod, "203.0.113.17").refusal, undefined);
        assert.ok(cidrContains("203.0.113.0/26", "203.0.113.63") && !cidrContains("203.0.113.0/26", "203.0.113.64"));
    });

    it("lets a tenant stack run only when the platform's outputs it reads exist", () => {
        assert.match(tenantNotReady({})!, /no output tenantNamespaces, gpuPools, gatewayUrl, kubeconfig/);
        assert.match(tenantNotReady({ tenantNamespaces: {}, gpuPools: [], gatewayUrl: "http://x" })!, /no output kubeconfig/);
        assert.strictEqual(tenantNotReady({ tenantNamespaces: {}, gpuPools: [], gatewayUrl: "http://x", kubeconfig: "{}" }), undefined);
    });
});

/**
 * Runs the team-sync Job's real script and environment under /bin/sh against
 * a fake `curl` that plays the LiteLLM admin API and the Kubernetes API, so
 * the upsert, key reuse and key delivery are exercised, not just rendered.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as k8s from "@pulumi/kubernetes";
import { TenantSpec, validateTenantNamespaceArgs } from "../../components/tenant-namespace";
import { renderTeamSyncJob, TEAM_SYNC_SCRIPT } from "../../components/tenant-namespace/manifests";
import { GATEWAY, RESEARCH, RESEARCH_TEAM_REQUEST, tenantArgs } from "./fixtures";

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const MASTER_KEY = "sk-master-fixture-0123456789";
const KUBE_TOKEN = "kube-token-fixture";

interface FakeState {
    masterKey: string;
    kubeToken: string;
    teams: Record<string, Record<string, unknown>>;
    keys: { key: string; alias: string; team_id: string }[];
    secret: { exists: boolean; data: Record<string, string> };
    calls: { argv: string[]; method: string; path: string; body?: Record<string, unknown> }[];
    /** Counts budget window restarts: LiteLLM sets `budget_reset_at` whenever a request carries `budget_duration`. */
    resets: number;
}

/** The fake `curl`: one Node script, its state in state.json beside it. */
const FAKE_CURL = String.raw`
const fs = require("fs");
const path = require("path");
const statePath = path.join(__dirname, "..", "state.json");
const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
const args = process.argv.slice(2);
let out, fmt, method, url, stdin = false, failOnError = false;
const headers = [];
for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-o") out = args[++i];
    else if (a === "-w") fmt = args[++i];
    else if (a === "-X") method = args[++i];
    else if (a === "--cacert") i++;
    else if (a === "--data-binary") { i++; stdin = true; }
    else if (a === "-H") {
        const h = args[++i];
        headers.push(...(h.startsWith("@") ? fs.readFileSync(h.slice(1), "utf8").split("\n").filter(Boolean) : [h]));
    } else if (a === "-sf") failOnError = true;
    else if (!a.startsWith("-")) url = a;
}
const body = stdin ? fs.readFileSync(0, "utf8") : "";
method = method || (stdin ? "POST" : "GET");
const auth = (headers.find((h) => h.startsWith("Authorization: Bearer ")) || "").slice("Authorization: Bearer ".length);
const u = new URL(url);
state.calls.push({ argv: args, method, path: u.pathname, ...(body && u.hostname !== "kubernetes.default.svc" ? { body: JSON.parse(body) } : {}) });
const json = (status, obj, pretty) => [status, JSON.stringify(obj, null, pretty ? 2 : 0)];
const b64 = (s) => Buffer.from(s).toString("base64");
const secretJson = () => ({ kind: "Secret", metadata: { name: "llm-gateway-key", managedFields: [{ fieldsV1: { "f:data": { "f:api-key": {} } } }] }, data: state.secret.data });

function gateway() {
    const p = u.pathname;
    if (p === "/health/readiness") return [200, "{}"];
    if (p === "/key/info") {
        const k = state.keys.find((x) => x.key === auth);
        return k ? json(200, { key: auth, info: { key_alias: k.alias, team_id: k.team_id, spend: 0 } }, true) : json(401, { error: { message: "Invalid proxy server token passed" } });
    }
    if (auth !== state.masterKey) return json(401, { error: { message: "Authentication Error" } });
    const req = JSON.parse(body || "{}");
    // update_team / new_team: a request with budget_duration restarts the window (budget_reset_at = now + duration).
    const restart = (team) => {
        if (req.budget_duration !== undefined) team.budget_reset_at = "reset-" + ++state.resets;
        return team;
    };
    if (p === "/team/info") {
        const team = state.teams[u.searchParams.get("team_id")];
        if (!team) return json(404, { detail: { message: "Team not found, passed team id: " + u.searchParams.get("team_id") + "." } });
        // TeamInfoResponseObject: team_id, team_info, keys, team_memberships. Keys and member budgets carry their own budget_duration.
        const keys = state.keys.filter((k) => k.team_id === team.team_id).map((k) => ({ key_alias: k.alias, team_id: k.team_id, budget_duration: "1d" }));
        return json(200, { team_id: team.team_id, team_info: { team_alias: team.team_alias, team_id: team.team_id, members_with_roles: [{ role: "admin", user_id: "u1" }], metadata: team.metadata, max_budget: team.max_budget, budget_duration: team.budget_duration ?? null, budget_reset_at: team.budget_reset_at }, keys, team_memberships: [{ team_id: team.team_id, litellm_budget_table: { budget_duration: "7d" } }] });
    }
    if (p === "/team/update") {
        if (!state.teams[req.team_id]) return json(404, { detail: { error: "Team not found, passed team_id=" + req.team_id } });
        state.teams[req.team_id] = restart({ ...state.teams[req.team_id], ...req });
        return json(200, { team_id: req.team_id });
    }
    if (p === "/team/new") {
        if (state.teams[req.team_id]) return json(400, { error: { message: "Team id = " + req.team_id + " already exists. Please use a different team id." } });
        state.teams[req.team_id] = restart({ ...req });
        return json(200, req);
    }
    if (p === "/key/delete") {
        const before = state.keys.length;
        state.keys = state.keys.filter((k) => !req.key_aliases.includes(k.alias));
        return before === state.keys.length ? json(404, { error: { message: "No keys found" } }) : json(200, { deleted_keys: req.key_aliases });
    }
    if (p === "/key/generate") {
        if (state.keys.some((k) => k.alias === req.key_alias)) return json(400, { error: { message: "Key with alias already exists" } });
        const key = "sk-" + require("crypto").randomBytes(16).toString("base64url");
        state.keys.push({ key, alias: req.key_alias, team_id: req.team_id });
        return json(200, { key_alias: req.key_alias, team_id: req.team_id, key, token: "hashed" });
    }
    return json(404, { detail: "Not Found" });
}

function kubernetes() {
    if (auth !== state.kubeToken) return json(401, { kind: "Status", code: 401 });
    if (!state.secret.exists) return json(404, { kind: "Status", code: 404 });
    if (method === "PATCH") {
        for (const [k, v] of Object.entries(JSON.parse(body).stringData)) state.secret.data[k] = b64(v);
    }
    return json(200, secretJson(), true);
}

const [status, text] = u.hostname === "kubernetes.default.svc" ? kubernetes() : gateway();
fs.writeFileSync(statePath, JSON.stringify(state));
if (out) fs.writeFileSync(out, text);
if (fmt) process.stdout.write(fmt.replace("%{http_code}", String(status)));
process.exit(failOnError && status >= 400 ? 22 : 0);
`;

class FakeCluster {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-sync-"));

    constructor() {
        for (const sub of ["bin", "sa", "tmp"]) fs.mkdirSync(path.join(this.dir, sub));
        fs.writeFileSync(path.join(this.dir, "bin", "curl"), `#!${process.execPath}\n${FAKE_CURL}`, { mode: 0o755 });
        fs.writeFileSync(path.join(this.dir, "sa", "token"), KUBE_TOKEN);
        fs.writeFileSync(path.join(this.dir, "sa", "ca.crt"), "ca");
        this.write({ masterKey: MASTER_KEY, kubeToken: KUBE_TOKEN, teams: {}, keys: [], secret: { exists: true, data: {} }, calls: [], resets: 0 });
    }

    get state(): FakeState {
        return JSON.parse(fs.readFileSync(path.join(this.dir, "state.json"), "utf8"));
    }

    write(state: FakeState): void {
        fs.writeFileSync(path.join(this.dir, "state.json"), JSON.stringify(state));
    }

    update(change: (s: FakeState) => void): void {
        const s = this.state;
        change(s);
        this.write(s);
    }

    /** Runs the Job rendered for `spec` as its pod would: its script, its env, the master key resolved from the secretKeyRef. */
    run(spec: TenantSpec, masterKey = MASTER_KEY): { status: number | null; stdout: string; stderr: string } {
        const tenant = validateTenantNamespaceArgs(spec.name, tenantArgs({} as k8s.Provider, spec)).tenant;
        const container = (renderTeamSyncJob(tenant, GATEWAY) as any).spec.template.spec.containers[0];
        const env: Record<string, string> = { PATH: `${path.join(this.dir, "bin")}:${process.env.PATH}` };
        for (const e of container.env) env[e.name] = e.valueFrom ? masterKey : e.value;
        const script = TEAM_SYNC_SCRIPT.replaceAll("/tmp/", `${path.join(this.dir, "tmp")}/`).replaceAll(SA_DIR, path.join(this.dir, "sa"));
        this.update((s) => (s.calls = []));
        const result = spawnSync("/bin/sh", ["-c", script], { env, encoding: "utf8" });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    secretValue(key: string): string | undefined {
        const data = this.state.secret.data[key];
        return data === undefined ? undefined : Buffer.from(data, "base64").toString();
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

describe("TenantNamespace team-sync script", function () {
    let cluster: FakeCluster;

    before(function () {
        if (!fs.existsSync("/bin/sh")) {
            console.log("      skipping: /bin/sh not available");
            this.skip();
        }
    });
    beforeEach(() => (cluster = new FakeCluster()));
    afterEach(() => cluster.cleanup());

    it("creates the team, generates the key and writes it into the tenant's Secret, never putting a credential on a command line", () => {
        const run = cluster.run(RESEARCH);
        assert.equal(run.status, 0, run.stderr);
        const state = cluster.state;
        assert.deepEqual(state.calls.map((c) => `${c.method} ${c.path}`), [
            "GET /health/readiness",
            "GET /team/info",
            "POST /team/new",
            "GET /api/v1/namespaces/research/secrets/llm-gateway-key",
            "POST /key/delete",
            "POST /key/generate",
            "PATCH /api/v1/namespaces/research/secrets/llm-gateway-key",
        ]);
        assert.deepEqual(state.teams.research, { ...RESEARCH_TEAM_REQUEST, budget_reset_at: "reset-1" });
        assert.equal(state.keys.length, 1);
        assert.deepEqual({ alias: state.keys[0].alias, team: state.keys[0].team_id }, { alias: "genai-platform/research", team: "research" });
        assert.equal(cluster.secretValue("api-key"), state.keys[0].key);
        assert.equal(cluster.secretValue("base-url"), "http://gateway.llm-gateway.svc.cluster.local:4000");
        const argv = JSON.stringify(state.calls.map((c) => c.argv));
        for (const credential of [MASTER_KEY, KUBE_TOKEN, state.keys[0].key]) assert.ok(!argv.includes(credential), "a credential reached curl's command line");
        assert.ok(!run.stdout.includes(state.keys[0].key) && !run.stderr.includes(state.keys[0].key), "the key was logged");
        assert.equal(fs.readFileSync(path.join(cluster.dir, "tmp", "out"), "utf8"), "", "responses holding the key are wiped");
    });

    it("on a budget change updates the team in place and keeps the tenant's key", () => {
        assert.equal(cluster.run(RESEARCH).status, 0);
        const key = cluster.secretValue("api-key");
        const run = cluster.run({ ...RESEARCH, team: { ...RESEARCH.team, maxBudgetUsd: 900, rpm: undefined } });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /reusing key genai-platform\/research/);
        const state = cluster.state;
        assert.deepEqual([state.teams.research.max_budget, state.teams.research.rpm_limit], [900, null]);
        assert.ok(!state.calls.some((c) => c.path === "/team/new" || c.path === "/key/generate" || c.path === "/key/delete"));
        assert.deepEqual(state.keys.map((k) => k.key), [key]);
        assert.equal(cluster.secretValue("api-key"), key);
    });

    it("reads the team first and sends budget_duration only when it changed, so re-runs never restart the budget window", () => {
        assert.equal(cluster.run(RESEARCH).status, 0);
        assert.equal(cluster.state.teams.research.budget_reset_at, "reset-1");
        // Same desired state: the team is updated, its window left alone (LiteLLM update_team sets budget_reset_at whenever budget_duration is sent).
        const again = cluster.run(RESEARCH);
        assert.equal(again.status, 0, again.stderr);
        const update = cluster.state.calls.find((c) => c.path === "/team/update");
        assert.ok(update, "the team is still updated");
        assert.ok(!("budget_duration" in update.body!), "an unchanged budget_duration is not sent");
        assert.deepEqual(update.body, (({ budget_duration: _, ...rest }) => rest)(RESEARCH_TEAM_REQUEST));
        assert.equal(cluster.state.teams.research.budget_reset_at, "reset-1");
        // A new period is sent, and restarts the window once.
        const weekly = cluster.run({ ...RESEARCH, team: { ...RESEARCH.team, budgetDuration: "7d" } });
        assert.equal(weekly.status, 0, weekly.stderr);
        assert.equal(cluster.state.calls.find((c) => c.path === "/team/update")?.body?.budget_duration, "7d");
        assert.deepEqual([cluster.state.teams.research.budget_duration, cluster.state.teams.research.budget_reset_at], ["7d", "reset-2"]);
        assert.equal(cluster.run({ ...RESEARCH, team: { ...RESEARCH.team, budgetDuration: "7d" } }).status, 0);
        assert.equal(cluster.state.teams.research.budget_reset_at, "reset-2");
    });

    it("sends budget_duration to a team that has none (set by hand, or by an older sync)", () => {
        assert.equal(cluster.run(RESEARCH).status, 0);
        cluster.update((s) => delete s.teams.research.budget_duration);
        assert.equal(cluster.run(RESEARCH).status, 0);
        assert.equal(cluster.state.calls.find((c) => c.path === "/team/update")?.body?.budget_duration, "30d");
        assert.equal(cluster.state.teams.research.budget_reset_at, "reset-2");
    });

    it("replaces a key whose value was lost (Secret emptied) or that the gateway no longer knows", () => {
        assert.equal(cluster.run(RESEARCH).status, 0);
        const first = cluster.secretValue("api-key");
        cluster.update((s) => (s.secret.data = {}));
        assert.equal(cluster.run(RESEARCH).status, 0);
        const second = cluster.secretValue("api-key");
        assert.notEqual(second, first);
        assert.deepEqual(cluster.state.keys.map((k) => k.key), [second], "the orphaned key under the alias is retired");
        cluster.update((s) => (s.keys = []));
        assert.equal(cluster.run(RESEARCH).status, 0);
        const third = cluster.secretValue("api-key");
        assert.notEqual(third, second);
        assert.deepEqual(cluster.state.keys.map((k) => k.key), [third]);
    });

    it("fails the Job, saying why, when the gateway refuses the master key or the Secret is missing", () => {
        const refused = cluster.run(RESEARCH, "sk-wrong-master-key-000000");
        assert.notEqual(refused.status, 0);
        assert.match(refused.stderr, /team-sync: reading team research: HTTP 401/);
        assert.deepEqual(cluster.state.teams, {});
        cluster.update((s) => (s.secret.exists = false));
        const missing = cluster.run(RESEARCH);
        assert.notEqual(missing.status, 0);
        assert.match(missing.stderr, /team-sync: reading Secret research\/llm-gateway-key: HTTP 404/);
        assert.deepEqual(cluster.state.keys, [], "no key is generated that could not be delivered");
    });
});

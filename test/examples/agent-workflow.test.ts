/**
 * examples/agent-workflow end to end: the real LangGraph agent process, a
 * real PostgreSQL (the checkpoint database created by AgentService's own
 * provisioning script), a scripted OpenAI-compatible stub for the gateway and
 * an OTLP receiver standing in for the platform's OTel collector.
 *
 * PostgreSQL: `.ci/run` starts one and exports AGENT_WORKFLOW_DATABASE_URL;
 * without it the suite starts a throwaway server itself with
 * `.ci/postgres.sh` when Debian's server binaries are installed. With neither,
 * it skips, loudly, except under CI=true, where that is a failure.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROVISION_SCRIPT } from "../../components/agent-service";
import { maxConcurrency, OpenAiStub } from "../harness/openai-stub";
import { OtlpReceiver, type ReceivedSpan } from "../harness/otlp-receiver";

const ROOT = path.resolve(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/agent-workflow");
const POSTGRES_SCRIPT = path.join(ROOT, ".ci/postgres.sh");
const TENANT = "research";
const ROUTER = "llama-3.1-8b";
const ANSWERER = "gpt-4o";
const DB_NAME = "agent_research_assistant";

interface RunReport {
    threadId: string;
    status: string;
    route?: string;
    answer?: string;
    error?: string;
    interrupt?: { ask: string };
    next: string[];
}

/** Why the suite cannot run here, or undefined. */
function missingPrerequisite(): string | undefined {
    if (!existsSync(path.join(EXAMPLE, "node_modules/@langchain/langgraph"))) return "examples/agent-workflow has no node_modules (run `npm ci` in that folder)";
    if (process.env.AGENT_WORKFLOW_DATABASE_URL) return undefined;
    try {
        execFileSync(POSTGRES_SCRIPT, ["available"], { stdio: "ignore" });
        return undefined;
    } catch {
        return "no PostgreSQL: set AGENT_WORKFLOW_DATABASE_URL or install Debian's postgresql package (`.ci/run` does)";
    }
}

const psql = (url: string, sql: string) => execFileSync("psql", [url, "-XAtqc", sql], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

function provision(adminUrl: string, password: string): string {
    return execFileSync("/bin/sh", ["-c", PROVISION_SCRIPT], { env: { ...process.env, ADMIN_URL: adminUrl, DB_NAME, DB_PASSWORD: password }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The URL of `role` on the admin URL's server. */
function roleUrl(adminUrl: string, role: string, password: string): string {
    const url = new URL(adminUrl);
    url.username = role;
    url.password = password;
    url.pathname = `/${role}`;
    return url.toString();
}

/** One agent-workflow server process. */
class Agent {
    private child?: ChildProcess;
    private output = "";
    url = "";

    constructor(private readonly env: Record<string, string>) {}

    async start(): Promise<void> {
        this.child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], { cwd: EXAMPLE, env: { ...process.env, ...this.env }, stdio: ["ignore", "pipe", "pipe"] });
        this.child.stderr!.on("data", (d) => (this.output += d));
        const port = await new Promise<string>((resolve, reject) => {
            this.child!.stdout!.on("data", (d) => {
                this.output += d;
                const m = /listening on (\d+)/.exec(this.output);
                if (m) resolve(m[1]);
            });
            this.child!.on("exit", (code) => reject(new Error(`agent exited with ${code}:\n${this.output}`)));
        });
        this.url = `http://127.0.0.1:${port}`;
    }

    /** SIGKILL: no shutdown hook runs, as when a node dies. */
    kill(): Promise<void> {
        return this.signal("SIGKILL");
    }

    /** SIGTERM: the server's own shutdown. */
    stop(): Promise<void> {
        return this.signal("SIGTERM");
    }

    private async signal(signal: NodeJS.Signals): Promise<void> {
        const child = this.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.on("exit", resolve));
        child.kill(signal);
        await exited;
    }

    async request(method: string, route: string, body?: unknown): Promise<{ status: number; json: RunReport }> {
        const res = await fetch(`${this.url}${route}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: res.status, json: (await res.json()) as RunReport };
    }

    async run(question: string, threadId?: string): Promise<RunReport> {
        const { status, json } = await this.request("POST", "/runs", { question, threadId });
        assert.equal(status, 200, JSON.stringify(json));
        return json;
    }
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 15000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

const isRouter = (c: { model: string }) => c.model === ROUTER;
const isInvestigation = (c: { system: string }) => c.system.startsWith("Investigate only the");
const aspectOf = (c: { system: string }) => /Investigate only the (\w+)/.exec(c.system)?.[1];

describe("examples/agent-workflow end to end (LangGraph + PostgreSQL + gateway and OTLP stubs)", function () {
    this.timeout(180000);
    const gateway = new OpenAiStub();
    const collector = new OtlpReceiver();
    let ownServer: string | undefined;
    let adminUrl: string;
    let databaseUrl: string;
    let agentEnv: Record<string, string>;
    const agents: Agent[] = [];

    const newAgent = async (overrides: Record<string, string> = {}) => {
        const agent = new Agent({ ...agentEnv, ...overrides });
        agents.push(agent);
        await agent.start();
        return agent;
    };

    before(async function () {
        const missing = missingPrerequisite();
        if (missing) {
            if (process.env.CI === "true") throw new Error(`agent-workflow end-to-end tests cannot run under CI: ${missing}`);
            console.warn(`\n  !!! SKIPPING the agent-workflow end-to-end tests: ${missing}\n`);
            this.skip();
        }
        if (process.env.AGENT_WORKFLOW_DATABASE_URL) {
            adminUrl = process.env.AGENT_WORKFLOW_DATABASE_URL;
        } else {
            ownServer = mkdtempSync(path.join(tmpdir(), "agent-workflow-pg-"));
            const started = Date.now();
            adminUrl = execFileSync(POSTGRES_SCRIPT, ["start", ownServer], { encoding: "utf8" }).trim();
            console.log(`    (PostgreSQL started by the suite in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
        }
        const password = randomBytes(16).toString("hex");
        provision(adminUrl, password);
        databaseUrl = roleUrl(adminUrl, DB_NAME, password);
        await gateway.start();
        await collector.start();
        agentEnv = {
            PORT: "0",
            TENANT,
            OPENAI_BASE_URL: gateway.baseUrl,
            OPENAI_API_KEY: "sk-tenant-virtual-key",
            DATABASE_URL: databaseUrl,
            ROUTER_MODEL: ROUTER,
            ANSWER_MODEL: ANSWERER,
            MODEL_MAX_ATTEMPTS: "3",
            MODEL_RETRY_BASE_MS: "20",
            OTEL_SERVICE_NAME: "assistant",
            // What AgentService sets: the collector's URL and no credential.
            OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
            OTEL_RESOURCE_ATTRIBUTES: `tenant=${TENANT},service.namespace=${TENANT}`,
            OTEL_BSP_SCHEDULE_DELAY: "100",
        };
    });

    after(async () => {
        await Promise.all(agents.map((a) => a.stop()));
        await gateway.stop();
        await collector.stop();
        if (ownServer) execFileSync(POSTGRES_SCRIPT, ["stop", ownServer]);
    });

    describe("the checkpoint database AgentService provisions", () => {
        it("gives the agent's role a database of its own that no other role can connect to, and re-running never drops it", () => {
            psql(databaseUrl, "CREATE TABLE IF NOT EXISTS survives (v text); INSERT INTO survives VALUES ('kept')");
            const rerunPassword = randomBytes(16).toString("hex");
            assert.match(provision(adminUrl, rerunPassword), /provision-db: database and role agent_research_assistant are ready/);
            // A re-run resets the password to the Secret's and keeps the data.
            assert.equal(psql(roleUrl(adminUrl, DB_NAME, rerunPassword), "SELECT v FROM survives"), "kept");
            assert.throws(() => psql(databaseUrl, "SELECT 1"), /password authentication failed/);
            provision(adminUrl, new URL(databaseUrl).password);

            psql(adminUrl, "DROP ROLE IF EXISTS other_agent; CREATE ROLE other_agent LOGIN PASSWORD 'other-password'");
            const other = new URL(databaseUrl);
            other.username = "other_agent";
            other.password = "other-password";
            assert.throws(() => psql(other.toString(), "SELECT 1"), /permission denied for database "agent_research_assistant"/);
        });
    });

    describe("the workflow", () => {
        let agent: Agent;
        before(async () => {
            agent = await newAgent();
        });

        it("answers at once when the cheap router says direct, with the stronger model", async () => {
            gateway.script = (c) => (isRouter(c) ? { content: "direct" } : { content: "Paris." });
            const run = await agent.run("q-direct: capital of France?");
            assert.equal(run.status, "answered");
            assert.equal(run.route, "direct");
            assert.equal(run.answer, "Paris.");
            assert.deepEqual(gateway.callsFor("q-direct").map((c) => c.model), [ROUTER, ANSWERER]);
            for (const c of gateway.callsFor("q-direct")) assert.equal(c.headers.authorization, "Bearer sk-tenant-virtual-key");
        });

        it("fans research out to parallel sub-tasks that overlap at the gateway, then fans in to one answer", async () => {
            gateway.script = (c) => (isRouter(c) ? { content: "Research." } : isInvestigation(c) ? { content: `notes on ${aspectOf(c)}`, delayMs: 400 } : { content: "A reasoned answer." });
            const run = await agent.run("q-research: should we adopt LangGraph?");
            assert.equal(run.status, "answered");
            assert.equal(run.route, "research");
            const calls = gateway.callsFor("q-research");
            const investigations = calls.filter(isInvestigation);
            assert.deepEqual(investigations.map(aspectOf).sort(), ["background", "evidence", "risks"]);
            assert.ok(investigations.every((c) => c.model === ANSWERER));
            assert.equal(maxConcurrency(investigations), 3, "the three sub-tasks were in flight at once");
            const final = calls.filter((c) => c.model === ANSWERER && !isInvestigation(c));
            assert.equal(final.length, 1);
            for (const aspect of ["background", "evidence", "risks"]) assert.match(final[0].user, new RegExp(`- ${aspect}: notes on ${aspect}`));
            assert.ok(final[0].startedAt >= Math.max(...investigations.map((c) => c.endedAt!)), "the answer waits for every branch");
        });

        it("retries a failing call up to its bound, then ends the run cleanly on the error path", async () => {
            gateway.script = (c) => (isRouter(c) ? { status: 503 } : { content: "never asked" });
            const run = await agent.run("q-failing: anything");
            assert.equal(run.status, "failed");
            assert.match(run.error ?? "", /model llama-3\.1-8b failed after 3 attempt\(s\)/);
            assert.equal(run.answer, undefined);
            assert.deepEqual(gateway.callsFor("q-failing").map((c) => [c.model, c.status]), [[ROUTER, 503], [ROUTER, 503], [ROUTER, 503]]);
            assert.equal((await agent.request("GET", "/healthz")).status, 200, "the service keeps serving");
        });

        it("recovers when a retry succeeds", async () => {
            // The first router call fails; the stub has recorded the call it is answering.
            gateway.script = (c) => (isRouter(c) ? (gateway.callsFor("q-flaky").filter(isRouter).length === 1 ? { status: 500 } : { content: "direct" }) : { content: "fine" });
            const run = await agent.run("q-flaky: anything");
            assert.equal(run.status, "answered");
            assert.deepEqual(gateway.callsFor("q-flaky").map((c) => [c.model, c.status]), [[ROUTER, 500], [ROUTER, 200], [ANSWERER, 200]]);
        });
    });

    describe("durability", () => {
        it("stops for a human, and a new process resumes the run from the Postgres checkpoint", async () => {
            const first = await newAgent();
            gateway.script = (c) => (isRouter(c) ? { content: c.user.includes("Clarification:") ? "direct" : "clarify" } : { content: "Use the EU region." });
            const threadId = "hitl-1";
            const stopped = await first.run("q-hitl: where should we deploy?", threadId);
            assert.equal(stopped.status, "interrupted");
            assert.equal(stopped.interrupt?.ask, "Please clarify the question.");
            await first.kill();

            const second = await newAgent();
            assert.equal((await second.request("GET", `/runs/${threadId}`)).json.status, "interrupted");
            const { status, json } = await second.request("POST", `/runs/${threadId}/resume`, { input: "for EU customers" });
            assert.equal(status, 200);
            assert.equal(json.status, "answered");
            assert.equal(json.answer, "Use the EU region.");
            const calls = gateway.callsFor("q-hitl");
            assert.deepEqual(calls.map((c) => c.model), [ROUTER, ROUTER, ANSWERER]);
            assert.match(calls[2].user, /Clarification: for EU customers/);
            assert.equal((await second.request("POST", `/runs/${threadId}/resume`, { input: "again" })).status, 409, "a finished run is not resumed");
        });

        it("loses no checkpointed step when the server is killed mid-run", async () => {
            let release!: () => void;
            const held = new Promise<void>((resolve) => (release = resolve));
            gateway.script = (c) => {
                if (isRouter(c)) return { content: "research" };
                if (isInvestigation(c)) return aspectOf(c) === "background" ? { content: "notes on background" } : { until: held, content: `notes on ${aspectOf(c)}` };
                return { content: "Answer from all three." };
            };
            const threadId = "crash-1";
            const first = await newAgent();
            const pending = first.run("q-crash: migrate the database?", threadId).catch(() => undefined);
            await eventually("three investigations in flight", () => (gateway.callsFor("q-crash").filter(isInvestigation).length === 3 ? true : undefined));
            // The finished branch's write reaches Postgres before the crash.
            await eventually("the finished branch's checkpoint write", () =>
                psql(databaseUrl, `SELECT count(*) FROM checkpoint_writes WHERE thread_id = '${threadId}' AND channel = 'findings'`) === "1" ? true : undefined);
            await first.kill();
            await pending;
            release();

            const second = await newAgent();
            const before = (await second.request("GET", `/runs/${threadId}`)).json;
            assert.equal(before.status, "pending");
            assert.equal(before.route, "research");
            const after = (await second.request("POST", `/runs/${threadId}/resume`, {})).json;
            assert.equal(after.status, "answered");
            assert.equal(after.answer, "Answer from all three.");
            const calls = gateway.callsFor("q-crash");
            assert.equal(calls.filter(isRouter).length, 1, "the checkpointed classification is not redone");
            assert.deepEqual(calls.filter(isInvestigation).map(aspectOf), ["background", "evidence", "risks", "evidence", "risks"], "only the unfinished branches run again");
            const final = calls.filter((c) => c.model === ANSWERER && !isInvestigation(c));
            for (const aspect of ["background", "evidence", "risks"]) assert.match(final[0].user, new RegExp(`- ${aspect}: notes on ${aspect}`));
        });
    });

    describe("tracing", () => {
        it("exports every run's spans to the collector without any credential, tagged with the tenant, joined by the gateway calls", async () => {
            const roots = await eventually("root spans of the runs", () => {
                const found = collector.spans.filter((s) => s.name === "agent.run" || s.name === "agent.resume");
                return found.length >= 6 ? found : undefined;
            });
            for (const root of roots) {
                assert.deepEqual(root.attributes["langfuse.trace.tags"], [TENANT]);
                assert.equal(root.resource.tenant, TENANT);
                assert.equal(root.resource["service.name"], "assistant");
            }
            assert.ok(collector.spans.every((s) => s.authorization === undefined), "the agent holds no Langfuse key");
            assert.deepEqual(collector.rejected, []);

            const research = gateway.callsFor("q-research");
            const traceId = String(research[0].headers.traceparent).split("-")[1];
            assert.ok(research.every((c) => String(c.headers.traceparent).split("-")[1] === traceId), "every gateway call carries the run's trace");
            const tree = await eventually("the research run's spans", () => {
                const lines = collector.tree(traceId);
                return lines.filter((l) => l.trim() === "llm.attempt").length === 5 ? lines : undefined;
            });
            console.log(`    trace tree of one research run:\n${tree.map((l) => `      ${l}`).join("\n")}`);
            assert.equal(tree[0], "agent.run");
            const nodes = (spans: ReceivedSpan[]) => spans.filter((s) => s.traceId === traceId && s.name.startsWith("node.")).map((s) => s.name).sort();
            assert.deepEqual(nodes(collector.spans), ["node.classify", "node.gather", "node.investigate", "node.investigate", "node.investigate", "node.respond"]);
        });
    });
});

/**
 * The workflow's HTTP API:
 * - `GET /healthz`: 200 once the checkpoint database answers;
 * - `POST /runs` `{ "question": "...", "threadId"?: "..." }`: runs the graph until it ends or stops for a human;
 * - `GET /runs/:threadId`: the run as its latest checkpoint has it;
 * - `POST /runs/:threadId/resume` `{ "input": "..." }`: continues an interrupted (or interrupted-by-crash) run.
 * Runs answer with a RunReport (runs.ts).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { loadSettings } from "./config";
import { buildGraph } from "./graph";
import { gatewayChat } from "./llm";
import { report, resumeRun, RunFinished, startRun, UnknownRun } from "./runs";
import { startTracing, stopTracing } from "./tracing";

const MAX_BODY_BYTES = 64 * 1024;
const THREAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

class BadRequest extends Error {}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) throw new BadRequest("body too large");
        chunks.push(chunk as Buffer);
    }
    try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error();
        return body;
    } catch {
        throw new BadRequest("expected a JSON object");
    }
}

function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
}

function statusOf(error: unknown): number {
    if (error instanceof BadRequest) return 400;
    if (error instanceof UnknownRun) return 404;
    if (error instanceof RunFinished) return 409;
    return 500;
}

async function main(): Promise<void> {
    const settings = loadSettings();
    startTracing();
    const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 10 });
    const checkpointer = new PostgresSaver(pool);
    await checkpointer.setup();
    const graph = buildGraph(settings, gatewayChat(settings), checkpointer);

    const threadIdOf = (value: unknown): string => {
        if (value === undefined) return randomUUID();
        if (typeof value !== "string" || !THREAD_ID.test(value)) throw new BadRequest("threadId: expected 1-128 of A-Z a-z 0-9 _ -");
        return value;
    };

    const server = createServer(async (req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const run = /^\/runs\/([^/]+)(\/resume)?$/.exec(url.pathname);
        try {
            if (req.method === "GET" && url.pathname === "/healthz") {
                await pool.query("SELECT 1");
                return send(res, 200, { ok: true });
            }
            if (req.method === "POST" && url.pathname === "/runs") {
                const body = await readJson(req);
                if (typeof body.question !== "string" || body.question.trim() === "") throw new BadRequest("question: expected a non-empty string");
                return send(res, 200, await startRun(settings, graph, threadIdOf(body.threadId), body.question));
            }
            if (run && req.method === "GET" && !run[2]) return send(res, 200, await report(graph, threadIdOf(run[1])));
            if (run && req.method === "POST" && run[2]) {
                const body = await readJson(req);
                return send(res, 200, await resumeRun(settings, graph, threadIdOf(run[1]), body.input));
            }
            send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
        } catch (error) {
            const status = statusOf(error);
            if (status === 500) console.error(error);
            send(res, status, { error: (error as Error).message });
        }
    });

    const shutdown = () => {
        server.close();
        // Runs in flight end with the process; what they checkpointed stays, and POST /runs/:id/resume continues them.
        void Promise.allSettled([stopTracing(), pool.end()]).then(() => process.exit(0));
    };
    process.on("SIGTERM", shutdown);
    process.on("SIGINT", shutdown);
    server.listen(settings.port, () => {
        const address = server.address();
        console.log(`agent-workflow listening on ${typeof address === "object" && address ? address.port : settings.port}`);
    });
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});

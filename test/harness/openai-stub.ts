/**
 * A deterministic stand-in for the LLM gateway's OpenAI-compatible API
 * (`POST /v1/chat/completions`, non-streaming), scripted per test: the script
 * sees each call (model, system and user messages, headers) and says what to
 * answer, with what status, after what delay or when a test releases it.
 * Every call is recorded with its start and end times, so tests can check
 * which models were asked, how often, and whether calls overlapped.
 */
import type { IncomingHttpHeaders } from "node:http";
import { LoopbackServer } from "./loopback-server";

export interface ChatCall {
    model: string;
    system: string;
    user: string;
    headers: IncomingHttpHeaders;
    startedAt: number;
    endedAt?: number;
    status?: number;
}

export interface ScriptedReply {
    /** HTTP status. Default 200. */
    status?: number;
    /** The assistant's message. Default "ok". */
    content?: string;
    /** Milliseconds to wait before answering. Default 0. */
    delayMs?: number;
    /** Answer only once this settles. */
    until?: Promise<unknown>;
}

export type Script = (call: ChatCall, index: number) => ScriptedReply;

export class OpenAiStub extends LoopbackServer {
    readonly calls: ChatCall[] = [];
    script: Script = () => ({});

    get baseUrl(): string {
        return `${this.origin}/v1`;
    }

    async start(): Promise<void> {
        await this.listen(async (req, raw, res) => {
            if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
                res.writeHead(404).end();
                return;
            }
            const body = JSON.parse(raw);
            const text = (role: string) => (body.messages as { role: string; content: string }[]).filter((m) => m.role === role).map((m) => m.content).join("\n");
            const call: ChatCall = { model: body.model, system: text("system"), user: text("user"), headers: req.headers, startedAt: Date.now() };
            this.calls.push(call);
            const reply = this.script(call, this.calls.length - 1);
            if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
            if (reply.until) await reply.until;
            call.status = reply.status ?? 200;
            call.endedAt = Date.now();
            if (res.destroyed) return;
            res.writeHead(call.status, { "content-type": "application/json" });
            if (call.status !== 200) {
                res.end(JSON.stringify({ error: { message: `scripted failure ${call.status}`, type: "server_error" } }));
                return;
            }
            res.end(JSON.stringify({
                id: `chatcmpl-${this.calls.length}`,
                object: "chat.completion",
                created: Math.floor(Date.now() / 1000),
                model: body.model,
                choices: [{ index: 0, message: { role: "assistant", content: reply.content ?? "ok" }, finish_reason: "stop" }],
                usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
            }));
        });
    }

    /** Calls whose user message contains `marker` (each test asks a question of its own). */
    callsFor(marker: string): ChatCall[] {
        return this.calls.filter((c) => c.user.includes(marker));
    }
}

/** The most calls among `calls` that were in flight at one instant. */
export function maxConcurrency(calls: readonly ChatCall[]): number {
    const edges = calls.flatMap((c) => [{ t: c.startedAt, d: 1 }, { t: c.endedAt ?? Infinity, d: -1 }]).sort((a, b) => a.t - b.t || a.d - b.d);
    let current = 0;
    let most = 0;
    for (const e of edges) most = Math.max(most, (current += e.d));
    return most;
}

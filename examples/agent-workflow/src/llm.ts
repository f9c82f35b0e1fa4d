/**
 * Every model call goes through the platform's LLM gateway (LiteLLM), which
 * speaks the OpenAI API: OPENAI_BASE_URL is its in-cluster `/v1` URL and
 * OPENAI_API_KEY the tenant's virtual key. Retries are ours, bounded and
 * visible as one span per attempt; the client's own retries are off so the
 * bound is exact.
 */
import { ChatOpenAI } from "@langchain/openai";
import type { Settings } from "./config";
import { traced, traceHeaders } from "./tracing";

export class ModelCallFailed extends Error {
    constructor(readonly model: string, readonly attempts: number, cause: unknown) {
        super(`model ${model} failed after ${attempts} attempt(s): ${(cause as Error)?.message ?? String(cause)}`);
        this.name = "ModelCallFailed";
    }
}

export type Chat = (model: string, system: string, user: string) => Promise<string>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A chat call with up to `settings.maxAttempts` attempts and exponential backoff between them. */
export function gatewayChat(settings: Settings): Chat {
    return (model, system, user) =>
        traced("llm.chat", { "gen_ai.request.model": model, "langfuse.observation.type": "generation" }, async (span) => {
            let lastError: unknown;
            for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
                try {
                    const content = await traced("llm.attempt", { attempt, "gen_ai.request.model": model }, async () => {
                        const client = new ChatOpenAI({
                            model,
                            apiKey: settings.apiKey,
                            temperature: 0,
                            maxRetries: 0,
                            timeout: settings.callTimeoutMs,
                            configuration: { baseURL: settings.baseUrl, defaultHeaders: traceHeaders() },
                        });
                        const reply = await client.invoke([{ role: "system", content: system }, { role: "user", content: user }]);
                        return typeof reply.content === "string" ? reply.content : JSON.stringify(reply.content);
                    });
                    span.setAttribute("attempts", attempt);
                    return content;
                } catch (error) {
                    lastError = error;
                    if (attempt < settings.maxAttempts) await sleep(settings.retryBaseMs * 2 ** (attempt - 1));
                }
            }
            span.setAttribute("attempts", settings.maxAttempts);
            throw new ModelCallFailed(model, settings.maxAttempts, lastError);
        });
}

/** The service's settings, all from the environment the AgentService component renders. */
export interface Settings {
    port: number;
    tenant: string;
    /** The gateway's OpenAI-compatible base URL (`.../v1`). */
    baseUrl: string;
    apiKey: string;
    databaseUrl: string;
    /** Cheap model that only classifies the question. */
    routerModel: string;
    /** Stronger model that researches and answers. */
    answerModel: string;
    /** Attempts per model call, the first included. */
    maxAttempts: number;
    /** Backoff before the second attempt, doubled for each further one. */
    retryBaseMs: number;
    callTimeoutMs: number;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is required`);
    return value;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`environment variable ${name} must be a whole number ≥ ${min}; got ${JSON.stringify(raw)}`);
    return value;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
    return {
        port: wholeNumber(env, "PORT", 8080, 0),
        tenant: required(env, "TENANT"),
        baseUrl: required(env, "OPENAI_BASE_URL"),
        apiKey: required(env, "OPENAI_API_KEY"),
        databaseUrl: required(env, "DATABASE_URL"),
        routerModel: required(env, "ROUTER_MODEL"),
        answerModel: required(env, "ANSWER_MODEL"),
        maxAttempts: wholeNumber(env, "MODEL_MAX_ATTEMPTS", 3, 1),
        retryBaseMs: wholeNumber(env, "MODEL_RETRY_BASE_MS", 500, 0),
        callTimeoutMs: wholeNumber(env, "MODEL_TIMEOUT_MS", 60000, 1),
    };
}

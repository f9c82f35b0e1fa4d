/**
 * Starting and resuming runs. A run is a LangGraph thread: every step's state
 * is checkpointed in Postgres under its thread id, so any replica (or a new
 * process after a crash) can report on it and continue it.
 */
import { Command } from "@langchain/langgraph";
import type { Settings } from "./config";
import type { AgentGraph, State } from "./graph";
import { traced } from "./tracing";

export type RunStatus = "answered" | "failed" | "interrupted" | "pending";

export interface RunReport {
    threadId: string;
    status: RunStatus;
    route?: string;
    answer?: string;
    error?: string;
    /** What the run asks a human, when interrupted. */
    interrupt?: unknown;
    /** Nodes the run would execute next (a run stopped mid-way). */
    next: string[];
}

export class UnknownRun extends Error {}
export class RunFinished extends Error {}

const threadConfig = (threadId: string) => ({ configurable: { thread_id: threadId } });

/** The run as its latest checkpoint has it. */
export async function report(graph: AgentGraph, threadId: string): Promise<RunReport> {
    const snapshot = await graph.getState(threadConfig(threadId));
    if (!snapshot.config?.configurable?.checkpoint_id) throw new UnknownRun(`no run ${threadId}`);
    const values = snapshot.values as Partial<State>;
    const interrupts = snapshot.tasks.flatMap((t) => t.interrupts ?? []);
    const status: RunStatus = interrupts.length > 0 ? "interrupted" : snapshot.next.length > 0 ? "pending" : (values.outcome ?? "pending");
    return {
        threadId,
        status,
        route: values.route,
        answer: values.answer,
        error: values.error,
        ...(interrupts.length > 0 ? { interrupt: interrupts[0].value } : {}),
        next: [...snapshot.next],
    };
}

/** The root span of one request's work on a run: Langfuse's trace attributes put the tenant in the tags and the thread in the session. */
function runSpan<T>(settings: Settings, name: string, threadId: string, fn: () => Promise<T>): Promise<T> {
    return traced(name, {
        "langfuse.trace.name": name,
        "langfuse.session.id": threadId,
        "langfuse.trace.tags": [settings.tenant],
        "langfuse.trace.metadata.tenant": settings.tenant,
        tenant: settings.tenant,
        "thread.id": threadId,
    }, fn);
}

export async function startRun(settings: Settings, graph: AgentGraph, threadId: string, question: string): Promise<RunReport> {
    return runSpan(settings, "agent.run", threadId, async () => {
        await graph.invoke({ question }, threadConfig(threadId));
        return report(graph, threadId);
    });
}

/**
 * Continues a run: an interrupted one with the human's input, one stopped
 * mid-way (its process died) from its last checkpoint, where the steps
 * already checkpointed are not run again.
 */
export async function resumeRun(settings: Settings, graph: AgentGraph, threadId: string, input: unknown): Promise<RunReport> {
    const before = await report(graph, threadId);
    if (before.status === "answered" || before.status === "failed") throw new RunFinished(`run ${threadId} already ended: ${before.status}`);
    return runSpan(settings, "agent.resume", threadId, async () => {
        await graph.invoke(before.status === "interrupted" ? new Command({ resume: input }) : null, threadConfig(threadId));
        return report(graph, threadId);
    });
}

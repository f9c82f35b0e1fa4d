/**
 * The workflow: a cheap router model classifies the question, then
 * - "direct": the answer model answers at once (node "respond");
 * - "research": independent sub-questions run in parallel (fan-out with
 *   `Send`), are gathered (fan-in), and the answer model answers from them;
 * - "clarify": the run stops for a human (`interrupt`); a later request
 *   resumes it from the Postgres checkpoint with the clarification, and the
 *   clarified question is classified again.
 * A model call that still fails after its bounded retries sends the run down
 * the error path, which ends it cleanly with outcome "failed".
 */
import { Annotation, END, interrupt, isGraphInterrupt, Send, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import type { Settings } from "./config";
import { ModelCallFailed, type Chat } from "./llm";
import { traced } from "./tracing";

export type Route = "direct" | "research" | "clarify";
export const ROUTES: readonly Route[] = ["direct", "research", "clarify"];
/** The independent angles a "research" question is looked at from, in parallel. */
export const ASPECTS = ["background", "evidence", "risks"] as const;

export interface Finding {
    aspect: string;
    text: string;
}

export const AgentState = Annotation.Root({
    question: Annotation<string>,
    clarification: Annotation<string | undefined>,
    route: Annotation<Route | undefined>,
    /** Appended to by each parallel branch (the reducer is what makes fan-in safe). */
    findings: Annotation<Finding[]>({ reducer: (current, update) => current.concat(update), default: () => [] }),
    answer: Annotation<string | undefined>,
    error: Annotation<string | undefined>,
    outcome: Annotation<"answered" | "failed" | undefined>,
});
export type State = typeof AgentState.State;
type Update = typeof AgentState.Update;

export const ROUTER_PROMPT =
    "Classify the user's question. Reply with exactly one word: direct (answerable at once), " +
    "research (needs looking at from several angles) or clarify (ambiguous: a human must say more).";

/** The router's answer as a route; anything else asks a human rather than guessing. */
export function parseRoute(reply: string): Route {
    const word = reply.trim().toLowerCase().replace(/[^a-z]/g, " ").split(/\s+/).find((w) => w.length > 0);
    return ROUTES.find((r) => r === word) ?? "clarify";
}

function fullQuestion(state: Pick<State, "question" | "clarification">): string {
    return state.clarification ? `${state.question}\n\nClarification: ${state.clarification}` : state.question;
}

/** A node in its own span; a model call that failed for good becomes the state's `error`, which routes to the error path. */
function node<I>(name: string, fn: (input: I) => Promise<Update>): (input: I) => Promise<Update> {
    return (input) =>
        traced(`node.${name}`, { "langgraph.node": name }, async () => {
            try {
                return await fn(input);
            } catch (error) {
                if (error instanceof ModelCallFailed) return { error: error.message };
                throw error;
            }
        }, isGraphInterrupt);
}

export function buildGraph(settings: Settings, chat: Chat, checkpointer: BaseCheckpointSaver) {
    const classify = node("classify", async (state: State) => {
        const reply = await chat(settings.routerModel, ROUTER_PROMPT, fullQuestion(state));
        return { route: parseRoute(reply) };
    });
    const investigate = node("investigate", async (task: { question: string; aspect: string }) => {
        const text = await chat(settings.answerModel, `Investigate only the ${task.aspect} of the question, in three sentences at most.`, task.question);
        return { findings: [{ aspect: task.aspect, text }] };
    });
    const gather = node("gather", async () => ({}));
    const askHuman = node("ask_human", async (state: State) => {
        const clarification = interrupt<{ question: string; ask: string }, string>({ question: state.question, ask: "Please clarify the question." });
        return { clarification: String(clarification), route: undefined };
    });
    const respond = node("respond", async (state: State) => {
        const notes = state.findings.map((f) => `- ${f.aspect}: ${f.text}`).join("\n");
        const user = notes ? `${fullQuestion(state)}\n\nFindings:\n${notes}` : fullQuestion(state);
        return { answer: await chat(settings.answerModel, "Answer the question precisely.", user), outcome: "answered" };
    });
    const fail = node("fail", async () => ({ outcome: "failed" }));

    const afterClassify = (state: State) => {
        if (state.error) return "fail";
        if (state.route === "research") return ASPECTS.map((aspect) => new Send("investigate", { question: fullQuestion(state), aspect }));
        return state.route === "direct" ? "respond" : "ask_human";
    };
    const unlessFailed = (next: string) => (state: State) => (state.error ? "fail" : next);

    return new StateGraph(AgentState)
        .addNode("classify", classify)
        .addNode("investigate", investigate)
        .addNode("gather", gather)
        .addNode("ask_human", askHuman)
        .addNode("respond", respond)
        .addNode("fail", fail)
        .addEdge(START, "classify")
        .addConditionalEdges("classify", afterClassify, ["respond", "investigate", "ask_human", "fail"])
        .addEdge("investigate", "gather")
        .addConditionalEdges("gather", unlessFailed("respond"), ["respond", "fail"])
        .addEdge("ask_human", "classify")
        .addConditionalEdges("respond", unlessFailed(END), [END, "fail"])
        .addEdge("fail", END)
        .compile({ checkpointer });
}

export type AgentGraph = ReturnType<typeof buildGraph>;

/**
 * OpenTelemetry traces over OTLP/HTTP. Everything comes from the standard OTel
 * environment the AgentService component sets: OTEL_EXPORTER_OTLP_ENDPOINT
 * (the platform's OTel collector; the exporter appends `/v1/traces`; no
 * credential: the collector holds Langfuse's keys and stamps the tenant),
 * OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the tenant, which the
 * collector replaces with the sending pod's). Each run's root span also carries Langfuse's trace attributes:
 * the tenant as a tag and the thread as the session, so a run and its
 * resumption group together.
 */
import { context, propagation, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

let provider: NodeTracerProvider | undefined;

/** Starts exporting when an OTLP endpoint is configured; without one, spans are no-ops. */
export function startTracing(): void {
    if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return;
    provider = new NodeTracerProvider({
        resource: detectResources({ detectors: [envDetector] }),
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    provider.register({ propagator: new W3CTraceContextPropagator() });
}

/** Exports what is buffered and stops. */
export async function stopTracing(): Promise<void> {
    await provider?.shutdown();
}

const tracer = () => trace.getTracer("agent-workflow");

export type SpanAttributes = Record<string, string | number | boolean | string[]>;

/**
 * Runs `fn` inside a child span of the active one. Errors mark the span and
 * propagate, except those `isControlFlow` recognises (LangGraph's interrupt
 * is thrown, but is no failure).
 */
export async function traced<T>(name: string, attributes: SpanAttributes, fn: (span: Span) => Promise<T>, isControlFlow: (error: unknown) => boolean = () => false): Promise<T> {
    return tracer().startActiveSpan(name, { attributes }, async (span) => {
        try {
            return await fn(span);
        } catch (error) {
            if (!isControlFlow(error)) {
                span.recordException(error as Error);
                span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
            }
            throw error;
        } finally {
            span.end();
        }
    });
}

/** W3C `traceparent` of the active span, sent to the gateway so its spans join the workflow's trace. */
export function traceHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    return headers;
}

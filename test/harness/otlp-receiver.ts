/**
 * A local OTLP/HTTP trace receiver standing in for the platform's OTel
 * collector (its `otlp` receiver's HTTP traces path, `/v1/traces`): it
 * accepts the JSON encoding (what @opentelemetry/exporter-trace-otlp-http
 * sends), records each span with its resource attributes flattened, and the
 * Authorization header it came with (an agent sends none).
 */
import { LoopbackServer } from "./loopback-server";

/** The otlp receiver's default HTTP traces path (opentelemetry-collector v0.159.0 receiver/otlpreceiver `traces_url_path`). */
export const COLLECTOR_TRACES_PATH = "/v1/traces";

export type AttributeValue = string | number | boolean | AttributeValue[] | undefined;

export interface ReceivedSpan {
    name: string;
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    startTimeUnixNano: string;
    attributes: Record<string, AttributeValue>;
    resource: Record<string, AttributeValue>;
    authorization?: string;
}

interface OtlpAnyValue {
    stringValue?: string;
    intValue?: number | string;
    doubleValue?: number;
    boolValue?: boolean;
    arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
    key: string;
    value: OtlpAnyValue;
}

function value(v: OtlpAnyValue): AttributeValue {
    if (v.stringValue !== undefined) return v.stringValue;
    if (v.intValue !== undefined) return Number(v.intValue);
    if (v.doubleValue !== undefined) return v.doubleValue;
    if (v.boolValue !== undefined) return v.boolValue;
    if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
    return undefined;
}

const attributes = (list: OtlpKeyValue[] | undefined) => Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));

export class OtlpReceiver extends LoopbackServer {
    readonly spans: ReceivedSpan[] = [];
    readonly rejected: string[] = [];

    get endpoint(): string {
        return `${this.origin}`;
    }

    async start(): Promise<void> {
        await this.listen(async (req, raw, res) => {
            if (req.method !== "POST" || req.url !== COLLECTOR_TRACES_PATH || !String(req.headers["content-type"]).startsWith("application/json")) {
                this.rejected.push(`${req.method} ${req.url} ${req.headers["content-type"]}`);
                res.writeHead(415).end();
                return;
            }
            const body = JSON.parse(raw);
            for (const rs of body.resourceSpans ?? []) {
                const resource = attributes(rs.resource?.attributes);
                for (const ss of rs.scopeSpans ?? []) {
                    for (const s of ss.spans ?? []) {
                        this.spans.push({
                            name: s.name,
                            traceId: s.traceId,
                            spanId: s.spanId,
                            parentSpanId: s.parentSpanId || undefined,
                            startTimeUnixNano: String(s.startTimeUnixNano),
                            attributes: attributes(s.attributes),
                            resource,
                            authorization: req.headers.authorization,
                        });
                    }
                }
            }
            res.writeHead(200, { "content-type": "application/json" }).end("{}");
        });
    }

    /** The trace's spans as an indented tree of names, children in start order. */
    tree(traceId: string): string[] {
        const spans = this.spans.filter((s) => s.traceId === traceId).sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
        const ids = new Set(spans.map((s) => s.spanId));
        const lines: string[] = [];
        const walk = (parent: string | undefined, depth: number) => {
            for (const s of spans.filter((x) => (parent === undefined ? !x.parentSpanId || !ids.has(x.parentSpanId) : x.parentSpanId === parent))) {
                lines.push(`${"  ".repeat(depth)}${s.name}`);
                walk(s.spanId, depth + 1);
            }
        };
        walk(undefined, 0);
        return lines;
    }
}

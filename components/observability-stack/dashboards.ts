/**
 * Pure Grafana dashboard models (schema the sidecar loads as is) and the
 * PromQL behind them: GPUs per pool and tenant (DCGM, Karpenter), vLLM queue,
 * latency and throughput, gateway traffic, latency and spend per team
 * (LiteLLM). Queries are exported so tests and alerts share one spelling.
 */

/** The datasource kube-prometheus-stack provisions (`grafana.sidecar.datasources.uid`). */
const DATASOURCE = { type: "prometheus", uid: "prometheus" } as const;

/**
 * DCGM series carry the GPU's node in `Hostname`; Karpenter's node metrics
 * carry the node in `node_name` and its NodePool (the GPU pool) in `nodepool`.
 * The join gives every GPU series its pool without relabelling either source.
 */
export function byPool(dcgmSelector: string): string {
    return (
        `label_replace(${dcgmSelector}, "node_name", "$1", "Hostname", "(.*)")` +
        ` * on (node_name) group_left (nodepool) group by (node_name, nodepool) (karpenter_nodes_allocatable{resource_type="nvidia.com/gpu", nodepool=~"$pool"})`
    );
}

/**
 * The GPU Operator's ServiceMonitor keeps its own `namespace` label, so the
 * namespace of the pod using a GPU (its tenant) arrives as `exported_namespace`.
 */
export const TENANT_LABEL = "exported_namespace";

export const GPU_QUERIES = {
    utilisationByPool: `avg by (nodepool) (${byPool("DCGM_FI_DEV_GPU_UTIL")})`,
    memoryByPool: `sum by (nodepool) (${byPool("DCGM_FI_DEV_FB_USED")})`,
    utilisationByTenant: `avg by (${TENANT_LABEL}) (DCGM_FI_DEV_GPU_UTIL{${TENANT_LABEL}=~"$tenant"})`,
    memoryByTenant: `sum by (${TENANT_LABEL}) (DCGM_FI_DEV_FB_USED{${TENANT_LABEL}=~"$tenant"})`,
    poolUsage: 'sum by (nodepool) (karpenter_nodepools_usage{resource_type="nvidia.com/gpu", nodepool=~"$pool"})',
    poolLimit: 'sum by (nodepool) (karpenter_nodepools_limit{resource_type="nvidia.com/gpu", nodepool=~"$pool"})',
} as const;

const MODEL = 'model_name=~"$model"';

export const VLLM_QUERIES = {
    queueDepth: `sum by (namespace, model_name) (vllm:num_requests_waiting{${MODEL}})`,
    running: `sum by (namespace, model_name) (vllm:num_requests_running{${MODEL}})`,
    ttftP50: `histogram_quantile(0.5, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket{${MODEL}}[5m])))`,
    ttftP95: `histogram_quantile(0.95, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket{${MODEL}}[5m])))`,
    generationThroughput: `sum by (model_name) (rate(vllm:generation_tokens_total{${MODEL}}[5m]))`,
    promptThroughput: `sum by (model_name) (rate(vllm:prompt_tokens_total{${MODEL}}[5m]))`,
} as const;

const TEAM = 'team_alias=~"$team"';

/** LiteLLM's Prometheus callback counters, with the `_total` suffix its client library adds. */
export const GATEWAY_QUERIES = {
    requestsByTeam: `sum by (team_alias) (rate(litellm_requests_metric_total{${TEAM}}[5m]))`,
    latencyP95ByTeam: `histogram_quantile(0.95, sum by (le, team_alias) (rate(litellm_request_total_latency_metric_bucket{${TEAM}}[5m])))`,
    spendByTeam: `sum by (team_alias) (increase(litellm_spend_metric_total{${TEAM}}[$__range]))`,
    spendRateByTeam: `sum by (team_alias) (rate(litellm_spend_metric_total{${TEAM}}[1h])) * 3600`,
    /**
     * Server errors only. `litellm_proxy_total_requests_metric` carries the
     * response's `status_code` ("200", or the exception's code; "None" when it
     * has none, which the proxy answers with 500), while the failed-requests
     * counter also counts 401s, 429s and budget rejections
     * (BerriAI/litellm litellm/integrations/prometheus.py post-call hooks).
     */
    errorRatio:
        'sum(rate(litellm_proxy_total_requests_metric_total{status_code=~"5..|None"}[5m])) / clamp_min(sum(rate(litellm_proxy_total_requests_metric_total[5m])), 1e-9)',

} as const;

interface Target {
    expr: string;
    legend: string;
}

interface PanelSpec {
    title: string;
    targets: Target[];
    unit: string;
    type?: "timeseries" | "bargauge";
}

function panel(spec: PanelSpec, id: number) {
    const width = 12;
    return {
        id,
        type: spec.type ?? "timeseries",
        title: spec.title,
        datasource: DATASOURCE,
        gridPos: { h: 8, w: width, x: ((id - 1) % 2) * width, y: Math.floor((id - 1) / 2) * 8 },
        fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
        options: spec.type === "bargauge" ? { reduceOptions: { calcs: ["lastNotNull"] }, orientation: "horizontal" } : { legend: { displayMode: "table", placement: "bottom" } },
        targets: spec.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: t.expr, legendFormat: t.legend })),
    };
}

/** A multi-value template variable over one label of one metric, "All" by default. */
function variable(name: string, label: string, query: string) {
    return {
        name,
        label,
        type: "query",
        datasource: DATASOURCE,
        query: { query, refId: `${name}-values` },
        definition: query,
        refresh: 2,
        multi: true,
        includeAll: true,
        allValue: ".*",
        current: { text: "All", value: "$__all" },
        sort: 1,
    };
}

export interface Dashboard {
    uid: string;
    title: string;
    [k: string]: unknown;
}

function dashboard(uid: string, title: string, variables: ReturnType<typeof variable>[], panels: PanelSpec[]): Dashboard {
    return {
        uid,
        title,
        tags: ["genai-platform"],
        timezone: "utc",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: { list: variables },
        panels: panels.map((p, i) => panel(p, i + 1)),
    };
}

export function gpuDashboard(): Dashboard {
    const q = GPU_QUERIES;
    return dashboard("genai-gpu", "GenAI platform / GPUs by pool and tenant", [
        variable("pool", "GPU pool", 'label_values(karpenter_nodes_allocatable{resource_type="nvidia.com/gpu"}, nodepool)'),
        variable("tenant", "Tenant namespace", `label_values(DCGM_FI_DEV_GPU_UTIL, ${TENANT_LABEL})`),
    ], [
        { title: "GPU utilisation by pool", unit: "percent", targets: [{ expr: q.utilisationByPool, legend: "{{nodepool}}" }] },
        { title: "GPU memory used by pool", unit: "decmbytes", targets: [{ expr: q.memoryByPool, legend: "{{nodepool}}" }] },
        { title: "GPU utilisation by tenant", unit: "percent", targets: [{ expr: q.utilisationByTenant, legend: `{{${TENANT_LABEL}}}` }] },
        { title: "GPU memory used by tenant", unit: "decmbytes", targets: [{ expr: q.memoryByTenant, legend: `{{${TENANT_LABEL}}}` }] },
        {
            title: "GPUs provisioned vs pool limit",
            unit: "short",
            targets: [{ expr: q.poolUsage, legend: "{{nodepool}} provisioned" }, { expr: q.poolLimit, legend: "{{nodepool}} limit" }],
        },
    ]);
}

export function vllmDashboard(): Dashboard {
    const q = VLLM_QUERIES;
    return dashboard("genai-vllm", "GenAI platform / vLLM endpoints", [
        variable("model", "Model", "label_values(vllm:num_requests_waiting, model_name)"),
    ], [
        { title: "Queue depth (requests waiting)", unit: "short", targets: [{ expr: q.queueDepth, legend: "{{namespace}}/{{model_name}}" }] },
        { title: "Requests running", unit: "short", targets: [{ expr: q.running, legend: "{{namespace}}/{{model_name}}" }] },
        {
            title: "Time to first token",
            unit: "s",
            targets: [{ expr: q.ttftP50, legend: "{{model_name}} p50" }, { expr: q.ttftP95, legend: "{{model_name}} p95" }],
        },
        {
            title: "Token throughput",
            unit: "short",
            targets: [{ expr: q.generationThroughput, legend: "{{model_name}} generated/s" }, { expr: q.promptThroughput, legend: "{{model_name}} prompt/s" }],
        },
    ]);
}

export function gatewayDashboard(): Dashboard {
    const q = GATEWAY_QUERIES;
    return dashboard("genai-gateway", "GenAI platform / LLM gateway by team", [
        variable("team", "Team", "label_values(litellm_requests_metric_total, team_alias)"),
    ], [
        { title: "Requests per second by team", unit: "reqps", targets: [{ expr: q.requestsByTeam, legend: "{{team_alias}}" }] },
        { title: "Latency p95 by team", unit: "s", targets: [{ expr: q.latencyP95ByTeam, legend: "{{team_alias}}" }] },
        { title: "Spend in range by team", unit: "currencyUSD", type: "bargauge", targets: [{ expr: q.spendByTeam, legend: "{{team_alias}}" }] },
        { title: "Spend per hour by team", unit: "currencyUSD", targets: [{ expr: q.spendRateByTeam, legend: "{{team_alias}}" }] },
        { title: "Server errors (share of requests)", unit: "percentunit", targets: [{ expr: q.errorRatio, legend: "5xx" }] },
    ]);
}

/** Every dashboard the stack ships, keyed by the ConfigMap name suffix. */
export function platformDashboards(): Record<string, Dashboard> {
    return { gpu: gpuDashboard(), vllm: vllmDashboard(), gateway: gatewayDashboard() };
}

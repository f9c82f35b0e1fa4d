/**
 * The gateway's /metrics carries key aliases, hashed keys and user emails in
 * its labels, so it requires a key (`litellm_settings.require_auth_for_metrics_endpoint`,
 * BerriAI/litellm litellm/proxy/middleware/prometheus_auth_middleware.py: it
 * runs `user_api_key_auth` on every path containing "/metrics"). Prometheus
 * scrapes with a dedicated virtual key that may call /metrics and nothing
 * else (`allowed_routes`, litellm/proxy/auth/route_checks.py
 * `is_virtual_key_allowed_to_call_route`) and no model (`no-default-models`),
 * never with the master key. The ServiceMonitor lives beside the gateway, in
 * its namespace, so the token Secret it references is there too (the
 * operator reads `authorization.credentials` from the ServiceMonitor's namespace).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as k8s from "@pulumi/kubernetes";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { METRICS_KEY_SCRIPT, renderMetricsKeyJob, renderServiceMonitor } from "../../components/llm-gateway/manifests";
import { renderLiteLlmConfig } from "../../components/llm-gateway/config";
import { renderServiceMonitors } from "../../components/observability-stack/manifests";
import type { ResolvedObservabilityStackArgs } from "../../components/observability-stack/args";
import { conformanceErrors } from "../harness/conformance";
import { liveJob, nextUpForJob } from "../harness/job-rerun";
import { deploy, Deployed, fullArgs, minimalArgs, one, resolved } from "./fixtures";

const T = {
    monitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    secret: "kubernetes:core/v1:Secret",
    job: "kubernetes:batch/v1:Job",
    deployment: "kubernetes:apps/v1:Deployment",
};

const secretNamed = (d: Deployed, name: string) => d.resources.find((r) => r.type === T.secret && r.inputs.metadata.name === name)!;

describe("LlmGateway metrics auth", () => {
    let dev: Deployed;

    before(async () => {
        dev = await deploy((provider) => fullArgs(provider));
    });

    it("requires a key on /metrics (litellm_settings.require_auth_for_metrics_endpoint)", () => {
        assert.equal(renderLiteLlmConfig(resolved()).litellm_settings.require_auth_for_metrics_endpoint, true);
    });

    it("scrapes /metrics/ from the gateway's namespace with a bearer token from a Secret there", () => {
        const monitor = one(dev.resources, T.monitor).inputs;
        assert.equal(monitor.metadata.namespace, "llm-gateway");
        assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["llm-gateway"] });
        assert.deepEqual(monitor.spec.selector.matchLabels, { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/instance": "gateway" });
        assert.deepEqual(monitor.spec.endpoints, [
            { port: "http", path: "/metrics/", interval: "30s", authorization: { type: "Bearer", credentials: { name: "gateway-metrics-token", key: "token" } } },
        ]);
        const token = secretNamed(dev, "gateway-metrics-token");
        assert.equal(token.inputs.metadata.namespace, "llm-gateway");
        assert.deepEqual(token.secretInputs, ["stringData"]);
        assert.match(token.inputs.stringData.token, /^sk-mock-secret-gateway-metrics-key-/);
    });

    it("never hands Prometheus the master key", () => {
        const token = secretNamed(dev, "gateway-metrics-token").inputs.stringData.token;
        const master = secretNamed(dev, "gateway-env").inputs.stringData.LITELLM_MASTER_KEY;
        assert.notEqual(token, master);
        assert.ok(!JSON.stringify(one(dev.resources, T.monitor).inputs).includes("gateway-env"), "the ServiceMonitor references only the metrics token");
    });

    it("registers the metrics key as a virtual key that may call /metrics only and no model, through a Job after the gateway", () => {
        const job = one(dev.resources, T.job);
        assert.equal(job.inputs.metadata.namespace, "llm-gateway");
        assert.ok(job.dependsOn.includes(one(dev.resources, T.deployment).urn));
        const pod = job.inputs.spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false, "no Kubernetes API access");
        assert.equal(pod.serviceAccountName, undefined, "not the gateway's service account (it carries the Bedrock role)");
        const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        assert.deepEqual(JSON.parse(env.KEY_JSON), {
            key_alias: "genai-platform/metrics/gateway",
            allowed_routes: ["/metrics", "/metrics/"],
            models: ["no-default-models"],
            metadata: { "managed-by": "genai-platform", purpose: "prometheus-scrape" },
        });
        assert.deepEqual(env.METRICS_KEY, { secretKeyRef: { name: "gateway-metrics-token", key: "token" } });
        assert.deepEqual(env.LITELLM_MASTER_KEY, { secretKeyRef: { name: "gateway-env", key: "LITELLM_MASTER_KEY" } });
        // Same rules as the team sync: the same Job while nothing changes, re-run by the next `up` when it failed.
        const rendered = renderMetricsKeyJob(resolved());
        assert.equal(nextUpForJob(rendered, "complete", renderMetricsKeyJob(resolved())), "nothing");
        assert.equal(nextUpForJob(rendered, liveJob(rendered, "failed", 30 * 86400), rendered), "replace");
        assert.equal(job.deleteBeforeReplace, true);
    });

    it("renders objects that validate against the upstream schemas (ServiceMonitor CRD of prometheus-operator)", async () => {
        assert.deepEqual(await conformanceErrors(dev.resources), []);
        assert.equal(renderServiceMonitor(resolved()).kind, "ServiceMonitor");
        assert.match(renderMetricsKeyJob(resolved()).metadata.name, /^gateway-metrics-key-[0-9a-f]{8}$/);
    });

    it("leaves the gateway out of the ObservabilityStack's own scrapes (one monitor per gateway, each with its key)", () => {
        const monitors = renderServiceMonitors({ karpenterNamespace: "karpenter" } as ResolvedObservabilityStackArgs);
        assert.ok(!monitors.some((m) => JSON.stringify(m).includes("litellm")));
    });

    it("registers the ServiceMonitor after the releases it is given (kube-prometheus-stack brings the CRD)", async () => {
        let release = "";
        const minimal = await deploy((provider) => {
            const kps = new k8s.core.v1.Namespace("kps-stand-in", {}, { provider });
            kps.urn.apply((u) => (release = u));
            return minimalArgs(provider, { dependsOn: [kps] });
        });
        const monitor = one(minimal.resources, T.monitor);
        assert.ok(monitor.dependsOn.includes(release), "the monitor waits for the CRD's release");
        assert.equal(monitor.inputs.spec.endpoints[0].authorization.credentials.name, "gateway-metrics-token");
    });
});

/** The fake `curl` of the metrics-key script: the gateway's /metrics auth and /key endpoints. */
const FAKE_CURL = String.raw`
const fs = require("fs");
const path = require("path");
const statePath = path.join(__dirname, "..", "state.json");
const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
const args = process.argv.slice(2);
let out, fmt, url, stdin = false, failOnError = false;
const headers = [];
for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-o") out = args[++i];
    else if (a === "-w") fmt = args[++i];
    else if (a === "--data-binary") { i++; stdin = true; }
    else if (a === "-H") { const h = args[++i]; headers.push(...(h.startsWith("@") ? fs.readFileSync(h.slice(1), "utf8").split("\n").filter(Boolean) : [h])); }
    else if (a === "-sf") failOnError = true;
    else if (!a.startsWith("-")) url = a;
}
const body = stdin ? fs.readFileSync(0, "utf8") : "";
const auth = (headers.find((h) => h.startsWith("Authorization: Bearer ")) || "").slice("Authorization: Bearer ".length);
const p = new URL(url).pathname;
state.calls.push({ argv: args, path: p, body: body ? JSON.parse(body) : undefined });
const reply = (status, obj) => [status, JSON.stringify(obj)];
function gateway() {
    if (p === "/health/readiness") return reply(200, {});
    const key = state.keys.find((k) => k.key === auth);
    if (p.includes("/metrics")) {
        // PrometheusAuthMiddleware: user_api_key_auth, then the key's allowed_routes.
        if (auth !== state.masterKey && !key) return reply(401, "Unauthorized access to metrics endpoint");
        if (key && !key.allowed_routes.some((r) => p === r || p.startsWith(r + "/"))) return reply(401, "Unauthorized access to metrics endpoint");
        return [200, "litellm_requests_metric_total 1"];
    }
    if (auth !== state.masterKey) return reply(401, { error: { message: "Authentication Error" } });
    const req = JSON.parse(body || "{}");
    if (p === "/key/delete") { state.keys = state.keys.filter((k) => !req.key_aliases.includes(k.alias)); return reply(200, {}); }
    if (p === "/key/generate") {
        if (state.keys.some((k) => k.alias === req.key_alias)) return reply(400, { error: { message: "Key with alias already exists" } });
        if (!String(req.key).startsWith("sk-")) return reply(400, { error: { message: "Invalid key format" } });
        state.keys.push({ key: req.key, alias: req.key_alias, allowed_routes: req.allowed_routes, models: req.models });
        return reply(200, { key: req.key, key_alias: req.key_alias });
    }
    return reply(404, { detail: "Not Found" });
}
const [status, text] = gateway();
fs.writeFileSync(statePath, JSON.stringify(state));
if (out && out !== "/dev/null") fs.writeFileSync(out, text);
if (fmt) process.stdout.write(fmt.replace("%{http_code}", String(status)));
process.exit(failOnError && status >= 400 ? 22 : 0);
`;

describe("LlmGateway metrics-key script", function () {
    const MASTER = "sk-master-fixture-000111";
    const METRICS = "sk-metrics-fixture-abc123";
    let dir: string;
    const state = () => JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
    const write = (s: unknown) => fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(s));

    function run(metricsKey = METRICS) {
        const container = (renderMetricsKeyJob(resolved()) as any).spec.template.spec.containers[0];
        const env: Record<string, string> = { PATH: `${path.join(dir, "bin")}:${process.env.PATH}` };
        for (const e of container.env) env[e.name] = e.value ?? (e.name === "METRICS_KEY" ? metricsKey : MASTER);
        write({ ...state(), calls: [] });
        const result = spawnSync("/bin/sh", ["-c", METRICS_KEY_SCRIPT.replaceAll("/tmp/", `${path.join(dir, "tmp")}/`)], { env, encoding: "utf8" });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: state().calls as { argv: string[]; path: string; body?: any }[] };
    }

    before(function () {
        if (!fs.existsSync("/bin/sh")) this.skip();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "metrics-key-"));
        for (const sub of ["bin", "tmp"]) fs.mkdirSync(path.join(dir, sub));
        fs.writeFileSync(path.join(dir, "bin", "curl"), `#!${process.execPath}\n${FAKE_CURL}`, { mode: 0o755 });
        write({ masterKey: MASTER, keys: [], calls: [] });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("registers the Secret's key under its alias, then proves it can scrape, never putting a key on a command line", () => {
        const first = run();
        assert.equal(first.status, 0, first.stderr);
        assert.deepEqual(first.calls.map((c) => c.path), ["/health/readiness", "/metrics/", "/key/delete", "/key/generate", "/metrics/"]);
        const generate = first.calls.find((c) => c.path === "/key/generate")!;
        assert.equal(generate.body.key, METRICS);
        assert.deepEqual(generate.body.allowed_routes, ["/metrics", "/metrics/"]);
        assert.ok(!JSON.stringify(first.calls.map((c) => c.argv)).includes(METRICS) && !JSON.stringify(first.calls.map((c) => c.argv)).includes(MASTER));
        assert.ok(!first.stdout.includes(METRICS) && !first.stderr.includes(METRICS), "the key was logged");
        assert.equal(fs.readFileSync(path.join(dir, "tmp", "out"), "utf8"), "", "responses holding the key are wiped");
    });

    it("does nothing when the key already scrapes, and replaces a key under the alias whose value changed", () => {
        assert.equal(run().status, 0);
        const again = run();
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.calls.map((c) => c.path), ["/health/readiness", "/metrics/"]);
        const rotated = run("sk-metrics-fixture-rotated9");
        assert.equal(rotated.status, 0, rotated.stderr);
        assert.deepEqual(state().keys.map((k: any) => k.key), ["sk-metrics-fixture-rotated9"]);
    });

    it("fails, saying why, when the gateway refuses the master key", () => {
        write({ ...state(), masterKey: "sk-other-master-key" });
        const refused = run();
        assert.notEqual(refused.status, 0);
        assert.match(refused.stderr, /metrics-key: registering key genai-platform\/metrics\/gateway: HTTP 401/);
    });
});

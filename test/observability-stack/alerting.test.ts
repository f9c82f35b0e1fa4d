/**
 * Issue 8 item 15: alerts that fire for real problems and reach someone.
 *
 * Upstream facts relied on:
 * - LiteLLM's Prometheus callback counts every proxy response in
 *   `litellm_proxy_total_requests_metric` with a `status_code` label: "200" on
 *   success, the exception's `status_code` on failure ("None" when it has none,
 *   which the proxy answers with 500), while `litellm_proxy_failed_requests_metric`
 *   counts every failure, 401/429/budget rejections included
 *   (BerriAI/litellm litellm/integrations/prometheus.py
 *   `async_post_call_success_hook` / `async_post_call_failure_hook`,
 *   litellm/types/integrations/prometheus.py `PrometheusMetricLabels`).
 * - kube-prometheus-stack 88.5.3 scrapes and alerts on kube-controller-manager,
 *   kube-scheduler and etcd unless `<component>.enabled` is false
 *   (templates/exporters/kube-*, templates/prometheus/rules-1.14/*): EKS runs
 *   those on the managed control plane, out of the cluster's reach, so their
 *   `*Down` alerts would fire forever. EKS Auto Mode runs no kube-proxy pods.
 * - The chart turns `alertmanager.config` into the Alertmanager's config
 *   Secret, and mounts each of `alertmanager.alertmanagerSpec.secrets` at
 *   /etc/alertmanager/secrets/<name>/ (values.yaml comments); Alertmanager's
 *   slack_config reads its webhook from `api_url_file`.
 */
import assert from "node:assert/strict";
import { ObservabilityStack } from "../../components/observability-stack";
import { GATEWAY_QUERIES } from "../../components/observability-stack/dashboards";
import { renderAlertRules } from "../../components/observability-stack/manifests";
import { ALERTMANAGER_RECEIVERS_SECRET, kubePrometheusStackValues } from "../../components/observability-stack/values";
import { rejectedWith, validationMessage } from "../harness";
import { deploy, minimalArgs, NETWORK, one, resolved, SLACK_RECEIVER, T } from "./fixtures";

type Json = Record<string, any>;


/** PromQL label matchers `name=~"re"` of one metric in an expression (PromQL regexes are fully anchored). */
function matchers(expr: string, metric: string): Record<string, RegExp> {
    const body = new RegExp(`${metric}\\{([^}]*)\\}`).exec(expr)?.[1];
    assert.ok(body !== undefined, `${metric} with a label selector not found in ${expr}`);
    return Object.fromEntries([...body.matchAll(/(\w+)=~"([^"]*)"/g)].map(([, name, re]) => [name, new RegExp(`^(?:${re})$`)]));
}

describe("ObservabilityStack alerting", () => {
    describe("the gateway error-rate alert", () => {
        const expr = (renderAlertRules(resolved()).spec as Json).groups.flatMap((g: Json) => g.rules).find((x: Json) => x.alert === "GatewayHighErrorRate").expr;

        it("counts responses by status code, from the counter that has one", () => {
            assert.equal(expr, `${GATEWAY_QUERIES.errorRatio} > 0.05`);
            assert.ok(!GATEWAY_QUERIES.errorRatio.includes("litellm_proxy_failed_requests_metric"), "the failed-requests counter has no status_code and counts 429s");
        });

        it("counts server errors only: not rate limits, budget or auth rejections, nor successes", () => {
            const { status_code: status } = matchers(GATEWAY_QUERIES.errorRatio, "litellm_proxy_total_requests_metric_total");
            assert.ok(status, "the numerator selects on status_code");
            for (const code of ["500", "502", "503", "504", "None"]) assert.ok(status.test(code), `${code} should count`);
            for (const code of ["200", "400", "401", "403", "404", "429"]) assert.ok(!status.test(code), `${code} should not count`);
        });
    });

    describe("kube-prometheus-stack on EKS", () => {
        it("does not scrape (or alert on) the control plane EKS hides: controller manager, scheduler, etcd", () => {
            for (const mode of ["karpenter", "auto"] as const) {
                const values: Json = kubePrometheusStackValues(resolved({ clusterMode: mode }));
                assert.deepEqual(
                    [values.kubeControllerManager?.enabled, values.kubeScheduler?.enabled, values.kubeEtcd?.enabled],
                    [false, false, false],
                    mode,
                );
            }
        });

        it("scrapes kube-proxy and CoreDNS where they run as pods, not on EKS Auto Mode", () => {
            assert.notEqual((kubePrometheusStackValues(resolved()) as Json).kubeProxy?.enabled, false);
            assert.notEqual((kubePrometheusStackValues(resolved()) as Json).coreDns?.enabled, false);
            assert.equal((kubePrometheusStackValues(resolved({ clusterMode: "auto" })) as Json).kubeProxy?.enabled, false);
            assert.equal((kubePrometheusStackValues(resolved({ clusterMode: "auto" })) as Json).coreDns?.enabled, false);
        });
    });

    describe("Alertmanager receivers", () => {
        it("routes every alert but the Watchdog to Slack, the webhook read from a mounted Secret", async () => {
            const d = await deploy((provider) => minimalArgs(provider, { alerts: { slack: SLACK_RECEIVER } }));
            const values = one(d.resources, T.release, "obs-kube-prometheus-stack").inputs.values;
            const config = values.alertmanager.config;
            assert.equal(config.route.receiver, "slack");
            assert.deepEqual(config.route.routes.map((r: Json) => [r.receiver, r.matchers]), [["null", ['alertname = "Watchdog"']], ["null", ['alertname = "InfoInhibitor"']]]);
            const slack = config.receivers.find((r: Json) => r.name === "slack").slack_configs[0];
            assert.deepEqual(values.alertmanager.alertmanagerSpec.secrets, [ALERTMANAGER_RECEIVERS_SECRET]);
            assert.equal(slack.api_url_file, `/etc/alertmanager/secrets/${ALERTMANAGER_RECEIVERS_SECRET}/slack-webhook-url`);
            assert.deepEqual([slack.channel, slack.send_resolved], ["#genai-alerts", true]);
            const secret = one(d.resources, T.secret, "obs-alertmanager-receivers");
            assert.deepEqual([secret.inputs.metadata.name, secret.inputs.metadata.namespace], [ALERTMANAGER_RECEIVERS_SECRET, "monitoring"]);
            assert.equal(secret.inputs.stringData["slack-webhook-url"], "https://hooks.slack.com/services/T000/B000/planted-webhook");
            assert.ok(secret.secretInputs.some((p: string) => p.startsWith("stringData")), "the webhook is a Pulumi secret");
            assert.ok(!JSON.stringify(values).includes("planted-webhook"), "the webhook never reaches the release's values");
        });

        it("defaults to the null receiver outside production (alerts only in the Alertmanager UI)", () => {
            const config = (kubePrometheusStackValues(resolved()) as Json).alertmanager.config;
            assert.equal(config.route.receiver, "null");
            assert.deepEqual(config.receivers.map((r: Json) => r.name), ["null"]);
        });

        it("refuses a production stack with no receiver, before registering anything", async () => {
            const { message, types } = await rejectedWith((provider) => new ObservabilityStack("obs", { provider, ...NETWORK, production: true }));
            assert.equal(message, validationMessage('ObservabilityStack "obs" args', [
                "alerts.slack: got (missing); production alerts need a receiver: give alerts.slack (webhookUrl and channel)",
            ]));
            assert.deepEqual(types, []);
        });

        it("refuses a Slack channel that is not a channel name", async () => {
            const { message } = await rejectedWith((provider) => new ObservabilityStack("obs", minimalArgs(provider, { alerts: { slack: { ...SLACK_RECEIVER, channel: "genai alerts" } } })));
            assert.equal(message, validationMessage('ObservabilityStack "obs" args', [
                'alerts.slack.channel: got "genai alerts"; expected a Slack channel such as "#genai-alerts" (a "#" and 1–80 lowercase letters, digits, "-" or "_")',
            ]));
        });
    });
});

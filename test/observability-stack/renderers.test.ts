import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { DEFAULT_PROMETHEUS_URL } from "../../components/model-endpoint/args";
import { GATEWAY_QUERIES, GPU_QUERIES, platformDashboards, VLLM_QUERIES } from "../../components/observability-stack/dashboards";
import { bucketAccessPolicy, lifecycleRules, tlsOnlyBucketPolicy } from "../../components/observability-stack/iam";
import {
    MODEL_ENDPOINT_RECORD,
    renderAlertRules,
    renderDashboardConfigMaps,
    renderServiceMonitors,
} from "../../components/observability-stack/manifests";
import { cacheParameterFamily } from "../../components/internal/managed-state";
import { PROMETHEUS_POD_LABELS, renderLangfuseNetworkPolicies, renderMonitoringNetworkPolicies } from "../../components/observability-stack/network-policies";
import {
    kubePrometheusStackValues,
    LANGFUSE_SECRET,
    langfuseHost,
    langfuseInitEnv,
    langfuseSecretKeys,
    langfuseValues,
    LangfuseStateFacts,
    PROMETHEUS_URL,
    SECRET_KEYS,
} from "../../components/observability-stack/values";
import { REFERENCE_DIR, skipWithoutReference } from "../harness/conformance";
import { resolved } from "./fixtures";

const FACTS: LangfuseStateFacts = {
    databaseHost: "obs-langfuse.abcdefghijkl.us-east-1.rds.amazonaws.com",
    redisHost: "master.obs-langfuse.abcdef.use1.cache.amazonaws.com",
    bucket: "obs-langfuse-123456789012-us-east-1",
    region: "us-east-1",
};

type Json = Record<string, any>;

const at = (obj: Json, dotted: string): any => dotted.split(".").reduce((o, k) => (o === undefined ? undefined : o[k]), obj);

/**
 * The chart's settings it fills with a generated secret when left empty, read
 * from the reference values.yaml's own comments ("Leave empty to auto-generate",
 * "Leave empty to have the chart generate").
 */
function chartGeneratedSecretPaths(): string[] {
    const doc = YAML.parseDocument(fs.readFileSync(path.join(REFERENCE_DIR, "charts/langfuse-2.0.0/values.yaml"), "utf8"));
    const found: string[] = [];
    const walk = (node: unknown, prefix: string) => {
        if (!YAML.isMap(node)) return;
        node.items.forEach((pair, i) => {
            const key = String((pair.key as YAML.Scalar).value);
            const here = prefix ? `${prefix}.${key}` : key;
            const comment = `${(pair.key as YAML.Scalar).commentBefore ?? ""}${i === 0 ? node.commentBefore ?? "" : ""}`;
            if (/leave empty to (auto-generate|have the chart generate)/i.test(comment)) found.push(here);
            walk(pair.value, here);
        });
    };
    walk(doc.contents, "");
    return found;
}

/** The Secret key a chart secret setting reads, when it reads the component's Secret; undefined otherwise. */
function referencedKey(values: Json, secretPath: string): string | undefined {
    const setting = at(values, secretPath);
    if (setting?.secretKeyRef) return setting.secretKeyRef.name === LANGFUSE_SECRET ? setting.secretKeyRef.key : undefined;
    const auth = at(values, secretPath.replace(/\.password$/, ""));
    if (auth?.existingSecret !== LANGFUSE_SECRET) return undefined;
    return auth.secretKeys?.userPasswordKey ?? auth.existingSecretPasswordKey ?? auth.existingSecretKey;
}

describe("ObservabilityStack renderers", () => {
    describe("Langfuse values", () => {
        const r = resolved();
        const values: Json = langfuseValues(r, FACTS);
        const secretKeys: string[] = langfuseSecretKeys().map((k) => SECRET_KEYS[k]);

        it("turn the bundled Postgres, Valkey and SeaweedFS off and point at RDS, ElastiCache and S3", () => {
            assert.deepEqual([values.postgresql.deploy, values.redis.deploy, values.s3.deploy], [false, false, false]);
            assert.equal(values.postgresql.host, FACTS.databaseHost);
            assert.equal(values.postgresql.port, 5432);
            assert.equal(values.postgresql.args, "sslmode=require");
            assert.equal(values.redis.host, FACTS.redisHost);
            assert.deepEqual(values.redis.tls, { enabled: true });
            assert.equal(values.s3.bucket, FACTS.bucket);
            assert.equal(values.s3.region, FACTS.region);
            assert.equal(values.s3.endpoint, "https://s3.us-east-1.amazonaws.com");
            assert.equal(values.s3.forcePathStyle, false);
            assert.deepEqual([values.s3.eventUpload.prefix, values.s3.mediaUpload.prefix, values.s3.batchExport.prefix], ["events/", "media/", "exports/"]);
        });

        it("give S3 no access keys: the pods use the Pod Identity role of the chart's one service account", () => {
            const s3 = JSON.stringify(values.s3);
            assert.doesNotMatch(s3, /accessKeyId|secretAccessKey|rootPassword/);
            assert.deepEqual(values.langfuse.serviceAccount, { create: true, name: "langfuse" });
        });

        it("run ClickHouse in-cluster with persistent storage from the component's Secret", () => {
            assert.equal(values.clickhouse.deploy, true);
            assert.deepEqual(values.clickhouse.auth, { existingSecret: LANGFUSE_SECRET, existingSecretKey: "clickhouse-password" });
            assert.deepEqual(values.clickhouse.cluster, { replicas: 1, storage: { size: "20Gi" }, resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } } });
            assert.deepEqual(values.clickhouse.keeper, { replicas: 1, storage: { size: "5Gi" } });
            const withClass: Json = langfuseValues(resolved({ langfuse: { clickhouse: { storageClassName: "gp3" } } }), FACTS);
            assert.equal(withClass.clickhouse.cluster.storage.className, "gp3");
            assert.equal(withClass.clickhouse.keeper.storage.className, "gp3");
        });

        it("leave no secret for the chart to generate: every such setting reads a key of the component's Secret", function () {
            skipWithoutReference(this);
            const generated = chartGeneratedSecretPaths();
            assert.deepEqual(generated, [
                "langfuse.salt",
                "langfuse.encryptionKey",
                "langfuse.nextauth.secret",
                "postgresql.auth.password",
                "redis.auth.password",
                "clickhouse.auth.password",
                "s3.auth.rootPassword",
            ]);
            for (const p of generated) {
                // SeaweedFS's key exists only when the chart deploys it; S3 is external here.
                if (p.startsWith("s3.")) {
                    assert.equal(values.s3.deploy, false);
                    continue;
                }
                const key = referencedKey(values, p);
                assert.ok(key !== undefined && secretKeys.includes(key), `${p} does not read the component's Secret (got ${JSON.stringify(at(values, p.replace(/\.password$/, "")))})`);
            }
        });

        it("hold no secret value themselves: credentials are references, and the only `value`s are init ids", () => {
            const text = JSON.stringify(values);
            assert.doesNotMatch(text, /"password"|"value":\s*"(pk|sk)-lf-/);
            const plainEnv = values.langfuse.additionalEnv.filter((e: Json) => "value" in e).map((e: Json) => e.name);
            assert.deepEqual(plainEnv, ["LANGFUSE_INIT_ORG_ID", "LANGFUSE_INIT_ORG_NAME", "LANGFUSE_INIT_PROJECT_ID", "LANGFUSE_INIT_PROJECT_NAME", "LANGFUSE_INIT_USER_EMAIL", "LANGFUSE_INIT_USER_NAME"]);
        });

        it("initialise the organisation, the project and its key pair, and its owner, headlessly from the Secret", () => {
            const env = Object.fromEntries(langfuseInitEnv(r).map((e: Json) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
            assert.deepEqual(env, {
                LANGFUSE_INIT_ORG_ID: "genai-platform",
                LANGFUSE_INIT_ORG_NAME: "genai-platform",
                LANGFUSE_INIT_PROJECT_ID: "llm-gateway",
                LANGFUSE_INIT_PROJECT_NAME: "llm-gateway",
                LANGFUSE_INIT_PROJECT_PUBLIC_KEY: { name: LANGFUSE_SECRET, key: "init-project-public-key" },
                LANGFUSE_INIT_PROJECT_SECRET_KEY: { name: LANGFUSE_SECRET, key: "init-project-secret-key" },
                LANGFUSE_INIT_USER_EMAIL: "admin@langfuse.local",
                LANGFUSE_INIT_USER_NAME: "Platform admin",
                LANGFUSE_INIT_USER_PASSWORD: { name: LANGFUSE_SECRET, key: "init-user-password" },
            });
            assert.deepEqual(values.langfuse.additionalEnv, langfuseInitEnv(r));
        });

        it("serve NEXTAUTH at the public URL when given, else at the in-cluster web Service", () => {
            assert.equal(values.langfuse.nextauth.url, "http://langfuse-web.langfuse.svc.cluster.local:3000");
            assert.equal(langfuseHost(r), "http://langfuse-web.langfuse.svc.cluster.local:3000");
            const pub: Json = langfuseValues(resolved({ langfuse: { publicUrl: "https://langfuse.example.com" } }), FACTS);
            assert.equal(pub.langfuse.nextauth.url, "https://langfuse.example.com");
        });

        it("size web and worker replicas per environment; production requests Langfuse's minimums (langfuse.com self-hosting scaling)", () => {
            const prod: Json = langfuseValues(resolved({ production: true }), FACTS);
            assert.deepEqual([values.langfuse.web.replicas, values.langfuse.worker.replicas], [1, 1]);
            assert.deepEqual([prod.langfuse.web.replicas, prod.langfuse.worker.replicas], [2, 2]);
            assert.deepEqual([prod.langfuse.web.resources, prod.langfuse.worker.resources], [{ requests: { cpu: "2", memory: "4Gi" } }, { requests: { cpu: "2", memory: "4Gi" } }]);
            assert.equal(values.langfuse.web.resources, undefined, "outside production the chart's defaults stand");
            // …but for ClickHouse's CPU request, half the chart's core, so dev's idle fits the one platform node its floor prices.
            assert.deepEqual(values.clickhouse.cluster.resources, { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } });
            assert.deepEqual(prod.clickhouse.cluster, { replicas: 3, storage: { size: "200Gi" }, resources: { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } } });
        });
    });

    describe("kube-prometheus-stack values", () => {
        const dev: Json = kubePrometheusStackValues(resolved());
        const prod: Json = kubePrometheusStackValues(resolved({ production: true, prometheus: { storageClassName: "gp3" } }));

        it("select monitors, rules, probes and scrape configs from every namespace", () => {
            const spec = dev.prometheus.prometheusSpec;
            for (const kind of ["serviceMonitor", "podMonitor", "rule", "probe", "scrapeConfig"]) {
                assert.equal(spec[`${kind}SelectorNilUsesHelmValues`], false, kind);
            }
        });

        it("keep retention, volume and replicas per environment", () => {
            const d = dev.prometheus.prometheusSpec;
            const p = prod.prometheus.prometheusSpec;
            assert.deepEqual([d.retention, d.retentionSize, d.replicas], ["7d", "42GB", 1]);
            assert.deepEqual([p.retention, p.retentionSize, p.replicas], ["30d", "170GB", 2]);
            assert.deepEqual(d.storageSpec.volumeClaimTemplate.spec, { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } });
            assert.deepEqual(p.storageSpec.volumeClaimTemplate.spec, { accessModes: ["ReadWriteOnce"], storageClassName: "gp3", resources: { requests: { storage: "200Gi" } } });
            assert.deepEqual([dev.alertmanager.alertmanagerSpec.replicas, prod.alertmanager.alertmanagerSpec.replicas], [1, 2]);
        });

        it("load dashboards labelled grafana_dashboard=1 from every namespace and read Grafana's admin from a Secret", () => {
            assert.deepEqual(dev.grafana.sidecar.dashboards, { enabled: true, label: "grafana_dashboard", labelValue: "1", searchNamespace: "ALL" });
            assert.deepEqual(dev.grafana.admin, { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
            assert.equal(JSON.stringify(dev).includes("adminPassword"), false);
        });

        it("put Prometheus where ModelEndpoint's autoscaler looks for it", () => {
            assert.equal(PROMETHEUS_URL, "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090");
            assert.equal(PROMETHEUS_URL, DEFAULT_PROMETHEUS_URL);
        });
    });

    describe("dashboards", () => {
        const configMaps = renderDashboardConfigMaps();

        it("ship one ConfigMap per dashboard in monitoring, labelled for the Grafana sidecar", () => {
            assert.deepEqual(configMaps.map((c) => c.metadata.name), ["genai-platform-dashboard-gpu", "genai-platform-dashboard-vllm", "genai-platform-dashboard-gateway"]);
            const uids = configMaps.map((c) => {
                assert.equal(c.metadata.namespace, "monitoring");
                assert.equal(c.metadata.labels?.grafana_dashboard, "1");
                const entries = Object.entries(c.data as Record<string, string>);
                assert.equal(entries.length, 1);
                assert.match(entries[0][0], /^genai-platform-[a-z]+\.json$/);
                return JSON.parse(entries[0][1]).uid;
            });
            assert.deepEqual(uids, ["genai-gpu", "genai-vllm", "genai-gateway"]);
        });

        it("give every panel a Prometheus target on the provisioned datasource, in distinct grid cells", () => {
            for (const dashboard of Object.values(platformDashboards())) {
                const panels = dashboard.panels as Json[];
                assert.ok(panels.length >= 4, dashboard.uid);
                for (const p of panels) {
                    assert.ok(p.targets.length > 0 && p.targets.every((t: Json) => t.expr && t.datasource.uid === "prometheus"), `${dashboard.uid}/${p.title}`);
                }
                const cells = panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
                assert.equal(new Set(cells).size, cells.length, dashboard.uid);
            }
        });

        const exprs = (uid: string) => (Object.values(platformDashboards()).find((d) => d.uid === uid)!.panels as Json[]).flatMap((p) => p.targets.map((t: Json) => t.expr)).join("\n");

        it("show GPU utilisation and memory per pool (joined through Karpenter's node metrics) and per tenant (DCGM)", () => {
            const gpu = exprs("genai-gpu");
            for (const metric of ["DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "karpenter_nodes_allocatable", "karpenter_nodepools_limit"]) assert.ok(gpu.includes(metric), metric);
            assert.match(GPU_QUERIES.utilisationByPool, /^avg by \(nodepool\)/);
            assert.match(GPU_QUERIES.utilisationByPool, /label_replace\(DCGM_FI_DEV_GPU_UTIL, "node_name", "\$1", "Hostname", "\(\.\*\)"\)/);
            assert.match(GPU_QUERIES.memoryByTenant, /^sum by \(exported_namespace\) \(DCGM_FI_DEV_FB_USED/);
        });

        it("show vLLM queue depth, time to first token and throughput", () => {
            const vllm = exprs("genai-vllm");
            for (const metric of ["vllm:num_requests_waiting", "vllm:time_to_first_token_seconds_bucket", "vllm:generation_tokens_total"]) assert.ok(vllm.includes(metric), metric);
            assert.match(VLLM_QUERIES.ttftP95, /^histogram_quantile\(0\.95, sum by \(le, model_name\)/);
        });

        it("show gateway requests, latency and spend per team, and its server-error share", () => {
            const gateway = exprs("genai-gateway");
            for (const metric of ["litellm_requests_metric_total", "litellm_request_total_latency_metric_bucket", "litellm_spend_metric_total", 'litellm_proxy_total_requests_metric_total{status_code=~"5..|None"}']) {
                assert.ok(gateway.includes(metric), metric);
            }
            assert.match(GATEWAY_QUERIES.spendByTeam, /^sum by \(team_alias\) \(increase\(litellm_spend_metric_total/);
        });

        it("count every model's spend, self-hosted included (issue 15): the spend panels select by team only", () => {
            // LiteLLM's spend counter (litellm/types/integrations/prometheus.py DEFINED_PROMETHEUS_METRICS
            // "litellm_spend_metric"; litellm/integrations/prometheus.py increments it by each response's cost for
            // every deployment) counts hosted_vllm routes once they carry input/output_cost_per_token. A model,
            // provider or api_base filter here would drop them again.
            for (const query of [GATEWAY_QUERIES.spendByTeam, GATEWAY_QUERIES.spendRateByTeam]) {
                const selectors = [...query.matchAll(/litellm_spend_metric_total\{([^}]*)\}/g)].map((m) => m[1]);
                assert.deepEqual(selectors, ['team_alias=~"$team"'], query);
            }
        });
    });

    describe("alert rules", () => {
        const rule = (r = resolved()) => renderAlertRules(r) as Json;
        const alerts = (r = resolved()) => Object.fromEntries(rule(r).spec.groups.flatMap((g: Json) => g.rules).filter((x: Json) => x.alert).map((x: Json) => [x.alert, x]));

        it("are one PrometheusRule in monitoring", () => {
            assert.deepEqual([rule().apiVersion, rule().kind, rule().metadata.namespace], ["monitoring.coreos.com/v1", "PrometheusRule", "monitoring"]);
            assert.deepEqual(Object.keys(alerts()), ["GpuPodPendingTooLong", "GpuPoolAtLimit", "ModelEndpointNoReadyReplica", "GatewayHighErrorRate"]);
        });

        it("alert on pods requesting GPUs that stay Pending, sooner in production", () => {
            const a = alerts().GpuPodPendingTooLong;
            assert.match(a.expr, /kube_pod_container_resource_requests\{resource="nvidia_com_gpu"\}/);
            assert.match(a.expr, /kube_pod_status_phase\{phase="Pending"\} == 1/);
            assert.equal(a.for, "20m");
            assert.equal(alerts(resolved({ production: true })).GpuPodPendingTooLong.for, "10m");
        });

        it("alert on model endpoints with no available replica, known by the vLLM metrics they serve", () => {
            const a = alerts().ModelEndpointNoReadyReplica;
            assert.match(a.expr, /kube_deployment_status_replicas_available == 0/);
            assert.match(a.expr, /kube_deployment_spec_replicas > 0/);
            assert.ok(a.expr.includes(`max_over_time(${MODEL_ENDPOINT_RECORD}[1d])`));
            const record = rule().spec.groups.flatMap((g: Json) => g.rules).find((x: Json) => x.record === MODEL_ENDPOINT_RECORD);
            assert.match(record.expr, /vllm:num_requests_running/);
            assert.deepEqual([a.for, a.labels.severity], ["30m", "critical"]);
        });

        it("alert on the gateway's error rate above the threshold", () => {
            const a = alerts(resolved({ alerts: { gatewayErrorRatio: 0.1 } })).GatewayHighErrorRate;
            assert.equal(a.expr, `${GATEWAY_QUERIES.errorRatio} > 0.1`);
            assert.match(a.annotations.description, /More than 10% of gateway requests got a server error/);
        });

        it("drop the Karpenter pool alert and scrape on EKS Auto Mode", () => {
            const auto = resolved({ karpenterNamespace: false });
            assert.ok(!("GpuPoolAtLimit" in alerts(auto)));
            assert.deepEqual(renderServiceMonitors(auto).map((m) => m.metadata.name), []);
        });
    });

    describe("ServiceMonitors", () => {
        const monitors = renderServiceMonitors(resolved()) as Json[];

        it("scrape Karpenter's metrics port in its namespace", () => {
            assert.equal(monitors.length, 1, "each LlmGateway brings its own monitor, with its scrape key");
            const karpenter = monitors[0];
            assert.deepEqual(karpenter.spec.namespaceSelector, { matchNames: ["karpenter"] });
            assert.deepEqual(karpenter.spec.selector.matchLabels, { "app.kubernetes.io/name": "karpenter" });
            assert.equal(karpenter.spec.endpoints[0].port, "http-metrics");
        });
    });

    describe("bucket documents", () => {
        const ARN = "arn:aws:s3:::obs-langfuse-123456789012-us-east-1";

        it("let the role use this bucket and its objects only", () => {
            const policy = bucketAccessPolicy(ARN);
            assert.deepEqual(policy.Statement.map((s) => s.Resource), [ARN, `${ARN}/*`]);
            assert.ok(policy.Statement.every((s) => s.Effect === "Allow" && !JSON.stringify(s.Action).includes("*")));
        });

        it("deny every request without TLS", () => {
            assert.deepEqual(tlsOnlyBucketPolicy(ARN).Statement, [{
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [ARN, `${ARN}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            }]);
        });

        it("expire event blobs after the retention, abort incomplete uploads, and keep media", () => {
            const rules = lifecycleRules(resolved({ production: true }));
            assert.deepEqual(rules[0], { id: "expire-old-event-blobs", status: "Enabled", filter: { prefix: "events/" }, expiration: { days: 90 } });
            assert.equal(lifecycleRules(resolved())[0].expiration.days, 30);
            assert.deepEqual(rules[2].abortIncompleteMultipartUpload, { daysAfterInitiation: 1 });
            assert.ok(!rules.some((r) => r.filter.prefix === "media/"));
        });

        it("name the cache parameter family from engine and major version", () => {
            assert.equal(cacheParameterFamily("valkey", "8.0"), "valkey8");
            assert.equal(cacheParameterFamily("redis", "7.1"), "redis7");
        });
    });
});

describe("ObservabilityStack network policies", () => {
    const byName = (objects: { metadata: { name: string } }[]) => Object.fromEntries(objects.map((o) => [o.metadata.name, o as Record<string, any>]));
    const nsPeer = (namespace: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } });

    it("closes monitoring to ingress but from itself, KEDA to Prometheus, and the API server to the operator's webhook port", () => {
        const p = byName(renderMonitoringNetworkPolicies(resolved()));
        assert.deepEqual(Object.keys(p), ["default-deny-ingress", "allow-same-namespace", "allow-keda-to-prometheus", "allow-api-server-to-operator-webhook"]);
        assert.deepEqual(p["default-deny-ingress"].spec, { podSelector: {}, policyTypes: ["Ingress"] });
        assert.deepEqual(p["allow-same-namespace"].spec, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] });
        assert.deepEqual(p["allow-keda-to-prometheus"].spec, {
            podSelector: { matchLabels: PROMETHEUS_POD_LABELS },
            policyTypes: ["Ingress"],
            ingress: [{ from: [nsPeer("keda")], ports: [{ protocol: "TCP", port: 9090 }] }],
        });
        assert.deepEqual(p["allow-api-server-to-operator-webhook"].spec, {
            podSelector: { matchLabels: { app: "kube-prometheus-stack-operator", release: "kube-prometheus-stack" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 10250 }] }],
        });
    });

    it("opens langfuse-web only to gateway pods outside tenant namespaces, the OTel collector's OTLP port to tenants' agent services, and the namespace to the ClickHouse operator", () => {
        const p = byName(renderLangfuseNetworkPolicies(resolved()));
        assert.deepEqual(Object.keys(p), ["default-deny-ingress", "allow-same-namespace", "allow-gateway-to-langfuse-web", "allow-agents-to-otel-collector", "allow-clickhouse-operator", "otel-collector-egress"]);
        assert.deepEqual(p["allow-agents-to-otel-collector"].spec, {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": "otel-collector" } },
            policyTypes: ["Ingress"],
            ingress: [{
                from: [{ namespaceSelector: { matchExpressions: [{ key: "genai-platform.io/tenant", operator: "Exists" }] }, podSelector: { matchLabels: { "app.kubernetes.io/name": "agent-service" } } }],
                ports: [{ protocol: "TCP", port: 4318 }],
            }],
        });
        assert.ok(Object.values(p).every((o) => o.metadata.namespace === "langfuse"));
        assert.deepEqual(p["allow-gateway-to-langfuse-web"].spec, {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/component": "web" } },
            policyTypes: ["Ingress"],
            ingress: [{
                from: [{ namespaceSelector: { matchExpressions: [{ key: "genai-platform.io/tenant", operator: "DoesNotExist" }] }, podSelector: { matchLabels: { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/component": "llm-gateway" } } }],
                ports: [{ protocol: "TCP", port: 3000 }],
            }],
        });
        assert.deepEqual(p["allow-clickhouse-operator"].spec, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [nsPeer("clickhouse-operator-system")] }] });
    });
});

describe("ObservabilityStack network policies with an ingress", () => {
    const INGRESS = { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666", langfuseHost: "langfuse.example.com", grafanaHost: "grafana.example.com" };
    const alb = (policies: { metadata: { name: string }; spec?: unknown }[], name: string) => policies.find((p) => p.metadata.name === name)?.spec;

    it("admits the ALB (target-type ip) into the published Langfuse and Grafana only from its subnets", () => {
        const r = resolved({ ingress: INGRESS, loadBalancerSourceCidrs: ["10.0.192.0/22", "10.0.196.0/22"] });
        const from = [{ ipBlock: { cidr: "10.0.192.0/22" } }, { ipBlock: { cidr: "10.0.196.0/22" } }];
        assert.deepEqual(alb(renderLangfuseNetworkPolicies(r), "allow-load-balancer-to-langfuse-web"), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "langfuse", "app.kubernetes.io/instance": "langfuse", "app.kubernetes.io/component": "web" } },
            policyTypes: ["Ingress"],
            ingress: [{ from, ports: [{ protocol: "TCP", port: 3000 }] }],
        });
        assert.deepEqual(alb(renderMonitoringNetworkPolicies(r), "allow-load-balancer-to-grafana"), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "kube-prometheus-stack" } },
            policyTypes: ["Ingress"],
            ingress: [{ from, ports: [{ protocol: "TCP", port: 3000 }] }],
        });
    });

    it("admits no load balancer when nothing is published, and any address when its subnets are not given", () => {
        assert.equal(alb(renderLangfuseNetworkPolicies(resolved()), "allow-load-balancer-to-langfuse-web"), undefined);
        assert.equal(alb(renderMonitoringNetworkPolicies(resolved({ ingress: { ...INGRESS, grafanaHost: undefined } })), "allow-load-balancer-to-grafana"), undefined);
        const open = alb(renderLangfuseNetworkPolicies(resolved({ ingress: INGRESS })), "allow-load-balancer-to-langfuse-web") as { ingress: { from: unknown[] }[] };
        assert.deepEqual(open.ingress[0].from, [{ ipBlock: { cidr: "0.0.0.0/0" } }]);
    });

    it("refuses a source CIDR that is not one", () => {
        assert.throws(() => resolved({ loadBalancerSourceCidrs: ["10.0.0.0/8", "public"] }), /loadBalancerSourceCidrs\[1\]: got "public"; expected an IPv4 CIDR such as "10.0.192.0\/22"/);
    });
});

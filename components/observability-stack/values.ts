/**
 * Pure Helm values renderers: Langfuse 2.0.0 (external RDS, ElastiCache and
 * S3, in-cluster ClickHouse), its prerequisites, and kube-prometheus-stack.
 * No secret value is ever rendered here: the charts read every secret from
 * the component's Kubernetes Secrets through secretKeyRef / existingSecret.
 */
import { CACHE_PORT, POSTGRES_PORT } from "../internal/managed-state-args";
import { httpsUrl, type ResolvedObservabilityStackArgs } from "./args";

export const LANGFUSE_RELEASE = "langfuse";
/** The chart names the web Service `<fullname>-web`; fullname is the release name when it contains "langfuse". */
export const LANGFUSE_WEB_SERVICE = `${LANGFUSE_RELEASE}-web`;
/**
 * Labels of Langfuse's web pods, for NetworkPolicies of its clients: the chart's
 * selector labels plus the web component's (langfuse-k8s 2.0.0
 * templates/web/deployment.yaml; `langfuse.name` is the chart name, no nameOverride set).
 */
export const LANGFUSE_WEB_POD_LABELS = {
    "app.kubernetes.io/name": "langfuse",
    "app.kubernetes.io/instance": LANGFUSE_RELEASE,
    "app.kubernetes.io/component": "web",
} as const;
export const LANGFUSE_WEB_PORT = 3000;
/** One service account for web and worker: the Pod Identity association binds the S3 role to it. */
export const LANGFUSE_SERVICE_ACCOUNT = "langfuse";
/**
 * The uid and gid the Langfuse images run as (langfuse/langfuse web/Dockerfile
 * `adduser --uid 1001 nextjs`, worker/Dockerfile `expressjs`). The images name
 * the user, so the pods must give the uid for kubelet to verify runAsNonRoot.
 */
export const LANGFUSE_UID = 1001;
/** The component's Secret holding every Langfuse credential; not the chart's own `<release>-app`. */
export const LANGFUSE_SECRET = "langfuse-pinned-credentials";

export const MONITORING_NAMESPACE = "monitoring";
export const KUBE_PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack";
export const PROMETHEUS_URL = `http://${KUBE_PROMETHEUS_STACK_RELEASE}-prometheus.${MONITORING_NAMESPACE}.svc.cluster.local:9090`;
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** The grafana subchart names its Service `<release>-grafana`, port 80. */
export const GRAFANA_SERVICE = `${KUBE_PROMETHEUS_STACK_RELEASE}-grafana`;
export const GRAFANA_SERVICE_PORT = 80;
export const GRAFANA_ADMIN_USER = "admin";

/** Alertmanager's receiver credentials; the operator mounts it at /etc/alertmanager/secrets/<name>/ (`alertmanagerSpec.secrets`). */
export const ALERTMANAGER_RECEIVERS_SECRET = "alertmanager-receivers";
export const ALERTMANAGER_SECRET_KEYS = { slackWebhookUrl: "slack-webhook-url" } as const;
/** Where a key of the receivers Secret appears inside the Alertmanager pods. */
export const alertmanagerSecretFile = (key: string) => `/etc/alertmanager/secrets/${ALERTMANAGER_RECEIVERS_SECRET}/${key}`;

export const CERT_MANAGER_RELEASE = "cert-manager";
export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const CLICKHOUSE_OPERATOR_RELEASE = "clickhouse-operator";
export const CLICKHOUSE_OPERATOR_NAMESPACE = "clickhouse-operator-system";

/** The sidecar's default discovery label (kube-prometheus-stack `grafana.sidecar.dashboards`). */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

export const DATABASE_NAME = "langfuse";
export const DATABASE_USER = "langfuse";
/** ElastiCache's AUTH token is the password of Redis' `default` user. */
export const CACHE_USER = "default";

/** Keys of the Langfuse Secret, one per credential. */
export const SECRET_KEYS = {
    salt: "salt",
    encryptionKey: "encryption-key",
    nextauthSecret: "nextauth-secret",
    databasePassword: "database-password",
    clickhousePassword: "clickhouse-password",
    redisPassword: "redis-password",
    initPublicKey: "init-project-public-key",
    initSecretKey: "init-project-secret-key",
    initUserPassword: "init-user-password",
} as const;
export type SecretKey = keyof typeof SECRET_KEYS;

/** The Secret keys the component fills: every one. */
export function langfuseSecretKeys(): SecretKey[] {
    return Object.keys(SECRET_KEYS) as SecretKey[];
}

/** S3 key prefixes; the lifecycle rules expire by them. */
export const S3_PREFIXES = { events: "events/", media: "media/", exports: "exports/" } as const;

/** Where Langfuse's external state lives, once AWS has created it. */
export interface LangfuseStateFacts {
    databaseHost: string;
    redisHost: string;
    bucket: string;
    region: string;
}

/** The in-cluster URL of langfuse-web: what the gateway's OTel callback posts to. */
export function langfuseHost(r: Pick<ResolvedObservabilityStackArgs, "langfuse">): string {
    return `http://${LANGFUSE_WEB_SERVICE}.${r.langfuse.namespace}.svc.cluster.local:${LANGFUSE_WEB_PORT}`;
}

const secretRef = (key: SecretKey) => ({ secretKeyRef: { name: LANGFUSE_SECRET, key: SECRET_KEYS[key] } });
const secretEnv = (name: string, key: SecretKey) => ({ name, valueFrom: secretRef(key) });

/** Display name of the initialised owner. */
export const LANGFUSE_ADMIN_NAME = "Platform admin";

/**
 * Headless initialisation: the organisation, the project and its key pair,
 * and the organisation's owner (the one login while sign-up is closed) exist
 * on first boot.
 */
export function langfuseInitEnv(r: ResolvedObservabilityStackArgs): Record<string, unknown>[] {
    const l = r.langfuse;
    return [
        { name: "LANGFUSE_INIT_ORG_ID", value: l.organizationId },
        { name: "LANGFUSE_INIT_ORG_NAME", value: l.organizationId },
        { name: "LANGFUSE_INIT_PROJECT_ID", value: l.projectId },
        { name: "LANGFUSE_INIT_PROJECT_NAME", value: l.projectId },
        secretEnv("LANGFUSE_INIT_PROJECT_PUBLIC_KEY", "initPublicKey"),
        secretEnv("LANGFUSE_INIT_PROJECT_SECRET_KEY", "initSecretKey"),
        { name: "LANGFUSE_INIT_USER_EMAIL", value: l.adminEmail },
        { name: "LANGFUSE_INIT_USER_NAME", value: LANGFUSE_ADMIN_NAME },
        secretEnv("LANGFUSE_INIT_USER_PASSWORD", "initUserPassword"),
    ];
}

/**
 * Production sizing from Langfuse's "Minimum Infrastructure Requirements"
 * (langfuse.com/self-hosting/configuration/scaling): web and worker 2 CPU /
 * 4 GiB each, ClickHouse 2 CPU / 8 GiB. Requested, so the scheduler (and the
 * capacity the platform gives itself) counts them; ClickHouse's memory limit
 * is raised with its request (the chart's default limit is 4Gi, under it).
 * Outside production the chart's own defaults stand, but for ClickHouse's CPU
 * request: half a core (the chart asks one, langfuse 2.0.0 values.yaml
 * `clickhouse.resources`) for dev's trickle of traces, so what dev runs idle
 * fits the one platform node its idle floor prices
 * (test/semantics/idle-capacity.test.ts); its memory request and limit stay.
 */
const LANGFUSE_PRODUCTION_RESOURCES = { requests: { cpu: "2", memory: "4Gi" } };
const CLICKHOUSE_PRODUCTION_RESOURCES = { requests: { cpu: "2", memory: "8Gi" }, limits: { memory: "8Gi" } };
const CLICKHOUSE_DEV_RESOURCES = { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "4Gi" } };

function clickhouseValues(ch: ResolvedObservabilityStackArgs["langfuse"]["clickhouse"], production: boolean) {
    const className = ch.storageClassName !== undefined ? { className: ch.storageClassName } : {};
    return {
        deploy: true,
        auth: { existingSecret: LANGFUSE_SECRET, existingSecretKey: SECRET_KEYS.clickhousePassword },
        cluster: { replicas: ch.replicas, storage: { size: ch.storageSize, ...className }, resources: production ? CLICKHOUSE_PRODUCTION_RESOURCES : CLICKHOUSE_DEV_RESOURCES },
        keeper: { replicas: ch.keeperReplicas, storage: { size: ch.keeperStorageSize, ...className } },
    };
}

/**
 * Langfuse chart values: the bundled Postgres, Valkey and SeaweedFS off in
 * favour of the component's RDS, ElastiCache and S3; ClickHouse through the
 * operator; every credential from the component's Secret.
 */
export function langfuseValues(r: ResolvedObservabilityStackArgs, facts: LangfuseStateFacts) {
    const l = r.langfuse;
    return {
        langfuse: {
            salt: secretRef("salt"),
            encryptionKey: secretRef("encryptionKey"),
            nextauth: { url: l.publicUrl ?? langfuseHost(r), secret: secretRef("nextauthSecret") },
            // A private platform: no usage reports leave it; the initialised owner invites users.
            features: { telemetryEnabled: false, signUpDisabled: !l.allowSignUp },
            serviceAccount: { create: true, name: LANGFUSE_SERVICE_ACCOUNT },
            // The restricted Pod Security profile; the chart copies both verbatim into web and worker.
            podSecurityContext: {
                runAsNonRoot: true,
                runAsUser: LANGFUSE_UID,
                runAsGroup: LANGFUSE_UID,
                fsGroup: LANGFUSE_UID,
                seccompProfile: { type: "RuntimeDefault" },
            },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            web: { replicas: l.webReplicas, ...(r.production ? { resources: LANGFUSE_PRODUCTION_RESOURCES } : {}) },
            worker: { replicas: l.workerReplicas, ...(r.production ? { resources: LANGFUSE_PRODUCTION_RESOURCES } : {}) },
            additionalEnv: langfuseInitEnv(r),
        },
        postgresql: {
            deploy: false,
            host: facts.databaseHost,
            port: POSTGRES_PORT,
            // RDS PostgreSQL 15+ forces TLS.
            args: "sslmode=require",
            auth: {
                username: DATABASE_USER,
                database: DATABASE_NAME,
                existingSecret: LANGFUSE_SECRET,
                secretKeys: { userPasswordKey: SECRET_KEYS.databasePassword },
            },
        },
        redis: {
            deploy: false,
            host: facts.redisHost,
            port: CACHE_PORT,
            tls: { enabled: true },
            auth: {
                username: CACHE_USER,
                existingSecret: LANGFUSE_SECRET,
                existingSecretPasswordKey: SECRET_KEYS.redisPassword,
                // On a shared cache Langfuse keeps its keys in a logical database of its own (chart 2.0.0
                // templates/_helpers.tpl builds REDIS_CONNECTION_STRING with `/{{ .Values.redis.auth.database }}`).
                ...(l.redisDatabase !== 0 ? { database: l.redisDatabase } : {}),
            },
        },
        clickhouse: clickhouseValues(l.clickhouse, r.production),
        // No access keys: the AWS SDK in the pods takes the Pod Identity role's credentials.
        s3: {
            deploy: false,
            storageProvider: "s3",
            bucket: facts.bucket,
            region: facts.region,
            endpoint: `https://s3.${facts.region}.amazonaws.com`,
            forcePathStyle: false,
            eventUpload: { prefix: S3_PREFIXES.events },
            mediaUpload: { prefix: S3_PREFIXES.media },
            batchExport: { prefix: S3_PREFIXES.exports },
        },
    };
}

/** cert-manager with its CRDs, which the Langfuse chart's ClickHouse operator needs for its webhook certificates. */
export function certManagerValues() {
    return { crds: { enabled: true } };
}

/** The ClickHouse operator as its chart ships it. */
export function clickhouseOperatorValues() {
    return {};
}

const PROMETHEUS_RESOURCES = { requests: { memory: "400Mi" } };

function prometheusStorage(prom: ResolvedObservabilityStackArgs["prometheus"]) {
    return {
        volumeClaimTemplate: {
            spec: {
                accessModes: ["ReadWriteOnce"],
                ...(prom.storageClassName !== undefined ? { storageClassName: prom.storageClassName } : {}),
                resources: { requests: { storage: prom.storageSize } },
            },
        },
    };
}

/** The chart's own inhibitions (kube-prometheus-stack 88.5.3 values.yaml `alertmanager.config.inhibit_rules`), kept. */
const INHIBIT_RULES = [
    { source_matchers: ["severity = critical"], target_matchers: ["severity =~ warning|info"], equal: ["namespace", "alertname"] },
    { source_matchers: ["severity = warning"], target_matchers: ["severity = info"], equal: ["namespace", "alertname"] },
    { source_matchers: ["alertname = InfoInhibitor"], target_matchers: ["severity = info"], equal: ["namespace"] },
    { target_matchers: ["alertname = InfoInhibitor"] },
];

/**
 * Alertmanager's configuration. It holds no secret: the Slack webhook is read
 * from the mounted receivers Secret (`api_url_file`), so the URL never enters
 * the Helm release's values or the chart's config Secret. Without a receiver
 * every alert goes to `null` (seen only in the Alertmanager and Grafana UIs),
 * which validation refuses in production. The Watchdog (always firing, a
 * dead-man's switch for an external pager) and InfoInhibitor are never sent.
 */
export function alertmanagerConfig(r: ResolvedObservabilityStackArgs) {
    const slack = r.alerts.slack;
    const receivers: Record<string, unknown>[] = [{ name: "null" }];
    if (slack) {
        receivers.push({
            name: "slack",
            slack_configs: [{ api_url_file: alertmanagerSecretFile(ALERTMANAGER_SECRET_KEYS.slackWebhookUrl), channel: slack.channel, send_resolved: true }],
        });
    }
    return {
        global: { resolve_timeout: "5m" },
        inhibit_rules: INHIBIT_RULES,
        route: {
            group_by: ["namespace", "alertname"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "12h",
            receiver: slack ? "slack" : "null",
            routes: ["Watchdog", "InfoInhibitor"].map((alert) => ({ receiver: "null", matchers: [`alertname = "${alert}"`] })),
        },
        receivers,
        templates: ["/etc/alertmanager/config/*.tmpl"],
    };
}

/**
 * Behind the ingress Grafana must know its public URL: it checks a login
 * POST's Origin against `server.root_url`; its cookies then need TLS.
 */
function grafanaPublicUrl(r: ResolvedObservabilityStackArgs) {
    const host = r.ingress?.grafanaHost;
    if (host === undefined) return {};
    return { "grafana.ini": { server: { root_url: httpsUrl(host) }, security: { cookie_secure: true } } };
}

/**
 * kube-prometheus-stack: Prometheus selects every ServiceMonitor, PodMonitor,
 * Probe, ScrapeConfig and PrometheusRule in every namespace (DCGM from the GPU
 * Operator, vLLM endpoints, the gateway), keeps its data on a volume sized per
 * environment, and Grafana loads every dashboard ConfigMap labelled
 * `grafana_dashboard: "1"` from any namespace.
 */
export function kubePrometheusStackValues(r: ResolvedObservabilityStackArgs) {
    const prom = r.prometheus;
    return {
        prometheus: {
            prometheusSpec: {
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                ruleSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                retention: prom.retention,
                retentionSize: prom.retentionSize,
                replicas: prom.replicas,
                storageSpec: prometheusStorage(prom),
                // prometheus-operator/kube-prometheus's default for its Prometheus (jsonnet/kube-prometheus/components/prometheus.libsonnet);
                // the chart sets none, which leaves the biggest platform pod out of every capacity count.
                resources: PROMETHEUS_RESOURCES,
            },
        },
        // EKS runs these on its managed control plane, out of Prometheus' reach: scraped, their
        // `*Down` alerts fire forever (the chart drops the rules with the scrapes).
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        // Auto Mode nodes run kube-proxy and CoreDNS as host processes, not as pods the chart's Services select
        // (EKS user guide, auto-networking "CoreDNS considerations": no CoreDNS Deployment, no kube-dns Service).
        ...(r.clusterMode === "auto" ? { kubeProxy: { enabled: false }, coreDns: { enabled: false } } : {}),
        alertmanager: {
            config: alertmanagerConfig(r),
            alertmanagerSpec: { replicas: r.production ? 2 : 1, ...(r.alerts.slack ? { secrets: [ALERTMANAGER_RECEIVERS_SECRET] } : {}) },
        },
        grafana: {
            admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
            ...grafanaPublicUrl(r),
            sidecar: {
                dashboards: { enabled: true, label: Object.keys(DASHBOARD_LABEL)[0], labelValue: DASHBOARD_LABEL.grafana_dashboard, searchNamespace: "ALL" },
            },
        },
    };
}

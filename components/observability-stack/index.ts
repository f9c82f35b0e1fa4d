import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { helmReleaseArgs } from "../internal/helm";
import { asArgs, type KubernetesObject } from "../internal/k8s-object";
import { generatedPassword } from "../internal/managed-state";
import type { ExternalState } from "../internal/managed-state-args";
import { CHARTS } from "../internal/versions";
import { childDependsOn, withArgProvider } from "../internal/options";
import { httpsUrl, ObservabilityStackArgs, ResolvedObservabilityStackArgs, validateObservabilityStackArgs } from "./args";
import { renderAlertmanagerReceiversSecret, renderAlertRules, renderDashboardConfigMaps, renderIngresses, renderGrafanaAdminSecret, renderLangfuseSecret, renderNamespace, renderServiceMonitors } from "./manifests";
import { renderLangfuseNetworkPolicies, renderMonitoringNetworkPolicies } from "./network-policies";
import {
    CollectorConnection,
    collectorConnection,
    renderCollectorClusterRole,
    renderCollectorClusterRoleBinding,
    renderCollectorConfigMap,
    renderCollectorDeployment,
    renderCollectorPodDisruptionBudget,
    renderCollectorService,
    renderCollectorServiceAccount,
} from "./otel-collector";
import { createLangfuseState } from "./state";
import {
    ALERTMANAGER_SECRET_KEYS,
    CERT_MANAGER_NAMESPACE,
    CERT_MANAGER_RELEASE,
    certManagerValues,
    CLICKHOUSE_OPERATOR_NAMESPACE,
    CLICKHOUSE_OPERATOR_RELEASE,
    clickhouseOperatorValues,
    GRAFANA_ADMIN_USER,
    KUBE_PROMETHEUS_STACK_RELEASE,
    kubePrometheusStackValues,
    LANGFUSE_RELEASE,
    langfuseHost,
    langfuseSecretKeys,
    langfuseValues,
    MONITORING_NAMESPACE,
    PROMETHEUS_URL,
    SECRET_KEYS,
    SecretKey,
} from "./values";

export * from "./args";
export { LANGFUSE_SECRET, MONITORING_NAMESPACE, PROMETHEUS_URL, SECRET_KEYS } from "./values";
export type { CollectorConnection } from "./otel-collector";

/** The Langfuse project the gateway traces into: exactly the shape `LlmGatewayArgs.langfuse` takes. */
export interface LangfuseConnection {
    /** In-cluster URL of langfuse-web, e.g. `http://langfuse-web.langfuse.svc.cluster.local:3000`. */
    host: string;
    /** The initialised project's public key (`pk-lf-...`), secret. */
    publicKey: pulumi.Output<string>;
    /** The initialised project's secret key (`sk-lf-...`), secret. */
    secretKey: pulumi.Output<string>;
}

/** The renderers' plain objects have exactly the shape the typed resource classes take. */

/**
 * LLM tracing and cost analytics (Langfuse on RDS, ElastiCache, S3 and
 * in-cluster ClickHouse, headlessly initialised so the gateway's keys work on
 * first boot) and metrics (kube-prometheus-stack scraping DCGM, vLLM, the
 * gateway and Karpenter, with the platform's Grafana dashboards and alerts).
 * One per cluster: its Helm releases have fixed names and namespaces.
 */
export class ObservabilityStack extends pulumi.ComponentResource {
    /** Where and how the gateway sends traces: pass as `LlmGatewayArgs.langfuse`. */
    readonly langfuse: LangfuseConnection;
    /**
     * The platform's OTel collector, where tenants' AgentServices send traces
     * (`AgentServiceArgs.tracing`): no credential needed; it stamps the
     * sender's tenant and holds the Langfuse project keys itself.
     */
    readonly collector: CollectorConnection;
    /** Prometheus inside the cluster (`ModelEndpoint` autoscaling queries it). */
    readonly prometheusUrl: string;
    /** Grafana's `admin` password, secret. */
    readonly grafanaAdminPassword: pulumi.Output<string>;
    /** Login of the initialised Langfuse owner (`langfuse.adminEmail`, default `admin@langfuse.local`). */
    readonly langfuseAdminEmail: string;
    /** The initialised Langfuse owner's password, secret. */
    readonly langfuseAdminPassword: pulumi.Output<string>;
    /** Where users reach Langfuse (`NEXTAUTH_URL`), when it is reachable from outside the cluster. */
    readonly langfusePublicUrl?: string;
    /** Where users reach Grafana, when the ingress serves it. */
    readonly grafanaUrl?: string;
    /** The S3 bucket holding Langfuse's events, media and exports. */
    readonly bucketName: pulumi.Output<string>;
    /** Namespaces the stack's workloads run in: exempt them from tenant admission policies. */
    readonly namespaces: string[];
    /** The kube-prometheus-stack release: ServiceMonitors and PrometheusRules elsewhere must come after it (its CRDs). */
    readonly monitoringRelease: k8s.helm.v3.Release;
    /** @internal Args with defaults applied, for the platform program; not part of the tenant API (stripped from the .d.ts). */
    readonly settings: ResolvedObservabilityStackArgs;

    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = validateObservabilityStackArgs(name, args);
        super("genai-platform:index:ObservabilityStack", name, {}, withArgProvider(opts, args.provider, `ObservabilityStack "${name}" args`, "provider"));
        this.settings = settings;
        const after = args.addons ?? [];

        const secrets = this.generateSecrets(name, args.externalState);
        const state = createLangfuseState(name, settings, args, secrets.statePasswords, this);
        this.bucketName = state.bucketName;

        const register = <A, R extends pulumi.CustomResource>(
            Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
            suffix: string,
            obj: A,
            needs: pulumi.Resource[] = [],
        ): R => new Kind(`${name}-${suffix}`, obj, { parent: this, dependsOn: childDependsOn(opts?.dependsOn, ...after, ...needs) });
        // Each namespace's NetworkPolicies, in place before the charts' pods start.
        const fence = (policies: KubernetesObject[], namespace: pulumi.Resource) => policies.map((p) =>
            register(k8s.networking.v1.NetworkPolicy, `${p.metadata.namespace}-${p.metadata.name}`, asArgs<k8s.networking.v1.NetworkPolicyArgs>(p), [namespace]));
        const release = (suffix: string, releaseArgs: k8s.helm.v3.ReleaseArgs, needs: pulumi.Resource[]) => register(k8s.helm.v3.Release, suffix, releaseArgs, needs);

        // The operators' namespaces at the level their pods pass (restricted), declared before their charts.
        const operatorNamespace = (namespace: string) =>
            register(k8s.core.v1.Namespace, `${namespace}-namespace`, asArgs<k8s.core.v1.NamespaceArgs>(renderNamespace(namespace, "restricted")));
        // Langfuse: cert-manager, then the ClickHouse operator, then the chart once its state and credentials exist.
        const certManager = release("cert-manager", helmReleaseArgs(CHARTS.certManager, {
            name: CERT_MANAGER_RELEASE,
            namespace: CERT_MANAGER_NAMESPACE,
            values: certManagerValues(),
        }), [operatorNamespace(CERT_MANAGER_NAMESPACE)]);
        const clickhouseOperator = release("clickhouse-operator", helmReleaseArgs(CHARTS.clickhouseOperator, {
            name: CLICKHOUSE_OPERATOR_RELEASE,
            namespace: CLICKHOUSE_OPERATOR_NAMESPACE,
            values: clickhouseOperatorValues(),
        }), [operatorNamespace(CLICKHOUSE_OPERATOR_NAMESPACE), certManager]);
        const langfuseNamespace = register(k8s.core.v1.Namespace, "langfuse-namespace", asArgs<k8s.core.v1.NamespaceArgs>(renderNamespace(settings.langfuse.namespace, "restricted")));
        const langfusePolicies = fence(renderLangfuseNetworkPolicies(settings), langfuseNamespace);
        const langfuseSecret = register(k8s.core.v1.Secret, "langfuse-credentials", {
            ...asArgs<k8s.core.v1.SecretArgs>(renderLangfuseSecret(settings)),
            stringData: pulumi.secret(pulumi.all(secrets.data)),
        }, [langfuseNamespace]);
        const langfuseRelease = release("langfuse", helmReleaseArgs(CHARTS.langfuse, {
            name: LANGFUSE_RELEASE,
            namespace: settings.langfuse.namespace,
            values: state.facts.apply((facts) => langfuseValues(settings, facts)),
        }), [certManager, clickhouseOperator, langfuseNamespace, langfuseSecret, ...langfusePolicies, ...state.ready]);

        this.collector = this.createCollector(settings, register, [langfuseNamespace, langfuseSecret]);

        // Metrics: the release, then what needs its CRDs.
        const monitoringNamespace = register(k8s.core.v1.Namespace, "monitoring-namespace", asArgs<k8s.core.v1.NamespaceArgs>(renderNamespace(MONITORING_NAMESPACE, "privileged")));
        const monitoringPolicies = fence(renderMonitoringNetworkPolicies(settings), monitoringNamespace);
        const grafanaAdmin = register(k8s.core.v1.Secret, "grafana-admin", {
            ...asArgs<k8s.core.v1.SecretArgs>(renderGrafanaAdminSecret()),
            stringData: pulumi.secret(pulumi.all({ "admin-user": GRAFANA_ADMIN_USER, "admin-password": secrets.grafanaAdminPassword })),
        }, [monitoringNamespace]);
        const slack = args.alerts?.slack;
        const receivers = slack
            ? [register(k8s.core.v1.Secret, "alertmanager-receivers", {
                ...asArgs<k8s.core.v1.SecretArgs>(renderAlertmanagerReceiversSecret()),
                stringData: pulumi.secret(pulumi.all({ [ALERTMANAGER_SECRET_KEYS.slackWebhookUrl]: slack.webhookUrl })),
            }, [monitoringNamespace])]
            : [];
        this.monitoringRelease = release("kube-prometheus-stack", helmReleaseArgs(CHARTS.kubePrometheusStack, {
            name: KUBE_PROMETHEUS_STACK_RELEASE,
            namespace: MONITORING_NAMESPACE,
            values: kubePrometheusStackValues(settings),
        }), [monitoringNamespace, grafanaAdmin, ...receivers, ...monitoringPolicies]);
        for (const configMap of renderDashboardConfigMaps()) {
            register(k8s.core.v1.ConfigMap, `dashboard-${configMap.metadata.name.replace(/^genai-platform-dashboard-/, "")}`, asArgs<k8s.core.v1.ConfigMapArgs>(configMap), [monitoringNamespace]);
        }
        register(k8s.apiextensions.CustomResource, "alert-rules", asArgs<k8s.apiextensions.CustomResourceArgs>(renderAlertRules(settings)), [this.monitoringRelease]);
        for (const monitor of renderServiceMonitors(settings)) {
            register(k8s.apiextensions.CustomResource, monitor.metadata.name.replace(/^genai-platform-/, "monitor-"), asArgs<k8s.apiextensions.CustomResourceArgs>(monitor), [this.monitoringRelease]);
        }

        // Each Ingress after the release that creates its Service (and, through `addons`, the `alb` class's controller).
        const ingresses = renderIngresses(settings);
        if (ingresses.langfuse) register(k8s.networking.v1.Ingress, "langfuse-ingress", asArgs<k8s.networking.v1.IngressArgs>(ingresses.langfuse), [langfuseRelease]);
        if (ingresses.grafana) register(k8s.networking.v1.Ingress, "grafana-ingress", asArgs<k8s.networking.v1.IngressArgs>(ingresses.grafana), [this.monitoringRelease]);

        this.langfuse = { host: langfuseHost(settings), publicKey: secrets.publicKey, secretKey: secrets.secretKey };
        this.langfuseAdminEmail = settings.langfuse.adminEmail;
        this.langfusePublicUrl = settings.langfuse.publicUrl;
        this.grafanaUrl = settings.ingress?.grafanaHost !== undefined ? httpsUrl(settings.ingress.grafanaHost) : undefined;
        this.prometheusUrl = PROMETHEUS_URL;
        this.grafanaAdminPassword = secrets.grafanaAdminPassword;
        this.langfuseAdminPassword = secrets.adminPassword;
        this.namespaces = [settings.langfuse.namespace, MONITORING_NAMESPACE, CERT_MANAGER_NAMESPACE, CLICKHOUSE_OPERATOR_NAMESPACE];
        this.registerOutputs({
            langfuse: this.langfuse,
            collector: this.collector,
            prometheusUrl: this.prometheusUrl,
            grafanaAdminPassword: this.grafanaAdminPassword,
            langfuseAdminEmail: this.langfuseAdminEmail,
            langfuseAdminPassword: this.langfuseAdminPassword,
            langfusePublicUrl: this.langfusePublicUrl,
            grafanaUrl: this.grafanaUrl,
            bucketName: this.bucketName,
            namespaces: this.namespaces,
        });
    }

    /**
     * The OTel collector tenants trace through, in Langfuse's namespace beside
     * the Secret it reads the project keys from (by secretKeyRef: they are
     * never copied to another namespace, and never into its ConfigMap).
     */
    private createCollector(
        settings: ResolvedObservabilityStackArgs,
        register: <A, R extends pulumi.CustomResource>(Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R, suffix: string, obj: A, needs?: pulumi.Resource[]) => R,
        needs: pulumi.Resource[],
    ): CollectorConnection {
        const object = <A, R extends pulumi.CustomResource>(Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R, suffix: string, obj: KubernetesObject, deps = needs) =>
            register(Kind, `otel-collector-${suffix}`, asArgs<A>(obj), deps);
        const serviceAccount = object(k8s.core.v1.ServiceAccount, "sa", renderCollectorServiceAccount(settings));
        const role = object(k8s.rbac.v1.ClusterRole, "role", renderCollectorClusterRole(settings), []);
        const binding = object(k8s.rbac.v1.ClusterRoleBinding, "role-binding", renderCollectorClusterRoleBinding(settings), [role, serviceAccount]);
        const config = object(k8s.core.v1.ConfigMap, "config", renderCollectorConfigMap(settings));
        object(k8s.apps.v1.Deployment, "deployment", renderCollectorDeployment(settings), [...needs, serviceAccount, binding, config]);
        object(k8s.core.v1.Service, "service", renderCollectorService(settings));
        const pdb = renderCollectorPodDisruptionBudget(settings);
        if (pdb) object(k8s.policy.v1.PodDisruptionBudget, "pdb", pdb);
        return collectorConnection(settings);
    }

    /** Every credential, pinned in state rather than left to the charts to invent (they would differ on reinstall). */
    private generateSecrets(name: string, external: ExternalState | undefined) {
        const opts = { parent: this };
        // Salt hashes the API keys and the encryption key seals stored credentials: a new value breaks both,
        // so no edit to these declarations ever replaces them.
        const pinned = { parent: this, ignoreChanges: ["*"] };
        const password = (suffix: string, length: number, options: pulumi.CustomResourceOptions = opts) =>
            new random.RandomPassword(`${name}-${suffix}`, { length, special: false, minLower: 1, minUpper: 1, minNumeric: 1 }, options).result;
        // Lowercase and digits, like the keys Langfuse itself issues.
        const key = (suffix: string) => new random.RandomPassword(`${name}-${suffix}`, { length: 32, special: false, upper: false }, opts).result;

        const salt = password("langfuse-salt", 44, pinned);
        const encryptionKey = new random.RandomBytes(`${name}-langfuse-encryption-key`, { length: 32 }, pinned).hex;
        // Langfuse's own database and cache are created with these; external ones come with their credentials.
        // ElastiCache AUTH tokens: 16–128 characters; alphanumeric keeps the Redis URL valid unescaped.
        const statePasswords = external ? undefined : {
            database: generatedPassword(`${name}-langfuse-db-password`, 32, this),
            cache: generatedPassword(`${name}-langfuse-cache-auth`, 64, this),
        };
        const publicKey = pulumi.secret(pulumi.interpolate`pk-lf-${key("langfuse-public-key")}`);
        const secretKey = pulumi.secret(pulumi.interpolate`sk-lf-${key("langfuse-secret-key")}`);
        const adminPassword = pulumi.secret(password("langfuse-admin-password", 32));
        const values: Record<SecretKey, pulumi.Input<string>> = {
            salt,
            encryptionKey,
            nextauthSecret: password("langfuse-nextauth-secret", 48),
            databasePassword: external?.database.password ?? statePasswords!.database.result,
            clickhousePassword: password("langfuse-clickhouse-password", 32),
            redisPassword: external?.cache.password ?? statePasswords!.cache.result,
            initPublicKey: publicKey,
            initSecretKey: secretKey,
            initUserPassword: adminPassword,
        };
        const data = Object.fromEntries(langfuseSecretKeys().map((k) => [SECRET_KEYS[k], values[k]]));
        return {
            data,
            statePasswords,
            publicKey,
            secretKey,
            adminPassword,
            grafanaAdminPassword: pulumi.secret(password("grafana-admin-password", 32)),
        };
    }
}

import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { KARPENTER_NAMESPACE } from "../gpu-cluster/values";
import { isCidr } from "../internal/cidr";
import { CERT_MANAGER_NAMESPACE, CLICKHOUSE_OPERATOR_NAMESPACE, MONITORING_NAMESPACE } from "./values";
import { AlbIngressArgs, checkHostName, resolveAlbIngress, ResolvedAlbIngress, validateAlbIngress } from "../internal/alb-ingress";
import { Problems } from "../internal/errors";
import { isDnsSubdomain, isHttpUrl, isInt, isPrometheusDuration, isVolumeSize, PROMETHEUS_DURATION_RULE, VOLUME_SIZE_RULE } from "../internal/validators";
import type { CacheArgs, ExternalState, PostgresArgs } from "../internal/managed-state-args";
import { checkStoreOwnerName, resolveCache, resolvePostgres, validateCache, validatePostgres } from "../internal/managed-state-args";
import { checkDnsLabel } from "../internal/naming";

/** Langfuse's PostgreSQL on RDS; Multi-AZ and deletion protection follow `production`. */
export type LangfuseDatabaseArgs = PostgresArgs;

/** Langfuse's queue and cache on ElastiCache. */
export type LangfuseCacheArgs = CacheArgs;

/** The in-cluster ClickHouse the Langfuse chart runs through the ClickHouse operator. */
export interface ClickHouseArgs {
    /** ClickHouse server replicas. Default 1, 3 in production. */
    replicas?: number;
    /** Persistent volume per ClickHouse replica. Default `"20Gi"`, `"200Gi"` in production. */
    storageSize?: string;
    /** ClickHouse Keeper replicas: 1, 3 or 5. Default 1, 3 in production. */
    keeperReplicas?: number;
    /** Persistent volume per Keeper replica. Default `"5Gi"`, `"20Gi"` in production. */
    keeperStorageSize?: string;
    /** StorageClass of the ClickHouse and Keeper volumes. Default: the cluster's default class. */
    storageClassName?: string;
}

/** Langfuse itself and its state; what the gateway needs to trace into it is `ObservabilityStack.langfuse`. */
export interface LangfuseDeploymentArgs {
    /** Namespace Langfuse and its ClickHouse run in, created by the component. Default `"langfuse"`. */
    namespace?: string;
    /** Web (UI and ingestion API) pods. Default 1, 2 in production (at least 2 in production). */
    webReplicas?: number;
    /** Worker (ingestion processing) pods. Default 1, 2 in production. */
    workerReplicas?: number;
    /** The URL users reach Langfuse at (`NEXTAUTH_URL`). Default: `https://<ingress.langfuseHost>` with an ingress, else the in-cluster URL of langfuse-web. */
    publicUrl?: string;
    /** Headless-initialised organisation id. Default `"genai-platform"`. */
    organizationId?: string;
    /** Headless-initialised project id; the gateway traces into it. Default `"llm-gateway"`. */
    projectId?: string;
    /**
     * Login of the organisation's initial owner, created headlessly with a
     * generated password (`ObservabilityStack.langfuseAdminPassword`, secret).
     * Default `"admin@langfuse.local"`: a login name, no mail is ever sent to it.
     */
    adminEmail?: string;
    /** Let anyone who reaches the UI create an account. Default false: the owner invites users. */
    allowSignUp?: boolean;
    /** Days after which raw event blobs in S3 expire (ClickHouse keeps the traces). Default 30, 90 in production. */
    eventRetentionDays?: number;
    /** RDS PostgreSQL settings. Defaults follow `production`. */
    database?: LangfuseDatabaseArgs;
    /** ElastiCache settings. Defaults follow `production`. */
    cache?: LangfuseCacheArgs;
    /** ClickHouse sizing. Defaults follow `production`. */
    clickhouse?: ClickHouseArgs;
}

export interface PrometheusArgs {
    /** How long samples are kept, a Prometheus duration such as `"15d"`. Default `"7d"`, `"30d"` in production. */
    retention?: string;
    /** Persistent volume per Prometheus replica. Default `"50Gi"`, `"200Gi"` in production. */
    storageSize?: string;
    /** StorageClass of the Prometheus volumes. Default: the cluster's default class. */
    storageClassName?: string;
    /** Prometheus replicas (each scrapes everything). Default 1, 2 in production. */
    replicas?: number;
}

/** Alertmanager's Slack receiver: every platform alert, critical and warning, goes to one channel. */
export interface SlackReceiverArgs {
    /** Incoming-webhook URL (`https://hooks.slack.com/services/...`), kept secret: it lands only in a Kubernetes Secret. Required. */
    webhookUrl: pulumi.Input<string>;
    /** Channel the alerts go to, e.g. `"#genai-alerts"`. Required. */
    channel: string;
}

export interface AlertArgs {
    /** How long a pod requesting GPUs may stay Pending before it alerts. Default `"20m"`, `"10m"` in production. */
    gpuPendingFor?: string;
    /** How long a model endpoint that should run may have no available replica before it alerts (covers GPU node start and model load). Default `"30m"`. */
    endpointUnavailableFor?: string;
    /** Share of gateway requests answered with a server error (5xx; 0–1, over 5 minutes) that alerts. Default 0.05. */
    gatewayErrorRatio?: number;
    /**
     * Where Alertmanager sends alerts. Default: no receiver, alerts are seen
     * only in the Alertmanager and Grafana UIs; production refuses that
     * (silent alerts are no alerts).
     */
    slack?: SlackReceiverArgs;
}

/**
 * Langfuse and Grafana behind one HTTPS-only ALB (class `alb`: the cluster
 * needs `GpuClusterArgs.albIngress`). Authentication is the applications'
 * own: Langfuse's email/password login with sign-up closed (its public API
 * takes project keys) and Grafana's login with a generated admin password.
 * No ALB OIDC/Cognito action: it would also stand in front of the SDKs'
 * ingestion calls, which cannot follow a browser login.
 */
export interface ObservabilityIngressArgs extends AlbIngressArgs {
    /** Host name Langfuse is served at, e.g. `"langfuse.example.com"`; sets `NEXTAUTH_URL`. Default: Langfuse not exposed. */
    langfuseHost?: string;
    /** Host name Grafana is served at, e.g. `"grafana.example.com"`; sets its `root_url`. Default: Grafana not exposed. */
    grafanaHost?: string;
}

export interface ObservabilityStackArgs {
    /**
     * @deprecated Pass the provider as a resource option (`{ provider }` or
     * `{ providers: { kubernetes } }`), which reaches every child. Still
     * honoured when the options name no Kubernetes provider; refused when they
     * name another one.
     */
    provider?: k8s.Provider;
    /** EKS cluster name, for the Langfuse Pod Identity association (`GpuCluster.clusterName`). Required. */
    clusterName: pulumi.Input<string>;
    /** VPC of the cluster; the database and cache live there (`GpuCluster.vpcId`). Required. */
    vpcId: pulumi.Input<string>;
    /** Private subnets (2+ zones) for the database and cache subnet groups (`GpuCluster.privateSubnetIds`). Required. */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster security group: the only source admitted to the database and cache (`GpuCluster.clusterSecurityGroupId`). Required. */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** Add-ons the stack's releases must install after (`GpuCluster.addons`: Karpenter, GPU Operator, Kyverno). Default none. */
    addons?: pulumi.Resource[];
    /** Production sizes and protection: Multi-AZ, deletion protection, final snapshots, HA replicas. Default false. */
    production?: boolean;
    /** Langfuse and its state. Defaults follow `production`. */
    langfuse?: LangfuseDeploymentArgs;
    /** Prometheus retention, storage and replicas. Defaults follow `production`. */
    prometheus?: PrometheusArgs;
    /** Expose Langfuse and Grafana through an HTTPS ALB. Default: in-cluster only (`kubectl port-forward`). */
    ingress?: ObservabilityIngressArgs;
    /** Alert thresholds. Defaults follow `production`. */
    alerts?: AlertArgs;
    /** How the cluster runs nodes (`GpuCluster.settings.mode`): EKS Auto Mode runs no kube-proxy pods to scrape. Default `"karpenter"`. */
    clusterMode?: "karpenter" | "auto";
    /**
     * Where the `ingress` ALB sends from: the subnets of its scheme (public for internet-facing, private for
     * internal). It targets pods by address, so the NetworkPolicies admit only these into a published Langfuse
     * or Grafana. Default `["0.0.0.0/0"]`: any address.
     */
    loadBalancerSourceCidrs?: string[];
    /** Namespace of Karpenter, whose node and pool metrics give GPUs per pool; `false` on EKS Auto Mode (no Karpenter to scrape). Default `"karpenter"`. */
    karpenterNamespace?: string | false;
    /**
     * Keep Langfuse's state on servers another component owns (a SharedState)
     * instead of creating an RDS instance and a cache: a database and role of
     * Langfuse's own there, and the cache's logical database `cache.database`
     * (the chart's `redis.auth.database`). `langfuse.database` and
     * `langfuse.cache` must then be unset. Default: Langfuse gets its own.
     */
    externalState?: ExternalState;
    /** Tags on every AWS resource. Default none. */
    tags?: Record<string, string>;
}

/** Everything the pure renderers need: plain values with defaults applied (no Inputs). */
export interface ResolvedObservabilityStackArgs {
    name: string;
    production: boolean;
    langfuse: {
        namespace: string;
        webReplicas: number;
        workerReplicas: number;
        publicUrl?: string;
        organizationId: string;
        projectId: string;
        adminEmail: string;
        allowSignUp: boolean;
        eventRetentionDays: number;
        database: Required<LangfuseDatabaseArgs> & { multiAz: boolean; deletionProtection: boolean };
        cache: Required<LangfuseCacheArgs>;
        /** The state is another component's (`externalState`): Langfuse creates no RDS instance or cache. */
        externalState: boolean;
        /** Logical database of the cache Langfuse keeps its keys in: 0 on its own cache. */
        redisDatabase: number;
        clickhouse: Required<Omit<ClickHouseArgs, "storageClassName">> & Pick<ClickHouseArgs, "storageClassName">;
    };
    prometheus: Required<Omit<PrometheusArgs, "storageClassName">> & Pick<PrometheusArgs, "storageClassName"> & {
        /** Size-based retention just under the volume, so a full disk never stops ingestion. */
        retentionSize: string;
    };
    alerts: Required<Omit<AlertArgs, "slack">> & {
        /** The Slack receiver's plain settings; its webhook stays an Input of the component. */
        slack?: { channel: string };
    };
    clusterMode: "karpenter" | "auto";
    loadBalancerSourceCidrs: string[];
    ingress?: ResolvedAlbIngress & Pick<ObservabilityIngressArgs, "langfuseHost" | "grafanaHost">;
    karpenterNamespace: string | false;
    tags: Record<string, string>;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SLUG_RULE = "expected 1–63 lowercase letters, digits and '-', starting with a letter or digit";
/** StorageClass names are DNS-1123 subdomains. */
const SUBDOMAIN_RULE = "expected a StorageClass name: lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters";
const EMAIL = /^[^\s@"]+@([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** A volume size in GiB (0 when it does not parse). */
export function volumeGiB(size: string): number {
    const match = /^([0-9]+)(Mi|Gi|Ti)$/.exec(size);
    if (!match) return 0;
    return Number(match[1]) * { Mi: 1 / 1024, Gi: 1, Ti: 1024 }[match[2] as "Mi" | "Gi" | "Ti"];
}

/** 85% of the volume, in Prometheus' byte units (its GB is 2^30 bytes), at least 1GB. */
export function retentionSizeFor(storageSize: string): string {
    return `${Math.max(1, Math.floor(volumeGiB(storageSize) * 0.85))}GB`;
}

/** The owner Langfuse is initialised with when no email is given. */
export const DEFAULT_LANGFUSE_ADMIN_EMAIL = "admin@langfuse.local";

/** `https://<host>` for a host the ingress serves. */
export const httpsUrl = (host: string) => `https://${host}`;

const langfuseNamespace = (args: LangfuseDeploymentArgs = {}): string => args.namespace ?? "langfuse";

/** Every namespace the stack creates or installs into (add-ons whose pods are the charts' own). */
export function observabilityNamespaces(args: Pick<ObservabilityStackArgs, "langfuse">): string[] {
    return [MONITORING_NAMESPACE, CERT_MANAGER_NAMESPACE, CLICKHOUSE_OPERATOR_NAMESPACE, langfuseNamespace(args.langfuse)];
}

function resolveLangfuse(production: boolean, args: LangfuseDeploymentArgs = {}, ingress?: ObservabilityIngressArgs, external?: ExternalState): ResolvedObservabilityStackArgs["langfuse"] {
    const ch = args.clickhouse ?? {};
    const replicas = production ? 2 : 1;
    return {
        namespace: langfuseNamespace(args),
        webReplicas: args.webReplicas ?? replicas,
        workerReplicas: args.workerReplicas ?? replicas,
        publicUrl: ingress?.langfuseHost !== undefined ? httpsUrl(ingress.langfuseHost) : args.publicUrl,
        organizationId: args.organizationId ?? "genai-platform",
        projectId: args.projectId ?? "llm-gateway",
        adminEmail: args.adminEmail ?? DEFAULT_LANGFUSE_ADMIN_EMAIL,
        allowSignUp: args.allowSignUp ?? false,
        eventRetentionDays: args.eventRetentionDays ?? (production ? 90 : 30),
        database: { ...resolvePostgres(production, args.database), multiAz: production, deletionProtection: production },
        cache: resolveCache(production, args.cache),
        externalState: external !== undefined,
        redisDatabase: external?.cache.database ?? 0,
        clickhouse: {
            replicas: ch.replicas ?? (production ? 3 : 1),
            storageSize: ch.storageSize ?? (production ? "200Gi" : "20Gi"),
            keeperReplicas: ch.keeperReplicas ?? (production ? 3 : 1),
            keeperStorageSize: ch.keeperStorageSize ?? (production ? "20Gi" : "5Gi"),
            storageClassName: ch.storageClassName,
        },
    };
}

export function resolveObservabilityStackArgs(name: string, args: ObservabilityStackArgs): ResolvedObservabilityStackArgs {
    const production = args.production ?? false;
    const storageSize = args.prometheus?.storageSize ?? (production ? "200Gi" : "50Gi");
    return {
        name,
        production,
        langfuse: resolveLangfuse(production, args.langfuse, args.ingress, args.externalState),
        prometheus: {
            retention: args.prometheus?.retention ?? (production ? "30d" : "7d"),
            storageSize,
            storageClassName: args.prometheus?.storageClassName,
            replicas: args.prometheus?.replicas ?? (production ? 2 : 1),
            retentionSize: retentionSizeFor(storageSize),
        },
        alerts: {
            gpuPendingFor: args.alerts?.gpuPendingFor ?? (production ? "10m" : "20m"),
            endpointUnavailableFor: args.alerts?.endpointUnavailableFor ?? "30m",
            gatewayErrorRatio: args.alerts?.gatewayErrorRatio ?? 0.05,
            slack: args.alerts?.slack ? { channel: args.alerts.slack.channel } : undefined,
        },
        clusterMode: args.clusterMode ?? "karpenter",
        loadBalancerSourceCidrs: args.loadBalancerSourceCidrs ?? ["0.0.0.0/0"],
        ingress: args.ingress ? resolveAlbIngress(args.ingress) : undefined,
        karpenterNamespace: args.karpenterNamespace ?? KARPENTER_NAMESPACE,
        tags: args.tags ?? {},
    };
}

const isBlank = (v: unknown) => v === undefined || v === null || v === "";

/** The cluster facts every deployment needs; Inputs are checked only where their value is already known. */
function validateCluster(p: Problems, args: ObservabilityStackArgs): void {
    p.check(!isBlank(args.clusterName), "clusterName", args.clusterName, "expected the EKS cluster name (GpuCluster.clusterName), for the Langfuse Pod Identity association");
    p.check(!isBlank(args.vpcId), "vpcId", args.vpcId, "expected the cluster's VPC id (GpuCluster.vpcId)");
    p.check(!isBlank(args.clusterSecurityGroupId), "clusterSecurityGroupId", args.clusterSecurityGroupId, "expected the cluster security group id (GpuCluster.clusterSecurityGroupId)");
    if (isBlank(args.subnetIds)) {
        p.add("subnetIds", args.subnetIds, "expected the cluster's private subnet ids (GpuCluster.privateSubnetIds)");
    } else if (Array.isArray(args.subnetIds)) {
        p.check(args.subnetIds.length >= 2, "subnetIds", args.subnetIds, "expected private subnets in at least 2 zones (RDS and ElastiCache subnet groups)");
    }
}

function validateUrl(p: Problems, field: string, value: string | undefined): void {
    if (value === undefined) return;
    p.check(isHttpUrl(value), field, value, 'expected an http(s) URL without credentials, query or fragment, such as "https://langfuse.example.com"');
}

function validateLangfuse(p: Problems, l: ResolvedObservabilityStackArgs["langfuse"], production: boolean, given?: LangfuseDeploymentArgs): void {
    checkDnsLabel(p, "namespace", l.namespace);
    if (p.check(isInt(l.webReplicas, 1, 20), "webReplicas", l.webReplicas, "expected a whole number from 1 to 20") && production) {
        p.check(l.webReplicas >= 2, "webReplicas", l.webReplicas, "production needs at least 2 web replicas so a node loss keeps ingestion up");
    }
    p.check(isInt(l.workerReplicas, 1, 20), "workerReplicas", l.workerReplicas, "expected a whole number from 1 to 20");
    validateUrl(p, "publicUrl", given?.publicUrl);
    if (given?.publicUrl !== undefined && l.publicUrl !== given.publicUrl) {
        p.add("publicUrl", given.publicUrl, `the ingress serves Langfuse at ${l.publicUrl}: leave publicUrl unset or give that URL`);
    }
    p.check(SLUG.test(String(l.organizationId)), "organizationId", l.organizationId, SLUG_RULE);
    p.check(SLUG.test(String(l.projectId)), "projectId", l.projectId, SLUG_RULE);
    p.check(EMAIL.test(String(l.adminEmail)), "adminEmail", l.adminEmail, 'expected an email address such as "platform@example.com"');
    p.check(isInt(l.eventRetentionDays, 1, 3650), "eventRetentionDays", l.eventRetentionDays, "expected a whole number of days from 1 to 3650");
    validateState(p, l, production, given);
    validateClickHouse(p.at("clickhouse"), l.clickhouse, production);
}

function validateState(p: Problems, l: ResolvedObservabilityStackArgs["langfuse"], production: boolean, given?: LangfuseDeploymentArgs): void {
    if (!l.externalState) {
        validatePostgres(p.at("database"), l.database);
        validateCache(p.at("cache"), l.cache, production);
        return;
    }
    const sizes = "Langfuse's state is on servers another component owns (externalState): size them there";
    p.check(given?.database === undefined, "database", given?.database, sizes);
    p.check(given?.cache === undefined, "cache", given?.cache, sizes);
}

function validateClickHouse(p: Problems, ch: ResolvedObservabilityStackArgs["langfuse"]["clickhouse"], production: boolean): void {
    if (p.check(isInt(ch.replicas, 1, 10), "replicas", ch.replicas, "expected a whole number from 1 to 10") && production) {
        p.check(ch.replicas >= 2, "replicas", ch.replicas, "production needs at least 2 ClickHouse replicas so traces survive a node loss");
    }
    p.check(isVolumeSize(ch.storageSize), "storageSize", ch.storageSize, VOLUME_SIZE_RULE);
    p.check([1, 3, 5].includes(ch.keeperReplicas), "keeperReplicas", ch.keeperReplicas, "expected 1, 3 or 5 (Keeper needs an odd quorum)");
    p.check(isVolumeSize(ch.keeperStorageSize), "keeperStorageSize", ch.keeperStorageSize, VOLUME_SIZE_RULE);
    if (ch.storageClassName !== undefined) p.check(isDnsSubdomain(ch.storageClassName), "storageClassName", ch.storageClassName, SUBDOMAIN_RULE);
}

function validatePrometheus(p: Problems, prom: ResolvedObservabilityStackArgs["prometheus"]): void {
    p.check(isPrometheusDuration(prom.retention), "retention", prom.retention, PROMETHEUS_DURATION_RULE);
    p.check(isVolumeSize(prom.storageSize), "storageSize", prom.storageSize, VOLUME_SIZE_RULE);
    p.check(isInt(prom.replicas, 1, 5), "replicas", prom.replicas, "expected a whole number from 1 to 5");
    if (prom.storageClassName !== undefined) p.check(isDnsSubdomain(prom.storageClassName), "storageClassName", prom.storageClassName, SUBDOMAIN_RULE);
}

function validateIngress(p: Problems, ingress: NonNullable<ResolvedObservabilityStackArgs["ingress"]>): void {
    validateAlbIngress(p, ingress);
    const { langfuseHost, grafanaHost } = ingress;
    p.check(langfuseHost !== undefined || grafanaHost !== undefined, "langfuseHost", langfuseHost, "give langfuseHost, grafanaHost or both: the hosts the load balancer serves");
    if (langfuseHost !== undefined) checkHostName(p, "langfuseHost", langfuseHost);
    if (grafanaHost !== undefined) checkHostName(p, "grafanaHost", grafanaHost);
    if (langfuseHost !== undefined) p.check(langfuseHost !== grafanaHost, "grafanaHost", grafanaHost, "Grafana and Langfuse need different hosts on one load balancer");
}

const SLACK_CHANNEL = /^#[a-z0-9_-]{1,80}$/;

function validateReceivers(p: Problems, args: AlertArgs | undefined, production: boolean): void {
    const slack = args?.slack;
    if (slack === undefined) {
        p.check(!production, "slack", slack, "production alerts need a receiver: give alerts.slack (webhookUrl and channel)");
        return;
    }
    p.at("slack").check(!isBlank(slack.webhookUrl), "webhookUrl", slack.webhookUrl, "expected the Slack incoming-webhook URL");
    p.at("slack").check(SLACK_CHANNEL.test(String(slack.channel)), "channel", slack.channel, 'expected a Slack channel such as "#genai-alerts" (a "#" and 1–80 lowercase letters, digits, "-" or "_")');
}

function validateAlerts(p: Problems, alerts: ResolvedObservabilityStackArgs["alerts"]): void {
    p.check(isPrometheusDuration(alerts.gpuPendingFor), "gpuPendingFor", alerts.gpuPendingFor, PROMETHEUS_DURATION_RULE);
    p.check(isPrometheusDuration(alerts.endpointUnavailableFor), "endpointUnavailableFor", alerts.endpointUnavailableFor, PROMETHEUS_DURATION_RULE);
    const ratio = alerts.gatewayErrorRatio;
    p.check(typeof ratio === "number" && ratio > 0 && ratio < 1, "gatewayErrorRatio", ratio, "expected a share between 0 and 1 (exclusive), such as 0.05");
}

/**
 * Validates ObservabilityStack args; throws one ValidationError listing every
 * problem. The component name derives AWS identifiers (RDS, ElastiCache, S3,
 * IAM), so it must also start with a letter and hold no double hyphen.
 */
export function validateObservabilityStackArgs(name: string, args: ObservabilityStackArgs): ResolvedObservabilityStackArgs {
    const p = new Problems();
    const r = resolveObservabilityStackArgs(name, args);
    checkStoreOwnerName(p, name, "RDS, ElastiCache and S3 resources");
    validateCluster(p, args);
    validateLangfuse(p.at("langfuse"), r.langfuse, r.production, args.langfuse);
    if (r.ingress) validateIngress(p.at("ingress"), r.ingress);
    validatePrometheus(p.at("prometheus"), r.prometheus);
    validateAlerts(p.at("alerts"), r.alerts);
    validateReceivers(p.at("alerts"), args.alerts, r.production);
    p.check(["karpenter", "auto"].includes(r.clusterMode), "clusterMode", r.clusterMode, 'expected "karpenter" or "auto"');
    r.loadBalancerSourceCidrs.forEach((cidr, i) => p.at("loadBalancerSourceCidrs").check(isCidr(cidr), i, cidr, 'expected an IPv4 CIDR such as "10.0.192.0/22"'));
    if (r.karpenterNamespace !== false) checkDnsLabel(p, "karpenterNamespace", r.karpenterNamespace);
    // Cluster mode disabled serves databases 0–15; cluster mode enabled only 0 (Amazon ElastiCache user guide, "Modifying cluster mode").
    if (args.externalState) p.at("externalState").check(isInt(args.externalState.cache.database, 0, 15), "cache.database", args.externalState.cache.database, "expected a logical database from 0 to 15");
    p.throwIfAny(`ObservabilityStack "${name}" args`);
    return r;
}

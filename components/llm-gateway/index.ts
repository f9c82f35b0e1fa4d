import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { podIdentityTrustPolicy } from "../internal/iam";
import { asArgs, type KubernetesObject } from "../internal/k8s-object";
import { POSTGRES_PORT } from "../internal/managed-state-args";
import { childDependsOn, withArgProvider } from "../internal/options";
import { LlmGatewayArgs, ResolvedLlmGatewayArgs, servedModels, validateLlmGatewayArgs } from "./args";
import { configChecksum, PROVIDER_KEY_ENV, renderConfigYaml, renderLiteLlmConfig, SECRET_ENV, secretDataDigest, secretEnvNames } from "./config";
import { bedrockInvokePolicy } from "./iam";
import {
    GATEWAY_PORT,
    gatewayNames,
    inClusterBaseUrl,
    METRICS_KEY_DEADLINE_SECONDS,
    METRICS_TOKEN_KEY,
    renderConfigMap,
    renderDeployment,
    renderIngress,
    renderMetricsKeyJob,
    renderMetricsTokenSecret,
    renderNamespace,
    renderPodDisruptionBudget,
    renderSecret,
    renderService,
    renderServiceAccount,
    renderServiceMonitor,
    SECRET_DIGEST_ANNOTATION,
    selectorLabels,
} from "./manifests";
import { createState, GatewayState } from "./state";

export * from "./args";
export { CONFIG_CHECKSUM_ANNOTATION, GATEWAY_PORT, SECRET_DIGEST_ANNOTATION } from "./manifests";

/** The rendered Deployment's args with one more pod template annotation whose value is an Output (kept secret if it is). */
function withPodAnnotation(deployment: KubernetesObject, key: string, value: pulumi.Output<string>): k8s.apps.v1.DeploymentArgs {
    const spec = deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } };
    const metadata = { ...spec.template.metadata, annotations: { ...spec.template.metadata.annotations, [key]: value } };
    return { ...asArgs<k8s.apps.v1.DeploymentArgs>(deployment), spec: { ...spec, template: { ...spec.template, metadata } } as k8s.types.input.apps.v1.DeploymentSpec };
}

/**
 * LiteLLM proxy in front of self-hosted (vLLM) and hosted models: one
 * OpenAI-compatible endpoint with load balancing, fallbacks, retries and rate
 * limits, its state on RDS PostgreSQL and ElastiCache, Prometheus metrics and
 * optional Langfuse tracing. Private by default (ClusterIP Service); an
 * internal HTTPS ALB on request.
 */
export class LlmGateway extends pulumi.ComponentResource {
    /** The OpenAI-compatible base URL inside the cluster, e.g. `http://gateway.llm-gateway.svc.cluster.local:4000`. */
    readonly baseUrl: string;
    /** Model names clients may ask for, in route order. */
    readonly models: string[];
    /** The admin key (`sk-...`), secret: for jobs that call the admin API (teams, keys). */
    readonly masterKey: pulumi.Output<string>;
    readonly namespace: string;
    readonly serviceName: string;
    /** How in-cluster admin jobs (tenant team sync) reach the gateway: service, port, the master key's Secret, pod labels. */
    readonly adminConnection: {
        namespace: string;
        serviceName: string;
        port: number;
        masterKeySecret: { name: string; key: string };
        podLabels: Record<string, string>;
    };
    /**
     * The gateway's PostgreSQL server as AgentService creates checkpoint
     * databases on it: its host, and the Secret holding the master URL, which
     * only a Job in that Secret's namespace reads (the gateway's own namespace,
     * or a SharedState's when the gateway is given `externalState`).
     */
    readonly database: { host: pulumi.Output<string>; port: number; adminSecret: { namespace: string; name: string; key: string } };
    /** @internal Args with defaults applied, for the platform program; not part of the tenant API (stripped from the .d.ts). */
    readonly settings: ResolvedLlmGatewayArgs;

    constructor(name: string, args: LlmGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = validateLlmGatewayArgs(name, args);
        super("genai-platform:index:LlmGateway", name, {}, withArgProvider(opts, args.provider, `LlmGateway "${name}" args`, "provider"));
        this.settings = settings;
        const names = gatewayNames(settings);

        const masterKeyBody = new random.RandomPassword(`${name}-master-key`, { length: 48, special: false }, { parent: this });
        this.masterKey = pulumi.secret(pulumi.interpolate`sk-${masterKeyBody.result}`);
        // LiteLLM encrypts the provider credentials it stores with the salt key; a new salt makes them
        // unreadable. No keepers, and ignoreChanges on every input, so no edit to this declaration ever
        // replaces it. (retainOnDelete would not help: the value lives only in the stack's state.)
        const saltKey = new random.RandomPassword(`${name}-salt-key`, { length: 48, special: false }, { parent: this, ignoreChanges: ["*"] });

        const state = createState(name, settings, args, this);
        const podIdentity = this.createBedrockAccess(name, settings, args, names.serviceAccount);

        // Every Kubernetes child inherits the provider from the component's options and waits for its dependsOn.
        const after = (...own: pulumi.Resource[]) => childDependsOn(opts?.dependsOn, ...own);
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, asArgs(renderNamespace(settings)), { parent: this, dependsOn: after() });
        const inNamespace = { parent: this, dependsOn: after(namespace) };
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-service-account`, asArgs(renderServiceAccount(settings)), inNamespace);
        const configYaml = renderConfigYaml(renderLiteLlmConfig(settings));
        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, asArgs(renderConfigMap(settings, configYaml)), inNamespace);
        const secretData = pulumi.secret(pulumi.all(this.secretData(settings, args, state, saltKey)));
        const secret = new k8s.core.v1.Secret(`${name}-env`, { ...asArgs<k8s.core.v1.SecretArgs>(renderSecret(settings)), stringData: secretData }, inNamespace);
        // Its key never leaves the stack's state; a new key only rolls the pods once.
        const digestKey = new random.RandomBytes(`${name}-secret-digest-key`, { length: 32 }, { parent: this });
        const secretDigest = pulumi.secret(pulumi.all([digestKey.hex, secretData]).apply(([key, data]) => secretDataDigest(key, data)));

        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, withPodAnnotation(renderDeployment(settings, configChecksum(configYaml)), SECRET_DIGEST_ANNOTATION, secretDigest), {
            parent: this,
            dependsOn: after(namespace, serviceAccount, configMap, secret, ...podIdentity, ...(args.externalState?.ready ?? [])),
        });
        new k8s.core.v1.Service(`${name}-service`, asArgs(renderService(settings)), inNamespace);
        this.createMetricsScrape(name, settings, args, after, namespace, deployment, secret);
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, asArgs(renderPodDisruptionBudget(settings)), inNamespace);
        const ingress = renderIngress(settings);
        if (ingress) new k8s.networking.v1.Ingress(`${name}-ingress`, asArgs(ingress), inNamespace);

        this.baseUrl = inClusterBaseUrl(settings);
        this.models = servedModels(settings);
        this.namespace = settings.namespace;
        this.serviceName = names.service;
        // With its own instance the gateway's URL is the master's; on a shared one the master URL stays in its owner's namespace.
        this.database = { host: state.databaseHost, port: POSTGRES_PORT, adminSecret: state.adminSecret ?? { namespace: settings.namespace, name: names.secret, key: SECRET_ENV.databaseUrl } };
        this.adminConnection = {
            namespace: settings.namespace,
            serviceName: names.service,
            port: GATEWAY_PORT,
            masterKeySecret: { name: names.secret, key: SECRET_ENV.masterKey },
            // The Service's selector, not every pod label: the VPC CNI lets a tenant's egress rule reach the Service's
            // ClusterIP only when the rule's podSelector matches that selector (amazon-network-policy-controller-k8s
            // v1.1.7 pkg/resolvers/endpoints.go getMatchingServiceClusterIPs).
            podLabels: selectorLabels(settings),
        };
        this.registerOutputs({
            baseUrl: this.baseUrl,
            models: this.models,
            namespace: this.namespace,
            serviceName: this.serviceName,
            masterKey: this.masterKey,
            adminConnection: this.adminConnection,
            database: this.database,
        });
    }

    /** The Secret's values, one per `secretEnvNames` (the same list the Deployment reads). */
    private secretData(
        settings: ResolvedLlmGatewayArgs,
        args: LlmGatewayArgs,
        state: GatewayState,
        saltKey: random.RandomPassword,
    ): Record<string, pulumi.Input<string>> {
        const values: Record<string, pulumi.Input<string> | undefined> = {
            [SECRET_ENV.masterKey]: this.masterKey,
            [SECRET_ENV.saltKey]: saltKey.result,
            [SECRET_ENV.databaseUrl]: state.databaseUrl,
            [SECRET_ENV.redisHost]: state.redisHost,
            [SECRET_ENV.redisPort]: state.redisPort,
            [SECRET_ENV.redisPassword]: state.redisPassword,
            [SECRET_ENV.langfusePublicKey]: args.langfuse?.publicKey,
            [SECRET_ENV.langfuseSecretKey]: args.langfuse?.secretKey,
            [SECRET_ENV.langfuseHost]: args.langfuse?.host,
        };
        for (const p of settings.keyedProviders) values[PROVIDER_KEY_ENV[p]] = args.providerKeys?.[p];
        return Object.fromEntries(secretEnvNames(settings).map((key) => [key, values[key]!]));
    }

    /**
     * Prometheus' access to /metrics: a key of its own (never the master key), in a Secret beside the
     * ServiceMonitor that references it, registered in the gateway by a Job once the gateway is up.
     */
    private createMetricsScrape(
        name: string,
        settings: ResolvedLlmGatewayArgs,
        args: LlmGatewayArgs,
        after: (...own: pulumi.Resource[]) => pulumi.Input<pulumi.Input<pulumi.Resource>[]>,
        namespace: pulumi.Resource,
        deployment: pulumi.Resource,
        gatewaySecret: pulumi.Resource,
    ): void {
        const inNamespace = { parent: this, dependsOn: after(namespace) };
        const keyBody = new random.RandomPassword(`${name}-metrics-key`, { length: 48, special: false }, { parent: this });
        const token = new k8s.core.v1.Secret(`${name}-metrics-token`, {
            ...asArgs<k8s.core.v1.SecretArgs>(renderMetricsTokenSecret(settings)),
            stringData: pulumi.secret(pulumi.interpolate`sk-${keyBody.result}`).apply((key) => ({ [METRICS_TOKEN_KEY]: key })),
        }, inNamespace);
        new k8s.apiextensions.CustomResource(`${name}-monitor`, asArgs<k8s.apiextensions.CustomResourceArgs>(renderServiceMonitor(settings)), {
            parent: this,
            dependsOn: after(namespace, ...(args.dependsOn ?? [])),
        });
        // Waits for the whole run (pulumi-kubernetes' default is 10 minutes); a failed run is re-run by the next `up`.
        const wait = `${Math.ceil(METRICS_KEY_DEADLINE_SECONDS / 60) + 1}m`;
        new k8s.batch.v1.Job(`${name}-metrics-key`, asArgs(renderMetricsKeyJob(settings)), {
            parent: this,
            dependsOn: after(deployment, gatewaySecret, token),
            deleteBeforeReplace: true,
            customTimeouts: { create: wait, update: wait },
        });
    }

    /** Bedrock through EKS Pod Identity: a role for the gateway's service account that may invoke only the routed models. */
    private createBedrockAccess(name: string, settings: ResolvedLlmGatewayArgs, args: LlmGatewayArgs, serviceAccount: string): pulumi.Resource[] {
        if (!settings.hosted.some((h) => h.provider === "bedrock")) return [];
        const opts = { parent: this };
        const tags = { ...settings.tags, "genai-platform.io/component": `llm-gateway/${name}` };
        const partition = aws.getPartitionOutput({}, opts).partition;
        // System-defined inference profiles' ARNs carry the calling account.
        const account = aws.getCallerIdentityOutput({}, opts).accountId;
        const role = new aws.iam.Role(`${name}-bedrock`, {
            description: `LiteLLM gateway ${name}: invoke the routed Bedrock models`,
            assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
            tags,
        }, opts);
        const policy = new aws.iam.RolePolicy(`${name}-bedrock`, {
            role: role.id,
            policy: pulumi.all([partition, account]).apply(([p, a]) => JSON.stringify(bedrockInvokePolicy(p, a, settings.hosted))),
        }, opts);
        const association = new aws.eks.PodIdentityAssociation(`${name}-bedrock`, {
            clusterName: args.clusterName!,
            namespace: settings.namespace,
            serviceAccount,
            roleArn: role.arn,
            tags,
        }, opts);
        return [policy, association];
    }
}

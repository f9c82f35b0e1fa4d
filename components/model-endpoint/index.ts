import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrustPolicy } from "../internal/iam";
import type { KubernetesObject } from "../internal/k8s-object";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import { ModelEndpointArgs, ResolvedModelEndpointArgs, ResolvedWeights, validateModelEndpointArgs } from "./args";
import { s3ReadPolicy } from "./iam";
import { renderGroupNetworkPolicy, renderLeaderWorkerSet } from "./leader-worker-set";
import {
    ENDPOINT_HEADER,
    endpointHeaderValue,
    gatewayBaseUrl,
    renderEppConfigMap,
    renderEppDeployment,
    renderEppPodDisruptionBudget,
    renderEppRole,
    renderEppRoleBinding,
    renderEppService,
    renderEppServiceAccount,
    renderHttpRoute,
    renderInferenceObjectives,
    renderInferencePool,
} from "./inference-pool";
import {
    baseUrl,
    renderCacheClaim,
    renderDeployment,
    renderHfTokenSecret,
    renderPodDisruptionBudget,
    renderScaledObject,
    renderService,
    renderServiceAccount,
    renderServiceMonitor,
    rolloutSeconds,
} from "./manifests";

export * from "./args";
export { createKedaRelease, KEDA_NAMESPACE } from "./keda";
export { baseUrl, queueDepthQuery, VLLM_PORT } from "./manifests";
export { createInferenceGateway, inferenceGatewayRef, INFERENCE_GATEWAY_NAMESPACE, type InferenceGateway } from "./inference-gateway";
export { ENDPOINT_HEADER, endpointHeaderValue, gatewayBaseUrl, OBJECTIVE_HEADER, objectiveName, poolSelector, PRIORITY_CLASSES, type PriorityClass } from "./inference-pool";

/** What the gateway needs to route to the endpoint; plain strings, known at plan time. */
export interface ModelRoute {
    /** Name clients send as `model` (the gateway's `hosted_vllm/<servedModelName>`). */
    servedModelName: string;
    /**
     * In-cluster OpenAI-compatible base URL: the Service's,
     * `http://<svc>.<ns>.svc.cluster.local:8000/v1`, or for a kv-aware endpoint the
     * inference Gateway's, where the request also carries `headers`.
     */
    baseUrl: string;
    namespace: string;
    /** Headers the gateway must send with every request (ENDPOINT_HEADER picks a kv-aware endpoint's HTTPRoute). */
    headers?: Record<string, string>;
}

/** Registers a rendered object as a child of the endpoint, named `<endpoint>-<suffix>`, after the endpoint's dependencies and `needs`. */
type Register = <A, R extends pulumi.CustomResource>(
    Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
    suffix: string,
    obj: KubernetesObject,
    needs?: pulumi.Resource[],
    extra?: Omit<pulumi.CustomResourceOptions, "dependsOn">,
) => R;

/** The gateway's route to the endpoint: its Service, or for kv-aware routing the inference Gateway plus the header that picks its HTTPRoute. */
export function routeOf(r: ResolvedModelEndpointArgs): ModelRoute {
    const route = { servedModelName: r.servedModelName, namespace: r.namespace };
    const g = r.routing.gateway;
    return g ? { ...route, baseUrl: gatewayBaseUrl(g), headers: { [ENDPOINT_HEADER]: endpointHeaderValue(r) } } : { ...route, baseUrl: baseUrl(r) };
}

/**
 * One model served by vLLM on a GPU pool: Deployment (with `nodes` ≥ 2 a
 * LeaderWorkerSet of multi-node groups), Service, PDB,
 * ServiceMonitor and a KEDA ScaledObject on queue depth; with S3 weights, a
 * Pod Identity role that can read only the model's prefix.
 */
export class ModelEndpoint extends pulumi.ComponentResource {
    /** In-cluster OpenAI-compatible base URL; resolves once the Service exists. */
    readonly baseUrl: pulumi.Output<string>;
    readonly servedModelName: string;
    readonly namespace: string;
    readonly serviceName: string;
    /** The same facts as plain strings, for configs rendered at plan time (the gateway's). */
    readonly route: ModelRoute;
    /** Role the pods read S3 weights with (S3 models only). */
    readonly weightsRoleArn?: pulumi.Output<string>;
    /** @internal Args with defaults applied, for the platform program; not part of the tenant API (stripped from the .d.ts). */
    readonly settings: ResolvedModelEndpointArgs;

    constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = validateModelEndpointArgs(name, args);
        super("genai-platform:index:ModelEndpoint", name, {}, opts);
        this.settings = settings;
        const provider = args.cluster.provider;
        const after = [...(args.cluster.addons ?? []), ...(args.dependsOn ?? [])];
        // Renderers return plain objects shaped like each kind's args (the conformance tests hold them to the upstream schemas).
        const register: Register = (Kind, suffix, obj, needs = [], extra = {}) =>
            new Kind(`${name}-${suffix}`, obj as never, { parent: this, provider, ...extra, dependsOn: [...after, ...needs] });

        const podNeeds: pulumi.Resource[] = [register(k8s.core.v1.ServiceAccount, "sa", renderServiceAccount(settings))];
        if (settings.weights.source === "s3") {
            const access = this.createWeightsAccess(name, settings.namespace, settings.weights, args);
            this.weightsRoleArn = access.roleArn;
            podNeeds.push(...access.resources);
        }
        const secret = renderHfTokenSecret(settings);
        if (secret && args.hfToken !== undefined) {
            const stringData = { [settings.hfToken!.key]: pulumi.secret(args.hfToken) };
            podNeeds.push(register(k8s.core.v1.Secret, "hf-token", { ...secret, stringData }));
        }
        const claim = renderCacheClaim(settings);
        if (claim) podNeeds.push(register(k8s.core.v1.PersistentVolumeClaim, "hf-cache", claim));

        const rollout = `${Math.ceil(rolloutSeconds(settings) / 60)}m`;
        // Pulumi waits for the rollout: a GPU node, the image and the model load, not its 10-minute default.
        const timeouts = { customTimeouts: { create: rollout, update: rollout } };
        // Several nodes per replica: a LeaderWorkerSet of groups (leader-worker-set.ts), its pods open to each other.
        const workload = settings.nodes > 1
            ? register(k8s.apiextensions.CustomResource, "group", renderLeaderWorkerSet(settings), [
                register(k8s.networking.v1.NetworkPolicy, "group", renderGroupNetworkPolicy(settings)),
                ...podNeeds,
            ], timeouts)
            : register(k8s.apps.v1.Deployment, "vllm", renderDeployment(settings), podNeeds, timeouts);
        const service = register(k8s.core.v1.Service, "svc", renderService(settings));
        register(k8s.policy.v1.PodDisruptionBudget, "pdb", renderPodDisruptionBudget(settings));
        register(k8s.apiextensions.CustomResource, "monitor", renderServiceMonitor(settings));
        register(k8s.apiextensions.CustomResource, "scaler", renderScaledObject(settings), [workload]);
        if (settings.routing.gateway) this.createInferencePool(settings, register);

        this.servedModelName = settings.servedModelName;
        this.namespace = settings.namespace;
        this.serviceName = settings.name;
        this.route = routeOf(settings);
        // A kv-aware endpoint is reached through the inference Gateway, not its Service.
        this.baseUrl = settings.routing.gateway ? pulumi.output(this.route.baseUrl) : service.metadata.apply((m) => baseUrl({ name: m.name, namespace: m.namespace }));

        this.registerOutputs({
            baseUrl: this.baseUrl,
            servedModelName: this.servedModelName,
            namespace: this.namespace,
            serviceName: this.serviceName,
            ...(this.weightsRoleArn ? { weightsRoleArn: this.weightsRoleArn } : {}),
        });
    }

    /** The endpoint picker, its InferencePool, the HTTPRoute on the inference Gateway and the priority objectives. */
    private createInferencePool(settings: ResolvedModelEndpointArgs, register: Register): void {
        const sa = register(k8s.core.v1.ServiceAccount, "epp-sa", renderEppServiceAccount(settings));
        const role = register(k8s.rbac.v1.Role, "epp-role", renderEppRole(settings));
        const binding = register(k8s.rbac.v1.RoleBinding, "epp-rolebinding", renderEppRoleBinding(settings), [sa, role]);
        const config = register(k8s.core.v1.ConfigMap, "epp-config", renderEppConfigMap(settings));
        register(k8s.apps.v1.Deployment, "epp", renderEppDeployment(settings), [binding, config]);
        register(k8s.policy.v1.PodDisruptionBudget, "epp-pdb", renderEppPodDisruptionBudget(settings));
        const service = register(k8s.core.v1.Service, "epp-svc", renderEppService(settings));
        const pool = register(k8s.apiextensions.CustomResource, "inference-pool", renderInferencePool(settings, settings.nodes), [service]);
        register(k8s.apiextensions.CustomResource, "http-route", renderHttpRoute(settings, settings.routing.gateway!), [pool]);
        renderInferenceObjectives(settings).forEach((o) => register(k8s.apiextensions.CustomResource, `objective-${o.metadata.name.slice(settings.name.length + 1)}`, o, [pool]));
    }

    /** The Pod Identity role that reads the model's S3 prefix, bound to the endpoint's ServiceAccount. */
    private createWeightsAccess(
        name: string,
        namespace: string,
        weights: Extract<ResolvedWeights, { source: "s3" }>,
        args: ModelEndpointArgs,
    ): { roleArn: pulumi.Output<string>; resources: pulumi.Resource[] } {
        const { bucket, prefix } = weights;
        const opts = { parent: this };
        const tags = { ...args.tags, "genai-platform.io/model-endpoint": `${namespace}/${name}` };
        const role = new aws.iam.Role(`${name}-weights`, {
            name: physicalName([namespace, name, pulumi.getStack(), "weights"], AWS_NAME_LIMITS.iamRole),
            description: `Reads model weights under s3://${bucket}/${prefix} for ModelEndpoint ${namespace}/${name}`,
            assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
            tags,
        }, opts);
        const partition = aws.getPartitionOutput({}, opts).partition;
        const policy = new aws.iam.RolePolicy(`${name}-weights-read`, {
            name: "model-weights-read",
            role: role.id,
            policy: partition.apply((p) => JSON.stringify(s3ReadPolicy(p, bucket, prefix))),
        }, opts);
        const association = new aws.eks.PodIdentityAssociation(`${name}-weights`, {
            clusterName: args.cluster.clusterName!,
            namespace,
            serviceAccount: name,
            roleArn: role.arn,
            tags,
        }, opts);
        return { roleArn: role.arn, resources: [policy, association] };
    }
}

import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrustPolicy } from "../internal/iam";
import type { KubernetesObject } from "../internal/k8s-object";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import { liftObject, type ObjectHead, validatedInputs } from "../internal/inputs";
import { childDependsOn, type DependsOn, withArgProvider } from "../internal/options";
import {
    defaultedStartupTimeout,
    ModelEndpointArgs,
    ResolvedModelEndpointArgs,
    ResolvedWeights,
    resolveHfToken,
    resolveWeights,
    Routing,
    routingMode,
    validateModelEndpointArgs,
} from "./args";
import { s3ReadPolicy } from "./iam";
import { renderGroupNetworkPolicy, renderLeaderWorkerSet } from "./leader-worker-set";
import {
    ENDPOINT_HEADER,
    endpointHeaderValue,
    gatewayBaseUrl,
    INFERENCE_OBJECTIVE_API,
    INFERENCE_POOL_API,
    PRIORITY_CLASSES,
    type PriorityClass,
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
    LWS_API_VERSION,
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
export { baseUrl, queueDepthQuery, VLLM_PORT } from "./manifests";
export { createInferenceGateway, inferenceGatewayRef, INFERENCE_GATEWAY_NAMESPACE, type InferenceGateway } from "./inference-gateway";
export { ENDPOINT_HEADER, endpointHeaderValue, gatewayBaseUrl, OBJECTIVE_HEADER, objectiveName, poolSelector, PRIORITY_CLASSES, type PriorityClass } from "./inference-pool";

/** What the gateway needs to route to the endpoint. */
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
    head: ObjectHead,
    render: (r: ResolvedModelEndpointArgs) => KubernetesObject,
    needs?: pulumi.Resource[],
    extra?: Omit<pulumi.CustomResourceOptions, "dependsOn">,
    fields?: Partial<A>,
) => R;

/** The gateway's route to the endpoint: its Service, or for kv-aware routing the inference Gateway plus the header that picks its HTTPRoute. */
export function routeOf(r: ResolvedModelEndpointArgs): ModelRoute {
    const route = { servedModelName: r.servedModelName, namespace: r.namespace };
    const g = r.routing.gateway;
    return g ? { ...route, baseUrl: gatewayBaseUrl(g), headers: { [ENDPOINT_HEADER]: endpointHeaderValue(r) } } : { ...route, baseUrl: baseUrl(r) };
}

/** Types of the custom resources the endpoint registers (`CustomResource` takes its type token from them, so they are plain). */
const SERVICE_MONITOR = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor" };
const SCALED_OBJECT = { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject" };

/**
 * One model served by vLLM on a GPU pool: Deployment (with `nodes` ≥ 2 a
 * LeaderWorkerSet of multi-node groups), Service, PDB,
 * ServiceMonitor and a KEDA ScaledObject on queue depth; with S3 weights, a
 * Pod Identity role that can read only the model's prefix.
 *
 * `namespace` and the cluster's `pools` and `clusterName` may be Outputs
 * (another stack's, through a StackReference): known values are validated
 * in the constructor; Outputs once they resolve, failing the deployment with
 * the same ValidationError. The Kubernetes provider, and the add-ons and
 * CRDs to wait for, come through the resource options.
 */
export class ModelEndpoint extends pulumi.ComponentResource {
    /** In-cluster OpenAI-compatible base URL; resolves once the Service exists. */
    readonly baseUrl: pulumi.Output<string>;
    readonly servedModelName: pulumi.Output<string>;
    readonly namespace: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** The same facts, as one object (an `LlmGateway` self-hosted route fits). */
    readonly route: pulumi.Output<ModelRoute>;
    /** Role the pods read S3 weights with (S3 models only). */
    readonly weightsRoleArn?: pulumi.Output<string>;

    constructor(name: string, args: ModelEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        const { cluster } = args;
        const { resolved: settings } = validatedInputs(
            { namespace: args.namespace, pools: cluster?.pools ?? [] },
            ({ namespace, pools }) => validateModelEndpointArgs(name, { ...args, namespace, cluster: { ...cluster, pools } }),
        );
        super("genai-platform:index:ModelEndpoint", name, {}, withArgProvider(opts, cluster?.provider, `ModelEndpoint "${name}" args`, "cluster.provider"));
        // Renderers return plain objects shaped like each kind's args (the conformance tests hold them to the upstream schemas).
        const register: Register = (Kind, suffix, head, render, needs = [], extra = {}, fields = {}) => new Kind(`${name}-${suffix}`, { ...liftObject(settings.apply(render), head), ...fields }, { parent: this, ...extra, dependsOn: childDependsOn(opts?.dependsOn, ...needs) });

        const podNeeds: pulumi.Resource[] = [register(k8s.core.v1.ServiceAccount, "sa", { apiVersion: "v1", kind: "ServiceAccount" }, renderServiceAccount)];
        // Which objects exist follows from the plain args (model, token, cache), never from an Output.
        const weights = resolveWeights(args);
        if (weights.source === "s3") {
            const access = this.createWeightsAccess(name, settings.apply((s) => s.namespace), weights, args, opts?.dependsOn);
            this.weightsRoleArn = access.roleArn;
            podNeeds.push(...access.resources);
        }
        if (resolveHfToken(args, name)?.create && args.hfToken !== undefined) {
            const token = (r: ResolvedModelEndpointArgs) => renderHfTokenSecret(r) as KubernetesObject;
            const stringData = settings.apply((s) => ({ [s.hfToken!.key]: pulumi.secret(args.hfToken!) }));
            podNeeds.push(register(k8s.core.v1.Secret, "hf-token", { apiVersion: "v1", kind: "Secret" }, token, [], {}, { stringData }));
        }
        if (weights.source === "huggingface" && weights.cacheVolume) {
            const claim = (r: ResolvedModelEndpointArgs) => renderCacheClaim(r) as KubernetesObject;
            podNeeds.push(register(k8s.core.v1.PersistentVolumeClaim, "hf-cache", { apiVersion: "v1", kind: "PersistentVolumeClaim" }, claim));
        }

        const rollout = `${Math.ceil(rolloutSeconds({ startupTimeoutSeconds: defaultedStartupTimeout(args) }) / 60)}m`;
        // Pulumi waits for the rollout: a GPU node, the image and the model load, not its 10-minute default.
        const timeouts = { customTimeouts: { create: rollout, update: rollout } };
        // Several nodes per replica: a LeaderWorkerSet of groups (leader-worker-set.ts), its pods open to each other.
        // `nodes` is a plain arg, so which workload exists is known before any Input resolves.
        const workload = (args.nodes ?? 1) > 1
            ? register(k8s.apiextensions.CustomResource, "group", { apiVersion: LWS_API_VERSION, kind: "LeaderWorkerSet" }, renderLeaderWorkerSet, [
                register(k8s.networking.v1.NetworkPolicy, "group", { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" }, renderGroupNetworkPolicy),
                ...podNeeds,
            ], timeouts)
            : register(k8s.apps.v1.Deployment, "vllm", { apiVersion: "apps/v1", kind: "Deployment" }, renderDeployment, podNeeds, timeouts);
        const service = register(k8s.core.v1.Service, "svc", { apiVersion: "v1", kind: "Service" }, renderService);
        register(k8s.policy.v1.PodDisruptionBudget, "pdb", { apiVersion: "policy/v1", kind: "PodDisruptionBudget" }, renderPodDisruptionBudget);
        register(k8s.apiextensions.CustomResource, "monitor", SERVICE_MONITOR, renderServiceMonitor);
        register(k8s.apiextensions.CustomResource, "scaler", SCALED_OBJECT, renderScaledObject, [workload]);
        const kvAware = routingMode(args) === Routing.KvAware;
        if (kvAware) this.createInferencePool(register);

        this.servedModelName = settings.apply((s) => s.servedModelName);
        this.namespace = settings.apply((s) => s.namespace);
        this.serviceName = settings.apply((s) => s.name);
        this.route = settings.apply(routeOf);
        // A kv-aware endpoint is reached through the inference Gateway, not its Service.
        this.baseUrl = kvAware ? this.route.apply((r) => r.baseUrl) : service.metadata.apply((m) => baseUrl({ name: m.name, namespace: m.namespace }));

        this.registerOutputs({
            baseUrl: this.baseUrl,
            servedModelName: this.servedModelName,
            namespace: this.namespace,
            serviceName: this.serviceName,
            route: this.route,
            ...(this.weightsRoleArn ? { weightsRoleArn: this.weightsRoleArn } : {}),
        });
    }

    /** The endpoint picker, its InferencePool, the HTTPRoute on the inference Gateway and the priority objectives. */
    private createInferencePool(register: Register): void {
        const rbac = "rbac.authorization.k8s.io/v1";
        const sa = register(k8s.core.v1.ServiceAccount, "epp-sa", { apiVersion: "v1", kind: "ServiceAccount" }, renderEppServiceAccount);
        const role = register(k8s.rbac.v1.Role, "epp-role", { apiVersion: rbac, kind: "Role" }, renderEppRole);
        const binding = register(k8s.rbac.v1.RoleBinding, "epp-rolebinding", { apiVersion: rbac, kind: "RoleBinding" }, renderEppRoleBinding, [sa, role]);
        const config = register(k8s.core.v1.ConfigMap, "epp-config", { apiVersion: "v1", kind: "ConfigMap", fields: ["metadata", "data"] }, renderEppConfigMap);
        register(k8s.apps.v1.Deployment, "epp", { apiVersion: "apps/v1", kind: "Deployment" }, renderEppDeployment, [binding, config]);
        register(k8s.policy.v1.PodDisruptionBudget, "epp-pdb", { apiVersion: "policy/v1", kind: "PodDisruptionBudget" }, renderEppPodDisruptionBudget);
        const service = register(k8s.core.v1.Service, "epp-svc", { apiVersion: "v1", kind: "Service" }, renderEppService);
        const pool = register(k8s.apiextensions.CustomResource, "inference-pool", { apiVersion: INFERENCE_POOL_API, kind: "InferencePool" }, (r) => renderInferencePool(r, r.nodes), [service]);
        register(k8s.apiextensions.CustomResource, "http-route", { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" }, (r) => renderHttpRoute(r, r.routing.gateway!), [pool]);
        // One objective per priority class, registered by position in the rendered list (the classes are fixed).
        (Object.keys(PRIORITY_CLASSES) as PriorityClass[]).forEach((priority, i) =>
            register(k8s.apiextensions.CustomResource, `objective-${priority}`, { apiVersion: INFERENCE_OBJECTIVE_API, kind: "InferenceObjective" }, (r) => renderInferenceObjectives(r)[i]!, [pool]));
    }

    /** The Pod Identity role that reads the model's S3 prefix, bound to the endpoint's ServiceAccount. */
    private createWeightsAccess(
        name: string,
        namespace: pulumi.Output<string>,
        weights: Extract<ResolvedWeights, { source: "s3" }>,
        args: ModelEndpointArgs,
        after: DependsOn,
    ): { roleArn: pulumi.Output<string>; resources: pulumi.Resource[] } {
        const { bucket, prefix } = weights;
        const opts = { parent: this, dependsOn: childDependsOn(after) };
        const tags = namespace.apply((ns) => ({ ...args.tags, "genai-platform.io/model-endpoint": `${ns}/${name}` }));
        const role = new aws.iam.Role(`${name}-weights`, {
            name: namespace.apply((ns) => physicalName([ns, name, pulumi.getStack(), "weights"], AWS_NAME_LIMITS.iamRole)),
            description: pulumi.interpolate`Reads model weights under s3://${bucket}/${prefix} for ModelEndpoint ${namespace}/${name}`,
            assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
            tags,
        }, opts);
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
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

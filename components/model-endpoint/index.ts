import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrustPolicy } from "../internal/iam";
import type { KubernetesObject } from "../internal/k8s-object";
import { AWS_NAME_LIMITS, physicalName } from "../internal/naming";
import { liftObject, validatedInputs } from "../internal/inputs";
import { childDependsOn, type DependsOn, withArgProvider } from "../internal/options";
import {
    defaultedStartupTimeout,
    ModelEndpointArgs,
    ResolvedModelEndpointArgs,
    ResolvedWeights,
    resolveHfToken,
    resolveWeights,
    validateModelEndpointArgs,
} from "./args";
import { s3ReadPolicy } from "./iam";
import { renderGroupNetworkPolicy, renderLeaderWorkerSet } from "./leader-worker-set";
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

/** What the gateway needs to route to the endpoint. */
export interface ModelRoute {
    /** Name clients send as `model` (the gateway's `hosted_vllm/<servedModelName>`). */
    servedModelName: string;
    /** In-cluster OpenAI-compatible base URL, `http://<svc>.<ns>.svc.cluster.local:8000/v1`. */
    baseUrl: string;
    namespace: string;
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
        const register = <A, R extends pulumi.CustomResource>(
            Kind: new (n: string, a: A, o: pulumi.CustomResourceOptions) => R,
            suffix: string,
            head: { apiVersion: string; kind: string },
            render: (r: ResolvedModelEndpointArgs) => KubernetesObject,
            needs: pulumi.Resource[] = [],
            extra: Omit<pulumi.CustomResourceOptions, "dependsOn"> = {},
            fields: Partial<A> = {},
        ): R => new Kind(`${name}-${suffix}`, { ...liftObject<A>(settings.apply(render), head), ...fields }, { parent: this, ...extra, dependsOn: childDependsOn(opts?.dependsOn, ...needs) });

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

        this.servedModelName = settings.apply((s) => s.servedModelName);
        this.namespace = settings.apply((s) => s.namespace);
        this.serviceName = settings.apply((s) => s.name);
        this.route = settings.apply((s) => ({ servedModelName: s.servedModelName, baseUrl: baseUrl(s), namespace: s.namespace }));
        this.baseUrl = service.metadata.apply((m) => baseUrl({ name: m.name, namespace: m.namespace }));

        this.registerOutputs({
            baseUrl: this.baseUrl,
            servedModelName: this.servedModelName,
            namespace: this.namespace,
            serviceName: this.serviceName,
            route: this.route,
            ...(this.weightsRoleArn ? { weightsRoleArn: this.weightsRoleArn } : {}),
        });
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

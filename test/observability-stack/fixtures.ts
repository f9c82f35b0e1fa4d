/** Shared args and helpers of the ObservabilityStack suites. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ObservabilityStack, ObservabilityStackArgs, ResolvedObservabilityStackArgs, validateObservabilityStackArgs } from "../../components/observability-stack";
import { RecordedResource, runWithMocks } from "../../plan/recorder";

export const NETWORK = {
    clusterName: "genai-dev",
    vpcId: "vpc-0a1b2c3d",
    subnetIds: ["subnet-aaa111", "subnet-bbb222", "subnet-ccc333"],
    clusterSecurityGroupId: "sg-cluster0001",
};

export { GENERATED_SECRET_MARK } from "../harness/secrets";

export const T = {
    stack: "genai-platform:index:ObservabilityStack",
    release: "kubernetes:helm.sh/v3:Release",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    namespace: "kubernetes:core/v1:Namespace",
    custom: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    rds: "aws:rds/instance:Instance",
    rdsSubnets: "aws:rds/subnetGroup:SubnetGroup",
    cache: "aws:elasticache/replicationGroup:ReplicationGroup",
    cacheParameters: "aws:elasticache/parameterGroup:ParameterGroup",
    cacheSubnets: "aws:elasticache/subnetGroup:SubnetGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    bucket: "aws:s3/bucket:Bucket",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    password: "random:index/randomPassword:RandomPassword",
    bytes: "random:index/randomBytes:RandomBytes",
};

/** A Slack receiver; its webhook is a planted secret the leak checks look for. */
export const SLACK_RECEIVER = { webhookUrl: pulumi.secret("https://hooks.slack.com/services/T000/B000/planted-webhook"), channel: "#genai-alerts" };

/** Minimal args; production ones get a Slack receiver (production refuses none) unless the overrides give alerts of their own. */
export function minimalArgs(provider: k8s.Provider, overrides: Partial<ObservabilityStackArgs> = {}): ObservabilityStackArgs {
    const receiver = overrides.production && overrides.alerts === undefined ? { alerts: { slack: SLACK_RECEIVER } } : {};
    return { provider, ...NETWORK, ...receiver, ...overrides };
}

/** Validation and the pure renderers never touch the provider. */
export const NO_PROVIDER = {} as k8s.Provider;

export function resolved(args: Partial<ObservabilityStackArgs> = {}, name = "obs"): ResolvedObservabilityStackArgs {
    return validateObservabilityStackArgs(name, minimalArgs(NO_PROVIDER, args));
}

export interface Deployed {
    resources: RecordedResource[];
    stack: ObservabilityStack;
}

/** Runs one stack under the mocks; `args` gets the provider the run creates. */
export async function deploy(args: (provider: k8s.Provider) => ObservabilityStackArgs, name = "obs", opts: pulumi.ComponentResourceOptions = {}): Promise<Deployed> {
    const run = await runWithMocks(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        return new ObservabilityStack(name, args(provider), opts);
    });
    return { resources: run.resources, stack: run.result };
}

export { one, ofType } from "../harness";

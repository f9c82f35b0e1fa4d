import assert from "node:assert/strict";
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { CONFIG_CHECKSUM_ANNOTATION, LlmGateway, LlmGatewayArgs } from "../../components/llm-gateway";
import { IMAGES } from "../../components/internal/versions";
import { runWithMocks } from "../../plan/recorder";
import { conformanceErrors, kubernetesObjects } from "../harness/conformance";
import { secretLeaks } from "../harness/secrets";
import {
    BEDROCK_MODEL,
    CONFIGURED_SECRETS,
    deploy,
    Deployed,
    fullArgs,
    GENERATED_SECRET_MARK,
    minimalArgs,
    NETWORK,
    one,
    ofType,
    SELF_HOSTED,
} from "./fixtures";

const T = {
    gateway: "genai-platform:index:LlmGateway",
    deployment: "kubernetes:apps/v1:Deployment",
    configMap: "kubernetes:core/v1:ConfigMap",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    namespace: "kubernetes:core/v1:Namespace",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    rds: "aws:rds/instance:Instance",
    rdsSubnets: "aws:rds/subnetGroup:SubnetGroup",
    cache: "aws:elasticache/replicationGroup:ReplicationGroup",
    cacheSubnets: "aws:elasticache/subnetGroup:SubnetGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    password: "random:index/randomPassword:RandomPassword",
};

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";

const prodArgs = (provider: Parameters<typeof fullArgs>[0]): LlmGatewayArgs => ({
    ...fullArgs(provider),
    production: true,
    ingress: { certificateArn: CERT, host: "llm.internal.example.com" },
});

const podTemplate = (d: Deployed) => one(d.resources, T.deployment).inputs.spec.template;
const container = (d: Deployed) => podTemplate(d).spec.containers[0];

describe("LlmGateway component", () => {
    let dev: Deployed;
    let prod: Deployed;

    before(async () => {
        dev = await deploy((provider) => minimalArgs(provider));
        prod = await deploy(prodArgs);
    });

    describe("structure", () => {
        it("parents every child to the component and gives every Kubernetes object the cluster's provider", () => {
            const component = one(prod.resources, T.gateway);
            const children = prod.resources.filter((r) => r !== component && r.type !== "pulumi:providers:kubernetes");
            assert.ok(children.length > 15);
            for (const r of children) {
                assert.equal(r.parent, component.urn, `${r.type} ${r.name}`);
                assert.ok(r.name.startsWith("gateway-"), `${r.name} derives from the component name`);
                if (r.type.startsWith("kubernetes:")) assert.match(r.provider ?? "", /pulumi:providers:kubernetes::k8s::/, r.name);
            }
        });

        it("registers the proxy, its config, Secret, Service and PDB in a restricted namespace", () => {
            for (const t of [T.namespace, T.serviceAccount, T.configMap, T.deployment, T.service, T.pdb]) one(dev.resources, t);
            one(dev.resources, T.secret, "gateway-env");
            const ns = one(dev.resources, T.namespace).inputs;
            assert.equal(ns.metadata.name, "llm-gateway");
            assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.equal(ofType(dev.resources, T.ingress).length, 0, "no ingress unless asked");
        });

        it("tells tenants' NetworkPolicies the Service's selector, which the VPC CNI matches before admitting its ClusterIP", () => {
            const service = one(dev.resources, T.service).inputs;
            assert.deepEqual(dev.gateway.adminConnection.podLabels, service.spec.selector);
            assert.equal(dev.gateway.adminConnection.serviceName, service.metadata.name);
        });

        it("keeps every Kubernetes object conformant to its upstream schema", async () => {
            assert.deepEqual(await conformanceErrors(dev.resources), []);
            assert.deepEqual(await conformanceErrors(prod.resources), []);
            assert.equal(kubernetesObjects(prod.resources).length, 11);
        });

        it("lets two gateways live in one stack without colliding", async () => {
            const run = await runWithMocks(() => {
                const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
                new LlmGateway("gw-a", minimalArgs(provider, { namespace: "team-a" }));
                new LlmGateway("gw-b", minimalArgs(provider, { namespace: "team-b" }));
            });
            const names = run.resources.map((r) => `${r.type}::${r.name}`);
            assert.equal(new Set(names).size, names.length);
            assert.deepEqual(ofType(run.resources, T.rds).map((r) => r.inputs.identifier), ["gw-a-litellm", "gw-b-litellm"]);
            const baseUrls = ofType(run.resources, T.gateway).map((r) => r.outputs?.baseUrl);
            assert.deepEqual(baseUrls, ["http://gw-a.team-a.svc.cluster.local:4000", "http://gw-b.team-b.svc.cluster.local:4000"]);
        });
    });

    describe("config", () => {
        it("mounts the rendered config, which routes every endpoint to its service DNS name", () => {
            const config = parse(one(prod.resources, T.configMap).inputs.data["config.yaml"]);
            for (const route of SELF_HOSTED) {
                assert.ok(
                    config.model_list.some(
                        (e: { model_name: string; litellm_params: { model: string; api_base: string } }) =>
                            e.model_name === route.modelName && e.litellm_params.model === `hosted_vllm/${route.servedModelName}` && e.litellm_params.api_base === route.baseUrl,
                    ),
                    route.baseUrl,
                );
            }
            assert.deepEqual(config.router_settings.fallbacks, [{ "llama-3.1-8b": ["gpt-4o", "claude-bedrock"] }, { "gpt-4o": ["llama-3.1-8b"] }]);
            const volume = podTemplate(prod).spec.volumes.find((v: { name: string }) => v.name === "config");
            assert.equal(volume.configMap.name, one(prod.resources, T.configMap).inputs.metadata.name);
            assert.deepEqual(container(prod).args, ["--config", "/etc/litellm/config.yaml", "--port", "4000"]);
        });

        it("annotates the pod template with the config's sha256, which changes when routes change", async () => {
            const checksumOf = (d: Deployed) => podTemplate(d).metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
            const yaml = one(dev.resources, T.configMap).inputs.data["config.yaml"];
            assert.equal(checksumOf(dev), createHash("sha256").update(yaml).digest("hex"));

            const same = await deploy((provider) => minimalArgs(provider));
            assert.equal(checksumOf(same), checksumOf(dev), "no change, no rollout");
            const moved = SELF_HOSTED.map((r, i) => (i === 1 ? { ...r, baseUrl: "http://llama-c.models.svc.cluster.local:8000/v1" } : r));
            const changed = await deploy((provider) => minimalArgs(provider, { selfHosted: moved }));
            assert.notEqual(checksumOf(changed), checksumOf(dev));
        });
    });

    describe("secrets", () => {
        it("never shows a generated or configured secret in a ConfigMap, label, annotation, tag or plain output", () => {
            assert.deepEqual(secretLeaks(prod.resources, [GENERATED_SECRET_MARK, ...Object.values(CONFIGURED_SECRETS)]), []);
        });

        it("self-checks: the scan flags a planted leak", () => {
            const planted = { ...one(prod.resources, T.configMap), inputs: { data: { "config.yaml": `api_key: ${CONFIGURED_SECRETS.openai}` } } };
            assert.ok(secretLeaks([planted], [CONFIGURED_SECRETS.openai]).length > 0);
        });

        it("self-checks: the secrets searched for do exist in the run, only in secret places", () => {
            const secret = one(prod.resources, T.secret, "gateway-env");
            const data = JSON.stringify(secret.inputs.stringData);
            for (const value of Object.values(CONFIGURED_SECRETS)) assert.ok(data.includes(value), value);
            assert.ok(data.includes(GENERATED_SECRET_MARK));
            assert.deepEqual(secret.secretInputs, ["stringData"]);
            assert.deepEqual(one(prod.resources, T.rds).secretInputs, ["password"]);
            assert.deepEqual(one(prod.resources, T.cache).secretInputs, ["authToken"]);
        });

        it("keeps the master key secret, sk- prefixed, and exposed for the admin API", async () => {
            const component = one(prod.resources, T.gateway);
            assert.deepEqual(component.secretOutputs, ["masterKey"]);
            assert.match(component.outputs?.masterKey, /^sk-mock-secret-gateway-master-key-/);
            assert.equal(secret(prod).LITELLM_MASTER_KEY, component.outputs?.masterKey);
        });

        it("feeds the pod only from the Secret, key for key, plus the TLS flag for Redis", () => {
            const env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] = container(prod).env;
            const fromSecret = env.filter((e) => e.valueFrom);
            const secretName = one(prod.resources, T.secret, "gateway-env").inputs.metadata.name;
            assert.deepEqual(fromSecret.map((e) => e.name).sort(), Object.keys(secret(prod)).sort());
            for (const e of fromSecret) assert.deepEqual(e.valueFrom?.secretKeyRef, { name: secretName, key: e.name });
            assert.deepEqual(env.filter((e) => !e.valueFrom), [{ name: "REDIS_SSL", value: "True" }]);
            assert.deepEqual(Object.keys(secret(prod)).sort(), [
                "ANTHROPIC_API_KEY",
                "DATABASE_URL",
                "GEMINI_API_KEY",
                "LANGFUSE_OTEL_HOST",
                "LANGFUSE_PUBLIC_KEY",
                "LANGFUSE_SECRET_KEY",
                "LITELLM_MASTER_KEY",
                "LITELLM_SALT_KEY",
                "OPENAI_API_KEY",
                "REDIS_HOST",
                "REDIS_PASSWORD",
                "REDIS_PORT",
            ]);
        });

        it("builds DATABASE_URL and REDIS_* from the RDS instance and the cache", () => {
            const s = secret(prod);
            assert.equal(
                s.DATABASE_URL,
                "postgresql://litellm:mock-secret-gateway-db-password-xxxx@gateway-litellm.abcdefghijkl.us-east-1.rds.amazonaws.com:5432/litellm?sslmode=require",
            );
            assert.equal(s.REDIS_HOST, "master.gateway-litellm.abcdef.use1.cache.amazonaws.com");
            assert.equal(s.REDIS_PORT, "6379");
            assert.equal(s.REDIS_PASSWORD, one(prod.resources, T.cache).inputs.authToken);
            assert.equal(s.LANGFUSE_OTEL_HOST, "http://langfuse-web.observability.svc.cluster.local:3000");
        });

        it("never rotates the salt key: no keepers, and every input change ignored", async () => {
            const options = new Map<string, pulumi.ResourceOptions>();
            const run = await deploy((provider) => minimalArgs(provider), "gateway", {
                transformations: [(t) => (options.set(t.name, t.opts), undefined)],
            });
            const salt = run.resources.find((r) => r.type === T.password && r.name === "gateway-salt-key");
            assert.ok(salt);
            assert.equal(salt.inputs.keepers, undefined);
            assert.deepEqual(options.get("gateway-salt-key")?.ignoreChanges, ["*"]);
            assert.equal(options.get("gateway-salt-key")?.protect, undefined);
        });
    });

    describe("state: RDS PostgreSQL", () => {
        const rds = (d: Deployed) => one(d.resources, T.rds).inputs;

        it("is private, encrypted, backed up, in the private subnets, with a password we hold", () => {
            for (const d of [dev, prod]) {
                const db = rds(d);
                assert.equal(db.engine, "postgres");
                assert.equal(db.storageEncrypted, true);
                assert.equal(db.publiclyAccessible, false);
                assert.ok(db.backupRetentionPeriod >= 7);
                assert.equal(db.manageMasterUserPassword, undefined);
                assert.match(db.password, /^mock-secret-gateway-db-password-/);
                assert.equal(db.dbSubnetGroupName, one(d.resources, T.rdsSubnets).inputs.name);
                assert.deepEqual(one(d.resources, T.rdsSubnets).inputs.subnetIds, NETWORK.subnetIds);
            }
        });

        it("is Multi-AZ, deletion-protected, snapshotted on delete and watched in production only", () => {
            const [d, p] = [rds(dev), rds(prod)];
            assert.deepEqual(
                { multiAz: d.multiAz, deletionProtection: d.deletionProtection, skipFinalSnapshot: d.skipFinalSnapshot, pi: d.performanceInsightsEnabled, backups: d.backupRetentionPeriod },
                { multiAz: false, deletionProtection: false, skipFinalSnapshot: true, pi: false, backups: 7 },
            );
            assert.deepEqual(
                { multiAz: p.multiAz, deletionProtection: p.deletionProtection, skipFinalSnapshot: p.skipFinalSnapshot, pi: p.performanceInsightsEnabled, backups: p.backupRetentionPeriod },
                { multiAz: true, deletionProtection: true, skipFinalSnapshot: false, pi: true, backups: 14 },
            );
            assert.equal(d.finalSnapshotIdentifier, undefined);
            assert.equal(p.finalSnapshotIdentifier, "gateway-litellm-final");
        });

        it("follows explicit multiAz / deletionProtection over the production default", async () => {
            const run = await deploy((provider) => minimalArgs(provider, { database: { multiAz: true, deletionProtection: true } }));
            assert.equal(rds(run).multiAz, true);
            assert.equal(rds(run).deletionProtection, true);
        });
    });

    describe("state: ElastiCache", () => {
        const cache = (d: Deployed) => one(d.resources, T.cache).inputs;

        it("encrypts in transit and at rest, authenticates with a generated token, in the private subnets", () => {
            for (const d of [dev, prod]) {
                const c = cache(d);
                assert.equal(c.engine, "valkey");
                assert.equal(c.transitEncryptionEnabled, true);
                assert.equal(c.atRestEncryptionEnabled, true);
                assert.match(c.authToken, /^mock-secret-gateway-cache-auth-/);
                assert.equal(c.subnetGroupName, one(d.resources, T.cacheSubnets).inputs.name);
                assert.deepEqual(one(d.resources, T.cacheSubnets).inputs.subnetIds, NETWORK.subnetIds);
            }
        });

        it("fails over automatically across zones with 2+ nodes in production, one node in dev", () => {
            const [d, p] = [cache(dev), cache(prod)];
            assert.deepEqual(
                { nodes: d.numCacheClusters, failover: d.automaticFailoverEnabled, multiAz: d.multiAzEnabled, snapshots: d.snapshotRetentionLimit, final: d.finalSnapshotIdentifier },
                { nodes: 1, failover: false, multiAz: false, snapshots: 1, final: undefined },
            );
            assert.deepEqual(
                { nodes: p.numCacheClusters, failover: p.automaticFailoverEnabled, multiAz: p.multiAzEnabled, snapshots: p.snapshotRetentionLimit },
                { nodes: 2, failover: true, multiAz: true, snapshots: 7 },
            );
            assert.match(p.finalSnapshotIdentifier, /litellm-final/);
            assert.equal(one(prod.resources, T.cache).protect, true, "production cache must be protected from deletion");
            assert.equal(one(dev.resources, T.cache).protect, false);
        });
    });

    describe("network access", () => {
        it("admits 5432 and 6379 only from the cluster security group, and nothing else", () => {
            const groups = ofType(prod.resources, T.securityGroup);
            const byName = new Map(groups.map((g) => [g.name, g.inputs]));
            assert.deepEqual(byName.get("gateway-db")?.ingress, [
                { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: [NETWORK.clusterSecurityGroupId], description: "EKS cluster" },
            ]);
            assert.deepEqual(byName.get("gateway-cache")?.ingress, [
                { protocol: "tcp", fromPort: 6379, toPort: 6379, securityGroups: [NETWORK.clusterSecurityGroupId], description: "EKS cluster" },
            ]);
            for (const g of groups) {
                assert.equal(g.inputs.vpcId, NETWORK.vpcId);
                assert.equal(g.inputs.egress, undefined);
            }
            assert.deepEqual(one(prod.resources, T.rds).inputs.vpcSecurityGroupIds, ["gateway-db-id"]);
            assert.deepEqual(one(prod.resources, T.cache).inputs.securityGroupIds, ["gateway-cache-id"]);
        });
    });

    describe("Bedrock via Pod Identity", () => {
        it("gives the gateway's service account a role that may invoke only the routed models", () => {
            const role = one(prod.resources, T.role).inputs;
            assert.deepEqual(JSON.parse(role.assumeRolePolicy).Statement, [
                { Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] },
            ]);
            const policy = JSON.parse(one(prod.resources, T.rolePolicy).inputs.policy);
            assert.deepEqual(policy.Statement, [
                {
                    Sid: "InvokeRoutedModels",
                    Effect: "Allow",
                    Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                    Resource: [`arn:aws:bedrock:us-east-1::foundation-model/${BEDROCK_MODEL}`],
                },
            ]);
            const association = one(prod.resources, T.podIdentity).inputs;
            assert.equal(association.clusterName, "genai-dev");
            assert.equal(association.namespace, "llm-gateway");
            assert.equal(association.serviceAccount, podTemplate(prod).spec.serviceAccountName);
        });

        it("creates no IAM at all without Bedrock routes", () => {
            for (const t of [T.role, T.rolePolicy, T.podIdentity]) assert.equal(ofType(dev.resources, t).length, 0, t);
        });
    });

    describe("high availability and pod security", () => {
        it("runs the pinned image with replicas, probes and resources", () => {
            const spec = one(prod.resources, T.deployment).inputs.spec;
            const c = container(prod);
            assert.equal(c.image, IMAGES.litellm.image);
            assert.equal(spec.replicas, 3);
            assert.equal(one(dev.resources, T.deployment).inputs.spec.replicas, 2);
            assert.deepEqual(spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
            assert.equal(c.readinessProbe.httpGet.path, "/health/readiness");
            assert.equal(c.livenessProbe.httpGet.path, "/health/liveliness");
            assert.equal(c.startupProbe.httpGet.path, "/health/liveliness");
            assert.deepEqual(c.resources, { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
        });

        it("spreads over zones (strictly in production) and hosts, with a PDB", () => {
            const spread = (d: Deployed) =>
                podTemplate(d).spec.topologySpreadConstraints.map((t: { topologyKey: string; whenUnsatisfiable: string }) => [t.topologyKey, t.whenUnsatisfiable]);
            assert.deepEqual(spread(prod), [["topology.kubernetes.io/zone", "DoNotSchedule"], ["kubernetes.io/hostname", "ScheduleAnyway"]]);
            assert.deepEqual(spread(dev), [["topology.kubernetes.io/zone", "ScheduleAnyway"], ["kubernetes.io/hostname", "ScheduleAnyway"]]);
            const pdb = one(prod.resources, T.pdb).inputs.spec;
            assert.equal(pdb.maxUnavailable, 1);
            assert.deepEqual(pdb.selector.matchLabels, one(prod.resources, T.deployment).inputs.spec.selector.matchLabels);
        });

        it("meets the restricted profile: non-root numeric UID, no escalation, no capabilities, RuntimeDefault seccomp", () => {
            const pod = podTemplate(prod).spec;
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.ok(Number.isInteger(pod.securityContext.runAsUser) && pod.securityContext.runAsUser > 0);
            assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            const sc = container(prod).securityContext;
            assert.equal(sc.allowPrivilegeEscalation, false);
            assert.deepEqual(sc.capabilities, { drop: ["ALL"] });
            assert.equal(pod.automountServiceAccountToken, false);
            const tmp = pod.volumes.find((v: { name: string }) => v.name === "tmp");
            assert.ok(tmp.emptyDir, "a writable /tmp");
            assert.ok(container(prod).volumeMounts.some((m: { mountPath: string }) => m.mountPath === "/tmp"));
        });

        it("serves inside the cluster on a ClusterIP Service at port 4000, and says so in its outputs", () => {
            const svc = one(prod.resources, T.service).inputs;
            assert.equal(svc.spec.type, "ClusterIP");
            assert.deepEqual(svc.spec.ports, [{ name: "http", port: 4000, targetPort: "http", protocol: "TCP" }]);
            const outputs = one(prod.resources, T.gateway).outputs;
            assert.equal(outputs?.baseUrl, `http://${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local:4000`);
            assert.deepEqual(outputs?.models, ["llama-3.1-8b", "qwen-2.5-32b", "gpt-4o", "claude-sonnet", "gemini-pro", "claude-bedrock"]);
            assert.equal(prod.gateway.baseUrl, outputs?.baseUrl);
        });
    });

    describe("ingress", () => {
        it("puts an internal HTTPS-only ALB with the ACM certificate in front when asked", () => {
            const ingress = one(prod.resources, T.ingress).inputs;
            assert.equal(ingress.spec.ingressClassName, "alb");
            const a = ingress.metadata.annotations;
            assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internal");
            assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], CERT);
            assert.deepEqual(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"]), [{ HTTPS: 443 }]);
            assert.equal(a["alb.ingress.kubernetes.io/target-type"], "ip");
            assert.equal(ingress.spec.rules[0].host, "llm.internal.example.com");
            assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend, { service: { name: "gateway", port: { number: 4000 } } });
        });

        it("admits only the allow-list to an internet-facing ALB", async () => {
            const run = await deploy((provider) => minimalArgs(provider, { ingress: { certificateArn: CERT, scheme: "internet-facing", inboundCidrs: ["203.0.113.0/24"] } }));
            const a = one(run.resources, T.ingress).inputs.metadata.annotations;
            assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internet-facing");
            assert.equal(a["alb.ingress.kubernetes.io/inbound-cidrs"], "203.0.113.0/24");
            assert.deepEqual(await conformanceErrors(run.resources), []);
        });
    });
});

function secret(d: Deployed): Record<string, string> {
    return one(d.resources, T.secret, "gateway-env").inputs.stringData;
}

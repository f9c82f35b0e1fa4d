import assert from "node:assert/strict";
import type * as k8s from "@pulumi/kubernetes";
import { GPU_QUOTA_LABEL } from "../../components/gpu-cluster";
import { IMAGES } from "../../components/internal/versions";
import { ResolvedTenant, TenantSpec, validateTenantNamespaceArgs } from "../../components/tenant-namespace";
import {
    renderAccessRbac,
    renderKeySecret,
    renderKeyWriterRbac,
    renderLimitRange,
    renderNamespace,
    renderNetworkPolicies,
    renderResourceQuota,
    renderTeamSyncJob,
    renderTeamSyncServiceAccount,
    TEAM_SYNC_SCRIPT,
} from "../../components/tenant-namespace/manifests";
import { liveJob, nextUpForJob } from "../harness/job-rerun";
import { GATEWAY, RESEARCH, RESEARCH_TEAM_REQUEST, tenantArgs, WEB } from "./fixtures";

/** Validation and the renderers never touch the provider. */
const NO_PROVIDER = {} as k8s.Provider;
const resolved = (spec: TenantSpec): ResolvedTenant => validateTenantNamespaceArgs(spec.name, tenantArgs(NO_PROVIDER, spec)).tenant;
const byName = (objects: { metadata: { name: string } }[]) => Object.fromEntries(objects.map((o) => [o.metadata.name, o])) as Record<string, any>;

const GATEWAY_PEER = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "llm-gateway" } },
    podSelector: { matchLabels: GATEWAY.podLabels },
};

describe("TenantNamespace renderers", () => {
    describe("namespace", () => {
        it("is held to the restricted Pod Security Standard and labelled for the Kyverno and stack policies", () => {
            assert.deepEqual(renderNamespace(resolved(RESEARCH)).metadata.labels, {
                "genai-platform.io/tenant": "research",
                "genai-platform.io/managed": "true",
                "app.kubernetes.io/part-of": "genai-platform",
                "app.kubernetes.io/managed-by": "pulumi",
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.35",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/audit-version": "v1.35",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/warn-version": "v1.35",
                [GPU_QUOTA_LABEL]: "6",
                "genai-platform.io/gpu-pools": "shared-l4",
            });
        });

        it("carries the GPU quota label only with a GPU quota, and lists every pool the tenant may use", () => {
            const cpuOnly = renderNamespace(resolved({ ...RESEARCH, gpuQuota: 0, gpuPools: undefined })).metadata.labels!;
            assert.equal(cpuOnly[GPU_QUOTA_LABEL], undefined);
            assert.equal(cpuOnly["genai-platform.io/gpu-pools"], "shared-l4,big-h100");
            const both = renderNamespace(resolved({ ...RESEARCH, gpuQuota: 20, gpuPools: ["shared-l4", "big-h100"] })).metadata.labels!;
            assert.equal(both[GPU_QUOTA_LABEL], "20");
            assert.equal(both["genai-platform.io/gpu-pools"], "shared-l4,big-h100");
            const noPools = renderNamespace(resolved(WEB)).metadata.labels!;
            assert.equal(noPools[GPU_QUOTA_LABEL], undefined);
            assert.equal(noPools["genai-platform.io/gpu-pools"], undefined);
        });
    });

    describe("quota and container defaults", () => {
        it("caps CPU, memory, GPUs, object counts and storage with the tenant's values", () => {
            const quota = renderResourceQuota(resolved(RESEARCH));
            assert.deepEqual(quota.metadata, { name: "tenant-quota", namespace: "research", labels: quota.metadata.labels });
            assert.deepEqual(quota.spec, {
                hard: {
                    "requests.cpu": "32",
                    "limits.cpu": "64",
                    "requests.memory": "256Gi",
                    "limits.memory": "256Gi",
                    "requests.nvidia.com/gpu": "6",
                    pods: "40",
                    services: "10",
                    persistentvolumeclaims: "8",
                    "requests.storage": "2Ti",
                },
            });
        });

        it("applies documented defaults, a zero GPU quota on pools, and no GPU line without pools", () => {
            assert.deepEqual(renderResourceQuota(resolved({ ...WEB, gpuPools: undefined })).spec, {
                hard: {
                    "requests.cpu": "16",
                    "limits.cpu": "32",
                    "requests.memory": "64Gi",
                    "limits.memory": "128Gi",
                    "requests.nvidia.com/gpu": "0",
                    pods: "50",
                    services: "20",
                    persistentvolumeclaims: "20",
                    "requests.storage": "1Ti",
                },
            });
            assert.equal((renderResourceQuota(resolved(WEB)).spec as any).hard["requests.nvidia.com/gpu"], undefined);
        });

        it("gives containers without resources the tenant's default requests and limits", () => {
            assert.deepEqual(renderLimitRange(resolved(RESEARCH)).spec, {
                limits: [{ type: "Container", defaultRequest: { cpu: "250m", memory: "512Mi" }, default: { cpu: "2", memory: "2Gi" } }],
            });
            assert.deepEqual(renderLimitRange(resolved(WEB)).spec, {
                limits: [{ type: "Container", defaultRequest: { cpu: "100m", memory: "256Mi" }, default: { cpu: "1", memory: "1Gi" } }],
            });
        });
    });

    describe("network policies", () => {
        it("deny everything by default, then allow DNS, the gateway, the Pod Identity agent, Prometheus, the namespace itself and the listed sources", () => {
            const policies = byName(renderNetworkPolicies(resolved(RESEARCH), GATEWAY));
            assert.deepEqual(Object.keys(policies), [
                "default-deny", "allow-dns", "allow-to-gateway", "allow-to-pod-identity-agent", "allow-same-namespace",
                "allow-from-gateway", "allow-from-prometheus", "allow-ingress-sources", "allow-egress-cidrs",
            ]);
            assert.ok(Object.values(policies).every((p) => p.metadata.namespace === "research"));
            assert.deepEqual(policies["default-deny"].spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            assert.deepEqual(policies["allow-dns"].spec, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
                }],
            });
            assert.deepEqual(policies["allow-to-gateway"].spec, { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [GATEWAY_PEER], ports: [{ protocol: "TCP", port: 4000 }] }] });
            assert.deepEqual(policies["allow-same-namespace"].spec, {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ podSelector: {} }] }],
                egress: [{ to: [{ podSelector: {} }] }],
            });
            assert.deepEqual(policies["allow-from-gateway"].spec, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [GATEWAY_PEER], ports: [{ protocol: "TCP", port: 8000 }] }] });
            // The EKS Pod Identity agent (host network, 169.254.170.23 / [fd00:ec2::23], port 80) is not the node's IP.
            assert.deepEqual(policies["allow-to-pod-identity-agent"].spec, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }, { ipBlock: { cidr: "fd00:ec2::23/128" } }], ports: [{ protocol: "TCP", port: 80 }] }],
            });
            // The operator-made Prometheus pods of kube-prometheus-stack, on vLLM's port, where it serves /metrics.
            assert.deepEqual(policies["allow-from-prometheus"].spec, {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [{
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                        podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" } },
                    }],
                    ports: [{ protocol: "TCP", port: 8000 }],
                }],
            });
            assert.deepEqual(policies["allow-ingress-sources"].spec, {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [{
                    from: [
                        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx" } } },
                        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } } },
                    ],
                }],
            });
            assert.deepEqual(policies["allow-egress-cidrs"].spec, { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.0.128.0/20" } }], ports: [{ protocol: "TCP", port: 443 }] }] });
        });

        it("renders no optional rule the tenant did not ask for, and never a port-less gateway ingress", () => {
            assert.deepEqual(
                Object.keys(byName(renderNetworkPolicies(resolved({ ...WEB, gatewayIngressPorts: [], metricsPorts: [] }), GATEWAY))),
                ["default-deny", "allow-dns", "allow-to-gateway", "allow-to-pod-identity-agent", "allow-same-namespace"],
            );
            const metricsOnPort = byName(renderNetworkPolicies(resolved({ ...WEB, metricsPorts: [9100] }), GATEWAY));
            assert.deepEqual(metricsOnPort["allow-from-prometheus"].spec.ingress[0].ports, [{ protocol: "TCP", port: 9100 }]);
            const gatewayOnPort = byName(renderNetworkPolicies(resolved(WEB), { ...GATEWAY, port: 8080 }));
            assert.deepEqual(gatewayOnPort["allow-to-gateway"].spec.egress[0].ports, [{ protocol: "TCP", port: 8080 }]);
        });
    });

    describe("RBAC", () => {
        it("binds each access level's group to the kinds the EKS access policies lack, read-only for viewers", () => {
            const [editRole, editBinding, viewRole, viewBinding] = renderAccessRbac(resolved(RESEARCH)) as any[];
            assert.deepEqual([editRole.kind, editRole.metadata.name, editRole.metadata.namespace], ["Role", "tenant-edit-extras", "research"]);
            assert.deepEqual(editRole.rules, [
                { apiGroups: ["keda.sh"], resources: ["scaledobjects", "scaledjobs", "triggerauthentications"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                { apiGroups: ["monitoring.coreos.com"], resources: ["servicemonitors", "podmonitors", "prometheusrules"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
            ]);
            assert.deepEqual(editBinding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant-edit-extras" });
            assert.deepEqual(editBinding.subjects, [{ kind: "Group", name: "genai-platform:research:edit", apiGroup: "rbac.authorization.k8s.io" }]);
            assert.deepEqual(viewRole.rules.map((r: any) => r.verbs), [["get", "list", "watch"], ["get", "list", "watch"]]);
            assert.deepEqual(viewBinding.subjects, [{ kind: "Group", name: "genai-platform:research:view", apiGroup: "rbac.authorization.k8s.io" }]);
            assert.deepEqual(renderAccessRbac(resolved(WEB)), []);
        });

        it("lets the team-sync Job's ServiceAccount read and patch only the key Secret", () => {
            const t = resolved(RESEARCH);
            const [role, binding] = renderKeyWriterRbac(t, GATEWAY) as any[];
            assert.equal(role.metadata.namespace, "research");
            assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["llm-gateway-key"], verbs: ["get", "patch"] }]);
            assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "team-sync-research", namespace: "llm-gateway" }]);
            assert.deepEqual(renderKeySecret(t, GATEWAY).metadata.name, "llm-gateway-key");
            assert.equal((renderKeySecret(t, GATEWAY) as any).data, undefined);
            const sa = renderTeamSyncServiceAccount(t, GATEWAY);
            assert.deepEqual([sa.metadata.name, sa.metadata.namespace, sa.automountServiceAccountToken], ["team-sync-research", "llm-gateway", false]);
        });
    });

    describe("team-sync Job", () => {
        const job = renderTeamSyncJob(resolved(RESEARCH), GATEWAY) as any;
        const pod = job.spec.template.spec;
        const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

        it("runs in the gateway's namespace with the pinned curl image and a retry budget", () => {
            assert.match(job.metadata.name, /^team-sync-research-[0-9a-f]{8}$/);
            assert.equal(job.metadata.namespace, "llm-gateway");
            assert.equal(pod.containers[0].image, IMAGES.curl.image);
            assert.deepEqual(pod.containers[0].command, ["/bin/sh", "-c", TEAM_SYNC_SCRIPT]);
            assert.equal(job.spec.backoffLimit, 3);
            assert.equal(pod.restartPolicy, "Never");
            assert.equal(pod.serviceAccountName, "team-sync-research");
            assert.equal(pod.automountServiceAccountToken, true);
        });

        it("meets the restricted Pod Security Standard and declares its resources", () => {
            assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
            assert.deepEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
            assert.deepEqual(pod.containers[0].resources, { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } });
            assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "4Mi" } }]);
        });

        it("sends the team's model aliases (how a batch tenant's requests reach the batch routes of kv-aware models)", () => {
            const spec = { ...RESEARCH, team: { ...RESEARCH.team, models: ["llama-3.1-8b", "llama-3.1-8b@batch"], modelAliases: { "llama-3.1-8b": "llama-3.1-8b@batch" } } };
            const tenant = validateTenantNamespaceArgs(spec.name, tenantArgs(NO_PROVIDER, spec, { knownModels: ["llama-3.1-8b", "llama-3.1-8b@batch"] })).tenant;
            const batch = renderTeamSyncJob(tenant, GATEWAY) as any;
            const batchEnv = Object.fromEntries(batch.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
            assert.deepEqual(JSON.parse(batchEnv.TEAM_JSON).model_aliases, { "llama-3.1-8b": "llama-3.1-8b@batch" });
        });

        it("upserts the team with a deterministic team_id and the tenant's budget, period, limits and models", () => {
            const { budget_duration: period, ...team } = RESEARCH_TEAM_REQUEST;
            assert.deepEqual(JSON.parse(env.TEAM_JSON), team, "budget_duration is added by the script only when it changes");
            assert.equal(env.BUDGET_DURATION, period);
            assert.deepEqual(JSON.parse(env.KEY_JSON), { team_id: "research", key_alias: "genai-platform/research", metadata: { "managed-by": "genai-platform", namespace: "research" } });
            assert.equal(env.GATEWAY_URL, "http://gateway.llm-gateway.svc.cluster.local:4000");
            assert.equal(env.TENANT_NAMESPACE, "research");
            assert.equal(env.KEY_SECRET_NAME, "llm-gateway-key");
        });

        it("clears unset limits and defaults the models to every routed model", () => {
            const webEnv: { name: string; value?: string }[] = (renderTeamSyncJob(resolved(WEB), GATEWAY) as any).spec.template.spec.containers[0].env;
            const team = JSON.parse(webEnv.find((e) => e.name === "TEAM_JSON")!.value!);
            assert.deepEqual([team.tpm_limit, team.rpm_limit, team.models], [null, null, ["llama-3.1-8b", "qwen-2.5-32b", "gpt-4o"]]);
            assert.equal(webEnv.find((e) => e.name === "BUDGET_DURATION")?.value, "30d");
        });

        it("reads the master key only through a secretKeyRef; no value in its env or script is a secret", () => {
            const refs = pod.containers[0].env.filter((e: any) => e.valueFrom);
            assert.deepEqual(refs, [{ name: "LITELLM_MASTER_KEY", valueFrom: { secretKeyRef: { name: "gateway-env", key: "LITELLM_MASTER_KEY" } } }]);
            assert.ok(pod.containers[0].env.every((e: any) => (e.value === undefined) !== (e.valueFrom === undefined)));
            assert.doesNotMatch(JSON.stringify(pod), /sk-[A-Za-z0-9_-]{8,}/, "no literal key in the pod spec");
            // The script only ever names the key through the environment.
            assert.doesNotMatch(TEAM_SYNC_SCRIPT, /Bearer sk-|LITELLM_MASTER_KEY=/);
            assert.match(TEAM_SYNC_SCRIPT, /"\$LITELLM_MASTER_KEY"/);
        });

        describe("what the next `up` does with it (pulumi-kubernetes' Job semantics, test/harness/job-rerun.ts)", () => {
            const A_DAY = 86400;
            it("runs nothing again when the desired state is unchanged and the last run succeeded", () => {
                assert.equal(nextUpForJob(job, liveJob(job, "complete", A_DAY), renderTeamSyncJob(resolved(RESEARCH), GATEWAY)), "nothing");
            });

            it("runs again when the team changes", () => {
                const changed = renderTeamSyncJob(resolved({ ...RESEARCH, team: { ...RESEARCH.team, maxBudgetUsd: 750 } }), GATEWAY);
                assert.equal(nextUpForJob(job, liveJob(job, "complete", A_DAY), changed), "replace");
            });

            it("runs again when the last run failed, however long ago", () => {
                for (const since of [60, A_DAY, 30 * A_DAY]) assert.equal(nextUpForJob(job, liveJob(job, "failed", since), job), "replace", `${since}s after`);
            });

            it("self-checks: a Job without replaceUnready, or removed by a TTL, is never re-run after a failure", () => {
                const annotations = Object.fromEntries(Object.entries(job.metadata.annotations ?? {}).filter(([k]) => k !== "pulumi.com/replaceUnready"));
                const waitsOnly = { ...job, metadata: { ...job.metadata, annotations } };
                assert.equal(nextUpForJob(waitsOnly, "failed", waitsOnly), "nothing");
                const ttl = { ...job, spec: { ...job.spec, ttlSecondsAfterFinished: A_DAY } };
                assert.equal(nextUpForJob(ttl, liveJob(ttl, "failed", A_DAY), ttl), "nothing");
            });
        });

        it("is renamed when the budget (or any team setting) changes, and only then", () => {
            const name = (spec: TenantSpec) => renderTeamSyncJob(resolved(spec), GATEWAY).metadata.name;
            assert.equal(name(RESEARCH), job.metadata.name);
            const changed = [
                { ...RESEARCH, team: { ...RESEARCH.team, maxBudgetUsd: 750 } },
                { ...RESEARCH, team: { ...RESEARCH.team, budgetDuration: "1mo" } },
                { ...RESEARCH, team: { ...RESEARCH.team, rpm: 1200 } },
                { ...RESEARCH, team: { ...RESEARCH.team, models: ["gpt-4o"] } },
            ].map(name);
            assert.equal(new Set([job.metadata.name, ...changed]).size, 5);
            assert.equal(name({ ...RESEARCH, quota: { ...RESEARCH.quota, pods: 99 } }), job.metadata.name, "quota changes do not re-run the team sync");
        });
    });
});

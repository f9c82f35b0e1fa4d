/**
 * Pod Security admission over pod templates: each check of the Pod Security
 * Standards allowed and refused as k8s.io/pod-security-admission v0.35.6
 * decides (policy/check_*.go), then every pod the stacks declare against its
 * namespace's enforce level.
 */
import * as assert from "node:assert/strict";
import { KUBERNETES_VERSIONS } from "../../components/internal/versions";
import { clusterObjects } from "../harness/cluster";
import { skipWithoutReference, type KubernetesObject } from "../harness/conformance";
import { checkPod, enforcePolicy, type Level, namespaceLevelFindings, type PodSpec, podSecurityFindings } from "../harness/pod-security";

/** A pod spec that passes restricted: one container, non-root, no privilege escalation, ALL dropped, RuntimeDefault seccomp. */
function restrictedSpec(): PodSpec {
    return {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{ name: "app", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
    };
}

const withContainer = (patch: (c: NonNullable<PodSpec["containers"]>[number]) => void): PodSpec => {
    const spec = restrictedSpec();
    patch(spec.containers![0]);
    return spec;
};

const CURRENT = Number(KUBERNETES_VERSIONS.default.split(".")[1]);

/** The ids of the checks `spec` fails at `level` (current policy version unless given). */
function failed(spec: PodSpec, level: Level, minor = CURRENT, annotations: Record<string, string> = {}): string[] {
    return checkPod(spec, annotations, level, minor).map((f) => f.check);
}

interface Case {
    name: string;
    spec: () => PodSpec;
    annotations?: Record<string, string>;
    /** The check refused at `level`, or undefined when the pod is admitted. */
    refusedBy?: string;
    level: Level;
    minor?: number;
}

const BASELINE_CASES: Case[] = [
    { name: "the restricted reference pod", spec: restrictedSpec, level: "baseline" },
    { name: "hostNetwork", spec: () => ({ ...restrictedSpec(), hostNetwork: true }), refusedBy: "hostNamespaces", level: "baseline" },
    { name: "hostPID", spec: () => ({ ...restrictedSpec(), hostPID: true }), refusedBy: "hostNamespaces", level: "baseline" },
    { name: "hostIPC", spec: () => ({ ...restrictedSpec(), hostIPC: true }), refusedBy: "hostNamespaces", level: "baseline" },
    { name: "a privileged container", spec: () => withContainer((c) => (c.securityContext!.privileged = true)), refusedBy: "privileged", level: "baseline" },
    { name: "privileged: false", spec: () => withContainer((c) => (c.securityContext!.privileged = false)), level: "baseline" },
    { name: "an added CHOWN (in the baseline set)", spec: () => withContainer((c) => (c.securityContext!.capabilities!.add = ["CHOWN"])), level: "baseline" },
    { name: "an added SYS_PTRACE", spec: () => withContainer((c) => (c.securityContext!.capabilities!.add = ["SYS_PTRACE"])), refusedBy: "capabilities_baseline", level: "baseline" },
    { name: "an added NET_RAW", spec: () => withContainer((c) => (c.securityContext!.capabilities!.add = ["NET_RAW"])), refusedBy: "capabilities_baseline", level: "baseline" },
    { name: "a hostPath volume", spec: () => ({ ...restrictedSpec(), volumes: [{ name: "host", hostPath: { path: "/var" } }] }), refusedBy: "hostPathVolumes", level: "baseline" },
    { name: "a hostPort", spec: () => withContainer((c) => (c.ports = [{ hostPort: 8080 }])), refusedBy: "hostPorts", level: "baseline" },
    { name: "hostPort 0", spec: () => withContainer((c) => (c.ports = [{ hostPort: 0 }])), level: "baseline" },
    { name: "AppArmor Unconfined", spec: () => withContainer((c) => (c.securityContext!.appArmorProfile = { type: "Unconfined" })), refusedBy: "appArmorProfile", level: "baseline" },
    { name: "AppArmor RuntimeDefault", spec: () => withContainer((c) => (c.securityContext!.appArmorProfile = { type: "RuntimeDefault" })), level: "baseline" },
    { name: "an unconfined AppArmor annotation", spec: restrictedSpec, annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" }, refusedBy: "appArmorProfile", level: "baseline" },
    { name: "SELinux type spc_t", spec: () => withContainer((c) => (c.securityContext!.seLinuxOptions = { type: "spc_t" })), refusedBy: "seLinuxOptions", level: "baseline" },
    { name: "SELinux user", spec: () => withContainer((c) => (c.securityContext!.seLinuxOptions = { user: "system_u" })), refusedBy: "seLinuxOptions", level: "baseline" },
    { name: "SELinux container_engine_t at v1.31", spec: () => withContainer((c) => (c.securityContext!.seLinuxOptions = { type: "container_engine_t" })), level: "baseline", minor: 31 },
    { name: "SELinux container_engine_t at v1.30", spec: () => withContainer((c) => (c.securityContext!.seLinuxOptions = { type: "container_engine_t" })), refusedBy: "seLinuxOptions", level: "baseline", minor: 30 },
    { name: "procMount Unmasked", spec: () => withContainer((c) => (c.securityContext!.procMount = "Unmasked")), refusedBy: "procMount", level: "baseline" },
    { name: "procMount Unmasked in a user namespace at v1.35", spec: () => ({ ...withContainer((c) => (c.securityContext!.procMount = "Unmasked")), hostUsers: false }), level: "baseline" },
    { name: "procMount Unmasked in a user namespace at v1.34", spec: () => ({ ...withContainer((c) => (c.securityContext!.procMount = "Unmasked")), hostUsers: false }), refusedBy: "procMount", level: "baseline", minor: 34 },
    { name: "seccomp Unconfined on the pod", spec: () => ({ ...restrictedSpec(), securityContext: { seccompProfile: { type: "Unconfined" } } }), refusedBy: "seccompProfile_baseline", level: "baseline" },
    { name: "no seccomp profile", spec: () => ({ containers: [{ name: "app" }] }), level: "baseline" },
    { name: "a safe sysctl", spec: () => ({ ...restrictedSpec(), securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem" }] } }), level: "baseline" },
    { name: "tcp_rmem before v1.32", spec: () => ({ ...restrictedSpec(), securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem" }] } }), refusedBy: "sysctls", level: "baseline", minor: 31 },
    { name: "an unsafe sysctl", spec: () => ({ ...restrictedSpec(), securityContext: { sysctls: [{ name: "kernel.msgmax" }] } }), refusedBy: "sysctls", level: "baseline" },
    { name: "a Windows hostProcess pod", spec: () => ({ ...restrictedSpec(), securityContext: { windowsOptions: { hostProcess: true } } }), refusedBy: "windowsHostProcess", level: "baseline" },
    { name: "a probe host", spec: () => withContainer((c) => (c.livenessProbe = { httpGet: { host: "10.0.0.1" } })), refusedBy: "hostProbesAndHostLifecycle", level: "baseline" },
    { name: "a probe host before v1.34", spec: () => withContainer((c) => (c.livenessProbe = { httpGet: { host: "10.0.0.1" } })), level: "baseline", minor: 33 },
];

const RESTRICTED_CASES: Case[] = [
    { name: "the restricted reference pod", spec: restrictedSpec, level: "restricted" },
    { name: "a hostPath volume (restrictedVolumes replaces hostPathVolumes)", spec: () => ({ ...restrictedSpec(), volumes: [{ name: "host", hostPath: { path: "/" } }] }), refusedBy: "restrictedVolumes", level: "restricted" },
    { name: "an nfs volume", spec: () => ({ ...restrictedSpec(), volumes: [{ name: "share", nfs: { server: "x", path: "/" } }] }), refusedBy: "restrictedVolumes", level: "restricted" },
    { name: "allowed volume types", spec: () => ({ ...restrictedSpec(), volumes: [{ name: "a", emptyDir: {} }, { name: "b", secret: {} }, { name: "c", persistentVolumeClaim: {} }, { name: "d", projected: {} }] }), level: "restricted" },
    { name: "allowPrivilegeEscalation unset", spec: () => withContainer((c) => delete c.securityContext!.allowPrivilegeEscalation), refusedBy: "allowPrivilegeEscalation", level: "restricted" },
    { name: "allowPrivilegeEscalation unset on a Windows pod", spec: () => ({ ...withContainer((c) => delete c.securityContext!.allowPrivilegeEscalation), os: { name: "windows" } }), level: "restricted" },
    { name: "runAsNonRoot only on the container", spec: () => ({ ...withContainer((c) => (c.securityContext!.runAsNonRoot = true)), securityContext: { seccompProfile: { type: "RuntimeDefault" } } }), level: "restricted" },
    { name: "runAsNonRoot nowhere", spec: () => ({ ...restrictedSpec(), securityContext: { seccompProfile: { type: "RuntimeDefault" } } }), refusedBy: "runAsNonRoot", level: "restricted" },
    { name: "a container overriding runAsNonRoot=false", spec: () => withContainer((c) => (c.securityContext!.runAsNonRoot = false)), refusedBy: "runAsNonRoot", level: "restricted" },
    { name: "runAsNonRoot nowhere, in a user namespace", spec: () => ({ ...restrictedSpec(), hostUsers: false, securityContext: { seccompProfile: { type: "RuntimeDefault" } } }), level: "restricted" },
    { name: "runAsUser 0", spec: () => withContainer((c) => (c.securityContext!.runAsUser = 0)), refusedBy: "runAsUser", level: "restricted" },
    { name: "runAsUser 1000", spec: () => withContainer((c) => (c.securityContext!.runAsUser = 1000)), level: "restricted" },
    { name: "seccomp on the container only", spec: () => ({ ...withContainer((c) => (c.securityContext!.seccompProfile = { type: "Localhost" })), securityContext: { runAsNonRoot: true } }), level: "restricted" },
    { name: "seccomp nowhere", spec: () => ({ ...restrictedSpec(), securityContext: { runAsNonRoot: true } }), refusedBy: "seccompProfile_restricted", level: "restricted" },
    { name: "capabilities not dropped", spec: () => withContainer((c) => delete c.securityContext!.capabilities), refusedBy: "capabilities_restricted", level: "restricted" },
    { name: "NET_BIND_SERVICE added", spec: () => withContainer((c) => (c.securityContext!.capabilities!.add = ["NET_BIND_SERVICE"])), level: "restricted" },
    { name: "CHOWN added (allowed by baseline, not by restricted)", spec: () => withContainer((c) => (c.securityContext!.capabilities!.add = ["CHOWN"])), refusedBy: "capabilities_restricted", level: "restricted" },
    { name: "procMount Unmasked in a user namespace (procMount_restricted)", spec: () => ({ ...withContainer((c) => (c.securityContext!.procMount = "Unmasked")), hostUsers: false }), refusedBy: "procMount_restricted", level: "restricted" },
    { name: "a baseline violation (hostNetwork)", spec: () => ({ ...restrictedSpec(), hostNetwork: true }), refusedBy: "hostNamespaces", level: "restricted" },
];

describe("Pod Security admission (k8s.io/pod-security-admission v0.35.6)", () => {
    for (const c of [...BASELINE_CASES, ...RESTRICTED_CASES]) {
        const at = `${c.level}:v1.${c.minor ?? CURRENT}`;
        it(`${at} ${c.refusedBy ? `refuses ${c.name} (${c.refusedBy})` : `admits ${c.name}`}`, () => {
            assert.deepEqual(failed(c.spec(), c.level, c.minor, c.annotations), c.refusedBy ? [c.refusedBy] : []);
        });
    }

    it("checks init and ephemeral containers like app containers", () => {
        const ptrace = { name: "debug", securityContext: { capabilities: { add: ["SYS_PTRACE"] } } };
        assert.deepEqual(failed({ ...restrictedSpec(), initContainers: [ptrace] }, "baseline"), ["capabilities_baseline"]);
        assert.deepEqual(failed({ ...restrictedSpec(), ephemeralContainers: [ptrace] }, "baseline"), ["capabilities_baseline"]);
    });

    it("admits everything at privileged", () => {
        assert.deepEqual(failed({ hostNetwork: true, containers: [{ name: "x", securityContext: { privileged: true } }] }, "privileged"), []);
    });

    it("reads the namespace labels as PolicyToEvaluate does", () => {
        assert.deepEqual(enforcePolicy(undefined, 35), { level: "privileged", minor: 35 });
        assert.deepEqual(enforcePolicy({ "pod-security.kubernetes.io/enforce": "baseline" }, 35), { level: "baseline", minor: 35 });
        assert.deepEqual(enforcePolicy({ "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "v1.30" }, 35), { level: "baseline", minor: 30 });
        // Newer than the API server, "latest" and invalid versions: the server's own.
        assert.deepEqual(enforcePolicy({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.40" }, 35), { level: "restricted", minor: 35 });
        assert.deepEqual(enforcePolicy({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" }, 35), { level: "restricted", minor: 35 });
        // An invalid level fails closed.
        assert.deepEqual(enforcePolicy({ "pod-security.kubernetes.io/enforce": "strict" }, 35), { level: "restricted", minor: 35 });
    });

    describe("planted defect: a pod with an added capability in a baseline namespace", () => {
        const namespace: KubernetesObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "langfuse", labels: { "pod-security.kubernetes.io/enforce": "baseline" } } };
        const server = (add: string[]): KubernetesObject => ({
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: { name: "clickhouse", namespace: "langfuse" },
            spec: { template: { spec: { containers: [{ name: "clickhouse", securityContext: { capabilities: { add } } }] } } },
        });

        it("is refused, naming the pod, the namespace and the check", () => {
            const findings = podSecurityFindings([namespace, server(["IPC_LOCK", "SYS_PTRACE"])], { kubernetesVersion: "1.35" });
            assert.equal(findings.length, 1);
            assert.equal(
                findings[0].message,
                'StatefulSet clickhouse in namespace "langfuse": refused by Pod Security "baseline:v1.35", check capabilities_baseline: ' +
                    'non-default capabilities (container "clickhouse" must not include "IPC_LOCK", "SYS_PTRACE" in securityContext.capabilities.add)',
            );
        });

        it("is admitted without the capability, or in a namespace without a level (the cluster default, privileged)", () => {
            assert.deepEqual(podSecurityFindings([namespace, server(["CHOWN"])], { kubernetesVersion: "1.35" }), []);
            assert.deepEqual(podSecurityFindings([server(["SYS_PTRACE"])], { kubernetesVersion: "1.35" }), []);
        });

        it("finds pod templates of every workload kind", () => {
            const spec = { containers: [{ name: "c", securityContext: { capabilities: { add: ["SYS_PTRACE"] } } }] };
            const objects: KubernetesObject[] = [
                namespace,
                { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "langfuse" }, spec },
                ...["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].map((kind) => ({ apiVersion: "apps/v1", kind, metadata: { name: kind.toLowerCase(), namespace: "langfuse" }, spec: { template: { spec } } })),
                { apiVersion: "batch/v1", kind: "Job", metadata: { name: "job", namespace: "langfuse" }, spec: { template: { spec } } },
                { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cron", namespace: "langfuse" }, spec: { jobTemplate: { spec: { template: { spec } } } } },
            ];
            assert.deepEqual(podSecurityFindings(objects, { kubernetesVersion: "1.35" }).map((f) => f.object), [
                "Pod p", "Deployment deployment", "StatefulSet statefulset", "DaemonSet daemonset", "ReplicaSet replicaset", "Job job", "CronJob cron",
            ]);
        });
    });

    describe("each namespace enforces the strictest level its pods pass", () => {
        const OPTIONS = { kubernetesVersion: "1.35", exempt: ["kube-system"] };
        const pod = (namespace: string, spec: PodSpec): KubernetesObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace }, spec });
        const namespace = (name: string, level?: Level): KubernetesObject => ({
            apiVersion: "v1", kind: "Namespace", metadata: { name, ...(level ? { labels: { "pod-security.kubernetes.io/enforce": level } } : {}) },
        });

        it("planted defect: a chart's namespace left to the cluster default is reported with the level its pods allow", () => {
            assert.deepEqual(namespaceLevelFindings([pod("addon", restrictedSpec())], OPTIONS), [
                'namespace "addon" declares no Pod Security enforce level (the cluster default, privileged, applies); its pods pass "restricted"',
            ]);
        });

        it("planted defect: a privileged label over pods that pass restricted is reported; the matching label, or a needy pod, is not", () => {
            const hostPath: PodSpec = { ...restrictedSpec(), volumes: [{ name: "host", hostPath: { path: "/var" } }] };
            assert.deepEqual(namespaceLevelFindings([namespace("addon", "privileged"), pod("addon", restrictedSpec())], OPTIONS), [
                'namespace "addon" enforces "privileged", but the strictest level all its pods pass is "restricted"',
            ]);
            assert.deepEqual(namespaceLevelFindings([namespace("addon", "restricted"), pod("addon", restrictedSpec())], OPTIONS), []);
            assert.deepEqual(namespaceLevelFindings([namespace("agent", "privileged"), pod("agent", hostPath), pod("agent", restrictedSpec())], OPTIONS), []);
            assert.deepEqual(namespaceLevelFindings([pod("kube-system", restrictedSpec())], OPTIONS), [], "kube-system is EKS's");
        });

        for (const stack of ["dev", "prod"] as const) {
            for (const mode of ["managed", "auto"] as const) {
                it(`${stack} (${mode}): every namespace the platform runs pods in, add-ons included, declares the strictest level they pass`, async function () {
                    skipWithoutReference(this);
                    assert.deepEqual(namespaceLevelFindings(await clusterObjects(stack, { mode }), { ...OPTIONS, kubernetesVersion: KUBERNETES_VERSIONS.default }), []);
                });
            }
        }
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every pod template the cluster runs (ours, the charts', the operators') passes its namespace's enforce level`, async function () {
            skipWithoutReference(this);
            const objects = await clusterObjects(stack);
            const findings = podSecurityFindings(objects, { kubernetesVersion: KUBERNETES_VERSIONS.default });
            assert.deepEqual(findings.map((f) => f.message), []);
        });
    }
});

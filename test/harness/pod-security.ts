/**
 * Pod Security admission, evaluated offline: every pod template against the
 * `enforce` level of the namespace it lands in, at the policy version that
 * namespace pins, as the API server's PodSecurity plugin decides it.
 *
 * Source, check by check: k8s.io/pod-security-admission v0.35.6 (published
 * from kubernetes/kubernetes v1.35.6, staging/src/k8s.io/pod-security-admission),
 * `policy/check_*.go` for the checks and their versions, `policy/registry.go`
 * for how versions and restricted overrides of baseline checks combine,
 * `policy/visitor.go` (init, app and ephemeral containers alike), and
 * `api/helpers.go` `PolicyToEvaluate` for how namespace labels are read.
 * The Pod Security Standards page on kubernetes.io describes the same rules.
 */
import { workloadOfObject } from "../../policies/lib/pod-specs";
import type { KubernetesObject } from "./conformance";

export type Level = "privileged" | "baseline" | "restricted";

interface Capabilities {
    add?: string[];
    drop?: string[];
}
interface Profile {
    type?: string;
}
interface SELinuxOptions {
    type?: string;
    user?: string;
    role?: string;
}
interface WindowsOptions {
    hostProcess?: boolean;
}
interface SecurityContext {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: Capabilities;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: Profile;
    appArmorProfile?: Profile;
    seLinuxOptions?: SELinuxOptions;
    procMount?: string;
    windowsOptions?: WindowsOptions;
}
interface PodSecurityContext extends Pick<SecurityContext, "runAsNonRoot" | "runAsUser" | "seccompProfile" | "appArmorProfile" | "seLinuxOptions" | "windowsOptions"> {
    sysctls?: { name: string }[];
}
interface HostHandler {
    httpGet?: { host?: string };
    tcpSocket?: { host?: string };
}
interface Container {
    name?: string;
    securityContext?: SecurityContext;
    ports?: { hostPort?: number }[];
    livenessProbe?: HostHandler;
    readinessProbe?: HostHandler;
    startupProbe?: HostHandler;
    lifecycle?: { postStart?: HostHandler; preStop?: HostHandler };
}

/** The parts of a PodSpec the Pod Security checks read. */
export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    securityContext?: PodSecurityContext;
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    hostUsers?: boolean;
    volumes?: ({ name?: string } & Record<string, unknown>)[];
    os?: { name?: string };
}

interface Pod {
    annotations: Record<string, string>;
    spec: PodSpec;
}

/** A refusal: upstream's ForbiddenReason and ForbiddenDetail. */
interface Refusal {
    reason: string;
    detail: string;
}
type CheckPod = (pod: Pod) => Refusal | undefined;

interface VersionedCheck {
    /** First policy minor version (1.x) this implementation applies to. */
    since: number;
    check: CheckPod;
    /** Baseline checks this restricted check replaces at this version. */
    overrides?: string[];
}
interface Check {
    id: string;
    level: "baseline" | "restricted";
    versions: VersionedCheck[];
}

// ---- helpers, as policy/helpers.go and policy/visitor.go ----

const joinQuote = (items: readonly string[]) => (items.length ? `"${items.join('", "')}"` : "");
const plural = (singular: string, pluralForm: string, n: number) => (n === 1 ? singular : pluralForm);
const containersPhrase = (names: string[]) => `${plural("container", "containers", names.length)} ${joinQuote(names)}`;
const sorted = (items: Iterable<string>) => [...new Set(items)].sort();

/** Init, app and ephemeral containers, in upstream's order. */
function containersOf(spec: PodSpec): Container[] {
    return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}
const names = (containers: Container[]) => containers.map((c) => c.name ?? "");
const isWindows = (spec: PodSpec) => spec.os?.name === "windows";
/** `hostUsers: false` runs the pod in a user namespace; 1.35 relaxes runAsNonRoot, runAsUser and procMount for it. */
const inUserNamespace = (spec: PodSpec) => spec.hostUsers === false;
const unlessWindows = (check: CheckPod): CheckPod => (pod) => (isWindows(pod.spec) ? undefined : check(pod));
const unlessUserNamespace = (check: CheckPod): CheckPod => (pod) => (inUserNamespace(pod.spec) ? undefined : check(pod));

/** "pod" and/or `container "a"` that explicitly set a bad value, as upstream lists its "badSetters". */
function setters(podBad: boolean, badContainers: string[]): string[] {
    return [...(podBad ? ["pod"] : []), ...(badContainers.length ? [containersPhrase(badContainers)] : [])];
}

// ---- baseline checks ----

const BASELINE_CAPABILITIES = new Set(["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]);

const capabilitiesBaseline: CheckPod = ({ spec }) => {
    const bad = containersOf(spec).filter((c) => (c.securityContext?.capabilities?.add ?? []).some((cap) => !BASELINE_CAPABILITIES.has(cap)));
    if (!bad.length) return undefined;
    const caps = sorted(bad.flatMap((c) => c.securityContext!.capabilities!.add!.filter((cap) => !BASELINE_CAPABILITIES.has(cap))));
    return { reason: "non-default capabilities", detail: `${containersPhrase(names(bad))} must not include ${joinQuote(caps)} in securityContext.capabilities.add` };
};

const hostNamespaces: CheckPod = ({ spec }) => {
    const used = [spec.hostNetwork && "hostNetwork=true", spec.hostPID && "hostPID=true", spec.hostIPC && "hostIPC=true"].filter((s): s is string => !!s);
    return used.length ? { reason: "host namespaces", detail: used.join(", ") } : undefined;
};

const hostPathVolumes: CheckPod = ({ spec }) => {
    const bad = (spec.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name ?? "");
    return bad.length ? { reason: "hostPath volumes", detail: `${plural("volume", "volumes", bad.length)} ${joinQuote(bad)}` } : undefined;
};

const hostPorts: CheckPod = ({ spec }) => {
    const bad = containersOf(spec).filter((c) => (c.ports ?? []).some((p) => (p.hostPort ?? 0) !== 0));
    if (!bad.length) return undefined;
    const ports = sorted(bad.flatMap((c) => c.ports!.filter((p) => (p.hostPort ?? 0) !== 0).map((p) => String(p.hostPort))));
    return { reason: "hostPort", detail: `${containersPhrase(names(bad))} ${plural("uses", "use", bad.length)} ${plural("hostPort", "hostPorts", ports.length)} ${ports.join(", ")}` };
};

const privileged: CheckPod = ({ spec }) => {
    const bad = containersOf(spec).filter((c) => c.securityContext?.privileged === true);
    return bad.length ? { reason: "privileged", detail: `${containersPhrase(names(bad))} must not set securityContext.privileged=true` } : undefined;
};

const windowsHostProcess: CheckPod = ({ spec }) => {
    const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
    const bad = names(containersOf(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true));
    const who = setters(pod, bad);
    return who.length ? { reason: "hostProcess", detail: `${who.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
};

const APPARMOR_TYPES = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const appArmorProfile: CheckPod = ({ spec, annotations }) => {
    const badType = (p?: Profile) => p !== undefined && !APPARMOR_TYPES.has(p.type ?? "");
    const podBad = badType(spec.securityContext?.appArmorProfile);
    const bad = containersOf(spec).filter((c) => badType(c.securityContext?.appArmorProfile));
    const values = sorted([...(podBad ? [spec.securityContext!.appArmorProfile!.type ?? ""] : []), ...bad.map((c) => c.securityContext!.appArmorProfile!.type ?? "")]);
    const badAnnotations = Object.entries(annotations)
        .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === "" || v === "runtime/default" || v.startsWith("localhost/")))
        .map(([k, v]) => `${k}="${v}"`)
        .sort();
    const who = setters(podBad, names(bad));
    if (badAnnotations.length) who.push(plural("annotation", "annotations", badAnnotations.length));
    if (!who.length) return undefined;
    const all = [...values, ...badAnnotations];
    return { reason: plural("forbidden AppArmor profile", "forbidden AppArmor profiles", all.length), detail: `${who.join(" and ")} must not set AppArmor profile type to ${joinQuote(all)}` };
};

const seLinuxOptions = (allowedTypes: ReadonlySet<string>): CheckPod => ({ spec }) => {
    const types = new Set<string>();
    let user = false;
    let role = false;
    const bad = (o?: SELinuxOptions) => {
        if (!o) return false;
        const badType = !allowedTypes.has(o.type ?? "");
        if (badType) types.add(o.type ?? "");
        user ||= !!o.user;
        role ||= !!o.role;
        return badType || !!o.user || !!o.role;
    };
    const podBad = bad(spec.securityContext?.seLinuxOptions);
    const badContainers = names(containersOf(spec).filter((c) => bad(c.securityContext?.seLinuxOptions)));
    const who = setters(podBad, badContainers);
    if (!who.length) return undefined;
    const what = [...(types.size ? [`${plural("type", "types", types.size)} ${joinQuote(sorted(types))}`] : []), ...(user ? ["user may not be set"] : []), ...(role ? ["role may not be set"] : [])];
    return { reason: "seLinuxOptions", detail: `${who.join(" and ")} set forbidden securityContext.seLinuxOptions: ${what.join("; ")}` };
};
const SELINUX_TYPES_1_0 = new Set(["", "container_t", "container_init_t", "container_kvm_t"]);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, "container_engine_t"]);

const procMount: CheckPod = ({ spec }) => {
    const bad = containersOf(spec).filter((c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== "Default");
    if (!bad.length) return undefined;
    return { reason: "procMount", detail: `${containersPhrase(names(bad))} must not set securityContext.procMount to ${joinQuote(sorted(bad.map((c) => c.securityContext!.procMount!)))}` };
};

const SECCOMP_TYPES = new Set(["RuntimeDefault", "Localhost"]);
const SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/";
/** Before 1.19 the seccomp check read the alpha annotations. */
const seccompBaselineAnnotations: CheckPod = ({ spec, annotations }) => {
    const ok = (v: string) => v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");
    const keys = [SECCOMP_POD_ANNOTATION, ...names(containersOf(spec)).map((n) => SECCOMP_CONTAINER_ANNOTATION + n)];
    const bad = sorted(keys.filter((k) => k in annotations && !ok(annotations[k])).map((k) => `${k}="${annotations[k]}"`));
    return bad.length ? { reason: "seccompProfile", detail: `forbidden ${plural("annotation", "annotations", bad.length)} ${bad.join(", ")}` } : undefined;
};
const badSeccomp = (p?: Profile) => p !== undefined && !SECCOMP_TYPES.has(p.type ?? "");
function seccompSetters(spec: PodSpec): { who: string[]; values: string[] } {
    const podBad = badSeccomp(spec.securityContext?.seccompProfile);
    const bad = containersOf(spec).filter((c) => badSeccomp(c.securityContext?.seccompProfile));
    const values = sorted([...(podBad ? [spec.securityContext!.seccompProfile!.type ?? ""] : []), ...bad.map((c) => c.securityContext!.seccompProfile!.type ?? "")]);
    return { who: setters(podBad, names(bad)), values };
}
const seccompBaseline: CheckPod = ({ spec }) => {
    const { who, values } = seccompSetters(spec);
    return who.length ? { reason: "seccompProfile", detail: `${who.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(values)}` } : undefined;
};

const SYSCTLS_1_0 = ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, "net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const sysctls = (allowedNames: readonly string[]): CheckPod => ({ spec }) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowedNames.includes(n));
    return bad.length ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
};

const hostProbesAndHostLifecycle: CheckPod = ({ spec }) => {
    const hosts = (h?: HostHandler) => [h?.httpGet?.host, h?.tcpSocket?.host].filter((x): x is string => !!x);
    const bad = new Set<string>();
    const forbidden = new Set<string>();
    for (const c of containersOf(spec)) {
        const found = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap(hosts);
        if (found.length) bad.add(c.name ?? "");
        found.forEach((h) => forbidden.add(h));
    }
    if (!bad.size) return undefined;
    return {
        reason: "probe or lifecycle host",
        detail: `${containersPhrase(sorted(bad))} ${plural("uses", "use", bad.size)} ${plural("probe or lifecycle host", "probe or lifecycle hosts", forbidden.size)} ${joinQuote(sorted(forbidden))}`,
    };
};

// ---- restricted checks ----

const RESTRICTED_VOLUME_SOURCES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]);
const restrictedVolumes: CheckPod = ({ spec }) => {
    const bad = (spec.volumes ?? []).filter((v) => !Object.keys(v).some((k) => RESTRICTED_VOLUME_SOURCES.has(k)));
    if (!bad.length) return undefined;
    const types = sorted(bad.map((v) => Object.keys(v).find((k) => k !== "name") ?? "unknown"));
    return {
        reason: "restricted volume types",
        detail: `${plural("volume", "volumes", bad.length)} ${joinQuote(names(bad))} ${plural("uses", "use", bad.length)} ${plural("restricted volume type", "restricted volume types", types.length)} ${joinQuote(types)}`,
    };
};

const allowPrivilegeEscalation: CheckPod = ({ spec }) => {
    const bad = containersOf(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false);
    return bad.length ? { reason: "allowPrivilegeEscalation != false", detail: `${containersPhrase(names(bad))} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
};

const runAsNonRoot: CheckPod = ({ spec }) => {
    const podValue = spec.securityContext?.runAsNonRoot;
    const explicit = names(containersOf(spec).filter((c) => c.securityContext?.runAsNonRoot === false));
    const who = setters(podValue === false, explicit);
    if (who.length) return { reason: "runAsNonRoot != true", detail: `${who.join(" and ")} must not set securityContext.runAsNonRoot=false` };
    const implicit = names(containersOf(spec).filter((c) => c.securityContext?.runAsNonRoot === undefined && podValue !== true));
    return implicit.length ? { reason: "runAsNonRoot != true", detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true` } : undefined;
};

const runAsUser: CheckPod = ({ spec }) => {
    const who = setters(spec.securityContext?.runAsUser === 0, names(containersOf(spec).filter((c) => c.securityContext?.runAsUser === 0)));
    return who.length ? { reason: "runAsUser=0", detail: `${who.join(" and ")} must not set runAsUser=0` } : undefined;
};

const seccompRestricted: CheckPod = ({ spec }) => {
    const { who, values } = seccompSetters(spec);
    if (who.length) return { reason: "seccompProfile", detail: `${who.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(values)}` };
    const podSet = spec.securityContext?.seccompProfile !== undefined;
    const implicit = names(containersOf(spec).filter((c) => c.securityContext?.seccompProfile === undefined && !podSet));
    return implicit.length
        ? { reason: "seccompProfile", detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` }
        : undefined;
};

const capabilitiesRestricted: CheckPod = ({ spec }) => {
    const containers = containersOf(spec);
    const missingDrop = names(containers.filter((c) => !(c.securityContext?.capabilities?.drop ?? []).includes("ALL")));
    const adding = containers.filter((c) => (c.securityContext?.capabilities?.add ?? []).some((cap) => cap !== "NET_BIND_SERVICE"));
    const details: string[] = [];
    if (missingDrop.length) details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (adding.length) {
        const caps = sorted(adding.flatMap((c) => c.securityContext!.capabilities!.add!.filter((cap) => cap !== "NET_BIND_SERVICE")));
        details.push(`${containersPhrase(names(adding))} must not include ${joinQuote(caps)} in securityContext.capabilities.add`);
    }
    return details.length ? { reason: "unrestricted capabilities", detail: details.join("; ") } : undefined;
};

/** Every default check with its version history (policy/check_*.go at v0.35.6). */
const CHECKS: readonly Check[] = [
    { id: "allowPrivilegeEscalation", level: "restricted", versions: [{ since: 8, check: allowPrivilegeEscalation }, { since: 25, check: unlessWindows(allowPrivilegeEscalation) }] },
    { id: "appArmorProfile", level: "baseline", versions: [{ since: 0, check: appArmorProfile }] },
    { id: "capabilities_baseline", level: "baseline", versions: [{ since: 0, check: capabilitiesBaseline }] },
    {
        id: "capabilities_restricted",
        level: "restricted",
        versions: [
            { since: 22, check: capabilitiesRestricted, overrides: ["capabilities_baseline"] },
            { since: 25, check: unlessWindows(capabilitiesRestricted), overrides: ["capabilities_baseline"] },
        ],
    },
    { id: "hostNamespaces", level: "baseline", versions: [{ since: 0, check: hostNamespaces }] },
    { id: "hostPathVolumes", level: "baseline", versions: [{ since: 0, check: hostPathVolumes }] },
    { id: "hostPorts", level: "baseline", versions: [{ since: 0, check: hostPorts }] },
    { id: "hostProbesAndHostLifecycle", level: "baseline", versions: [{ since: 34, check: hostProbesAndHostLifecycle }] },
    { id: "privileged", level: "baseline", versions: [{ since: 0, check: privileged }] },
    { id: "procMount", level: "baseline", versions: [{ since: 0, check: procMount }, { since: 35, check: unlessUserNamespace(procMount) }] },
    { id: "procMount_restricted", level: "restricted", versions: [{ since: 35, check: procMount, overrides: ["procMount"] }] },
    { id: "restrictedVolumes", level: "restricted", versions: [{ since: 0, check: restrictedVolumes, overrides: ["hostPathVolumes"] }] },
    { id: "runAsNonRoot", level: "restricted", versions: [{ since: 0, check: runAsNonRoot }, { since: 35, check: unlessUserNamespace(runAsNonRoot) }] },
    { id: "runAsUser", level: "restricted", versions: [{ since: 23, check: runAsUser }, { since: 35, check: unlessUserNamespace(runAsUser) }] },
    { id: "seLinuxOptions", level: "baseline", versions: [{ since: 0, check: seLinuxOptions(SELINUX_TYPES_1_0) }, { since: 31, check: seLinuxOptions(SELINUX_TYPES_1_31) }] },
    { id: "seccompProfile_baseline", level: "baseline", versions: [{ since: 0, check: seccompBaselineAnnotations }, { since: 19, check: seccompBaseline }] },
    {
        id: "seccompProfile_restricted",
        level: "restricted",
        versions: [
            { since: 19, check: seccompRestricted, overrides: ["seccompProfile_baseline"] },
            { since: 25, check: unlessWindows(seccompRestricted), overrides: ["seccompProfile_baseline"] },
        ],
    },
    { id: "sysctls", level: "baseline", versions: [{ since: 0, check: sysctls(SYSCTLS_1_0) }, { since: 27, check: sysctls(SYSCTLS_1_27) }, { since: 29, check: sysctls(SYSCTLS_1_29) }, { since: 32, check: sysctls(SYSCTLS_1_32) }] },
    { id: "windowsHostProcess", level: "baseline", versions: [{ since: 0, check: windowsHostProcess }] },
];

/** The implementation of `check` in force at policy version 1.`minor`, if the check exists yet. */
function versionAt(check: Check, minor: number): VersionedCheck | undefined {
    return [...check.versions].reverse().find((v) => v.since <= minor);
}

export interface CheckFailure {
    /** Upstream check id, e.g. `capabilities_baseline`. */
    check: string;
    /** Upstream's reason and detail, e.g. `non-default capabilities (container "c" must not include …)`. */
    detail: string;
}

/**
 * The checks a pod fails at `level` and policy version 1.`minor`: baseline
 * runs the baseline checks; restricted runs the restricted ones plus every
 * baseline check no restricted check overrides at that version (registry.go).
 */
export function checkPod(spec: PodSpec, annotations: Record<string, string>, level: Level, minor: number): CheckFailure[] {
    if (level === "privileged") return [];
    const active = CHECKS.map((c) => ({ c, v: versionAt(c, minor) })).filter((x): x is { c: Check; v: VersionedCheck } => x.v !== undefined);
    const restricted = active.filter((x) => x.c.level === "restricted");
    const overridden = new Set(restricted.flatMap((x) => x.v.overrides ?? []));
    const baseline = active.filter((x) => x.c.level === "baseline" && (level === "baseline" || !overridden.has(x.c.id)));
    const run = level === "baseline" ? baseline : [...baseline, ...restricted];
    return run.flatMap(({ c, v }) => {
        const refusal = v.check({ spec, annotations });
        return refusal ? [{ check: c.id, detail: refusal.detail ? `${refusal.reason} (${refusal.detail})` : refusal.reason }] : [];
    });
}

const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];
const VERSION = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** A namespace's enforce policy: level and policy version (minor of 1.x). */
export interface EnforcePolicy {
    level: Level;
    minor: number;
}

/**
 * The enforce policy a namespace's labels select (api/helpers.go
 * `PolicyToEvaluate`): no label → the cluster default; an invalid level →
 * restricted (fail closed); a missing or invalid version, or one newer than
 * the cluster's, → the cluster's own version ("latest").
 */
export function enforcePolicy(labels: Record<string, string> | undefined, clusterMinor: number, defaultLevel: Level = "privileged"): EnforcePolicy {
    const level = labels?.["pod-security.kubernetes.io/enforce"];
    const version = VERSION.exec(labels?.["pod-security.kubernetes.io/enforce-version"] ?? "");
    return {
        level: level === undefined ? defaultLevel : LEVELS.includes(level as Level) ? (level as Level) : "restricted",
        minor: version ? Math.min(Number(version[1]), clusterMinor) : clusterMinor,
    };
}

export interface PodSecurityFinding {
    /** `Kind name` of the workload. */
    object: string;
    namespace: string;
    level: Level;
    /** Policy version evaluated, e.g. `v1.35`. */
    version: string;
    check: string;
    detail: string;
    /** One line naming the pod, the namespace and the check. */
    message: string;
}

export interface PodSecurityOptions {
    /** The cluster's Kubernetes version (`1.35`): what "latest" means, and the newest policy the API server knows. */
    kubernetesVersion: string;
    /**
     * The enforce level of namespaces without the label. EKS configures the
     * PodSecurity plugin with the upstream default, `privileged`.
     */
    defaultLevel?: Level;
}

/**
 * Every refusal the PodSecurity admission plugin would give the pods of
 * `objects`' workloads, each pod checked in the namespace it lands in
 * (Namespaces among `objects` carry the labels; undeclared ones get the default).
 */
export function podSecurityFindings(objects: readonly KubernetesObject[], options: PodSecurityOptions): PodSecurityFinding[] {
    const clusterMinor = Number(options.kubernetesVersion.split(".")[1]);
    const labels = new Map(objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata?.name ?? "", o.metadata?.labels as Record<string, string> | undefined]));
    return objects.flatMap((obj) => {
        const workload = workloadOfObject(obj);
        if (!workload) return [];
        const namespace = obj.metadata?.namespace ?? "default";
        const policy = enforcePolicy(labels.get(namespace), clusterMinor, options.defaultLevel);
        const object = `${obj.kind} ${obj.metadata?.name ?? "(unnamed)"}`;
        const version = `v1.${policy.minor}`;
        return checkPod(workload.spec as PodSpec, workload.podAnnotations, policy.level, policy.minor).map((f) => ({
            object,
            namespace,
            level: policy.level,
            version,
            ...f,
            message: `${object} in namespace "${namespace}": refused by Pod Security "${policy.level}:${version}", check ${f.check}: ${f.detail}`,
        }));
    });
}

/**
 * Namespaces that run pods with a looser Pod Security level than their pods
 * need: no enforce label (the cluster default, privileged on EKS) or a label
 * looser than the strictest level every pod there passes. Each namespace is
 * held to the least privilege its own pods allow, so a new pod that needs more
 * is refused at admission instead of landing silently. `exempt` namespaces
 * are the cluster's own (kube-system: EKS manages it).
 */
export function namespaceLevelFindings(objects: readonly KubernetesObject[], options: PodSecurityOptions & { exempt: readonly string[] }): string[] {
    const clusterMinor = Number(options.kubernetesVersion.split(".")[1]);
    const labels = new Map(objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata?.name ?? "", o.metadata?.labels as Record<string, string> | undefined]));
    const strictest = new Map<string, Level>();
    for (const obj of objects) {
        const workload = workloadOfObject(obj);
        const namespace = obj.metadata?.namespace ?? "default";
        if (!workload || options.exempt.includes(namespace)) continue;
        const passes = [...LEVELS].reverse().find((level) => checkPod(workload.spec as PodSpec, workload.podAnnotations, level, clusterMinor).length === 0) ?? "privileged";
        const current = strictest.get(namespace);
        if (current === undefined || LEVELS.indexOf(passes) < LEVELS.indexOf(current)) strictest.set(namespace, passes);
    }
    return [...strictest].flatMap(([namespace, level]) => {
        const declared = labels.get(namespace)?.["pod-security.kubernetes.io/enforce"];
        if (declared === undefined) return [`namespace "${namespace}" declares no Pod Security enforce level (the cluster default, privileged, applies); its pods pass "${level}"`];
        return declared === level ? [] : [`namespace "${namespace}" enforces "${declared}", but the strictest level all its pods pass is "${level}"`];
    });
}

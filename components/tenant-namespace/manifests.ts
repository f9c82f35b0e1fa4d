/**
 * Pure renderers of a tenant's Kubernetes objects: its namespace and the
 * fences around it, the RBAC its IAM principals get, and the Job that keeps
 * its gateway team in step. No Pulumi inside, and no secret value ever: the
 * Job reads the master key through a secretKeyRef.
 */
import { createHash } from "crypto";
import { GPU_QUOTA_LABEL, GPU_RESOURCE, PLATFORM_MANAGED_LABEL, TENANT_GROUP_PREFIX } from "../gpu-cluster";
import type { KubernetesObject } from "../internal/k8s-object";
import { litellmAdminContainer, litellmAdminPodSpec, litellmAdminScript, RERUN_WHEN_FAILED } from "../internal/litellm-admin";
import { namespacePeer, networkPolicy as policyObject, POD_IDENTITY_AGENT_EGRESS, tcp, TENANT_NAMESPACE_LABEL } from "../internal/network-policy";
import { KUBERNETES_VERSIONS } from "../internal/versions";
import { PROMETHEUS_PEER } from "../observability-stack/network-policies";
import type { GatewayConnection, ResolvedTenant, TenantAccess } from "./args";

export const TENANT_LABEL = TENANT_NAMESPACE_LABEL;
/** On the namespace and everything the platform creates in it: the cluster's protect-platform-objects policy keeps tenants from changing those. */
export const MANAGED_LABEL = PLATFORM_MANAGED_LABEL;
/** Comma-separated GPU pools the namespace's GPU quota draws on (read by the stack policies). */
export const GPU_POOLS_LABEL = "genai-platform.io/gpu-pools";
/** The Secret in the tenant's namespace that receives the team's gateway key. */
export const KEY_SECRET_NAME = "llm-gateway-key";
/** Keys of that Secret. */
export const KEY_SECRET_KEYS = { apiKey: "api-key", baseUrl: "base-url" } as const;
export const KEY_WRITER_ROLE = "llm-gateway-key-writer";
export const TEAM_SYNC_BACKOFF_LIMIT = 3;
/** How long one sync may run, all retries included. */
export const TEAM_SYNC_DEADLINE_SECONDS = 900;
/** The Pod Security Standard version tenant namespaces are held to. */
export const POD_SECURITY_VERSION = `v${KUBERNETES_VERSIONS.default}`;
const RBAC_GROUP = "rbac.authorization.k8s.io";

/** Kinds EKS access policies do not cover but tenants manage: KEDA autoscaling and Prometheus scraping. */
const EXTRA_RESOURCES = [
    { apiGroups: ["keda.sh"], resources: ["scaledobjects", "scaledjobs", "triggerauthentications"] },
    { apiGroups: ["monitoring.coreos.com"], resources: ["servicemonitors", "podmonitors", "prometheusrules"] },
];
const VERBS: Readonly<Record<TenantAccess, string[]>> = {
    edit: ["get", "list", "watch", "create", "update", "patch", "delete"],
    view: ["get", "list", "watch"],
};

/** The Kubernetes group an access entry puts a tenant principal in (never `system:`-prefixed, which EKS rejects). */
export function accessGroup(tenant: string, access: TenantAccess): string {
    return `${TENANT_GROUP_PREFIX}${tenant}:${access}`;
}

/** The key's alias in the gateway: one key per tenant, found again by this alias. */
export function keyAlias(tenant: string): string {
    return `genai-platform/${tenant}`;
}

export function teamSyncServiceAccount(tenant: string): string {
    return `team-sync-${tenant}`;
}

/** The gateway's base URL inside the cluster. */
export function gatewayUrl(g: GatewayConnection): string {
    return `http://${g.serviceName}.${g.namespace}.svc.cluster.local:${g.port}`;
}

export function tenantLabels(t: ResolvedTenant): Record<string, string> {
    return { [TENANT_LABEL]: t.name, "app.kubernetes.io/part-of": "genai-platform", "app.kubernetes.io/managed-by": "pulumi" };
}

function metadata(t: ResolvedTenant, name: string, namespace = t.name) {
    return { name, namespace, labels: { ...tenantLabels(t), [MANAGED_LABEL]: "true" } };
}

/**
 * The namespace, labelled for Pod Security Admission (restricted) and for the
 * cluster's Kyverno policies: GPU pods are admitted only where the GPU quota
 * label is, so it is set only when the tenant has GPUs. Its value is the
 * ResourceQuota's, in advertised nvidia.com/gpu.
 */
export function renderNamespace(t: ResolvedTenant): KubernetesObject {
    const labels: Record<string, string> = { ...tenantLabels(t), [MANAGED_LABEL]: "true" };
    for (const mode of ["enforce", "audit", "warn"]) {
        labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
        labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    if (t.gpuQuota > 0) labels[GPU_QUOTA_LABEL] = String(t.gpuQuotaAdvertised);
    if (t.gpuPools.length > 0) labels[GPU_POOLS_LABEL] = t.gpuPools.join(",");
    return { apiVersion: "v1", kind: "Namespace", metadata: { name: t.name, labels } };
}

/**
 * Hard limits on what the namespace may hold. The GPU line is left out only
 * when the tenant may use no pool: then Kyverno already refuses its GPU pods,
 * and a GPU quota tied to no pool could not be checked against pool limits.
 */
export function renderResourceQuota(t: ResolvedTenant): KubernetesObject {
    const q = t.quota;
    const hard: Record<string, string> = {
        "requests.cpu": q.cpuRequests,
        "limits.cpu": q.cpuLimits,
        "requests.memory": q.memoryRequests,
        "limits.memory": q.memoryLimits,
        // Pods request advertised units (time-slicing replicas, MIG slices), which is what the quota counts.
        ...(t.gpuPools.length > 0 ? { [`requests.${GPU_RESOURCE}`]: String(t.gpuQuotaAdvertised) } : {}),
        pods: String(q.pods),
        services: String(q.services),
        persistentvolumeclaims: String(q.persistentVolumeClaims),
        "requests.storage": q.storage,
    };
    return { apiVersion: "v1", kind: "ResourceQuota", metadata: metadata(t, "tenant-quota"), spec: { hard } };
}

/** Requests and limits for containers that declare none, so the quota can admit them. */
export function renderLimitRange(t: ResolvedTenant): KubernetesObject {
    const d = t.containerDefaults;
    return {
        apiVersion: "v1",
        kind: "LimitRange",
        metadata: metadata(t, "container-defaults"),
        spec: {
            limits: [{ type: "Container", defaultRequest: { cpu: d.cpuRequest, memory: d.memoryRequest }, default: { cpu: d.cpuLimit, memory: d.memoryLimit } }],
        },
    };
}

const networkPolicy = (t: ResolvedTenant, name: string, spec: Record<string, unknown>) => policyObject(metadata(t, name), spec);

/**
 * Default deny in both directions, then exactly what a tenant needs: DNS,
 * the gateway (and the gateway calling the tenant's model endpoints), the
 * EKS Pod Identity agent, the platform's Prometheus scraping its metrics
 * ports (KEDA scales its endpoints on them), its own pods, and the listed
 * ingress sources and egress CIDRs.
 */
export function renderNetworkPolicies(t: ResolvedTenant, g: GatewayConnection): KubernetesObject[] {
    const gatewayPeer = namespacePeer(g.namespace, g.podLabels);
    const policies = [
        networkPolicy(t, "default-deny", { policyTypes: ["Ingress", "Egress"] }),
        networkPolicy(t, "allow-dns", {
            policyTypes: ["Egress"],
            egress: [{ to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
        }),
        networkPolicy(t, "allow-to-gateway", { policyTypes: ["Egress"], egress: [{ to: [gatewayPeer], ports: tcp([g.port]) }] }),
        networkPolicy(t, "allow-to-pod-identity-agent", { policyTypes: ["Egress"], egress: [POD_IDENTITY_AGENT_EGRESS] }),
        networkPolicy(t, "allow-same-namespace", {
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: {} }] }],
            egress: [{ to: [{ podSelector: {} }] }],
        }),
    ];
    // An ingress rule without ports would open every port: render these only with some.
    if (t.gatewayIngressPorts.length > 0) {
        policies.push(networkPolicy(t, "allow-from-gateway", { policyTypes: ["Ingress"], ingress: [{ from: [gatewayPeer], ports: tcp(t.gatewayIngressPorts) }] }));
    }
    if (t.metricsPorts.length > 0) {
        policies.push(networkPolicy(t, "allow-from-prometheus", { policyTypes: ["Ingress"], ingress: [{ from: [PROMETHEUS_PEER], ports: tcp(t.metricsPorts) }] }));
    }
    if (t.allowIngressFrom.length > 0) {
        policies.push(networkPolicy(t, "allow-ingress-sources", {
            policyTypes: ["Ingress"],
            ingress: [{ from: t.allowIngressFrom.map((s) => namespacePeer(s.namespace, s.podLabels)) }],
        }));
    }
    if (t.egress.length > 0) {
        policies.push(networkPolicy(t, "allow-egress-cidrs", {
            policyTypes: ["Egress"],
            egress: t.egress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: tcp(e.ports) })),
        }));
    }
    return policies;
}

/**
 * A Role and RoleBinding per access level in use, bound to the group the
 * access entries put principals in: the kinds the EKS access policies lack.
 */
export function renderAccessRbac(t: ResolvedTenant): KubernetesObject[] {
    const levels = [...new Set(t.principals.map((p) => p.access))].sort();
    return levels.flatMap((access) => {
        const name = `tenant-${access}-extras`;
        return [
            { apiVersion: `${RBAC_GROUP}/v1`, kind: "Role", metadata: metadata(t, name), rules: EXTRA_RESOURCES.map((r) => ({ ...r, verbs: VERBS[access] })) },
            {
                apiVersion: `${RBAC_GROUP}/v1`,
                kind: "RoleBinding",
                metadata: metadata(t, name),
                roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name },
                subjects: [{ kind: "Group", name: accessGroup(t.name, access), apiGroup: RBAC_GROUP }],
            },
        ];
    });
}

/**
 * The Secret the team-sync Job fills with the tenant's gateway key. Created
 * empty here so the Job needs no `create` right: RBAC cannot limit `create`
 * to one name, so granting it would let the Job create any Secret.
 */
export function renderKeySecret(t: ResolvedTenant, g: GatewayConnection): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { ...metadata(t, KEY_SECRET_NAME), annotations: { "genai-platform.io/written-by": `Job team-sync-${t.name}-* in namespace ${g.namespace}` } },
        type: "Opaque",
    };
}

/** Lets the gateway-side Job's ServiceAccount read and patch that one Secret, nothing else. */
export function renderKeyWriterRbac(t: ResolvedTenant, g: GatewayConnection): KubernetesObject[] {
    return [
        {
            apiVersion: `${RBAC_GROUP}/v1`,
            kind: "Role",
            metadata: metadata(t, KEY_WRITER_ROLE),
            rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [KEY_SECRET_NAME], verbs: ["get", "patch"] }],
        },
        {
            apiVersion: `${RBAC_GROUP}/v1`,
            kind: "RoleBinding",
            metadata: metadata(t, KEY_WRITER_ROLE),
            roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name: KEY_WRITER_ROLE },
            subjects: [{ kind: "ServiceAccount", name: teamSyncServiceAccount(t.name), namespace: g.namespace }],
        },
    ];
}

/** The Job's identity in the gateway's namespace; the token is mounted only into the Job's pod. */
export function renderTeamSyncServiceAccount(t: ResolvedTenant, g: GatewayConnection): KubernetesObject {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata(t, teamSyncServiceAccount(t.name), g.namespace), automountServiceAccountToken: false };
}

/**
 * LiteLLM `/team/new` and `/team/update` body, without `budget_duration`: unset
 * limits sent as null so removing one clears it. The script adds
 * `budget_duration` (env `BUDGET_DURATION`) only to create the team or to change
 * its period, because LiteLLM restarts the budget window whenever a request
 * carries one (BerriAI/litellm litellm/proxy/management_endpoints/team_endpoints.py,
 * `update_team`: "Check budget_duration and budget_reset_at": any
 * `budget_duration` sets `budget_reset_at` to the next reset from now).
 */
export function teamRequest(t: ResolvedTenant): Record<string, unknown> {
    return {
        team_id: t.name,
        team_alias: t.name,
        max_budget: t.team.maxBudgetUsd,
        tpm_limit: t.team.tpm ?? null,
        rpm_limit: t.team.rpm ?? null,
        models: t.team.models,
        // Always sent, so removing the last alias clears the team's (update_team replaces the map).
        model_aliases: t.team.modelAliases,
        metadata: { "managed-by": "genai-platform", namespace: t.name },
    };
}

/** LiteLLM `/key/generate` body: the key inherits the team's budget, limits and models. */
export function keyRequest(t: ResolvedTenant): Record<string, unknown> {
    return { team_id: t.name, key_alias: keyAlias(t.name), metadata: { "managed-by": "genai-platform", namespace: t.name } };
}

/**
 * Upserts the team and makes the tenant's Secret hold a working key (see
 * internal/litellm-admin.ts for what every admin script does and never does).
 */
export const TEAM_SYNC_SCRIPT = litellmAdminScript("team-sync", String.raw`SA=/var/run/secrets/kubernetes.io/serviceaccount
SECRET_URL="https://kubernetes.default.svc/api/v1/namespaces/$TENANT_NAMESPACE/secrets/$KEY_SECRET_NAME"
printf 'Authorization: Bearer %s\n' "$(cat "$SA/token")" > /tmp/kube.h
# kube ARGS...: calls the Kubernetes API with the Job's token; body in /tmp/out; prints the HTTP status.
kube() { curl -sS -o /tmp/out -w '%{http_code}' --cacert "$SA/ca.crt" -H @/tmp/kube.h "$@"; }

# The team's body with its budget period: only to create the team or change the period (see teamRequest).
with_period() { printf '%s' "$TEAM_JSON" | sed "s/^{/{\"budget_duration\":\"$BUDGET_DURATION\",/"; }

# Read the team. In /team/info's answer (team_id, team_info, keys, team_memberships) the first
# budget_duration is the team's own: keys and member budgets, which carry theirs, come after it.
code=$(admin_get "/team/info?team_id=$TEAM_ID")
case "$code" in
  200)
    current=$(grep -oE '"budget_duration"[[:space:]]*:[[:space:]]*("[^"]*"|null)' /tmp/out | head -n 1 | sed 's/.*:[[:space:]]*//; s/"//g')
    if [ "$current" = "$BUDGET_DURATION" ]; then
      code=$(printf '%s' "$TEAM_JSON" | admin /team/update)
    else
      echo "team-sync: budget period of team $TEAM_ID: '$current' -> $BUDGET_DURATION (restarts its budget window)"
      code=$(with_period | admin /team/update)
    fi ;;
  404)
    # Create it; if a concurrent run just did, update it as that run left it.
    code=$(with_period | admin /team/new)
    if [ "$code" = 400 ] && grep -q 'already exists' /tmp/out; then
      code=$(printf '%s' "$TEAM_JSON" | admin /team/update)
    fi ;;
  *) fail "reading team $TEAM_ID: HTTP $code" ;;
esac
[ "$code" = 200 ] || fail "upserting team $TEAM_ID: HTTP $code"
echo "team-sync: team $TEAM_ID is up to date"

# Reuse the key the Secret holds while the gateway still knows it as this team's key.
code=$(kube "$SECRET_URL")
[ "$code" = 200 ] || fail "reading Secret $TENANT_NAMESPACE/$KEY_SECRET_NAME: HTTP $code"
key=$(sed -n 's|.*"api-key"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9+/=]*\)".*|\1|p' /tmp/out | head -n 1 | base64 -d 2>/dev/null || true)
: > /tmp/out
case "$key" in sk-*[!A-Za-z0-9_-]*) key="" ;; sk-?*) ;; *) key="" ;; esac
if [ -n "$key" ]; then
  printf 'Authorization: Bearer %s\n' "$key" > /tmp/key.h
  code=$(curl -sS -o /tmp/out -w '%{http_code}' -H @/tmp/key.h "$GATEWAY_URL/key/info")
  case "$code" in
    200)
      grep -Eq "\"key_alias\"[[:space:]]*:[[:space:]]*\"$KEY_ALIAS\"" /tmp/out &&
        grep -Eq "\"team_id\"[[:space:]]*:[[:space:]]*\"$TEAM_ID\"" /tmp/out || key="" ;;
    401|403|404) key="" ;;
    *) echo "team-sync: could not check the existing key (HTTP $code); keeping it" >&2 ;;
  esac
fi

if [ -z "$key" ]; then
  # The gateway never shows a key's value again: a key under this alias whose value is lost is retired.
  printf '{"key_aliases":["%s"]}' "$KEY_ALIAS" | admin /key/delete > /dev/null || true
  code=$(printf '%s' "$KEY_JSON" | admin /key/generate)
  [ "$code" = 200 ] || fail "generating key $KEY_ALIAS: HTTP $code"
  key=$(sed -n 's/.*"key"[[:space:]]*:[[:space:]]*"\(sk-[A-Za-z0-9_-]*\)".*/\1/p' /tmp/out | head -n 1)
  : > /tmp/out
  [ -n "$key" ] || fail "the gateway returned no key for $KEY_ALIAS"
  echo "team-sync: generated key $KEY_ALIAS"
else
  echo "team-sync: reusing key $KEY_ALIAS"
fi

code=$(printf '{"stringData":{"api-key":"%s","base-url":"%s"}}' "$key" "$GATEWAY_URL" |
  kube -X PATCH -H 'Content-Type: application/merge-patch+json' --data-binary @- "$SECRET_URL")
[ "$code" = 200 ] || fail "writing Secret $TENANT_NAMESPACE/$KEY_SECRET_NAME: HTTP $code"
: > /tmp/out
echo "team-sync: Secret $TENANT_NAMESPACE/$KEY_SECRET_NAME holds the team's key"
`);

function teamSyncContainer(t: ResolvedTenant, g: GatewayConnection) {
    return litellmAdminContainer("team-sync", TEAM_SYNC_SCRIPT, [
        { name: "GATEWAY_URL", value: gatewayUrl(g) },
        { name: "TEAM_ID", value: t.name },
        { name: "TEAM_JSON", value: JSON.stringify(teamRequest(t)) },
        { name: "BUDGET_DURATION", value: t.team.budgetDuration },
        { name: "KEY_ALIAS", value: keyAlias(t.name) },
        { name: "KEY_JSON", value: JSON.stringify(keyRequest(t)) },
        { name: "TENANT_NAMESPACE", value: t.name },
        { name: "KEY_SECRET_NAME", value: KEY_SECRET_NAME },
        { name: "LITELLM_MASTER_KEY", valueFrom: { secretKeyRef: { name: g.masterKeySecret.name, key: g.masterKeySecret.key } } },
    ]);
}

/**
 * The team-sync Job, in the gateway's namespace (where the master key Secret
 * is). When it runs:
 * - Its name ends in a hash of everything it does, so the same desired state
 *   renders the same Job (no diff, no run), and any change to the team
 *   (budget, limits, models) or to the Job is a new Job that runs.
 * - A failed run is re-run by the next `up` (`RERUN_WHEN_FAILED`), so finished
 *   Jobs are kept: the next change replaces it; one Job per tenant remains, with its logs.
 */
export function renderTeamSyncJob(t: ResolvedTenant, g: GatewayConnection): KubernetesObject {
    const container = teamSyncContainer(t, g);
    const podSpec = litellmAdminPodSpec(container, { serviceAccountName: teamSyncServiceAccount(t.name), automountServiceAccountToken: true });
    const hash = createHash("sha256").update(JSON.stringify(podSpec)).digest("hex").slice(0, 8);
    const labels = { ...tenantLabels(t), "app.kubernetes.io/name": "team-sync" };
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: `team-sync-${t.name}-${hash}`, namespace: g.namespace, labels, annotations: { ...RERUN_WHEN_FAILED } },
        spec: {
            backoffLimit: TEAM_SYNC_BACKOFF_LIMIT,
            activeDeadlineSeconds: TEAM_SYNC_DEADLINE_SECONDS,
            template: { metadata: { labels }, spec: podSpec },
        },
    };
}

/**
 * Pure renderers of a multi-node endpoint (`nodes` ≥ 2): one LeaderWorkerSet
 * whose every group is one replica of the model — `nodes` pods, one per node,
 * vLLM over Ray — and the NetworkPolicy that lets a group's pods reach each
 * other. No Pulumi inside.
 *
 * Upstream: kubernetes-sigs/lws v0.10.0 (CRD config/crd/bases, example
 * docs/examples/vllm/GPU/lws.yaml); vLLM's multi-node recipe
 * (vllm-project/vllm examples/ray_serving/multi-node-serving.sh and
 * docs/deployment/frameworks/lws.md): the leader starts the Ray head and waits
 * for the group, then serves; workers join the head at `$(LWS_LEADER_ADDRESS)`.
 * The recipe is restated here in a few lines rather than calling the script,
 * whose path in the image moved between vLLM releases.
 */
import type { KubernetesObject } from "../internal/k8s-object";
import type { ResolvedModelEndpointArgs } from "./args";
import {
    container,
    env,
    groupSetName,
    labels,
    LWS_API_VERSION,
    LWS_NAME_LABEL,
    podSpec,
    selectorLabels,
} from "./manifests";

/** The Ray head's GCS port (Ray's default, the one multi-node-serving.sh uses). */
export const RAY_PORT = 6379;
/** The controller's per-group label, the same value on every pod of a group (pkg/controllers/pod_controller.go worker labels; pkg/webhooks/pod_webhook.go on the leader). */
export const LWS_GROUP_KEY_LABEL = "leaderworkerset.sigs.k8s.io/group-key";
/** The pod interface of the VPC CNI: NCCL's and Gloo's bootstrap sockets bind to it. */
const POD_INTERFACE = "eth0";

/**
 * Leader: start the Ray head, wait until all `$LWS_GROUP_SIZE` nodes of the
 * group have joined, then `exec vllm serve "$@"` (the args are vllmArgs). The
 * wait keeps vLLM from creating its placement group before the workers' GPUs exist.
 */
export const LEADER_SCRIPT = [
    "set -eu",
    `ray start --head --port=${RAY_PORT} --disable-usage-stats --include-dashboard=false`,
    "until python3 -c 'import ray, sys; ray.init(address=\"auto\", logging_level=\"ERROR\"); sys.exit(sum(n[\"Alive\"] for n in ray.nodes()) < int(sys.argv[1]))' \"$LWS_GROUP_SIZE\"; do",
    "  echo \"waiting for the group's $LWS_GROUP_SIZE Ray nodes\"; sleep 5",
    "done",
    "exec vllm serve \"$@\"",
].join("\n");

/**
 * Worker: wait until the leader's Ray head answers, then join it and block.
 * If Ray exits afterwards the container exits, and RecreateGroupOnPodRestart
 * restarts the whole group (a pipeline stage cannot be replaced alone).
 */
export const WORKER_SCRIPT = [
    "set -eu",
    `until ray health-check --address "$LWS_LEADER_ADDRESS:${RAY_PORT}" >/dev/null 2>&1; do sleep 5; done`,
    `exec ray start --address="$LWS_LEADER_ADDRESS:${RAY_PORT}" --block --disable-usage-stats`,
].join("\n");

/**
 * NCCL, Gloo and libfabric settings of a group's pods.
 * - `VLLM_HOST_IP`: the pod's address, which vLLM advertises to the other
 *   ranks (vLLM docs, serving/parallelism_scaling.md).
 * - `NCCL_SOCKET_IFNAME` / `GLOO_SOCKET_IFNAME`: bootstrap and fallback
 *   sockets on the pod interface (vLLM docs, distributed_troubleshooting.md).
 * - With EFA: `FI_PROVIDER=efa` (libfabric picks the EFA provider) and
 *   `FI_EFA_USE_DEVICE_RDMA=1` (GPUDirect RDMA; every EFA family recorded in
 *   gpu-instances.ts supports RDMA read) — AWS EC2 User Guide, "Get started
 *   with EFA and NCCL for ML workloads" and aws-ofi-nccl's documented settings.
 */
export function distributedEnv(r: ResolvedModelEndpointArgs) {
    return [
        { name: "VLLM_HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "NCCL_SOCKET_IFNAME", value: POD_INTERFACE },
        { name: "GLOO_SOCKET_IFNAME", value: POD_INTERFACE },
        { name: "RAY_USAGE_STATS_ENABLED", value: "0" },
        ...(r.efaInterfaces ? [{ name: "FI_PROVIDER", value: "efa" }, { name: "FI_EFA_USE_DEVICE_RDMA", value: "1" }] : []),
    ];
}

/**
 * All pods of a group in one zone: a required pod affinity to the set's pods
 * with the same group key (`matchLabelKeys`, GA in Kubernetes 1.33), on
 * `topology.kubernetes.io/zone`. LWS v0.10.0's own
 * `leaderworkerset.sigs.k8s.io/exclusive-topology` annotation is not used: it
 * also adds anti-affinity against every other group
 * (pkg/webhooks/pod_webhook.go SetExclusiveAffinities), i.e. one group per
 * zone, which would cap the replicas at the zone count.
 */
export function groupZoneAffinity(r: ResolvedModelEndpointArgs) {
    return {
        podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{
                labelSelector: { matchLabels: { [LWS_NAME_LABEL]: groupSetName(r) } },
                matchLabelKeys: [LWS_GROUP_KEY_LABEL],
                topologyKey: "topology.kubernetes.io/zone",
            }],
        },
    };
}

function groupPod(r: ResolvedModelEndpointArgs, role: "leader" | "worker") {
    const base = container(r);
    const { startupProbe, readinessProbe, livenessProbe, lifecycle, args, ports, ...rest } = base;
    const shared = { ...rest, env: [...env(r), ...distributedEnv(r)], command: ["/bin/sh", "-c"] };
    const serving = role === "leader"
        // "$0" is the script's name; "$@" are vLLM's args, kept as the container's args so they stay inspectable.
        ? { ...shared, name: "vllm-leader", args: [LEADER_SCRIPT, "vllm-leader", ...args], ports, startupProbe, readinessProbe, livenessProbe, lifecycle }
        // Workers serve nothing over HTTP: no ports, no probes (readiness is the leader's /health alone).
        : { ...shared, name: "vllm-worker", args: [WORKER_SCRIPT] };
    return {
        metadata: { labels: labels(r) },
        spec: { ...podSpec(r), affinity: groupZoneAffinity(r), containers: [serving] },
    };
}

/**
 * The LeaderWorkerSet: group size = nodes; a pod restart recreates its group;
 * rolling updates replace one group at a time with no surge (a surge group
 * would be `nodes` more GPU nodes). No `replicas`: KEDA owns them through the
 * scale subresource, as it owns a Deployment's.
 */
export function renderLeaderWorkerSet(r: ResolvedModelEndpointArgs): KubernetesObject {
    return {
        apiVersion: LWS_API_VERSION,
        kind: "LeaderWorkerSet",
        metadata: { name: groupSetName(r), namespace: r.namespace, labels: labels(r) },
        spec: {
            startupPolicy: "LeaderCreated",
            rolloutStrategy: { type: "RollingUpdate", rollingUpdateConfiguration: { maxUnavailable: 1, maxSurge: 0 } },
            networkConfig: { subdomainPolicy: "Shared" },
            leaderWorkerTemplate: {
                size: r.nodes,
                restartPolicy: "RecreateGroupOnPodRestart",
                leaderTemplate: groupPod(r, "leader"),
                workerTemplate: groupPod(r, "worker"),
            },
        },
    };
}

/**
 * Ray (GCS, raylets, object managers, workers on ports Ray picks) and NCCL's
 * bootstrap use arbitrary TCP ports between the pods of a group, so a group's
 * pods admit each other on every port; nothing else gains access. (EFA
 * traffic bypasses the kernel and is governed by the EFA security group, not
 * by NetworkPolicy.)
 */
export function renderGroupNetworkPolicy(r: ResolvedModelEndpointArgs): KubernetesObject {
    const group = { matchLabels: { ...selectorLabels(r), [LWS_NAME_LABEL]: groupSetName(r) } };
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `${r.name}-group`, namespace: r.namespace, labels: labels(r) },
        spec: { podSelector: group, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: group }] }] },
    };
}

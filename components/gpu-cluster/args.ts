import { DEPLOYER_CIDRS_RULE, PRIVATE_ONLY_RULE } from "../../policies/lib/eks-endpoint";
import { Architecture, ARCHITECTURES, instanceArchitecture } from "../internal/architecture";
import { checkNodeLabels } from "../internal/labels";
import { MAX_GP3_GIB, maxPoolGpus } from "../internal/limits";
import { checkAllowList, isCidr } from "../internal/cidr";
import { Problems } from "../internal/errors";
import { GPU_FAMILIES, GPU_NAMES, GpuSharingMode, migProfileName, poolEfaInterfaces, poolFamilies } from "../internal/gpu-instances";
import { checkDnsLabel, checkUnique, COMPONENT_NAME_MAX } from "../internal/naming";
import { checkPrincipalArn, checkPrincipalArns } from "../internal/principal-arn";
import { isAwsAccountId, isInt, isKarpenterBudgetDuration, isKarpenterDuration } from "../internal/validators";
import { KUBERNETES_VERSIONS } from "../internal/versions";

// Still exported here: TenantNamespace and library users import it through the gpu-cluster barrel.
export { isCidr };

// Enums as named `as const` objects: the stack config schema derives its
// enums from them (stacks/config.ts), so the two cannot drift.

/** Capacity Karpenter may buy (`karpenter.sh/capacity-type`). */
export const CapacityType = { Spot: "spot", OnDemand: "on-demand", Reserved: "reserved" } as const;
export type CapacityType = (typeof CapacityType)[keyof typeof CapacityType];
export const CAPACITY_TYPES: readonly CapacityType[] = Object.values(CapacityType);

/** Capacity the platform's CPU pool may buy (no reservations). */
export const PlatformCapacityType = { Spot: CapacityType.Spot, OnDemand: CapacityType.OnDemand } as const;
export type PlatformCapacityType = (typeof PlatformCapacityType)[keyof typeof PlatformCapacityType];

/** Karpenter NodePool `disruption.consolidationPolicy` (v1.14.1). */
export const ConsolidationPolicy = { WhenEmpty: "WhenEmpty", WhenEmptyOrUnderutilized: "WhenEmptyOrUnderutilized", Balanced: "Balanced" } as const;
export type ConsolidationPolicy = (typeof ConsolidationPolicy)[keyof typeof ConsolidationPolicy];
export const CONSOLIDATION_POLICIES: readonly ConsolidationPolicy[] = Object.values(ConsolidationPolicy);

/** Node OS of a GPU pool. */
export const AmiFamily = { Al2023: "al2023", Bottlerocket: "bottlerocket" } as const;
export type AmiFamily = (typeof AmiFamily)[keyof typeof AmiFamily];
export const AMI_FAMILIES: readonly AmiFamily[] = Object.values(AmiFamily);

/** Self-managed Karpenter and GPU Operator, or EKS Auto Mode. */
export const ClusterMode = { Karpenter: "karpenter", Auto: "auto" } as const;
export type ClusterMode = (typeof ClusterMode)[keyof typeof ClusterMode];

/** One NAT gateway, or one per zone. */
export const NatGateways = { Single: "single", PerZone: "perZone" } as const;
export type NatGateways = (typeof NatGateways)[keyof typeof NatGateways];

/** Kyverno's `validationActions`: report or deny. */
export const KyvernoEnforcement = { Audit: "Audit", Enforce: "Enforce" } as const;
export type KyvernoEnforcement = (typeof KyvernoEnforcement)[keyof typeof KyvernoEnforcement];

/** How a pool's GPUs are shared between pods. */
export type GpuSharing =
    /** Each physical GPU is advertised `replicas` times; pods share it without memory isolation. */
    | { mode: typeof GpuSharingMode.TimeSlicing; replicas: number }
    /**
     * Every GPU is split into identical MIG slices (a uniform `all-<slice>`
     * profile of the GPU Operator's MIG manager, e.g. `all-1g.10gb`), exposed
     * as `nvidia.com/gpu` under the `single` MIG strategy.
     */
    | { mode: typeof GpuSharingMode.Mig; profile: string };

/**
 * One term selecting EC2 capacity reservations (Karpenter EC2NodeClass
 * `capacityReservationSelectorTerms`): a reservation id, or tags (optionally
 * of reservations another account shares, `ownerId`).
 */
export type CapacityReservationSelector = { id: string } | { tags: Record<string, string>; ownerId?: string };

/** Keeps busy GPU nodes from voluntary disruption during working hours. */
export interface BusinessHoursProtection {
    /** Cron schedule (UTC) at which protection starts. Default `"0 7 * * mon-fri"`. */
    schedule?: string;
    /** How long protection lasts from each start. Default `"12h"`. */
    duration?: string;
}

/** One GPU node pool: one Karpenter EC2NodeClass and one NodePool. */
export interface GpuPoolArgs {
    /** Pool name, a DNS-1123 label; names the NodePool and EC2NodeClass and labels its nodes. */
    name: string;
    /** EC2 instance families, e.g. `["g6", "g6e"]`. At least one of this or `gpuNames`. */
    instanceFamilies?: string[];
    /** GPU models (Karpenter `instance-gpu-name`), e.g. `["l4", "a10g"]`. At least one of this or `instanceFamilies`. */
    gpuNames?: string[];
    /**
     * Capacity types Karpenter may buy, in no order. Default `["on-demand"]`.
     * `"reserved"` needs `capacityReservations` (Karpenter launches reserved
     * capacity only from the reservations its EC2NodeClass selects).
     */
    capacityTypes?: CapacityType[];
    /** EC2 capacity reservations (ODCRs, Capacity Blocks) the pool may launch into. Required with `"reserved"`, refused without it. Default none. */
    capacityReservations?: CapacityReservationSelector[];
    /**
     * Most GPUs the pool may hold at once, in **physical GPUs**. Required: it
     * bounds spend. Shared pools advertise more `nvidia.com/gpu` than they have
     * GPUs (time-slicing: × replicas; MIG: × slices per GPU), and Karpenter
     * counts the advertised number against the NodePool limit once a node is
     * initialised, so the NodePool's limit is rendered as gpuLimit × that factor.
     */
    gpuLimit: number;
    /** Node OS. Default `"al2023"`; both resolve to the NVIDIA-accelerated AMI variant. */
    amiFamily?: AmiFamily;
    /** Default `"WhenEmpty"`: model servers start slowly, so only empty GPU nodes are reclaimed. */
    consolidationPolicy?: ConsolidationPolicy;
    /** How long a node stays empty/underused before consolidation. Default `"10m"`. */
    consolidateAfter?: string;
    /** Nodes (count or percentage) that may be disrupted at once. Default `"10%"`. */
    disruptionBudget?: string;
    /** Block voluntary disruption of non-empty nodes in working hours. Default: off. */
    protectBusinessHours?: boolean | BusinessHoursProtection;
    /**
     * Node lifetime before replacement (picks up new AMIs). Default `"720h"`.
     * Expiry is forceful: Karpenter drains an expired node whatever the
     * disruption budgets say (Karpenter v1.14 docs, concepts/disruption
     * "Expiration"), only PodDisruptionBudgets slow the drain. Endpoints that
     * must keep serving therefore run ≥ 2 replicas in production (ModelEndpoint `production`).
     */
    expireAfter?: string;
    /** Disk for container images and model files, GiB, gp3 encrypted. Default 500. */
    volumeGiB?: number;
    /** Extra node labels. */
    labels?: Record<string, string>;
    /** Optional GPU sharing. Default: none (one pod per GPU). */
    sharing?: GpuSharing;
    /** Karpenter NodePool weight; higher is tried first. Default: unset. */
    weight?: number;
}

export interface NetworkArgs {
    /** VPC CIDR. Default `"10.0.0.0/16"`. */
    vpcCidr?: string;
    /** Availability zones to span, 2 or 3. Default 3. */
    availabilityZoneCount?: number;
    /** One NAT gateway (`"single"`, cheaper) or one per zone (`"perZone"`, zone-fault tolerant). Default `"perZone"`. */
    natGateways?: NatGateways;
}

/**
 * The EKS API endpoint. The program that creates the cluster's VPC installs
 * every Helm release and Kubernetes object through this endpoint from
 * wherever `pulumi up` runs, so the endpoint is private (for the nodes) and
 * public, limited to the networks that deploy and administer the cluster.
 * A private-only endpoint is refused: no deployer outside the VPC could
 * reach it (README, "Deploying for real").
 */
export interface EndpointArgs {
    /** Public access, limited to `publicAccessCidrs`. Default true; `false` (private-only) is refused. */
    publicAccess?: boolean;
    /**
     * Required: the networks that deploy and administer the cluster (the CI
     * runner's egress NAT address, a VPN). IPv4 CIDRs admitting together at
     * most 65,536 public addresses (one /16); never `0.0.0.0/0`.
     */
    publicAccessCidrs?: string[];
}

/**
 * The minimal on-demand managed node group that runs Karpenter itself and what
 * must run before Karpenter can launch anything (CoreDNS, the EBS CSI
 * controller); tainted `CriticalAddonsOnly` so nothing else lands there.
 */
export interface SystemNodeArgs {
    /**
     * Instance types, all of one architecture (a managed node group runs one
     * AMI type, chosen from it). Default `["m7g.large"]`: Graviton, as every
     * image that lands here ships arm64 (Karpenter, the EKS add-ons, the node
     * exporter; README "Graviton (arm64)").
     */
    instanceTypes?: string[];
    /** Default 2 (Karpenter's two replicas spread over nodes). */
    minSize?: number;
    /** Default 2. */
    desiredSize?: number;
    /** Default 3. */
    maxSize?: number;
}

/**
 * The Karpenter CPU NodePool (and its EC2NodeClass) that runs the platform's
 * add-ons (Kyverno, KEDA, GPU Operator controller, Prometheus, Langfuse,
 * ClickHouse, the gateway) and tenants' CPU workloads; untainted, scaled by
 * Karpenter. Karpenter mode only (Auto Mode has its built-in pools).
 */
export interface PlatformPoolArgs {
    /** Capacity types. Default `["on-demand"]`; the dev profile allows spot first. */
    capacityTypes?: PlatformCapacityType[];
    /** EC2 instance categories (c, m, r …). Default `["c", "m", "r"]`. */
    instanceCategories?: string[];
    /**
     * CPU architectures Karpenter may launch. Default `["amd64"]`: allow
     * `arm64` (Graviton) once every image that lands on the pool ships it
     * (components/internal/versions.ts IMAGE_ARCHITECTURES; pods running an
     * image without arm64 keep to amd64 nodes either way).
     */
    architectures?: Architecture[];
    /** Most vCPUs the pool may hold. Default 64. */
    cpuLimit?: number;
    /** Most memory the pool may hold, GiB. Default 256. */
    memoryLimitGiB?: number;
}

export interface KyvernoArgs {
    /** `"Audit"` reports violations, `"Enforce"` denies them. Default `"Enforce"`. */
    enforcement?: KyvernoEnforcement;
    /**
     * Image registries pods may pull from: a registry host (`nvcr.io`) or a host/path prefix (`docker.io/vllm`),
     * matched at `/` boundaries of the image's fully qualified repository (`docker.io/vllm` admits
     * `vllm/vllm-openai:v1`, not `docker.io/vllm:0.1` or `docker.io/vllmx/...`; Docker Hub's official images need
     * `docker.io/library/<name>`). Default: the registries the platform's own images use.
     */
    allowedRegistries?: string[];
    /** Admission controller replicas. Default 3 (HA). */
    admissionReplicas?: number;
    /**
     * Replicas of each of the background, cleanup and reports controllers. Default 2 (HA). With 1 the chart renders
     * no PodDisruptionBudget (a minAvailable-1 PDB on one replica would block every node drain).
     */
    controllerReplicas?: number;
    /** Namespaces exempt from the policies besides the cluster's own add-ons (other platform add-ons installed by chart). Default none. */
    exemptNamespaces?: string[];
}

export interface GpuClusterArgs {
    /** `"karpenter"` (self-managed Karpenter, GPU Operator) or `"auto"` (EKS Auto Mode). Default `"karpenter"`. */
    mode?: ClusterMode;
    /** EKS Kubernetes version. Default from versions.ts (`KUBERNETES_VERSIONS.default`). */
    kubernetesVersion?: string;
    network?: NetworkArgs;
    endpoint?: EndpointArgs;
    /**
     * IAM role or user ARNs (paths allowed; not STS sessions, not wildcards, each
     * once) granted cluster admin through EKS access entries. The deployer may be
     * listed; it gets no entry of its own, EKS having given it one as the cluster's
     * creator (see `deployerPrincipalArn`). Default none.
     */
    adminPrincipalArns?: string[];
    /**
     * The IAM role (or user) that creates the cluster and runs every preview and
     * update after: the CI deployer role, e.g.
     * `arn:aws:iam::123456789012:role/platform-ci-deployer` (the role's ARN, not an
     * STS session's). EKS keeps the creator's admin access entry for the cluster's
     * life, so the entries are decided from this value, never from the caller,
     * and a run whose caller is another principal fails before the cluster
     * registers (components/gpu-cluster/access.ts). A plain string, not an
     * Input: both are decided before anything is registered. Fixed for the
     * cluster's life: naming another role later would not move the creator's entry.
     */
    deployerPrincipalArn: string;
    systemNodes?: SystemNodeArgs;
    /** Scaling CPU capacity for the platform's add-ons (Karpenter mode). */
    platformPool?: PlatformPoolArgs;
    /** GPU node pools. At least one. */
    pools: GpuPoolArgs[];
    kyverno?: KyvernoArgs;
    /**
     * Replicas of each of KEDA's operator, metrics API server and admission webhooks. Default 2 (HA, with
     * PodDisruptionBudgets); 1 renders no PDB (a minAvailable-1 PDB on one replica would block every node drain).
     */
    kedaReplicas?: number;
    /**
     * Serve Ingresses of class `alb` (HTTPS load balancers in front of the
     * gateway, Langfuse, Grafana): installs the AWS Load Balancer Controller
     * with its upstream IAM policy through Pod Identity, or on EKS Auto Mode
     * points the class at Auto Mode's own load balancing. Default false.
     */
    albIngress?: boolean;
    /**
     * Serve models past one node (ModelEndpoint `nodes` ≥ 2): installs the
     * LeaderWorkerSet controller (pinned chart, namespace `lws-system`) and, in
     * Karpenter mode, EFA for every pool whose families all have it: the EFA
     * device plugin (namespace `efa-device-plugin`, Pod Security privileged: it
     * mounts host paths), a security group admitting all traffic between its own
     * members, attached to those pools' nodes, and the node label the plugin
     * selects. Default false.
     */
    multiNode?: boolean;
    /** Protect stateful resources (the secrets KMS key) from deletion with Pulumi's `protect`. Default false; prod stacks set it. */
    protectStatefulResources?: boolean;
    /** Tags on every AWS resource (merged over the platform's own). */
    tags?: Record<string, string>;
}

/** Registries of the images the platform itself runs; tenant registries are added in config. */
export const DEFAULT_ALLOWED_REGISTRIES = [
    "public.ecr.aws",
    "nvcr.io",
    "registry.k8s.io",
    "quay.io",
    "ghcr.io",
    "docker.io/vllm",
    "reg.kyverno.io",
];

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** Args with every default filled in. */
export type ResolvedPool = Required<Omit<GpuPoolArgs, "instanceFamilies" | "gpuNames" | "sharing" | "weight" | "protectBusinessHours" | "capacityReservations">> &
    Pick<GpuPoolArgs, "capacityReservations"> &
    Pick<GpuPoolArgs, "instanceFamilies" | "gpuNames" | "sharing" | "weight"> & {
        protectBusinessHours?: Required<BusinessHoursProtection>;
        /** EFA wired to the pool's nodes (security group, device-plugin label): `multiNode`, Karpenter mode, every family with EFA. */
        efa?: boolean;
    };

export interface ResolvedGpuClusterArgs {
    mode: "karpenter" | "auto";
    kubernetesVersion: string;
    network: Required<NetworkArgs>;
    endpoint: Required<EndpointArgs>;
    adminPrincipalArns: string[];
    deployerPrincipalArn: string;
    systemNodes: Required<SystemNodeArgs>;
    platformPool: Required<PlatformPoolArgs>;
    pools: ResolvedPool[];
    kyverno: Required<KyvernoArgs>;
    kedaReplicas: number;
    albIngress: boolean;
    multiNode: boolean;
    protectStatefulResources: boolean;
    tags: Record<string, string>;
}

const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;
const CRON = /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/;
const MIG_PROFILE = /^all-[1-7]g\.[0-9]+gb$/;
/** A registry host (optional port) or host/path prefix, as go-containerregistry spells repositories: lower case, no scheme, tag or digest. */
const REGISTRY_ENTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9._-]+)*\/?$/;


function resolvePool(pool: GpuPoolArgs): ResolvedPool {
    const protect = pool.protectBusinessHours;
    return {
        name: pool.name,
        instanceFamilies: pool.instanceFamilies,
        gpuNames: pool.gpuNames,
        capacityTypes: pool.capacityTypes ?? ["on-demand"],
        capacityReservations: pool.capacityReservations,
        gpuLimit: pool.gpuLimit,
        amiFamily: pool.amiFamily ?? "al2023",
        consolidationPolicy: pool.consolidationPolicy ?? "WhenEmpty",
        consolidateAfter: pool.consolidateAfter ?? "10m",
        disruptionBudget: pool.disruptionBudget ?? "10%",
        protectBusinessHours: protect ? { schedule: "0 7 * * mon-fri", duration: "12h", ...(protect === true ? {} : protect) } : undefined,
        expireAfter: pool.expireAfter ?? "720h",
        volumeGiB: pool.volumeGiB ?? 500,
        labels: pool.labels ?? {},
        sharing: pool.sharing,
        weight: pool.weight,
    };
}

export function resolveGpuClusterArgs(args: GpuClusterArgs): ResolvedGpuClusterArgs {
    const mode = args.mode ?? "karpenter";
    const multiNode = args.multiNode ?? false;
    // EKS Auto Mode brings its own node classes (no security groups of ours) and the EFA chart skips its nodes.
    const efa = (pool: ResolvedPool) => multiNode && mode === "karpenter" && !pool.sharing && poolEfaInterfaces(pool) !== undefined;
    return {
        mode,
        kubernetesVersion: args.kubernetesVersion ?? KUBERNETES_VERSIONS.default,
        network: { vpcCidr: "10.0.0.0/16", availabilityZoneCount: 3, natGateways: "perZone", ...args.network },
        endpoint: { publicAccess: true, publicAccessCidrs: [], ...args.endpoint },
        adminPrincipalArns: args.adminPrincipalArns ?? [],
        deployerPrincipalArn: args.deployerPrincipalArn,
        systemNodes: { instanceTypes: ["m7g.large"], minSize: 2, desiredSize: 2, maxSize: 3, ...args.systemNodes },
        platformPool: { capacityTypes: ["on-demand"], instanceCategories: ["c", "m", "r"], architectures: [Architecture.Amd64], cpuLimit: 64, memoryLimitGiB: 256, ...args.platformPool },
        pools: (args.pools ?? []).map(resolvePool).map((pool) => ({ ...pool, efa: efa(pool) })),
        kyverno: { enforcement: "Enforce", allowedRegistries: DEFAULT_ALLOWED_REGISTRIES, admissionReplicas: 3, controllerReplicas: 2, exemptNamespaces: [], ...args.kyverno },
        kedaReplicas: args.kedaReplicas ?? 2,
        albIngress: args.albIngress ?? false,
        multiNode,
        protectStatefulResources: args.protectStatefulResources ?? false,
        tags: args.tags ?? {},
    };
}

/** Name of the Karpenter CPU NodePool and EC2NodeClass the platform's add-ons run on. */
export const PLATFORM_POOL_NAME = "platform";

const CAPACITY_RESERVATION_ID = /^cr-[0-9a-z]+$/;

function validatePool(p: Problems, pool: ResolvedPool, mode: "karpenter" | "auto"): void {
    if (checkDnsLabel(p, "name", pool.name, 40)) {
        p.check(pool.name !== PLATFORM_POOL_NAME, "name", pool.name, `"${PLATFORM_POOL_NAME}" names the platform's CPU NodePool; choose another name`);
    }
    const families = pool.instanceFamilies ?? [];
    const gpuNames = pool.gpuNames ?? [];
    p.check(families.length + gpuNames.length > 0, "instanceFamilies", pool.instanceFamilies, "give at least one instance family or GPU name");
    families.forEach((f, i) =>
        p.at("instanceFamilies").check(f in GPU_FAMILIES, i, f, `expected one of the GPU families ${Object.keys(GPU_FAMILIES).join(", ")}`),
    );
    gpuNames.forEach((g, i) => p.at("gpuNames").check(GPU_NAMES.includes(g), i, g, `expected one of ${GPU_NAMES.join(", ")}`));
    p.check(pool.capacityTypes.length > 0, "capacityTypes", pool.capacityTypes, "give at least one capacity type");
    pool.capacityTypes.forEach((c, i) =>
        p.at("capacityTypes").check(CAPACITY_TYPES.includes(c), i, c, `expected one of ${CAPACITY_TYPES.join(", ")}`),
    );
    validateReservations(p, pool, mode);
    if (p.check(isInt(pool.gpuLimit, 1), "gpuLimit", pool.gpuLimit, "every pool needs a GPU limit: a whole number of GPUs ≥ 1")) {
        const bound = maxPoolGpus(pool);
        p.check(pool.gpuLimit <= bound.max, "gpuLimit", pool.gpuLimit, bound.reason);
    }
    p.check(AMI_FAMILIES.includes(pool.amiFamily), "amiFamily", pool.amiFamily, `expected one of ${AMI_FAMILIES.join(", ")}`);
    p.check(CONSOLIDATION_POLICIES.includes(pool.consolidationPolicy), "consolidationPolicy", pool.consolidationPolicy, `expected one of ${CONSOLIDATION_POLICIES.join(", ")}`);
    p.check(isKarpenterDuration(pool.consolidateAfter, true), "consolidateAfter", pool.consolidateAfter, 'expected a duration such as "30s", "10m", "1h30m", or "Never"');
    p.check(BUDGET_NODES.test(String(pool.disruptionBudget)), "disruptionBudget", pool.disruptionBudget, 'expected a node count such as "1" or a percentage such as "10%"');
    p.check(isKarpenterDuration(pool.expireAfter, true), "expireAfter", pool.expireAfter, 'expected a duration such as "720h", or "Never"');
    p.check(isInt(pool.volumeGiB, 100, MAX_GP3_GIB), "volumeGiB", pool.volumeGiB, `expected a whole number of GiB from 100 (model images are large) to ${MAX_GP3_GIB.toLocaleString("en-US")} (gp3's maximum, 64 TiB)`);
    if (pool.protectBusinessHours) {
        const hours = p.at("protectBusinessHours");
        hours.check(CRON.test(pool.protectBusinessHours.schedule), "schedule", pool.protectBusinessHours.schedule, 'expected a cron schedule such as "0 7 * * mon-fri"');
        hours.check(isKarpenterBudgetDuration(pool.protectBusinessHours.duration), "duration", pool.protectBusinessHours.duration, 'expected hours and minutes such as "12h" or "9h30m"');
    }
    checkNodeLabels(p, "labels", pool.labels);
    if (pool.sharing) validateSharing(p.at("sharing"), pool, mode);
}

/**
 * `reserved` capacity launches only into reservations the EC2NodeClass selects
 * (karpenter.k8s.aws_ec2nodeclasses v1.14.1 `capacityReservationSelectorTerms`:
 * `id` alone, or `tags` with an optional `ownerID`); Auto Mode pools use the
 * built-in `default` NodeClass, which selects none. The rest is in place at our
 * pins: the chart's `settings.featureGates.reservedCapacity` defaults to true
 * (karpenter 1.14.1 values.yaml) and the controller policy allows
 * `ec2:DescribeCapacityReservations` (karpenter-iam.ts, from the v1.14.1 CloudFormation).
 */
function validateReservations(p: Problems, pool: ResolvedPool, mode: "karpenter" | "auto"): void {
    const terms = pool.capacityReservations;
    const reserved = pool.capacityTypes.includes("reserved");
    if (reserved && mode === "auto") {
        p.add("capacityTypes", pool.capacityTypes, 'reserved capacity needs mode "karpenter": Auto Mode pools use the built-in default NodeClass, which selects no capacity reservation');
        return;
    }
    if (!reserved) {
        p.check(terms === undefined, "capacityReservations", terms, 'capacity reservations apply only to pools whose capacityTypes include "reserved"');
        return;
    }
    if (!p.check(Array.isArray(terms) && terms.length > 0 && terms.length <= 30, "capacityReservations", terms, 'capacityTypes "reserved" needs 1-30 capacity reservation selectors ({ id: "cr-…" } or { tags: {…}, ownerId? }), else Karpenter can never launch reserved capacity')) return;
    terms!.forEach((term, i) => {
        const at = p.at("capacityReservations").at(i);
        if ("id" in term) {
            at.check(CAPACITY_RESERVATION_ID.test(String(term.id)) && Object.keys(term).length === 1, "id", term.id, 'expected a reservation id "cr-…" alone (an id selects one reservation; tags and ownerId go in a term of their own)');
            return;
        }
        const tags = (term as { tags?: Record<string, string> }).tags;
        at.check(
            !!tags && typeof tags === "object" && Object.keys(tags).length > 0 && Object.keys(tags).length <= 20 && Object.entries(tags).every(([k, v]) => k !== "" && typeof v === "string" && v !== ""),
            "tags",
            tags,
            "expected 1-20 non-empty tag keys and values (\"*\" matches any value), or an id",
        );
        if (term.ownerId !== undefined) at.check(isAwsAccountId(term.ownerId), "ownerId", term.ownerId, "expected a 12-digit AWS account id");
    });
}

/**
 * Time-slicing needs ≥ 2 replicas. MIG needs one GPU model across the pool
 * (slices per GPU, and so the advertised count, differ between models) and a
 * profile that model supports (NVIDIA/mig-parted v0.15.0 config-default.yaml).
 */
function validateSharing(p: Problems, pool: ResolvedPool, mode: "karpenter" | "auto"): void {
    const sharing = pool.sharing!;
    if (!p.check(mode === "karpenter", "mode", sharing.mode, 'GPU sharing needs mode "karpenter" (EKS Auto Mode manages the device plugin itself)')) return;
    if (sharing.mode === "time-slicing") {
        p.check(isInt(sharing.replicas, 2), "replicas", sharing.replicas, "time-slicing needs a whole number of replicas ≥ 2");
    } else if (sharing.mode === "mig") {
        validateMig(p, pool, sharing.profile);
    } else {
        p.add("mode", (sharing as { mode: unknown }).mode, 'expected "time-slicing" or "mig"');
    }
}

function validateMig(p: Problems, pool: ResolvedPool, profile: string): void {
    const migFamilies = Object.keys(GPU_FAMILIES).filter((f) => GPU_FAMILIES[f].migProfiles);
    const narrowed = (pool.instanceFamilies ?? []).length > 0 || (pool.gpuNames ?? []).length > 0;
    const families = narrowed ? poolFamilies(pool) : [];
    const nonMig = families.filter((f) => !GPU_FAMILIES[f].migProfiles);
    if (!p.check(families.length > 0 && nonMig.length === 0, "mode", nonMig, `MIG needs GPUs that support it (families ${migFamilies.join(", ")})`)) return;
    p.check(pool.amiFamily === "al2023", "mode", `mig on ${pool.amiFamily}`, 'MIG pools need amiFamily "al2023" (the GPU Operator MIG manager does not run on Bottlerocket)');
    const models = [...new Set(families.map((f) => GPU_FAMILIES[f].gpuModel))];
    const described = families.map((f) => `${f}: ${GPU_FAMILIES[f].gpuModel}`).join(", ");
    if (!p.check(models.length === 1, "mode", described, "a MIG pool must launch one GPU model: slices per GPU differ between models; narrow instanceFamilies (or gpuNames) to one model")) return;
    if (!p.check(MIG_PROFILE.test(String(profile)), "profile", profile, 'expected a uniform MIG profile such as "all-1g.10gb" or "all-3g.40gb"')) return;
    const supported = GPU_FAMILIES[families[0]].migProfiles!;
    p.check(
        migProfileName(profile) in supported,
        "profile",
        profile,
        `${models[0]} supports ${Object.keys(supported).map((x) => `all-${x}`).join(", ")}`,
    );
}

function validatePlatformPool(p: Problems, pool: Required<PlatformPoolArgs>): void {
    p.check(pool.capacityTypes.length > 0, "capacityTypes", pool.capacityTypes, "give at least one capacity type");
    pool.capacityTypes.forEach((c, i) => p.at("capacityTypes").check(c === "spot" || c === "on-demand", i, c, 'expected "spot" or "on-demand"'));
    p.check(pool.instanceCategories.length > 0 && pool.instanceCategories.every((c) => /^[a-z]$/.test(c)), "instanceCategories", pool.instanceCategories, 'expected EC2 instance categories such as ["c", "m", "r"]');
    p.check(pool.architectures.length > 0 && pool.architectures.every((a) => ARCHITECTURES.includes(a)), "architectures", pool.architectures, `expected one or more of ${ARCHITECTURES.join(", ")}`);
    p.check(isInt(pool.cpuLimit, 4), "cpuLimit", pool.cpuLimit, "expected a whole number of vCPUs ≥ 4");
    p.check(isInt(pool.memoryLimitGiB, 16), "memoryLimitGiB", pool.memoryLimitGiB, "expected a whole number of GiB ≥ 16");
}

/** Validates GpuCluster args; throws one ValidationError listing every problem. */
export function validateGpuClusterArgs(name: string, args: GpuClusterArgs): ResolvedGpuClusterArgs {
    const p = new Problems();
    const r = resolveGpuClusterArgs(args);
    checkDnsLabel(p, "name", name, COMPONENT_NAME_MAX);
    p.check(r.mode === "karpenter" || r.mode === "auto", "mode", r.mode, 'expected "karpenter" or "auto"');
    p.check(
        (KUBERNETES_VERSIONS.supported as readonly string[]).includes(r.kubernetesVersion),
        "kubernetesVersion",
        r.kubernetesVersion,
        `expected a supported EKS version: ${KUBERNETES_VERSIONS.supported.join(", ")}`,
    );
    const net = p.at("network");
    net.check(isCidr(r.network.vpcCidr) && Number(r.network.vpcCidr.split("/")[1]) <= 20, "vpcCidr", r.network.vpcCidr, "expected an IPv4 CIDR of /20 or larger, e.g. 10.0.0.0/16");
    net.check([2, 3].includes(r.network.availabilityZoneCount), "availabilityZoneCount", r.network.availabilityZoneCount, "expected 2 or 3");
    net.check(["single", "perZone"].includes(r.network.natGateways), "natGateways", r.network.natGateways, 'expected "single" or "perZone"');
    const ep = p.at("endpoint");
    if (ep.check(r.endpoint.publicAccess === true, "publicAccess", r.endpoint.publicAccess, PRIVATE_ONLY_RULE)) {
        checkAllowList(ep, "publicAccessCidrs", r.endpoint.publicAccessCidrs, DEPLOYER_CIDRS_RULE);
    }
    checkPrincipalArns(p.at("adminPrincipalArns"), r.adminPrincipalArns);
    checkPrincipalArn(p, "deployerPrincipalArn", r.deployerPrincipalArn);
    const sys = p.at("systemNodes");
    if (sys.check(r.systemNodes.instanceTypes.length > 0, "instanceTypes", r.systemNodes.instanceTypes, "give at least one instance type")) {
        const arches = [...new Set(r.systemNodes.instanceTypes.map(instanceArchitecture))];
        sys.check(arches.length === 1, "instanceTypes", r.systemNodes.instanceTypes, `expected instance types of one architecture (a managed node group runs one AMI type); these mix ${arches.join(" and ")}`);
    }
    sys.check(
        isInt(r.systemNodes.minSize, 1) && r.systemNodes.minSize <= r.systemNodes.desiredSize && r.systemNodes.desiredSize <= r.systemNodes.maxSize,
        "desiredSize",
        r.systemNodes,
        "expected 1 ≤ minSize ≤ desiredSize ≤ maxSize",
    );
    if (r.mode === "karpenter") validatePlatformPool(p.at("platformPool"), r.platformPool);
    const ky = p.at("kyverno");
    ky.check(["Audit", "Enforce"].includes(r.kyverno.enforcement), "enforcement", r.kyverno.enforcement, 'expected "Audit" or "Enforce"');
    ky.check(r.kyverno.allowedRegistries.length > 0, "allowedRegistries", r.kyverno.allowedRegistries, "give at least one registry");
    r.kyverno.allowedRegistries.forEach((entry, i) => ky.at("allowedRegistries").check(REGISTRY_ENTRY.test(entry), i, entry,
        "expected a registry host or host/path prefix in lower case, e.g. nvcr.io or docker.io/vllm (no scheme, tag or digest)"));
    ky.check(isInt(r.kyverno.admissionReplicas, 1), "admissionReplicas", r.kyverno.admissionReplicas, "expected a whole number ≥ 1 (3 for HA)");
    ky.check(isInt(r.kyverno.controllerReplicas, 1), "controllerReplicas", r.kyverno.controllerReplicas, "expected a whole number ≥ 1 (2 for HA)");
    r.kyverno.exemptNamespaces.forEach((ns, i) => checkDnsLabel(ky.at("exemptNamespaces"), i, ns));
    p.check(isInt(r.kedaReplicas, 1), "kedaReplicas", r.kedaReplicas, "expected a whole number ≥ 1 (2 for HA)");
    if (p.check(r.pools.length > 0, "pools", args.pools, "give at least one GPU pool")) {
        r.pools.forEach((pool, i) => validatePool(p.at("pools").at(i), pool, r.mode));
        checkUnique(p.at("pools"), r.pools.map((pool) => pool.name));
    }
    p.throwIfAny(`GpuCluster "${name}" args`);
    return r;
}

/**
 * The stack's configuration: one typed schema for the whole `genai-platform:`
 * namespace, read once at start. Every problem is reported together with its
 * config key path, and nothing is registered when config is invalid.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { closestName, didYouMeanHint } from "../components/internal/did-you-mean";
import { tagProblems } from "../components/internal/aws-tags";
import { Hidden, HIDDEN, Problem, ValidationError } from "../components/internal/errors";
import { MAX_CONFIG_BYTES, MAX_TENANTS } from "../components/internal/limits";
import { Architecture } from "../components/internal/architecture";
import { StateSharing } from "../components/internal/managed-state-args";
import { looksLikeSecretKey } from "../components/internal/secret-keys";
import { UniqueNames } from "../components/internal/unique-names";
import { Routing } from "../components/model-endpoint/args";
import { PRIORITY_CLASSES, type PriorityClass } from "../components/model-endpoint/inference-pool";
import { AmiFamily, CapacityType, ClusterMode, ConsolidationPolicy, KyvernoEnforcement, NatGateways, PlatformCapacityType } from "../components/gpu-cluster/args";
import { GpuSharingMode } from "../components/internal/gpu-instances";
import { INGRESS_SCHEMES } from "../components/internal/alb-ingress";
import { HOSTED_PROVIDERS, ROUTING_STRATEGIES } from "../components/llm-gateway/args";
import { Dtype } from "../components/model-endpoint/args";
import { TenantAccess } from "../components/tenant-namespace/args";

export const NAMESPACE = "genai-platform";

// Enums come from the components' own `as const` objects and tuples, never
// restated here: a value a component adds or drops is accepted or refused by
// the config at once, and the parsed config is handed to the components' args
// without a cast (stacks/platform.ts), so a field restated as a free string
// fails to compile (test/stacks/config-types.test.ts).

const labels = z.record(z.string(), z.string());

const pool = z.strictObject({
    name: z.string(),
    instanceFamilies: z.array(z.string()).optional(),
    gpuNames: z.array(z.string()).optional(),
    capacityTypes: z.array(z.enum(CapacityType)).optional(),
    capacityReservations: z
        .array(z.union([z.strictObject({ id: z.string() }), z.strictObject({ tags: z.record(z.string(), z.string()), ownerId: z.string().optional() })]))
        .optional(),
    gpuLimit: z.number(),
    amiFamily: z.enum(AmiFamily).optional(),
    consolidationPolicy: z.enum(ConsolidationPolicy).optional(),
    consolidateAfter: z.string().optional(),
    disruptionBudget: z.string().optional(),
    protectBusinessHours: z.union([z.boolean(), z.strictObject({ schedule: z.string().optional(), duration: z.string().optional() })]).optional(),
    expireAfter: z.string().optional(),
    volumeGiB: z.number().optional(),
    labels: labels.optional(),
    sharing: z
        .discriminatedUnion("mode", [
            z.strictObject({ mode: z.literal(GpuSharingMode.TimeSlicing), replicas: z.number() }),
            z.strictObject({ mode: z.literal(GpuSharingMode.Mig), profile: z.string() }),
        ])
        .optional(),
    weight: z.number().optional(),
});

const cluster = z.strictObject({
    mode: z.enum(ClusterMode).optional(),
    kubernetesVersion: z.string().optional(),
    network: z
        .strictObject({
            vpcCidr: z.string().optional(),
            availabilityZoneCount: z.number().optional(),
            natGateways: z.enum(NatGateways).optional(),
        })
        .optional(),
    endpoint: z.strictObject({ publicAccess: z.boolean().optional(), publicAccessCidrs: z.array(z.string()).optional() }).optional(),
    adminPrincipalArns: z.array(z.string()).optional(),
    deployerPrincipalArn: z.string().optional(),
    systemNodes: z
        .strictObject({
            instanceTypes: z.array(z.string()).optional(),
            minSize: z.number().optional(),
            desiredSize: z.number().optional(),
            maxSize: z.number().optional(),
        })
        .optional(),
    platformPool: z
        .strictObject({
            capacityTypes: z.array(z.enum(PlatformCapacityType)).optional(),
            instanceCategories: z.array(z.string()).optional(),
            architectures: z.array(z.enum(Architecture)).optional(),
            cpuLimit: z.number().optional(),
            memoryLimitGiB: z.number().optional(),
        })
        .optional(),
    kyverno: z
        .strictObject({
            enforcement: z.enum(KyvernoEnforcement).optional(),
            allowedRegistries: z.array(z.string()).optional(),
            admissionReplicas: z.number().optional(),
            controllerReplicas: z.number().optional(),
        })
        .optional(),
});

const model = z.strictObject({
    /** Endpoint name (DNS-1123): names the Deployment and Service, and the gateway model unless `servedModelName` says otherwise. */
    name: z.string(),
    /** Hugging Face model id or `s3://bucket/prefix`. */
    model: z.string(),
    pool: z.string(),
    servedModelName: z.string().optional(),
    tensorParallelSize: z.number().optional(),
    maxModelLen: z.number().optional(),
    gpuMemoryUtilization: z.number().optional(),
    enablePrefixCaching: z.boolean().optional(),
    maxNumSeqs: z.number().optional(),
    /**
     * Measured tokens/s one replica serves (prompt + generated), replacing the
     * assumption plan/prices.ts makes for the model's size and GPU when the
     * gateway prices its tokens.
     */
    measuredThroughput: z.number().positive("expected tokens per second > 0").optional(),
    dtype: z.enum(Dtype).optional(),
    quantization: z.string().optional(),
    /** vLLM's `--trust-remote-code` (code from the model repository runs in the pod); default false. */
    trustRemoteCode: z.boolean().optional(),
    extraArgs: z.array(z.string()).optional(),
    resources: z.strictObject({ cpu: z.string().optional(), memory: z.string().optional(), shmSize: z.string().optional() }).optional(),
    cacheVolume: z.strictObject({ storageClassName: z.string().optional(), size: z.string().optional() }).optional(),
    autoscaling: z
        .strictObject({
            minReplicas: z.number().optional(),
            maxReplicas: z.number().optional(),
            targetQueueDepth: z.number().optional(),
            /** A multi-node endpoint (`nodes` ≥ 2) may idle at zero only with this set (its wake-up buys `nodes` GPU nodes). */
            allowMultiNodeScaleToZero: z.boolean().optional(),
        })
        .optional(),
    /** Nodes one replica spans (ModelEndpoint `nodes`): ≥ 2 serves through a LeaderWorkerSet with Ray, EFA where the pool has it. Default 1. */
    nodes: z.number().optional(),
    /** The model's size in billions of parameters: checks it fits its GPUs and sizes the startup budget. Required with `nodes` ≥ 2. */
    parametersBillions: z.number().optional(),
    /** ModelEndpoint `routing`: "kv-aware" (through the inference Gateway's InferencePool) or "service"; default kv-aware in prod with maxReplicas > 1. */
    routing: z.enum(Routing).optional(),
});

const hostedModel = z.strictObject({
    modelName: z.string(),
    provider: z.enum(HOSTED_PROVIDERS),
    model: z.string(),
    region: z.string().optional(),
    rpm: z.number().optional(),
    tpm: z.number().optional(),
});

const gateway = z.strictObject({
    replicas: z.number().optional(),
    routingStrategy: z.enum(ROUTING_STRATEGIES).optional(),
    numRetries: z.number().optional(),
    timeoutSeconds: z.number().optional(),
    hosted: z.array(hostedModel).default([]),
    fallbacks: z.record(z.string(), z.array(z.string())).optional(),
    contextWindowFallbacks: z.record(z.string(), z.array(z.string())).optional(),
    database: z.strictObject({ instanceClass: z.string().optional(), allocatedStorageGiB: z.number().optional() }).optional(),
    cache: z.strictObject({ nodeType: z.string().optional(), nodes: z.number().optional() }).optional(),
    ingress: z
        .strictObject({ certificateArn: z.string(), host: z.string().optional(), scheme: z.enum(INGRESS_SCHEMES).optional(), inboundCidrs: z.array(z.string()).optional() })
        .optional(),
});

/** Where the gateway's and Langfuse's databases and caches live (components/internal/managed-state-args.ts StateSharing). */
const state = z.strictObject({
    /** `shared`: one PostgreSQL instance and one cache for both; `dedicated`: each its own. Default per environment (dev shared, prod dedicated). */
    sharing: z.enum(StateSharing).optional(),
    /** Sizes of the shared instance (`sharing: shared` only; dedicated instances are sized at `gateway.database`). */
    database: z.strictObject({ instanceClass: z.string().optional(), allocatedStorageGiB: z.number().optional() }).optional(),
    /** Sizes of the shared cache (`sharing: shared` only). */
    cache: z.strictObject({ nodeType: z.string().optional(), nodes: z.number().optional() }).optional(),
});

const observability = z.strictObject({
    langfuse: z
        .strictObject({
            webReplicas: z.number().optional(),
            workerReplicas: z.number().optional(),
            publicUrl: z.string().optional(),
            adminEmail: z.string().optional(),
            allowSignUp: z.boolean().optional(),
            eventRetentionDays: z.number().optional(),
        })
        .optional(),
    /** Langfuse and Grafana on an HTTPS-only ALB; the cluster then serves the `alb` IngressClass. */
    ingress: z
        .strictObject({
            certificateArn: z.string(),
            scheme: z.enum(INGRESS_SCHEMES).optional(),
            inboundCidrs: z.array(z.string()).optional(),
            langfuseHost: z.string().optional(),
            grafanaHost: z.string().optional(),
        })
        .optional(),
    prometheus: z
        .strictObject({ retention: z.string().optional(), storageSize: z.string().optional(), replicas: z.number().optional() })
        .optional(),
    alerts: z
        .strictObject({
            gpuPendingFor: z.string().optional(),
            endpointUnavailableFor: z.string().optional(),
            gatewayErrorRatio: z.number().optional(),
            /** Alertmanager's Slack receiver; its webhook URL is the secret `slackWebhookUrl`. Required in prod. */
            slack: z.strictObject({ channel: z.string() }).optional(),
        })
        .optional(),
});

const tenant = z.strictObject({
    /** Tenant name (DNS-1123): names its namespace and its gateway team. */
    name: z.string(),
    gpuQuota: z.number().optional(),
    gpuPools: z.array(z.string()).optional(),
    quota: z
        .strictObject({
            cpuRequests: z.string().optional(),
            cpuLimits: z.string().optional(),
            memoryRequests: z.string().optional(),
            memoryLimits: z.string().optional(),
            pods: z.number().optional(),
            services: z.number().optional(),
            persistentVolumeClaims: z.number().optional(),
            storage: z.string().optional(),
        })
        .optional(),
    containerDefaults: z
        .strictObject({ cpuRequest: z.string().optional(), memoryRequest: z.string().optional(), cpuLimit: z.string().optional(), memoryLimit: z.string().optional() })
        .optional(),
    principals: z.array(z.strictObject({ arn: z.string(), access: z.enum(TenantAccess).optional() })).optional(),
    /**
     * Priority of the tenant's requests to kv-aware models (their InferenceObjective):
     * "interactive" is served before "batch" when a pool queues. Default interactive.
     */
    priority: z.enum(Object.keys(PRIORITY_CLASSES) as [PriorityClass, ...PriorityClass[]]).optional(),
    team: z.strictObject({
        maxBudgetUsd: z.number(),
        budgetDuration: z.string().optional(),
        tpm: z.number().optional(),
        rpm: z.number().optional(),
        models: z.array(z.string()).optional(),
    }),
    allowIngressFrom: z.array(z.strictObject({ namespace: z.string(), podLabels: labels.optional() })).optional(),
    egress: z.array(z.strictObject({ cidr: z.string(), ports: z.array(z.number()).optional() })).optional(),
});

/** Secret config keys (set with `pulumi config set --secret`): which provider each serves. */
export const SECRET_KEYS = { openaiApiKey: "openai", anthropicApiKey: "anthropic", geminiApiKey: "gemini", hfToken: "huggingface" } as const;

/** Every config key that holds a secret: stored encrypted (`secure:`), never empty, never echoed. */
export const SECRET_CONFIG_KEYS = [...Object.keys(SECRET_KEYS), "slackWebhookUrl"];

const secretValue = z.string().min(1, "expected a non-empty secret");

const REQUIRED_TAGS = ["owner", "cost-center"] as const;

const platformConfigShape = z.strictObject({
    /** `dev` or `prod`: picks the environment profile. */
    environment: z.enum(["dev", "prod"]),
    /** Tags on every AWS resource; `owner` and `cost-center` are required, `environment` is added. */
    tags: z.record(z.string(), z.string()).check((ctx) => {
        // The platform adds the `environment` tag.
        for (const t of tagProblems(ctx.value, 1)) ctx.issues.push({ code: "custom", message: t.message, input: ctx.value, path: t.key === undefined ? [] : [t.key] });
        for (const key of REQUIRED_TAGS) {
            if (!(key in ctx.value)) {
                ctx.issues.push({ code: "custom", message: `the "${key}" tag is required (required tags: ${REQUIRED_TAGS.join(", ")})`, input: ctx.value, path: [key] });
            }
        }
    }),
    cluster: cluster.default({}),
    pools: z.array(pool).min(1),
    /** Self-hosted models, each a vLLM ModelEndpoint routed by the gateway. */
    models: z.array(model).default([]),
    gateway: gateway.default({ hosted: [] }),
    /** Langfuse tracing and Prometheus/Grafana metrics; sizes default per environment. */
    observability: observability.default({}),
    /** Shared or dedicated state for the gateway and Langfuse; default per environment. */
    state: state.default({}),
    /** Teams sharing the platform: a namespace, quotas, access and a gateway team each. */
    tenants: z.array(tenant).max(MAX_TENANTS, `at most ${MAX_TENANTS.toLocaleString("en-US")} tenants in one stack (README, "How far one stack goes"); split the teams over more stacks`).default([]),
    openaiApiKey: secretValue.optional(),
    anthropicApiKey: secretValue.optional(),
    geminiApiKey: secretValue.optional(),
    hfToken: secretValue.optional(),
    /** Slack incoming-webhook URL of Alertmanager's receiver (`observability.alerts.slack`). */
    slackWebhookUrl: secretValue.optional(),
    /**
     * Named overrides of production protections (stacks/posture.ts), each with
     * the reason it is needed; the plan and `pulumi up` report every one.
     */
    productionOverrides: z.strictObject({ kyvernoAudit: z.string().min(10, "give the reason this production stack audits instead of enforcing (at least 10 characters)") }).optional(),
});

export const platformConfigSchema = platformConfigShape.superRefine((config, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message, input: undefined });
    const poolNames = config.pools.map((p) => p.name);
    config.models.forEach((m, i) => {
        if (!poolNames.includes(m.pool)) issue(["models", i, "pool"], `no such pool; pools: ${poolNames.join(", ")}`);
    });
    const providerKeys: Record<string, string | undefined> = { openai: config.openaiApiKey, anthropic: config.anthropicApiKey, gemini: config.geminiApiKey };
    config.gateway.hosted.forEach((h, i) => {
        const key = Object.entries(SECRET_KEYS).find(([, provider]) => provider === h.provider)?.[0];
        if (key && providerKeys[h.provider] === undefined) {
            issue(["gateway", "hosted", i, "provider"], `a ${h.provider} model needs the secret ${NAMESPACE}:${key} (pulumi config set --secret ${key} ...)`);
        }
    });
    if (config.observability.alerts?.slack && config.slackWebhookUrl === undefined) {
        issue(["observability", "alerts", "slack"], `a Slack receiver needs the secret ${NAMESPACE}:slackWebhookUrl (pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/...)`);
    }
    checkModelNames(config, issue);
    const modelNames = [...config.models.map((m) => m.servedModelName ?? m.name), ...config.gateway.hosted.map((h) => h.modelName)];
    for (const field of ["fallbacks", "contextWindowFallbacks"] as const) {
        for (const [from, tos] of Object.entries(config.gateway[field] ?? {})) {
            [from, ...tos].filter((n) => !modelNames.includes(n)).forEach((n) =>
                issue(["gateway", field, from], `"${n}" is not a model of this stack; models: ${modelNames.join(", ")}`),
            );
        }
    }
});

export type PlatformConfig = z.infer<typeof platformConfigSchema>;

/**
 * Endpoint names are unique (each names a Deployment and a Service), and so
 * are the names the gateway serves, across `models` (servedModelName, else
 * name) and `gateway.hosted` (modelName): LiteLLM load-balances every
 * deployment of one model name, so a collision would send one model's prompts
 * to another model or provider.
 */
function checkModelNames(config: z.infer<typeof platformConfigShape>, issue: (path: PropertyKey[], message: string) => void): void {
    const endpoints = new UniqueNames();
    const served = new UniqueNames();
    const claim = (name: string, path: PropertyKey[], owner: string) => {
        const holder = served.claim(name, owner);
        if (holder !== undefined) issue(path, `the gateway already serves "${name}" for ${holder}; names across models, servedModelName and hosted must be unique`);
    };
    config.models.forEach((m, i) => {
        const owner = `${NAMESPACE}:models[${i}]`;
        const holder = endpoints.claim(m.name, owner);
        if (holder !== undefined) issue(["models", i, "name"], `endpoint names must be unique (each names a Deployment and a Service); ${holder} has it`);
        else claim(m.servedModelName ?? m.name, ["models", i, m.servedModelName === undefined ? "name" : "servedModelName"], owner);
    });
    config.gateway.hosted.forEach((h, i) => claim(h.modelName, ["gateway", "hosted", i, "modelName"], `${NAMESPACE}:gateway.hosted[${i}]`));
}

/** `genai-platform:pools[1].gpuLimit` from a zod path. */
function keyPath(path: readonly PropertyKey[]): string {
    const [top, ...rest] = path;
    return rest.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : `${acc}.${String(seg)}`), `${NAMESPACE}:${String(top ?? "")}`);
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
    return path.reduce<unknown>((v, seg) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[seg] : undefined), raw);
}

/** The parts of a zod schema's definition the key-path walk needs. */
interface SchemaDef {
    type: string;
    innerType?: z.ZodType;
    element?: z.ZodType;
    shape?: Record<string, z.ZodType>;
    options?: z.ZodType[];
    values?: unknown[];
    entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): SchemaDef {
    let def = (schema as unknown as { def: SchemaDef }).def;
    while ((def.type === "default" || def.type === "optional") && def.innerType) def = defOf(def.innerType);
    return def;
}

/** The schema's definition at `path`, if the path leads through objects and lists. */
function defAt(path: readonly PropertyKey[]): SchemaDef | undefined {
    let def: SchemaDef = defOf(platformConfigSchema);
    for (const seg of path) {
        const next: z.ZodType | undefined = def.type === "array" && typeof seg === "number" ? def.element : def.shape?.[seg as string];
        if (!next) return undefined;
        def = defOf(next);
    }
    return def;
}

/** The keys the schema knows at `path` (for "did you mean" hints). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
    const shape = defAt(path)?.shape;
    return shape ? Object.keys(shape) : [];
}

/** One alternative of a union, as a user would write it. */
function describeAlternative(def: SchemaDef): string {
    if (def.type === "boolean") return "true, false";
    if (def.type === "literal") return (def.values ?? []).map((v) => JSON.stringify(v)).join(", ");
    if (def.type === "enum") return Object.values(def.entries ?? {}).map((v) => JSON.stringify(v)).join(", ");
    if (def.type === "object") return `{ ${Object.keys(def.shape ?? {}).join(", ")} }`;
    if (def.type === "array") return "a list";
    return `a ${def.type}`;
}

/** What a union at `path` accepts, for its "Invalid input" issue: every alternative, or the discriminator's values. */
function unionAllowed(issue: z.core.$ZodIssue): string {
    const options = (issue as { options?: unknown[] }).options;
    if (options) return `expected one of: ${options.map((o) => JSON.stringify(o)).join(", ")}`;
    const alternatives = defAt(issue.path)?.options?.map((o) => describeAlternative(defOf(o)));
    return alternatives ? `expected one of: ${alternatives.join(", ")}` : issue.message;
}

function didYouMean(key: string, known: string[]): string {
    return `unknown key${didYouMeanHint(key, known)} (known keys: ${known.join(", ")})`;
}

/** The value at `path`, hidden when any key on the path holds (or probably holds) a secret. */
function reportedValue(raw: unknown, path: readonly PropertyKey[]): unknown {
    const secret = path.some((seg) => typeof seg === "string" && looksLikeSecretKey(seg, SECRET_CONFIG_KEYS));
    return secret ? HIDDEN : valueAt(raw, path);
}

function toProblems(error: z.ZodError, raw: Record<string, unknown>): Problem[] {
    return error.issues.flatMap((issue): Problem[] => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => ({
                path: issue.path.length ? `${keyPath(issue.path)}.${key}` : `${NAMESPACE}:${key}`,
                value: reportedValue(raw, [...issue.path, key]),
                allowed: didYouMean(key, knownKeysAt(issue.path)),
            }));
        }
        const allowed = issue.code === "invalid_union" ? unionAllowed(issue) : issue.message;
        return [{ path: keyPath(issue.path), value: reportedValue(raw, issue.path), allowed }];
    });
}

/** What the program knows of the config besides its values. */
export interface ConfigContext {
    /** Problems found before parsing (keys outside our namespace that look meant for it). */
    problems?: Problem[];
    /** Whether a key (`genai-platform:hfToken`) was given as a secret; when absent, not checked. */
    isSecret?: (key: string) => boolean;
}

/**
 * Secret keys given in plaintext: Pulumi then stores the value unencrypted in
 * the stack file (and in version control), and hands it to the program as plain config.
 */
function plaintextSecretProblems(raw: Record<string, unknown>, isSecret: (key: string) => boolean): Problem[] {
    return SECRET_CONFIG_KEYS.filter((key) => raw[key] !== undefined && !isSecret(`${NAMESPACE}:${key}`)).map((key) => ({
        path: `${NAMESPACE}:${key}`,
        value: HIDDEN,
        allowed: `a secret must be stored encrypted: pulumi config set --secret ${key} <value> (the stack file then holds it as secure: ...)`,
    }));
}

/**
 * Keys named `__proto__` anywhere in the config: JSON and YAML make them own
 * keys, but assigning one to a JavaScript object sets its prototype instead, so
 * parsing would silently drop the entry (a fallback, a tag).
 */
function prototypeKeyProblems(value: unknown, path: PropertyKey[] = []): Problem[] {
    if (!value || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([key, v]) => {
        const at = [...path, Array.isArray(value) ? Number(key) : key];
        if (key === "__proto__") return [{ path: keyPath(at), value: v, allowed: "a key named __proto__ would set a JavaScript object's prototype, so its entry would be dropped; rename it" }];
        return prototypeKeyProblems(v, at);
    });
}

/** Parses and validates raw config (the namespace's keys, values already JSON-decoded). */
export function parsePlatformConfig(raw: Record<string, unknown>, context: ConfigContext = {}): PlatformConfig {
    const prototypeKeys = prototypeKeyProblems(raw);
    if (prototypeKeys.length > 0) throw new ValidationError("stack configuration", [...(context.problems ?? []), ...prototypeKeys]);
    const result = platformConfigSchema.safeParse(raw);
    const plaintext = context.isSecret ? plaintextSecretProblems(raw, context.isSecret) : [];
    const problems = [...(context.problems ?? []), ...plaintext, ...(result.success ? [] : toProblems(result.error, raw))];
    if (problems.length > 0 || !result.success) throw new ValidationError("stack configuration", problems);
    return result.data;
}

/**
 * Keys in a namespace that is a near miss of ours (`genai-platfrom:tenants`,
 * `genai_platform:cluster`). Pulumi hands the program every namespace's keys
 * and would ignore these, so the setting they hold would silently fall back to
 * its default: no tenants (their namespaces deleted on the next `up`), or a
 * default cluster (a replaced VPC).
 */
export function strayNamespaceProblems(all: Record<string, string>): Problem[] {
    return Object.entries(all).flatMap(([key, value]) => {
        const [namespace, ...rest] = key.split(":");
        const name = rest.join(":");
        if (namespace === NAMESPACE || rest.length === 0) return [];
        const folded = namespace.toLowerCase().replace(/[^a-z0-9]/g, "");
        if (folded !== NAMESPACE.replace(/-/g, "") && closestName(namespace, [NAMESPACE]) === undefined) return [];
        const reported = looksLikeSecretKey(name, SECRET_CONFIG_KEYS) ? HIDDEN : decode(value);
        return [{ path: key, value: reported, allowed: `unknown config namespace "${namespace}"; did you mean "${NAMESPACE}:${name}"?` }];
    });
}

/**
 * Refuses a config larger than one stack may hold, before decoding it (a
 * multi-megabyte value would cost memory and time to parse, and say nothing a
 * smaller one does not); reported at the largest key, its value not echoed.
 */
function checkConfigSize(all: Record<string, string>): void {
    const ours = Object.entries(all).filter(([k]) => k.startsWith(`${NAMESPACE}:`));
    const bytes = ours.reduce((n, [, v]) => n + Buffer.byteLength(v), 0);
    if (bytes <= MAX_CONFIG_BYTES) return;
    const [largest, value] = ours.reduce((a, b) => (b[1].length > a[1].length ? b : a));
    throw new ValidationError("stack configuration", [{
        path: largest,
        value: new Hidden(`${Buffer.byteLength(value).toLocaleString("en-US")} bytes, not echoed`),
        allowed: `the stack's ${NAMESPACE} config may hold at most ${MAX_CONFIG_BYTES.toLocaleString("en-US")} bytes in all (it holds ${bytes.toLocaleString("en-US")}); README, "How far one stack goes"`,
    }]);
}

/** Reads and validates the running stack's config (every `genai-platform:*` key, and near misses of the namespace). */
export function loadPlatformConfig(): PlatformConfig {
    const all = pulumi.runtime.allConfig();
    checkConfigSize(all);
    return parsePlatformConfig(readRawConfig(all), { problems: strayNamespaceProblems(all), isSecret: isConfigSecret });
}

/**
 * Whether the CLI handed `key` to the program as a secret: the Node SDK's
 * `runtime.isConfigSecret`, which reads the keys the CLI lists in
 * PULUMI_CONFIG_SECRET_KEYS (@pulumi/pulumi runtime/config.js); it is marked
 * internal, so its type is declared here.
 */
function isConfigSecret(key: string): boolean {
    return (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(key);
}

/** Every `genai-platform:*` key of `all` (the running stack's config by default). */
export function readRawConfig(all: Record<string, string> = pulumi.runtime.allConfig()): Record<string, unknown> {
    const prefix = `${NAMESPACE}:`;
    return Object.fromEntries(
        Object.entries(all)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), decode(v)]),
    );
}

/**
 * A config value as the stack file gave it: Pulumi hands structured values
 * (objects, lists) to the program as JSON and every scalar as a string, so
 * only JSON objects and lists are decoded; `"8"` stays the string the user wrote.
 */
function decode(value: string): unknown {
    if (!/^\s*[[{]/.test(value)) return value;
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

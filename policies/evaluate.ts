/**
 * The policy pack outside the Pulumi engine: runs every policy over the
 * resources a mock run recorded (plan/recorder.ts), with the engine's
 * argument shapes, its config reconciliation and its enforcement levels.
 * The offline plan and the tests both call `evaluatePolicies`.
 */
import type {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import Ajv, { ValidateFunction } from "ajv";
import { Problems } from "../components/internal/errors";
import type { RecordedResource } from "../plan/recorder";
import { ALL_POLICIES } from "./all";

/** One finding, as `pulumi preview` would print it. */
export interface Violation {
    policyName: string;
    /** `remediate` reports as `mandatory`, as in the engine. */
    enforcementLevel: "advisory" | "mandatory";
    /** The offending resource; absent for findings about the stack as a whole. */
    urn?: string;
    resourceName?: string;
    message: string;
}

/** A `--policy-pack-config` file: per policy name (or `"all"`), an enforcement level or `{ enforcementLevel?, ...config }`. */
export type PolicyPackConfigFile = Record<string, unknown>;

/** A policy's effective settings once defaults, `"all"` and its own entry are applied. */
export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

/** A recorded resource; hand-built ones may omit `propertyDependencies` (then every input depends on all of `dependsOn`). */
export type EvaluatedResource = RecordedResource;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
/** The pack sets no level of its own, so the SDK's default applies. */
const PACK_DEFAULT_LEVEL: EnforcementLevel = "advisory";

const NO_CONFIG: PolicyConfigSchema = { properties: {} };
const ajv = new Ajv({ allErrors: true });
const validators = new WeakMap<PolicyConfigSchema, ValidateFunction>();

/**
 * The schema the CLI validates a policy's config with, plus
 * `additionalProperties: false`: stricter on purpose, since the CLI ignores
 * unknown keys and a typo in a committed config file would silently fall
 * back to a default.
 */
function validatorFor(schema: PolicyConfigSchema): ValidateFunction {
    let validate = validators.get(schema);
    if (!validate) {
        validate = ajv.compile({ type: "object", properties: schema.properties, required: schema.required ?? [], additionalProperties: false });
        validators.set(schema, validate);
    }
    return validate;
}

function schemaDefaults(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(schema?.properties ?? {}).flatMap(([key, prop]) => (typeof prop === "object" && prop.default !== undefined ? [[key, structuredClone(prop.default)]] : [])),
    );
}

function parseEntry(problems: Problems, key: string, value: unknown): { level?: EnforcementLevel; properties: Record<string, unknown> } | undefined {
    if (typeof value === "string") value = { enforcementLevel: value };
    if (!value || typeof value !== "object" || Array.isArray(value)) {
        problems.add(key, value, "expected an enforcement level or an object");
        return undefined;
    }
    const { enforcementLevel, ...properties } = value as Record<string, unknown>;
    if (enforcementLevel !== undefined && !LEVELS.includes(enforcementLevel as EnforcementLevel)) {
        problems.at(key).add("enforcementLevel", enforcementLevel, `expected one of ${LEVELS.join(", ")}`);
        return undefined;
    }
    return { level: enforcementLevel as EnforcementLevel | undefined, properties };
}

/**
 * Reconciles a config file with the policies as the Pulumi CLI does: schema
 * defaults and each policy's own level first, then `"all"`'s level, then
 * each policy's entry (level and config keys). Throws one ValidationError
 * listing every problem (bad level, schema error, and — unlike the CLI —
 * unknown policy names and config keys).
 */
export function resolvePolicyConfig(policies: Policies, file: PolicyPackConfigFile): Map<string, ResolvedPolicyConfig> {
    const problems = new Problems();
    const resolved = new Map(policies.map((p) => [p.name, { enforcementLevel: p.enforcementLevel ?? PACK_DEFAULT_LEVEL, properties: schemaDefaults(p.configSchema) }]));
    const entries = Object.entries(file).flatMap(([key, value]) => {
        const entry = parseEntry(problems, key, value);
        return entry ? [{ key, ...entry }] : [];
    });
    for (const { key, level, properties } of entries) {
        if (key === "all") {
            if (Object.keys(properties).length > 0) problems.add(key, properties, "\"all\" takes only an enforcementLevel");
            if (level) resolved.forEach((c) => (c.enforcementLevel = level));
        } else if (!resolved.has(key)) {
            problems.add(key, file[key], `unknown policy (known: ${[...resolved.keys()].join(", ")})`);
        }
    }
    for (const { key, level, properties } of entries) {
        const config = resolved.get(key);
        if (!config) continue;
        if (level) config.enforcementLevel = level;
        Object.assign(config.properties, properties);
    }
    for (const policy of policies) {
        const config = resolved.get(policy.name)!;
        const validate = validatorFor(policy.configSchema ?? NO_CONFIG);
        if (validate(config.properties)) continue;
        for (const error of validate.errors ?? []) {
            const segments = error.instancePath.split("/").slice(1);
            if (error.keyword === "additionalProperties") segments.push(String(error.params.additionalProperty));
            const value = segments.reduce<unknown>((v, s) => (v as Record<string, unknown> | undefined)?.[s], config.properties);
            const allowed = error.keyword === "additionalProperties" ? `unknown config key (known: ${Object.keys(policy.configSchema?.properties ?? {}).join(", ") || "none"})` : error.message ?? "invalid";
            problems.at(policy.name).add(segments.join("."), value, allowed);
        }
    }
    problems.throwIfAny("policy pack config");
    return resolved;
}

/** Same test as the engine: the class's Pulumi type token, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const cls = resourceClass as { __pulumiType?: unknown; isInstance?: (o: unknown) => boolean };
    if (typeof cls.__pulumiType === "string" && cls.__pulumiType) return cls.__pulumiType === type;
    return typeof cls.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

class NotApplicable extends Error {}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

const NO_TAGS: ReadonlyMap<string, string> = new Map();

/** A resource's provider as the engine describes it: the provider resource's type, inputs, URN and name. */
function providerOf(r: RecordedResource, byUrn: Map<string, RecordedResource>): PolicyProviderResource | undefined {
    // A provider reference is `<urn>::<id>`.
    const provider = r.provider ? byUrn.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) : undefined;
    return provider && { type: provider.type, props: provider.inputs, urn: provider.urn, name: provider.name };
}

/**
 * The stack as `validateStack` sees it. Props are inputs plus a
 * component's registered outputs (the engine passes outputs). Without
 * recorded property dependencies, each input is taken to depend on all of
 * the resource's dependencies — joins still hold, by type, when a resource
 * refers to one resource of each kind.
 */
export function toPolicyResources(recorded: readonly EvaluatedResource[]): PolicyResource[] {
    const byUrn = new Map(recorded.map((r) => [r.urn, r]));
    const resources = new Map<string, PolicyResource>();
    for (const r of recorded) {
        const props = { ...r.inputs, ...(r.outputs ?? {}) };
        resources.set(r.urn, {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: { protect: r.protect, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [], parent: r.parent },
            provider: providerOf(r, byUrn),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: unknown) => isTypeOf(r.type, cls),
            asType: (cls: unknown) => (isTypeOf(r.type, cls) ? (props as never) : undefined),
        });
    }
    const lookup = (urns: readonly string[]) => urns.flatMap((u) => resources.get(u) ?? []);
    for (const r of recorded) {
        const resource = resources.get(r.urn)!;
        resource.parent = r.parent ? resources.get(r.parent) : undefined;
        resource.dependencies = lookup(r.dependsOn);
        const deps = r.propertyDependencies ?? Object.fromEntries(Object.keys(r.inputs).map((k) => [k, r.dependsOn]));
        resource.propertyDependencies = Object.fromEntries(Object.entries(deps).map(([k, urns]) => [k, lookup(urns)]));
    }
    return [...resources.values()];
}

/** `validateResource` args: the engine passes a resource's inputs, options and provider. */
function resourceArgs(resource: PolicyResource, inputs: PolicyResource["props"], getConfig: <T extends object>() => T): ResourceValidationArgs {
    return {
        type: resource.type,
        props: inputs,
        urn: resource.urn,
        name: resource.name,
        opts: resource.opts,
        provider: resource.provider,
        stackTags: NO_TAGS,
        isType: (cls: unknown) => isTypeOf(resource.type, cls),
        asType: (cls: unknown) => (isTypeOf(resource.type, cls) ? (inputs as never) : undefined),
        getConfig,
        notApplicable,
    };
}

/** Runs one validation; not-applicable is silence, anything else thrown is a policy bug and fails the run, as in the engine. */
async function run(policy: string, where: string, validation: () => Promise<void> | void): Promise<void> {
    try {
        await validation();
    } catch (e) {
        if (e instanceof NotApplicable) return;
        throw new Error(`Policy "${policy}" failed on ${where}: ${(e as Error).message}`, { cause: e });
    }
}

/**
 * Runs every resource policy on every resource and every stack policy on
 * the stack, honouring the config's enforcement levels (`disabled` skips a
 * policy). `config` is a parsed `config.<env>.json`.
 */
export async function evaluatePolicies(resources: readonly EvaluatedResource[], config: PolicyPackConfigFile, policies: Policies = ALL_POLICIES): Promise<Violation[]> {
    const settings = resolvePolicyConfig(policies, config);
    const stack = toPolicyResources(resources);
    const names = new Map(resources.map((r) => [r.urn, r.name]));
    const violations: Violation[] = [];
    for (const policy of policies) {
        const { enforcementLevel, properties } = settings.get(policy.name)!;
        if (enforcementLevel === "disabled") continue;
        const level = enforcementLevel === "advisory" ? "advisory" : "mandatory";
        const getConfig = <T extends object>() => structuredClone(properties) as T;
        const reporter =
            (resourceUrn?: string): ReportViolation =>
            (message, urn) => {
                const at = resourceUrn ?? urn;
                violations.push({ policyName: policy.name, enforcementLevel: level, ...(at ? { urn: at, resourceName: names.get(at) } : {}), message });
            };
        if ("validateStack" in policy) {
            const args: StackValidationArgs = { resources: stack, stackTags: NO_TAGS, getConfig, notApplicable };
            await run(policy.name, "the stack", () => (policy as StackValidationPolicy).validateStack(args, reporter()));
            continue;
        }
        const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
        for (const [i, resource] of stack.entries()) {
            const args = resourceArgs(resource, resources[i].inputs, getConfig);
            for (const validate of validations) await run(policy.name, resource.urn, () => validate(args, reporter(resource.urn)));
        }
    }
    return violations;
}

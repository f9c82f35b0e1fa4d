/**
 * Runs a Pulumi program against the engine's mock runtime and records every
 * resource it registers: type, name, inputs, parent, dependencies, provider
 * and resource options. The offline plan and the tests both read this record.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { mockCall, mockResourceState } from "./mock-outputs";

// Internal to @pulumi/pulumi but stable: swaps the monitor in, and drains pending RPCs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as {
    setMockOptions(monitor: unknown, project?: string, stack?: string, preview?: boolean): void;
    waitForRPCs(): Promise<void>;
};

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    /** Inputs with secrets unwrapped; `secretInputs` lists the paths that were secret. */
    inputs: Record<string, any>;
    secretInputs: string[];
    custom: boolean;
    remote: boolean;
    /** Read, not managed (a StackReference or `Resource.get`): Pulumi never creates or deletes it. */
    read?: boolean;
    parent?: string;
    dependsOn: string[];
    /** For each input property, the URNs its value came from. */
    propertyDependencies?: Record<string, string[]>;
    /** The provider reference (`urn::id`), when one was passed explicitly. */
    provider?: string;
    protect: boolean;
    retainOnDelete: boolean;
    /** `deleteBeforeReplace` as registered (managed resources only). */
    deleteBeforeReplace?: boolean;
    /** Names the resource was registered under before (`aliases` with a `name`), managed resources only. */
    aliasNames?: string[];
    /** `customTimeouts` as registered, e.g. `{ create: "16m" }` (managed resources only). */
    customTimeouts?: { create?: string; update?: string; delete?: string };
    /** Outputs registered by a component through `registerOutputs`, secrets unwrapped. */
    outputs?: Record<string, any>;
    /** Paths of `outputs` that were secret. */
    secretOutputs: string[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): Record<string, unknown> };

function pickFeatureFlags(store: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(store).filter(([k]) => k.startsWith("supports")));
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Secrets arrive wrapped (`{ 4dabf18193072939515e22adb298388d: sig, value }`); unwrap and report where. */
function unwrapSecrets(value: unknown, path: string, found: Set<string>): unknown {
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, found));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            found.add(path);
            return unwrapSecrets(obj.value, path, found);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, found)]));
    }
    return value;
}

/** The engine makes `additionalSecretOutputs` secret (random's `result`, say); the mock monitor does not, so do it here. */
function markAdditionalSecretOutputs(res: any, keys: string[]): void {
    if (keys.length === 0) return;
    const object = res.getObject().toJavaScript() as Record<string, unknown>;
    for (const key of keys) {
        if (key in object) object[key] = { [SIG_KEY]: SECRET_SIG, value: object[key] };
    }
    res.setObject(Struct.fromJavaScript(object as any));
}

/** The registered custom timeouts, without the empty ones. */
function customTimeouts(timeouts: any): RecordedResource["customTimeouts"] {
    if (!timeouts) return undefined;
    const set = Object.entries({ create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() }).filter(([, v]) => v);
    return set.length > 0 ? Object.fromEntries(set) : undefined;
}

class RecordingMonitor extends MockMonitor {
    constructor(
        mocks: pulumi.runtime.Mocks,
        private readonly record: Map<string, RecordedResource>,
    ) {
        super(mocks);
    }

    override async registerResource(req: any, callback: (err: any, res: any) => void): Promise<void> {
        return super.registerResource(req, (err: any, res: any) => {
            if (!err && res) {
                const secrets = new Set<string>();
                const raw = pulumi.runtime.deserializeProperties(req.getObject(), true);
                const inputs = unwrapSecrets(raw, "", secrets) as Record<string, any>;
                const urn: string = res.getUrn();
                this.record.set(urn, {
                    urn,
                    type: req.getType(),
                    name: req.getName(),
                    inputs,
                    secretInputs: [...secrets],
                    custom: req.getCustom(),
                    remote: req.getRemote(),
                    parent: req.getParent() || undefined,
                    dependsOn: req.getDependenciesList(),
                    propertyDependencies: Object.fromEntries(
                        [...req.getPropertydependenciesMap().entries()].map(([k, v]: [string, any]) => [k, v.getUrnsList()]),
                    ),
                    provider: req.getProvider() || undefined,
                    protect: req.getProtect() === true,
                    retainOnDelete: req.getRetainondelete() === true,
                    deleteBeforeReplace: req.getDeletebeforereplace() === true,
                    customTimeouts: customTimeouts(req.getCustomtimeouts()),
                    aliasNames: req.getAliasesList().map((a: any) => a.getSpec()?.getName()).filter(Boolean),
                    secretOutputs: [],
                });
                markAdditionalSecretOutputs(res, req.getAdditionalsecretoutputsList());
            }
            callback(err, res);
        });
    }

    /** Resources a program reads rather than manages (StackReference, `Resource.get`). */
    override async readResource(req: any, callback: (err: any, res: any) => void): Promise<void> {
        return super.readResource(req, (err: any, res: any) => {
            if (!err && res) {
                const urn: string = res.getUrn();
                this.record.set(urn, {
                    urn,
                    type: req.getType(),
                    name: req.getName(),
                    inputs: { ...pulumi.runtime.deserializeProperties(req.getProperties(), true), id: req.getId() },
                    secretInputs: [],
                    custom: true,
                    remote: false,
                    read: true,
                    parent: req.getParent() || undefined,
                    dependsOn: req.getDependenciesList(),
                    provider: req.getProvider() || undefined,
                    protect: false,
                    retainOnDelete: false,
                    secretOutputs: [],
                });
            }
            callback(err, res);
        });
    }

    override registerResourceOutputs(req: any, callback: (err: any, res: any) => void): void {
        const entry = this.record.get(req.getUrn());
        if (entry) {
            const secrets = new Set<string>();
            const outputs = req.getOutputs();
            entry.outputs = outputs
                ? (unwrapSecrets(pulumi.runtime.deserializeProperties(outputs, true), "", secrets) as Record<string, any>)
                : undefined;
            entry.secretOutputs = [...secrets];
        }
        super.registerResourceOutputs(req, callback);
    }
}

export interface MockRunOptions {
    project?: string;
    stack?: string;
    /** Stack config as `namespace:key` → string value (what `pulumi config` stores). */
    config?: Record<string, string>;
    /** Keys of `config` that are secrets. */
    secretKeys?: string[];
    /** Run as a preview (unknown outputs stay unknown); default false. */
    preview?: boolean;
    /** Outputs of the stacks a program reads through StackReference, by stack name. */
    stackOutputs?: Record<string, Record<string, unknown>>;
    /** The IAM role or user that runs `pulumi up` (what getCallerIdentity and getSessionContext answer). Default `MOCK_DEPLOYER_ARN`. */
    deployerArn?: string;
    /** getCallerIdentity answers unknown values (use with `preview`; see `MockCallContext.callerUnknown`). */
    callerUnknown?: boolean;
}

export interface MockRun<T> {
    resources: RecordedResource[];
    result: T;
}

let counter = 0;

/**
 * Runs `program` under the mock runtime and waits until every registration
 * has finished. Returns the recorded resources in registration order.
 */
export async function runWithMocks<T>(program: () => T | Promise<T>, options: MockRunOptions = {}): Promise<MockRun<T>> {
    const record = new Map<string, RecordedResource>();
    const mocks: pulumi.runtime.Mocks = {
        newResource: (args) => {
            const id = args.custom ? `${args.name}-id` : "";
            if (args.type === "pulumi:pulumi:StackReference") {
                return { id: args.inputs.name, state: { name: args.inputs.name, outputs: options.stackOutputs?.[args.inputs.name] ?? {}, secretOutputNames: [] } };
            }
            return { id, state: mockResourceState(args, id) };
        },
        call: (args) => mockCall(args, { deployerArn: options.deployerArn, callerUnknown: options.callerUnknown }),
    };
    const project = options.project ?? "genai-platform";
    const stack = options.stack ?? `test-${++counter}`;
    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys ?? []);
    await pulumi.runtime.setMocks(mocks, project, stack, options.preview ?? false);
    // setMockOptions resets the feature flags setMocks turned on; keep them (secrets above all).
    const features = { ...state.getStore() };
    settings.setMockOptions(new RecordingMonitor(mocks, record), project, stack, options.preview ?? false);
    Object.assign(state.getStore(), pickFeatureFlags(features));
    const result = await program();
    await settings.waitForRPCs();
    return { resources: [...record.values()], result };
}

/** Resolves an Output's value in a mock run (tests and the plan only). */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

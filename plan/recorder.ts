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
 *
 * Rejects when the real run would fail, not only when `program` throws: a
 * registration that fails, an `apply` that throws or an Output that rejects
 * (with or without a resource depending on it) surfaces in Node only as an
 * unhandled rejection, and the Node.js language host fails the program on
 * every one (see `observeRunFailures`).
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
    const result = await observeRunFailures(async () => {
        const value = await program();
        await settled();
        return value;
    });
    return { resources: [...record.values()], result };
}

/**
 * Waits until the program is quiet: every RPC answered, and the applies and
 * registrations those answers set off run too (Node reports a rejection as
 * unhandled only once the microtask queue has drained, so let a macrotask pass
 * and wait again while that started more work).
 */
async function settled(): Promise<void> {
    let done: unknown;
    do {
        done = (state.getStore().settings as { rpcDone: unknown }).rpcDone;
        await settings.waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
    } while (done !== (state.getStore().settings as { rpcDone: unknown }).rpcDone);
}

/**
 * Runs `run` collecting what would fail the real program, the way
 * @pulumi/pulumi v3.270.0 does: `cmd/run/run.ts` (the Node.js language host)
 * and `automation/server.ts` (inline programs) put process-wide
 * `uncaughtException` / `unhandledRejection` handlers round the program, so
 * any such error fails it, and `runtime/resource.ts` `runAsyncResourceOp`
 * re-rejects a failed registration precisely so that it reaches them.
 * `pulumi.log.error` alone fails nothing here, as it fails no `pulumi up`
 * (pulumi/pulumi#5085, and the SDK's log.error doc since #6573); only the
 * Automation API's inline server checks `log.hasErrors()`, and the plan
 * stands for the CLI. The handlers are ours only for this run.
 */
async function observeRunFailures<T>(run: () => Promise<T>): Promise<T> {
    const errors = new Set<unknown>();
    let reports = 0;
    const collect = (err: unknown) => {
        errors.add(err);
        reports++;
    };
    process.on("uncaughtException", collect);
    process.on("unhandledRejection", collect);
    // A failed run goes on rejecting the Outputs that awaited the failure: let them all come in under these
    // handlers (they are this same failure), rather than reach whatever the process has after them.
    const drain = async () => {
        let seen: number;
        do {
            seen = reports;
            await settled();
        } while (reports !== seen);
    };
    try {
        let result: T;
        try {
            result = await run();
        } catch (e) {
            await drain();
            throw e;
        }
        if (errors.size > 0) {
            await drain();
            throw runFailure([...errors]);
        }
        return result;
    } finally {
        process.off("uncaughtException", collect);
        process.off("unhandledRejection", collect);
    }
}

/**
 * One error for everything that failed the run: the error itself when there
 * was one (its class kept), else one line per distinct message. The same
 * rejection reaches the handlers from every Output that awaited it, so
 * messages are deduplicated; and each registration that awaited it prefixed
 * the same error object's message (`rpc.ts` serializeAllProperties), so only
 * the innermost prefix, the property that failed first, is kept.
 */
function runFailure(errors: unknown[]): Error {
    for (const e of errors) if (e instanceof Error) e.message = innermostProperty(e.message);
    const messages = [...new Set(errors.map((e) => (e instanceof Error ? e.message : String(e))))];
    if (messages.length === 1) return errors[0] instanceof Error ? errors[0] : new Error(messages[0]);
    return new Error(`The program failed with ${messages.length} errors:\n${messages.map((m) => `  - ${m}`).join("\n")}`);
}

const SERIALIZING = /^(?:error serializing property "[^"]*": )+(?=error serializing property "[^"]*": )/;

/** `error serializing property "a": error serializing property "b": why` → `error serializing property "b": why`. */
function innermostProperty(message: string): string {
    return message.replace(SERIALIZING, "");
}

/** Resolves an Output's value in a mock run (tests and the plan only). */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

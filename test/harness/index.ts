/** Shared test helpers: run under mocks, pick recorded resources, expect validation failures. */
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { ValidationError } from "../../components/internal/errors";
import { RecordedResource, runWithMocks, MockRunOptions } from "../../plan/recorder";

export { runWithMocks, valueOf } from "../../plan/recorder";
export type { RecordedResource } from "../../plan/recorder";

/** Every recorded resource of `type`. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one recorded resource of `type` (named `name`, when given); fails the test otherwise. */
export function one(resources: readonly RecordedResource[], type: string, name?: string): RecordedResource {
    const found = ofType(resources, type).filter((r) => name === undefined || r.name === name);
    assert.equal(found.length, 1, `expected one ${type}${name ? ` named ${name}` : ""}; found ${found.length} (names: ${ofType(resources, type).map((r) => r.name).join(", ")})`);
    return found[0];
}

/** The inputs of every Kubernetes object registered as `kind`. */
export function k8sObjects(resources: readonly RecordedResource[], kind: string): Record<string, any>[] {
    return resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind).map((r) => r.inputs);
}

/**
 * Runs `program` expecting it to throw; returns the error and what was
 * registered before it did (nothing, when validation comes first).
 */
export async function expectFailure(program: () => unknown, options?: MockRunOptions): Promise<{ error: Error; resources: RecordedResource[] }> {
    let error: Error | undefined;
    const run = await runWithMocks(() => {
        try {
            program();
        } catch (e) {
            error = e as Error;
        }
    }, options);
    assert.ok(error, "expected the program to throw, but it succeeded");
    return { error, resources: run.resources };
}

/** The problems `validate` throws as a ValidationError, as "path: what is allowed" lines; none when it accepts. */
export function problemLines(validate: () => unknown): string[] {
    try {
        validate();
        return [];
    } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return e.problems.map((p) => `${p.path}: ${p.allowed}`);
    }
}

/** The message a ValidationError formats for `problems` about `subject` (e.g. `LlmGateway "gw" args`). */
export function validationMessage(subject: string, problems: readonly string[]): string {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    return `Invalid ${subject} (${count}):\n${problems.map((p) => `  - ${p}`).join("\n")}`;
}

/**
 * Constructs a component with a test provider, expecting a ValidationError;
 * returns its message and the types registered besides that provider (none,
 * when validation comes first).
 */
export async function rejectedWith(construct: (provider: k8s.Provider) => unknown): Promise<{ message: string; types: string[] }> {
    const run = await runWithMocks(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        try {
            construct(provider);
        } catch (e) {
            return e;
        }
        return undefined;
    });
    assert.ok(run.result instanceof ValidationError, `expected a ValidationError, got ${String(run.result)}`);
    return { message: run.result.message, types: run.resources.map((r) => r.type).filter((t) => t !== "pulumi:providers:kubernetes") };
}

/** Shared test helpers: run under mocks, pick recorded resources, expect validation failures. */
import * as assert from "node:assert/strict";
import { RecordedResource, runWithMocks, MockRunOptions } from "../../plan/recorder";

export { runWithMocks, valueOf } from "../../plan/recorder";
export type { RecordedResource } from "../../plan/recorder";

/** Every recorded resource of `type`. */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one recorded resource of `type` named `name` (fails the test otherwise). */
export function named(resources: readonly RecordedResource[], type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}; found ${found.length} (names: ${ofType(resources, type).map((r) => r.name).join(", ")})`);
    return found[0];
}

/** Kubernetes objects registered as `kind`, keyed by metadata.name. */
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

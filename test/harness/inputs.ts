/**
 * Checks shared by the components' Input<> and resource-option tests: what a
 * component registers with Output-wrapped args versus plain ones, and how an
 * Output-wrapped bad value fails.
 */
import assert from "node:assert/strict";
import { ValidationError } from "../../components/internal/errors";
import type { RecordedResource } from "../../plan/recorder";

/**
 * Each registered resource's inputs, dependencies and provider, by type and
 * name: what must not change when args arrive as Outputs. The stack name
 * (each mock run has its own, and it shows in URNs and derived names) reads `<stack>`.
 */
export function registrations(resources: readonly RecordedResource[]): Record<string, unknown> {
    const stack = /^urn:pulumi:([^:]+)::/.exec(resources[0]?.urn ?? "")?.[1];
    const record = Object.fromEntries(resources.map((r) => [`${r.type}::${r.name}`, { inputs: r.inputs, secretInputs: r.secretInputs, dependsOn: r.dependsOn, provider: r.provider }]));
    const text = JSON.stringify(record);
    return JSON.parse(stack ? text.split(stack).join("<stack>") : text) as Record<string, unknown>;
}

/**
 * `actual` is the ValidationError `expected` is, raised from an Output chain:
 * the same problems, and the same message (Pulumi prefixes "error serializing
 * property …" to an error each time it passes through a resource's inputs).
 */
export function assertSameValidationError(actual: Error, expected: Error | undefined): void {
    assert.ok(expected instanceof ValidationError, `expected a ValidationError from the plain args, got ${expected}`);
    assert.ok(actual instanceof ValidationError, `expected a ValidationError, got ${actual}`);
    assert.deepEqual(actual.problems, expected.problems);
    assert.ok(actual.message.endsWith(expected.message), actual.message);
}

/** Resources registered as children of `component`. */
export function childrenOf(resources: readonly RecordedResource[], component: RecordedResource): RecordedResource[] {
    return resources.filter((r) => r.parent === component.urn);
}

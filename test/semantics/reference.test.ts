/**
 * The suites that need ../shared/reference skip without it on a laptop, but
 * fail in CI (`CI=true`): a green CI run must have run them.
 */
import * as assert from "node:assert/strict";
import { skipWithoutReference } from "../harness/conformance";

function fakeContext() {
    const calls = { skipped: 0 };
    return { ctx: { skip: () => void calls.skipped++ } as unknown as Mocha.Context, calls };
}

describe("suites that need the upstream reference data", () => {
    it("fail when it is missing and CI=true", () => {
        const { ctx, calls } = fakeContext();
        assert.throws(() => skipWithoutReference(ctx, { CI: "true" }, false), /upstream reference data not found at .*shared\/reference.*CI=true requires it/);
        assert.equal(calls.skipped, 0);
    });

    it("skip, saying why, when it is missing outside CI", () => {
        for (const env of [{}, { CI: "false" }]) {
            const { ctx, calls } = fakeContext();
            skipWithoutReference(ctx, env, false);
            assert.equal(calls.skipped, 1);
        }
    });

    it("run when it is present, in CI or not", () => {
        for (const env of [{ CI: "true" }, {}]) {
            const { ctx, calls } = fakeContext();
            skipWithoutReference(ctx, env, true);
            assert.equal(calls.skipped, 0);
        }
    });
});

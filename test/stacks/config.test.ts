import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as YAML from "yaml";
import { loadStackConfig, parseStackConfig, runStack, stackConfigPath } from "../../plan/stack";
import { main } from "../../stacks/program";
import { expectFailure } from "../harness";

/** The dev stack's config file with `edit` applied to its parsed config. */
function devConfigWith(edit: (config: Record<string, any>) => void) {
    const doc = YAML.parse(fs.readFileSync(stackConfigPath("dev"), "utf8"));
    edit(doc.config);
    return parseStackConfig(YAML.stringify(doc));
}

/** Runs the real program on the edited dev config; it must fail before declaring anything. */
async function expectRejected(edit: (config: Record<string, any>) => void, ...messages: string[]) {
    const { config, secretKeys } = devConfigWith(edit);
    const { error, resources } = await expectFailure(main, { stack: "dev", config, secretKeys });
    for (const m of messages) assert.ok(error.message.includes(m), `message lacks "${m}":\n${error.message}`);
    assert.equal(resources.length, 0, "nothing may be registered on invalid config");
}

describe("stack config validation", () => {
    it("accepts the committed dev config", async () => {
        const run = await runStack("dev", loadStackConfig("dev"));
        assert.ok(run.resources.length > 50);
    });

    it("names the key path, the value and what is allowed", async () => {
        await expectRejected((c) => (c["genai-platform:pools"][0].gpuLimit = "four"), "genai-platform:pools[0].gpuLimit: got \"four\"");
    });

    it("hints at the key meant for an unknown key", async () => {
        await expectRejected((c) => (c["genai-platform:cluster"].kubernetesVersoin = "1.35"), 'genai-platform:cluster.kubernetesVersoin: got "1.35"; unknown key; did you mean "kubernetesVersion"?');
    });

    it("requires the owner and cost-center tags", async () => {
        await expectRejected((c) => delete c["genai-platform:tags"]["cost-center"], 'genai-platform:tags.cost-center: got (missing); the "cost-center" tag is required');
    });

    it("rejects an unknown environment", async () => {
        await expectRejected((c) => (c["genai-platform:environment"] = "staging"), 'genai-platform:environment: got "staging"');
    });

    it("reports component-level problems too (a pool without a GPU limit)", async () => {
        await expectRejected((c) => (c["genai-platform:pools"][0].gpuLimit = 0), "pools[0].gpuLimit: got 0; every pool needs a GPU limit");
    });
});

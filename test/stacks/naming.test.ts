/**
 * The names the platform derives from the stack name are the ones validation
 * checks: a stack whose name makes a component name invalid is refused before
 * anything is registered, at the stack name; a valid one plans.
 */
import * as assert from "node:assert/strict";
import { loadStackConfig, runStack } from "../../plan/stack";
import { main } from "../../stacks/program";
import { expectFailure } from "../harness";

describe("stack names", () => {
    it("refuses a stack name that makes a component name too long, registering nothing", async () => {
        const { config, secretKeys } = loadStackConfig("prod");
        const { error, resources } = await expectFailure(main, { stack: "prod-eu-west-1-blue-2", config, secretKeys });
        assert.equal(resources.length, 0, `registered ${resources.length} resources before refusing: ${resources.slice(0, 5).map((r) => r.type).join(", ")}…`);
        assert.match(error.message, /^Invalid stack configuration \(1 problem\):/);
        assert.ok(
            error.message.includes('  - pulumi stack name: got "prod-eu-west-1-blue-2"; it names ObservabilityStack "genai-prod-eu-west-1-blue-2-observability", which must be a DNS-1123 label'),
            error.message,
        );
        assert.ok(error.message.includes("choose a stack name of at most 20 characters"), error.message);
    });

    it("refuses a stack name that is no DNS label", async () => {
        const { config, secretKeys } = loadStackConfig("dev");
        const { error, resources } = await expectFailure(main, { stack: "Dev_EU", config, secretKeys });
        assert.equal(resources.length, 0);
        assert.ok(error.message.includes('pulumi stack name: got "Dev_EU"; it names GpuCluster "genai-Dev_EU"'), error.message);
    });

    it("plans a stack whose name is as long as allowed", async () => {
        const run = await runStack("prod-eu-west-1-blue2", loadStackConfig("prod"));
        assert.ok(run.resources.some((r) => r.type === "genai-platform:index:ObservabilityStack" && r.name === "genai-prod-eu-west-1-blue2-observability"));
    });
});

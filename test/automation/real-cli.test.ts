/**
 * The adapter and the decisions against the real Pulumi CLI: a local file
 * backend, a passphrase secrets provider, a program that declares only
 * `random` resources (no cloud). Runs where `pulumi` is on PATH and the
 * random provider plugin is installed; elsewhere it skips, saying why.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findPulumi, openStack, runEngine, type EngineCommand } from "../../automation/engine";
import { driftReport, refusedChanges, summarise } from "../../automation/events";
import { PROJECT_ROOT } from "../../plan/stack";

function whyNot(): string | undefined {
    try {
        execFileSync("pulumi", ["version"], { stdio: "pipe" });
    } catch {
        return "the Pulumi CLI is not on PATH";
    }
    const plugins = execFileSync("pulumi", ["plugin", "ls", "--json"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    return (JSON.parse(plugins) as { name: string }[]).some((p) => p.name === "random") ? undefined : "the random provider plugin is not installed (pulumi plugin install resource random 4.21.2)";
}

const program = (length: number) => `const random = require("@pulumi/random");
const pet = new random.RandomPet("pet", { length: ${length} });
exports.petId = pet.id;
`;

describe("automation: the adapter against the real Pulumi CLI (random resources, file backend)", function () {
    this.timeout(300000);
    const reason = whyNot();
    before(function () {
        if (reason) {
            console.warn(`\n  SKIPPED real-CLI automation test: ${reason}. The fake-CLI tests cover the adapter here.\n`);
            this.skip();
        }
    });

    it("previews, deploys, finds no drift, and guards the replacement of a resource the plan records as protected", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "real-pulumi-"));
        fs.mkdirSync(path.join(dir, "state"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: automation-real-cli\nruntime: nodejs\nmain: index.js\n");
        fs.writeFileSync(path.join(dir, "index.js"), program(2));
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
        const pulumi = await findPulumi();
        const stack = await openStack({ workDir: dir, stack: "dev", pulumi, env: { PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "automation-test" } });
        const run = async (command: EngineCommand) => {
            const events: EngineEvent[] = [];
            let error: unknown;
            await runEngine(stack, command, { onEvent: (e) => events.push(e), signal: new AbortController().signal, policyPacks: [], policyPackConfigs: [] }).catch((e) => (error = e));
            return { events, error };
        };
        const preview = await run("preview");
        const pets = summarise(preview.events).changes.filter((c) => c.type === "random:index/randomPet:RandomPet");
        assert.deepStrictEqual(pets.map((c) => c.op), ["create"]);
        // As the offline plan would record `protect: true` (not set on the resource: the engine itself refuses to replace a protected one).
        const facts = { protectedUrns: new Set([pets[0].urn]) };
        assert.strictEqual((await run("up")).error, undefined);
        const drift = await run("drift");
        assert.strictEqual(drift.error, undefined, "random resources never drift");
        assert.deepStrictEqual(driftReport(drift.events), []);
        fs.writeFileSync(path.join(dir, "index.js"), program(3));
        const change = summarise((await run("preview")).events, facts).changes;
        assert.deepStrictEqual(refusedChanges(change, []).map((c) => [c.op, c.name, c.stateful]), [["replace", "pet", "protected"]]);
        assert.deepStrictEqual(refusedChanges(change, ["pet"]), []);
    });
});

/**
 * runWithMocks fails a run the real engine would fail, not only one whose
 * program throws. @pulumi/pulumi v3.270.0 `cmd/run/run.ts` (the Node.js
 * language host) fails the program on every `unhandledRejection` /
 * `uncaughtException`, and `runtime/resource.ts` `runAsyncResourceOp`
 * re-rejects a failed registration so that it reaches that handler; an
 * `apply` that throws rejects its Output's promise, unhandled whether or not
 * a resource consumes it. So each case below fails `pulumi up` and `preview`.
 */
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Problems, ValidationError } from "../../components/internal/errors";
import { PROJECT_ROOT } from "../../plan/stack";
import { runWithMocks } from "../harness";

const run = promisify(execFile);

/** A component that validates an Input<> arg once it resolves, in the Output chain its child consumes. */
class SizedSecret extends pulumi.ComponentResource {
    readonly result: pulumi.Output<string>;
    constructor(name: string, args: { length: pulumi.Input<number> }, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:SizedSecret", name, {}, opts);
        const length = pulumi.output(args.length).apply((n) => {
            const p = new Problems();
            p.check(Number.isInteger(n) && n >= 16, "length", n, "an integer of at least 16");
            p.throwIfAny(`SizedSecret "${name}" args`);
            return n;
        });
        this.result = new random.RandomPassword(`${name}-password`, { length }, { parent: this }).result;
        this.registerOutputs({ result: this.result });
    }
}

for (const preview of [false, true]) {
    describe(`runWithMocks fails the run as ${preview ? "preview" : "up"} does`, () => {
        it("when an Output-wrapped input throws inside apply during a resource's registration", async () => {
            const program = () => {
                const length = pulumi.output(Promise.resolve(8)).apply((): number => {
                    throw new Error("no length for you");
                });
                new random.RandomString("s", { length });
            };
            await assert.rejects(runWithMocks(program, { preview }), { message: 'error serializing property "length": no length for you' });
        });

        it("when an input Output rejects during a resource's registration", async () => {
            const program = () => new random.RandomString("s", { length: pulumi.output(Promise.reject<number>(new Error("lookup failed"))) });
            await assert.rejects(runWithMocks(program, { preview }), { message: 'error serializing property "length": lookup failed' });
        });

        it("when a component's validation of an Input<> fails in the Output chain: the ValidationError, one message", async () => {
            const program = () => new SizedSecret("db", { length: pulumi.output(8) });
            await assert.rejects(runWithMocks(program, { preview }), (e: unknown) => {
                assert.ok(e instanceof ValidationError, String(e));
                // The runtime prefixed the one error object's message at each registration it failed (the password's, then the
                // component's outputs): the message keeps the first, the property whose value failed.
                assert.equal(e.message, 'error serializing property "length": Invalid SizedSecret "db" args (1 problem):\n  - length: got 8; an integer of at least 16');
                return true;
            });
        });

        it("when an apply throws with no resource depending on it", async () => {
            const program = () => void pulumi.output("x").apply(() => {
                throw new Error("unobserved apply failed");
            });
            await assert.rejects(runWithMocks(program, { preview }), { message: "unobserved apply failed" });
        });
    });
}

describe("runWithMocks, its handlers and its message", () => {
    it("resolves a run that does not fail, and leaves the process's error handlers as it found them", async () => {
        const before = [process.listenerCount("unhandledRejection"), process.listenerCount("uncaughtException")];
        const { resources } = await runWithMocks(() => new SizedSecret("db", { length: pulumi.output(32) }));
        assert.deepEqual(resources.map((r) => r.type), ["test:index:SizedSecret", "random:index/randomPassword:RandomPassword"]);
        assert.deepEqual([process.listenerCount("unhandledRejection"), process.listenerCount("uncaughtException")], before);
        await assert.rejects(runWithMocks(() => void pulumi.output(1).apply(() => Promise.reject(new Error("late")))), { message: "late" });
        assert.deepEqual([process.listenerCount("unhandledRejection"), process.listenerCount("uncaughtException")], before);
    });

    it("rejects with the error a program throws, and lets nothing it started fail after the run", async () => {
        const program = () => {
            new random.RandomString("s", { length: pulumi.output(Promise.reject<number>(new Error("lookup failed"))) });
            throw new Error("program threw");
        };
        const escaped: unknown[] = [];
        const record = (e: unknown) => void escaped.push(e);
        await assert.rejects(runWithMocks(program), { message: "program threw" });
        process.on("unhandledRejection", record);
        try {
            await new Promise((resolve) => setTimeout(resolve, 100));
        } finally {
            process.off("unhandledRejection", record);
        }
        assert.deepEqual(escaped, []);
    });

    it("does not fail a run for pulumi.log.error alone, as pulumi up does not (pulumi/pulumi#5085)", async () => {
        const logged: unknown[] = [];
        const error = console.error;
        console.error = (...args: unknown[]) => void logged.push(args.join(" "));
        try {
            await runWithMocks(() => void pulumi.log.error("noted, not fatal"));
        } finally {
            console.error = error;
        }
        assert.deepEqual(logged, ["error: [runtime] noted, not fatal"]);
    });

    it("reports several distinct failures as one message, a line each", async () => {
        const program = () => {
            pulumi.output(1).apply(() => Promise.reject(new Error("first")));
            pulumi.output(2).apply(() => Promise.reject(new Error("second")));
        };
        await assert.rejects(runWithMocks(program), { message: "The program failed with 2 errors:\n  - first\n  - second" });
    });
});

describe("npm run plan on a program that fails in an apply", () => {
    it("says FAIL with the error, one line, and exits 1", async () => {
        const dir = path.relative(PROJECT_ROOT, path.join(__dirname, "fixtures", "failing-program"));
        const failed = await run(process.execPath, [require.resolve("tsx/cli"), "plan/cli.ts", "--stack", "dev", "--program", dir], { cwd: PROJECT_ROOT }).then(
            () => undefined,
            (e: { code: number; stdout: string; stderr: string }) => e,
        );
        assert.ok(failed, "the plan passed");
        assert.equal(failed.code, 1);
        assert.equal(failed.stderr, 'FAIL: offline plan failed: error serializing property "length": the secret length must be positive, got 0\n');
    });
});

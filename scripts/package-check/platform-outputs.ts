/**
 * Prints, as JSON, the outputs of the real dev platform stack evaluated under
 * the mock runtime: what the tenant example reads through its StackReference
 * when package-check.sh runs it against the installed tarball.
 */
import { runStack, loadStackConfig } from "../../plan/stack";
import { valueOf } from "../../plan/recorder";

async function main(): Promise<void> {
    const run = await runStack("dev", loadStackConfig("dev"));
    const outputs = run.result as Record<string, unknown>;
    const resolved = Object.fromEntries(await Promise.all(Object.entries(outputs).map(async ([k, v]) => [k, await valueOf(v)] as const)));
    process.stdout.write(JSON.stringify(resolved));
}

main();

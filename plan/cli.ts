/**
 * `npm run plan -- --stack dev`: evaluates a stack offline and prints what it
 * declares. Exits non-zero (with the validation message) on bad config.
 */
import { Command } from "commander";
import * as fs from "fs";
import { ValidationError } from "../components/internal/errors";
import { renderText } from "./report";
import { loadStackConfig, runStack } from "./stack";

async function plan(options: { stack: string; out?: string }): Promise<number> {
    const config = loadStackConfig(options.stack);
    const run = await runStack(options.stack, config);
    const text = renderText({ stack: options.stack, resources: run.resources, placeholders: config.placeholders });
    if (options.out) {
        fs.writeFileSync(options.out, text);
        console.log(`Offline plan for stack "${options.stack}" written to ${options.out} (${run.resources.length} resources).`);
    } else {
        process.stdout.write(text);
    }
    return 0;
}

const program = new Command()
    .name("plan")
    .description("Evaluate a stack of the genai-platform program offline (no cloud account) and show what it declares.")
    .requiredOption("-s, --stack <name>", "stack to plan: reads Pulumi.<name>.yaml")
    .option("-o, --out <file>", "write the report to a file instead of stdout")
    .action(async (options) => {
        try {
            process.exitCode = await plan(options);
        } catch (e) {
            const message = e instanceof ValidationError ? e.message : `Offline plan failed: ${(e as Error).message}`;
            console.error(message);
            process.exitCode = 1;
        }
    });

program.parseAsync(process.argv);

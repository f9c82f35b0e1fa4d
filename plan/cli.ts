/**
 * `npm run plan -- --stack dev`: evaluates a stack offline, judges it with the
 * policy pack, prices it and prints (or writes) the report. Exits 1 when the
 * config is invalid or a mandatory policy fails, saying why first.
 */
import { Command, Option } from "commander";
import * as fs from "fs";
import { ValidationError } from "../components/internal/errors";
import { buildPlan, buildTenantPlan } from "./build";
import { loadStackConfig, parseStackConfig } from "./stack";
import { renderJson, renderMarkdown, renderText, mandatory } from "./report";

// Source-mapped stack traces cost more than the plan's own work: the Pulumi runtime captures one per promise.
process.setSourceMapsEnabled(false);

const RENDERERS = { text: renderText, markdown: renderMarkdown, json: renderJson };

interface Options {
    stack: string;
    config?: string;
    format: keyof typeof RENDERERS;
    out?: string;
    policyConfig?: string;
    program?: string;
}

async function plan(options: Options): Promise<number> {
    const config = options.config ? parseStackConfig(fs.readFileSync(options.config, "utf8")) : loadStackConfig(options.stack);
    const report = options.program
        ? await buildTenantPlan(options.stack, options.program, options.policyConfig, config)
        : await buildPlan(options.stack, options.policyConfig, config);
    const text = RENDERERS[options.format](report);
    if (options.out) {
        fs.writeFileSync(options.out, text);
        console.log(`${text.split("\n").find((l) => /PASS|FAIL/.test(l))?.replace(/\*\*/g, "")}`);
        console.log(`Offline plan for ${options.program ? `tenant program "${options.program}" on ` : ""}stack "${options.stack}" written to ${options.out} (${report.resources.length} resources).`);
    } else {
        process.stdout.write(text);
    }
    return mandatory(report).length > 0 ? 1 : 0;
}

const program = new Command()
    .name("plan")
    .description("Evaluate a stack of the genai-platform program offline (no cloud account): what it declares, what the policy pack says, what it costs.")
    .requiredOption("-s, --stack <name>", "stack to plan: reads Pulumi.<name>.yaml")
    .option("-c, --config <file>", "stack config file to use instead of Pulumi.<stack>.yaml")
    .addOption(new Option("-f, --format <format>", "report format").choices(Object.keys(RENDERERS)).default("text"))
    .option("-o, --out <file>", "write the report to a file instead of stdout")
    .option("-p, --policy-config <file>", "policy pack config (default: policies/config.<environment>.json)")
    .option("--program <dir>", "plan a tenant program (e.g. examples/tenant-app) against the stack's outputs instead of the stack itself: its Pulumi.<stack>.yaml names the platform stack it reads")
    .action(async (options: Options) => {
        try {
            process.exitCode = await plan(options);
        } catch (e) {
            const message = e instanceof ValidationError ? `FAIL: invalid configuration\n${e.message}` : `FAIL: offline plan failed: ${(e as Error).message}`;
            console.error(message);
            process.exitCode = 1;
        }
    });

program.parseAsync(process.argv);

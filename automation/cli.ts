/**
 * `npm run deploy -- <command> --stack <dev|prod> [options]`: the driver CI
 * calls (README "Operating from CI"). Every engine command runs the offline
 * plan first and exits with one of the codes in exit-codes.ts.
 */
import { Argument, Command, Option } from "commander";
import { ValidationError } from "../components/internal/errors";
import { COMMANDS, drive, type DriverOptions } from "./driver";
import { EXIT } from "./exit-codes";

process.setSourceMapsEnabled(false);

const collect = (value: string, previous: string[]) => [...previous, value];

const program = new Command()
    .name("deploy")
    .description("Run the genai-platform stacks through the Pulumi Automation API: offline plan first, policy pack attached, stateful resources guarded.")
    .addArgument(new Argument("<command>", "what to do").choices(COMMANDS))
    .requiredOption("-s, --stack <name>", "stack: dev or prod (reads Pulumi.<stack>.yaml)")
    .option("--org <org>", "Pulumi Cloud organization: the stack becomes <org>/<project>/<stack>")
    .option("-c, --config <file>", "stack config file instead of Pulumi.<stack>.yaml (offline plan only)")
    .option("-p, --policy-config <file>", "policy pack config (default: policies/config.<environment>.json)")
    .option("--allow-replace <urn-or-name>", "allow up/destroy to replace or delete this stateful resource (repeatable)", collect, [])
    .option("--approve", "approve an up/destroy of a prod stack (CI: the production environment's reviewers)", false)
    .option("--runner-ip <ip>", "this runner's egress address, checked against cluster.endpoint.publicAccessCidrs", process.env.RUNNER_EGRESS_IP || undefined)
    .option("--base-plan <file>", "preview: the base ref's offline plan JSON (npm run plan -- --format json), for the cost delta")
    .option("--base-config <file>", "preview: the base ref's stack file, planned with this program, for the cost delta")
    .option("--summary-md <file>", "write the run's Markdown summary (a pull-request comment)")
    .option("--summary-json <file>", "write the run's facts as JSON")
    .option("--tenant <dir>", "a tenant program (like examples/tenant-app) run after the platform, same stack name (repeatable)", collect, [])
    .option("--secrets-provider <url>", "secrets provider of a stack this run creates on a self-managed backend (awskms://alias/...)", process.env.PULUMI_SECRETS_PROVIDER || undefined)
    .option("--pulumi-root <dir>", "use the CLI at <dir>/bin/pulumi instead of the one on PATH")
    .addOption(new Option("--retries <n>", "retries of a transient failure that changed nothing").default(2).argParser((v) => Number.parseInt(v, 10)))
    .action(async (command: (typeof COMMANDS)[number], options: DriverOptions) => {
        try {
            process.exitCode = await drive(command, options, {
                log: (line) => console.log(line),
                onInterrupt: (handler) => {
                    process.on("SIGINT", handler);
                    return () => process.off("SIGINT", handler);
                },
            });
        } catch (e) {
            const invalid = e instanceof ValidationError;
            console.error(invalid ? `FAIL: invalid configuration\n${e.message}` : `FAIL: ${(e as Error).message}`);
            process.exitCode = invalid ? EXIT.configInvalid : EXIT.engineError;
        }
    });

program.parseAsync(process.argv);

/**
 * Runs the tenant example's compiled program (out/program.js) under Pulumi's
 * mock runtime, with the package as installed from the tarball and the
 * app's own @pulumi/pulumi, and checks what it registered.
 *
 * Usage (in the app folder): node run-example.js platform-outputs.json
 */
"use strict";
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
// Where the runtime tracks registrations still in flight (what `pulumi up` waits for before it exits).
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings");

const platform = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const PLATFORM_STACK = "acme/genai-platform/dev";
const registered = [];

// The example's own stack file, as the CLI would hand it to the program (every key is a plain string).
const stackFile = require("yaml").parse(fs.readFileSync("Pulumi.dev.yaml", "utf8"));
pulumi.runtime.setAllConfig({ ...stackFile.config, "tenant-app:platformStack": PLATFORM_STACK });
pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered.push(args.type);
            if (args.type === "pulumi:pulumi:StackReference") {
                return { id: args.inputs.name, state: { name: args.inputs.name, outputs: platform, secretOutputNames: [] } };
            }
            return { id: args.custom ? `${args.name}-id` : "", state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "tenant-app",
    "dev",
    false,
);

async function check() {
    const { main } = require("./out/program.js");
    // main() is synchronous: the platform's outputs arrive as Outputs and flow into the components' args.
    const outputs = main();
    const value = (output) => new Promise((resolve) => output.apply(resolve));
    const [namespace, baseUrl] = await Promise.all([value(outputs.namespace), value(outputs.baseUrl)]);
    await waitForRPCs();
    const expect = (type) => {
        if (!registered.includes(type)) throw new Error(`the tenant example registered no ${type}; registered: ${[...new Set(registered)].join(", ")}`);
    };
    expect("genai-platform:index:ModelEndpoint");
    expect("genai-platform:index:AgentService");
    expect("kubernetes:apps/v1:Deployment");
    if (namespace !== "research" || !/^http:\/\/.+\.research\.svc\.cluster\.local:\d+\/v1$/.test(baseUrl)) {
        throw new Error(`unexpected outputs: namespace ${namespace}, baseUrl ${baseUrl}`);
    }
    console.log(`tenant example ran against the installed package: ${registered.length} resources, baseUrl ${baseUrl}`);
}

check().catch((e) => {
    console.error(`FAIL: ${e.stack ?? e}`);
    process.exit(1);
});

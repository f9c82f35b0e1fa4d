/**
 * The package as a Pulumi plugin (PulumiPlugin.yaml): the schema `pulumi
 * package add` generates Python, Go and other SDKs from. It is produced here
 * offline, the way the Node.js plugin host produces it (@pulumi/pulumi
 * cmd/run-plugin/run.js): require the package directory (index.ts,
 * which re-exports components/plugin.ts), collect the
 * ComponentResources it exports (`getPulumiComponents`), and ask a
 * `ComponentProvider` for its schema, which runs the component analyzer
 * (provider/experimental/analyzer.js) over the TypeScript source.
 *
 * Every tenant-facing component must be in it with every arg typed and
 * described (a generated SDK carries the descriptions as its docs), and every
 * type an arg reaches likewise. Planted defects (test/project/fixtures/analyzer)
 * show what fails: the analyzer refuses unions and functions; the check below
 * refuses an undocumented arg and a Pulumi resource reaching the schema as a
 * plain object (the analyzer turns `pulumi.Resource[]` into `{ urn }` objects).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import * as plugin from "../../components/plugin";

// Not in the package's typings (it exports `componentProviderHost` only); the plugin host calls them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ComponentProvider, getPulumiComponents } = require("@pulumi/pulumi/provider/experimental/provider") as {
    ComponentProvider: new (options: { dirname: string; name: string; components: unknown[] }) => { getSchema(): Promise<string> };
    getPulumiComponents(moduleExports: unknown): { name: string }[];
};

const ROOT = path.resolve(__dirname, "../..");
const FIXTURE = path.join(__dirname, "fixtures/analyzer");
/** The plugin's name: package.json `name`, as the plugin host derives it. */
const PACKAGE = "genai-platform";
const TENANT_FACING = ["AgentService", "ModelEndpoint", "TenantNamespace"];

interface Property {
    type?: string;
    $ref?: string;
    description?: string;
    items?: Property;
    additionalProperties?: Property;
}
interface SchemaType {
    type: string;
    properties?: Record<string, Property>;
    enum?: { name: string; value: unknown }[];
}
interface Schema {
    name: string;
    resources: Record<string, { isComponent?: boolean; inputProperties: Record<string, Property>; properties: Record<string, Property> }>;
    types: Record<string, SchemaType>;
}

/** Local type tokens a property refers to, through arrays and maps. */
function localRefs(p: Property): string[] {
    const own = p.$ref?.startsWith("#/types/") ? [decodeURIComponent(p.$ref.slice("#/types/".length))] : [];
    return [...own, ...(p.items ? localRefs(p.items) : []), ...(p.additionalProperties ? localRefs(p.additionalProperties) : [])];
}

/**
 * What keeps a component's args from reading well in another language, as
 * `<Component>.<path>: <problem>` lines: an arg or a field of a type it
 * reaches with no type or no description, a dangling type reference, or a
 * Pulumi resource passed as a plain `{ urn }` object.
 */
function schemaProblems(schema: Schema, components: readonly string[]): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    const checkProperties = (where: string, properties: Record<string, Property>, pending: string[]) => {
        for (const [name, p] of Object.entries(properties)) {
            if (!p.type && !p.$ref) problems.push(`${where}.${name}: no type`);
            if (!p.description?.trim()) problems.push(`${where}.${name}: no description`);
            pending.push(...localRefs(p));
        }
        if ("urn" in properties) problems.push(`${where}: a Pulumi resource as a plain { urn } object; pass resources through the resource options`);
    };
    for (const component of components) {
        const resource = schema.resources[`${schema.name}:index:${component}`];
        if (!resource?.isComponent) {
            problems.push(`${component}: not a component of the schema`);
            continue;
        }
        const pending: string[] = [];
        checkProperties(component, resource.inputProperties, pending);
        while (pending.length > 0) {
            const token = pending.shift()!;
            if (seen.has(token)) continue;
            seen.add(token);
            const type = schema.types[token];
            if (!type) problems.push(`${component}: refers to ${token}, which the schema lacks`);
            else if (type.properties) checkProperties(token.split(":").pop()!, type.properties, pending);
        }
    }
    return problems;
}

/** `servedModelName` → `served_model_name`, as Pulumi's Python codegen names properties. */
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** The top-level keyword names of the call whose `(` is at `open` in `source`. */
function keywords(source: string, open: number): string[] {
    const names: string[] = [];
    let depth = 0;
    for (let i = open; i < source.length; i++) {
        const c = source[i];
        if (c === "(" || c === "[" || c === "{") depth++;
        else if (c === ")" || c === "]" || c === "}") {
            if (--depth === 0) break;
        } else if (depth === 1) {
            const kw = /^(\w+)=(?!=)/.exec(source.slice(i));
            if (kw && /[(,\s]/.test(source[i - 1])) {
                names.push(kw[1]);
                i += kw[1].length;
            }
        }
    }
    return names;
}

/**
 * Names a Python program takes from `genai_platform` that the SDK generated
 * from `schema` would not have: a resource class and its snake_case args
 * (plus `opts`), an input type as `<Type>Args` and its fields, an enum and its
 * UPPER_SNAKE members.
 */
function unknownPythonNames(schema: Schema, source: string): string[] {
    const local = (token: string) => token.split(":").pop()!;
    const resources = new Map(Object.entries(schema.resources).map(([token, r]) => [local(token), [...Object.keys(r.inputProperties).map(snake), "opts"]]));
    const objects = new Map(Object.entries(schema.types).filter(([, t]) => t.properties).map(([token, t]) => [`${local(token)}Args`, Object.keys(t.properties!).map(snake)]));
    const enums = new Map(Object.entries(schema.types).filter(([, t]) => t.enum).map(([token, t]) => [local(token), t.enum!.map((m) => snake(m.name).toUpperCase())]));
    const unknown: string[] = [];
    for (const m of source.matchAll(/genai_platform\.(\w+)(?:\.(\w+))?(\()?/g)) {
        const [, name, member, call] = m;
        const args = resources.get(name) ?? objects.get(name);
        if (args) {
            if (call) unknown.push(...keywords(source, m.index! + m[0].length - 1).filter((k) => !args.includes(k)).map((k) => `${name}(${k}=)`));
        } else if (enums.has(name)) {
            if (member && !enums.get(name)!.includes(member)) unknown.push(`${name}.${member}`);
        } else {
            unknown.push(name);
        }
    }
    return unknown;
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

/** The fixture's schema for one component, as the plugin host builds it. */
function fixtureSchema(component: string): Schema {
    const analyzer = new Analyzer(FIXTURE, "analyzer-fixture", readJson(path.join(FIXTURE, "package.json")), new Set([component]));
    const { components, typeDefinitions } = analyzer.analyze();
    const types = Object.fromEntries(Object.entries(typeDefinitions).map(([name, t]) => [`analyzer-fixture:index:${name}`, t as SchemaType]));
    const inputs = components[component].inputs as Record<string, Property>;
    return { name: "analyzer-fixture", resources: { [`analyzer-fixture:index:${component}`]: { isComponent: true, inputProperties: inputs, properties: {} } }, types };
}

describe("the Pulumi plugin's schema (component analyzer, offline)", function () {
    this.timeout(300_000);
    let schema: Schema;

    before(async () => {
        const components = getPulumiComponents(plugin);
        schema = JSON.parse(await new ComponentProvider({ dirname: ROOT, name: PACKAGE, components }).getSchema());
    });

    it("is what the plugin host loads: the package directory, resolved to index.ts with no build and no install script", () => {
        // The plugin host (cmd/run-plugin/run.js) registers ts-node and requires the package directory. With no
        // `main`, Node resolves the directory to index.<registered extension>, i.e. index.ts (tsx does the same
        // here). No `main` also keeps the tarball dist/ only (npm pack always ships `main`), and nothing depends
        // on an install-time build: npm may run no lifecycle scripts unless approved.
        const pkg = readJson(path.join(ROOT, "package.json"));
        assert.equal(pkg.main, undefined);
        assert.deepEqual(["preinstall", "install", "postinstall", "prepare"].filter((s) => s in pkg.scripts), []);
        assert.equal(require.resolve(ROOT), path.join(ROOT, "index.ts"));
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        assert.deepEqual(Object.keys(require(ROOT)).sort(), TENANT_FACING);
        assert.match(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8"), /^runtime: nodejs$/m);
    });

    it("serves exactly the tenant-facing components", () => {
        assert.deepEqual(Object.keys(schema.resources).sort(), TENANT_FACING.map((c) => `${PACKAGE}:index:${c}`));
    });

    it("types and describes every arg of each, and every field of the types they reach", () => {
        assert.deepEqual(schemaProblems(schema, TENANT_FACING), []);
    });

    it("has every name examples/tenant-app-python uses, as the generated Python SDK spells it", () => {
        const source = fs.readFileSync(path.join(ROOT, "examples/tenant-app-python/__main__.py"), "utf8");
        assert.deepEqual(unknownPythonNames(schema, source), []);
    });

    it("refuses, in a planted program, names the generated SDK would not have", () => {
        const planted = [
            "genai_platform.ModelEndpoint(\"m\", maxModelLen=8192, pool=config.require(\"pool\"), cluster=genai_platform.EndpointClusterArgs(pools=[], cluster_nam=\"x\"))",
            "genai_platform.Dtype.BF16",
            "genai_platform.AutoscalingArgs(min_replicas=1)",
        ].join("\n");
        assert.deepEqual(unknownPythonNames(schema, planted), ["ModelEndpoint(maxModelLen=)", "EndpointClusterArgs(cluster_nam=)", "Dtype.BF16", "AutoscalingArgs"]);
    });

    it("gives the enums tenants choose from as named enums, not free strings", () => {
        const enumOf = (name: string) => schema.types[`${PACKAGE}:index:${name}`]?.enum?.map((m) => m.value);
        assert.deepEqual(enumOf("Dtype"), ["auto", "half", "float16", "bfloat16", "float", "float32"]);
        assert.deepEqual(enumOf("TenantAccess"), ["edit", "view"]);
        assert.deepEqual(enumOf("CacheAccessMode"), ["ReadWriteOnce", "ReadWriteMany"]);
        assert.deepEqual(enumOf("GpuSharingMode"), ["time-slicing", "mig"]);
    });
});

describe("the plugin schema check: planted defects", function () {
this.timeout(120_000);
    it("a sound component passes the check (the fixture itself is analysable)", () => {
        assert.deepEqual(schemaProblems(fixtureSchema("Sound"), ["Sound"]), []);
    });

    it("an inline literal union makes the analyzer fail", () => {
        assert.throws(() => fixtureSchema("UnionArg"), /Union types are not supported for component 'UnionArg' property 'UnionArgs.size'/);
    });

    it("a function arg makes the analyzer fail", () => {
        assert.throws(() => fixtureSchema("FunctionArg"), /Unsupported type for component 'FunctionArg' property 'FunctionArgs.transform'/);
    });

    it("an undocumented arg fails the description check", () => {
        assert.deepEqual(schemaProblems(fixtureSchema("Undocumented"), ["Undocumented"]), ["Undocumented.replicas: no description"]);
    });

    it("a Resource[] arg, which the analyzer lets through as { urn } objects, fails the check", () => {
        assert.deepEqual(schemaProblems(fixtureSchema("ResourceListArg"), ["ResourceListArg"]), [
            "Resource: a Pulumi resource as a plain { urn } object; pass resources through the resource options",
        ]);
    });
});

/**
 * The npm package tenants install: its public API (components/index.ts, the
 * only entry `exports` allows), what its .d.ts strip, and a package.json whose
 * runtime dependencies are exactly what the shipped code imports. The tarball
 * itself is proved end to end by scripts/package-check.sh (run by .ci/run).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT_ROOT } from "../../plan/stack";

const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8"));
const ENTRY = path.join(PROJECT_ROOT, "components", "index.ts");

/** The public API, a semver contract: the components, their Args types, and the shapes tenants read. */
const PUBLIC_API = [
    // components
    "AgentService", "GpuCluster", "LlmGateway", "ModelEndpoint", "ObservabilityStack", "TenantNamespace", "ValidationError",
    // GpuCluster args and outputs
    "AmiFamily", "BusinessHoursProtection", "CapacityReservationSelector", "CapacityType", "ClusterMode", "ConsolidationPolicy", "EndpointArgs",
    "GpuClusterArgs", "GpuPoolArgs", "GpuPoolInfo", "GpuPoolSharing", "GpuSharing", "GpuSharingMode", "KyvernoArgs", "KyvernoEnforcement",
    "NatGateways", "NetworkArgs", "PlatformCapacityType", "PlatformPoolArgs", "SystemNodeArgs",
    // ModelEndpoint
    "AutoscalingArgs", "CacheAccessMode", "CacheVolumeArgs", "Dtype", "EndpointCluster", "EndpointResourceArgs", "ModelEndpointArgs",
    "ModelRoute", "MonitoringArgs", "SecretRef", "InferenceGatewayRef", "Routing",
    // LlmGateway
    "AlbIngressArgs", "CacheArgs", "CacheEngine", "DatabaseArgs", "DeploymentLimits", "GatewayResourceArgs", "HostedProvider", "HostedRoute",
    "IngressArgs", "IngressScheme", "KeyedProvider", "LangfuseArgs", "LlmGatewayArgs", "ProviderKeys", "RoutingArgs", "RoutingStrategy",
    "SelfHostedRoute",
    // ObservabilityStack
    "AlertArgs", "ClickHouseArgs", "CollectorConnection", "LangfuseCacheArgs", "LangfuseConnection", "LangfuseDatabaseArgs", "LangfuseDeploymentArgs",
    "ObservabilityIngressArgs", "ObservabilityStackArgs", "PrometheusArgs", "SlackReceiverArgs",
    // TenantNamespace
    "ContainerDefaultsArgs", "EgressRuleArgs", "GatewayConnection", "IngressSourceArgs", "SecretKeyRef", "TenantAccess", "TenantAccessGroups", "TenantNamespaceArgs",
    "TenantPoolInfo", "TenantPrincipal", "TenantQuotaArgs", "TenantSpec", "TenantTeamArgs",
    // AgentService
    "AgentDatabaseServer", "AgentGateway", "AgentPlatformFacts", "AgentResourceArgs", "AgentScalingArgs", "AgentServiceArgs", "AgentTracing",
    "NamespacedSecretKeyRef",
    // the platform stack's outputs, as a tenant reads them
    "PlatformStackOutputs",
    // errors
    "Problem",
].sort();

interface Export {
    name: string;
    /** Whether it exists at runtime (a class), not only as a type. */
    value: boolean;
}

let exportsOfEntry: Export[] | undefined;

/** The entry's exports (one program over the library, built once: it takes seconds). */
function entryExports(): Export[] {
    return (exportsOfEntry ??= readEntryExports());
}

function readEntryExports(): Export[] {
    const program = ts.createProgram([ENTRY], { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, noEmit: true });
    const checker = program.getTypeChecker();
    const module = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
    return checker.getExportsOfModule(module).map((s) => {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        return { name: s.name, value: (target.flags & ts.SymbolFlags.Value) !== 0 && !s.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) };
    });
}

/** Bare module specifiers (package names) imported by the files reachable from `entry` through relative imports. */
function packagesImported(entry: string): string[] {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const { fileName: spec } of ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles) {
            if (spec.startsWith(".")) {
                const base = path.resolve(path.dirname(file), spec);
                visit(fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, "index.ts"));
            } else if (!builtinModules.includes(spec.replace(/^node:/, "").split("/")[0])) {
                packages.add(spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/"));
            }
        }
    };
    visit(entry);
    return [...packages].sort();
}

describe("the npm package", () => {
    it("exports exactly the curated public API: components as values, everything else as types", () => {
        const exports = entryExports();
        assert.deepEqual(exports.map((e) => e.name).sort(), PUBLIC_API);
        assert.deepEqual(exports.filter((e) => e.value).map((e) => e.name).sort(), ["AgentService", "GpuCluster", "LlmGateway", "ModelEndpoint", "ObservabilityStack", "TenantNamespace", "ValidationError"]);
    });

    it("exports no helper: resolvers, validators, renderers, parsers or constants", () => {
        const helpers = entryExports().filter((e) => /^(resolve|validate|render|parse|is)[A-Z]/.test(e.name) || /^[A-Z][A-Z0-9_]+$/.test(e.name) || /^[a-z]/.test(e.name));
        assert.deepEqual(helpers, []);
    });

    it("strips the platform-only `settings` (resolved args) from every component's declarations", () => {
        // Every component folder (all but internal/), so a new component cannot slip through.
        const componentDirs = fs.readdirSync(path.join(PROJECT_ROOT, "components"), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "internal").map((d) => d.name);
        assert.ok(componentDirs.includes("agent-service") && componentDirs.length >= 6, componentDirs.join(", "));
        for (const dir of componentDirs) {
            const file = path.join(PROJECT_ROOT, "components", dir, "index.ts");
            const { outputText } = ts.transpileDeclaration(fs.readFileSync(file, "utf8"), { fileName: file, compilerOptions: { stripInternal: true } });
            assert.match(outputText, /export declare class \w+ extends pulumi\.ComponentResource/, dir);
            assert.doesNotMatch(outputText, /\bsettings\b/, `${dir}/index.d.ts still declares settings`);
        }
    });

    it("depends at runtime on exactly what the shipped code imports, @pulumi/* as caret ranges from the locked versions", () => {
        assert.deepEqual(Object.keys(pkg.dependencies).sort(), packagesImported(ENTRY));
        for (const [name, range] of Object.entries<string>(pkg.dependencies)) {
            const locked = lock.packages[`node_modules/${name}`].version;
            assert.equal(range, `^${locked}`, `${name}: a caret range from the locked ${locked}, so tenants share one copy`);
        }
    });

    it("ships dist/ (types, exports), the CHANGELOG entry of its version and an Apache-2.0 LICENSE", () => {
        // No `main`: a package name resolves through `exports`, and the Pulumi plugin host (PulumiPlugin.yaml)
        // requires the directory, which Node resolves to the root index.ts (test/project/plugin-schema.test.ts).
        assert.equal(pkg.main, undefined);
        assert.equal(pkg.types, "dist/components/index.d.ts");
        assert.deepEqual(pkg.exports["."], { types: "./dist/components/index.d.ts", default: "./dist/components/index.js" });
        assert.deepEqual(pkg.files, ["dist/**/*.js", "dist/**/*.d.ts", "CHANGELOG.md"]);
        const build = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.build.json"), "utf8"));
        assert.equal(build.compilerOptions.stripInternal, true);
        assert.equal(build.compilerOptions.outDir, "dist");
        assert.match(fs.readFileSync(path.join(PROJECT_ROOT, "CHANGELOG.md"), "utf8"), new RegExp(`^## ${pkg.version.replace(/\./g, "\\.")} `, "m"));
        assert.equal(pkg.license, "Apache-2.0");
        assert.match(fs.readFileSync(path.join(PROJECT_ROOT, "LICENSE"), "utf8"), /Apache License\s+Version 2\.0, January 2004/);
    });
});

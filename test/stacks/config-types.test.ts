/**
 * The stack config schema restates no component enum: it derives each from the
 * component's own `as const` object or tuple, and stacks/platform.ts hands the
 * parsed config to the components' args without a cast. So a field of the
 * schema restated by hand (a free string where a component takes an enum)
 * no longer compiles. This test plants such drifts in the real
 * stacks/config.ts (in memory) and type-checks the real stacks/platform.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
const CONFIG = path.join(ROOT, "stacks/config.ts");
const PLATFORM = path.join(ROOT, "stacks/platform.ts");

function compilerOptions(): ts.CompilerOptions {
    const file = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    return { ...ts.parseJsonConfigFileContent(file.config, ts.sys, ROOT).options, noEmit: true };
}

/** Source files parsed once and shared by every program (only stacks/config.ts differs between them). */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Type errors in stacks/platform.ts when stacks/config.ts reads `configSource`. */
function platformErrors(configSource: string): string[] {
    const options = compilerOptions();
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, onError) => {
        if (path.resolve(name) === CONFIG) return ts.createSourceFile(name, configSource, language);
        if (!parsed.has(name)) parsed.set(name, read(name, language, onError));
        return parsed.get(name);
    };
    const program = ts.createProgram({ rootNames: [PLATFORM], options, host });
    return ts
        .getPreEmitDiagnostics(program, program.getSourceFile(PLATFORM))
        .map((d) => `${d.start === undefined ? "" : `line ${d.file!.getLineAndCharacterOfPosition(d.start).line + 1}: `}${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
}

/** `source` (stacks/config.ts) with `from` replaced by `to`; `from` must be there. */
function planted(source: string, from: string, to: string): string {
    assert.ok(source.includes(from), `stacks/config.ts no longer holds ${from}`);
    return source.replace(from, to);
}

const DRIFTS = [
    { field: "pools[].capacityTypes", from: "capacityTypes: z.array(z.enum(CapacityType))", to: "capacityTypes: z.array(z.string())", mentions: "capacityTypes" },
    { field: "pools[].amiFamily", from: "amiFamily: z.enum(AmiFamily)", to: "amiFamily: z.string()", mentions: "amiFamily" },
    { field: "models[].dtype", from: "dtype: z.enum(Dtype)", to: 'dtype: z.enum(["auto", "half", "float16", "bfloat16", "float", "float32", "fp8"])', mentions: "fp8" },
    { field: "tenants[].principals[].access", from: "access: z.enum(TenantAccess)", to: "access: z.string()", mentions: "access" },
];

describe("stack config schema: component enums derived, not restated", function () {
    this.timeout(240_000);

    it("stacks/platform.ts type-checks against the config as it is", () => {
        assert.deepEqual(platformErrors(fs.readFileSync(CONFIG, "utf8")), []);
    });

    // One drift per program: the compiler reports only the first incompatible property of an object.
    for (const drift of DRIFTS) {
        it(`a hand-restated ${drift.field} fails to compile where the config meets the component's args`, () => {
            const errors = platformErrors(planted(fs.readFileSync(CONFIG, "utf8"), drift.from, drift.to));
            assert.ok(errors.some((e) => e.includes(drift.mentions)), `expected a type error naming ${drift.mentions}, got:\n${errors.join("\n") || "(no type errors)"}`);
        });
    }
});

/**
 * Runs a tool (`plan/cli`, `plan/bench`) from its compiled JavaScript in
 * .build/, compiling first (`tsc -b tsconfig.tools.json`, incremental) when a
 * source is newer than the last build. A fresh clone therefore needs only
 * `npm install` (no install script) before `npm run plan`; later runs skip the
 * compiler and the per-run TypeScript transpile tsx would cost.
 *
 * Usage: node scripts/run-compiled.js plan/cli [args...]
 */
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const CONFIG = path.join(ROOT, "tsconfig.tools.json");
const BUILD_INFO = path.join(ROOT, ".build", "tools.tsbuildinfo");
const SOURCES = ["plan", "stacks", "policies", "components", "examples/tenant-app"];

/** Newest modification time of the build's inputs (sources and the configs that shape them). */
function newestInput() {
    let newest = Math.max(...[CONFIG, path.join(ROOT, "tsconfig.json")].map((f) => fs.statSync(f).mtimeMs));
    const walk = (dir) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            if (entry.name === "node_modules") continue;
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(file);
            else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(file).mtimeMs);
        }
    };
    SOURCES.forEach((dir) => walk(path.join(ROOT, dir)));
    return newest;
}

function ensureBuilt() {
    if (fs.existsSync(BUILD_INFO) && fs.statSync(BUILD_INFO).mtimeMs >= newestInput()) return;
    const tsc = require.resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-b", CONFIG], { cwd: ROOT, stdio: "inherit" });
    // tsc -b leaves the build info alone when the changed sources compile to the same output.
    const now = new Date();
    fs.utimesSync(BUILD_INFO, now, now);
}

const [entry, ...args] = process.argv.slice(2);
if (!entry) throw new Error("usage: node scripts/run-compiled.js <tool, e.g. plan/cli> [args...]");
try {
    ensureBuilt();
} catch {
    console.error(`FAIL: could not compile the tools (tsc -b ${path.relative(ROOT, CONFIG)}); see the errors above`);
    process.exit(1);
}
process.argv = [process.argv[0], path.join(ROOT, ".build", `${entry}.js`), ...args];
require(process.argv[1]);

#!/usr/bin/env bash
# Proves the package as a tenant gets it: `npm pack`s the library, checks the
# tarball holds only dist/, README, LICENSE, CHANGELOG and package.json,
# installs it into a fresh copy of examples/tenant-app (no tsconfig `paths`
# alias: "genai-platform" resolves from node_modules to the tarball's dist/),
# compiles the example with its strict tenant tsconfig (strict,
# exactOptionalPropertyTypes, noUncheckedIndexedAccess, skipLibCheck off, so
# our .d.ts are checked too) and runs its program under the mock runtime
# against the installed package, reading the real dev platform's outputs.
#
# Offline once the npm cache holds the pinned @pulumi/* (any `npm ci` of this
# repository fills it): the install prefers the cache (--prefer-offline) and
# runs no install scripts.
set -euo pipefail
SECONDS=0
step() { echo "  [${SECONDS}s] $1"; }
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $1"; exit 1; }

step "npm pack (builds dist/)"
npm pack --silent --json --pack-destination "$work" > "$work/pack.json" || fail "npm pack"
tarball=$(node -e 'console.log(require(process.argv[1])[0].filename)' "$work/pack.json")
echo "packed $tarball:"
node -e '
const files = require(process.argv[1])[0].files.map((f) => f.path).sort();
const allowed = (p) => /^dist\/.+\.(js|d\.ts)$/.test(p) || ["README.md", "LICENSE", "CHANGELOG.md", "package.json"].includes(p);
const unwanted = files.filter((p) => !allowed(p));
for (const top of ["README.md", "LICENSE", "CHANGELOG.md", "package.json", "dist/components/index.js", "dist/components/index.d.ts"]) {
    if (!files.includes(top)) unwanted.push(`missing: ${top}`);
}
const outside = files.filter((p) => !p.startsWith("dist/"));
console.log(`  ${files.length} files: ${files.length - outside.length} under dist/, and ${outside.length > 12 ? `${outside.length} others` : outside.join(", ")}`);
if (unwanted.length) {
    const shown = unwanted.slice(0, 12).join(", ") + (unwanted.length > 12 ? ` and ${unwanted.length - 12} more` : "");
    console.log(`FAIL: the tarball is not dist/, README, LICENSE, CHANGELOG, package.json: ${shown}`);
    process.exit(1);
}
' "$work/pack.json"

app="$work/app"
mkdir "$app"
cp examples/tenant-app/{index.ts,program.ts,Pulumi.yaml,Pulumi.dev.yaml,tsconfig.json,package.json} scripts/package-check/run-example.js "$app/"
node -e '
const fs = require("fs");
const file = process.argv[1] + "/package.json";
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
pkg.dependencies["genai-platform"] = "file:" + process.argv[2];
fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
' "$app" "$work/$tarball"
step "npm install the tarball into a copy of examples/tenant-app"
(cd "$app" && npm install --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm install of the tarball into the tenant example"
[ -d "$app/node_modules/genai-platform/dist" ] && [ ! -e "$app/node_modules/genai-platform/components" ] || fail "genai-platform did not install from the tarball"

step "tsc -p tsconfig.json (strict tenant)"
(cd "$app" && ./node_modules/.bin/tsc -p tsconfig.json) || fail "the tenant example does not compile under its strict tsconfig against the installed package"
echo "tenant example compiles (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess, skipLibCheck off)"

step "the dev platform's outputs under the mock runtime"
node --import tsx scripts/package-check/platform-outputs.ts > "$work/platform-outputs.json" || fail "could not evaluate the dev platform stack"
(cd "$app" && node run-example.js "$work/platform-outputs.json") || fail "the tenant example did not run against the installed package"
echo "package check passed in ${SECONDS}s"

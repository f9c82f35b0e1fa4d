/**
 * The GitHub Actions workflows users run (.github/workflows/): valid against
 * the GitHub workflow JSON schema (SchemaStore, fixtures/README.md names the
 * commit), every `uses:` pinned to a commit SHA, permissions least-privilege
 * (`id-token: write` exactly in the jobs that assume an AWS role), no secret
 * echoed, and every driver call a real driver command. Each check has a
 * planted-defect test.
 */
import Ajv from "ajv";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { COMMANDS } from "../../automation/driver";
import { PROJECT_ROOT } from "../../plan/stack";

const WORKFLOWS = path.join(PROJECT_ROOT, ".github", "workflows");
const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "github-workflow.schema.json"), "utf8"));
// The schema uses format and keyword extensions ajv's strict mode rejects; validation of the structure is unchanged.
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

interface Step { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }
interface Job { permissions?: Record<string, string> | string; steps?: Step[]; env?: Record<string, string>; uses?: string; environment?: string }
interface Workflow { on: Record<string, unknown>; permissions?: unknown; env?: Record<string, string>; jobs: Record<string, Job> }

const OIDC_ACTION = "aws-actions/configure-aws-credentials";
const SHA_PIN = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

function problems(text: string): string[] {
    const doc = YAML.parse(text) as Workflow;
    const found: string[] = [];
    if (!validate(doc)) found.push(...(validate.errors ?? []).map((e) => `schema: ${e.instancePath || "/"} ${e.message}`));
    if (JSON.stringify(doc.permissions) !== "{}") found.push(`workflow permissions must be {} (each job asks for its own), got ${JSON.stringify(doc.permissions)}`);
    for (const [name, job] of Object.entries(doc.jobs ?? {})) {
        const steps = job.steps ?? [];
        for (const uses of [job.uses, ...steps.map((s) => s.uses)].filter((u): u is string => !!u)) {
            if (!uses.startsWith("./") && !SHA_PIN.test(uses)) found.push(`${name}: ${uses} is not pinned to a 40-hex commit SHA`);
        }
        const perms = job.permissions;
        if (typeof perms !== "object") {
            found.push(`${name}: permissions must be an explicit map, got ${JSON.stringify(perms)}`);
            continue;
        }
        const oidc = steps.some((s) => s.uses?.startsWith(`${OIDC_ACTION}@`));
        if (oidc && perms["id-token"] !== "write") found.push(`${name}: assumes an AWS role through OIDC without id-token: write`);
        if (!oidc && perms["id-token"] && perms["id-token"] !== "none") found.push(`${name}: id-token: ${perms["id-token"]} without OIDC`);
        for (const [scope, level] of Object.entries(perms)) {
            if (level === "write" && !["id-token", "pull-requests", "issues"].includes(scope)) found.push(`${name}: ${scope}: write is more than any job here needs`);
        }
        // Environment variables that carry secrets, then scripts that would print them.
        const secretEnv = Object.entries({ ...doc.env, ...job.env, ...Object.assign({}, ...steps.map((s) => s.env ?? {})) })
            .filter(([, v]) => /\$\{\{\s*secrets\./.test(String(v)))
            .map(([k]) => k);
        for (const s of steps) {
            if (!s.run) continue;
            if (/\$\{\{\s*secrets\./.test(s.run)) found.push(`${name}: a run script interpolates a secret (pass it through env)`);
            if (/^\s*set\s+-[a-z]*x/m.test(s.run)) found.push(`${name}: set -x would print secrets`);
            for (const k of secretEnv) {
                if (new RegExp(`(echo|printf|cat)[^\\n]*\\$\\{?${k}\\b`).test(s.run)) found.push(`${name}: a run script prints the secret ${k}`);
            }
            // `npm run deploy -- <command>`, or the command first in the `args=(...)` array a script passes as "${args[@]}".
            for (const m of s.run.matchAll(/(?:npm run deploy -- |args=\()(\w+)/g)) {
                if (!(COMMANDS as readonly string[]).includes(m[1])) found.push(`${name}: npm run deploy -- ${m[1]} is no driver command`);
            }
        }
    }
    return found;
}

const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml")).sort();
const read = (f: string) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8");

describe("automation: the GitHub Actions workflows", () => {
    it("are the pull-request, main and nightly drift workflows", () => {
        assert.deepStrictEqual(files, ["drift.yml", "main.yml", "pull-request.yml"]);
        const on = (f: string) => Object.keys((YAML.parse(read(f)) as Workflow).on);
        assert.deepStrictEqual(on("pull-request.yml"), ["pull_request"]);
        assert.deepStrictEqual(on("main.yml"), ["push", "workflow_dispatch"]);
        assert.deepStrictEqual(on("drift.yml"), ["schedule", "workflow_dispatch"]);
    });

    for (const f of ["drift.yml", "main.yml", "pull-request.yml"]) {
        it(`${f}: valid against the workflow schema, SHA-pinned, least privilege, no secret echoed`, () => {
            assert.deepStrictEqual(problems(read(f)), []);
        });
    }

    it("main deploys prod only in the production environment (its reviewers approve) and passes --approve only for prod", () => {
        const doc = YAML.parse(read("main.yml")) as Workflow & { jobs: { up: Job & { strategy: { matrix: { include: { stack: string; environment: string }[] } } } } };
        assert.deepStrictEqual(doc.jobs.up.strategy.matrix.include, [{ stack: "dev", environment: "dev" }, { stack: "prod", environment: "production" }]);
        assert.match(read("main.yml"), /if \[ "\$STACK" = prod \]; then args\+=\(--approve\); fi/);
    });

    describe("catches planted defects", () => {
        const pr = read("pull-request.yml");
        const cases: [string, string, RegExp][] = [
            ["a tag instead of a SHA", pr.replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "actions/checkout@v7"), /actions\/checkout@v7 is not pinned/],
            ["id-token on the comment job", pr.replace("      pull-requests: write\n", "      pull-requests: write\n      id-token: write\n"), /comment: id-token: write without OIDC/],
            ["OIDC without id-token", pr.replace("      contents: read\n      id-token: write\n", "      contents: read\n"), /preview: assumes an AWS role through OIDC without id-token: write/],
            ["a secret echoed", pr.replace("      - run: npm ci\n      - name: Offline plan of the base", "      - run: echo \"token=$PULUMI_ACCESS_TOKEN\"\n      - name: Offline plan of the base"), /prints the secret PULUMI_ACCESS_TOKEN/],
            ["a secret in a script", pr.replace('gh pr comment "$PR"', 'gh pr comment "${{ secrets.PAT }}"'), /interpolates a secret/],
            ["contents: write", pr.replace("    permissions:\n      pull-requests: write", "    permissions:\n      contents: write\n      pull-requests: write"), /contents: write is more than/],
            ["an unknown key", pr.replace("    runs-on: ubuntu-latest\n    permissions:\n      pull-requests: write", "    runs-on: ubuntu-latest\n    timeout: 5\n    permissions:\n      pull-requests: write"), /schema: \/jobs\/comment must NOT have additional properties/],
            ["a driver command that does not exist", pr.replace("npm run deploy -- plan", "npm run deploy -- apply"), /deploy -- apply is no driver command/],
            ["a driver command in an args array that does not exist", pr.replace("args=(preview", "args=(previews"), /deploy -- previews is no driver command/],
            ["write-all by default", pr.replace("permissions: {}", "permissions: write-all"), /workflow permissions must be \{\}/],
        ];
        for (const [what, text, expected] of cases) {
            it(what, () => {
                assert.notStrictEqual(text, pr, "the defect was planted");
                assert.ok(problems(text).some((p) => expected.test(p)), problems(text).join("\n"));
            });
        }
    });
});

/**
 * Where the gateway's and Langfuse's state lives (genai-platform:state):
 * the typed choice and the combinations validation refuses, then the
 * resources each mode declares in the real stacks (dev shares, prod keeps
 * each component's own, Multi-AZ).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as YAML from "yaml";
import { loadStackConfig, parseStackConfig, runStack, stackConfigPath } from "../../plan/stack";
import type { RecordedResource } from "../../plan/recorder";
import { main } from "../../stacks/program";
import { expectFailure, problemLines } from "../harness";
import { validateSharedStateArgs } from "../../components/shared-state";

type Stack = "dev" | "prod";
type Config = Record<string, any>;
const K = (key: string) => `genai-platform:${key}`;

async function expectRejected(stack: Stack, edit: (config: Config) => void, message: string) {
    const doc = YAML.parse(fs.readFileSync(stackConfigPath(stack), "utf8"));
    edit(doc.config);
    const { config, secretKeys } = parseStackConfig(YAML.stringify(doc));
    const { error, resources } = await expectFailure(main, { stack, config, secretKeys });
    assert.ok(error.message.includes(message), `message lacks "${message}":\n${error.message}`);
    assert.equal(resources.length, 0, "nothing may be registered on invalid config");
}

const ofType = (resources: readonly RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const k8s = (resources: readonly RecordedResource[], kind: string) => resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind);
const env = (job: RecordedResource) => Object.fromEntries(job.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));

describe("state sharing (genai-platform:state)", () => {
    describe("refused before anything is registered", () => {
        it("a sharing mode that does not exist, naming the key, the value and the modes", () =>
            expectRejected("dev", (c) => (c[K("state")] = { sharing: "pooled" }), `${K("state")}.sharing: got "pooled"; Invalid option: expected one of "dedicated"|"shared"`));

        it("shared state in a production stack: prod stays separate and HA", () =>
            expectRejected("prod", (c) => (c[K("state")] = { sharing: "shared" }),
                `${K("state")}.sharing: got "shared"; expected "dedicated" in a production stack: production keeps the gateway's and Langfuse's state separate and HA`));

        it("sizing the gateway's own database beside shared state", () =>
            expectRejected("dev", (c) => (c[K("gateway")].database = { instanceClass: "db.t4g.large" }),
                `${K("gateway")}.database: got {"instanceClass":"db.t4g.large"}; not with ${K("state")}.sharing "shared": the gateway's database is on the shared server; size it at ${K("state")}.database`));

        it("sizing a shared cache in a dedicated stack", () =>
            expectRejected("prod", (c) => (c[K("state")] = { cache: { nodeType: "cache.t4g.micro" } }),
                `${K("state")}.cache: got {"nodeType":"cache.t4g.micro"}; sizes the shared cache of ${K("state")}.sharing "shared"; with "dedicated" size each component's (${K("gateway")}.cache)`));

        it("a shared instance class that is not one", () =>
            expectRejected("dev", (c) => (c[K("state")] = { database: { instanceClass: "t4g.small" } }), `${K("state")}.database.instanceClass: got "t4g.small"; expected an RDS instance class`));
    });

    it("SharedState refuses database names the provisioning Job could not create as given, and a name twice (it is also the role's)", () => {
        const args = (databases: string[]) => ({ provider: {} as never, vpcId: "vpc", subnetIds: ["a", "b"], clusterSecurityGroupId: "sg", databases });
        assert.deepEqual(problemLines(() => validateSharedStateArgs("s", args(["litellm", "Lang-fuse", "litellm"]))), [
            "databases[1]: expected a PostgreSQL identifier: lower case letters, digits and '_', starting with a letter, at most 63 characters",
            "databases[2]: each database once: it is also its role's name",
        ]);
        assert.deepEqual(problemLines(() => validateSharedStateArgs("s", args([]))), ["databases: give at least one database"]);
    });

    describe("dev: one instance and one cache for the gateway and Langfuse", () => {
        let resources: RecordedResource[];
        before(async () => {
            resources = (await runStack("dev", loadStackConfig("dev"))).resources;
        });

        it("declares one RDS instance, single-AZ, and one cache that never evicts", () => {
            const [db, ...more] = ofType(resources, "aws:rds/instance:Instance");
            assert.equal(more.length, 0);
            assert.deepEqual([db.name, db.inputs.multiAz, db.inputs.dbName], ["genai-dev-state-db", false, "platform"]);
            const caches = ofType(resources, "aws:elasticache/replicationGroup:ReplicationGroup");
            assert.deepEqual(caches.map((c) => c.name), ["genai-dev-state-cache"]);
            const [params] = ofType(resources, "aws:elasticache/parameterGroup:ParameterGroup");
            assert.equal(caches[0].inputs.parameterGroupName, params.inputs.name);
            assert.deepEqual(params.inputs.parameters, [{ name: "maxmemory-policy", value: "noeviction" }]);
        });

        it("creates a database and role per consumer with the shared provisioning Job, the master URL only in platform-state", () => {
            const jobs = k8s(resources, "Job").filter((j) => j.inputs.metadata.namespace === "platform-state");
            assert.deepEqual(jobs.map((j) => env(j).DB_NAME).sort(), ["langfuse", "litellm"]);
            for (const job of jobs) {
                const e = env(job);
                assert.deepEqual(e.ADMIN_URL, { name: "postgres-admin", key: "url" });
                assert.deepEqual(e.DB_PASSWORD, { name: `${e.DB_NAME}-password`, key: "password" });
                assert.match(job.inputs.spec.template.spec.containers[0].command[2], /CREATE DATABASE %I OWNER %I/);
            }
            const admin = k8s(resources, "Secret").find((s) => s.inputs.metadata.name === "postgres-admin")!;
            assert.equal(admin.inputs.metadata.namespace, "platform-state");
            assert.ok(admin.secretInputs.some((p) => p.startsWith("stringData")), "the master URL is a secret");
        });

        it("generates one password per database, each a secret delivered only by Secret", () => {
            const passwords = ofType(resources, "random:index/randomPassword:RandomPassword").map((r) => r.name).filter((n) => n.startsWith("genai-dev-state-"));
            assert.deepEqual(passwords.sort(), ["genai-dev-state-cache-auth", "genai-dev-state-db-password", "genai-dev-state-langfuse-password", "genai-dev-state-litellm-password"]);
            for (const db of ["litellm", "langfuse"]) {
                const secret = k8s(resources, "Secret").find((s) => s.inputs.metadata.name === `${db}-password`)!;
                assert.equal(secret.inputs.metadata.namespace, "platform-state");
                assert.deepEqual(secret.secretInputs.filter((p) => p.startsWith("stringData")).length > 0, true, `${db}'s password is a secret`);
            }
            // No password in a ConfigMap or the Langfuse chart's values: the chart reads it from the Secret.
            const langfuse = ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "langfuse")!;
            assert.deepEqual(langfuse.inputs.values.postgresql.auth, { username: "langfuse", database: "langfuse", existingSecret: "langfuse-pinned-credentials", secretKeys: { userPasswordKey: "database-password" } });
        });

        it("the gateway connects as its own role, in cache database 0; Langfuse as its own, in cache database 1", () => {
            const gateway = k8s(resources, "Secret").find((s) => s.inputs.metadata.namespace === "llm-gateway" && s.inputs.stringData?.DATABASE_URL)!;
            assert.match(gateway.inputs.stringData.DATABASE_URL, /^postgresql:\/\/litellm:[^@]+@[^/]+:5432\/litellm\?sslmode=require$/);
            assert.ok(gateway.secretInputs.includes("stringData"), "the gateway's URL is a secret");
            const langfuse = ofType(resources, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "langfuse")!;
            assert.equal(langfuse.inputs.values.redis.auth.database, 1);
            assert.equal(langfuse.inputs.values.redis.host, gateway.inputs.stringData.REDIS_HOST, "one cache");
            assert.equal(langfuse.inputs.values.postgresql.host, /@([^:]+):/.exec(gateway.inputs.stringData.DATABASE_URL)![1], "one instance");
        });
    });

    describe("prod: each component's own, Multi-AZ", () => {
        it("declares two Multi-AZ RDS instances and two failover caches, and no shared state", async () => {
            const { resources } = await runStack("prod", loadStackConfig("prod"));
            const dbs = ofType(resources, "aws:rds/instance:Instance");
            assert.deepEqual(dbs.map((d) => [d.name, d.inputs.multiAz]).sort(), [["genai-prod-gateway-db", true], ["genai-prod-observability-langfuse-db", true]]);
            const caches = ofType(resources, "aws:elasticache/replicationGroup:ReplicationGroup");
            assert.deepEqual(caches.map((c) => [c.name, c.inputs.numCacheClusters, c.inputs.automaticFailoverEnabled]).sort(), [
                ["genai-prod-gateway-cache", 2, true],
                ["genai-prod-observability-langfuse-cache", 2, true],
            ]);
            assert.equal(resources.some((r) => r.type === "genai-platform:index:SharedState"), false);
            assert.equal(k8s(resources, "Namespace").some((n) => n.inputs.metadata.name === "platform-state"), false);
        });
    });
});

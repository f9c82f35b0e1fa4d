import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ALL_POLICIES } from "../../policies/all";
import { resolvePolicyConfig } from "../../policies/evaluate";

const readConfig = (env: string) => JSON.parse(fs.readFileSync(path.resolve(__dirname, `../../policies/config.${env}.json`), "utf8"));

describe("policies: enforcement by environment", () => {
    it("config.dev.json makes every policy advisory", () => {
        const levels = [...resolvePolicyConfig(ALL_POLICIES, readConfig("dev")).values()].map((c) => c.enforcementLevel);
        assert.deepEqual(new Set(levels), new Set(["advisory"]));
        assert.equal(levels.length, ALL_POLICIES.length);
    });

    it("config.prod.json makes every policy mandatory", () => {
        const levels = [...resolvePolicyConfig(ALL_POLICIES, readConfig("prod")).values()].map((c) => c.enforcementLevel);
        assert.deepEqual(new Set(levels), new Set(["mandatory"]));
    });

    for (const env of ["dev", "prod"]) {
        it(`config.${env}.json tells every environment-aware policy it is ${env}`, () => {
            const resolved = resolvePolicyConfig(ALL_POLICIES, readConfig(env));
            const aware = ALL_POLICIES.filter((p) => p.configSchema?.properties.environment);
            assert.ok(aware.length >= 5); // eks-endpoint-access is the same in every environment (test/gpu-cluster/endpoint.test.ts)
            for (const policy of aware) assert.equal(resolved.get(policy.name)!.properties.environment, env, policy.name);
            for (const policy of aware) assert.equal(readConfig(env)[policy.name]?.environment, env, `${policy.name} must state its environment in config.${env}.json`);
        });
    }

    it("reconciles as the CLI does: schema defaults, then \"all\", then each policy's entry", () => {
        const resolved = resolvePolicyConfig(ALL_POLICIES, {
            all: { enforcementLevel: "disabled" },
            "rds-hardening": { enforcementLevel: "advisory", minBackupRetentionDays: 14 },
            "k8s-image-provenance": "mandatory",
        });
        assert.deepEqual(resolved.get("rds-hardening"), { enforcementLevel: "advisory", properties: { environment: "prod", minBackupRetentionDays: 14 } });
        assert.equal(resolved.get("k8s-image-provenance")!.enforcementLevel, "mandatory");
        assert.deepEqual(resolved.get("k8s-image-provenance")!.properties.allowedRegistries, ["public.ecr.aws", "nvcr.io", "registry.k8s.io", "quay.io", "ghcr.io", "docker.io/vllm", "reg.kyverno.io"]);
        assert.deepEqual(resolved.get("sqs-encryption"), { enforcementLevel: "disabled", properties: {} });
        assert.equal(resolvePolicyConfig(ALL_POLICIES, {}).get("aws-required-tags")!.enforcementLevel, "advisory");
    });

    it("rejects a config with every problem listed, typos included (the CLI would ignore those)", () => {
        const bad = {
            all: { enforcementLevel: "mandatory", environment: "prod" },
            "rds-hardning": { environment: "prod" },
            "rds-hardening": { environment: "staging", minBackupRetentionDays: 0 },
            "k8s-image-provenance": { alowedRegistries: ["ghcr.io"] },
            "sqs-encryption": "strict",
            "gpu-quota-within-pool-limits": 3,
        };
        assert.throws(
            () => resolvePolicyConfig(ALL_POLICIES, bad),
            (e: Error) => {
                assert.equal(
                    e.message,
                    [
                        "Invalid policy pack config (7 problems):",
                        '  - sqs-encryption.enforcementLevel: got "strict"; expected one of advisory, mandatory, remediate, disabled',
                        "  - gpu-quota-within-pool-limits: got 3; expected an enforcement level or an object",
                        '  - all: got {"environment":"prod"}; "all" takes only an enforcementLevel',
                        `  - rds-hardning: got {"environment":"prod"}; unknown policy (known: ${ALL_POLICIES.map((p) => p.name).join(", ")})`,
                        '  - rds-hardening.environment: got "staging"; must be equal to one of the allowed values',
                        "  - rds-hardening.minBackupRetentionDays: got 0; must be >= 1",
                        '  - k8s-image-provenance.alowedRegistries: got ["ghcr.io"]; unknown config key (known: allowedRegistries)',
                    ].join("\n"),
                );
                return true;
            },
        );
    });
});

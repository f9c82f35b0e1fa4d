/**
 * LiteLLM reads provider keys and credentials from environment variables at
 * start, so a changed Secret must roll the gateway's pods. The pod template
 * carries a keyed hash (HMAC-SHA256) of the Secret's data, keyed with a
 * generated key that lives only in the stack's state: a changed value rolls
 * the pods, and the annotation (plain in the cluster) tells nothing about the
 * values, not even to someone who can guess a low-entropy one and hash it.
 */
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_DIGEST_ANNOTATION } from "../../components/llm-gateway";
import { mockResourceState } from "../../plan/mock-outputs";
import { CONFIGURED_SECRETS, deploy, Deployed, fullArgs, one } from "./fixtures";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const annotation = (d: Deployed): string | undefined => one(d.resources, DEPLOYMENT).inputs.spec.template.metadata.annotations?.[SECRET_DIGEST_ANNOTATION];
const withOpenAiKey = (key: string) => deploy((provider) => ({ ...fullArgs(provider), providerKeys: { ...fullArgs(provider).providerKeys, openai: pulumi.secret(key) } }));

/** What the gateway's Secret holds. */
const secretData = (d: Deployed): Record<string, string> =>
    d.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === "gateway-env")!.inputs.stringData;

/** Unkeyed digests someone could compute from a guessed value. */
function unkeyedDigests(values: string[]): string[] {
    return values.flatMap((v) => ["md5", "sha1", "sha256", "sha512"].flatMap((alg) => [createHash(alg).update(v).digest("hex"), createHash(alg).update(v).digest("base64")]));
}

describe("LlmGateway secret rollout", () => {
    let original: Deployed;
    let same: Deployed;
    let rolled: Deployed;

    before(async () => {
        original = await withOpenAiKey(CONFIGURED_SECRETS.openai);
        same = await withOpenAiKey(CONFIGURED_SECRETS.openai);
        rolled = await withOpenAiKey("sk-proj-fixture-rolled-0b1c2d");
    });

    it("changes the pod template when a provider key changes, and only then", () => {
        assert.match(annotation(original) ?? "", /^[0-9a-f]{64}$/, "the pod template carries the secret digest");
        assert.equal(annotation(same), annotation(original), "unchanged secrets keep the pods");
        assert.notEqual(annotation(rolled), annotation(original), "a rolled provider key rolls the pods");
    });

    it("is an HMAC-SHA256 of the Secret's data under a generated 256-bit key, and stays a secret in state", () => {
        const key = one(original.resources, "random:index/randomBytes:RandomBytes", "gateway-secret-digest-key");
        assert.equal(key.inputs.length, 32);
        // The value the mock runtime gave that key (plan/mock-outputs.ts).
        const hex = String(mockResourceState({ type: key.type, name: key.name, inputs: key.inputs } as any, "id").hex);
        const data = secretData(original);
        const canonical = JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : 1))));
        assert.equal(annotation(original), createHmac("sha256", Buffer.from(hex, "hex")).update(canonical).digest("hex"));
        const deployment = one(original.resources, DEPLOYMENT);
        // The only secret in the Deployment; the SDK's deserializer reports a nested secret at its top-level property.
        assert.deepEqual(deployment.secretInputs, ["spec"], "the digest is a secret Output");
    });

    it("never holds a secret value or an unkeyed hash of one", () => {
        const data = secretData(original);
        const values = Object.values(data);
        const canonical = JSON.stringify(Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b))));
        const value = annotation(original)!;
        for (const s of values) assert.ok(!value.includes(s), "a secret value in the annotation");
        for (const d of unkeyedDigests([...values, canonical, JSON.stringify(data), values.join("")])) assert.notEqual(value, d);
    });
});

/**
 * Issue 8 item 12: someone can log in to Langfuse and Grafana, nobody else can
 * sign up, and when asked both are reachable over an HTTPS-only ALB.
 *
 * Upstream facts relied on:
 * - Langfuse chart 2.0.0 sets `AUTH_DISABLE_SIGNUP` from
 *   `langfuse.features.signUpDisabled` and `NEXTAUTH_URL` from
 *   `langfuse.nextauth.url` (templates/_helpers.tpl); Langfuse's headless
 *   initialisation creates `LANGFUSE_INIT_USER_EMAIL` / `_NAME` / `_PASSWORD`
 *   as an owner of `LANGFUSE_INIT_ORG_ID` (langfuse.com self-hosting docs,
 *   "Headless Initialization").
 * - Grafana checks a login POST's Origin against `server.root_url`
 *   (grafana.ini), so behind a load balancer root_url must be the public URL.
 */
import assert from "node:assert/strict";
import { ObservabilityStack, ObservabilityStackArgs } from "../../components/observability-stack";
import { langfuseInitEnv, langfuseValues } from "../../components/observability-stack/values";
import { rejectedWith, validationMessage } from "../harness";
import { deploy, Deployed, minimalArgs, one, resolved, T } from "./fixtures";

type Json = Record<string, any>;

const FACTS = { databaseHost: "db", redisHost: "cache", bucket: "bucket", region: "us-east-1" };
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
const INGRESS = { certificateArn: CERT, langfuseHost: "langfuse.example.com", grafanaHost: "grafana.example.com" };

const ingresses = (d: Deployed) => d.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
const ingressFor = (d: Deployed, namespace: string) => {
    const found = ingresses(d).filter((r) => r.inputs.metadata.namespace === namespace);
    assert.equal(found.length, 1, `one Ingress in ${namespace}`);
    return found[0];
};

describe("ObservabilityStack access", () => {
    describe("Langfuse login", () => {
        it("initialises an owner by default, with a generated password from the Secret", () => {
            const env = Object.fromEntries(langfuseInitEnv(resolved()).map((e: Json) => [e.name, e.value ?? e.valueFrom?.secretKeyRef]));
            assert.equal(env.LANGFUSE_INIT_USER_EMAIL, "admin@langfuse.local");
            assert.ok(env.LANGFUSE_INIT_USER_NAME);
            assert.deepEqual(env.LANGFUSE_INIT_USER_PASSWORD, { name: "langfuse-pinned-credentials", key: "init-user-password" });
        });

        it("closes sign-up by default, and opens it only when asked", () => {
            assert.equal((langfuseValues(resolved(), FACTS) as Json).langfuse.features.signUpDisabled, true);
            assert.equal((langfuseValues(resolved({ langfuse: { allowSignUp: true } }), FACTS) as Json).langfuse.features.signUpDisabled, false);
        });

        it("gives the owner's email as an output and the password only as a secret", async () => {
            const d = await deploy((provider) => minimalArgs(provider, { langfuse: { adminEmail: "platform@example.com" } }));
            assert.equal(d.stack.langfuseAdminEmail, "platform@example.com");
            const stack = one(d.resources, T.stack);
            assert.ok(stack.secretOutputs.includes("langfuseAdminPassword"), "the owner's password is a secret output");
            assert.ok(stack.secretOutputs.includes("grafanaAdminPassword"), "Grafana's admin password is a secret output");
        });
    });

    describe("ingress", () => {
        let d: Deployed;
        before(async () => {
            d = await deploy((provider) => minimalArgs(provider, { ingress: INGRESS }));
        });

        it("exposes langfuse-web and Grafana through HTTPS-only ALB Ingresses sharing one internal load balancer", () => {
            const langfuse = ingressFor(d, "langfuse").inputs;
            const grafana = ingressFor(d, "monitoring").inputs;
            assert.deepEqual(langfuse.spec.rules[0].host, "langfuse.example.com");
            assert.deepEqual(langfuse.spec.rules[0].http.paths[0].backend.service, { name: "langfuse-web", port: { number: 3000 } });
            assert.deepEqual(grafana.spec.rules[0].host, "grafana.example.com");
            assert.deepEqual(grafana.spec.rules[0].http.paths[0].backend.service, { name: "kube-prometheus-stack-grafana", port: { number: 80 } });
            for (const i of [langfuse, grafana]) {
                const a = i.metadata.annotations;
                assert.equal(i.spec.ingressClassName, "alb");
                assert.equal(a["alb.ingress.kubernetes.io/listen-ports"], '[{"HTTPS":443}]', "no plain-HTTP listener");
                assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], CERT);
                assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internal");
                assert.equal(a["alb.ingress.kubernetes.io/group.name"], "obs");
            }
            assert.equal(langfuse.metadata.annotations["alb.ingress.kubernetes.io/healthcheck-path"], "/api/public/ready");
            assert.equal(grafana.metadata.annotations["alb.ingress.kubernetes.io/healthcheck-path"], "/api/health");
        });

        it("serves NextAuth and Grafana at their public HTTPS URLs", () => {
            const langfuse = one(d.resources, T.release, "obs-langfuse").inputs.values;
            assert.equal(langfuse.langfuse.nextauth.url, "https://langfuse.example.com");
            const kps = one(d.resources, T.release, "obs-kube-prometheus-stack").inputs.values;
            assert.equal(kps.grafana["grafana.ini"].server.root_url, "https://grafana.example.com");
            assert.equal(kps.grafana["grafana.ini"].security.cookie_secure, true);
            assert.deepEqual([d.stack.langfusePublicUrl, d.stack.grafanaUrl], ["https://langfuse.example.com", "https://grafana.example.com"]);
        });

        it("declares each Ingress after the release that creates its Service", () => {
            assert.ok(ingressFor(d, "langfuse").dependsOn.includes(one(d.resources, T.release, "obs-langfuse").urn));
            assert.ok(ingressFor(d, "monitoring").dependsOn.includes(one(d.resources, T.release, "obs-kube-prometheus-stack").urn));
        });

        it("declares no Ingress unless asked", async () => {
            const plain = await deploy((provider) => minimalArgs(provider));
            assert.deepEqual(ingresses(plain), []);
            assert.equal(plain.stack.grafanaUrl, undefined);
        });
    });

    describe("validation", () => {
        const rejected = (args: Partial<ObservabilityStackArgs>) => rejectedWith((provider) => new ObservabilityStack("obs", minimalArgs(provider, args)));
        const expected = (problems: string[]) => validationMessage('ObservabilityStack "obs" args', problems);

        it("refuses an internet-facing ingress without an allow-list, a bad host, and a public URL the ingress contradicts", async () => {
            const { message, types } = await rejected({
                ingress: { ...INGRESS, scheme: "internet-facing", grafanaHost: "Grafana" },
                langfuse: { publicUrl: "https://traces.example.com" },
            });
            assert.equal(message, expected([
                'langfuse.publicUrl: got "https://traces.example.com"; the ingress serves Langfuse at https://langfuse.example.com: leave publicUrl unset or give that URL',
                "ingress.inboundCidrs: got []; an internet-facing load balancer needs an explicit CIDR allow-list",
                'ingress.grafanaHost: got "Grafana"; expected a lowercase DNS name such as "llm.example.com"',
            ]));
            assert.deepEqual(types, []);
        });
    });
});

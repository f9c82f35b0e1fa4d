import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse, type ScalarTag } from "yaml";
import {
    INTERRUPTION_QUEUE_SETTINGS,
    controllerTrustPolicy,
    interruptionEventRules,
    interruptionQueuePolicy,
    karpenterControllerPolicies,
    nodeManagedPolicyArns,
    nodeTrustPolicy,
    type KarpenterIamContext,
} from "../../components/gpu-cluster/karpenter-iam";
import type { PolicyDocument, PolicyStatement } from "../../components/internal/iam";

const REFERENCE = path.resolve(__dirname, "../../../shared/reference/iam/karpenter-v1.14.1-cloudformation.yaml");

const CTX: KarpenterIamContext = {
    partition: "aws",
    region: "eu-west-1",
    accountId: "111122223333",
    clusterName: "genai-dev",
    nodeRoleArn: "arn:aws:iam::111122223333:role/genai-dev-karpenter-node",
    interruptionQueueArn: "arn:aws:sqs:eu-west-1:111122223333:genai-dev-karpenter",
};

const CTX_CN: KarpenterIamContext = {
    partition: "aws-cn",
    region: "cn-north-1",
    accountId: "444455556666",
    clusterName: "genai-cn",
    nodeRoleArn: "arn:aws-cn:iam::444455556666:role/genai-cn-karpenter-node",
    interruptionQueueArn: "arn:aws-cn:sqs:cn-north-1:444455556666:genai-cn-karpenter",
};

// ---------- helpers ----------

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const sorted = (v: unknown): string[] => asList(v).map(String).sort();

/** Canonical form: order-insensitive lists, `Bool` YAML booleans as IAM's strings. */
function normalise(s: PolicyStatement): Record<string, unknown> {
    const out: Record<string, unknown> = { Effect: s.Effect, Action: sorted(s.Action) };
    if (s.Sid !== undefined) out.Sid = s.Sid;
    if (s.Resource !== undefined) out.Resource = sorted(s.Resource);
    if (s.Principal !== undefined) {
        out.Principal =
            typeof s.Principal === "string"
                ? s.Principal
                : Object.fromEntries(Object.entries(s.Principal).map(([k, v]) => [k, sorted(v)]));
    }
    if (s.Condition !== undefined) {
        out.Condition = Object.fromEntries(
            Object.entries(s.Condition).map(([op, keys]) => [
                op,
                Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, sorted(v)])),
            ]),
        );
    }
    return out;
}

function conditionKeys(s: PolicyStatement): string[] {
    return Object.entries(s.Condition ?? {})
        .flatMap(([op, keys]) => Object.keys(keys).map((k) => `${op} ${k}`))
        .sort();
}

function allDocuments(ctx: KarpenterIamContext): { name: string; document: PolicyDocument }[] {
    return [
        ...karpenterControllerPolicies(ctx),
        { name: "controller-trust", document: controllerTrustPolicy() },
        { name: "node-trust", document: nodeTrustPolicy(ctx.partition) },
        { name: "queue", document: interruptionQueuePolicy(ctx.interruptionQueueArn) },
    ];
}

function allStatements(ctx: KarpenterIamContext): { where: string; statement: PolicyStatement }[] {
    return allDocuments(ctx).flatMap(({ name, document }) =>
        document.Statement.map((statement, i) => ({ where: `${name}[${statement.Sid ?? i}]`, statement })),
    );
}

/** True for the one shape the brief forbids outright: any action on any resource. */
function isActionStarOnResourceStar(s: PolicyStatement): boolean {
    return asList(s.Action).includes("*") && asList(s.Resource).includes("*");
}

// ---------- upstream CloudFormation ----------

type CfnResource = { Type: string; Properties: Record<string, unknown> };

/** CloudFormation short-form intrinsics, kept as their long-form objects. */
const cfnTags: ScalarTag[] = [
    { tag: "!Sub", resolve: (value: string) => ({ "Fn::Sub": value }) },
    { tag: "!GetAtt", resolve: (value: string) => ({ "Fn::GetAtt": value }) },
    { tag: "!Ref", resolve: (value: string) => ({ Ref: value }) },
];

function loadTemplate(): Record<string, CfnResource> {
    const text = fs.readFileSync(REFERENCE, "utf8");
    return parse(text, { customTags: cfnTags }).Resources;
}

/** What CloudFormation would substitute, for a given context. Unknown names fail the test. */
function cfnValues(ctx: KarpenterIamContext): Record<string, string> {
    return {
        "AWS::Partition": ctx.partition,
        "AWS::Region": ctx.region,
        "AWS::AccountId": ctx.accountId,
        "AWS::URLSuffix": ctx.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
        ClusterName: ctx.clusterName,
        "KarpenterNodeRole.Arn": ctx.nodeRoleArn,
        "KarpenterInterruptionQueue.Arn": ctx.interruptionQueueArn,
        KarpenterInterruptionQueue: ctx.interruptionQueueArn,
    };
}

function lookup(values: Record<string, string>, name: string): string {
    const v = values[name];
    if (v === undefined) throw new Error(`upstream references \${${name}}, which this test does not know how to substitute`);
    return v;
}

/** Resolves !Sub / !GetAtt / !Ref anywhere in a value. */
function resolveCfn(value: unknown, values: Record<string, string>): unknown {
    if (Array.isArray(value)) return value.map((v) => resolveCfn(v, values));
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (typeof obj["Fn::Sub"] === "string") {
        return (obj["Fn::Sub"] as string).replace(/\$\{([^}]+)\}/g, (_m, name: string) => lookup(values, name));
    }
    if (typeof obj["Fn::GetAtt"] === "string") return lookup(values, obj["Fn::GetAtt"] as string);
    if (typeof obj.Ref === "string") return lookup(values, obj.Ref);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveCfn(v, values)]));
}

function resourcesOfType(template: Record<string, CfnResource>, type: string): [string, CfnResource][] {
    return Object.entries(template).filter(([, r]) => r.Type === type);
}

/** Upstream managed policies as `{ name, document }`, name without the `-${ClusterName}` suffix. */
function upstreamControllerPolicies(template: Record<string, CfnResource>, ctx: KarpenterIamContext) {
    return resourcesOfType(template, "AWS::IAM::ManagedPolicy").map(([id, r]) => {
        const rawName = (r.Properties.ManagedPolicyName as { "Fn::Sub": string })["Fn::Sub"];
        assert.match(rawName, /-\$\{ClusterName\}$/, `${id}: expected ManagedPolicyName ending in -\${ClusterName}`);
        const resolved = resolveCfn(r.Properties.PolicyDocument, cfnValues(ctx));
        const document = (typeof resolved === "string" ? JSON.parse(resolved) : resolved) as PolicyDocument;
        return { id, name: rawName.replace(/-\$\{ClusterName\}$/, ""), document };
    });
}

// ---------- tests ----------

describe("karpenter-iam", () => {
    describe("conformance with upstream Karpenter v1.14.1 CloudFormation", function () {
        let template: Record<string, CfnResource>;

        before(function () {
            if (!fs.existsSync(REFERENCE)) {
                console.log("skipping: ../shared/reference not found");
                this.skip();
            }
            template = loadTemplate();
        });

        it("defines the same controller policies, under the upstream names", () => {
            const upstream = upstreamControllerPolicies(template, CTX).map((p) => p.name);
            assert.ok(upstream.length >= 5, `expected at least 5 upstream policies, parsed ${upstream.length}`);
            assert.deepEqual(karpenterControllerPolicies(CTX).map((p) => p.name).sort(), [...upstream].sort());
        });

        it("has every upstream Sid with the same Effect, actions and condition keys (and no extra Sids)", () => {
            const mismatches: string[] = [];
            for (const ctx of [CTX, CTX_CN]) {
                const ours = new Map(karpenterControllerPolicies(ctx).map((p) => [p.name, p.document]));
                for (const up of upstreamControllerPolicies(template, ctx)) {
                    const doc = ours.get(up.name);
                    if (!doc) {
                        mismatches.push(`${up.name}: missing`);
                        continue;
                    }
                    assert.equal(doc.Version, up.document.Version);
                    const bySid = new Map(doc.Statement.map((s) => [s.Sid, s]));
                    for (const u of up.document.Statement) {
                        const where = `${ctx.partition} ${up.name}.${u.Sid}`;
                        const o = bySid.get(u.Sid);
                        if (!o) {
                            mismatches.push(`${where}: Sid missing`);
                            continue;
                        }
                        if (o.Effect !== u.Effect) mismatches.push(`${where}: Effect ${o.Effect} != ${u.Effect}`);
                        if (sorted(o.Action).join() !== sorted(u.Action).join()) {
                            mismatches.push(`${where}: actions ${sorted(o.Action)} != ${sorted(u.Action)}`);
                        }
                        if (conditionKeys(o).join() !== conditionKeys(u).join()) {
                            mismatches.push(`${where}: condition keys ${conditionKeys(o)} != ${conditionKeys(u)}`);
                        }
                    }
                    const upSids = new Set(up.document.Statement.map((s) => s.Sid));
                    for (const s of doc.Statement) {
                        if (!upSids.has(s.Sid)) mismatches.push(`${ctx.partition} ${up.name}.${s.Sid}: not upstream`);
                    }
                }
            }
            assert.deepEqual(mismatches, []);
        });

        it("matches upstream statements exactly once substituted (resources, condition values, order)", () => {
            for (const ctx of [CTX, CTX_CN]) {
                const ours = new Map(karpenterControllerPolicies(ctx).map((p) => [p.name, p.document]));
                for (const up of upstreamControllerPolicies(template, ctx)) {
                    assert.deepEqual(
                        ours.get(up.name)?.Statement.map(normalise),
                        up.document.Statement.map(normalise),
                        `${ctx.partition} ${up.name}`,
                    );
                }
            }
        });

        it("gives the node role upstream's managed policies and EC2 trust", () => {
            for (const ctx of [CTX, CTX_CN]) {
                const role = resolveCfn(template.KarpenterNodeRole.Properties, cfnValues(ctx)) as {
                    ManagedPolicyArns: string[];
                    AssumeRolePolicyDocument: PolicyDocument;
                };
                assert.deepEqual([...nodeManagedPolicyArns(ctx.partition)].sort(), [...role.ManagedPolicyArns].sort());
                assert.deepEqual(
                    nodeTrustPolicy(ctx.partition).Statement.map(normalise),
                    role.AssumeRolePolicyDocument.Statement.map(normalise),
                );
            }
        });

        it("gives the interruption queue upstream's resource policy", () => {
            const [, queuePolicy] = resourcesOfType(template, "AWS::SQS::QueuePolicy")[0];
            const up = resolveCfn(queuePolicy.Properties.PolicyDocument, cfnValues(CTX)) as PolicyDocument;
            const ours = interruptionQueuePolicy(CTX.interruptionQueueArn);
            assert.equal(ours.Id, up.Id);
            assert.deepEqual(ours.Statement.map(normalise), up.Statement.map(normalise));
        });

        it("defines every upstream EventBridge rule with exactly upstream's event pattern", () => {
            const up = resourcesOfType(template, "AWS::Events::Rule").map(([, r]) => JSON.stringify(r.Properties.EventPattern));
            const ours = interruptionEventRules().map((r) => JSON.stringify(r.eventPattern));
            assert.equal(up.length, 5, "upstream v1.14.1 defines five rules");
            assert.deepEqual([...ours].sort(), [...up].sort());
        });

        it("uses upstream's queue retention and SSE", () => {
            const [[, queue]] = resourcesOfType(template, "AWS::SQS::Queue");
            assert.equal(INTERRUPTION_QUEUE_SETTINGS.messageRetentionSeconds, queue.Properties.MessageRetentionPeriod);
            assert.equal(INTERRUPTION_QUEUE_SETTINGS.sqsManagedSseEnabled, queue.Properties.SqsManagedSseEnabled);
        });
    });

    describe("controllerTrustPolicy", () => {
        it("trusts only EKS Pod Identity, with session tagging", () => {
            const { Statement } = controllerTrustPolicy();
            assert.equal(Statement.length, 1);
            const [s] = Statement;
            assert.equal(s.Effect, "Allow");
            assert.deepEqual(s.Principal, { Service: "pods.eks.amazonaws.com" });
            assert.deepEqual(sorted(s.Action), ["sts:AssumeRole", "sts:TagSession"]);
        });
    });

    describe("nodeTrustPolicy / nodeManagedPolicyArns", () => {
        it("trusts EC2, with the China URL suffix in aws-cn", () => {
            assert.deepEqual(nodeTrustPolicy().Statement[0].Principal, { Service: "ec2.amazonaws.com" });
            assert.deepEqual(nodeTrustPolicy("aws-cn").Statement[0].Principal, { Service: "ec2.amazonaws.com.cn" });
            assert.deepEqual(sorted(nodeTrustPolicy().Statement[0].Action), ["sts:AssumeRole"]);
        });

        it("attaches the four node policies in the caller's partition, ECR pull-only", () => {
            const arns = nodeManagedPolicyArns("aws-cn");
            assert.equal(arns.length, 4);
            for (const arn of arns) assert.match(arn, /^arn:aws-cn:iam::aws:policy\//);
            assert.ok(arns.includes("arn:aws-cn:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"));
            assert.ok(!arns.some((a) => a.endsWith("ReadOnly")));
        });
    });

    describe("interruptionQueuePolicy", () => {
        const policy = interruptionQueuePolicy(CTX.interruptionQueueArn);

        it("denies every action on the queue when aws:SecureTransport is false", () => {
            const deny = policy.Statement.filter((s) => s.Effect === "Deny");
            assert.equal(deny.length, 1);
            assert.equal(deny[0].Principal, "*");
            assert.deepEqual(sorted(deny[0].Action), ["sqs:*"]);
            assert.deepEqual(sorted(deny[0].Resource), [CTX.interruptionQueueArn]);
            assert.deepEqual(deny[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
        });

        it("lets only EventBridge and SQS send, and only SendMessage, to this queue", () => {
            const allow = policy.Statement.filter((s) => s.Effect === "Allow");
            assert.equal(allow.length, 1);
            assert.deepEqual(normalise(allow[0]), {
                Effect: "Allow",
                Action: ["sqs:SendMessage"],
                Resource: [CTX.interruptionQueueArn],
                Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
            });
        });
    });

    describe("interruptionEventRules", () => {
        it("has five rules with unique kebab-case keys and a description each", () => {
            const rules = interruptionEventRules();
            assert.equal(rules.length, 5);
            assert.equal(new Set(rules.map((r) => r.key)).size, 5);
            for (const r of rules) {
                assert.match(r.key, /^[a-z0-9]+(-[a-z0-9]+)*$/);
                assert.ok(r.description.length > 0 && r.description.length <= 512, r.key);
            }
            assert.deepEqual(rules.find((r) => r.key === "spot-interruption")?.eventPattern, {
                source: ["aws.ec2"],
                "detail-type": ["EC2 Spot Instance Interruption Warning"],
            });
        });
    });

    describe("controller policies: scoping", () => {
        const policies = karpenterControllerPolicies(CTX);
        const statements = policies.flatMap((p) => p.document.Statement);
        const bySid = (sid: string) => {
            const s = statements.find((x) => x.Sid === sid);
            assert.ok(s, `no statement ${sid}`);
            return s;
        };

        it("substitutes the cluster name into the ownership tag conditions", () => {
            const s = bySid("AllowScopedEC2InstanceActionsWithTags");
            assert.equal(s.Condition?.StringEquals?.["aws:RequestTag/kubernetes.io/cluster/genai-dev"], "owned");
            assert.equal(s.Condition?.StringEquals?.["aws:RequestTag/eks:eks-cluster-name"], "genai-dev");
            // Every cluster tag key anywhere names this cluster and requires "owned".
            const clusterKeys = statements.flatMap((x) =>
                Object.values(x.Condition ?? {}).flatMap((keys) =>
                    Object.entries(keys).filter(([k]) => k.includes("kubernetes.io/cluster/")),
                ),
            );
            assert.ok(clusterKeys.length >= 8, `expected many cluster-tag conditions, got ${clusterKeys.length}`);
            for (const [k, v] of clusterKeys) {
                assert.match(k, /^aws:(Request|Resource)Tag\/kubernetes\.io\/cluster\/genai-dev$/);
                assert.equal(v, "owned");
            }
        });

        it("leaves no unsubstituted ${...} placeholder and no other partition", () => {
            for (const ctx of [CTX, CTX_CN]) {
                const text = JSON.stringify(karpenterControllerPolicies(ctx));
                assert.ok(!text.includes("${"), `placeholder left in ${ctx.partition} policies`);
                const arns = text.match(/arn:[a-z-]+:/g) ?? [];
                assert.ok(arns.length > 10);
                for (const a of arns) assert.equal(a, `arn:${ctx.partition}:`);
            }
        });

        it("restricts iam:PassRole to the node role ARN", () => {
            const passers = statements.filter((s) =>
                asList(s.Action).some((a) => a === "iam:PassRole" || a === "iam:*" || a === "*"),
            );
            assert.equal(passers.length, 1);
            assert.deepEqual(sorted(passers[0].Resource), [CTX.nodeRoleArn]);
            assert.ok(asList(passers[0].Resource).every((r) => !String(r).includes("*")));
        });

        it("scopes DescribeCluster and the zonal shift read to this cluster", () => {
            const clusterArn = "arn:aws:eks:eu-west-1:111122223333:cluster/genai-dev";
            assert.equal(bySid("AllowAPIServerEndpointDiscovery").Resource, clusterArn);
            assert.equal(
                bySid("AllowZonalShiftStatusReadOnly").Condition?.StringEquals?.["arc-zonal-shift:ResourceIdentifier"],
                clusterArn,
            );
        });

        it("reads the interruption queue only, never sends to it", () => {
            const s = bySid("AllowInterruptionQueueActions");
            assert.equal(s.Resource, CTX.interruptionQueueArn);
            assert.ok(!asList(s.Action).includes("sqs:SendMessage"));
        });

        it("never pairs Action * with Resource *, nor allows a service-wide wildcard", () => {
            assert.ok(isActionStarOnResourceStar({ Effect: "Allow", Action: ["*"], Resource: "*" }), "checker self-test");
            for (const ctx of [CTX, CTX_CN]) {
                for (const { where, statement } of allStatements(ctx)) {
                    assert.ok(!isActionStarOnResourceStar(statement), `${where}: Action * on Resource *`);
                    if (statement.Effect === "Allow") {
                        for (const a of asList(statement.Action)) assert.doesNotMatch(String(a), /(^|:)\*$/, where);
                    }
                }
            }
        });

        it("conditions every Allow on Resource * that can mutate or spans regions", () => {
            // Upstream's unconditioned Resource "*" grants are read-only global APIs; anything else needs a condition.
            const unconditionedOk = new Set(["pricing:GetProducts", "iam:ListInstanceProfiles"]);
            for (const s of statements.filter((x) => x.Effect === "Allow" && asList(x.Resource).includes("*"))) {
                if (s.Condition) continue;
                for (const a of asList(s.Action)) assert.ok(unconditionedOk.has(String(a)), `${s.Sid}: ${a} on * without a condition`);
            }
        });

        it("produces plain JSON and two clusters never share a scoped statement", () => {
            assert.deepEqual(JSON.parse(JSON.stringify(policies)), policies);
            const prod = { ...CTX, clusterName: "genai-prod", nodeRoleArn: "arn:aws:iam::111122223333:role/p", interruptionQueueArn: "arn:aws:sqs:eu-west-1:111122223333:p" };
            const other = JSON.stringify(karpenterControllerPolicies(prod));
            assert.ok(!other.includes("genai-dev"));
        });
    });
});

import assert from "node:assert/strict";
import { parseS3Uri, poolFamilies } from "../../components/model-endpoint/args";
import { podIdentityTrustPolicy } from "../../components/internal/iam";
import { s3ReadPolicy } from "../../components/model-endpoint/iam";
import { baseUrl } from "../../components/model-endpoint/manifests";

describe("ModelEndpoint renderers", () => {
    it("parses S3 URIs into bucket and prefix, dropping a trailing slash", () => {
        assert.deepEqual(parseS3Uri("s3://acme-models/llama/3.1-8b/"), { bucket: "acme-models", prefix: "llama/3.1-8b" });
        assert.deepEqual(parseS3Uri("s3://acme.models/m"), { bucket: "acme.models", prefix: "m" });
        for (const bad of ["s3://acme-models", "s3://acme-models/", "s3://Acme/m", "s3://ab/m", "s3://acme..models/m", "s3://10.0.0.1/m", "s3://acme/a//b", "s3://acme/a?/b"]) {
            assert.equal(parseS3Uri(bad), undefined, bad);
        }
    });

    it("scopes the S3 policy to the prefix in any partition", () => {
        const doc = s3ReadPolicy("aws-cn", "acme", "models/qwen");
        const resources = doc.Statement.flatMap((s) => [s.Resource].flat());
        assert.deepEqual(resources, ["arn:aws-cn:s3:::acme/models/qwen/*", "arn:aws-cn:s3:::acme"]);
        assert.deepEqual(doc.Statement.flatMap((s) => [s.Action].flat()).sort(), ["s3:GetObject", "s3:ListBucket"]);
        assert.deepEqual(doc.Statement[1].Condition, { StringLike: { "s3:prefix": ["models/qwen", "models/qwen/*"] } });
    });

    it("lets only EKS Pod Identity assume the role", () => {
        const [statement] = podIdentityTrustPolicy().Statement;
        assert.deepEqual(statement.Principal, { Service: "pods.eks.amazonaws.com" });
        assert.deepEqual(statement.Action, ["sts:AssumeRole", "sts:TagSession"]);
    });

    it("narrows a pool's families by its GPU names, as Karpenter's requirements do", () => {
        const pool = { name: "p", gpuLimit: 8, capacityTypes: [] };
        assert.deepEqual(poolFamilies({ ...pool, instanceFamilies: ["g6", "g6e"], gpuNames: [] }), ["g6", "g6e"]);
        assert.deepEqual(poolFamilies({ ...pool, instanceFamilies: [], gpuNames: ["h200"] }), ["p5e", "p5en"]);
        assert.deepEqual(poolFamilies({ ...pool, instanceFamilies: ["g6", "p5"], gpuNames: ["h100"] }), ["p5"]);
    });

    it("builds the in-cluster OpenAI base URL", () => {
        assert.equal(baseUrl({ name: "qwen", namespace: "team-a" }), "http://qwen.team-a.svc.cluster.local:8000/v1");
    });
});

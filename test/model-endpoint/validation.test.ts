import assert from "node:assert/strict";
import type { TestArgs } from "./fixtures";
import { construct } from "./fixtures";
import { DEFAULT_PROMETHEUS_URL } from "../../components/model-endpoint";
import { ValidationError } from "../../components/internal/errors";

interface BadCase {
    title: string;
    args: Partial<TestArgs>;
    name?: string;
    /** Every expected problem line, in order. */
    lines: string[];
}

const DNS = "expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters";
const L4_SIZES = 'one replica\'s GPUs must sit on one node of pool "l4", so the count must divide the GPUs of one of its instance sizes (g6: 1, 4, 8 GPUs per instance)';
const S3_RULE = "expected an S3 URI s3://<bucket>/<prefix>: a valid bucket name (3-63 lowercase letters, digits, '.', '-') and a non-empty key prefix without wildcards";
const WAKE = "sum(rate(litellm_deployment_failure_responses_total[2m]))";

const CASES: BadCase[] = [
    { title: "a name that is not a DNS-1123 label", name: "Llama_3", args: {}, lines: [`name: got "Llama_3"; ${DNS}`] },
    {
        title: "a name that cannot name a Service (leading digit)",
        name: "3llama",
        args: {},
        lines: ['name: got "3llama"; expected to start with a letter: the name is the Service\'s (DNS-1035)'],
    },
    { title: "a namespace that is not a DNS-1123 label", args: { namespace: "Models" }, lines: [`namespace: got "Models"; ${DNS}`] },
    {
        title: "a pool the cluster does not have",
        args: { pool: "t4" },
        lines: ['pool: got "t4"; expected one of the cluster\'s GPU pools: l4, h100, a100, shared'],
    },
    {
        title: "a tensor parallel size that divides no instance size of the pool",
        args: { tensorParallelSize: 3 },
        lines: [`tensorParallelSize: got 3; ${L4_SIZES}`],
    },
    {
        title: "a tensor parallel size larger than the pool's biggest instance",
        args: { pool: "h100", tensorParallelSize: 16 },
        lines: [
            'tensorParallelSize: got 16; one replica\'s GPUs must sit on one node of pool "h100", so the count must divide the GPUs of one of its instance sizes (p5: 1, 8 GPUs per instance)',
        ],
    },
    {
        title: "a tensor parallel size on a pool given by GPU name, checked against that GPU's families",
        args: { pool: "a100", tensorParallelSize: 4 },
        lines: [],
    },
    { title: "a tensor parallel size of zero", args: { tensorParallelSize: 0 }, lines: ["tensorParallelSize: got 0; expected a whole number of GPUs ≥ 1"] },
    {
        title: "tensor parallelism on a pool that shares GPUs",
        args: { pool: "shared", tensorParallelSize: 2, gpuMemoryUtilization: 0.2 },
        lines: ['tensorParallelSize: got 2; pool "shared" shares GPUs (time-slicing): a shared slice cannot join a tensor-parallel group, so use 1'],
    },
    { title: "GPU memory utilisation of 0", args: { gpuMemoryUtilization: 0 }, lines: ["gpuMemoryUtilization: got 0; expected a fraction in (0, 1]"] },
    { title: "GPU memory utilisation above 1", args: { gpuMemoryUtilization: 1.2 }, lines: ["gpuMemoryUtilization: got 1.2; expected a fraction in (0, 1]"] },
    {
        title: "GPU memory utilisation above a time-sliced share",
        args: { pool: "shared" },
        lines: ['gpuMemoryUtilization: got 0.9; pool "shared" time-slices each GPU 4 ways without memory isolation, so each replica may claim at most 1/4 (0.250)'],
    },
    {
        title: "a served model name with characters routes cannot carry",
        args: { servedModelName: "llama 3!" },
        lines: ['servedModelName: got "llama 3!"; expected 1-128 letters, digits, \'.\', \'_\', \'-\' or \'/\', starting and ending with a letter or digit'],
    },
    {
        title: "a model that is neither a Hugging Face id nor an S3 URI",
        args: { model: "not a model" },
        lines: ['model: got "not a model"; expected a Hugging Face repo id such as "meta-llama/Llama-3.1-8B-Instruct", or s3://<bucket>/<prefix>'],
    },
    { title: "an S3 URI with an invalid bucket name", args: { model: "s3://My_Bucket/llama" }, lines: [`model: got "s3://My_Bucket/llama"; ${S3_RULE}`] },
    { title: "an S3 URI without a key prefix", args: { model: "s3://models-bucket" }, lines: [`model: got "s3://models-bucket"; ${S3_RULE}`] },
    { title: "an S3 URI with a wildcard prefix", args: { model: "s3://models-bucket/llama/*" }, lines: [`model: got "s3://models-bucket/llama/*"; ${S3_RULE}`] },
    { title: "an S3 URI of another scheme", args: { model: "https://models-bucket/llama" }, lines: [`model: got "https://models-bucket/llama"; ${S3_RULE}`] },
    {
        title: "S3 weights without the cluster's name (Pod Identity needs it)",
        args: { model: "s3://models-bucket/llama", cluster: { clusterName: undefined } },
        lines: ["cluster.clusterName: got (missing); S3 weights are read through EKS Pod Identity, which needs the cluster's name"],
    },
    {
        title: "a cache volume with S3 weights",
        args: { model: "s3://models-bucket/llama", cacheVolume: {} },
        lines: ["cacheVolume: got {}; a cache volume applies only to Hugging Face models; S3 weights stream straight to GPU memory"],
    },
    {
        title: "a ReadWriteOnce cache volume shared by several replicas",
        args: { cacheVolume: { size: "300Gi" }, autoscaling: { maxReplicas: 2 } },
        lines: [
            'cacheVolume.accessMode: got "ReadWriteOnce"; a ReadWriteOnce volume attaches to one node, so at most 1 replica (autoscaling.maxReplicas is 2); use "ReadWriteMany" (e.g. an EFS class) or S3 weights',
        ],
    },
    { title: "a cache volume size that is not a quantity", args: { cacheVolume: { size: "lots" } }, lines: ['cacheVolume.size: got "lots"; expected a size such as "200Gi" or "1Ti"'] },
    {
        title: "both an HF token and an existing token Secret",
        args: { hfToken: "hf_abc", hfTokenSecret: { name: "hf" } },
        lines: ['hfTokenSecret: got {"name":"hf"}; give hfToken or hfTokenSecret, not both'],
    },
    { title: "an empty HF token", args: { hfToken: "" }, lines: ['hfToken: got ""; expected a non-empty token'] },
    {
        title: "extra args that override a typed arg",
        args: { extraArgs: ["--enable-chunked-prefill", "--tensor-parallel-size=2"] },
        lines: ['extraArgs[1]: got "--tensor-parallel-size=2"; --tensor-parallel-size is set by tensorParallelSize; the component renders it, so it may not appear in extraArgs'],
    },
    {
        title: "extra args that move the port",
        args: { extraArgs: ["--port", "9000"] },
        lines: ['extraArgs[0]: got "--port"; --port is fixed: the Service and probes use port 8000; the component renders it, so it may not appear in extraArgs'],
    },
    { title: "an unknown dtype", args: { dtype: "int4" as never }, lines: ['dtype: got "int4"; expected one of auto, half, float16, bfloat16, float, float32'] },
    { title: "max model length of zero", args: { maxModelLen: 0 }, lines: ["maxModelLen: got 0; expected a whole number of tokens from 1 to 10,485,760 (the longest context of any open model, Llama 4 Scout's)"] },
    { title: "max num seqs that is fractional", args: { maxNumSeqs: 1.5 }, lines: ["maxNumSeqs: got 1.5; expected a whole number ≥ 1"] },
    {
        title: "a startup timeout too short for a model to load",
        args: { startupTimeoutSeconds: 30 },
        lines: ["startupTimeoutSeconds: got 30; expected whole seconds ≥ 60 (large models take many minutes to load)"],
    },
    {
        title: "a grace period too short to drain",
        args: { terminationGracePeriodSeconds: 5 },
        lines: ["terminationGracePeriodSeconds: got 5; expected whole seconds ≥ 30: the first 10 s let the Service drop the pod, the rest drain in-flight requests"],
    },
    {
        title: "scale to zero without allowScaleToZero",
        args: { autoscaling: { minReplicas: 0, maxReplicas: 2, wakeQuery: WAKE } },
        lines: ["autoscaling.minReplicas: got 0; scaling to zero must be allowed explicitly: set autoscaling.allowScaleToZero to true, or minReplicas ≥ 1"],
    },
    {
        title: "scale to zero without a wake-up query",
        args: { autoscaling: { minReplicas: 0, maxReplicas: 2, allowScaleToZero: true } },
        lines: ["autoscaling.wakeQuery: got (missing); scale to zero needs a PromQL query that rises above 0 while requests arrive and no replica runs (vLLM's own metrics vanish at zero)"],
    },
    {
        title: "maxReplicas below minReplicas",
        args: { autoscaling: { minReplicas: 3, maxReplicas: 2 } },
        lines: ["autoscaling.maxReplicas: got 2; expected maxReplicas ≥ minReplicas (3)"],
    },
    {
        title: "more replicas than the pool's GPU limit can hold",
        args: { tensorParallelSize: 4, autoscaling: { maxReplicas: 5 } },
        lines: ['autoscaling.maxReplicas: got 5; maxReplicas × tensorParallelSize = 20 GPUs exceeds pool "l4" gpuLimit 16; the extra replicas could never schedule'],
    },
    {
        title: "a Prometheus address that is not a URL",
        args: { autoscaling: { serverAddress: "prometheus:9090" } },
        lines: [`autoscaling.serverAddress: got "prometheus:9090"; expected an http(s) URL of Prometheus, e.g. ${DEFAULT_PROMETHEUS_URL}`],
    },
    { title: "a zero queue-depth target", args: { autoscaling: { targetQueueDepth: 0 } }, lines: ["autoscaling.targetQueueDepth: got 0; expected a whole number of waiting requests ≥ 1"] },
    { title: "a memory override that is not a quantity", args: { resources: { memory: "lots" } }, lines: ['resources.memory: got "lots"; expected a memory size such as "48Gi"'] },
];

const ONLY_PROVIDER = ["pulumi:providers:kubernetes"];

describe("ModelEndpoint validation", () => {
    for (const c of CASES.filter((x) => x.lines.length > 0)) {
        it(`rejects ${c.title}, registering nothing`, async () => {
            const name = c.name ?? "llama";
            const { resources, error } = await construct(c.args, name);
            assert.ok(error instanceof ValidationError, `expected a ValidationError, got ${error}`);
            const count = c.lines.length === 1 ? "1 problem" : `${c.lines.length} problems`;
            assert.equal(error.message, [`Invalid ModelEndpoint "${name}" args (${count}):`, ...c.lines.map((l) => `  - ${l}`)].join("\n"));
            assert.deepEqual(resources.map((r) => r.type), ONLY_PROVIDER);
        });
    }

    for (const c of CASES.filter((x) => x.lines.length === 0)) {
        it(`accepts ${c.title}`, async () => {
            const { error, endpoint } = await construct(c.args, c.name);
            assert.equal(error, undefined);
            assert.ok(endpoint);
        });
    }

    it("reports every problem at once", async () => {
        const { error, resources } = await construct({
            namespace: "Bad_NS",
            pool: "l4",
            tensorParallelSize: 3,
            gpuMemoryUtilization: 2,
            autoscaling: { minReplicas: 0, maxReplicas: 1, wakeQuery: WAKE },
        });
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(
            error.problems.map((p) => p.path),
            ["namespace", "tensorParallelSize", "gpuMemoryUtilization", "autoscaling.minReplicas"],
        );
        assert.match(error.message, /^Invalid ModelEndpoint "llama" args \(4 problems\):/);
        assert.deepEqual(resources.map((r) => r.type), ONLY_PROVIDER);
    });

    it("still checks the rest when the pool is missing", async () => {
        const { error } = await construct({ pool: "t4", gpuMemoryUtilization: -1 });
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(error.problems.map((p) => p.path), ["pool", "gpuMemoryUtilization"]);
    });

    it("accepts every tensor parallel size that divides an instance size of the pool", async () => {
        for (const tp of [1, 2, 4, 8]) {
            const { error } = await construct({ tensorParallelSize: tp });
            assert.equal(error, undefined, `tensorParallelSize ${tp}`);
        }
    });
});

describe("ModelEndpoint trustRemoteCode", () => {
    const vllmArgsOf = async (args: Partial<TestArgs>) => {
        const { resources, error } = await construct(args);
        assert.equal(error, undefined);
        const deployment = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment");
        return deployment?.inputs.spec.template.spec.containers[0].args as string[];
    };

    it("renders --trust-remote-code only when opted in", async () => {
        assert.ok(!(await vllmArgsOf({})).includes("--trust-remote-code"));
        assert.ok((await vllmArgsOf({ trustRemoteCode: true })).includes("--trust-remote-code"));
    });

    it("never echoes a credential given in extraArgs", async () => {
        const { error } = await construct({ extraArgs: ["--api-key", "sk-live-0123456789abcdef"] });
        assert.ok(error instanceof ValidationError);
        assert.ok(!error.message.includes("sk-live") && error.message.includes("--api-key is a credential"), error.message);
    });
});

import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as YAML from "yaml";
import { loadStackConfig, parseStackConfig, runStack, stackConfigPath } from "../../plan/stack";
import { MAX_CONFIG_BYTES, MAX_STACK_FILE_BYTES, MAX_TENANTS } from "../../components/internal/limits";
import { buildPlan } from "../../plan/build";
import { renderText } from "../../plan/report";
import { main } from "../../stacks/program";
import { expectFailure } from "../harness";

type Stack = "dev" | "prod";
type Config = Record<string, any>;

/** A stack's committed config file with `edit` applied to its parsed config. */
function configWith(stack: Stack, edit: (config: Config) => void) {
    const doc = YAML.parse(fs.readFileSync(stackConfigPath(stack), "utf8"));
    edit(doc.config);
    return parseStackConfig(YAML.stringify(doc));
}

/** Runs the real program on the edited config; it must fail, say `messages`, and declare nothing. */
async function expectRejected(stack: Stack, edit: (config: Config) => void, ...messages: string[]) {
    const { config, secretKeys } = configWith(stack, edit);
    const { error, resources } = await expectFailure(main, { stack, config, secretKeys });
    for (const m of messages) assert.ok(error.message.includes(m), `message lacks "${m}":\n${error.message}`);
    assert.equal(resources.length, 0, "nothing may be registered on invalid config");
    return error.message;
}

const K = (key: string) => `genai-platform:${key}`;
const pools = (c: Config) => c[K("pools")];
const models = (c: Config) => c[K("models")];
const gateway = (c: Config) => c[K("gateway")];
const cluster = (c: Config) => c[K("cluster")];

/** Invalid variations of the committed configs, each with what its message must say. */
const CORPUS: { title: string; stack: Stack; edit: (c: Config) => void; messages: string[]; absent?: string[] }[] = [
    // Wrong types.
    { title: "a GPU limit that is not a number", stack: "dev", edit: (c) => (pools(c)[0].gpuLimit = "four"), messages: [`${K("pools")}[0].gpuLimit: got "four"; Invalid input: expected number`] },
    { title: "models that are not a list", stack: "dev", edit: (c) => (c[K("models")] = { name: "x" }), messages: [`${K("models")}: got {"name":"x"}; Invalid input: expected array`] },
    { title: "a public endpoint flag that is a string", stack: "dev", edit: (c) => (cluster(c).endpoint.publicAccess = "yes"), messages: [`${K("cluster")}.endpoint.publicAccess: got "yes"; Invalid input: expected boolean`] },
    { title: "an unknown environment", stack: "dev", edit: (c) => (c[K("environment")] = "staging"), messages: [`${K("environment")}: got "staging"; Invalid option: expected one of "dev"|"prod"`] },
    { title: "an unknown hosted provider", stack: "dev", edit: (c) => (gateway(c).hosted[0].provider = "cohere"), messages: [`${K("gateway")}.hosted[0].provider: got "cohere"`] },
    { title: "an unknown routing strategy", stack: "prod", edit: (c) => (gateway(c).routingStrategy = "round-robin"), messages: [`${K("gateway")}.routingStrategy: got "round-robin"`] },
    { title: "an unknown endpoint routing", stack: "dev", edit: (c) => (models(c)[0].routing = "round-robin"), messages: [`${K("models")}[0].routing: got "round-robin"; Invalid option: expected one of "kv-aware"|"service"`] },
    { title: "an unknown tenant priority", stack: "prod", edit: (c) => (c[K("tenants")][0].priority = "urgent"), messages: [`${K("tenants")}[0].priority: got "urgent"; Invalid option: expected one of "interactive"|"batch"`] },
    // Unknown keys, with hints.
    { title: "a misspelt cluster key", stack: "dev", edit: (c) => (cluster(c).kubernetesVersoin = "1.35"), messages: [`${K("cluster")}.kubernetesVersoin: got "1.35"; unknown key; did you mean "kubernetesVersion"?`] },
    { title: "a misspelt top-level key", stack: "dev", edit: (c) => (c[K("pool")] = []), messages: [`${K("pool")}: got []; unknown key; did you mean "pools"?`] },
    { title: "a misspelt pool key", stack: "prod", edit: (c) => (pools(c)[1].gpulimit = 4), messages: [`${K("pools")}[1].gpulimit: got 4; unknown key; did you mean "gpuLimit"?`] },
    { title: "a misspelt model key", stack: "prod", edit: (c) => (models(c)[0].tensorParallel = 4), messages: [`${K("models")}[0].tensorParallel: got 4; unknown key; did you mean "tensorParallelSize"?`] },
    // Missing values and secrets.
    { title: "a missing cost-center tag", stack: "dev", edit: (c) => delete c[K("tags")]["cost-center"], messages: [`${K("tags")}.cost-center: got (missing); the "cost-center" tag is required`] },
    { title: "a hosted OpenAI model without its API key", stack: "dev", edit: (c) => delete c[K("openaiApiKey")], messages: [`${K("gateway")}.hosted[0].provider: got "openai"; a openai model needs the secret ${K("openaiApiKey")}`] },
    { title: "a hosted Anthropic model without its API key", stack: "prod", edit: (c) => delete c[K("anthropicApiKey")], messages: [`needs the secret ${K("anthropicApiKey")}`] },
    { title: "no GPU pools", stack: "dev", edit: (c) => (c[K("pools")] = []), messages: [`${K("pools")}: got []; Too small: expected array to have >=1 items`] },
    // Cluster and pools.
    { title: "a pool without a GPU limit", stack: "dev", edit: (c) => (pools(c)[0].gpuLimit = 0), messages: [`${K("pools")}[0].gpuLimit: got 0; every pool needs a GPU limit`] },
    { title: "duplicate pool names", stack: "prod", edit: (c) => (pools(c)[1].name = "inference-l40s"), messages: [`${K("pools")}[1].name: got "inference-l40s"; names must be unique`] },
    { title: "an unknown capacity type", stack: "dev", edit: (c) => (pools(c)[0].capacityTypes = ["preemptible"]), messages: [`${K("pools")}[0].capacityTypes[0]: got "preemptible"; Invalid option: expected one of "spot"|"on-demand"|"reserved"`] },
    { title: "a malformed consolidateAfter", stack: "dev", edit: (c) => (pools(c)[0].consolidateAfter = "5 minutes"), messages: [`${K("pools")}[0].consolidateAfter: got "5 minutes"`] },
    // Multi-node (models[3] is prod's DeepSeek-R1 across two p5.48xlarge).
    {
        title: "a multi-node model without its size",
        stack: "prod",
        edit: (c) => delete models(c)[3].parametersBillions,
        messages: [`${K("models")}[3].parametersBillions: got (missing); a multi-node endpoint (nodes: 2) must give the model's size`],
    },
    {
        title: "a multi-node model on EKS Auto Mode in prod (no EFA there)",
        stack: "prod",
        edit: (c) => (cluster(c).mode = "auto"),
        messages: [`${K("models")}[3].nodes: got 2; a production multi-node endpoint needs EFA, and the cluster has not wired it to pool "multinode-h100"'s nodes`],
    },
    {
        title: "more groups than the multi-node pool holds",
        stack: "prod",
        edit: (c) => (models(c)[3].autoscaling.maxReplicas = 3),
        messages: [`${K("models")}[3].autoscaling.maxReplicas: got 3; maxReplicas × nodes × tensorParallelSize = 48 GPUs exceeds pool "multinode-h100" gpuLimit 32`],
    },
    { title: "time-slicing with one replica", stack: "prod", edit: (c) => (pools(c)[2].sharing.replicas = 1), messages: [`${K("pools")}[2].sharing.replicas: got 1; time-slicing needs a whole number of replicas ≥ 2`] },
    { title: "MIG on GPUs without MIG", stack: "dev", edit: (c) => (pools(c)[0].sharing = { mode: "mig", profile: "all-1g.10gb" }), messages: [`${K("pools")}[0].sharing.mode: got ["g5","g6"]; MIG needs GPUs that support it`] },
    { title: "a public endpoint without CIDRs", stack: "dev", edit: (c) => (cluster(c).endpoint.publicAccessCidrs = []), messages: [`${K("cluster")}.endpoint.publicAccessCidrs: got []; list the networks that deploy and administer the cluster`] },
    { title: "a world-open endpoint", stack: "dev", edit: (c) => (cluster(c).endpoint.publicAccessCidrs = ["0.0.0.0/0"]), messages: [`${K("cluster")}.endpoint.publicAccessCidrs: got ["0.0.0.0/0"]; they admit 3,702,390,784 public addresses`] },
    { title: "the internet as two halves", stack: "prod", edit: (c) => (cluster(c).endpoint.publicAccessCidrs = ["0.0.0.0/1", "128.0.0.0/1"]), messages: [`${K("cluster")}.endpoint.publicAccessCidrs: got ["0.0.0.0/1","128.0.0.0/1"]; they admit 3,702,390,784 public addresses (100% of the public IPv4 space); an allow-list may admit at most 65,536 public addresses`] },
    { title: "a private-only prod endpoint, which no deployer outside the VPC could reach", stack: "prod", edit: (c) => (cluster(c).endpoint = { publicAccess: false }), messages: [`${K("cluster")}.endpoint.publicAccess: got false; no deployer can reach a private-only endpoint`] },
    { title: "a Kubernetes version outside the window", stack: "prod", edit: (c) => (cluster(c).kubernetesVersion = "1.29"), messages: [`${K("cluster")}.kubernetesVersion: got "1.29"; expected a supported EKS version`] },
    { title: "a VPC too small for the cluster", stack: "dev", edit: (c) => (cluster(c).network.vpcCidr = "10.0.0.0/24"), messages: [`${K("cluster")}.network.vpcCidr: got "10.0.0.0/24"`] },
    // Models: impossible combinations.
    { title: "a model on a pool that does not exist", stack: "dev", edit: (c) => (models(c)[0].pool = "gpu-large"), messages: [`${K("models")}[0].pool: got "gpu-large"; no such pool; pools: gpu-small`] },
    { title: "tensor parallelism the pool's instances cannot hold", stack: "dev", edit: (c) => (models(c)[0].tensorParallelSize = 3), messages: [`${K("models")}[0].tensorParallelSize: got 3`] },
    { title: "a GPU memory share above 1", stack: "dev", edit: (c) => (models(c)[0].gpuMemoryUtilization = 1.5), messages: [`${K("models")}[0].gpuMemoryUtilization: got 1.5`] },
    { title: "a model name that is not a DNS label", stack: "prod", edit: (c) => models(c).push({ ...models(c)[1], name: "Llama_8B" }), messages: [`${K("models")}[4].name: got "Llama_8B"; expected a DNS-1123 label`] },
    { title: "more minimum than maximum replicas", stack: "prod", edit: (c) => (models(c)[1].autoscaling = { minReplicas: 5, maxReplicas: 2 }), messages: [`${K("models")}[1].autoscaling.maxReplicas: got 2`] },
    { title: "scale to zero in prod", stack: "prod", edit: (c) => (models(c)[0].autoscaling.minReplicas = 0), messages: [`${K("models")}[0].autoscaling.minReplicas: got 0`] },
    { title: "more GPUs than the pool's limit at full scale", stack: "prod", edit: (c) => (models(c)[0].autoscaling.maxReplicas = 20), messages: [`${K("models")}[0].autoscaling.maxReplicas: got 20`] },
    // Gateway.
    { title: "a fallback to a model the stack lacks", stack: "dev", edit: (c) => (gateway(c).fallbacks = { "qwen25-7b": ["gpt-5"] }), messages: [`${K("gateway")}.fallbacks.qwen25-7b: got ["gpt-5"]; "gpt-5" is not a model of this stack; models: qwen25-7b, gpt-4.1-mini`] },
    { title: "a single gateway replica in prod", stack: "prod", edit: (c) => (gateway(c).replicas = 1), messages: [`${K("gateway")}.replicas: got 1`] },
    // Observability.
    { title: "prod alerts with no receiver", stack: "prod", edit: (c) => delete c[K("observability")].alerts, messages: [`${K("observability")}.alerts.slack: got (missing); production alerts need a receiver`] },
    { title: "a Slack receiver without its webhook secret", stack: "prod", edit: (c) => delete c[K("slackWebhookUrl")], messages: [`${K("observability")}.alerts.slack: got {"channel":"#genai-platform-alerts"}; a Slack receiver needs the secret ${K("slackWebhookUrl")}`] },
    { title: "a Slack channel without its #", stack: "prod", edit: (c) => (c[K("observability")].alerts.slack.channel = "alerts"), messages: [`${K("observability")}.alerts.slack.channel: got "alerts"`] },
    // Tenants.
    { title: "a tenant GPU quota above its pools' limits", stack: "prod", edit: (c) => (c[K("tenants")][1].gpuQuota = 12), messages: [`${K("tenants")}[1].gpuQuota: got 12; tenant "assistants" may use pools shared-l4 (8 GPUs); its GPU quota must be ≤ 8`] },
    { title: "a tenant allowed a model the gateway lacks", stack: "dev", edit: (c) => c[K("tenants")][0].team.models.push("gpt-5"), messages: [`${K("tenants")}[0].team.models[2]: got "gpt-5"`] },
    { title: "two tenants with one name", stack: "prod", edit: (c) => (c[K("tenants")][2].name = "research"), messages: [`${K("tenants")}[2].name: got "research"`] },
    { title: "a quota that is not a Kubernetes quantity", stack: "dev", edit: (c) => (c[K("tenants")][0].quota.memoryRequests = "lots"), messages: [`${K("tenants")}[0].quota.memoryRequests: got "lots"`] },
    { title: "a tenant principal that is already a cluster admin", stack: "dev", edit: (c) => (c[K("tenants")][0].principals[0].arn = "arn:aws:iam::123456789012:role/platform-admin"), messages: [`${K("tenants")}[0].principals[0].arn: got "arn:aws:iam::123456789012:role/platform-admin"; this principal is already a cluster admin`] },
    // Production posture: the stack name and the environment agree; prod enforcement is lowered only by a named override.
    { title: "a prod stack file that says environment dev", stack: "prod", edit: (c) => (c[K("environment")] = "dev"), messages: [`${K("environment")}: got "dev"; stack "prod" is a production stack by its name; its environment must be "prod"`] },
    { title: "a dev stack file that says environment prod", stack: "dev", edit: (c) => (c[K("environment")] = "prod"), messages: [`${K("environment")}: got "prod"; stack "dev" is a development stack by its name; its environment must be "dev"`] },
    { title: "Kyverno in Audit mode in prod", stack: "prod", edit: (c) => (cluster(c).kyverno.enforcement = "Audit"), messages: [`${K("cluster")}.kyverno.enforcement: got "Audit"; production admission policies enforce; lower them only with the named override ${K("productionOverrides")}.kyvernoAudit`] },
    { title: "a production override outside prod", stack: "dev", edit: (c) => (c[K("productionOverrides")] = { kyvernoAudit: "incident 42: a webhook outage blocks deploys" }), messages: [`${K("productionOverrides")}.kyvernoAudit: got "incident 42: a webhook outage blocks deploys"; overrides lower production protections, and this stack is not production`] },
    // Tenants named after the platform's namespaces (each would get edit access to the platform's Secrets there and its
    // policy exemptions); the gateway's namespace too, before anything is registered.
    ...["monitoring", "langfuse", "keda", "cert-manager", "clickhouse-operator-system", "models", "llm-gateway", "kyverno", "default"].map((ns) => ({
        title: `a tenant named ${ns}`,
        stack: "prod" as Stack,
        edit: (c: Config) => (c[K("tenants")][2].name = ns),
        messages: [`${K("tenants")}[2].name: got "${ns}"; expected a namespace the platform does not use (not `],
    })),
    // Model name collisions: the gateway would load-balance one model's prompts to another model or provider.
    { title: "a hosted route named like a self-hosted model", stack: "prod", edit: (c) => (gateway(c).hosted[0].modelName = "llama31-8b"), messages: [`${K("gateway")}.hosted[0].modelName: got "llama31-8b"; the gateway already serves "llama31-8b" for ${K("models")}[1]; names across models, servedModelName and hosted must be unique`] },
    { title: "two endpoints sharing a served name", stack: "prod", edit: (c) => (models(c)[2].servedModelName = "llama31-8b"), messages: [`${K("models")}[2].servedModelName: got "llama31-8b"; the gateway already serves "llama31-8b" for ${K("models")}[1]`] },
    { title: "two hosted routes with one name", stack: "prod", edit: (c) => (gateway(c).hosted[1].modelName = "gpt-4.1"), messages: [`${K("gateway")}.hosted[1].modelName: got "gpt-4.1"; the gateway already serves "gpt-4.1" for ${K("gateway")}.hosted[0]`] },
    { title: "two endpoints with one name", stack: "prod", edit: (c) => (models(c)[1].name = "qwen25-72b"), messages: [`${K("models")}[1].name: got "qwen25-72b"; endpoint names must be unique (each names a Deployment and a Service); ${K("models")}[0] has it`] },
    // extraArgs: vLLM's FlexibleArgumentParser reads `_` as `-` and argparse accepts unique prefixes, so each spelling of
    // a managed flag is refused; credentials and remote code are not flags to pass through.
    { title: "a managed flag spelt with underscores", stack: "dev", edit: (c) => (models(c)[0].extraArgs = ["--tensor_parallel_size=2"]), messages: [`${K("models")}[0].extraArgs[0]: got "--tensor_parallel_size=2"; --tensor-parallel-size is set by tensorParallelSize`] },
    { title: "a load format override", stack: "dev", edit: (c) => (models(c)[0].extraArgs = ["--load_format", "dummy"]), messages: [`${K("models")}[0].extraArgs[0]: got "--load_format"; --load-format is set by model`] },
    { title: "an abbreviated managed flag", stack: "dev", edit: (c) => (models(c)[0].extraArgs = ["--max-model=4096"]), messages: [`${K("models")}[0].extraArgs[0]: got "--max-model=4096"; --max-model-len is set by maxModelLen`] },
    { title: "flags read from a config file", stack: "dev", edit: (c) => (models(c)[0].extraArgs = ["--config", "/tmp/x.yaml"]), messages: [`${K("models")}[0].extraArgs[0]: got "--config"; --config reads further flags from a file`] },
    { title: "remote code through extraArgs", stack: "dev", edit: (c) => (models(c)[0].extraArgs = ["--trust-remote-code"]), messages: [`${K("models")}[0].extraArgs[0]: got "--trust-remote-code"; --trust-remote-code runs code from the model repository; opt in with trustRemoteCode: true`] },
    { title: "an API key in the args", stack: "dev", edit: (c) => (models(c)[0].extraArgs = ["--api_key=sk-live-0123456789abcdef"]), messages: [`${K("models")}[0].extraArgs[0]: got "--api_key=(value hidden)"; --api-key is a credential`] },
    // Internet exposure of the load balancers through wide CIDRs (the same rule as the API endpoint's).
    { title: "the gateway's ALB open to the internet as two halves", stack: "prod", edit: (c) => (gateway(c).ingress = { certificateArn: c[K("observability")].ingress.certificateArn, host: "llm.genai.example.com", scheme: "internet-facing", inboundCidrs: ["0.0.0.0/1", "128.0.0.0/1"] }), messages: [`${K("gateway")}.ingress.inboundCidrs: got ["0.0.0.0/1","128.0.0.0/1"]; they admit 3,702,390,784 public addresses (100% of the public IPv4 space); an allow-list may admit at most 65,536 public addresses`] },
    { title: "the observability ALB open to a /8", stack: "prod", edit: (c) => Object.assign(c[K("observability")].ingress, { scheme: "internet-facing", inboundCidrs: ["11.0.0.0/8"] }), messages: [`${K("observability")}.ingress.inboundCidrs: got ["11.0.0.0/8"]; they admit 16,777,216 public addresses`] },
    // Absurd sizes: every number has an upper bound, stated with its reason.
    { title: "a GPU limit of 1e12", stack: "dev", edit: (c) => (pools(c)[0].gpuLimit = 1e12), messages: [`${K("pools")}[0].gpuLimit: got 1000000000000; at most 8,000 GPUs: a pool holds at most 1,000 nodes, and its families' largest instances carry 8 GPUs`] },
    { title: "a node volume of 1e12 GiB", stack: "dev", edit: (c) => (pools(c)[0].volumeGiB = 1e12), messages: [`${K("pools")}[0].volumeGiB: got 1000000000000; expected a whole number of GiB from 100 (model images are large) to 65,536 (gp3's maximum, 64 TiB)`] },
    { title: "a context of 1e12 tokens", stack: "dev", edit: (c) => (models(c)[0].maxModelLen = 1e12), messages: [`${K("models")}[0].maxModelLen: got 1000000000000; expected a whole number of tokens from 1 to 10,485,760 (the longest context of any open model, Llama 4 Scout's)`] },
    // Capacity across models and tenants: each fits its pool alone, together they do not.
    { title: "two models whose full scale exceeds their pool together", stack: "prod", edit: (c) => (models(c)[1].autoscaling.maxReplicas = 17), messages: [`${K("models")}[1].autoscaling.maxReplicas: got 17; pool "inference-l40s" holds 32 GPUs; at full scale its endpoints need 33 (${K("models")}[0]: 4 × 4, ${K("models")}[1]: 17 × 1)`] },
    { title: "warm floors that exceed their pool together", stack: "prod", edit: (c) => (models(c)[1].autoscaling = { minReplicas: 25, maxReplicas: 25 }), messages: [`${K("models")}[1].autoscaling.minReplicas: got 25; pool "inference-l40s" holds 32 GPUs; its endpoints keep 33 warm (${K("models")}[0]: 2 × 4, ${K("models")}[1]: 25 × 1)`] },
    { title: "a tenant quota that leaves no room for the platform's warm endpoints", stack: "prod", edit: (c) => (c[K("tenants")][0].gpuQuota = 30), messages: [`${K("tenants")}[0].gpuQuota: got 30; tenant "research" may use pools inference-l40s (32 GPUs), where the platform's endpoints keep 10 warm; its GPU quota must be ≤ 22`] },
    // Secrets: given as `secure:` (encrypted in the stack file), never empty, never echoed.
    { title: "a provider key in plaintext", stack: "dev", edit: (c) => (c[K("openaiApiKey")] = "sk-plaintext-0123456789"), messages: [`${K("openaiApiKey")}: got (hidden: secret values are never echoed); a secret must be stored encrypted: pulumi config set --secret openaiApiKey <value>`], absent: ["sk-plaintext"] },
    { title: "an HF token in plaintext", stack: "prod", edit: (c) => (c[K("hfToken")] = "hf_plaintext0123456789"), messages: [`${K("hfToken")}: got (hidden: secret values are never echoed); a secret must be stored encrypted`], absent: ["hf_plaintext"] },
    { title: "an empty HF token", stack: "dev", edit: (c) => (c[K("hfToken")] = ""), messages: [`${K("hfToken")}: got (hidden: secret values are never echoed); expected a non-empty secret`] },
    { title: "a misspelt secret key", stack: "dev", edit: (c) => (c[K("hfTokn")] = "hf_leak0123456789"), messages: [`${K("hfTokn")}: got (hidden: secret values are never echoed); unknown key; did you mean "hfToken"?`], absent: ["hf_leak"] },
    { title: "a secret key under a misspelt namespace", stack: "dev", edit: (c) => (c["genai-platfrom:openaiApiKey"] = "sk-leak0123456789"), messages: [`genai-platfrom:openaiApiKey: got (hidden: secret values are never echoed); unknown config namespace`], absent: ["sk-leak"] },
    // Silent accepts that would fail at deploy time, refused at their key.
    { title: "an allow-all registry", stack: "prod", edit: (c) => (cluster(c).kyverno.allowedRegistries = ["*"]), messages: [`${K("cluster")}.kyverno.allowedRegistries[0]: got "*"; expected a registry host or host/path prefix`] },
    { title: "an empty registry", stack: "prod", edit: (c) => (cluster(c).kyverno.allowedRegistries = [""]), messages: [`${K("cluster")}.kyverno.allowedRegistries[0]: got ""; expected a registry host or host/path prefix`] },
    { title: "a pool label in the kubernetes.io domain", stack: "dev", edit: (c) => (pools(c)[0].labels = { "node-role.kubernetes.io/gpu": "true" }), messages: [`${K("pools")}[0].labels.node-role.kubernetes.io/gpu: got "true"; the label domains kubernetes.io, k8s.io, karpenter.sh, karpenter.k8s.aws, nvidia.com and genai-platform.io are reserved`] },
    { title: "a pool label value with a newline", stack: "dev", edit: (c) => (pools(c)[0].labels = { team: "a\nb" }), messages: [`${K("pools")}[0].labels.team: got "a\\nb"; expected a label value of at most 63 characters`] },
    { title: "a tag in the aws: namespace", stack: "dev", edit: (c) => (c[K("tags")]["aws:owner"] = "me"), messages: [`${K("tags")}.aws:owner: got "me"; the aws: prefix is reserved for AWS`] },
    { title: "a tag value over 256 characters", stack: "dev", edit: (c) => (c[K("tags")].owner = "x".repeat(300)), messages: [`${K("tags")}.owner: got "xxxxxxxx`, `expected a tag value of at most 256 characters`] },
    { title: "a tag key with a NUL", stack: "dev", edit: (c) => (c[K("tags")]["team\u0000x"] = "a"), messages: [`expected a tag key of 1-128 characters: letters, digits, spaces and _ . : / = + - @`] },
    { title: "a fallback keyed __proto__", stack: "dev", edit: (c) => (gateway(c).fallbacks = JSON.parse('{"__proto__": ["gpt-4.1-mini"]}')), messages: [`${K("gateway")}.fallbacks.__proto__: got ["gpt-4.1-mini"]; a key named __proto__ would set a JavaScript object's prototype, so its entry would be dropped; rename it`] },
    // Messages: the key as the user wrote it, the value as given (truncated), what is allowed.
    { title: "retries out of range, at the key the user wrote", stack: "prod", edit: (c) => (gateway(c).numRetries = 50), messages: [`${K("gateway")}.numRetries: got 50; expected a whole number from 0 to 10`], absent: ["routing"] },
    { title: "a fallback listing a model twice, at the key the user wrote", stack: "prod", edit: (c) => (gateway(c).fallbacks["llama31-8b"] = ["gpt-4.1", "gpt-4.1"]), messages: [`${K("gateway")}.fallbacks.llama31-8b: got ["gpt-4.1","gpt-4.1"]; each fallback model may appear once`], absent: ["routing"] },
    { title: "a served name the gateway cannot route, reported at the model and not at a derived route", stack: "prod", edit: (c) => ((models(c)[2].servedModelName = "qwen 1.5b!"), delete gateway(c).contextWindowFallbacks, c[K("tenants")][1].team.models.shift()), messages: [`${K("models")}[2].servedModelName: got "qwen 1.5b!"`], absent: ["selfHosted", "tenants[2].team.models"] },
    { title: "a quoted string of digits", stack: "dev", edit: (c) => (c[K("environment")] = "123"), messages: [`${K("environment")}: got "123"; Invalid option: expected one of "dev"|"prod"`], absent: ["received number"] },
    { title: "an enum given as yes", stack: "prod", edit: (c) => (pools(c)[0].protectBusinessHours = "yes"), messages: [`${K("pools")}[0].protectBusinessHours: got "yes"; expected one of: true, false, { schedule, duration }`] },
    { title: "an unknown sharing mode", stack: "prod", edit: (c) => (pools(c)[2].sharing = { mode: "mps", replicas: 4 }), messages: [`${K("pools")}[2].sharing.mode: got "mps"; expected one of: "time-slicing", "mig"`] },
    { title: "a 100 kB value", stack: "dev", edit: (c) => (c[K("tags")].owner = "x".repeat(100_000)), messages: [`${K("tags")}.owner: got "xxxxxxxx`, `… (100,002 characters)`] },
    // Scale: stated limits, refused with what they are.
    { title: "more tenants than one stack holds", stack: "prod", edit: (c) => (c[K("tenants")] = Array.from({ length: MAX_TENANTS + 1 }, (_, i) => ({ name: `team-${i}`, team: { maxBudgetUsd: 10 } }))), messages: [`${K("tenants")}: got [{"name":"team-0"`, `at most ${MAX_TENANTS.toLocaleString("en-US")} tenants in one stack`] },
    { title: "a config too large for one stack", stack: "dev", edit: (c) => (c[K("tags")].notes = "x".repeat(MAX_CONFIG_BYTES)), messages: [`${K("tags")}: got (hidden: `, `the stack's genai-platform config may hold at most ${MAX_CONFIG_BYTES.toLocaleString("en-US")} bytes`] },
    // Admin principals EKS refuses (one access entry per principal; IAM roles and users only).
    { title: "an STS session as admin", stack: "dev", edit: (c) => cluster(c).adminPrincipalArns.push("arn:aws:sts::123456789012:assumed-role/platform-admin/alice"), messages: [`${K("cluster")}.adminPrincipalArns[1]: got "arn:aws:sts::123456789012:assumed-role/platform-admin/alice"`] },
    { title: "a wildcard role as admin", stack: "dev", edit: (c) => cluster(c).adminPrincipalArns.push("arn:aws:iam::123456789012:role/*"), messages: [`${K("cluster")}.adminPrincipalArns[1]: got "arn:aws:iam::123456789012:role/*"`] },
    { title: "the same admin twice", stack: "prod", edit: (c) => cluster(c).adminPrincipalArns.push("arn:aws:iam::123456789012:role/platform-admin"), messages: [`${K("cluster")}.adminPrincipalArns[2]: got "arn:aws:iam::123456789012:role/platform-admin"`] },
    // The deployer: EKS makes it admin as the cluster's creator, so it is required, an IAM role or user, and no tenant's.
    { title: "no deployer", stack: "prod", edit: (c) => delete cluster(c).deployerPrincipalArn, messages: [`${K("cluster")}.deployerPrincipalArn: got (missing); expected an IAM role or user ARN`] },
    { title: "an STS session as the deployer", stack: "dev", edit: (c) => (cluster(c).deployerPrincipalArn = "arn:aws:sts::123456789012:assumed-role/platform-ci-deployer/run-42"), messages: [`${K("cluster")}.deployerPrincipalArn: got "arn:aws:sts::123456789012:assumed-role/platform-ci-deployer/run-42"; an STS session cannot have an access entry; give the role's ARN instead: arn:aws:iam::123456789012:role/platform-ci-deployer`] },
    { title: "a tenant principal that is the deployer", stack: "dev", edit: (c) => (c[K("tenants")][0].principals[0].arn = "arn:aws:iam::123456789012:role/platform-ci-deployer"), messages: [`${K("tenants")}[0].principals[0].arn: got "arn:aws:iam::123456789012:role/platform-ci-deployer"; this principal is already a cluster admin`] },
    // Misspelt config namespaces: Pulumi hands every namespace's keys to the program, so ours must refuse a near miss
    // (the setting it holds would silently fall back to its default: no tenants, a replaced VPC).
    { title: "tenants under a misspelt namespace", stack: "prod", edit: (c) => ((c["genai-platfrom:tenants"] = c[K("tenants")]), delete c[K("tenants")]), messages: [`genai-platfrom:tenants: got [{"name":"research"`, `unknown config namespace "genai-platfrom"; did you mean "${K("tenants")}"?`] },
    { title: "the cluster under an underscored namespace", stack: "dev", edit: (c) => ((c["genai_platform:cluster"] = c[K("cluster")]), delete c[K("cluster")]), messages: [`genai_platform:cluster: got {"kubernetesVersion":"1.35"`, `did you mean "${K("cluster")}"?`] },
];

/** The committed stack file's text with `edit` applied to its text. */
const stackText = (stack: Stack, edit: (text: string) => string) => edit(fs.readFileSync(stackConfigPath(stack), "utf8"));

/** A stack file the plan must refuse before the program runs, saying `messages`. */
function expectFileRejected(text: string, ...messages: string[]) {
    assert.throws(() => parseStackConfig(text), (e: Error) => {
        for (const m of messages) assert.ok(e.message.includes(m), `message lacks "${m}":\n${e.message}`);
        return true;
    });
}

describe("production overrides", () => {
    it("are reported by the plan, with their reason", async () => {
        const config = configWith("prod", (c) => {
            cluster(c).kyverno.enforcement = "Audit";
            c[K("productionOverrides")] = { kyvernoAudit: "incident 42: the admission webhook blocks every deploy" };
        });
        const report = await buildPlan("prod", undefined, config);
        const text = renderText(report);
        assert.ok(text.includes('Production protection lowered by genai-platform:productionOverrides.kyvernoAudit ("incident 42: the admission webhook blocks every deploy"): Kyverno admission policies audit instead of enforcing'), text.slice(0, 2000));
    });
});

describe("stack files", () => {
    it("refuse a file larger than a stack may be, before parsing it", () => {
        expectFileRejected(`${stackText("dev", (t) => t)}# ${"x".repeat(MAX_STACK_FILE_BYTES)}\n`, `stack file: got (hidden: `, `at most ${MAX_STACK_FILE_BYTES.toLocaleString("en-US")} bytes`);
    });

    it("report .nan and .inf as written, not as null", () => {
        const text = stackText("dev", (t) => t.replace("gpuLimit: 4", "gpuLimit: .nan").replace("volumeGiB: 200", "volumeGiB: -.inf"));
        expectFileRejected(text, `${K("pools")}[0].gpuLimit: got .nan; expected a finite number`, `${K("pools")}[0].volumeGiB: got -.inf; expected a finite number`);
    });

    it("accept YAML merge keys, as the Pulumi CLI's YAML does", async () => {
        // pulumi/pulumi sdk/go/common/encoding/marshal.go reads stack files with go-yaml, which applies `<<` merge keys.
        const text = stackText("dev", (t) => t.replace("      publicAccess: true\n", "      <<: &public { publicAccess: true }\n"));
        assert.ok(text.includes("<<: &public"));
        const { config } = parseStackConfig(text);
        assert.equal(JSON.parse(config[K("cluster")]).endpoint.publicAccess, true);
        assert.ok(!config[K("cluster")].includes("<<"));
    });

    it("refuse a misspelt config: root with a hint", () => {
        expectFileRejected(stackText("dev", (t) => t.replace(/^config:/m, "confg:")), `confg: got {"aws:region":"us-east-1"`, `unknown stack file key; did you mean "config"?`);
    });

    it("refuse an unqualified key that shadows the qualified one", () => {
        expectFileRejected(stackText("dev", (t) => `${t}  tenants: []\n`), `tenants: got []; sets the same key as ${K("tenants")} (an unqualified key is in the project's namespace); keep one`);
    });
});

describe("stack config validation", () => {
    it("accepts the committed dev and prod configs", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const run = await runStack(stack, loadStackConfig(stack));
            assert.ok(run.resources.length > 50);
        }
    });

    it(`has a corpus of at least 25 invalid configs (${CORPUS.length})`, () => {
        assert.ok(CORPUS.length >= 25);
    });

    for (const c of CORPUS) {
        it(`rejects ${c.title} (${c.stack}), naming the key, and declares nothing`, async () => {
            const message = await expectRejected(c.stack, c.edit, ...c.messages);
            for (const text of c.absent ?? []) assert.ok(!message.includes(text), `message echoes "${text}":\n${message}`);
        });
    }

    // Shape and type errors are reported first (nothing else can be checked on a malformed config), then every
    // problem the components find, across all of them.
    for (const [phase, edit, keys] of [
        ["shape", (c: Config) => ((pools(c)[0].gpuLimit = "x"), delete c[K("tags")].owner), ["pools[0].gpuLimit", "tags.owner"]],
        ["component", (c: Config) => ((pools(c)[0].consolidateAfter = "soon"), (models(c)[0].tensorParallelSize = 3), (cluster(c).endpoint.publicAccessCidrs = [])), ["pools[0].consolidateAfter", "models[0].tensorParallelSize", "models[0].autoscaling.maxReplicas", "cluster.endpoint.publicAccessCidrs"]],
    ] as const) {
        it(`reports every ${phase} problem of a config at once`, async () => {
            const { config, secretKeys } = configWith("dev", edit);
            const { error } = await expectFailure(main, { stack: "dev", config, secretKeys });
            assert.match(error.message, new RegExp(`^Invalid stack configuration \\(${keys.length} problems\\):`));
            for (const key of keys) assert.ok(error.message.includes(K(key)), error.message);
        });
    }
});

/**
 * The labels, tags and type tokens the platform's components write and the
 * policies read. The pack is deployed on its own (`pulumi policy publish`),
 * so it cannot import `components/`; test/policies checks these stay equal
 * to the components' own constants.
 */

/** Extended resource name of NVIDIA GPUs. */
export const GPU_RESOURCE = "nvidia.com/gpu";
/** Node label naming a node's GPU pool; GPU workloads select on it. */
export const POOL_LABEL = "genai-platform.io/pool";
/** Namespace label: the platform manages this namespace (`"true"`). */
export const MANAGED_NAMESPACE_LABEL = "genai-platform.io/managed";
/** Namespace label: comma-separated GPU pools the namespace's GPU quota draws on. */
export const GPU_POOLS_LABEL = "genai-platform.io/gpu-pools";
/** Namespace label: the namespace belongs to a tenant (value: tenant name). */
export const TENANT_LABEL = "genai-platform.io/tenant";
/** Deployment label: the model name vLLM serves (`--served-model-name`). */
export const SERVED_MODEL_LABEL = "genai-platform.io/served-model";
/** ResourceQuota key that caps a namespace's GPUs. */
export const GPU_QUOTA_KEY = `requests.${GPU_RESOURCE}`;
/** S3 bucket tag: `"false"` opts a bucket that holds no state (caches, scratch) out of versioning. */
export const HOLDS_STATE_TAG = "genai-platform.io/holds-state";

/** The LiteLLM gateway's config: a ConfigMap with this label, its `config.yaml` key. */
export const GATEWAY_CONFIG = { labelKey: "app.kubernetes.io/name", labelValue: "litellm", dataKey: "config.yaml" } as const;
/** LiteLLM's provider prefix for self-hosted vLLM models. */
export const HOSTED_VLLM_PREFIX = "hosted_vllm/";

export const MODEL_ENDPOINT_TYPE = "genai-platform:index:ModelEndpoint";
/** The pulumi-eks v4 remote component. */
export const EKS_COMPONENT_TYPE = "eks:index:Cluster";

/** Namespaces of Kubernetes itself and of the platform's add-ons (Karpenter, GPU Operator, Kyverno). */
export const DEFAULT_SYSTEM_NAMESPACES = ["kube-system", "kube-node-lease", "kube-public", "karpenter", "gpu-operator", "kyverno"];

/** Registries of the images the platform runs (host or host/path prefixes; `docker.io/x` for Docker Hub). */
export const DEFAULT_ALLOWED_REGISTRIES = ["public.ecr.aws", "nvcr.io", "registry.k8s.io", "quay.io", "ghcr.io", "docker.io/vllm", "reg.kyverno.io"];

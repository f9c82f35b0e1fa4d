"""A tenant team's program in Python: the same as examples/tenant-app (TypeScript).

It knows the platform only through the platform stack's outputs, and deploys one
vLLM model and its LangGraph agent (examples/agent-workflow, built and pushed by
the team) into its own namespace, where the platform's quota, network policies
and admission policies apply.

`genai_platform` is the SDK `pulumi package add` generates from this
repository's components (README.md here); its names follow the package schema
the component analyzer produces (test/project/plugin-schema.test.ts): the
package `genai-platform` becomes the module `pulumi_genai_platform`, each arg
its snake_case name, each object type a `<Type>Args` class.
"""

import pulumi
import pulumi_kubernetes as k8s
import pulumi_genai_platform as genai_platform

config = pulumi.Config()
tenant = config.require("tenant")
platform = pulumi.StackReference("platform", name=config.require("platformStack"))


def platform_value(name: str):
    """A plain (non-secret) output of the platform stack, for the args the schema marks plain."""
    value = platform.get_output_details(name).value
    if value is None:
        raise ValueError(f"the platform stack has no output {name!r}")
    return value


namespaces = platform_value("tenantNamespaces")
namespace = namespaces.get(tenant)
if namespace is None:
    raise ValueError(f"tenant {tenant!r} has no namespace on the platform; tenants: {', '.join(namespaces)}")
agent_platform = platform_value("agentPlatform")

# Every Kubernetes child of the components reaches the cluster through this provider (a resource option).
provider = k8s.Provider(
    "platform",
    kubeconfig=platform.require_output("kubeconfig"),
    namespace=namespace,
    enable_server_side_apply=True,
)
children = pulumi.ResourceOptions(providers={"kubernetes": provider})


def pool_args(pool: dict) -> genai_platform.GpuPoolInfoArgs:
    """One GPU pool from the platform's `gpuPools` output (camelCase keys, as the stack exports them)."""
    sharing = pool.get("sharing")
    return genai_platform.GpuPoolInfoArgs(
        name=pool["name"],
        gpu_limit=pool["gpuLimit"],
        instance_families=pool["instanceFamilies"],
        gpu_names=pool["gpuNames"],
        capacity_types=pool["capacityTypes"],
        advertised_per_gpu=pool.get("advertisedPerGpu"),
        sharing=genai_platform.GpuPoolSharingArgs(
            mode=genai_platform.GpuSharingMode(sharing["mode"]),
            replicas=sharing.get("replicas"),
            profile=sharing.get("profile"),
        ) if sharing else None,
    )


endpoint = genai_platform.ModelEndpoint(
    f"{tenant}-model",
    cluster=genai_platform.EndpointClusterArgs(pools=[pool_args(p) for p in platform_value("gpuPools")]),
    pool=config.require("pool"),
    namespace=namespace,
    model=config.require("model"),
    max_model_len=8192,
    dtype=genai_platform.Dtype.BFLOAT16,
    autoscaling=genai_platform.AutoscalingArgsArgs(min_replicas=1, max_replicas=2),
    opts=children,
)

# The agent calls models through the gateway with the team's key; its checkpoints go to a database of its own.
# Traces go to the platform's collector, which stamps the tenant; the team holds no Langfuse key.
gateway = agent_platform["gateway"]
database = agent_platform["database"]
tracing = agent_platform["tracing"]
agent = genai_platform.AgentService(
    f"{tenant}-agent",
    provider=provider,
    tenant=tenant,
    namespace=namespace,
    image=config.require("agentImage"),
    allowed_registries=agent_platform["allowedRegistries"],
    models={"ROUTER_MODEL": config.require("routerModel"), "ANSWER_MODEL": config.require("answerModel")},
    allowed_models=agent_platform["tenantModels"].get(tenant, []),
    gateway=genai_platform.AgentGatewayArgs(
        namespace=gateway["namespace"],
        service_name=gateway["serviceName"],
        port=gateway["port"],
        pod_labels=gateway["podLabels"],
    ),
    database=genai_platform.AgentDatabaseServerArgs(
        host=database["host"],
        port=database["port"],
        cidrs=database["cidrs"],
        admin_secret=genai_platform.NamespacedSecretKeyRefArgs(
            namespace=database["adminSecret"]["namespace"],
            name=database["adminSecret"]["name"],
            key=database["adminSecret"]["key"],
        ),
    ),
    tracing=genai_platform.AgentTracingArgs(
        endpoint=tracing["endpoint"],
        namespace=tracing["namespace"],
        pod_labels=tracing["podLabels"],
        port=tracing["port"],
    ),
    opts=children,
)

pulumi.export("namespace", namespace)
pulumi.export("baseUrl", endpoint.base_url)
pulumi.export("gatewayUrl", platform_value("gatewayUrl"))
pulumi.export("agentUrl", agent.url)

/** How the tests run examples/tenant-app: its dev config, and the platform's outputs as a StackReference reads them (plain values). */
export { stackReferenceOutputs } from "../../plan/tenant";

export const PLATFORM_STACK = "acme/genai-platform/dev";

/** examples/tenant-app/Pulumi.dev.yaml, for `tenant`. */
export function tenantAppConfig(tenant = "research"): Record<string, string> {
    return {
        "tenant-app:platformStack": PLATFORM_STACK,
        "tenant-app:tenant": tenant,
        "tenant-app:model": "Qwen/Qwen2.5-1.5B-Instruct",
        "tenant-app:pool": "gpu-small",
        "tenant-app:agentImage": "ghcr.io/acme/research-assistant:0.1.0",
        "tenant-app:routerModel": "qwen25-7b",
        "tenant-app:answerModel": "gpt-4.1-mini",
    };
}

/**
 * The entry of the Pulumi plugin (PulumiPlugin.yaml; the plugin host and the
 * analyzer both start from ../index.ts, which re-exports this module):
 * the tenant-facing components, which `pulumi package add` turns into SDKs
 * for Python, Go and the other languages. Pulumi's Node.js plugin host
 * requires this module and serves every ComponentResource it exports; the
 * component analyzer (@pulumi/pulumi provider/experimental/analyzer.js)
 * derives the schema from their constructors' `args` interfaces. TypeScript
 * tenants import the package's `exports` entry (components/index.ts) instead.
 */
export { AgentService } from "./agent-service";
export { ModelEndpoint } from "./model-endpoint";
export { TenantNamespace } from "./tenant-namespace";

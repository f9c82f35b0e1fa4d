/**
 * The Pulumi plugin's entry (PulumiPlugin.yaml), from source.
 *
 * `pulumi package add` runs Pulumi's Node.js plugin host over this directory:
 * it registers ts-node and requires the directory (@pulumi/pulumi
 * cmd/run-plugin/run.js), which Node resolves, package.json having no `main`,
 * to this file; no build and no install script is needed. The component
 * analyzer that derives the schema reads TypeScript source: finding no source
 * file behind `exports` and no `main`, it starts from `index.ts` at the
 * package root (provider/experimental/analyzer.js, `findProgramEntryPoint`),
 * this file too. TypeScript tenants import the package's `exports` entry
 * (dist/components/index.js) instead.
 */
export { AgentService, ModelEndpoint, TenantNamespace } from "./components/plugin";

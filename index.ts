/**
 * The Pulumi plugin's source entry, for the component analyzer only.
 *
 * `pulumi package add` runs Pulumi's Node.js plugin host over this directory
 * (PulumiPlugin.yaml): it requires package.json `main`,
 * `dist/components/plugin.js` (built from components/plugin.ts by `npm run
 * build`, which `npm install` runs as `prepare`), and serves the components it
 * exports. The component analyzer that derives their schema reads TypeScript
 * source: finding no source file behind `exports` or `main`, it starts from
 * `index.ts` at the package root (@pulumi/pulumi
 * provider/experimental/analyzer.js, `findProgramEntryPoint`), which is this
 * file. TypeScript tenants import the package's `exports` entry instead.
 */
export { AgentService, ModelEndpoint, TenantNamespace } from "./components/plugin";

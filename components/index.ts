/**
 * The public entry point of the component library: what tenant programs
 * import. Components, their Args types and the helpers they need.
 */
export * from "./gpu-cluster";
export * from "./model-endpoint";
export * from "./llm-gateway";
export { ValidationError } from "./internal/errors";
export type { Problem } from "./internal/errors";

/**
 * The public entry point of the component library: what tenant programs
 * import (`import { ModelEndpoint } from "genai-platform"`). Components, their
 * Args types and the helpers they need.
 */
export * from "./gpu-cluster";
export * from "./model-endpoint";
export * from "./llm-gateway";
export * from "./observability-stack";
export * from "./tenant-namespace";
export * from "./agent-service";
export { ValidationError } from "./internal/errors";
export { CACHE_ENGINES } from "./internal/managed-state-args";
export type { CacheEngine } from "./internal/managed-state-args";
export type { Problem } from "./internal/errors";
export type { AlbIngressArgs } from "./internal/alb-ingress";

/** The image-reference parser lives with the components (AgentService validates images with it); re-exported for the harness. */
export * from "../../components/internal/image-reference";

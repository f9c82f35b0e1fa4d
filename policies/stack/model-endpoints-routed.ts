import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";
import { GATEWAY_CONFIG, HOSTED_VLLM_PREFIX, MODEL_ENDPOINT_TYPE, SERVED_MODEL_LABEL } from "../lib/platform";
import { metadataOf, ofTypes } from "../lib/stack";

/** A model the stack serves, and the resource to report against. */
interface ServedModel {
    name: string;
    declaredBy: PolicyResource;
}

/** Served names from ModelEndpoint components' outputs, and from Deployments labelled with one. */
function servedModels(resources: readonly PolicyResource[]): ServedModel[] {
    const models = new Map<string, ServedModel>();
    for (const endpoint of ofTypes(resources, [MODEL_ENDPOINT_TYPE])) {
        const name = endpoint.props.servedModelName;
        if (typeof name === "string" && !models.has(name)) models.set(name, { name, declaredBy: endpoint });
    }
    for (const deployment of ofTypes(resources, ["kubernetes:apps/v1:Deployment"])) {
        const name = metadataOf(deployment).labels[SERVED_MODEL_LABEL];
        if (name && !models.has(name)) models.set(name, { name, declaredBy: deployment });
    }
    return [...models.values()];
}

/** Self-hosted models the LiteLLM config routes (`hosted_vllm/<served-name>`); a string when it cannot be read. */
function routedModels(configYaml: unknown): Set<string> | string {
    if (typeof configYaml !== "string") return `has no data["${GATEWAY_CONFIG.dataKey}"]`;
    let config: { model_list?: { litellm_params?: { model?: unknown } }[] };
    try {
        config = parse(configYaml) ?? {};
    } catch (e) {
        return `data["${GATEWAY_CONFIG.dataKey}"] is not valid YAML (${(e as Error).message.split("\n")[0].replace(/:$/, "")})`;
    }
    const models = (Array.isArray(config.model_list) ? config.model_list : []).map((m) => m?.litellm_params?.model);
    return new Set(models.filter((m): m is string => typeof m === "string" && m.startsWith(HOSTED_VLLM_PREFIX)).map((m) => m.slice(HOSTED_VLLM_PREFIX.length)));
}

/** Every self-hosted model is reachable through the gateway, where budgets, rate limits and tracing apply. */
export const modelEndpointsRouted: StackValidationPolicy = {
    name: "model-endpoints-routed",
    description:
        `Every model endpoint (a ${MODEL_ENDPOINT_TYPE}, or a Deployment labelled ${SERVED_MODEL_LABEL}) is routed by the LiteLLM gateway: ` +
        `its config (ConfigMap labelled ${GATEWAY_CONFIG.labelKey}: ${GATEWAY_CONFIG.labelValue}) lists model ${HOSTED_VLLM_PREFIX}<served-name>.`,
    enforcementLevel: "advisory",
    validateStack: (args, report) => {
        const models = servedModels(args.resources);
        if (models.length === 0) args.notApplicable("The stack serves no models");
        const gateways = ofTypes(args.resources, ["kubernetes:core/v1:ConfigMap"]).filter((c) => metadataOf(c).labels[GATEWAY_CONFIG.labelKey] === GATEWAY_CONFIG.labelValue);
        const routed = new Set<string>();
        for (const gateway of gateways) {
            const result = routedModels(gateway.props.data?.[GATEWAY_CONFIG.dataKey]);
            if (typeof result === "string") report(`Gateway ConfigMap "${gateway.name}" ${result}, so its routes cannot be checked.`, gateway.urn);
            else result.forEach((m) => routed.add(m));
        }
        for (const model of models) {
            if (routed.has(model.name)) continue;
            const why = gateways.length === 0 ? "the stack declares no LiteLLM gateway config" : `no gateway routes ${HOSTED_VLLM_PREFIX}${model.name}`;
            report(`Model "${model.name}" (${model.declaredBy.name}) is served but ${why}; add it to the LlmGateway's routes.`, model.declaredBy.urn);
        }
    },
};

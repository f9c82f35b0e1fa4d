import { StackValidationPolicy } from "@pulumi/policy";
import { ENVIRONMENT_PROPERTY, Environment } from "../lib/policy";
import { groupBy, metadataOf, Namespaces, ofTypes, selects } from "../lib/stack";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

/** Node drains (Karpenter consolidation, upgrades) never take all of a production service's pods at once. */
export const prodDeploymentsHavePdb: StackValidationPolicy = {
    name: "prod-deployments-have-pdb",
    description: "In production, every Deployment has a PodDisruptionBudget in its namespace whose selector matches its pod template's labels.",
    enforcementLevel: "advisory",
    configSchema: { properties: { environment: ENVIRONMENT_PROPERTY } },
    validateStack: (args, report) => {
        if (args.getConfig<{ environment: Environment }>().environment !== "prod") args.notApplicable("Only production stacks need PodDisruptionBudgets");
        const namespaces = new Namespaces(args.resources);
        const budgets = groupBy(ofTypes(args.resources, [PDB]), (p) => namespaces.keyOf(p));
        for (const deployment of ofTypes(args.resources, [DEPLOYMENT])) {
            const podLabels = deployment.props.spec?.template?.metadata?.labels ?? {};
            const covered = (budgets.get(namespaces.keyOf(deployment)) ?? []).some((pdb) => selects(pdb.props.spec?.selector, podLabels));
            if (!covered) {
                report(
                    `Deployment "${metadataOf(deployment).name ?? deployment.name}" in namespace "${namespaces.keyOf(deployment)}" has no PodDisruptionBudget selecting its pods; ` +
                        "add one (minAvailable or maxUnavailable) whose selector matches the pod template labels.",
                    deployment.urn,
                );
            }
        }
    },
};

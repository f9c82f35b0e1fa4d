import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { TENANT_LABEL } from "../lib/platform";
import { asList } from "../lib/policy";
import { groupBy, metadataOf, Namespaces, ofTypes } from "../lib/stack";

const QUOTA = "kubernetes:core/v1:ResourceQuota";
const LIMIT_RANGE = "kubernetes:core/v1:LimitRange";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Selects every pod (`podSelector: {}`), governs both directions, and allows nothing. */
function isDefaultDeny(policy: PolicyResource): boolean {
    const spec = policy.props.spec ?? {};
    const selector = spec.podSelector ?? {};
    const selectsAll = Object.keys(selector.matchLabels ?? {}).length === 0 && asList(selector.matchExpressions).length === 0;
    const types = asList<string>(spec.policyTypes);
    return selectsAll && types.includes("Ingress") && types.includes("Egress") && asList(spec.ingress).length === 0 && asList(spec.egress).length === 0;
}

/** Every tenant namespace is fenced: bounded resources, default limits, and no traffic unless allowed. */
export const tenantIsolation: StackValidationPolicy = {
    name: "tenant-namespaces-isolated",
    description: `Every tenant namespace (labelled ${TENANT_LABEL}) has a ResourceQuota, a LimitRange and a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules).`,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const namespaces = new Namespaces(args.resources);
        const tenants = namespaces.all.filter((ns) => metadataOf(ns).labels[TENANT_LABEL] !== undefined);
        if (tenants.length === 0) args.notApplicable("The stack declares no tenant namespaces");
        const inNamespace = groupBy(ofTypes(args.resources, [QUOTA, LIMIT_RANGE, NETWORK_POLICY]), (r) => namespaces.keyOf(r));
        for (const ns of tenants) {
            const objects = inNamespace.get(Namespaces.key(ns)) ?? [];
            const missing = [
                objects.some((o) => o.type === QUOTA) ? undefined : "a ResourceQuota",
                objects.some((o) => o.type === LIMIT_RANGE) ? undefined : "a LimitRange",
                objects.some((o) => o.type === NETWORK_POLICY && isDefaultDeny(o)) ? undefined : "a default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules)",
            ].filter((m) => m !== undefined);
            if (missing.length > 0) report(`Tenant namespace "${namespaces.nameOf(ns)}" lacks ${missing.join(", ")}.`, ns.urn);
        }
    },
};

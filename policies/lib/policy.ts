/** Small building blocks shared by the policies. */
import type { PolicyResource, ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

export type Environment = "dev" | "prod";

/** Resource properties as the engine hands them to policies: arbitrary JSON. */
export type Props = PolicyResource["props"];

/** Config property of the policies whose rule is stricter in production. */
export const ENVIRONMENT_PROPERTY: PolicyConfigJSONSchema = {
    type: "string",
    enum: ["dev", "prod"],
    default: "prod",
    description: "Environment of the stack under check; production rules apply when \"prod\" (the default, so an unconfigured pack is strict).",
};

/** A list-of-strings config property. */
export function stringList(description: string, defaultValue: string[]): PolicyConfigJSONSchema {
    return { type: "array", items: { type: "string", minLength: 1 }, default: defaultValue, description };
}

/**
 * Like `validateResourceOfType`, for resources known only by type token:
 * remote components (`eks:index:Cluster`) and custom resources.
 */
export function validateResourceOfTypes(
    types: readonly string[],
    validate: (props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    return (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!types.includes(args.type)) args.notApplicable(`Policy only applies to resources of type ${types.join(", ")}`);
        validate(args.props, args, reportViolation);
    };
}

/** `v` as a list: absent → [], one value → [v]. */
export function asList<T>(v: T | T[] | undefined | null): T[] {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

/** A whole, non-negative count from a Kubernetes quantity (`"8"`, `8`); undefined when it is not one. */
export function wholeCount(value: unknown): number | undefined {
    const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** CIDRs that mean "anywhere". */
export function isOpenCidr(cidr: unknown): boolean {
    return cidr === "0.0.0.0/0" || cidr === "::/0";
}

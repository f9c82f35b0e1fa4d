/** Reading IAM policy documents wherever the AWS provider accepts them. */
import * as aws from "@pulumi/aws";
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { asList } from "./policy";

export interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: "*" | Record<string, string | string[]>;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

/** One policy document on a resource, with where it sits for messages. */
export interface PolicyDocument {
    /** e.g. `IAM inline policy "x"` or `IAM role "r" inline policy "p"`. */
    subject: string;
    document: unknown;
}

/** Statements of a document given as JSON text or as an object; a string when it cannot be read. */
export function statementsOf(document: unknown): Statement[] | string {
    let doc = document;
    if (typeof doc === "string") {
        try {
            doc = JSON.parse(doc);
        } catch {
            return "is not valid JSON";
        }
    }
    if (!doc || typeof doc !== "object" || !("Statement" in doc)) return "has no Statement";
    return asList((doc as { Statement: Statement | Statement[] }).Statement);
}

/** IAM wildcard matching (`*`, `?`), case-insensitive as IAM matches actions. */
export function wildcardMatches(pattern: string, value: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${regex}$`, "i").test(value);
}

/** Allow statements granting on every resource (`Resource: "*"`). */
export function allowsOnAnyResource(s: Statement): boolean {
    return s.Effect === "Allow" && asList(s.Resource).includes("*");
}

/** `statement "Sid"` or `statement #i` for messages. */
function describeStatement(s: Statement, index: number): string {
    return s.Sid ? `statement "${s.Sid}"` : `statement #${index + 1}`;
}

/** Every IAM policy document a resource declares: managed and inline policies, and roles' inline policies. */
function documentsOf(args: ResourceValidationArgs): PolicyDocument[] | undefined {
    const managed = args.asType(aws.iam.Policy);
    if (managed) return [{ subject: `IAM policy "${args.name}"`, document: managed.policy }];
    const inline = args.asType(aws.iam.RolePolicy) ?? args.asType(aws.iam.UserPolicy) ?? args.asType(aws.iam.GroupPolicy);
    if (inline) return [{ subject: `IAM inline policy "${args.name}"`, document: inline.policy }];
    const role = args.asType(aws.iam.Role);
    if (role) {
        return (role.inlinePolicies ?? []).map((p, i) => ({ subject: `IAM role "${args.name}" inline policy "${p.name ?? i}"`, document: p.policy }));
    }
    return undefined;
}

/** Resource validation over every statement of every policy document a resource declares. */
export function validatePolicyStatements(
    check: (statement: Statement, where: string, reportViolation: ReportViolation) => void,
): ResourceValidation {
    return (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const documents = documentsOf(args);
        if (!documents) args.notApplicable("Policy only applies to IAM policies, inline policies and roles");
        for (const { subject, document } of documents) {
            const statements = statementsOf(document);
            if (typeof statements === "string") {
                reportViolation(`${subject} ${statements}, so it cannot be checked.`);
                continue;
            }
            statements.forEach((s, i) => check(s, `${subject} ${describeStatement(s, i)}`, reportViolation));
        }
    };
}

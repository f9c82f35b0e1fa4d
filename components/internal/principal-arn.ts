/**
 * IAM principal ARNs as EKS access entries take them: the one validator for
 * every place the platform gives a principal an access entry (cluster admins,
 * tenant principals).
 *
 * From the EKS User Guide, "Create access entries"
 * (https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html)
 * and the CreateAccessEntry API reference:
 * - an entry names one existing IAM role or user; a role ARN may include a path;
 * - an STS session (`arn:aws:sts::…:assumed-role/…`) cannot have an entry, being
 *   a temporary principal: give the role's ARN;
 * - an IAM principal can be in only one access entry (a second one fails with
 *   409 ResourceInUseException).
 * IAM names roles and users case-insensitively (IAM User Guide, "IAM object
 * quotas and names"), so `role/Admin` and `role/admin` are one principal.
 */
import { Problems } from "./errors";

/** Partitions EKS runs in. */
export const PARTITIONS = ["aws", "aws-cn", "aws-us-gov"] as const;
const PARTITION = `(${PARTITIONS.join("|")})`;

/** `arn:<partition>:iam::<account>:(role|user)[/<path>]/<name>`; path segments are printable ASCII, names IAM's name characters. */
const PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):(role|user)((?:/[\\x21-\\x2e\\x30-\\x7e]+)*)/([\\w+=,.@-]{1,64})$`);
const SESSION_ARN = new RegExp(`^arn:${PARTITION}:sts::(\\d{12}):assumed-role/([\\w+=,.@-]+)/`);
const WILDCARD = /[*?]/;

export const PRINCIPAL_ARN_RULE =
    "expected an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/platform-admin or arn:aws:iam::123456789012:role/path/name (partitions aws, aws-cn, aws-us-gov)";
export const DUPLICATE_PRINCIPAL_RULE = "list each principal once: EKS allows one access entry per principal";

/** Why `value` cannot be an access entry's principal; undefined when it can. */
export function principalArnProblem(value: unknown): string | undefined {
    if (typeof value !== "string") return PRINCIPAL_ARN_RULE;
    if (WILDCARD.test(value)) return "wildcards are not allowed: an access entry names exactly one principal";
    const session = SESSION_ARN.exec(value);
    if (session) {
        const [, partition, account, role] = session;
        return `an STS session cannot have an access entry; give the role's ARN instead: arn:${partition}:iam::${account}:role/${role} (with its path, if it has one)`;
    }
    return PRINCIPAL_ARN.test(value) ? undefined : PRINCIPAL_ARN_RULE;
}

/**
 * The principal an ARN names, for comparing two ARNs: partition, account,
 * kind and name, the name in lower case, the path left out (IAM names are
 * unique in an account whatever their path). An ARN that is no principal ARN
 * is its own key.
 */
export function principalKey(arn: string): string {
    const m = PRINCIPAL_ARN.exec(arn);
    return m ? `${m[1]}:${m[2]}:${m[3]}:${m[5].toLowerCase()}` : arn;
}

/** Checks one principal ARN, reported at `field` of `problems`; true when it is one. */
export function checkPrincipalArn(problems: Problems, field: string | undefined, arn: unknown): arn is string {
    const problem = principalArnProblem(arn);
    if (problem !== undefined) problems.add(field, arn, problem);
    return problem === undefined;
}

/**
 * Checks a list of principal ARNs: each one on its own, and no principal twice.
 * `list` is scoped to the list; item `i`'s ARN is reported at `list[i]`, or at
 * `list[i].<field>` when the list holds objects.
 */
export function checkPrincipalArns(list: Problems, arns: readonly unknown[], field?: string): void {
    const seen = new Set<string>();
    arns.forEach((arn, i) => {
        if (!checkPrincipalArn(list.at(i), field, arn)) return;
        const key = principalKey(arn);
        list.at(i).check(!seen.has(key), field, arn, DUPLICATE_PRINCIPAL_RULE);
        seen.add(key);
    });
}

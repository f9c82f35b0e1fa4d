import { ResourceValidationPolicy } from "@pulumi/policy";
import { stringList, validateResourceOfTypes } from "../lib/policy";

const RELEASE_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

/** One exact SemVer version (Helm allows a leading `v`); ranges and wildcards float. */
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const DEFAULT_REPOSITORIES = [
    "https://helm.ngc.nvidia.com/nvidia",
    "https://kyverno.github.io/kyverno",
    "https://kedacore.github.io/charts",
    "https://prometheus-community.github.io/helm-charts",
    "https://langfuse.github.io/langfuse-k8s",
    "https://aws.github.io/eks-charts",
];
const DEFAULT_OCI_PREFIXES = ["oci://public.ecr.aws/karpenter/", "oci://quay.io/jetstack/charts/", "oci://ghcr.io/clickhouse/", "oci://registry.k8s.io/lws/charts/", "oci://ghcr.io/agentgateway/charts/"];

interface Config {
    allowedRepositories: string[];
    allowedOciPrefixes: string[];
}

const normalizeRepo = (url: string) => url.replace(/\/+$/, "");

/** Why the chart's source is not allowed, or undefined when it is. */
function sourceProblem(chart: string, repo: string | undefined, config: Config): string | undefined {
    if (chart.startsWith("oci://")) {
        return config.allowedOciPrefixes.some((p) => chart.startsWith(p)) ? undefined : `OCI chart "${chart}" is not under an allowed prefix (${config.allowedOciPrefixes.join(", ")})`;
    }
    if (repo) {
        return config.allowedRepositories.map(normalizeRepo).includes(normalizeRepo(repo)) ? undefined : `repository "${repo}" is not allowed (${config.allowedRepositories.join(", ")})`;
    }
    return `chart "${chart}" names no repository (a local path or a helm repo alias); set repositoryOpts.repo to an allowed repository or use an allowed oci:// chart`;
}

/** Charts are reproducible: one exact version, from a repository the platform trusts. */
export const helmReleasePinned: ResourceValidationPolicy = {
    name: "helm-release-pinned",
    description: "Helm releases pin an exact chart version and come from an allowed repository (or an allowed oci:// prefix).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedRepositories: stringList("Classic Helm repository URLs charts may come from (repositoryOpts.repo).", DEFAULT_REPOSITORIES),
            allowedOciPrefixes: stringList("oci:// prefixes OCI charts may come from.", DEFAULT_OCI_PREFIXES),
        },
    },
    validateResource: validateResourceOfTypes(RELEASE_TYPES, (props, args, report) => {
        const subject = `Helm release "${args.name}"`;
        const chart = String(props.chart ?? "");
        if (typeof props.version !== "string" || !EXACT_VERSION.test(props.version)) {
            const got = props.version === undefined ? "has no version (Helm takes the newest)" : `version ${JSON.stringify(props.version)} is not one exact version`;
            report(`${subject} chart "${chart}" ${got}; pin an exact version, e.g. "1.2.3".`);
        }
        const problem = sourceProblem(chart, props.repositoryOpts?.repo, args.getConfig<Config>());
        if (problem) report(`${subject} ${problem}.`);
    }),
};

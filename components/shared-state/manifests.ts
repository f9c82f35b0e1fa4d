/**
 * Pure renderers of SharedState's Kubernetes objects: the namespace that
 * holds the instance's master URL, its fence, the Secrets' shells (the
 * component adds their data as secret Outputs) and one provisioning Job per
 * database.
 */
import { renderDatabaseProvisionJob } from "../internal/database-provisioning";
import type { KubernetesObject } from "../internal/k8s-object";
import { namespaceIngressPolicies } from "../internal/network-policy";
import { STATE_NAMESPACE } from "./args";

const PART_OF = { "app.kubernetes.io/part-of": "genai-platform", "app.kubernetes.io/component": "shared-state" };

/** The master URL's Secret and key; only the provisioning Jobs beside it read it. */
export const ADMIN_SECRET = { name: "postgres-admin", key: "url" } as const;
/** Key of each database's password Secret (`<database>-password`). */
export const PASSWORD_KEY = "password";

export const passwordSecretName = (database: string) => `${database.replace(/_/g, "-")}-password`;

/** Restricted Pod Security: only the provisioning Jobs run here. */
export function renderNamespace(managedLabels: Record<string, string>): KubernetesObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: STATE_NAMESPACE,
            labels: {
                ...PART_OF,
                ...managedLabels,
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    };
}

/** Nothing connects in: the Jobs only connect out, to the instance. */
export function renderNetworkPolicies(managedLabels: Record<string, string>): KubernetesObject[] {
    return namespaceIngressPolicies(STATE_NAMESPACE, { ...PART_OF, ...managedLabels }, []);
}

export function renderSecretShell(name: string): KubernetesObject {
    return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: STATE_NAMESPACE, labels: PART_OF }, type: "Opaque" };
}

export function renderProvisionJob(database: string): KubernetesObject {
    return renderDatabaseProvisionJob({
        nameParts: ["provision-db", database.replace(/_/g, "-")],
        namespace: STATE_NAMESPACE,
        labels: { ...PART_OF, "app.kubernetes.io/name": "shared-state-provision" },
        adminSecret: ADMIN_SECRET,
        database,
        passwordSecret: { name: passwordSecretName(database), key: PASSWORD_KEY },
    });
}

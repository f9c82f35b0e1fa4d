/** A Kubernetes object as the renderers produce it: plain data, ready to register or validate. */
export type KubernetesObject = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [k: string]: unknown;
};

/**
 * A rendered object as the args of its typed `@pulumi/kubernetes` class. The
 * renderers produce plain objects for testability; the conformance tests are
 * what check their shape against the upstream schemas.
 */
export function asArgs<T>(obj: KubernetesObject): T {
    return obj as unknown as T;
}

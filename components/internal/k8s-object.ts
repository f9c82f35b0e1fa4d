/** A Kubernetes object as the renderers produce it: plain data, ready to register or validate. */
export type KubernetesObject = {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [k: string]: unknown;
};

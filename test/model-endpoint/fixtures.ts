/** Shared setup of the ModelEndpoint suites: a hand-made cluster (provider + pools) under mocks. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GpuPoolInfo } from "../../components/gpu-cluster";
import { ModelEndpoint, type ModelEndpointArgs } from "../../components/model-endpoint";
import { type RecordedResource, runWithMocks } from "../../plan/recorder";
import { one } from "../harness";

export { one, ofType } from "../harness";

export const POOLS: GpuPoolInfo[] = [
    { name: "l4", gpuLimit: 16, instanceFamilies: ["g6"], gpuNames: [], capacityTypes: ["spot", "on-demand"] },
    { name: "h100", gpuLimit: 16, instanceFamilies: ["p5"], gpuNames: [], capacityTypes: ["on-demand"] },
    { name: "a100", gpuLimit: 16, instanceFamilies: [], gpuNames: ["a100"], capacityTypes: ["on-demand"] },
    { name: "shared", gpuLimit: 2, instanceFamilies: ["g6"], gpuNames: [], capacityTypes: ["on-demand"], sharing: { mode: "time-slicing", replicas: 4 } },
];

export const CLUSTER_NAME = "genai-test";

/** Args without the cluster: tests override fields and the harness adds the cluster. */
export type TestArgs = Omit<ModelEndpointArgs, "cluster"> & { cluster?: Partial<ModelEndpointArgs["cluster"]> };

export const BASE: TestArgs = { pool: "l4", namespace: "models", model: "meta-llama/Llama-3.1-8B-Instruct" };

export interface Construction {
    resources: RecordedResource[];
    endpoint?: ModelEndpoint;
    error?: Error;
}

/**
 * Constructs a ModelEndpoint under mocks with a fresh provider, given as a
 * resource option. `extra` runs first, inside the same program, and returns
 * more args; `options` returns the resource options (e.g. resources to depend
 * on, which can only be created there).
 */
export async function construct(
    args: Partial<TestArgs>,
    name = "llama",
    extra?: (provider: k8s.Provider) => Partial<TestArgs>,
    options?: (provider: k8s.Provider) => pulumi.ComponentResourceOptions,
): Promise<Construction> {
    const run = await runWithMocks(() => {
        const provider = new k8s.Provider("test-k8s", { kubeconfig: "{}" });
        const { cluster, ...rest } = { ...BASE, ...args, ...extra?.(provider) };
        try {
            const endpoint = new ModelEndpoint(name, {
                ...rest,
                cluster: { pools: POOLS, clusterName: CLUSTER_NAME, ...cluster },
            }, { provider, ...options?.(provider) });
            return { endpoint };
        } catch (error) {
            return { error: error as Error };
        }
    });
    return { resources: run.resources, ...run.result };
}


/** The custom resource of `kind` (ServiceMonitor, ScaledObject). */
export function customResource(resources: readonly RecordedResource[], kind: string): RecordedResource {
    const found = resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind === kind);
    if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
    return found[0];
}

export const TYPES = {
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    secret: "kubernetes:core/v1:Secret",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    component: "genai-platform:index:ModelEndpoint",
    release: "kubernetes:helm.sh/v3:Release",
} as const;

/** The pod spec of the one Deployment. */
export function podSpec(resources: readonly RecordedResource[]): Record<string, any> {
    return one(resources, TYPES.deployment).inputs.spec.template.spec;
}

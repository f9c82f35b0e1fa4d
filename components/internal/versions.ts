/**
 * Every chart version, image tag, AMI alias and add-on version the platform
 * deploys, pinned in one place with where it came from. Nothing floats: a
 * change here is a deliberate upgrade, reviewed like code.
 */

/** A Helm chart pinned to one version in one repository. */
export interface PinnedChart {
    /** Chart name, or the full `oci://` reference for OCI charts. */
    chart: string;
    /** Classic Helm repository URL; absent for OCI charts. */
    repo?: string;
    version: string;
    /** Where the pin came from. */
    source: string;
}

export const CHARTS = {
    karpenter: {
        chart: "oci://public.ecr.aws/karpenter/karpenter",
        version: "1.14.1",
        source: "aws/karpenter-provider-aws release v1.14.1 (charts/karpenter)",
    },
    gpuOperator: {
        chart: "gpu-operator",
        repo: "https://helm.ngc.nvidia.com/nvidia",
        version: "v26.7.0",
        source: "NVIDIA/gpu-operator release v26.7.0 (deployments/gpu-operator)",
    },
    kyverno: {
        chart: "kyverno",
        repo: "https://kyverno.github.io/kyverno/",
        version: "3.9.0",
        source: "kyverno/kyverno chart 3.9.0, app v1.19.0",
    },
    keda: {
        chart: "keda",
        repo: "https://kedacore.github.io/charts",
        version: "2.20.2",
        source: "kedacore/charts keda 2.20.2",
    },
    kubePrometheusStack: {
        chart: "kube-prometheus-stack",
        repo: "https://prometheus-community.github.io/helm-charts",
        version: "88.5.3",
        source: "prometheus-community/helm-charts kube-prometheus-stack 88.5.3 (operator v0.93.1)",
    },
    langfuse: {
        chart: "langfuse",
        repo: "https://langfuse.github.io/langfuse-k8s",
        version: "2.0.0",
        source: "langfuse/langfuse-k8s charts/langfuse 2.0.0 (Langfuse v4)",
    },
    certManager: {
        chart: "oci://quay.io/jetstack/charts/cert-manager",
        version: "v1.20.2",
        source: "cert-manager v1.20.2, the prerequisite named by the Langfuse 2.0.0 chart README",
    },
    clickhouseOperator: {
        chart: "oci://ghcr.io/clickhouse/clickhouse-operator-helm",
        version: "0.0.5",
        source: "ClickHouse operator chart 0.0.5, the prerequisite named by the Langfuse 2.0.0 chart README",
    },
    awsLoadBalancerController: {
        chart: "aws-load-balancer-controller",
        repo: "https://aws.github.io/eks-charts",
        version: "3.5.0",
        source: "aws/eks-charts v0.0.242 stable/aws-load-balancer-controller 3.5.0 (app v3.5.0, kubernetes-sigs/aws-load-balancer-controller)",
    },
    leaderWorkerSet: {
        chart: "oci://registry.k8s.io/lws/charts/lws",
        version: "0.10.0",
        source:
            "kubernetes-sigs/lws v0.10.0 (2161f38), charts/lws; registry and version from site/content/en/docs/installation/_index.md " +
            "(`helm install lws oci://registry.k8s.io/lws/charts/lws --version=0.10.0 --namespace lws-system`)",
    },
    efaDevicePlugin: {
        chart: "aws-efa-k8s-device-plugin",
        repo: "https://aws.github.io/eks-charts",
        version: "v0.5.30",
        source: "aws/eks-charts v0.0.242 (5239609) stable/aws-efa-k8s-device-plugin, chart v0.5.30, app v0.5.20",
    },
    /**
     * The in-cluster Gateway API implementation in front of kv-aware
     * ModelEndpoints (InferencePool backends). agentgateway over Envoy AI
     * Gateway (v1.1.0 on Envoy Gateway v1.9.0), because:
     * - weight: one controller Deployment (100m / 128Mi requested) and one Rust
     *   proxy per Gateway; Envoy AI Gateway needs Envoy Gateway's controller, the
     *   AI Gateway controller as its extension server, and an ext_proc sidecar in
     *   every Envoy pod;
     * - maturity: agentgateway v1.0.0 passed the Inference Extension v1.4.0
     *   conformance (core 12/12) and is listed on the v1.6.0 implementations page;
     *   Envoy AI Gateway's only report is for v0.5.1, it is not listed, and v1.1.x is
     *   tested with Gateway API v1.5.x and Envoy Gateway 1.8.1 (we run v1.6.1 CRDs);
     *   agentgateway v1.4.1's go.mod pins gateway-api v1.6.1;
     * - Pod Security: the controller renders allowPrivilegeEscalation false,
     *   readOnlyRootFilesystem, runAsNonRoot, drop ALL (templates/deployment.yaml),
     *   and the proxy the same plus runAsUser 10101 and only the baseline-safe sysctl
     *   net.ipv4.ip_unprivileged_port_start (controller/pkg/helm/agentgateway/
     *   templates/_helpers.tpl); neither sets a seccomp profile, which the
     *   controller's podSecurityContext value and the proxy's AgentgatewayParameters
     *   `deployment` overlay add, so both pass `restricted`;
     * - fit with LiteLLM: InferencePool is a plain HTTPRoute backendRef
     *   (`inferenceExtension.enabled`), with no AI-specific route kind: LiteLLM stays
     *   the tenant-facing gateway (keys, budgets, hosted providers, tracing) and the
     *   Gateway only picks the replica. Envoy AI Gateway's InferencePool support runs
     *   through its extension server hooking Envoy Gateway's xDS translation, and
     *   its AIGatewayRoute duplicates what LiteLLM does.
     * Installed from the `agentgateway` chart; its CRDs (the `agentgateway-crds`
     * chart's templates, plain YAML) come from CRD_MANIFESTS.
     */
    agentgateway: {
        chart: "oci://ghcr.io/agentgateway/charts/agentgateway",
        version: "v1.4.1",
        source: "agentgateway/agentgateway v1.4.1 (163ea214) controller/install/helm/agentgateway, pushed to oci://ghcr.io/agentgateway/charts (.github/workflows/release.yml); proxy image cr.agentgateway.dev/agentgateway:v1.4.1 from the same appVersion",
    },
} as const satisfies Record<string, PinnedChart>;

/** A set of CRDs installed from pinned upstream manifests (`kubectl apply -f <url>`), where no chart ships them. */
export interface PinnedCrdManifests {
    /** Manifest URLs, each at a tag. */
    urls: readonly string[];
    source: string;
}

/** CRDs the kv-aware routing path needs, applied before the charts and objects that use them. */
export const CRD_MANIFESTS = {
    gatewayApi: {
        urls: ["https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml"],
        source: "kubernetes-sigs/gateway-api v1.6.1 standard channel release asset (the install agentgateway v1.4.1 controller/Makefile uses)",
    },
    inferencePool: {
        urls: ["https://raw.githubusercontent.com/kubernetes-sigs/gateway-api-inference-extension/v1.6.0/config/crd/bases/inference.networking.k8s.io_inferencepools.yaml"],
        source: "kubernetes-sigs/gateway-api-inference-extension v1.6.0 (992e5c29) config/crd/bases: InferencePool inference.networking.k8s.io/v1",
    },
    inferenceObjective: {
        urls: ["https://raw.githubusercontent.com/llm-d/llm-d-router/v0.10.0/config/crd/bases/llm-d.ai_inferenceobjectives.yaml"],
        source: "llm-d/llm-d-router v0.10.0 (71f4f099) config/crd/bases: InferenceObjective llm-d.ai/v1alpha2, the only group EPP v0.10.0 reconciles when both are installed (RELEASE-NOTES.md, PR #1449)",
    },
    agentgateway: {
        urls: ["agentgatewaybackends", "agentgatewaymodels", "agentgatewayparameters", "agentgatewaypolicies"].map(
            (plural) => `https://raw.githubusercontent.com/agentgateway/agentgateway/v1.4.1/controller/install/helm/agentgateway-crds/templates/agentgateway.dev_${plural}.yaml`,
        ),
        source: "agentgateway/agentgateway v1.4.1 (163ea214) controller/install/helm/agentgateway-crds/templates: the CRD chart's four templates, plain YAML without template directives",
    },
} as const satisfies Record<string, PinnedCrdManifests>;

/** Container images the platform runs itself (charts pin their own). */
export const IMAGES = {
    vllm: {
        image: "vllm/vllm-openai:v0.21.0-cu129",
        source: "vLLM v0.21.0 release image, CUDA 12.9 build (runs on the 570+ drivers of the EKS NVIDIA AMIs)",
    },
    litellm: {
        image: "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable",
        source: "LiteLLM stable release main-v1.81.0-stable, non_root build (Prisma client generated at build time, runs as a non-root user; Postgres support included)",
    },
    curl: {
        image: "quay.io/curl/curl:8.21.0",
        source:
            "Official curl image 8.21.0 (curl/curl-container; Alpine-based: busybox sh, sed, base64, no jq), " +
            "from quay.io because docker.io/curlimages is outside the platform's allowed registries",
    },
    endpointPicker: {
        image: "ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0",
        source:
            "llm-d/llm-d-router v0.10.0 endpoint picker (EPP), the image chart llm-d-router-gateway v0.10.0 ships (hack/push-chart.sh); " +
            "Dockerfile.epp runs it as 65532:65532",
    },
    postgresClient: {
        image: "public.ecr.aws/docker/library/postgres:17.6-alpine3.22",
        source:
            "Docker Official Image postgres 17.6 (docker-library/postgres, Alpine 3.22), mirrored by Amazon ECR Public under docker/library: " +
            "psql 17 matches the gateway RDS' default major (managed-state-args engineVersion 17); uid 70 is the image's postgres user. " +
            "From public.ecr.aws because docker.io/library is outside the platform's allowed registries. Pinned by tag only: " +
            "public sources pin docker.io/library/postgres:17.6-alpine3.22@sha256:ef257d85f76e48da1c64832459b59fcaba1a4dac97bf5d7450c77753542eee94, " +
            "but no stored source shows the digest of this ECR Public mirror's tag, and a digest is only pinned here once seen for the reference pulled",
    },
    otelCollector: {
        image: "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.159.0",
        source:
            "OpenTelemetry Collector Kubernetes distribution 0.159.0 (open-telemetry/opentelemetry-collector-releases v0.159.0, " +
            "distributions/otelcol-k8s: manifest.yaml lists every component used: otlp receiver, otlp_http exporter, memory_limiter, batch, " +
            "k8sattributes, transform, filter, basicauth, health_check; .goreleaser.yaml docker_manifests publishes this multi-arch tag " +
            "(amd64, arm64, ...); Dockerfile: scratch, USER 10001:10001, ENTRYPOINT /otelcol-k8s). Chosen over otelcol-contrib " +
            "(also has them, many times larger) and the core otelcol (no k8sattributes, transform or basicauth); from ghcr.io because docker.io/otel is outside the platform's allowed registries",
    },
} as const;

/** Images of add-on charts whose chart default floats or is region-bound; set explicitly in their values. */
export const CHART_IMAGES = {
    leaderWorkerSet: {
        repository: "registry.k8s.io/lws/lws",
        tag: "v0.10.0",
        source:
            "kubernetes-sigs/lws v0.10.0 hack/push-chart.sh: the released chart sets image.manager.repository registry.k8s.io/lws/lws " +
            "and tag = the release tag (git values.yaml says `main`, `Always`, which must never reach a cluster)",
    },
    efaDevicePlugin: {
        repository: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-efa-k8s-device-plugin",
        tag: "v0.5.20",
        source: "aws/eks-charts v0.0.242 stable/aws-efa-k8s-device-plugin values.yaml (EKS's ECR account; pulled cross-region by the node role's ECR read)",
    },
} as const;

/** Karpenter AMI aliases: pinned, never `@latest`. */
export const AMI_ALIASES = {
    al2023: {
        alias: "al2023@v20260903",
        source: "EKS-optimized AL2023 release v20260903 (awslabs/amazon-eks-ami); NVIDIA variant chosen by Karpenter for GPU instances",
    },
    bottlerocket: {
        alias: "bottlerocket@1.50.0",
        source: "Bottlerocket release 1.50.0 (bottlerocket-os/bottlerocket); aws-k8s-*-nvidia variant chosen by Karpenter for GPU instances",
    },
} as const;

/** EKS managed add-ons, pinned to versions AWS reports compatible with the default Kubernetes version. */
export const EKS_ADDONS = {
    podIdentityAgent: {
        name: "eks-pod-identity-agent",
        version: "v1.3.10-eksbuild.3",
        source: "aws eks describe-addon-versions --addon-name eks-pod-identity-agent --kubernetes-version 1.35 (default)",
    },
    ebsCsiDriver: {
        name: "aws-ebs-csi-driver",
        version: "v1.66.0-eksbuild.1",
        source: "aws eks describe-addon-versions --addon-name aws-ebs-csi-driver --kubernetes-version 1.35 (default)",
    },
} as const;

/** EKS Kubernetes versions the platform supports (standard support in 2026-11). */
export const KUBERNETES_VERSIONS = {
    default: "1.35",
    supported: ["1.33", "1.34", "1.35", "1.36"],
    source: "Amazon EKS Kubernetes release calendar, standard support as of 2026-11",
} as const;

/** The CPU architectures one image's manifest list ships, and where that was read. */
export interface ImageArchitectures {
    architectures: readonly ("amd64" | "arm64")[];
    evidence: string;
}

/**
 * Architectures of the images that can land on arm64 (Graviton) nodes, keyed
 * by the reference as rendered (digest dropped): checked 2026-12-02 from each
 * project's release build at (or, where marked, next to) the pinned version.
 * An image not listed counts as amd64 only: components keep it off arm64 nodes
 * (`architectureSelector`), and the deploy-semantics tier reports any pod
 * running it that could land on one. README "Graviton (arm64)" has the table.
 */
export const IMAGE_ARCHITECTURES: Readonly<Record<string, ImageArchitectures>> = {
    "public.ecr.aws/karpenter/controller:1.13.0": {
        architectures: ["amd64", "arm64"],
        evidence: "aws/karpenter-provider-aws .ko.yaml defaultPlatforms [linux/arm64, linux/amd64] (ko builds the controller; unchanged through v1.14.1)",
    },
    "ghcr.io/berriai/litellm-non_root:main-v1.81.0-stable": {
        architectures: ["amd64"],
        evidence:
            "no arm64 build confirmed for the v1.81 images: BerriAI/litellm#16180 (\"Add arm64 support\", open 2025-11), and later stable images whose linux/arm64 " +
            "entries hold x86_64 binaries (BerriAI/litellm#29382, v1.83.14-stable; #26974, 1.84.0-dev2)",
    },
    "quay.io/prometheus/node-exporter:v1.12.1-distroless": {
        architectures: ["amd64", "arm64"],
        evidence: "prometheus/node_exporter Makefile DOCKER_ARCHS ?= amd64 armv7 arm64 ppc64le s390x (Makefile.common builds and pushes one image per arch plus the manifest list)",
    },
    "quay.io/prometheus/prometheus:v3.14.0-distroless": {
        architectures: ["amd64", "arm64"],
        evidence: "prometheus/prometheus Makefile DOCKER_ARCHS ?= amd64 armv7 arm64 ppc64le s390x",
    },
    "quay.io/prometheus/alertmanager:v0.34.0": {
        architectures: ["amd64", "arm64"],
        evidence: "prometheus/alertmanager Makefile DOCKER_ARCHS ?= amd64 armv7 arm64 ppc64le s390x",
    },
    "quay.io/prometheus-operator/prometheus-operator:v0.93.1": {
        architectures: ["amd64", "arm64"],
        evidence: "prometheus-operator/prometheus-operator scripts/push-docker-image.sh CPU_ARCHS amd64 arm64 arm ppc64le s390x, one manifest list per image",
    },
    "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1": {
        architectures: ["amd64", "arm64"],
        evidence: "prometheus-operator/prometheus-operator scripts/push-docker-image.sh (same build as the operator)",
    },
    ...Object.fromEntries(["kyvernopre", "kyverno", "background-controller", "cleanup-controller", "reports-controller", "kyverno-cli"].map((name) => [`reg.kyverno.io/kyverno/${name}:v1.19.0`, {
        architectures: ["amd64", "arm64"],
        evidence: "kyverno/kyverno v1.19.0 Makefile: ko build --platform=all (PLATFORMS := all) over a multi-arch base",
    }])),
    "nvcr.io/nvidia/gpu-operator:v26.7.0": {
        architectures: ["amd64", "arm64"],
        evidence: "NVIDIA/gpu-operator .github/workflows/image-builds.yaml: build-gpu-operator-arm64 and -amd64 jobs, then one multi-arch manifest",
    },
    "ghcr.io/clickhouse/clickhouse-operator:v0.0.5": {
        architectures: ["amd64", "arm64"],
        evidence: "ClickHouse/clickhouse-operator at v0.0.5 (491f9b3): release.yaml runs make docker-buildx-latest, PLATFORMS ?= linux/arm64,linux/amd64,linux/s390x,linux/ppc64le",
    },
    "docker.langfuse.com/langfuse/langfuse:4.4.0": {
        architectures: ["amd64", "arm64"],
        evidence: "langfuse/langfuse v4.4.0 .github/workflows/pipeline.yml build-docker-image-release: web on linux/amd64 and linux/arm64 runners, merged into one manifest",
    },
    "docker.langfuse.com/langfuse/langfuse-worker:4.4.0": {
        architectures: ["amd64", "arm64"],
        evidence: "langfuse/langfuse v4.4.0 .github/workflows/pipeline.yml build-docker-image-release: worker on linux/amd64 and linux/arm64",
    },
};

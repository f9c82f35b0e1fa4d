/**
 * What an EKS API endpoint must allow for this platform to deploy, in the
 * words both GpuCluster validation and the `eks-endpoint-access` policy use:
 * the program that creates the VPC then installs every Helm release and
 * Kubernetes object through the endpoint, from wherever `pulumi up` runs.
 * A private endpoint is reachable only from inside the VPC or networks
 * connected to it (EKS User Guide, "Cluster API server endpoint",
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html), so a
 * private-only endpoint cannot be deployed from CI; public access limited to
 * the deployer's networks, beside private access for the nodes, can.
 */

/** Why a private-only endpoint is refused. */
export const PRIVATE_ONLY_RULE =
    "no deployer can reach a private-only endpoint: this program creates the VPC, then installs every Helm release and Kubernetes object through the API endpoint from wherever `pulumi up` runs, outside that VPC; keep public access on, limited to publicAccessCidrs (private access stays on for the nodes)";

/** What the public endpoint's allow-list must hold. */
export const DEPLOYER_CIDRS_RULE =
    "list the networks that deploy and administer the cluster (the CI runner's egress NAT address, a VPN): the public endpoint admits only them";

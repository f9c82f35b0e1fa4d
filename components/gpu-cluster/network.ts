import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { zoneSubnets } from "../internal/cidr";
import type { NetworkArgs } from "./args";

export interface Network {
    vpc: aws.ec2.Vpc;
    privateSubnetIds: pulumi.Output<string>[];
    publicSubnetIds: pulumi.Output<string>[];
}

/**
 * A VPC across 2–3 zones: public subnets with an internet gateway for load
 * balancers and NAT, private subnets (tagged for Karpenter discovery and
 * internal load balancers) where every node runs.
 */
export function createNetwork(
    name: string,
    clusterName: string,
    args: Required<NetworkArgs>,
    tags: Record<string, string>,
    parent: pulumi.Resource,
): Network {
    const opts = { parent };
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, opts).names;
    const cidrs = zoneSubnets(args.vpcCidr, args.availabilityZoneCount);
    const clusterTag = { [`kubernetes.io/cluster/${clusterName}`]: "shared" };

    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
        cidrBlock: args.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...tags, Name: `${name}-vpc` },
    }, opts);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } }, opts);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
        tags: { ...tags, Name: `${name}-public` },
    }, opts);

    const publicSubnets = cidrs.public.map((cidr, i) => {
        const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZone: zones[i],
            mapPublicIpOnLaunch: false,
            tags: { ...tags, ...clusterTag, Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" },
        }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
        return subnet;
    });

    const natCount = args.natGateways === "single" ? 1 : args.availabilityZoneCount;
    const nats = publicSubnets.slice(0, natCount).map((subnet, i) => {
        const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { ...tags, Name: `${name}-nat-${i}` } }, opts);
        return new aws.ec2.NatGateway(`${name}-nat-${i}`, {
            allocationId: eip.id,
            subnetId: subnet.id,
            tags: { ...tags, Name: `${name}-nat-${i}` },
        }, { parent, dependsOn: [igw] });
    });

    const privateSubnets = cidrs.private.map((cidr, i) => {
        const subnet = new aws.ec2.Subnet(`${name}-private-${i}`, {
            vpcId: vpc.id,
            cidrBlock: cidr,
            availabilityZone: zones[i],
            tags: {
                ...tags,
                ...clusterTag,
                Name: `${name}-private-${i}`,
                "kubernetes.io/role/internal-elb": "1",
                "karpenter.sh/discovery": clusterName,
            },
        }, opts);
        const routes = new aws.ec2.RouteTable(`${name}-private-${i}`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nats[Math.min(i, nats.length - 1)].id }],
            tags: { ...tags, Name: `${name}-private-${i}` },
        }, opts);
        new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, opts);
        return subnet;
    });

    return {
        vpc,
        privateSubnetIds: privateSubnets.map((s) => s.id),
        publicSubnetIds: publicSubnets.map((s) => s.id),
    };
}

/**
 * The AWS Load Balancer Controller's IAM policy, statement for statement as
 * upstream publishes it for v3.5.0 (kubernetes-sigs/aws-load-balancer-controller
 * docs/install/iam_policy.json; test/gpu-cluster/load-balancer-controller.test.ts
 * compares it with ../shared/reference). Upstream's statements carry no Sid;
 * the comments say what each is for. Mutations of load balancers, target
 * groups and security groups are scoped by the `elbv2.k8s.aws/cluster` tag the
 * controller puts on what it creates.
 */
import type { PolicyDocument, PolicyStatement } from "../internal/iam";

const CLUSTER_TAG = "elbv2.k8s.aws/cluster";
const REQUEST_TAGGED = { [`aws:RequestTag/${CLUSTER_TAG}`]: "false" };
const RESOURCE_TAGGED = { [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" };
/** Tag changes that leave the cluster tag alone on a resource the controller owns. */
const RETAGGING_OWNED = { [`aws:RequestTag/${CLUSTER_TAG}`]: "true", [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" };

const READ_ACTIONS = [
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "ec2:GetCoipPoolUsage",
    "ec2:DescribeCoipPools",
    "ec2:GetSecurityGroupsForVpc",
    "ec2:DescribeIpamPools",
    "ec2:DescribeRouteTables",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTrustStores",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeCapacityReservation",
];

/** Certificates, Cognito, WAF and Shield the Ingress annotations may name. */
const INTEGRATION_ACTIONS = [
    "cognito-idp:DescribeUserPoolClient",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
    "iam:ListServerCertificates",
    "iam:GetServerCertificate",
    "waf-regional:GetWebACL",
    "waf-regional:GetWebACLForResource",
    "waf-regional:AssociateWebACL",
    "waf-regional:DisassociateWebACL",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:AssociateWebACL",
    "wafv2:DisassociateWebACL",
    "shield:GetSubscriptionState",
    "shield:DescribeProtection",
    "shield:CreateProtection",
    "shield:DeleteProtection",
];

const OWNED_LOAD_BALANCER_ACTIONS = [
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:ModifyCapacityReservation",
    "elasticloadbalancing:ModifyIpPools",
];

const LISTENER_ACTIONS = [
    "elasticloadbalancing:SetWebAcl",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:AddListenerCertificates",
    "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:SetRulePriorities",
];

const allow = (Action: string[], Resource: string | string[], Condition?: PolicyStatement["Condition"]): PolicyStatement =>
    Condition ? { Effect: "Allow", Action, Resource, Condition } : { Effect: "Allow", Action, Resource };

/** The controller's policy; every ARN in `partition` (`aws`, `aws-cn`, `aws-us-gov`). */
export function loadBalancerControllerPolicy(partition = "aws"): PolicyDocument {
    const ec2 = `arn:${partition}:ec2:*:*`;
    const elb = `arn:${partition}:elasticloadbalancing:*:*`;
    const balancers = [`${elb}:targetgroup/*/*`, `${elb}:loadbalancer/net/*/*`, `${elb}:loadbalancer/app/*/*`];
    const listeners = [`${elb}:listener/net/*/*/*`, `${elb}:listener/app/*/*/*`, `${elb}:listener-rule/net/*/*/*`, `${elb}:listener-rule/app/*/*/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            // The ELB service-linked role, created on first use.
            allow(["iam:CreateServiceLinkedRole"], "*", { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }),
            allow(READ_ACTIONS, "*"),
            allow(INTEGRATION_ACTIONS, "*"),
            // Frontend security groups it is given, and the backend rules on the nodes' group.
            allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], "*"),
            allow(["ec2:CreateSecurityGroup"], "*"),
            allow(["ec2:CreateTags"], `${ec2}:security-group/*`, { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, Null: REQUEST_TAGGED }),
            allow(["ec2:CreateTags", "ec2:DeleteTags"], `${ec2}:security-group/*`, { Null: RETAGGING_OWNED }),
            allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], "*", { Null: RESOURCE_TAGGED }),
            // Load balancers and target groups: created tagged with the cluster, then changed only while tagged.
            allow(["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], "*", { Null: REQUEST_TAGGED }),
            allow(["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"], "*"),
            allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], balancers, { Null: RETAGGING_OWNED }),
            allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], listeners),
            allow(OWNED_LOAD_BALANCER_ACTIONS, "*", { Null: RESOURCE_TAGGED }),
            allow(["elasticloadbalancing:AddTags"], balancers, {
                StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
                Null: REQUEST_TAGGED,
            }),
            allow(["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], `${elb}:targetgroup/*/*`),
            allow(LISTENER_ACTIONS, "*"),
        ],
    };
}

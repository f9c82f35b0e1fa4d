import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { ObservabilityStack, ObservabilityStackArgs } from "../../components/observability-stack";
import { rejectedWith, validationMessage } from "../harness";
import { minimalArgs, NETWORK, resolved } from "./fixtures";

const DURATION_RULE = 'expected a Prometheus duration such as "15s", "1m30s", "12h" or "1w2d" (units y, w, d, h, m, s, ms), greater than zero';
const VOLUME_SIZE_RULE = 'expected a volume size such as "50Gi" or "1Ti" (a positive whole number of Mi, Gi or Ti)';
const DNS_LABEL_RULE = "expected a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters";

/** Constructs an ObservabilityStack that must be rejected; returns the message and the types registered besides the provider. */
function rejected(args: (provider: k8s.Provider) => ObservabilityStackArgs, name = "obs") {
    return rejectedWith((provider) => new ObservabilityStack(name, args(provider)));
}

const expected = (problems: string[], name = "obs") => validationMessage(`ObservabilityStack "${name}" args`, problems);

interface Case {
    title: string;
    args: (provider: k8s.Provider) => ObservabilityStackArgs;
    problems: string[];
    name?: string;
}

const CASES: Case[] = [
    {
        title: "bad sizes and quantities",
        args: (provider) => minimalArgs(provider, {
            prometheus: { storageSize: "50GB", replicas: 0 },
            langfuse: {
                webReplicas: 1.5,
                eventRetentionDays: 0,
                clickhouse: { replicas: 0, storageSize: "-20Gi", keeperReplicas: 2, keeperStorageSize: "0Gi" },
                database: { allocatedStorageGiB: 10 },
                cache: { nodes: 7, nodeType: "t4g.small" },
            },
            alerts: { gatewayErrorRatio: 5 },
        }),
        problems: [
            "langfuse.webReplicas: got 1.5; expected a whole number from 1 to 20",
            "langfuse.eventRetentionDays: got 0; expected a whole number of days from 1 to 3650",
            "langfuse.database.allocatedStorageGiB: got 10; expected a whole number of GiB from 20 to 65536",
            "langfuse.cache.nodeType: got \"t4g.small\"; expected an ElastiCache node type such as \"cache.t4g.small\"",
            "langfuse.cache.nodes: got 7; expected 1 to 6 nodes",
            "langfuse.clickhouse.replicas: got 0; expected a whole number from 1 to 10",
            `langfuse.clickhouse.storageSize: got "-20Gi"; ${VOLUME_SIZE_RULE}`,
            "langfuse.clickhouse.keeperReplicas: got 2; expected 1, 3 or 5 (Keeper needs an odd quorum)",
            `langfuse.clickhouse.keeperStorageSize: got "0Gi"; ${VOLUME_SIZE_RULE}`,
            `prometheus.storageSize: got "50GB"; ${VOLUME_SIZE_RULE}`,
            "prometheus.replicas: got 0; expected a whole number from 1 to 5",
            "alerts.gatewayErrorRatio: got 5; expected a share between 0 and 1 (exclusive), such as 0.05",
        ],
    },
    {
        title: "retention and alert durations that Prometheus would not parse",
        args: (provider) => minimalArgs(provider, { prometheus: { retention: "10 days" }, alerts: { gpuPendingFor: "0m", endpointUnavailableFor: "" } }),
        problems: [
            `prometheus.retention: got "10 days"; ${DURATION_RULE}`,
            `alerts.gpuPendingFor: got "0m"; ${DURATION_RULE}`,
            `alerts.endpointUnavailableFor: got ""; ${DURATION_RULE}`,
        ],
    },
    {
        title: "names that are not DNS labels",
        name: "Obs_Stack",
        args: (provider) => minimalArgs(provider, { langfuse: { namespace: "Langfuse" }, karpenterNamespace: "kar penter", prometheus: { storageClassName: "GP3" } }),
        problems: [
            'name: got "Obs_Stack"; expected a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending alphanumeric, at most 40 characters',
            `langfuse.namespace: got "Langfuse"; ${DNS_LABEL_RULE}`,
            "prometheus.storageClassName: got \"GP3\"; expected a StorageClass name: lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters",
            `karpenterNamespace: got "kar penter"; ${DNS_LABEL_RULE}`,
        ],
    },
    {
        title: "a name that cannot name AWS resources",
        name: "1-obs--x",
        args: (provider) => minimalArgs(provider),
        problems: ['name: got "1-obs--x"; expected to start with a letter and hold no \'--\' (it names RDS, ElastiCache and S3 resources)'],
    },
    {
        title: "missing network facts",
        args: (provider) => ({ provider, clusterName: "", vpcId: undefined as unknown as string, subnetIds: ["subnet-aaa111"], clusterSecurityGroupId: "" }),
        problems: [
            'clusterName: got ""; expected the EKS cluster name (GpuCluster.clusterName), for the Langfuse Pod Identity association',
            "vpcId: got (missing); expected the cluster's VPC id (GpuCluster.vpcId)",
            'clusterSecurityGroupId: got ""; expected the cluster security group id (GpuCluster.clusterSecurityGroupId)',
            'subnetIds: got ["subnet-aaa111"]; expected private subnets in at least 2 zones (RDS and ElastiCache subnet groups)',
        ],
    },
    {
        // The provider comes through the resource options (or the parent), as for any Pulumi component.
        title: "no subnets",
        args: () => ({ ...NETWORK, subnetIds: undefined as unknown as string[] }),
        problems: [
            "subnetIds: got (missing); expected the cluster's private subnet ids (GpuCluster.privateSubnetIds)",
        ],
    },
    {
        title: "bad Langfuse URL, identifiers and admin email",
        args: (provider) => minimalArgs(provider, {
            langfuse: { publicUrl: "https://user:pw@langfuse.example.com", organizationId: "My Org", projectId: "-gateway", adminEmail: "admin" },
        }),
        problems: [
            'langfuse.publicUrl: got "https://user:pw@langfuse.example.com"; expected an http(s) URL without credentials, query or fragment, such as "https://langfuse.example.com"',
            "langfuse.organizationId: got \"My Org\"; expected 1–63 lowercase letters, digits and '-', starting with a letter or digit",
            "langfuse.projectId: got \"-gateway\"; expected 1–63 lowercase letters, digits and '-', starting with a letter or digit",
            'langfuse.adminEmail: got "admin"; expected an email address such as "platform@example.com"',
        ],
    },
    {
        title: "production without redundancy",
        args: (provider) => minimalArgs(provider, { production: true, langfuse: { webReplicas: 1, cache: { nodes: 1 }, clickhouse: { replicas: 1 } } }),
        problems: [
            "langfuse.webReplicas: got 1; production needs at least 2 web replicas so a node loss keeps ingestion up",
            "langfuse.cache.nodes: got 1; production needs 2+ cache nodes for automatic failover across zones",
            "langfuse.clickhouse.replicas: got 1; production needs at least 2 ClickHouse replicas so traces survive a node loss",
        ],
    },
];

describe("ObservabilityStack validation", () => {
    for (const c of CASES) {
        it(`rejects ${c.title}, listing every problem and registering nothing`, async () => {
            const { message, types } = await rejected(c.args, c.name);
            assert.equal(message, expected(c.problems, c.name));
            assert.deepEqual(types, []);
        });
    }

    it("accepts Inputs it cannot see yet (subnet ids from another resource)", () => {
        assert.doesNotThrow(() => resolved({ subnetIds: Promise.resolve(["subnet-a", "subnet-b"]) as unknown as string[] }));
    });

    it("accepts the minimal args and production defaults", () => {
        assert.equal(resolved().production, false);
        assert.equal(resolved({ production: true }).production, true);
    });
});

describe("ObservabilityStack defaults", () => {
    const dev = resolved();
    const prod = resolved({ production: true });

    it("sizes Prometheus per environment, with size-based retention just under the volume", () => {
        assert.deepEqual(
            [dev.prometheus.retention, dev.prometheus.storageSize, dev.prometheus.replicas, dev.prometheus.retentionSize],
            ["7d", "50Gi", 1, "42GB"],
        );
        assert.deepEqual(
            [prod.prometheus.retention, prod.prometheus.storageSize, prod.prometheus.replicas, prod.prometheus.retentionSize],
            ["30d", "200Gi", 2, "170GB"],
        );
    });

    it("sizes ClickHouse and Langfuse per environment", () => {
        assert.deepEqual(dev.langfuse.clickhouse, { replicas: 1, storageSize: "20Gi", keeperReplicas: 1, keeperStorageSize: "5Gi", storageClassName: undefined });
        assert.deepEqual(prod.langfuse.clickhouse, { replicas: 3, storageSize: "200Gi", keeperReplicas: 3, keeperStorageSize: "20Gi", storageClassName: undefined });
        assert.deepEqual([dev.langfuse.webReplicas, dev.langfuse.workerReplicas], [1, 1]);
        assert.deepEqual([prod.langfuse.webReplicas, prod.langfuse.workerReplicas], [2, 2]);
    });

    it("protects and replicates state only in production", () => {
        assert.deepEqual([dev.langfuse.database.multiAz, dev.langfuse.database.deletionProtection, dev.langfuse.cache.nodes], [false, false, 1]);
        assert.deepEqual([prod.langfuse.database.multiAz, prod.langfuse.database.deletionProtection, prod.langfuse.cache.nodes], [true, true, 2]);
    });

    it("keeps explicit sizes over the environment's", () => {
        const custom = resolved({ production: true, prometheus: { retention: "90d", storageSize: "1Ti" }, langfuse: { clickhouse: { storageSize: "500Gi" } } });
        assert.deepEqual([custom.prometheus.retention, custom.prometheus.storageSize, custom.prometheus.retentionSize], ["90d", "1Ti", "870GB"]);
        assert.equal(custom.langfuse.clickhouse.storageSize, "500Gi");
    });
});

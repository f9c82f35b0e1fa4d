import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DEFAULT_ALLOWED_REGISTRIES as CLUSTER_REGISTRIES, CONTROL_PLANE_LOG_TYPES } from "../../components/gpu-cluster/args";
import { GPU_RESOURCE, GPU_TOLERATION, POOL_LABEL } from "../../components/gpu-cluster/manifests";
import { GPU_OPERATOR_NAMESPACE, KARPENTER_NAMESPACE, KYVERNO_NAMESPACE } from "../../components/gpu-cluster/values";
import { AMI_ALIASES, CHARTS, IMAGES } from "../../components/internal/versions";
import { ALL_POLICIES, PACK_NAME } from "../../policies/all";
import { helmReleasePinned } from "../../policies/kubernetes/helm-release-pinned";
import { imageProvenance } from "../../policies/kubernetes/image-provenance";
import { karpenterAmiPinned } from "../../policies/kubernetes/karpenter-ami-pinned";
import * as platform from "../../policies/lib/platform";
import { container, deployment, k8s, messages, resource } from "./helpers";

const ROOT = path.resolve(__dirname, "../../policies");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const prodConfig = JSON.parse(read("config.prod.json"));

function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

describe("policies: the pack", () => {
    it("has uniquely named policies, each with a description, a default level and an engine-valid config schema", () => {
        const names = ALL_POLICIES.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const policy of ALL_POLICIES) {
            assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.notEqual(policy.name, "all");
            assert.ok(policy.description.length >= 40, `${policy.name} needs a description a reviewer understands`);
            assert.ok(policy.enforcementLevel === "advisory" || policy.enforcementLevel === "mandatory", policy.name);
            assert.equal(policy.configSchema?.properties.enforcementLevel, undefined, "the engine rejects enforcementLevel in a config schema");
            assert.ok(("validateResource" in policy) !== ("validateStack" in policy), policy.name);
        }
    });

    it("keeps one policy per module under aws/, kubernetes/ and stack/, all of them in all.ts", () => {
        const modules = ["aws", "kubernetes", "stack"].flatMap(tsFiles);
        const exported = [];
        for (const file of modules) {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const exports: Record<string, unknown> = require(path.join(ROOT, file));
            const policies = Object.values(exports).filter((v: any) => v && typeof v === "object" && "description" in v && ("validateResource" in v || "validateStack" in v));
            assert.equal(policies.length, 1, `${file} exports one policy`);
            exported.push(policies[0]);
        }
        assert.deepEqual(new Set(exported), new Set(ALL_POLICIES));
    });

    it("is deployable on its own: index.ts only assembles, and pack files import nothing outside policies/", () => {
        assert.equal(PACK_NAME, "genai-platform");
        const index = read("index.ts");
        assert.deepEqual([...index.matchAll(/from "([^"]+)"/g)].map((m) => m[1]), ["@pulumi/policy", "./all"]);
        assert.match(index, /new PolicyPack\(PACK_NAME, \{ policies: ALL_POLICIES \}\);/);
        for (const file of tsFiles(".").filter((f) => f !== "evaluate.ts")) {
            for (const [, spec] of read(file).matchAll(/from "(\.[^"]+)"/g)) {
                const target = path.resolve(ROOT, path.dirname(file), spec);
                assert.ok(target.startsWith(ROOT + path.sep), `${file} imports ${spec}, outside the pack`);
            }
        }
        assert.match(read("PulumiPolicy.yaml"), /^runtime: nodejs$/m);
        assert.match(read("PulumiPolicy.yaml"), /^description: /m);
    });

    it("starts as the engine starts it: index.ts constructs the PolicyPack, which serves and prints its port", async function () {
        this.timeout(60_000);
        const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), "index.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        try {
            const firstLine = await new Promise<string>((resolve, reject) => {
                child.stdout.once("data", (d) => resolve(String(d).trim()));
                child.once("exit", (code) => reject(new Error(`pack exited with ${code}: ${stderr}`)));
            });
            assert.match(firstLine, /^\d+$/);
        } finally {
            child.kill();
        }
    });

    it("pins the same dependency versions as the project installs", () => {
        const pack = JSON.parse(read("package.json"));
        // The library's package.json gives ranges (tenants share their SDK); the lock says what the project runs.
        const lock = JSON.parse(fs.readFileSync(path.resolve(ROOT, "../package-lock.json"), "utf8"));
        assert.equal(pack.name, "genai-platform-policies");
        assert.equal(pack.version, "0.1.0");
        for (const [name, version] of Object.entries(pack.dependencies)) assert.equal(version, lock.packages[`node_modules/${name}`]?.version, name);
    });

    it("reads the labels, tolerations and defaults the components write", () => {
        assert.equal(platform.GPU_RESOURCE, GPU_RESOURCE);
        assert.equal(platform.POOL_LABEL, POOL_LABEL);
        assert.deepEqual(platform.DEFAULT_ALLOWED_REGISTRIES, CLUSTER_REGISTRIES);
        assert.deepEqual(prodConfig["k8s-image-provenance"].allowedRegistries, CLUSTER_REGISTRIES);
        assert.deepEqual(prodConfig["eks-control-plane-logging"].requiredLogTypes, CONTROL_PLANE_LOG_TYPES);
        for (const ns of [KARPENTER_NAMESPACE, GPU_OPERATOR_NAMESPACE, KYVERNO_NAMESPACE]) assert.ok(platform.DEFAULT_SYSTEM_NAMESPACES.includes(ns), ns);
        assert.deepEqual(GPU_TOLERATION, { key: platform.GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" });
    });

    it("accepts every chart, image and AMI alias the platform pins, under the prod config", async () => {
        const releases = Object.entries(CHARTS).map(([name, c]) =>
            resource("kubernetes:helm.sh/v3:Release", { chart: c.chart, version: c.version, ...("repo" in c ? { repositoryOpts: { repo: c.repo } } : {}) }, { name }),
        );
        assert.deepEqual(await messages(helmReleasePinned, releases, prodConfig["helm-release-pinned"]), []);
        const images = Object.values(IMAGES).map((i, n) => container(`c${n}`, { image: i.image }));
        assert.deepEqual(await messages(imageProvenance, resource("kubernetes:apps/v1:Deployment", deployment("d", "team-a", { containers: images })), prodConfig["k8s-image-provenance"]), []);
        const classes = Object.values(AMI_ALIASES).map((a) => resource("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", k8s("c", undefined, { spec: { amiSelectorTerms: [{ alias: a.alias }] } })));
        assert.deepEqual(await messages(karpenterAmiPinned, classes, prodConfig["karpenter-ami-pinned"]), []);
    });
});

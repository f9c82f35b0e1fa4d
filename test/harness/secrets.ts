/**
 * Where a secret must never appear in plain text: ConfigMaps, labels,
 * annotations, AWS tags, non-Secret Kubernetes objects and components'
 * non-secret outputs. Tests search these for every secret value they know.
 */
import type { RecordedResource } from "../../plan/recorder";

/** The mark of every generated secret under mocks (see plan/mock-outputs.ts). */
export const GENERATED_SECRET_MARK = "mock-secret-";

const SECRET_TYPE = "kubernetes:core/v1:Secret";

/** A component's registered outputs without those it registered as secret. */
export function plainOutputs(r: RecordedResource): Record<string, unknown> {
    const isSecret = (k: string) => r.secretOutputs.some((p) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`));
    return Object.fromEntries(Object.entries(r.outputs ?? {}).filter(([k]) => !isSecret(k)));
}

/** Everything recorded that must never hold a secret, labelled by where it came from. */
export function plainTextPlaces(resources: readonly RecordedResource[]): [string, unknown][] {
    const places: [string, unknown][] = [];
    for (const r of resources) {
        const metadatas = [r.inputs.metadata, r.inputs.spec?.template?.metadata].filter(Boolean);
        for (const m of metadatas) places.push([`${r.name} labels`, m.labels], [`${r.name} annotations`, m.annotations]);
        if (r.inputs.tags) places.push([`${r.name} tags`, r.inputs.tags]);
        if (r.outputs) places.push([`${r.name} plain outputs`, plainOutputs(r)]);
        if (r.type.startsWith("kubernetes:") && r.type !== SECRET_TYPE) places.push([`${r.name} (${r.type})`, r.inputs]);
    }
    return places;
}

/** "where holds what" for every secret value found in a plain-text place (empty when none leaks). */
export function secretLeaks(resources: readonly RecordedResource[], secrets: readonly string[]): string[] {
    return plainTextPlaces(resources).flatMap(([where, value]) => {
        const text = JSON.stringify(value) ?? "";
        return secrets.filter((s) => text.includes(s)).map((s) => `${where} holds ${s}`);
    });
}

/**
 * Every form a credential takes inside a Kubernetes object: as is, base64 (a
 * Secret's `data`), and, for a key pair, the HTTP Basic token of `a:b` (what
 * an OTLP `Authorization` header carries).
 */
export function credentialForms(values: readonly string[], pairs: readonly (readonly [string, string])[] = []): string[] {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return [...values.flatMap((v) => [v, b64(v)]), ...pairs.map(([a, b]) => b64(`${a}:${b}`))];
}

/** "where holds what" for every Kubernetes object in `namespaces`, Secrets included, that holds one of `forms`. */
export function namespaceSecretLeaks(resources: readonly RecordedResource[], namespaces: readonly string[], forms: readonly string[]): string[] {
    const inNamespaces = resources.filter((r) => r.type.startsWith("kubernetes:") && namespaces.includes(r.inputs.metadata?.namespace));
    return inNamespaces.flatMap((r) => {
        const text = JSON.stringify(r.inputs) ?? "";
        return forms.filter((s) => text.includes(s)).map((s) => `${r.name} (${r.type}, namespace ${r.inputs.metadata.namespace}) holds ${s}`);
    });
}

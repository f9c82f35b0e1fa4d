/**
 * What every Job that calls the LiteLLM admin API from inside the cluster
 * shares (the tenant team sync, the gateway's metrics-key registration): the
 * opening of its shell script and its container. Scripts are static text:
 * every value arrives through the environment, credentials reach curl as
 * header files on a memory volume (never on a command line), and responses
 * that carry a key are wiped once read.
 */
import { IMAGES } from "./versions";

/** `nobody`: numeric, so the kubelet can verify runAsNonRoot. */
const RUN_AS_USER = 65534;

/**
 * The script's first lines: strict mode, the admin header from
 * `$LITELLM_MASTER_KEY`, `fail MESSAGE` (logs `$TASK: MESSAGE` and the last
 * response), `admin PATH` (POSTs stdin as JSON; body in /tmp/out; prints the
 * HTTP status), `admin_get PATH`, and a wait of up to 5 minutes for
 * `$GATEWAY_URL/health/readiness`. The caller sets `TASK` first.
 */
export const LITELLM_ADMIN_PRELUDE = String.raw`set -eu
umask 077
printf 'Authorization: Bearer %s\n' "$LITELLM_MASTER_KEY" > /tmp/admin.h

fail() { echo "$TASK: $1" >&2; cat /tmp/out >&2 2>/dev/null || true; exit 1; }
admin() { curl -sS -o /tmp/out -w '%{http_code}' -H @/tmp/admin.h -H 'Content-Type: application/json' --data-binary @- "$GATEWAY_URL$1"; }
admin_get() { curl -sS -o /tmp/out -w '%{http_code}' -H @/tmp/admin.h "$GATEWAY_URL$1"; }

tries=0
until curl -sf -o /dev/null "$GATEWAY_URL/health/readiness"; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || fail "gateway $GATEWAY_URL not ready after 5 minutes"
  sleep 5
done
`;

/** A complete admin script: `TASK`, the prelude, then `body`. */
export function litellmAdminScript(task: string, body: string): string {
    return `TASK=${task}\n${LITELLM_ADMIN_PRELUDE}\n${body}`;
}

export interface AdminEnv {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/** The container of an admin Job: pinned curl image, restricted security context, /tmp on a memory volume. */
export function litellmAdminContainer(name: string, script: string, env: AdminEnv[]) {
    return {
        name,
        image: IMAGES.curl.image,
        command: ["/bin/sh", "-c", script],
        env,
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "64Mi" } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
}

/** The pod-level half: restricted Pod Security, never restarted in place (the Job retries), /tmp in memory. */
export function litellmAdminPodSpec(container: ReturnType<typeof litellmAdminContainer>, identity: { serviceAccountName?: string; automountServiceAccountToken: boolean }) {
    return {
        ...identity,
        restartPolicy: "Never",
        securityContext: { runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, seccompProfile: { type: "RuntimeDefault" } },
        containers: [container],
        volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "4Mi" } }],
    };
}

/**
 * `pulumi.com/replaceUnready`: pulumi-kubernetes replaces a Job whose live
 * status is not Complete on the next `up` (pulumi/pulumi-kubernetes v4.32.0
 * provider/pkg/provider/provider.go, Diff), so a failed run is re-run; without
 * it the next `up` only waits on the failed Job again. The check reads the
 * live Job, so admin Jobs carry no `ttlSecondsAfterFinished`: a failed Job the
 * TTL controller had removed would never be re-run.
 */
export const RERUN_WHEN_FAILED = { "pulumi.com/replaceUnready": "true" } as const;

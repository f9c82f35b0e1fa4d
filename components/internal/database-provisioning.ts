/**
 * One database and one role of its own on a PostgreSQL server someone else
 * owns, created from inside the cluster by a Job: the one mechanism for every
 * database the platform adds to a server (AgentService checkpoint databases,
 * the gateway's and Langfuse's databases on a shared instance). Pure: the
 * component registers the Job and the Secrets it reads.
 */
import { createHash } from "crypto";
import type { KubernetesObject } from "./k8s-object";
import { RERUN_WHEN_FAILED } from "./litellm-admin";
import { physicalName } from "./naming";
import { IMAGES } from "./versions";

export const PROVISION_BACKOFF_LIMIT = 3;
/** How long one provisioning run may take, retries included. */
export const PROVISION_DEADLINE_SECONDS = 600;
/** Job names are also the pods' `job-name` label value: 63 at most, less the "-<hash>" suffix. */
export const PROVISION_JOB_PREFIX_MAX = 63 - 9;
/** PostgreSQL truncates identifiers past 63 bytes (NAMEDATALEN - 1). */
export const PG_IDENTIFIER_MAX = 63;

/**
 * Creates the role and its database on the server, idempotently, and never
 * drops anything: re-running it (a new Job) only resets the role's password
 * to the one in the Secret and re-applies the grants. The master URL comes
 * from `ADMIN_URL` (a secretKeyRef) and is psql's connection argument inside
 * this pod only; the role's password is read by psql itself (`\getenv`,
 * psql ≥ 15), never on a command line. `GRANT role TO CURRENT_USER` lets a
 * non-superuser master (RDS `rds_superuser`) create a database owned by the
 * role: PostgreSQL 16+ requires the creator be able to SET ROLE to the owner
 * (CREATE DATABASE, "OWNER"). Every other role loses CONNECT to the database
 * (REVOKE ... FROM PUBLIC), so the databases sharing a server cannot read
 * each other. The role owns its database, and so (PostgreSQL 15+:
 * `pg_database_owner` owns `public`) may create tables there: what the
 * gateway's and Langfuse's Prisma migrations need.
 */
export const PROVISION_SCRIPT = String.raw`set -eu
export PGCONNECT_TIMEOUT=10
tries=0
until psql "$ADMIN_URL" -XAtqc 'SELECT 1' > /dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 30 ] || { echo "provision-db: server not reachable after 5 minutes" >&2; exit 1; }
  sleep 10
done
psql "$ADMIN_URL" -X -q -v ON_ERROR_STOP=1 -v db="$DB_NAME" -v role="$DB_NAME" <<'SQL'
SET client_min_messages = warning;
\getenv pw DB_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
GRANT :"role" TO CURRENT_USER;
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT ALL ON DATABASE :"db" TO :"role";
SQL
echo "provision-db: database and role $DB_NAME are ready"
`;

/** A key of a Secret in the Job's namespace. */
export interface SecretKeyRef {
    name: string;
    key: string;
}

export interface DatabaseProvisioning {
    /** The Job's name before its hash, e.g. `["agent-db", tenant, name]` (cut with a hash past 54 characters). */
    nameParts: string[];
    /** Where the Job runs: the namespace of the master URL's Secret, which never leaves it. */
    namespace: string;
    labels: Record<string, string>;
    /** The master URL. */
    adminSecret: SecretKeyRef;
    /** The database and role to create (one identifier for both). */
    database: string;
    /** The role's password, in a Secret beside the master URL. */
    passwordSecret: SecretKeyRef;
}

const secretEnv = (name: string, ref: SecretKeyRef) => ({ name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } });

/**
 * The provisioning Job, under restricted Pod Security. Its name ends in a hash
 * of its pod spec: the same desired state is the same Job (no re-run); a
 * failed run is re-run by the next `up` (`RERUN_WHEN_FAILED`).
 */
export function renderDatabaseProvisionJob(p: DatabaseProvisioning): KubernetesObject {
    const podSpec = {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{
            name: "provision",
            image: IMAGES.postgresClient.image,
            command: ["/bin/sh", "-c", PROVISION_SCRIPT],
            env: [
                secretEnv("ADMIN_URL", p.adminSecret),
                { name: "DB_NAME", value: p.database },
                secretEnv("DB_PASSWORD", p.passwordSecret),
                // psql writes no history in batch mode, but wants a writable HOME for ~/.psqlrc lookups.
                { name: "HOME", value: "/tmp" },
            ],
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        }],
        volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "4Mi" } }],
    };
    const hash = createHash("sha256").update(JSON.stringify(podSpec)).digest("hex").slice(0, 8);
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: `${physicalName(p.nameParts, PROVISION_JOB_PREFIX_MAX)}-${hash}`, namespace: p.namespace, labels: p.labels, annotations: { ...RERUN_WHEN_FAILED } },
        spec: {
            backoffLimit: PROVISION_BACKOFF_LIMIT,
            activeDeadlineSeconds: PROVISION_DEADLINE_SECONDS,
            template: { metadata: { labels: p.labels }, spec: podSpec },
        },
    };
}

/** Pulumi waits for the whole run (its default is 10 minutes), then one minute more. */
export const PROVISION_TIMEOUT = `${PROVISION_DEADLINE_SECONDS / 60 + 1}m`;

#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for the agent-workflow end-to-end tests.
#   .ci/postgres.sh start DIR   initialises DIR/data, starts the server on a free
#                               127.0.0.1 port and prints its superuser URL
#   .ci/postgres.sh stop DIR    stops it and removes DIR
# The server binaries come from Debian's `postgresql` package
# (/usr/lib/postgresql/<major>/bin) or PATH. PostgreSQL refuses to run as
# root, so under root it runs as the package's `postgres` user.
set -euo pipefail

server_bin() {
    local d
    for d in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")" /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

case "${1:-}" in
    available)
        server_bin > /dev/null && command -v psql > /dev/null ;;
    start)
        dir=${2:?usage: postgres.sh start DIR}
        bin=$(server_bin) || { echo "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin" >&2; exit 2; }
        mkdir -p "$dir"
        chmod 700 "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        password=$(node -e 'console.log(require("crypto").randomBytes(18).toString("hex"))')
        printf '%s\n' "$password" > "$dir/pwfile"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
        # Password (SCRAM) auth on TCP, as on RDS; the socket lives in DIR, not /var/run.
        as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --no-instructions > "$dir/initdb.log"
        rm -f "$dir/pwfile"
        port=$(free_port)
        as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start > /dev/null
        echo "postgresql://postgres:$password@127.0.0.1:$port/postgres" ;;
    stop)
        dir=${2:?usage: postgres.sh stop DIR}
        bin=$(server_bin) || exit 0
        [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null || true
        rm -rf "$dir" ;;
    *)
        echo "usage: postgres.sh available | start DIR | stop DIR" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on 127.0.0.1, for tests and benchmarks.
#
# As a library (what scripts/test.sh and scripts/bench-import.sh do):
#     source scripts/pg-cluster.sh
#     pg_cluster_start || exit 1      # sets PG_TMP PG_PORT PG_URL PG_BIN
#     pg_cluster_createdb NAME        # prints postgres://postgres@127.0.0.1:PORT/NAME
#     pg_cluster_stop                 # stops the server and removes PG_TMP (idempotent)
#
# As a command (for a developer shell):
#     eval "$(bash scripts/pg-cluster.sh start)"   # exports PG_TMP PG_PORT PG_URL TEST_DATABASE_URL
#     cargo test ...
#     bash scripts/pg-cluster.sh stop "$PG_TMP"
#
# The server runs as the `postgres` user when we are root (PostgreSQL refuses root), with
# trust auth, the data dir and unix socket inside a fresh mktemp dir, fsync off.

PG_TMP=${PG_TMP:-}
PG_PORT=${PG_PORT:-}
PG_URL=${PG_URL:-}
PG_BIN=${PG_BIN:-}

_pg_as() {
    # run a command as the cluster owner
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_pg_find_bin() {
    if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then return 0; fi
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        echo "pg-cluster: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
        return 1
    fi
}

_pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_cluster_start() {
    _pg_find_bin || return 1
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        echo "pg-cluster: running as root but there is no 'postgres' user (apt-get install postgresql)" >&2
        return 1
    fi
    PG_TMP=$(mktemp -d /tmp/jiwon-pg.XXXXXX) || return 1
    chmod 755 "$PG_TMP"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_TMP"
    # Run the server tools from inside the temp dir: postgres may not be able to read our cwd.
    if ! (cd "$PG_TMP" && _pg_as "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust \
            -E UTF8 --locale=C.UTF-8 --no-sync >"$PG_TMP/initdb.log" 2>&1); then
        echo "pg-cluster: initdb failed:" >&2
        tail -20 "$PG_TMP/initdb.log" >&2
        return 1
    fi
    local try
    for try in 1 2 3 4 5; do
        PG_PORT=$(_pg_free_port)
        local opts="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_TMP"
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        opts+=" -c max_connections=300 -c shared_buffers=128MB"
        if (cd "$PG_TMP" && _pg_as "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
                -o "$opts" \
                start >"$PG_TMP/pg_ctl.log" 2>&1); then
            PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
            export PG_TMP PG_PORT PG_URL PG_BIN
            return 0
        fi
        # most likely the port was taken between picking and binding: try another
        echo "pg-cluster: start on port $PG_PORT failed (try $try):" >&2
        tail -5 "$PG_TMP/server.log" >&2 2>/dev/null
    done
    return 1
}

# pg_cluster_psql ARGS...: psql against the cluster as postgres (over TCP).
pg_cluster_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

# pg_cluster_createdb NAME: (re)create database NAME, print its URL.
pg_cluster_createdb() {
    local name=$1
    pg_cluster_psql -d postgres -c "SET client_min_messages TO warning" -c "DROP DATABASE IF EXISTS \"$name\"" >/dev/null || return 1
    pg_cluster_psql -d postgres -c "CREATE DATABASE \"$name\"" >/dev/null || return 1
    echo "postgres://postgres@127.0.0.1:$PG_PORT/$name"
}

# pg_cluster_stop [DIR]: stop the cluster in DIR (default PG_TMP) and remove DIR.
pg_cluster_stop() {
    local dir=${1:-$PG_TMP}
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    case "$dir" in /tmp/jiwon-pg.*) ;; *) echo "pg-cluster: refusing to remove $dir" >&2; return 1 ;; esac
    _pg_find_bin >/dev/null 2>&1
    if [ -f "$dir/data/postmaster.pid" ] && [ -n "$PG_BIN" ]; then
        (cd "$dir" && _pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1)
    fi
    rm -rf "$dir"
    if [ "$dir" = "$PG_TMP" ]; then PG_TMP=; PG_PORT=; PG_URL=; fi
    return 0
}

# Command mode
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        start)
            pg_cluster_start >&2 || exit 1
            printf 'export PG_TMP=%q PG_PORT=%q PG_URL=%q TEST_DATABASE_URL=%q\n' \
                "$PG_TMP" "$PG_PORT" "$PG_URL" "$PG_URL"
            ;;
        stop)
            pg_cluster_stop "${2:-${PG_TMP:-}}"
            ;;
        *)
            echo "usage: $0 start | stop DIR" >&2
            exit 2
            ;;
    esac
fi

#!/usr/bin/env bash
# Application load benchmark (issue 12 "Measure"): N owners (200) submit AT ONCE to one portal
# program, each with its own 1 MB PDF through the real upload form, against the release
# server (`jiwon serve`, worker in-process) on a fresh SQLite file and on a fresh PostgreSQL
# database of a throwaway cluster. Prints submissions/s, latency p50/p95/p99/max and the
# counts in the database, the agency inbox (as its reviewer sees it over HTTP) and at the
# agency's webhook receiver (tests/support/webhook_receiver.py, which verifies the HMAC
# signature itself); exits 1 if anything submitted is lost or a submission failed.
#
#   bash scripts/bench-apply.sh
#
# What is timed: per applicant, GET the program step (the upload form's CSRF token) + the
# multipart upload + the submit POST, all N released by one barrier. Before that, untimed,
# every owner signs in and brings the draft to the upload step (eligibility, applicant
# section, the short answer) — see examples/apply_load.rs.
#
# Env: BENCH_BACKENDS ("sqlite postgres"), BENCH_APPLICANTS (200), BENCH_FILE_BYTES (1048576),
#      BENCH_WAIT_SECS (300: how long to wait for routing and the webhooks),
#      BENCH_LOG_DIR (target/bench-logs), JIWON_LOG for the server (default warn).
# Traffic goes to 127.0.0.1 only; every request loop is bounded by N.

set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/pg-cluster.sh
source scripts/pg-cluster.sh

BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
N=${BENCH_APPLICANTS:-200}
FILE_BYTES=${BENCH_FILE_BYTES:-1048576}
WAIT_SECS=${BENCH_WAIT_SECS:-300}
LOG_DIR=${BENCH_LOG_DIR:-$ROOT/target/bench-logs}
mkdir -p "$LOG_DIR"
WORK=$(mktemp -d /tmp/jiwon-bench-apply.XXXXXX)
BIN=target/release/jiwon
LOAD=target/release/examples/apply_load
SERVER_PID=
RECEIVER_PID=

stop_all() {
    stop_group "$SERVER_PID"
    SERVER_PID=
    stop_group "$RECEIVER_PID"
    RECEIVER_PID=
}
cleanup() {
    stop_all
    pg_cluster_stop >/dev/null 2>&1
    case "$WORK" in /tmp/jiwon-bench-apply.*) rm -rf "$WORK" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v curl >/dev/null 2>&1 || apt_install curl || exit 1
command -v python3 >/dev/null 2>&1 || apt_install python3 || exit 1

echo "==> cargo build --release --bin jiwon --example apply_load  (log: $LOG_DIR/build-release.log)"
t0=$(now_s)
if ! cargo build --release --bin jiwon --example apply_load >"$LOG_DIR/build-release.log" 2>&1; then
    tail -30 "$LOG_DIR/build-release.log"
    echo "bench-apply: release build failed" >&2
    exit 1
fi
echo "    built in $(elapsed "$t0" "$(now_s)")s"

SUMMARY=()
STATUS=0

# run_backend NAME DATABASE_URL
run_backend() {
    local backend=$1 url=$2 dir="$WORK/$1"
    mkdir -p "$dir/uploads" "$dir/search" "$dir/outbox"
    echo "==> $backend: $url"

    # The agency's system: the receiver keeps running while its stdin is open.
    local rlog="$dir/webhooks.jsonl" secret="$dir/webhook.secret"
    start_bg "$LOG_DIR/apply-$backend-receiver.log" bash -c \
        'sleep 7200 | exec python3 tests/support/webhook_receiver.py "$1" "$2"' _ "$rlog" "$secret"
    RECEIVER_PID=$BG_PID
    local rport=
    for _ in $(seq 1 100); do
        rport=$(sed -nE 's/.*"port": ([0-9]+).*/\1/p' "$LOG_DIR/apply-$backend-receiver.log" 2>/dev/null | head -1)
        [ -n "$rport" ] && break
        sleep 0.1
    done
    if [ -z "$rport" ]; then
        echo "bench-apply: the webhook receiver did not start" >&2
        cat "$LOG_DIR/apply-$backend-receiver.log" >&2
        return 1
    fi
    echo "    webhook receiver on 127.0.0.1:$rport"

    local port
    port=$(free_port)
    # development: the webhook may go to a loopback receiver (production refuses that),
    # mail goes to the file outbox; the login limit raised for 200 sign-ins from one address.
    export JIWON_ENV=development JIWON_DATABASE_URL="$url" JIWON_SEARCH_DIR="$dir/search" \
        JIWON_UPLOAD_DIR="$dir/uploads" JIWON_OUTBOX_DIR="$dir/outbox" \
        JIWON_PUSH_ALLOW_PRIVATE=1 JIWON_LOGIN_RATE_LIMIT=100000 \
        JIWON_BIND="127.0.0.1:$port" JIWON_BASE_URL="http://127.0.0.1:$port" \
        JIWON_SCHEDULER_INTERVAL_SECS=5 JIWON_LOG="${JIWON_LOG:-warn}"

    echo "    seeding $N owners, the agency, the program and its form"
    t0=$(now_s)
    if ! "$LOAD" seed --out "$dir/seed.json" --owners "$N" \
        --webhook "http://127.0.0.1:$rport/hook" --secret-file "$secret" \
        >"$LOG_DIR/apply-$backend-seed.log" 2>&1; then
        tail -20 "$LOG_DIR/apply-$backend-seed.log"
        return 1
    fi
    echo "    seeded in $(elapsed "$t0" "$(now_s)")s"

    local slog="$LOG_DIR/apply-$backend-server.log"
    echo "==> $BIN serve --bind 127.0.0.1:$port  (log: $slog)"
    start_bg "$slog" "$BIN" serve --bind "127.0.0.1:$port"
    SERVER_PID=$BG_PID
    if ! wait_http "http://127.0.0.1:$port/healthz" 120 "$SERVER_PID"; then
        tail -30 "$slog"
        return 1
    fi

    local out="$LOG_DIR/apply-$backend-run.log"
    echo "==> apply_load run: $N applicants at once  (log: $out)"
    "$LOAD" run --seed "$dir/seed.json" --base "http://127.0.0.1:$port" \
        --receiver-log "$rlog" --file-bytes "$FILE_BYTES" --wait-secs "$WAIT_SECS" 2>&1 | tee "$out"
    local rc=${PIPESTATUS[0]}
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "bench-apply: the server died during the run" >&2
        rc=1
    fi
    local errs
    # The one failed webhook attempt (the receiver's deliberate first 500) is a WARN.
    errs=$(grep -cE ' ERROR |database is locked' "$slog")
    echo "    server log: $errs ERROR / 'database is locked' line(s); $(grep -c ' WARN ' "$slog") WARN"
    [ "$errs" -gt 0 ] && grep -E ' ERROR |database is locked' "$slog" | head -5 | sed 's/^/    | /'
    stop_all
    unset JIWON_DATABASE_URL JIWON_SEARCH_DIR JIWON_UPLOAD_DIR JIWON_OUTBOX_DIR JIWON_BIND JIWON_BASE_URL
    SUMMARY+=("$backend: $(grep -E '^submitted ' "$out" | head -1)")
    SUMMARY+=("$backend: $(grep -E '^latency' "$out" | head -1)")
    SUMMARY+=("$backend: $(grep -E '^lost:' "$out" | head -1)")
    return "$rc"
}

for backend in $BACKENDS; do
    case "$backend" in
        sqlite)
            run_backend sqlite "sqlite://$WORK/sqlite/bench.db" || STATUS=1
            stop_all
            ;;
        postgres)
            if ! pg_cluster_start; then
                echo "bench-apply: could not start PostgreSQL" >&2
                SUMMARY+=("postgres: cluster FAILED to start")
                STATUS=1
                continue
            fi
            url=$(pg_cluster_createdb jiwon_bench_apply) || { STATUS=1; continue; }
            run_backend postgres "$url" || STATUS=1
            stop_all
            pg_cluster_stop
            ;;
        *)
            echo "bench-apply: unknown backend $backend" >&2
            STATUS=1
            ;;
    esac
done

echo
echo "apply benchmark: $N applicants at once, ${FILE_BYTES}-byte PDF each, release build, $(nproc) cores"
for s in "${SUMMARY[@]}"; do echo "  $s"; done
exit "$STATUS"

#!/usr/bin/env bash
# Search benchmark: the engine-direct bench (`cargo bench --bench search`: rebuild time, peak
# RSS and query latency on the real corpus and expanded ones), then — when a release `jiwon`
# binary and wrk are available — `/api/v1/search` latency through HTTP against `jiwon demo`
# (fresh SQLite file, embedded index in a temp dir) on a free loopback port.
#
#   bash scripts/bench-search.sh
#
# Env: JIWON_BENCH_1M=1 (also the 1M-document corpus), JIWON_BENCH_SIZES, JIWON_BENCH_PASSES
#      (see benches/search.rs); BENCH_SKIP_ENGINE=1 (HTTP part only); BENCH_DURATION (15s),
#      BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_LOG_DIR (target/bench-logs),
#      RUST_LOG for the server (default warn).
# Traffic goes to 127.0.0.1 only; each wrk run is bounded by BENCH_DURATION. Builds run
# under `nice -n 10`.

set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

DURATION=${BENCH_DURATION:-15s}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
LOG_DIR=${BENCH_LOG_DIR:-$ROOT/target/bench-logs}
mkdir -p "$LOG_DIR"
STATUS=0

if [ "${BENCH_SKIP_ENGINE:-0}" != 1 ]; then
    echo "==> nice -n 10 cargo bench --bench search"
    nice -n 10 cargo bench --bench search 2>&1 | tee "$LOG_DIR/bench-search.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench-search: cargo bench failed" >&2; STATUS=1; }
fi

BIN=target/release/jiwon
if [ ! -x "$BIN" ]; then
    echo "bench-search: no release binary at $BIN (cargo build --release --bin jiwon): skipping the HTTP part"
    exit "$STATUS"
fi
if ! command -v wrk >/dev/null 2>&1; then
    echo "bench-search: wrk is not installed: skipping the HTTP part"
    exit "$STATUS"
fi
command -v curl >/dev/null 2>&1 || { echo "bench-search: curl is not installed: skipping the HTTP part"; exit "$STATUS"; }

WORK=$(mktemp -d /tmp/jiwon-bench-search.XXXXXX)
SERVER_PID=
cleanup() {
    stop_group "$SERVER_PID"
    SERVER_PID=
    case "$WORK" in /tmp/jiwon-bench-search.*) rm -rf "$WORK" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
SERVER_LOG="$LOG_DIR/search-server.log"
echo "==> $BIN demo --bind 127.0.0.1:$PORT  (embedded index in $WORK/search; log: $SERVER_LOG)"
start_bg "$SERVER_LOG" env -u JIWON_MEILI_URL JIWON_DATABASE_URL="sqlite://$WORK/demo.db" \
    JIWON_SEARCH_DIR="$WORK/search" JIWON_BIND="127.0.0.1:$PORT" RUST_LOG="${RUST_LOG:-warn}" \
    "$BIN" demo --bind "127.0.0.1:$PORT"
SERVER_PID=$BG_PID
if ! wait_http "$BASE/healthz" 300 "$SERVER_PID"; then
    tail -30 "$SERVER_LOG"
    exit 1
fi

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
QUERIES=("소상공인 온라인 판로" "수출바우처" "울산 소상공인")

ROWS=()
n=0
for q in "${QUERIES[@]}"; do
    n=$((n + 1))
    path="/api/v1/search?q=$(enc "$q")"
    url="$BASE$path"
    code=$(curl -s -o "$WORK/probe.json" -w '%{http_code}' "$url")
    total=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("total","?"), "degraded" if d.get("degraded") else "")' "$WORK/probe.json" 2>/dev/null)
    if [ "$code" != 200 ]; then
        echo "bench-search: WARNING: GET $path answered $code before the run"
        STATUS=1
    fi
    log="$LOG_DIR/wrk-search-$n.log"
    echo "==> wrk -t$THREADS -c$CONNS -d$DURATION --latency /api/v1/search?q=$q   (total: ${total:-?})"
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$log" 2>&1
    rc=$?
    sed 's/^/    /' "$log"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
    p50=$(awk '$1 == "50%" { print $2 }' "$log")
    p99=$(awk '$1 == "99%" { print $2 }' "$log")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$log")
    note=""
    [ "$rc" -ne 0 ] && { note="wrk exit $rc"; STATUS=1; }
    [ -n "$non2xx" ] && note="$note non-2xx=$non2xx"
    ROWS+=("$(printf '%11s %10s %10s  %-28s %s' "${rps:-?}" "${p50:-?}" "${p99:-?}" "$q" "$note")")
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "bench-search: the server died during the run" >&2
        tail -20 "$SERVER_LOG"
        STATUS=1
        break
    fi
done

echo
echo "HTTP search: wrk -t$THREADS -c$CONNS -d$DURATION against jiwon demo (release, SQLite, embedded index) on $(nproc) cores"
printf '%11s %10s %10s  %s\n' "Requests/s" "p50" "p99" "/api/v1/search?q="
for r in "${ROWS[@]}"; do echo "$r"; done
exit "$STATUS"

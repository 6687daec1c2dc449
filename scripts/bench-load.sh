#!/usr/bin/env bash
# HTTP load benchmark: `jiwon demo` (release build, fresh SQLite file) on a free loopback port,
# measured with wrk on a static file, the listing, a filtered listing and one announcement.
#
#   bash scripts/bench-load.sh
#
# Env: BENCH_DURATION (default 20s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
#      BENCH_LOG_DIR (default target/bench-logs), JIWON_LOG for the server's log filter (default
#      warn: per-request access logging off, so the log sink is not what is measured).
# Traffic goes to 127.0.0.1 only; each wrk run is bounded by BENCH_DURATION.

set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

DURATION=${BENCH_DURATION:-20s}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
LOG_DIR=${BENCH_LOG_DIR:-$ROOT/target/bench-logs}
mkdir -p "$LOG_DIR"
WORK=$(mktemp -d /tmp/jiwon-bench-load.XXXXXX)
SERVER_PID=

cleanup() {
    stop_group "$SERVER_PID"
    SERVER_PID=
    case "$WORK" in /tmp/jiwon-bench-load.*) rm -rf "$WORK" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v wrk >/dev/null 2>&1; then
    apt_install wrk || { echo "bench-load: could not install wrk" >&2; exit 1; }
fi
command -v curl >/dev/null 2>&1 || apt_install curl || exit 1

echo "==> cargo build --release --bin jiwon  (log: $LOG_DIR/build-release.log)"
t0=$(now_s)
if ! cargo build --release --bin jiwon >"$LOG_DIR/build-release.log" 2>&1; then
    tail -30 "$LOG_DIR/build-release.log"
    echo "bench-load: release build failed" >&2
    exit 1
fi
echo "    built in $(elapsed "$t0" "$(now_s)")s"

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
SERVER_LOG="$LOG_DIR/load-server.log"
echo "==> target/release/jiwon demo --bind 127.0.0.1:$PORT  (log: $SERVER_LOG)"
start_bg "$SERVER_LOG" env JIWON_DATABASE_URL="sqlite://$WORK/load.db" JIWON_BIND="127.0.0.1:$PORT" \
    JIWON_LOG="${JIWON_LOG:-warn}" target/release/jiwon demo --bind "127.0.0.1:$PORT"
SERVER_PID=$BG_PID
if ! wait_http "$BASE/healthz" 180 "$SERVER_PID"; then
    tail -30 "$SERVER_LOG"
    exit 1
fi

ID=$(curl -fsS "$BASE/announcements" | grep -oE 'href="/announcements/[^"?#/]+"' | head -1 |
    sed -E 's|href="/announcements/([^"]+)"|\1|')
if [ -z "$ID" ]; then
    echo "bench-load: found no /announcements/ID link in the listing HTML" >&2
    exit 1
fi
CAT=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("창업"))')

URLS=(
    "/public/css/site.css"
    "/announcements"
    "/announcements?category=$CAT&sort=deadline"
    "/announcements/$ID"
)

ROWS=()
STATUS=0
n=0
for path in "${URLS[@]}"; do
    n=$((n + 1))
    url="$BASE$path"
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
    if [ "$code" != 200 ]; then
        echo "bench-load: WARNING: GET $path answered $code before the run"
        STATUS=1
    fi
    log="$LOG_DIR/wrk-$n.log"
    echo "==> wrk -t$THREADS -c$CONNS -d$DURATION --latency $path"
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$log" 2>&1
    rc=$?
    sed 's/^/    /' "$log"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$log")
    p50=$(awk '$1 == "50%" { print $2 }' "$log")
    p99=$(awk '$1 == "99%" { print $2 }' "$log")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$log")
    sockerr=$(sed -nE 's/^ *Socket errors: (.*)$/\1/p' "$log")
    note=""
    [ "$rc" -ne 0 ] && { note="wrk exit $rc"; STATUS=1; }
    [ -n "$non2xx" ] && note="$note non-2xx=$non2xx"
    [ -n "$sockerr" ] && note="$note socket errors: $sockerr"
    shown=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$path")
    ROWS+=("$(printf '%11s %10s %10s  %-44s %s' "${rps:-?}" "${p50:-?}" "${p99:-?}" "$shown" "$note")")
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "bench-load: the server died during the run" >&2
        tail -20 "$SERVER_LOG"
        STATUS=1
        break
    fi
done

echo
echo "load benchmark: wrk -t$THREADS -c$CONNS -d$DURATION against jiwon demo (release, SQLite) on $(nproc) cores"
printf '%11s %10s %10s  %-44s %s\n' "Requests/s" "p50" "p99" "URL" "notes"
for r in "${ROWS[@]}"; do echo "$r"; done
exit "$STATUS"

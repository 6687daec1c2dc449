#!/usr/bin/env bash
# Alerts benchmark: builds `benches/alerts.rs` (`cargo bench --bench alerts --no-run`, release)
# and runs it: matching one announcement against 10k / 100k / 1M generated subscriptions,
# publish → first email latency, and email / web push delivery throughput into the local
# receivers tests/support/smtp_sink.py (aiosmtpd) and tests/support/push_service.py
# (cryptography).
#
#   bash scripts/bench-alerts.sh
#   JIWON_BENCH_1M=0 JIWON_BENCH_DELIVERIES=20000 bash scripts/bench-alerts.sh   # quicker
#
# Env, passed through to the bench (see benches/alerts.rs): JIWON_BENCH_1M=0 (no 1M),
#      JIWON_BENCH_SIZES, JIWON_BENCH_ANNOUNCEMENTS, JIWON_BENCH_PLAN_BUDGET_S,
#      JIWON_BENCH_CAPS_BUDGET_S, JIWON_BENCH_DELIVERIES, JIWON_BENCH_LATENCY_RUNS,
#      JIWON_BENCH_SEND_THREADS, JIWON_BENCH_PARTS (match,latency,email,push), JIWON_BENCH_DIR;
#      BENCH_LOG_DIR (default target/bench-logs) for the log.
# Everything talks to 127.0.0.1 only. The build runs under `nice -n 10`.

set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

LOG_DIR=${BENCH_LOG_DIR:-$ROOT/target/bench-logs}
mkdir -p "$LOG_DIR"

# The receivers are Python; without their modules, the parts that need them are left out.
PARTS=${JIWON_BENCH_PARTS:-match,latency,email,push}
has_py() { python3 -c "import $1" >/dev/null 2>&1; }
if ! has_py aiosmtpd || ! has_py cryptography.hazmat.primitives.ciphers.aead; then
    apt_ensure python3-aiosmtpd python3-cryptography >/dev/null 2>&1 || true
fi
drop_part() { PARTS=$(echo ",$PARTS," | sed "s/,$1,/,/g; s/^,//; s/,\$//"); }
if ! has_py aiosmtpd; then
    echo "bench-alerts: python3 module aiosmtpd missing: skipping the latency and email parts"
    drop_part latency
    drop_part email
fi
if ! has_py cryptography.hazmat.primitives.ciphers.aead; then
    echo "bench-alerts: python3 module cryptography missing: skipping the push part"
    drop_part push
fi
export JIWON_BENCH_PARTS=$PARTS

echo "==> nice -n 10 cargo bench --bench alerts --no-run"
BUILD_LOG="$LOG_DIR/bench-alerts-build.log"
if ! nice -n 10 cargo bench --bench alerts --no-run >"$BUILD_LOG" 2>&1; then
    tail -40 "$BUILD_LOG"
    echo "bench-alerts: build failed (log: $BUILD_LOG)" >&2
    exit 1
fi
BIN=$(sed -n 's/.*Executable benches\/alerts\.rs (\(.*\))$/\1/p' "$BUILD_LOG" | tail -1)
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "bench-alerts: cannot find the bench executable in $BUILD_LOG" >&2
    exit 1
fi

LOG="$LOG_DIR/bench-alerts.log"
echo "==> $BIN   (parts: $PARTS; log: $LOG)"
"$BIN" 2>&1 | tee "$LOG"
STATUS=${PIPESTATUS[0]}
[ "$STATUS" -eq 0 ] || echo "bench-alerts: the bench failed (exit $STATUS)" >&2
exit "$STATUS"

#!/usr/bin/env bash
# The test command: bash scripts/test.sh
#
#   1. system packages (chromium, fonts-nanum, ...) via apt when missing
#   2. cargo build --all-targets
#   3. cargo test on SQLite
#   4. cargo test on a throwaway PostgreSQL cluster (TEST_DATABASE_URL)
#   5. browser smoke test (tests/e2e, headless Chromium) against `jiwon demo`
#   6. summary; the last line is `N passed, M failed, K skipped`
#
# Exit status is non-zero when anything failed. A phase that crashes or does not compile
# counts as (at least) one failure. Logs go to target/test-logs/ (override: JIWON_TEST_LOG_DIR).
#
# Knobs: JIWON_TEST_THREADS (default 2), JIWON_TEST_SKIP="pg e2e" (phases to skip, each one
# printed as SKIPPED and counted as skipped), JIWON_DEMO_TIMEOUT (default 180 s).

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/pg-cluster.sh
source scripts/pg-cluster.sh

THREADS=${JIWON_TEST_THREADS:-2}
SKIP_PHASES=" ${JIWON_TEST_SKIP:-} "
DEMO_TIMEOUT=${JIWON_DEMO_TIMEOUT:-180}
LOG_DIR=${JIWON_TEST_LOG_DIR:-$ROOT/target/test-logs}
mkdir -p "$LOG_DIR"
rm -f "$LOG_DIR"/*.log
WORK=$(mktemp -d /tmp/jiwon-test.XXXXXX)

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

PASSED=0
FAILED=0
SKIPPED=0
SUMMARY=()
SERVER_PID=
RUN_START=$(date +%s)

cleanup() {
    stop_group "$SERVER_PID"
    SERVER_PID=
    pg_cluster_stop >/dev/null 2>&1
    case "$WORK" in /tmp/jiwon-test.*) rm -rf "$WORK" ;; esac
}
trap cleanup EXIT
trap 'echo; echo "test.sh: interrupted"; exit 130' INT TERM

STEP=0
step() {
    STEP=$((STEP + 1))
    PHASE_START=$(date +%s)
    echo
    echo "==> [$STEP/7] $*"
}

# record PHASE PASSED FAILED SKIPPED NOTE
record() {
    local name=$1 p=$2 f=$3 s=$4 note=${5:-}
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    SKIPPED=$((SKIPPED + s))
    local secs=$(($(date +%s) - PHASE_START))
    SUMMARY+=("$(printf '%-14s %5s passed %5s failed %5s skipped %6ss  %s' "$name" "$p" "$f" "$s" "$secs" "$note")")
    echo "--> $name: $p passed, $f failed, $s skipped (${secs}s)${note:+ — $note}"
}

skipped_phase() {
    # skipped_phase NAME REASON
    echo "SKIPPED: $1: $2"
    record "$1" 0 0 1 "skipped: $2"
}

wants() { [[ "$SKIP_PHASES" != *" $1 "* ]]; }

# count_skip_lines LOG: lines printed as `SKIPPED: reason`
count_skip_lines() {
    grep -cE '^[[:space:]]*SKIPPED: ' "$1" 2>/dev/null || true
}

# cargo_test_phase NAME LOG [ENV=VALUE...]: run cargo test, parse its counts, record them.
cargo_test_phase() {
    local name=$1 log=$2
    shift 2
    echo "+ $* cargo test --no-fail-fast -- --test-threads=$THREADS --show-output   (log: $log)"
    env -u TEST_DATABASE_URL -u JIWON_DATABASE_URL "$@" \
        cargo test --no-fail-fast -- --test-threads="$THREADS" --show-output 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    # Sum every `test result:` line (unit tests, each integration test binary, doc-tests).
    # A passing test whose captured output holds a `SKIPPED:` line moves from passed to skipped.
    local counts
    counts=$(awk '
        /^test result: / {
            results++
            if ($3 == "FAILED.") failedbins++
            for (i = 2; i <= NF; i++) {
                if ($i ~ /^passed;/)  p += $(i - 1)
                if ($i ~ /^failed;/)  f += $(i - 1)
                if ($i ~ /^ignored;/) ig += $(i - 1)
            }
            mode = ""
        }
        /^successes:$/ { mode = "s" }
        /^failures:$/  { mode = "f" }
        /^---- .* stdout ----$/ { cur = $0 }
        /^[[:space:]]*SKIPPED: / {
            skiplines++
            if (mode == "s" && cur != "" && !(cur in moved)) { moved[cur] = 1; nmoved++ }
        }
        /^error: test failed, to rerun pass/ { errbins++ }
        /^error: could not compile/ { compile++ }
        END {
            printf "%d %d %d %d %d %d %d %d %d\n", p, f, ig, skiplines, nmoved, results, failedbins, errbins, compile
        }' "$log")
    local p f ig skiplines nmoved results failedbins errbins compile
    read -r p f ig skiplines nmoved results failedbins errbins compile <<<"$counts"
    local note="cargo test exit $rc"
    p=$((p - nmoved))
    local s=$((ig + skiplines))
    # test binaries that died (signal, abort, timeout) print no `test result:` line
    local crashed=$((errbins - failedbins))
    if [ "$crashed" -gt 0 ]; then
        echo "test.sh: $crashed test binary(ies) crashed without a result line (see 'process didn't exit successfully' above)"
        f=$((f + crashed))
        note="$note, $crashed test binary(ies) crashed"
    fi
    if [ "$compile" -gt 0 ]; then
        echo "test.sh: $name: the crate or its tests do not compile"
        note="$note, does not compile"
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "test.sh: $name: cargo test exited $rc but reported no failing test; counting the phase as 1 failure"
        f=1
    fi
    if [ "$rc" -eq 0 ] && [ "$results" -eq 0 ]; then
        note="$note, WARNING: no test ran"
    fi
    record "$name" "$p" "$f" "$s" "$note"
}

echo "jiwon test run: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(nproc) cores; logs in $LOG_DIR"

# ---------------------------------------------------------------------------------------------
step "system packages"
need_pkgs=()
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
if ! ls /usr/share/fonts/truetype/nanum/NanumGothic*.ttf >/dev/null 2>&1; then need_pkgs+=(fonts-nanum); fi
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v pg_config >/dev/null 2>&1 || need_pkgs+=(libpq-dev)
command -v psql >/dev/null 2>&1 || need_pkgs+=(postgresql-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_pkgs+=(postgresql)
if [ ${#need_pkgs[@]} -eq 0 ]; then
    echo "all present: chromium ($(/usr/bin/chromium --version 2>/dev/null | head -1)), fonts-nanum, curl, libpq, postgresql"
    record packages 0 0 0 "nothing to install"
elif apt_install "${need_pkgs[@]}" >"$LOG_DIR/apt.log" 2>&1; then
    tail -3 "$LOG_DIR/apt.log"
    record packages 0 0 0 "installed ${need_pkgs[*]}"
else
    tail -20 "$LOG_DIR/apt.log"
    echo "test.sh: apt-get could not install ${need_pkgs[*]} (log: $LOG_DIR/apt.log)"
    record packages 0 1 0 "apt-get install ${need_pkgs[*]} FAILED"
fi

# ---------------------------------------------------------------------------------------------
step "python packages (SMTP server, push decryption)"
# The alert tests use a real SMTP server (aiosmtpd) and an independent RFC 8291 decryptor
# (cryptography); both come from PyPI when missing.
if python3 -c 'import aiosmtpd, cryptography' >/dev/null 2>&1; then
    echo "all present: aiosmtpd, cryptography"
    record python 0 0 0 "nothing to install"
elif python3 -m pip install --quiet --disable-pip-version-check aiosmtpd cryptography >"$LOG_DIR/pip.log" 2>&1; then
    record python 0 0 0 "installed aiosmtpd cryptography"
else
    tail -20 "$LOG_DIR/pip.log"
    echo "test.sh: pip could not install aiosmtpd/cryptography; alert tests will print SKIPPED"
    record python 0 0 1 "pip install FAILED"
fi

# The production search engine: ../shared/tools/meilisearch (a Meilisearch 1.50 server with
# Korean tokenization) when this checkout sits beside it, as it does on the project's own
# machines and in CI. tests/search_meili.rs starts it on a free loopback port with a
# throwaway database; where it is absent (a fresh clone elsewhere) the suite prints one
# SKIPPED line. It is never copied into the repository.
if [ -z "${MEILISEARCH_BIN:-}" ] && [ -x "$ROOT/../shared/tools/meilisearch" ]; then
    MEILISEARCH_BIN="$(cd "$ROOT/../shared/tools" && pwd)/meilisearch"
    export MEILISEARCH_BIN
fi
if [ -n "${MEILISEARCH_BIN:-}" ]; then
    echo "Meilisearch for the search suite: $MEILISEARCH_BIN ($("$MEILISEARCH_BIN" --version 2>/dev/null | head -1))"
else
    echo "no Meilisearch binary beside this checkout: the Meilisearch suite will print SKIPPED"
fi

# ---------------------------------------------------------------------------------------------
step "cargo build --all-targets"
cargo build --all-targets 2>&1 | tee "$LOG_DIR/build.log"
build_rc=${PIPESTATUS[0]}
if [ "$build_rc" -eq 0 ]; then
    record build 0 0 0 "ok"
else
    echo "test.sh: cargo build --all-targets FAILED (exit $build_rc); see $LOG_DIR/build.log"
    # the e2e phase only needs the binary: try building just that
    cargo build --bin jiwon >>"$LOG_DIR/build.log" 2>&1 || true
    record build 0 1 0 "cargo build --all-targets exit $build_rc"
fi

# ---------------------------------------------------------------------------------------------
step "cargo test on SQLite"
cargo_test_phase "sqlite-tests" "$LOG_DIR/cargo-test-sqlite.log"

# ---------------------------------------------------------------------------------------------
step "cargo test on PostgreSQL"
if ! wants pg; then
    skipped_phase "pg-tests" "JIWON_TEST_SKIP contains pg"
elif pg_cluster_start; then
    echo "PostgreSQL $(basename "$(dirname "$PG_BIN")") at $PG_URL (data in $PG_TMP)"
    cargo_test_phase "pg-tests" "$LOG_DIR/cargo-test-pg.log" TEST_DATABASE_URL="$PG_URL"
    cp "$PG_TMP/server.log" "$LOG_DIR/postgres-server.log" 2>/dev/null
    pg_cluster_stop
else
    echo "test.sh: could not start a PostgreSQL cluster"
    [ -n "$PG_TMP" ] && cp "$PG_TMP"/*.log "$LOG_DIR/" 2>/dev/null
    pg_cluster_stop
    record "pg-tests" 0 1 0 "PostgreSQL cluster did not start"
fi

# ---------------------------------------------------------------------------------------------
step "browser smoke test (tests/e2e) against jiwon demo"
run_e2e() {
    local e2e_log="$LOG_DIR/e2e.log" server_log="$LOG_DIR/demo-server.log"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "test.sh: node/npm not found"
        record e2e 0 1 0 "node/npm missing"
        return
    fi
    if [ ! -x /usr/bin/chromium ]; then
        echo "test.sh: /usr/bin/chromium is missing"
        record e2e 0 1 0 "chromium missing"
        return
    fi
    local npm_cmd=(npm ci)
    [ -f tests/e2e/package-lock.json ] || npm_cmd=(npm install)
    echo "+ (cd tests/e2e && ${npm_cmd[*]} --no-audit --no-fund)"
    if ! (cd tests/e2e && "${npm_cmd[@]}" --no-audit --no-fund </dev/null) >"$LOG_DIR/npm.log" 2>&1; then
        tail -20 "$LOG_DIR/npm.log"
        echo "test.sh: ${npm_cmd[*]} in tests/e2e FAILED"
        record e2e 0 1 0 "${npm_cmd[*]} failed"
        return
    fi
    if [ ! -x target/debug/jiwon ]; then
        echo "test.sh: target/debug/jiwon does not exist (build failed)"
        record e2e 0 1 0 "no target/debug/jiwon"
        return
    fi
    local port db
    port=$(free_port)
    db="$WORK/demo.db"
    echo "+ JIWON_DATABASE_URL=sqlite://$db target/debug/jiwon demo --bind 127.0.0.1:$port   (log: $server_log)"
    start_bg "$server_log" env JIWON_DATABASE_URL="sqlite://$db" JIWON_BIND="127.0.0.1:$port" \
        target/debug/jiwon demo --bind "127.0.0.1:$port"
    SERVER_PID=$BG_PID
    if ! wait_http "http://127.0.0.1:$port/healthz" "$DEMO_TIMEOUT" "$SERVER_PID"; then
        echo "test.sh: jiwon demo did not become healthy; last lines of its log:"
        tail -30 "$server_log"
        stop_group "$SERVER_PID"
        SERVER_PID=
        record e2e 0 1 0 "jiwon demo never answered /healthz"
        return
    fi
    # DEMO_LOG: the demo prints its staff accounts (fresh passwords) there; smoke.js signs in
    # with them for the agency and operator pages.
    echo "+ DEMO_LOG=$server_log BASE_URL=http://127.0.0.1:$port node tests/e2e/smoke.js   (log: $e2e_log)"
    DEMO_LOG="$server_log" BASE_URL="http://127.0.0.1:$port" node tests/e2e/smoke.js </dev/null 2>&1 | tee "$e2e_log"
    local rc=${PIPESTATUS[0]}
    local alive=1
    kill -0 "$SERVER_PID" 2>/dev/null || alive=0
    stop_group "$SERVER_PID"
    SERVER_PID=
    local line p=0 f=0 s note="node exit $rc"
    line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$e2e_log" | tail -1)
    if [ -n "$line" ]; then
        p=$(sed -E 's/^e2e: ([0-9]+) passed.*/\1/' <<<"$line")
        f=$(sed -E 's/^e2e: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    else
        echo "test.sh: the e2e script printed no summary line; counting it as 1 failure"
        f=1
        note="$note, no summary (crashed)"
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; note="$note, non-zero exit"; fi
    if [ "$alive" -eq 0 ]; then
        echo "test.sh: jiwon demo died during the e2e run"
        f=$((f + 1))
        note="$note, server died"
    fi
    if [ "$f" -gt 0 ]; then
        echo "last lines of the demo server log ($server_log):"
        tail -15 "$server_log"
    fi
    s=$(count_skip_lines "$e2e_log")
    record e2e "$p" "$f" "$s" "$note; screenshots in /tmp/jiwon-e2e"
}
if wants e2e; then run_e2e; else skipped_phase e2e "JIWON_TEST_SKIP contains e2e"; fi

# ---------------------------------------------------------------------------------------------
step "summary"
cleanup
trap - EXIT
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "  total time $(($(date +%s) - RUN_START))s; logs in $LOG_DIR"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
if [ "$FAILED" -gt 0 ]; then exit 1; fi
exit 0

#!/usr/bin/env bash
# Import benchmark: wall time of `jiwon import` (release build) into a fresh SQLite file and a
# fresh PostgreSQL database on a throwaway cluster, then of a re-import of the same files.
#
#   bash scripts/bench-import.sh [FILE...]     (default: data/bizinfo_2026.json data/kstartup_2026.json)
#
# Env: BENCH_BACKENDS="sqlite postgres" (which to run), BENCH_LOG_DIR (default target/bench-logs).
# Also prints row counts per table after the import and after the re-import (a re-import
# should not add rows).

set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
# shellcheck source=scripts/pg-cluster.sh
source scripts/pg-cluster.sh

FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(data/bizinfo_2026.json data/kstartup_2026.json)
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
LOG_DIR=${BENCH_LOG_DIR:-$ROOT/target/bench-logs}
mkdir -p "$LOG_DIR"
WORK=$(mktemp -d /tmp/jiwon-bench-import.XXXXXX)
BIN=target/release/jiwon

cleanup() {
    pg_cluster_stop >/dev/null 2>&1
    case "$WORK" in /tmp/jiwon-bench-import.*) rm -rf "$WORK" ;; esac
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "${FILES[@]}"; do
    [ -e "$f" ] || case "$f" in http://* | https://*) ;; *) echo "bench-import: no such file: $f" >&2; exit 2 ;; esac
done

echo "==> cargo build --release --bin jiwon  (log: $LOG_DIR/build-release.log)"
t0=$(now_s)
if ! cargo build --release --bin jiwon >"$LOG_DIR/build-release.log" 2>&1; then
    tail -30 "$LOG_DIR/build-release.log"
    echo "bench-import: release build failed" >&2
    exit 1
fi
echo "    built in $(elapsed "$t0" "$(now_s)")s"
ls -l "${FILES[@]}" 2>/dev/null | awk '{ printf "    %s  %.1f MB\n", $NF, $5 / 1048576 }'

ROWS=()      # "backend step seconds status"
COUNTS=()    # "backend when table=count ..."
STATUS=0

# timed BACKEND STEP LOG CMD...: run CMD with wall-clock timing, record a row
timed() {
    local backend=$1 stepname=$2 log=$3
    shift 3
    local t0 t1 rc secs
    t0=$(now_s)
    "$@" >"$log" 2>&1
    rc=$?
    t1=$(now_s)
    secs=$(elapsed "$t0" "$t1")
    local st=ok
    if [ "$rc" -ne 0 ]; then
        st="FAILED (exit $rc, log $log)"
        STATUS=1
        tail -15 "$log" | sed 's/^/    | /'
    fi
    printf '    %-9s %-10s %8ss  %s\n' "$backend" "$stepname" "$secs" "$st"
    ROWS+=("$(printf '%-9s %-10s %9s  %s' "$backend" "$stepname" "$secs" "$st")")
    return "$rc"
}

sqlite_counts() {
    python3 - "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
names = [r[0] for r in con.execute(
    "select name from sqlite_master where type='table' and name not like 'sqlite_%' "
    "and name not like '__diesel%' order by name")]
parts = []
for n in names:
    c = con.execute('select count(*) from "%s"' % n.replace('"', '""')).fetchone()[0]
    parts.append("%s=%d" % (n, c))
print(" ".join(parts))
PY
}

pg_counts() {
    psql -X -At -d "$1" -c "
        select coalesce(string_agg(table_name || '=' || (xpath('/row/c/text()',
            query_to_xml(format('select count(*) as c from %I.%I', table_schema, table_name),
                         false, true, '')))[1]::text, ' ' order by table_name), '')
        from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE'
          and table_name not like '\_\_diesel%'"
}

run_backend() {
    local backend=$1 url=$2 counter=$3 target=$4
    echo "==> $backend: $url"
    export JIWON_DATABASE_URL="$url"
    timed "$backend" migrate "$LOG_DIR/$backend-migrate.log" "$BIN" migrate || return
    timed "$backend" import "$LOG_DIR/$backend-import.log" "$BIN" import "${FILES[@]}" || return
    local first second
    first=$($counter "$target")
    COUNTS+=("$backend after import:    $first")
    timed "$backend" re-import "$LOG_DIR/$backend-reimport.log" "$BIN" import "${FILES[@]}" || return
    second=$($counter "$target")
    COUNTS+=("$backend after re-import: $second")
    # import_runs and audit_log record each run by design; any other table that grows is suspect
    local changed
    changed=$(join -j1 <(tr ' ' '\n' <<<"$first" | sed 's/=/ /' | sort) \
                       <(tr ' ' '\n' <<<"$second" | sed 's/=/ /' | sort) |
              awk '$2 != $3 && $1 != "import_runs" && $1 != "audit_log" { printf "%s %s->%s ", $1, $2, $3 }')
    if [ -n "$changed" ]; then
        COUNTS+=("$backend WARNING: re-import changed row counts: $changed")
    else
        COUNTS+=("$backend re-import added no rows (apart from import_runs/audit_log)")
    fi
    unset JIWON_DATABASE_URL
}

for backend in $BACKENDS; do
    case "$backend" in
        sqlite)
            db="$WORK/bench.db"
            run_backend sqlite "sqlite://$db" sqlite_counts "$db"
            ls -l "$db" 2>/dev/null | awk '{ printf "    sqlite file: %.1f MB\n", $5 / 1048576 }'
            ;;
        postgres)
            if ! pg_cluster_start; then
                echo "bench-import: could not start PostgreSQL" >&2
                ROWS+=("postgres  cluster           -  FAILED to start")
                STATUS=1
                continue
            fi
            url=$(pg_cluster_createdb jiwon_bench) || { STATUS=1; continue; }
            run_backend postgres "$url" pg_counts "$url"
            pg_cluster_stop
            ;;
        *) echo "bench-import: unknown backend $backend" >&2 ;;
    esac
done

echo
echo "import benchmark ($(nproc) cores, release build; files: ${FILES[*]})"
printf '%-9s %-10s %9s  %s\n' backend step seconds status
for r in "${ROWS[@]}"; do echo "$r"; done
echo
for c in "${COUNTS[@]}"; do echo "$c"; done
exit "$STATUS"

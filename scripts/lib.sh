# shellcheck shell=bash
# Shared helpers for scripts/test.sh and the bench scripts. Source it; it sets no shell options.

# free_port: print a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# apt_install PKG...: apt-get install the packages, running `apt-get update` first, once per shell.
APT_UPDATED=${APT_UPDATED:-0}
apt_install() {
    [ $# -gt 0 ] || return 0
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
            echo "apt: need root to install: $*" >&2
            return 1
        fi
    fi
    echo "apt: installing $*"
    if [ "$APT_UPDATED" != 1 ]; then
        "${sudo[@]}" apt-get update -qq </dev/null || return 1
        APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# apt_ensure PKG...: apt_install only the packages dpkg does not have installed.
apt_ensure() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    apt_install "${missing[@]}"
}

# wait_http URL TIMEOUT_SECONDS [PID]: poll URL until it answers 2xx, printing a dot a second.
# Fails early if PID (the server) has exited.
wait_http() {
    local url=$1 timeout=$2 pid=${3:-} start now
    start=$(date +%s)
    printf 'waiting for %s ' "$url"
    while :; do
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            now=$(date +%s)
            printf ' up after %ss\n' "$((now - start))"
            return 0
        fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            printf ' server process %s exited\n' "$pid"
            return 1
        fi
        now=$(date +%s)
        if [ $((now - start)) -ge "$timeout" ]; then
            printf ' timed out after %ss\n' "$timeout"
            return 1
        fi
        printf '.'
        sleep 1
    done
}

# stop_pid PID: TERM a process we started, then KILL it if it lingers.
stop_pid() {
    local pid=${1:-}
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# start_bg LOG CMD...: start CMD in the background in its own session/process group
# (so stop_group can end it and anything it spawned); sets BG_PID.
start_bg() {
    local log=$1
    shift
    setsid "$@" </dev/null >"$log" 2>&1 &
    # shellcheck disable=SC2034  # read by the caller
    BG_PID=$!
}

# stop_group PID: like stop_pid, for a process started with start_bg: signals its whole group.
stop_group() {
    local pid=${1:-}
    [ -n "$pid" ] || return 0
    if kill -0 -- "-$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null
        for _ in $(seq 1 50); do
            kill -0 -- "-$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 -- "-$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

# now_s: wall clock in seconds with nanoseconds; elapsed START END: seconds between, 2 decimals.
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

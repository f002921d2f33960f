#!/usr/bin/env bash
# What the trace shim costs, counted in instructions: the non-blocking server of the async-lock
# experiment under valgrind's callgrind, plainly and with the shim preloaded (as asynclock trace
# does it), serving REQUESTS requests from one keep-alive client after a warm-up; the instructions
# every thread of the server executed for them, per request. Unlike requests/s on a shared machine,
# the count does not move with other load (docs/trace.md, Overhead).
#
# Usage: bash bench/trace-instructions.sh       Settings: REQUESTS (2000), WAIT_MS (0),
#   ASYNCLOCK (build/asynclock: its shim is used), BUILD_DIR (build/bench-trace).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REQUESTS=${REQUESTS:-2000}
WAIT_MS=${WAIT_MS:-0}
ASYNCLOCK=${ASYNCLOCK:-$ROOT/build/asynclock}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench-trace}
say() { printf 'trace-instructions: %s\n' "$*" >&2; }
command -v valgrind >/dev/null 2>&1 || bash "$ROOT/ci/apt-install.sh" valgrind
shim=$("$ASYNCLOCK" --version | sed -n 's/^trace shim: \(\/.*\)/\1/p')
[ -n "$shim" ] || { say "$ASYNCLOCK has no trace shim"; exit 2; }
# shellcheck source=bench/serve.sh
source "$ROOT/bench/serve.sh"
build_example "$BUILD_DIR"
runs="$BUILD_DIR/instructions"
rm -rf "$runs" && mkdir -p "$runs/regions"

client() { # client PORT N: N requests on one keep-alive connection
  python3 - "$@" <<'EOF'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    c.request("GET", "/")
    c.getresponse().read()
EOF
}

# count CASE: instructions per request of the server under callgrind
count() {
  local case=$1 prefix=()
  [ "$case" = traced ] && prefix=(env "ASYNCLOCK_TRACE_DIR=$runs/regions" "LD_PRELOAD=$shim")
  serve "$runs/$case.log" "${prefix[@]}" valgrind --tool=callgrind --callgrind-out-file="$runs/$case.%p" \
    "$BUILD_DIR/async_lock_nonblocking" --port 0 --wait-ms "$WAIT_MS"
  client "$port" 300
  callgrind_control -z "$pid" >/dev/null 2>&1
  client "$port" "$REQUESTS"
  callgrind_control -d "$pid" >/dev/null 2>&1
  sleep 1
  stop_server
  # the dump made after the zeroing, all threads together
  awk '/^totals:/ {t = $2} END {print t}' "$(ls -S "$runs/$case".*.1 | head -n 1)"
}

plain=$(count plain)
traced=$(count traced)
python3 - "$plain" "$traced" "$REQUESTS" "$WAIT_MS" <<'EOF'
import sys
plain, traced, n, wait = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"async_lock_nonblocking --wait-ms {wait}, {n} requests under callgrind, every thread:")
print(f"  plain: {plain / n:,.0f} instructions per request; with the shim: {traced / n:,.0f} "
      f"({(traced / plain - 1) * 100:+.1f} %)")
EOF

#!/usr/bin/env bash
# What the trace shim costs a server: wrk against the async-lock experiment's non-blocking server
# (examples/async-lock-server), with and without `asynclock trace`, in one run.
#
# For REPS repetitions it starts the server plainly and under asynclock trace, in alternating
# order (A B, B A, ...), warms each up for WARMUP, then measures `wrk -t2 -cCONNECTIONS -dDURATION
# --latency` and stops it. It prints every run, the medians of requests/s, p99 latency and CPU time
# per request (the server's, and traced, asynclock's beside it) of each case, and the median of the
# ratios of each repetition's two runs, which ran next to each other: on a shared machine the
# requests/s of one case swing with what else runs, and a pair sees the same weather. The targets,
# on those paired ratios: throughput loss at most 5 %, p99 at most +10 %; exit 1 when one is missed.
# The server's I/O wait is WAIT_MS (default 0: the loop and libuv's
# pool do nothing but serve, so what the shim adds to every intercepted call is not hidden behind a
# wait; the 50 ms of the experiment would measure the wait). Run it on a quiet machine (uptime).
#
# Usage: bash bench/trace-overhead.sh [--md FILE]
# Settings (environment): REPS (9), DURATION (5s), WARMUP (1s), CONNECTIONS (64), WAIT_MS (0),
#   ASYNCLOCK (build/asynclock), BUILD_DIR (build/bench-trace).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPS=${REPS:-9}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
CONNECTIONS=${CONNECTIONS:-64}
WAIT_MS=${WAIT_MS:-0}
ASYNCLOCK=${ASYNCLOCK:-$ROOT/build/asynclock}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench-trace}
MD=""
if [ "${1:-}" = "--md" ]; then
  MD=$2
fi

say() { printf 'trace-overhead: %s\n' "$*" >&2; }
command -v wrk >/dev/null 2>&1 || bash "$ROOT/ci/apt-install.sh" wrk
[ -x "$ASYNCLOCK" ] || { say "no asynclock at $ASYNCLOCK (bash ci/build.sh build)"; exit 2; }
"$ASYNCLOCK" --version | grep -q '^trace shim: /' || { say "$ASYNCLOCK has no trace shim"; exit 2; }

# shellcheck source=bench/serve.sh
source "$ROOT/bench/serve.sh"
build_example "$BUILD_DIR"
server="$BUILD_DIR/async_lock_nonblocking"
runs="$BUILD_DIR/runs"
rm -rf "$runs" && mkdir -p "$runs"

# cpu_ticks PID...: user + system clock ticks the processes used so far
cpu_ticks() {
  local total=0 p
  for p in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# measure CASE REP: one run of CASE (plain or traced); appends "CASE rps p99_ms cpu_us_per_request"
measure() {
  local case=$1 rep=$2 log="$runs/$1-$2.server.log"
  if [ "$case" = traced ]; then
    serve "$log" "$ASYNCLOCK" trace -q -o "$runs/traced-$rep.json" -- "$server" --port 0 --wait-ms "$WAIT_MS"
  else
    serve "$log" "$server" --port 0 --wait-ms "$WAIT_MS"
  fi
  wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$port/" >/dev/null 2>&1
  local processes=("$pid" $(pgrep -P "$pid" || true)) before after
  before=$(cpu_ticks "${processes[@]}")
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$port/" >"$runs/$case-$rep.wrk" 2>&1
  after=$(cpu_ticks "${processes[@]}")
  stop_server
  local rps p99 requests cpu
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$runs/$case-$rep.wrk")
  p99=$(awk '$1 == "99%" {v = $2; u = v; sub(/^[0-9.]+/, "", u); v += 0;
              if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.3f", v}' "$runs/$case-$rep.wrk")
  requests=$(awk '/requests in/ {print $1}' "$runs/$case-$rep.wrk")
  cpu=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  echo "$case $rps $p99 $cpu $rep" >>"$runs/results.txt"
  printf 'trace-overhead: [%d/%d] %-7s %10s requests/s, p99 %8s ms, %6s us of CPU per request\n' "$rep" "$REPS" \
    "$case" "$rps" "$p99" "$cpu" >&2
}

say "$REPS repetitions, wrk -t2 -c$CONNECTIONS -d$DURATION --latency after $WARMUP of warm-up, wait $WAIT_MS ms; $(uptime)"
for rep in $(seq "$REPS"); do
  if [ $((rep % 2)) -eq 1 ]; then
    measure plain "$rep"
    measure traced "$rep"
  else
    measure traced "$rep"
    measure plain "$rep"
  fi
done

# the traced runs saw the server's loop thread, and nothing there blocks
sites=$(python3 -c '
import json, sys
checked = [s["api"] for f in sys.argv[1:] for s in json.load(open(f))["sites"] if s["arguments_checked"]]
print(" ".join(sorted(set(checked))) or "none")' "$runs"/traced-*.json)

python3 - "$runs/results.txt" "$sites" "$MD" "$REPS" "$DURATION" "$CONNECTIONS" "$WAIT_MS" <<'EOF'
import statistics, sys, platform, os
path, sites, md, reps, duration, connections, wait = sys.argv[1:8]
rows = [line.split() for line in open(path)]
rps = {c: [float(r[1]) for r in rows if r[0] == c] for c in ("plain", "traced")}
p99 = {c: [float(r[2]) for r in rows if r[0] == c] for c in ("plain", "traced")}
cpu = {c: [float(r[3]) for r in rows if r[0] == c] for c in ("plain", "traced")}
m = {c: (statistics.median(rps[c]), statistics.median(p99[c]), statistics.median(cpu[c])) for c in rps}
# each repetition's traced run against its plain run, next to it in time
by_rep = {}
for r in rows:
    by_rep.setdefault(r[4], {})[r[0]] = r
pairs = [p for p in by_rep.values() if len(p) == 2]
rps_ratio = statistics.median(float(p["traced"][1]) / float(p["plain"][1]) for p in pairs)
p99_ratio = statistics.median(float(p["traced"][2]) / float(p["plain"][2]) for p in pairs)
cpu_ratio = statistics.median(float(p["traced"][3]) / float(p["plain"][3]) for p in pairs)
loss = 1 - rps_ratio
slower = p99_ratio - 1
ok_loss, ok_p99 = loss <= 0.05, slower <= 0.10
lines = [
    f"wrk -t2 -c{connections} -d{duration} --latency against async_lock_nonblocking --wait-ms {wait}, "
    f"{reps} runs per case, alternating; {os.cpu_count()} CPUs, Linux {platform.release()}.",
    "",
    "| case | requests/s (median) | p99 latency, ms (median) | CPU per request, us (median) | runs (requests/s) |",
    "|---|---:|---:|---:|---|",
    f"| plain | {m['plain'][0]:,.0f} | {m['plain'][1]:.2f} | {m['plain'][2]:.1f} | "
    f"{', '.join(f'{v:,.0f}' for v in rps['plain'])} |",
    f"| under asynclock trace | {m['traced'][0]:,.0f} | {m['traced'][1]:.2f} | {m['traced'][2]:.1f} | "
    f"{', '.join(f'{v:,.0f}' for v in rps['traced'])} |",
    "",
    f"Medians of the {len(pairs)} paired runs' ratios (traced / plain): throughput {loss * 100:+.1f} % lost "
    f"(target: at most 5 %) {'ok' if ok_loss else 'MISSED'}; p99 latency {slower * 100:+.1f} % "
    f"(target: at most +10 %) {'ok' if ok_p99 else 'MISSED'}; CPU per request {(cpu_ratio - 1) * 100:+.1f} %. "
    f"Ratios of the medians: throughput {(1 - m['traced'][0] / m['plain'][0]) * 100:+.1f} % lost, "
    f"p99 {(m['traced'][1] / m['plain'][1] - 1) * 100:+.1f} %, CPU {(m['traced'][2] / m['plain'][2] - 1) * 100:+.1f} %.",
    f"Blocking calls the traces recorded with their arguments checked: {sites}.",
]
print("\n".join(lines))
if md:
    with open(md, "w") as f:
        f.write("\n".join(lines) + "\n")
sys.exit(0 if ok_loss and ok_p99 else 1)
EOF

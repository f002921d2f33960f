#!/usr/bin/env bash
# The async-lock experiment's servers traced under wrk (docs/trace.md): for each I/O wait, the
# blocking variant's findings ranked by the blocked time asynclock trace measured, and what the
# non-blocking variant showed. Prints a markdown table per wait (and writes it with --md FILE).
#
# Usage: bash bench/trace-experiment.sh [--md FILE]
# Settings (environment): WAITS ("50 300"), DURATION (8s), CONNECTIONS (16),
#   ASYNCLOCK (build/asynclock), BUILD_DIR (build/bench-trace-experiment).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WAITS=${WAITS:-"50 300"}
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-16}
ASYNCLOCK=${ASYNCLOCK:-$ROOT/build/asynclock}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/bench-trace-experiment}
MD=""
if [ "${1:-}" = "--md" ]; then
  MD=$2
fi
say() { printf 'trace-experiment: %s\n' "$*" >&2; }
command -v wrk >/dev/null 2>&1 || bash "$ROOT/ci/apt-install.sh" wrk
"$ASYNCLOCK" --version | grep -q '^trace shim: /' || { say "$ASYNCLOCK has no trace shim"; exit 2; }

# shellcheck source=bench/serve.sh
source "$ROOT/bench/serve.sh"
build_example "$BUILD_DIR" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
runs="$BUILD_DIR/runs"
rm -rf "$runs" && mkdir -p "$runs"

# traced VARIANT WAIT: under wrk; the trace in runs/VARIANT-WAIT.json, the report next to it
traced() {
  local variant=$1 wait_ms=$2
  serve "$runs/$variant-$wait_ms.server.log" "$ASYNCLOCK" trace -q -o "$runs/$variant-$wait_ms.json" -- \
    "$BUILD_DIR/async_lock_$variant" --port 0 --wait-ms "$wait_ms"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 30s "http://127.0.0.1:$port/" >"$runs/$variant-$wait_ms.wrk" 2>&1
  sleep 1 # the requests wrk left in flight are answered
  stop_server
  "$ASYNCLOCK" check -p "$BUILD_DIR" --source-root "$ROOT" --no-cache -q --trace "$runs/$variant-$wait_ms.json" \
    -f json -o "$runs/$variant-$wait_ms.report.json" || true
  say "$variant, wait $wait_ms ms: $(awk '/requests in/ {print $1, "requests"}' "$runs/$variant-$wait_ms.wrk")"
}

for wait_ms in $WAITS; do
  traced blocking "$wait_ms"
  traced nonblocking "$wait_ms"
done

python3 - "$runs" "$MD" "$DURATION" "$CONNECTIONS" $WAITS <<'EOF'
import json, os, sys
runs, md, duration, connections, waits = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]

def ms(ns):
    v = ns / 1e6
    return f"{v:,.3f}" if v < 1 else f"{v:,.1f}"

lines = []
for wait in waits:
    report = json.load(open(os.path.join(runs, f"blocking-{wait}.report.json")))
    requests = open(os.path.join(runs, f"blocking-{wait}.wrk")).read().split(" requests in")[0].split()[-1]
    lines += [f"**I/O wait {wait} ms**, blocking variant, wrk -c{connections} -d{duration}: {requests} requests "
              f"completed; the findings ranked by measured blocked time:", "",
              "| rank | finding | calls | total, ms | p50, ms | p99, ms | max, ms |",
              "|---:|---|---:|---:|---:|---:|---:|"]
    observed = sorted((x for x in report["findings"] if x["observed"]), key=lambda x: -x["observed"]["total_ns"])
    for rank, x in enumerate(observed, 1):
        o, loc = x["observed"], x["location"]
        lines.append(f"| {rank} | `{x['callee']}` {os.path.basename(loc['file'])}:{loc['line']} | {o['calls']} | "
                     f"{ms(o['total_ns'])} | {ms(o['p50_ns'])} | {ms(o['p99_ns'])} | {ms(o['max_ns'])} |")
    other = json.load(open(os.path.join(runs, f"nonblocking-{wait}.report.json")))
    seen = sum(1 for x in other["findings"] if x["observed"])
    lines += ["", f"Non-blocking variant at {wait} ms: {seen} findings observed, {len(other['observed_only'])} "
              "observed only.", ""]
print("\n".join(lines))
if md:
    with open(md, "w") as f:
        f.write("\n".join(lines))
EOF

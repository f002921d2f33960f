#!/usr/bin/env bash
# trace/experiment: the async-lock experiment's servers (examples/async-lock-server) traced under wrk.
# The blocking variant: its four findings are observed, each once per request served (as many as
# wrk completed, give or take the requests in flight when it stopped), nanosleep's blocked time is
# the configured wait (every call at least 50 ms, p50 under 60 ms), and the text report ranks it
# first; nothing is observed only (its fclose of a stream opened for reading is no finding, and the
# shim, checking the rule's only_opened_by at run time, does not time it). The non-blocking variant: no finding observed, nothing observed
# only (its uv_fs_* calls, whose callbacks the shim cannot see, are left to the analysis, which
# found they do not block).
#
#   bash tests/trace_experiment.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR
set -u

# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"
setup_script trace_experiment.sh "$@"
if ! command -v wrk >/dev/null 2>&1; then
  echo "FAIL: wrk is missing (ci/deps.sh installs it)"
  exit 1
fi
build="$work/build"
if ! cmake -S "$repo/examples/async-lock-server" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/cmake.log" 2>&1 || ! cmake --build "$build" -j 2 >>"$work/cmake.log" 2>&1; then
  echo "FAIL: building examples/async-lock-server"
  cat "$work/cmake.log"
  exit 1
fi

tracer=""
stop_tracer() { [ -n "$tracer" ] && kill -TERM "$tracer" 2>/dev/null && wait "$tracer" 2>/dev/null; tracer=""; }
trap stop_tracer EXIT

# serve VARIANT: the server under asynclock trace, loaded by wrk, then stopped; sets requests and rc
serve() {
  local variant=$1 log="$work/$1.server.log" port=""
  (cd "$work" && exec "$exe" trace -q -o "$variant.json" -- "$build/async_lock_$variant" --port 0 --wait-ms 50) \
    >"$log" 2>&1 &
  tracer=$!
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  wrk -t2 -c8 -d3s --timeout 10s "http://127.0.0.1:$port/" >"$work/$variant.wrk" 2>&1
  requests=$(awk '/requests in/ {print $1}' "$work/$variant.wrk")
  sleep 1 # the requests wrk left in flight are answered: the server is idle when it is stopped
  kill -TERM "$tracer"
  wait "$tracer"
  rc=$?
  tracer=""
}

serve blocking
expect "blocking: served under wrk, stopped by SIGTERM (143)" "exit $rc; ${requests:-no} requests; $(head -c 300 "$work/blocking.server.log")" \
  eval '[ "$rc" -eq 143 ] && [ "${requests:-0}" -gt 5 ]'
run check -p "$build" --source-root "$repo" --no-cache -q --trace "$work/blocking.json" -f json -o "$work/blocking.report.json"
verdict=$(python3 - "$work/blocking.report.json" "$requests" <<'EOF'
import json, sys
report, requests = json.load(open(sys.argv[1])), int(sys.argv[2])
observed = {x["callee"]: x["observed"] for x in report["findings"] if x["observed"]}
problems = []
if sorted(observed) != ["fopen", "fread", "getaddrinfo", "nanosleep"]:
    problems.append(f"observed findings: {sorted(observed)}")
calls = {o["calls"] for o in observed.values()}
if len(calls) != 1:
    problems.append(f"the four calls were not made equally often: {observed}")
elif not requests <= calls.pop() <= requests + 8:
    problems.append(f"calls do not match the {requests} requests wrk completed: {observed}")
sleep = observed.get("nanosleep")
if sleep and not (sleep["min_ns"] >= 50_000_000 and sleep["p50_ns"] < 60_000_000):
    problems.append(f"nanosleep's blocked time is not the 50 ms wait: {sleep}")
if sleep and any(o["total_ns"] >= sleep["total_ns"] for k, o in observed.items() if k != "nanosleep"):
    problems.append("nanosleep is not the most blocked time")
if report["observed_only"]:
    problems.append(f"observed only: {report['observed_only']}")
print("; ".join(problems) or "ok")
EOF
)
expect "blocking: the four findings observed once per request, nanosleep at the 50 ms wait" "$verdict" [ "$verdict" = ok ]
run check -p "$build" --source-root "$repo" --no-cache --trace "$work/blocking.json" --color never
expect "blocking: the text report ranks nanosleep first" "$(head -n 1 "$out")" \
  eval 'head -n 1 "$out" | grep -q "examples/async-lock-server/blocking.c:21:5: error: blocking call .nanosleep. in event-loop handler .on_read."'
expect "blocking: the text report's traces line" "$(tail -n 1 "$out")" \
  has_line "$out" "asynclock: traces: 4 of 4 findings observed on loop threads, 0 call sites observed only (1 trace file)"

serve nonblocking
expect "nonblocking: served under wrk, stopped by SIGTERM (143)" "exit $rc; ${requests:-no} requests" \
  eval '[ "$rc" -eq 143 ] && [ "${requests:-0}" -gt 5 ]'
unchecked=$(python3 -c '
import json, sys
sites = json.load(open(sys.argv[1]))["sites"]
print(" ".join(sorted(s["api"] for s in sites if s["arguments_checked"])) or "none", sorted(s["api"] for s in sites))' "$work/nonblocking.json")
expect "nonblocking: the trace holds no call whose arguments the shim checked" "$unchecked" eval '[[ "$unchecked" == none\ * ]]'
run check -p "$build" --source-root "$repo" --no-cache --trace "$work/nonblocking.json" --color never
expect "nonblocking: nothing observed" "$(tail -n 1 "$out")" \
  has_line "$out" "asynclock: traces: 0 of 4 findings observed on loop threads, 0 call sites observed only (1 trace file)"
run check -p "$build" --source-root "$repo" --no-cache -q --trace "$work/nonblocking.json" -f json \
  -o "$work/nonblocking.report.json"
left=$(python3 -c '
import json, sys
trace, report = (json.load(open(p)) for p in sys.argv[1:])
print(len(trace["sites"]), report["summary"]["observed_unchecked"])' "$work/nonblocking.json" "$work/nonblocking.report.json")
expect "nonblocking: its unchecked sites (uv_fs_* with callbacks) are all left to the analysis" "$left" \
  eval '[ "${left% *}" -gt 0 ] && [ "${left% *}" = "${left#* }" ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

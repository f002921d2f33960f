# Shared by the benchmarks that serve wrk from examples/async-lock-server under asynclock trace
# (trace-overhead.sh, trace-experiment.sh); sourced after ROOT and say() are set.
#   build_example DIR [cmake arguments...]   builds the example (RelWithDebInfo) into DIR
#   serve LOG COMMAND...                     starts COMMAND (stderr to LOG), sets pid and port
#   stop_server                              SIGTERM and wait (under asynclock trace: the traces written)

build_example() {
  local dir=$1
  shift
  say "building examples/async-lock-server (RelWithDebInfo) in $dir"
  cmake -S "$ROOT/examples/async-lock-server" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)" >/dev/null
}

pid=""
port=""
serve() {
  local log=$1
  shift
  "$@" 2>"$log" &
  pid=$!
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  say "the server did not start: $(cat "$log")"
  exit 1
}

stop_server() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
trap stop_server EXIT

#!/usr/bin/env bash
# The async-lock experiment: what a blocking call in an event-loop handler costs.
#
# Builds examples/async-lock-server (Release) and, for each variant (nonblocking, offload,
# blocking), each I/O wait (50 and 300 ms) and each concurrency (1, 4, 16, 64, 256 connections),
# starts the server on 127.0.0.1 (a free port), drives it with wrk for DURATION, stops it, and
# records requests/s and the median and p99 latency. Writes, by default into docs/:
#   experiment-results.csv   one row per run
#   experiment-results.md    the same as markdown tables
#   experiment.png           requests/s against connections, one line per variant, one panel per wait
# Loopback only; about 30 runs of DURATION each (under 5 minutes with the defaults).
#
# Usage: bash bench/async-lock-experiment.sh
# Settings (environment): DURATION (8s), WAITS ("50 300"), CONNECTIONS ("1 4 16 64 256"),
#   VARIANTS ("nonblocking offload blocking"), WRK_TIMEOUT (30s: longer than a run, so every
#   completed request's latency is counted), BUILD_DIR (build-experiment), OUT_DIR (docs),
#   UV_THREADPOOL_SIZE (unset: libuv's default pool of 4 threads), REPORT_ONLY=1 (no runs: redraw
#   the table and the plot from an existing experiment-results.csv).
# Installs wrk and gnuplot (Debian/Ubuntu packages) when they are missing; needs root or sudo then.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-8s}
WAITS=${WAITS:-"50 300"}
CONNECTIONS=${CONNECTIONS:-"1 4 16 64 256"}
VARIANTS=${VARIANTS:-"nonblocking offload blocking"}
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
BUILD_DIR=${BUILD_DIR:-$ROOT/build-experiment}
OUT_DIR=${OUT_DIR:-$ROOT/docs}

say() { printf 'async-lock-experiment: %s\n' "$*" >&2; }

# ---- tools ----
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v gnuplot >/dev/null 2>&1 || need+=(gnuplot-nox)
bash "$ROOT/ci/apt-install.sh" build-essential cmake pkg-config libuv1-dev "${need[@]}"

csv="$OUT_DIR/experiment-results.csv"

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

# Starts variant $1 with wait $2 ms on a free loopback port; sets server_pid and port.
start_server() {
  local log="$BUILD_DIR/runs/$1-$2ms.server.log"
  "$BUILD_DIR/async_lock_$1" --port 0 --wait-ms "$2" 2>"$log" &
  server_pid=$!
  port=""
  for _ in $(seq 50); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log")
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  say "the $1 server did not start:"
  cat "$log" >&2
  exit 1
}

# wrk's durations (812.00us, 51.23ms, 1.20s, 1.50m) in milliseconds.
to_ms() {
  awk -v d="$1" 'BEGIN {
    v = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000; else if (u == "h") v *= 3600000
    printf "%.2f", v }'
}

# Builds the three servers and runs every point; writes $csv.
measure() {
  say "building examples/async-lock-server (Release) in $BUILD_DIR"
  cmake -S "$ROOT/examples/async-lock-server" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
  mkdir -p "$BUILD_DIR/runs" "$OUT_DIR"

  local tmp_csv total
  tmp_csv=$(mktemp)
  echo "variant,wait_ms,connections,requests_per_s,latency_p50_ms,latency_p99_ms,requests,errors,duration,pool_threads" >"$tmp_csv"

  total=$(($(echo "$VARIANTS" | wc -w) * $(echo "$WAITS" | wc -w) * $(echo "$CONNECTIONS" | wc -w)))
  local run=0 wait_ms variant conns threads out rps requests p50 p99 errors
  say "$total runs of $DURATION each (wrk timeout $WRK_TIMEOUT, libuv pool ${UV_THREADPOOL_SIZE:-4} threads)"
  for wait_ms in $WAITS; do
    for variant in $VARIANTS; do
      for conns in $CONNECTIONS; do
        run=$((run + 1))
        threads=$((conns < 2 ? conns : 2)) # wrk needs at least one connection per thread
        start_server "$variant" "$wait_ms"
        out="$BUILD_DIR/runs/$variant-${wait_ms}ms-c$conns.txt"
        wrk -t"$threads" -c"$conns" -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency "http://127.0.0.1:$port/" >"$out" 2>&1 ||
          say "wrk failed: see $out"
        stop_server
        rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
        requests=$(awk '/requests in/ {print $1}' "$out")
        p50=$(awk '$1 == "50%" {print $2}' "$out")
        p99=$(awk '$1 == "99%" {print $2}' "$out")
        errors=$(awk '/Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} /Non-2xx/ {n += $NF} END {print n + 0}' "$out")
        rps=${rps:-0}
        requests=${requests:-0}
        errors=${errors:-0}
        p50=$(to_ms "${p50:-0}")
        p99=$(to_ms "${p99:-0}")
        echo "$variant,$wait_ms,$conns,$rps,$p50,$p99,$requests,$errors,$DURATION,${UV_THREADPOOL_SIZE:-4}" >>"$tmp_csv"
        printf 'async-lock-experiment: [%2d/%d] %-11s wait %3s ms, %3s connections: %9s req/s, median %9s ms, p99 %9s ms (%s requests, %s errors)\n' \
          "$run" "$total" "$variant" "$wait_ms" "$conns" "$rps" "$p50" "$p99" "$requests" "$errors" >&2
      done
    done
  done
  mv "$tmp_csv" "$csv"
  chmod 644 "$csv"
}

if [ "${REPORT_ONLY:-0}" != 1 ]; then
  measure
fi
[ -s "$csv" ] || { say "no results in $csv"; exit 1; }
# what the runs were, and which variants, waits and connection counts the results hold
DURATION=$(awk -F, 'NR == 2 {print $9}' "$csv")
POOL=$(awk -F, 'NR == 2 {print $10}' "$csv")
VARIANTS=$(awk -F, 'NR > 1 && !seen[$1]++ {print $1}' "$csv" | tr '\n' ' ' | sed 's/ $//')
WAITS=$(awk -F, 'NR > 1 && !seen[$2]++ {print $2}' "$csv" | tr '\n' ' ' | sed 's/ $//')
CONNECTIONS=$(awk -F, 'NR > 1 && !seen[$3]++ {print $3}' "$csv" | tr '\n' ' ' | sed 's/ $//')

# ---- the markdown tables ----
md="$OUT_DIR/experiment-results.md"
{
  echo "# The async-lock experiment: results"
  echo
  echo "Written by \`bash bench/async-lock-experiment.sh\` on $(date -u +%Y-%m-%d): $(nproc) CPU(s)" \
    "($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)), Linux $(uname -r)," \
    "libuv $(pkg-config --modversion libuv), $(wrk -v 2>&1 | awk 'NR == 1 {print $1, $2}'), libuv thread pool of" \
    "$POOL threads. Each row is one run of \`wrk -t2 -cN -d$DURATION --latency\` (\`-t1\` for one connection," \
    "\`--timeout\` longer than the run)" \
    "against a freshly started server on 127.0.0.1. The latencies are those of the requests completed during" \
    "the run; requests still waiting when it ended are not in them (compare *completed* with *connections*)."
  for wait_ms in $WAITS; do
    echo
    echo "## I/O wait $wait_ms ms"
    echo
    echo "| variant | connections | requests/s | median ms | p99 ms | completed | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F, -v w="$wait_ms" 'NR > 1 && $2 == w {printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $3, $4, $5, $6, $7, $8}' "$csv"
  done
} >"$md"

# ---- the plot ----
png="$OUT_DIR/experiment.png"
plot_dir=$(mktemp -d)
panels=$(echo "$WAITS" | wc -w)
{
  echo "set terminal pngcairo noenhanced size $((560 * panels)),480 font 'sans,10'"
  echo "set output '$png'"
  echo "set datafile separator ','"
  echo "set multiplot layout 1,$panels title 'async-lock experiment: one libuv HTTP server, the same I/O-bound work three ways (wrk, 127.0.0.1)' font 'sans,11'"
  echo "set logscale xy"
  echo "set xtics (${CONNECTIONS// /, })"
  echo "set xrange [0.8:$(echo "$CONNECTIONS" | awk '{print $NF * 1.25}')]"
  echo "set yrange [1:*]"
  echo "set grid"
  echo "set key top left Left reverse"
  echo "set xlabel 'concurrent connections'"
  echo "set ylabel 'requests/s (log scale)'"
  for wait_ms in $WAITS; do
    echo "set title 'I/O wait of $wait_ms ms per request'"
    plot="plot"
    sep=""
    for variant in $VARIANTS; do
      case $variant in
        nonblocking) label="1. non-blocking (uv_timer, uv_fs_*, uv_getaddrinfo)"; style="lc rgb '#1a9850' pt 7" ;;
        offload) label="2. offloaded (uv_queue_work, $POOL pool threads)"; style="lc rgb '#2c7bb6' pt 5" ;;
        blocking) label="3. blocking in the handler (async lock)"; style="lc rgb '#d7191c' pt 9" ;;
        *) label=$variant; style="" ;;
      esac
      awk -F, -v v="$variant" -v w="$wait_ms" '$1 == v && $2 == w {print $3 "," $4}' "$csv" >"$plot_dir/$variant-$wait_ms.csv"
      plot="$plot$sep '$plot_dir/$variant-$wait_ms.csv' using 1:(\$2 > 0 ? \$2 : 1/0) with linespoints lw 2 ps 1.2 $style title \"$label\""
      sep=","
    done
    echo "$plot"
  done
  echo "unset multiplot"
} >"$plot_dir/plot.gp"
gnuplot "$plot_dir/plot.gp"
rm -rf "$plot_dir"

if [ "${REPORT_ONLY:-0}" != 1 ]; then
  say "wrote $csv, $md and $png (the wrk outputs are in $BUILD_DIR/runs)"
else
  say "wrote $md and $png from $csv"
fi

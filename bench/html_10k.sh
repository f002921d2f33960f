#!/usr/bin/env bash
# The HTML report at 10,000 findings: generates a program of 100 files x 100 libuv timer callbacks,
# each reaching one blocking call through a helper (all registered with uv_timer_start in main.c),
# writes its compile_commands.json by hand, runs asynclock --format html on it, and loads the
# report in headless chromium (bench/html_10k.js): load time, filter, search, sort and expand times.
#   bench/html_10k.sh [ASYNCLOCK] [WORK_DIR]
# Needs ci/deps-browser.sh (chromium, node, playwright-core under build/node-browser).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
asynclock="${1:-$root/build/asynclock}"
work="${2:-$root/build/bench-html-10k}"
files=100
handlers=100

rm -rf "$work"
mkdir -p "$work/src"
calls=('sleep(1)' 'usleep(1000)' 'fsync(fd)' 'fclose(fopen("/tmp/x", "r"))' 'system("true")')
for ((f = 0; f < files; f++)); do
  {
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    echo '#include <unistd.h>'
    echo '#include <uv.h>'
    echo
    for ((h = 0; h < handlers; h++)); do
      call="${calls[$(((f * handlers + h) % ${#calls[@]}))]}"
      echo "static void work_${f}_${h}(int fd)"
      echo '{'
      echo '    (void)fd;'
      echo "    $call;"
      echo '}'
      echo
      echo "void on_timer_${f}_${h}(uv_timer_t *timer)"
      echo '{'
      echo "    work_${f}_${h}((int)(size_t)timer->data);"
      echo '}'
      echo
    done
  } >"$work/src/handlers_$f.c"
done
{
  echo '#include <uv.h>'
  echo
  for ((f = 0; f < files; f++)); do
    for ((h = 0; h < handlers; h++)); do
      echo "void on_timer_${f}_${h}(uv_timer_t *timer);"
    done
  done
  echo
  echo "static uv_timer_t timers[$((files * handlers))];"
  echo
  echo 'int main(void)'
  echo '{'
  echo '    uv_loop_t *loop = uv_default_loop();'
  i=0
  for ((f = 0; f < files; f++)); do
    for ((h = 0; h < handlers; h++)); do
      echo "    uv_timer_init(loop, &timers[$i]);"
      echo "    uv_timer_start(&timers[$i], on_timer_${f}_${h}, 1000, 0);"
      i=$((i + 1))
    done
  done
  echo '    return uv_run(loop, UV_RUN_DEFAULT);'
  echo '}'
} >"$work/src/main.c"
{
  echo '['
  for ((f = 0; f < files; f++)); do
    echo "  {\"directory\": \"$work/src\", \"file\": \"handlers_$f.c\", \"arguments\": [\"cc\", \"-c\", \"handlers_$f.c\"]},"
  done
  echo "  {\"directory\": \"$work/src\", \"file\": \"main.c\", \"arguments\": [\"cc\", \"-c\", \"main.c\"]}"
  echo ']'
} >"$work/src/compile_commands.json"

echo "== asynclock on $files files x $handlers handlers"
start=$(date +%s.%N)
status=0
"$asynclock" check -p "$work/src" --format html -o "$work/report.html" --json "$work/report.json" || status=$?
end=$(date +%s.%N)
if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "asynclock failed (exit $status)" >&2
  exit 1
fi
echo "analysis and reports: $(echo "$end - $start" | bc) s"
echo "== headless chromium"
node "$root/bench/html_10k.js" "$work/report.html" "$work/report.json" "$root/build/node-browser"

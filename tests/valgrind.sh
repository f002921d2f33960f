#!/usr/bin/env bash
# One whole analysis under valgrind memcheck: the demo fixture (its compile_commands.json written by
# the fixture/demo test), every stage and every report format. Fails on any memcheck error or
# definite leak. libclang and glibc keep "still reachable" memory until exit; that is not counted.
# valgrind.supp holds the one false positive of glibc's loader opening libclang (dlopen).
#   bash tests/valgrind.sh ASYNCLOCK_EXE DEMO_BUILD_DIR WORK_DIR
set -u
exe=$1 demo=$2 work=$3
mkdir -p "$work"
command -v valgrind >/dev/null || { echo "valgrind is not installed (ci/deps.sh installs it)"; exit 1; }
# Twice: cold (every unit parsed, the facts cache written) and warm (every unit read back from it).
rm -rf "$work/cache"
for run in cold warm; do
  rc=0
  valgrind --error-exitcode=99 --suppressions="$(dirname "$0")/valgrind.supp" --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --track-origins=yes --log-file="$work/valgrind-$run.log" \
    "$exe" check -p "$demo" -j 2 --cache "$work/cache" -f json -o "$work/report.json" --sarif "$work/report.sarif" \
    --html "$work/report.html" --json "$work/report-side.json" -o "$work/report.txt" -f text || rc=$?
  tail -n 12 "$work/valgrind-$run.log"
  if [ "$rc" -ne 1 ]; then
    echo "FAIL: $run run: exit $rc under valgrind, expected 1 (the demo's findings); 99 is a memcheck error"
    exit 1
  fi
  if ! grep -q "ERROR SUMMARY: 0 errors" "$work/valgrind-$run.log"; then
    echo "FAIL: $run run: memcheck reported errors (see $work/valgrind-$run.log)"
    exit 1
  fi
  summary=$(tail -n 1 "$work/report.txt")
  if [ "$summary" != "asynclock: 10 findings (10 errors) from 9 handlers in 5 translation units" ]; then
    echo "FAIL: $run run: unexpected summary under valgrind: $summary"
    exit 1
  fi
  cached=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["cached_units"])' "$work/report-side.json")
  want=$([ "$run" = cold ] && echo 0 || echo 5)
  if [ "$cached" != "$want" ]; then
    echo "FAIL: $run run: $cached units from the cache, expected $want"
    exit 1
  fi
done
echo "PASS: the demo analyzed under memcheck, cold and warm: no error, no definite leak"

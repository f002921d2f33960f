#!/usr/bin/env bash
# One whole analysis under valgrind memcheck: the demo fixture (its compile_commands.json written by
# the fixture/demo test), every stage and every report format. Fails on any memcheck error or
# definite leak. libclang and glibc keep "still reachable" memory until exit; that is not counted,
# so no suppression file is needed.
#   bash tests/valgrind.sh ASYNCLOCK_EXE DEMO_BUILD_DIR WORK_DIR
set -u
exe=$1 demo=$2 work=$3
mkdir -p "$work"
command -v valgrind >/dev/null || { echo "valgrind is not installed (ci/deps.sh installs it)"; exit 1; }
rc=0
valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --track-origins=yes --log-file="$work/valgrind.log" \
  "$exe" check -p "$demo" -j 2 -o "$work/report.txt" --json "$work/report.json" --sarif "$work/report.sarif" \
  --html "$work/report.html" || rc=$?
tail -n 12 "$work/valgrind.log"
if [ "$rc" -ne 1 ]; then
  echo "FAIL: exit $rc under valgrind, expected 1 (the demo's findings); 99 is a memcheck error"
  exit 1
fi
if ! grep -q "ERROR SUMMARY: 0 errors" "$work/valgrind.log"; then
  echo "FAIL: memcheck reported errors (see $work/valgrind.log)"
  exit 1
fi
summary=$(tail -n 1 "$work/report.txt")
if [ "$summary" != "asynclock: 10 findings (10 errors) from 9 handlers in 5 translation units" ]; then
  echo "FAIL: unexpected summary under valgrind: $summary"
  exit 1
fi
echo "PASS: the demo analyzed under memcheck: no error, no definite leak"

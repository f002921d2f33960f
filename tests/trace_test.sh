#!/usr/bin/env bash
# asynclock trace end to end: builds the programs of tests/trace (real libuv, libevent and GLib loops,
# a loop of the program's own, fork, exec, signals and threads, a crash, a handler blocking through a
# dlsym'd pointer) with -g, runs each under `asynclock trace`, and checks what it recorded against
# the `trace:` comments in its source (tests/trace_check.py), then what `check --trace` makes of it
# (findings observed, observed only, dropped), in JSON, text, SARIF and HTML. Also: the refusals
# (static, 32-bit and set-user-ID programs, a missing program, bad options), SIGTERM passed on,
# periodic traces while a program runs, a crash's trace, bad trace files for check --trace.
#
#   bash tests/trace_test.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR
#
# The programs are a standalone CMake project, built without the suite's sanitizer flags (one of
# them, asan_program, with AddressSanitizer on purpose): in the sanitizer build, asynclock itself
# (the tracer, the join, the reports) is what runs sanitized. Each check prints "PASS: name" or
# "FAIL: name (why)".
set -u

# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"
setup_script trace_test.sh "$@"
checker="$repo/tests/trace_check.py"
src="$repo/tests/trace"
build="$work/build"

if ! cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  "-DASYNCLOCK_INCLUDE_DIR=$repo/include" >"$work/cmake.log" 2>&1 ||
  ! cmake --build "$build" -j 2 >>"$work/cmake.log" 2>&1; then
  echo "FAIL: building tests/trace"
  cat "$work/cmake.log"
  exit 1
fi
# one compile database per program: each has its own main()
python3 - "$build" <<'EOF'
import json, os, sys
build = sys.argv[1]
for entry in json.load(open(os.path.join(build, "compile_commands.json"))):
    name = os.path.splitext(os.path.basename(entry["file"]))[0]
    os.makedirs(os.path.join(build, "db", name), exist_ok=True)
    json.dump([entry], open(os.path.join(build, "db", name, "compile_commands.json"), "w"))
EOF

# traced PROGRAM [EXPECTED_EXIT]: traces build/PROGRAM into work/PROGRAM.json and checks the trace
# and the report of check --trace against the program's source.
traced() {
  local name=$1 want=${2:-0}
  (cd "$work" && "$exe" trace -q -o "$name.json" -- "$build/$name") >"$out" 2>"$err"
  rc=$?
  expect "$name: exit $want" "exit $rc; $(head -c 300 "$err")" rc_is "$want"
  expect "$name: -q writes nothing on stderr" "$(head -c 300 "$err")" is_empty "$err"
  run check -p "$build/db/$name" --no-cache -q --trace "$work/$name.json" -f json -o "$work/$name.report.json" \
    --sarif "$work/$name.sarif" --html "$work/$name.html"
  expect "$name: check --trace runs" "exit $rc; $(head -c 300 "$err")" eval '[ "$rc" -le 1 ]'
  if python3 "$checker" --source "$src/$name.c" --trace "main=$work/$name.json" --report "$work/$name.report.json" \
    >"$work/$name.check" 2>&1; then
    pass "$name: the trace and the report are what $name.c says"
  else
    fail "$name: the trace and the report are what $name.c says" "$(head -c 1500 "$work/$name.check")"
  fi
}

traced uv_program
traced event_program
traced glib_program
# --conditional: the conditional APIs are timed too (event_program's write to a pipe, "cond")
(cd "$work" && "$exe" trace -q --conditional -o event_cond.json -- "$build/event_program") >"$out" 2>"$err"
traced_rc=$?
run check -p "$build/db/event_program" --no-cache -q --conditional --trace "$work/event_cond.json" -f json \
  -o "$work/event_cond.report.json"
if [ "$traced_rc" -eq 0 ] && [ "$rc" -eq 1 ] &&
  python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["conditional"] is not True)' \
  "$work/event_cond.json" && python3 "$checker" --source "$src/event_program.c" --trace "cond=$work/event_cond.json" \
  --report "$work/event_cond.report.json" >"$work/event_cond.check" 2>&1; then
  pass "trace --conditional: the conditional calls too, as check --conditional reports them"
else
  fail "trace --conditional: the conditional calls too, as check --conditional reports them" \
    "trace exit $traced_rc, check exit $rc; $(head -c 300 "$err") $(head -c 1500 "$work/event_cond.check")"
fi
traced dlsym_handler
traced signals_program
traced marked_loop
traced crash_program 134

# a program built with AddressSanitizer: traced like the others (crash_program.c's expectations)
(cd "$work" && "$exe" trace -q -o asan_program.json -- "$build/asan_program") >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 134 ] && python3 "$checker" --source "$src/crash_program.c" --trace "main=$work/asan_program.json" \
  >"$work/asan.check" 2>&1; then
  pass "an AddressSanitizer program is traced"
else
  fail "an AddressSanitizer program is traced" "exit $rc; $(head -c 600 "$err") $(head -c 600 "$work/asan.check")"
fi

# the summary line, exactly
(cd "$work" && "$exe" trace -o uv.json -- "$build/uv_program") >"$out" 2>"$err"
expect "summary: one line naming the sites, calls, threads and files" "$(cat "$err")" \
  has_line "$err" "asynclock: trace: 8 blocking call sites (18 calls) on 1 loop thread; written: uv.json"

# the text report: findings ranked by blocked time, nanosleep's 60 ms first; the observed notes
run check -p "$build/db/uv_program" --no-cache --trace "$work/uv_program.json" --color never
expect "text: ranked by measured stall, nanosleep first" "$(head -n 1 "$out")" \
  eval 'head -n 1 "$out" | grep -q "uv_program.c:29:5: error: blocking call .nanosleep."'
expect "text: each finding's observed note" "$(grep -c 'note: observed on a loop thread: ' "$out")" \
  eval '[ "$(grep -c "note: observed on a loop thread: " "$out")" -eq 7 ]'
expect "text: the traces summary" "$(tail -n 1 "$out")" \
  has_line "$out" "asynclock: traces: 7 of 7 findings observed on loop threads, 0 call sites observed only (1 trace file)"
run check -p "$build/db/dlsym_handler" --no-cache --trace "$work/dlsym_handler.json" --color never
expect "text: observed only, with its stack, exit 0" "exit $rc; $(head -c 400 "$out")" \
  eval '[ "$rc" -eq 0 ] && grep -q "dlsym_handler.c:15: warning: blocking call .usleep. observed on a loop thread, which no finding explains: 2 calls, " "$out" && grep -q "dlsym_handler.c:15: note: called here, in .on_tick.$" "$out"'

# fork: the child's trace goes to its own file, the parent's has only its own calls
rm -f "$work"/fork_program*.json
(cd "$work" && "$exe" trace -q -o fork_program.json -- "$build/fork_program") >"$out" 2>"$err"
rc=$?
children=("$work"/fork_program.[0-9]*.json)
expect "fork: exit 0, one child trace" "exit $rc; ${children[*]}" eval '[ "$rc" -eq 0 ] && [ "${#children[@]}" -eq 1 ] && [ -f "${children[0]}" ]'
run check -p "$build/db/fork_program" --no-cache -q --trace "$work/fork_program.json" --trace "${children[0]}" -f json \
  -o "$work/fork_program.report.json"
if python3 "$checker" --source "$src/fork_program.c" --trace "main=$work/fork_program.json" \
  --trace "child=${children[0]}" --report "$work/fork_program.report.json" >"$work/fork.check" 2>&1; then
  pass "fork: parent and child traces are what fork_program.c says"
else
  fail "fork: parent and child traces are what fork_program.c says" "$(head -c 1500 "$work/fork.check")"
fi

# --trace FOLDER: every trace in it (the parent's and the child's of fork_program)
mkdir -p "$work/fork-traces"
cp "$work/fork_program.json" "${children[0]}" "$work/fork-traces/"
run check -p "$build/db/fork_program" --no-cache -q --trace "$work/fork-traces" -f json -o "$work/fork-folder.report.json"
expect "--trace FOLDER: the same report as its files one by one" "exit $rc" \
  eval 'python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); del a[\"summary\"][\"seconds\"], b[\"summary\"][\"seconds\"]; sys.exit(a[\"findings\"] != b[\"findings\"] or a[\"summary\"] != b[\"summary\"])" "$work/fork_program.report.json" "$work/fork-folder.report.json"'
check_error "--trace FOLDER without traces" 2 "$work/build/CMakeFiles: error: no trace file (*.json) in this folder" \
  check -p "$build/db/fork_program" --trace "$work/build/CMakeFiles"

# a test suite under the tracer, as docs/trace.md has it in CI: ctest runs two loop programs; ctest
# itself runs on libuv, so its own blocking calls are in its trace, outside the project
mkdir -p "$work/suite" "$work/suite-traces"
printf 'add_test(event "%s")\nadd_test(glib "%s")\n' "$build/event_program" "$build/glib_program" \
  >"$work/suite/CTestTestfile.cmake"
rm -f "$work"/suite-traces/*.json
"$exe" trace -q -o "$work/suite-traces/trace.json" -- ctest --test-dir "$work/suite" >"$out" 2>"$err"
rc=$?
suite=("$work"/suite-traces/*.json)
expect "ctest under the tracer: exit 0, its trace and one per test" "exit $rc; ${suite[*]}" \
  eval '[ "$rc" -eq 0 ] && [ "${#suite[@]}" -eq 3 ]'
run check -p "$build/db/event_program" --no-cache --trace "$work/suite-traces" --color never
expect "ctest under the tracer: the event test's findings observed, the other test's calls observed only" \
  "$(tail -n 1 "$out")" eval 'tail -n 1 "$out" | grep -qE "^asynclock: traces: 2 of 2 findings observed on loop threads, 2 call sites observed only( and [0-9]+ outside the source root)? \(3 trace files\)$"'

# exec: the program's last image writes -o; a child that execs a loop program gets its pid in the name
(cd "$work" && "$exe" trace -q -o exec.json -- /bin/sh -c "exec '$build/uv_program'") >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 0 ] && python3 "$checker" --source "$src/uv_program.c" --trace "main=$work/exec.json" >"$work/exec.check" 2>&1; then
  pass "exec: sh execs uv_program, whose trace is -o"
else
  fail "exec: sh execs uv_program, whose trace is -o" "exit $rc; $(head -c 800 "$work/exec.check") $(head -c 300 "$err")"
fi
rm -f "$work"/spawn*.json
(cd "$work" && "$exe" trace -q -o spawn.json -- /bin/sh -c "'$build/event_program'; true") >"$out" 2>"$err"
rc=$?
spawned=("$work"/spawn.[0-9]*.json)
if [ "$rc" -eq 0 ] && [ "${#spawned[@]}" -eq 1 ] && [ -f "${spawned[0]}" ] &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["sites"] != [] or d["loop_threads"] != 0)' "$work/spawn.json" &&
  python3 "$checker" --source "$src/event_program.c" --trace "main=${spawned[0]}" >"$work/spawn.check" 2>&1; then
  pass "exec: a child exec'ing a loop program has its own trace; sh's own is empty"
else
  fail "exec: a child exec'ing a loop program has its own trace; sh's own is empty" \
    "exit $rc; ${spawned[*]}; $(head -c 800 "$work/spawn.check" 2>/dev/null)"
fi

# the mark is a no-op without the shim
"$build/marked_loop" >"$out" 2>"$err"
rc=$?
expect "marked_loop runs without the shim" "exit $rc; $(cat "$err")" eval '[ "$rc" -eq 0 ] && has_line "$out" "marked_loop: done"'

# start_long FILE: long_program under the tracer in the background ($tracer), writing work/FILE every
# 0.2 s; returns when the first snapshot is there
start_long() {
  rm -f "$work/$1"
  (cd "$work" && exec "$exe" trace -q --interval 0.2 -o "$1" -- "$build/long_program") >"$out" 2>"$err" &
  tracer=$!
  for _ in $(seq 100); do
    [ -f "$work/$1" ] && break
    sleep 0.1
  done
}

# SIGTERM sent to asynclock goes on to the program; the traces are written every --interval meanwhile
start_long long.json
snapshot=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["complete"], sum(s["calls"] for s in d["sites"]))' "$work/long.json" 2>/dev/null)
expect "--interval: a trace while the program runs, marked incomplete" "$snapshot" eval '[[ "$snapshot" == False\ [1-9]* ]]'
kill -TERM "$tracer"
wait "$tracer"
rc=$?
final=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["complete"], sum(s["calls"] for s in d["sites"]))' "$work/long.json" 2>/dev/null)
expect "SIGTERM: passed on, exit 143, the final trace complete" "exit $rc; $final (snapshot $snapshot)" \
  eval '[ "$rc" -eq 143 ] && [[ "$final" == True\ * ]] && [ "${final#True }" -ge "${snapshot#False }" ]'
if python3 "$checker" --source "$src/long_program.c" --trace "main=$work/long.json" >"$work/long.check" 2>&1; then
  pass "SIGTERM: the trace has the program's one call site"
else
  fail "SIGTERM: the trace has the program's one call site" "$(head -c 800 "$work/long.check")"
fi

# SIGHUP too; and a signal ignored when asynclock starts stays ignored for the program (bash starts
# a background command with SIGINT ignored: SIGINT is passed on from a terminal's Ctrl-C to both)
start_long hup.json
kill -HUP "$tracer"
wait "$tracer"
rc=$?
expect "SIGHUP: passed on, exit 129, the trace written" "exit $rc" \
  eval '[ "$rc" -eq 129 ] && python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))[\"complete\"] is not True)" "$work/hup.json"'
ignored=$( (trap '' HUP && cd "$work" && "$exe" trace -q -o ignored.json -- grep '^SigIgn:' /proc/self/status) 2>&1)
expect "an ignored SIGHUP stays ignored for the program" "$ignored" \
  eval '[ $((0x${ignored##*[[:space:]]} & 1)) -eq 1 ]'

# refusals: one line naming the file, exit 2, the program never started
printf 'int main(void) { return 0; }\n' >"$work/hello.c"
if cc -static -o "$work/static_hello" "$work/hello.c" 2>"$work/cc.log"; then
  check_error "static binary refused" 2 \
    "$work/static_hello: error: statically linked: the trace shim can only be preloaded into a dynamically linked program" \
    trace -o "$work/s.json" -- "$work/static_hello"
else
  fail "static binary refused" "cc -static failed: $(head -c 300 "$work/cc.log")"
fi
# a 32-bit program (its ELF header is all the tracer reads before refusing it)
python3 -c 'import sys; sys.stdout.buffer.write(b"\x7fELF\x01\x01\x01" + bytes(9) + b"\x02\x00\x03\x00" + bytes(108))' \
  >"$work/elf32_program"
chmod +x "$work/elf32_program"
check_error "32-bit program refused" 2 \
  "$work/elf32_program: error: not an x86-64 program: the trace shim is built for x86-64" \
  trace -o "$work/s.json" -- "$work/elf32_program"
# a set-user-ID program of another user: the loader runs it in secure mode, without LD_PRELOAD
suid=""
if [ "$(id -u)" -eq 0 ]; then
  cp "$(type -P true)" "$work/suid_true" && chown nobody "$work/suid_true" && chmod u+s "$work/suid_true" &&
    suid="$work/suid_true"
else
  for candidate in /usr/bin/passwd /usr/bin/su /bin/su; do
    [ -u "$candidate" ] && [ ! -O "$candidate" ] && suid=$candidate && break
  done
fi
if [ -n "$suid" ]; then
  check_error "set-user-ID program refused" 2 \
    "$suid: error: set-user-ID or set-group-ID: the dynamic loader ignores the trace shim for it" \
    trace -o "$work/s.json" -- "$suid"
else
  fail "set-user-ID program refused" "no set-user-ID program of another user to try (as root, chown nobody failed)"
fi
check_error "missing program" 2 "asynclock-no-such-program: error: no such program in PATH" \
  trace -o "$work/m.json" -- asynclock-no-such-program
check_error "no program" 2 \
  "asynclock: error: trace needs the program to run: asynclock trace [-o FILE] -- PROGRAM [ARGS...]" trace -o "$work/m.json"
check_error "bad --interval" 2 \
  "asynclock: error: --interval takes seconds from 0.1 to 86400, not '0' (see asynclock trace --help)" \
  trace --interval 0 -- true
check_error "unwritable output" 2 "$work/none/t.json: error: cannot write the trace: No such file or directory" \
  trace -o "$work/none/t.json" -- true
run trace --help
expect "trace --help: usage on stdout, exit 0" "exit $rc" eval '[ "$rc" -eq 0 ] && grep -q "^usage: asynclock trace" "$out"'
# the program's own exit status comes back
(cd "$work" && "$exe" trace -q -o false.json -- false) >"$out" 2>"$err"
rc=$?
expect "the program's exit status" "exit $rc" rc_is 1

# check --trace with a bad trace file: one line naming the file, the line and the column, exit 2
printf '{"version": 1, "kind": "asynclock-trace", "sites": [{"api": "sleep", "calls": 2, "total_ns": 1,\n  "min_ns": 1, "max_ns": 1, "histogram": [[1, 2, 1]], "stack": []}]}\n' >"$work/disagreeing.trace"
check_error "check --trace: a histogram that disagrees" 2 \
  "$work/disagreeing.trace:1:53: error: site 0: its histogram holds 1 calls, \"calls\" says 2" \
  check -p "$build/db/uv_program" --trace "$work/disagreeing.trace"
printf '{"version": 1, "findings": []}\n' >"$work/report-not-trace.json"
check_error "check --trace: not a trace" 2 \
  "$work/report-not-trace.json:1:1: error: not an asynclock trace (needs \"kind\": \"asynclock-trace\", \"version\" and \"sites\"; written by asynclock trace)" \
  check -p "$build/db/uv_program" --trace "$work/report-not-trace.json"
check_error "check --trace: a missing file" 2 "$work/nothing.json: error: cannot read: No such file or directory" \
  check -p "$build/db/uv_program" --trace "$work/nothing.json"
check_error "--unknown takes no --trace" 2 \
  "asynclock: error: --unknown lists functions, not findings: it takes no --trace (see asynclock --help)" \
  check -p "$build/db/uv_program" --unknown --trace "$work/uv_program.json"
for command in baseline programs; do
  check_error "$command takes no --trace" 2 \
    "asynclock: error: --trace joins traces to the findings of check or merge, not to $command (see asynclock --help)" \
    "$command" -p "$build/db/uv_program" -o "$work/x.json" --trace "$work/uv_program.json"
done

# shards and merge: merge --trace reports what check --trace does
run check -p "$build/db/uv_program" --no-cache -q --shard 1/1 -o "$work/uv_program.shard"
run merge -q --trace "$work/uv_program.json" -f json -o "$work/uv_program.merged.json" "$work/uv_program.shard"
expect "merge --trace: the findings, their observations and observed only of check --trace" "exit $rc; $(head -c 300 "$err")" \
  eval '[ "$rc" -le 1 ] && python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(a[\"findings\"] != b[\"findings\"] or a[\"observed_only\"] != b[\"observed_only\"] or a[\"summary\"][\"observed\"] != b[\"summary\"][\"observed\"])" "$work/uv_program.report.json" "$work/uv_program.merged.json"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

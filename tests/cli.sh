#!/usr/bin/env bash
# Command-line behaviour of asynclock: exit codes, the exact one-line error messages, and an end to
# end run on a tiny libuv project written here (with a hand-written compile_commands.json).
#
#   bash tests/cli.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR
#
# Each check prints "PASS: name" or "FAIL: name (why)"; the last line counts them. Exits non-zero
# when any check failed.
set -u

if [ "$#" -ne 3 ]; then
  echo "usage: bash tests/cli.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR" >&2
  exit 2
fi

abs_path() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$1")"); }

exe=$(abs_path "$1")
repo=$(cd "$2" && pwd -P)
mkdir -p "$3"
work=$(cd "$3" && pwd -P)
export ASYNCLOCK_RULES_DIR="${ASYNCLOCK_RULES_DIR:-$repo/rules}"
unset NO_COLOR CI

passed=0
failed=0
out="$work/stdout.txt"
err="$work/stderr.txt"
rc=0

pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1 ($2)"; failed=$((failed + 1)); }

# run [-C DIR] ARGS...: runs asynclock (in DIR), keeping stdout, stderr and the exit code.
run() {
  local dir="$work"
  if [ "${1:-}" = "-C" ]; then
    dir=$2
    shift 2
  fi
  (cd "$dir" && "$exe" "$@") >"$out" 2>"$err"
  rc=$?
}

# check_error NAME RC MESSAGE ARGS...: the command exits with RC, prints nothing on standard
# output and exactly the line MESSAGE on standard error.
check_error() {
  local name=$1 want_rc=$2 message=$3
  shift 3
  run "$@"
  if [ "$rc" -ne "$want_rc" ]; then
    fail "$name" "exit $rc, expected $want_rc; stderr: $(head -c 300 "$err")"
  elif [ -s "$out" ]; then
    fail "$name" "unexpected standard output: $(head -c 200 "$out")"
  elif [ "$(wc -l <"$err")" -ne 1 ]; then
    fail "$name" "expected one line on stderr, got $(wc -l <"$err"): $(head -c 300 "$err")"
  elif [ "$(cat "$err")" != "$message" ]; then
    fail "$name" "stderr '$(cat "$err")', expected '$message'"
  else
    pass "$name"
  fi
}

# expect NAME DETAIL CONDITION...: passes when the condition command succeeds.
expect() {
  local name=$1 detail=$2
  shift 2
  if "$@"; then
    pass "$name"
  else
    fail "$name" "$detail"
  fi
}

has_line() { grep -qxF -- "$2" "$1"; }
is_empty() { [ ! -s "$1" ]; }
rc_is() { [ "$rc" -eq "$1" ]; }

# ---- the command line itself ----

run --help
expect "help: exit 0" "exit $rc" rc_is 0
expect "help: usage on stdout" "$(head -c 200 "$out")" grep -q "^usage: asynclock check" "$out"
expect "help: nothing on stderr" "$(head -c 200 "$err")" is_empty "$err"

run check -h
expect "check -h: exit 0 with usage" "exit $rc" eval '[ "$rc" -eq 0 ] && grep -q "^usage: asynclock check" "$out"'

run --version
expect "version: exit 0" "exit $rc" rc_is 0
expect "version: asynclock 0.1.0" "$(cat "$out")" grep -qE '^asynclock 0\.1\.0( \(.*\))?$' "$out"

run
expect "no arguments: exit 2" "exit $rc" rc_is 2
expect "no arguments: usage on stderr" "$(head -c 200 "$err")" grep -q "^usage: asynclock check" "$err"
expect "no arguments: nothing on stdout" "$(head -c 200 "$out")" is_empty "$out"

check_error "unknown command" 2 "asynclock: error: unknown command 'frob' (check, rules) (see asynclock --help)" frob
check_error "unknown long option" 2 "asynclock: error: unknown option '--bogus' (see asynclock --help)" check --bogus
check_error "unknown short option" 2 "asynclock: error: unknown option '-z' (see asynclock --help)" check -z
check_error "check -p /nonexistent" 2 "/nonexistent: error: build folder does not exist" check -p /nonexistent

mkdir -p "$work/empty-build"
rm -f "$work/empty-build/compile_commands.json"
check_error "build folder without compile_commands.json" 2 \
  "$work/empty-build: error: no compile_commands.json in this folder (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or use bear)" \
  check -p "$work/empty-build"

mkdir -p "$work/malformed-build"
printf '[\n  {"directory": "/tmp",\n   "file": "a.c" "command": "cc -c a.c"}\n]\n' >"$work/malformed-build/compile_commands.json"
check_error "malformed compile_commands.json" 2 \
  "$work/malformed-build/compile_commands.json:3:18: error: malformed JSON" check -p "$work/malformed-build"

mkdir -p "$work/object-build"
printf '{"directory": "/tmp", "file": "a.c", "command": "cc -c a.c"}\n' >"$work/object-build/compile_commands.json"
check_error "compile_commands.json not an array" 2 \
  "$work/object-build/compile_commands.json:1:1: error: expected an array of compile commands" check -p "$work/object-build"

check_error "--format xml" 2 "asynclock: error: unknown format 'xml' (text, json, sarif, html) (see asynclock --help)" check --format xml
check_error "-f xml" 2 "asynclock: error: unknown format 'xml' (text, json, sarif, html) (see asynclock --help)" check -f xml
check_error "--fail-on bogus" 2 \
  "asynclock: error: --fail-on takes error, warning, note or never, not 'bogus' (see asynclock --help)" check --fail-on bogus
check_error "-j 0" 2 "asynclock: error: -j needs a number of jobs from 1 to 1024, not '0' (see asynclock --help)" check -j 0
check_error "-j abc" 2 "asynclock: error: -j needs a number of jobs from 1 to 1024, not 'abc' (see asynclock --help)" check -j abc
check_error "--color sometimes" 2 \
  "asynclock: error: --color takes auto, always or never, not 'sometimes' (see asynclock --help)" check --color sometimes

# An option missing its value is a usage error on one line that names it.
check_error "-j without a value" 2 "asynclock: error: option '-j' needs a value (see asynclock --help)" check -j

cat >"$work/bad-pack.json" <<'EOF'
{
  "pack": "bad",
  "version": 1,
  "apis": [
    {"name": "my_wait", "category": "sync", "severity": "fatal", "confidence": "definite", "why": "w", "fix": "f"}
  ]
}
EOF
check_error "bad rule pack via --rules" 2 \
  "$work/bad-pack.json:5:57: error: \"severity\" must be one of error, warning, note" \
  check --rules "$work/bad-pack.json" -p /nonexistent
check_error "bad rule pack via rules list --rules" 2 \
  "$work/bad-pack.json:5:57: error: \"severity\" must be one of error, warning, note" \
  rules list --rules "$work/bad-pack.json"
check_error "missing rule pack via --rules" 2 "$work/no-such-pack.json: error: rule pack not found" \
  check --rules "$work/no-such-pack.json"
check_error "rules without a subcommand" 2 "asynclock: error: rules needs 'list' or 'show NAME' (see asynclock --help)" rules
check_error "rules show without a name" 2 "asynclock: error: rules show needs one NAME (see asynclock --help)" rules show

# ---- a tiny libuv project ----

proj="$work/project"
mkdir -p "$proj"
rm -f "$proj/out.json" "$proj/compile_commands.json"
cat >"$proj/main.c" <<'EOF'
#include <unistd.h>
#include <uv.h>

void flush_metrics(void); /* defined in a library no rule knows */

static void on_timer(uv_timer_t *timer)
{
    (void)timer;
    flush_metrics();
    sleep(1);
}

int main(void)
{
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_timer, 100, 0);
    return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
EOF
cat >"$proj/other.c" <<'EOF'
int other(void) { return 0; }
EOF

# Where the blocking call and the registration are, computed from the source above.
sleep_line=$(grep -n 'sleep(1);' "$proj/main.c" | cut -d: -f1)
sleep_col=$(awk -v n="$sleep_line" 'NR == n { print index($0, "sleep(1);") }' "$proj/main.c")
reg_line=$(grep -n 'uv_timer_start(&timer, on_timer' "$proj/main.c" | cut -d: -f1)
reg_col=$(awk -v n="$reg_line" 'NR == n { print index($0, "on_timer") }' "$proj/main.c")
finding="main.c:$sleep_line:$sleep_col: error: blocking call 'sleep' in event-loop handler 'on_timer' [async-lock/sleep]"
registration="main.c:$reg_line:$reg_col: note: 'on_timer' runs on the loop thread: registered as a libuv timer callback (uv_timer_cb) here"

write_db() { # write_db FOLDER ENTRY...
  local folder=$1 sep=""
  shift
  mkdir -p "$folder"
  {
    echo "["
    for entry in "$@"; do
      printf '%s  %s' "$sep" "$entry"
      sep=$',\n'
    done
    printf '\n]\n'
  } >"$folder/compile_commands.json"
}
main_entry="{\"directory\": \"$proj\", \"arguments\": [\"/usr/bin/gcc\", \"-O2\", \"-g\", \"-Wall\", \"-Wextra\", \"-fno-tree-vrp\", \"-fstack-protector-strong\", \"-MD\", \"-MF\", \"main.d\", \"-DNDEBUG\", \"-c\", \"main.c\", \"-o\", \"main.o\"], \"file\": \"main.c\"}"
write_db "$proj" "$main_entry"

run -C "$proj" check -p "$proj"
expect "finding: exit 1" "exit $rc; stderr: $(head -c 300 "$err")" rc_is 1
expect "finding: error line" "expected '$finding' in: $(head -c 400 "$out")" has_line "$out" "$finding"
expect "finding: registration note" "expected '$registration'" has_line "$out" "$registration"
expect "finding: summary line" "$(tail -n 1 "$out")" \
  has_line "$out" "asynclock: 1 finding (1 error) from 1 handler in 1 translation unit"
expect "finding: nothing on stderr" "$(head -c 300 "$err")" is_empty "$err"

run -C "$proj" check
expect "finding: compile_commands.json found in the working folder" "exit $rc" \
  eval '[ "$rc" -eq 1 ] && grep -qxF -- "$finding" "$out"'

run -C "$proj" check -p "$proj" --fail-on never
expect "--fail-on never: exit 0" "exit $rc" rc_is 0
expect "--fail-on never: still reports" "$(head -c 300 "$out")" has_line "$out" "$finding"
run -C "$proj" check -p "$proj" --fail-on error
expect "--fail-on error: exit 1" "exit $rc" rc_is 1
run -C "$proj" check -p "$proj" --fail-on note
expect "--fail-on note: exit 1" "exit $rc" rc_is 1

# A user pack that makes sleep a warning: --fail-on error no longer fails.
cat >"$work/sleep-warning.json" <<'EOF'
{"pack": "user", "version": 1, "apis": [
  {"name": "sleep", "category": "sleep", "severity": "warning", "confidence": "definite",
   "why": "short sleeps are tolerated here", "fix": "keep it short"}]}
EOF
run -C "$proj" check -p "$proj" --rules "$work/sleep-warning.json" --fail-on error
expect "user pack override: exit 0 with --fail-on error" "exit $rc; $(head -c 300 "$err")" rc_is 0
expect "user pack override: reported as a warning" "$(head -c 300 "$out")" \
  has_line "$out" "main.c:$sleep_line:$sleep_col: warning: blocking call 'sleep' in event-loop handler 'on_timer' [async-lock/sleep]"
run -C "$proj" check -p "$proj" --rules "$work/sleep-warning.json"
expect "user pack override: exit 1 with the default --fail-on warning" "exit $rc" rc_is 1

run -C "$proj" check -p "$proj" -f json -o "$proj/out.json"
expect "json: exit 1" "exit $rc; $(head -c 300 "$err")" rc_is 1
expect "json: nothing on stdout" "$(head -c 200 "$out")" is_empty "$out"
if command -v python3 >/dev/null 2>&1; then
  json_ok() {
    python3 - "$1" "$proj/main.c" "$sleep_line" "$sleep_col" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
f = report["findings"]
assert len(f) == 1, f
assert f[0]["callee"] == "sleep" and f[0]["category"] == "sleep" and f[0]["severity"] == "error", f[0]
loc = f[0]["location"]
assert (loc["file"], loc["line"], loc["column"]) == (sys.argv[2], int(sys.argv[3]), int(sys.argv[4])), loc
assert [h["name"] for h in f[0]["handlers"]] == ["on_timer"], f[0]["handlers"]
assert report["summary"]["findings"] == 1 and report["summary"]["parse_errors"] == 0, report["summary"]
EOF
  }
else
  json_ok() {
    grep -q '"callee":[[:space:]]*"sleep"' "$1" && grep -q '"parse_errors":[[:space:]]*0' "$1" &&
      [ "$(head -c 1 "$1")" = "{" ] && [ "$(tail -c 2 "$1" | head -c 1)" = "}" ]
  }
fi
expect "json: valid report with the sleep finding" "$(head -c 300 "$proj/out.json" 2>/dev/null)" json_ok "$proj/out.json"

run -C "$proj" check -p "$proj" other.c
expect "FILE filter: another file reports nothing" "exit $rc; $(head -c 300 "$out")" \
  eval '[ "$rc" -eq 0 ] && [ "$(cat "$out")" = "asynclock: 0 findings from 1 handler in 1 translation unit" ]'
run -C "$proj" check -p "$proj" main.c
expect "FILE filter: the file itself is reported" "exit $rc" eval '[ "$rc" -eq 1 ] && grep -qxF -- "$finding" "$out"'
run -C "$proj" check -p "$proj" "$proj/main.c"
expect "FILE filter: an absolute path works too" "exit $rc" eval '[ "$rc" -eq 1 ] && grep -qxF -- "$finding" "$out"'

check_error "-o into a missing folder" 2 "/nonexistent-dir/x.json: error: cannot write report: No such file or directory" \
  check -p "$proj" -o /nonexistent-dir/x.json

# ---- broken translation units do not stop the run ----

cat >"$proj/broken.c" <<'EOF'
int broken(void)
{
    return 1 +;
}
EOF
rm -f "$proj/missing.c"
broken_build="$work/broken-build"
write_db "$broken_build" "$main_entry" \
  "{\"directory\": \"$proj\", \"arguments\": [\"gcc\", \"-c\", \"missing.c\"], \"file\": \"missing.c\"}" \
  "{\"directory\": \"$proj\", \"arguments\": [\"gcc\", \"-c\", \"broken.c\"], \"file\": \"broken.c\"}"
missing_line="$proj/missing.c: error: cannot read source file: No such file or directory (skipped)"
broken_line="$proj/broken.c:3:15: error: expected expression (the rest of this file is still analyzed)"

run -C "$proj" check -p "$broken_build"
expect "broken units: exit 1" "exit $rc" rc_is 1
expect "broken units: the sleep finding is still reported" "$(head -c 300 "$out")" has_line "$out" "$finding"
expect "broken units: one stderr line per broken unit" "$(cat "$err")" eval '[ "$(wc -l <"$err")" -eq 2 ]'
expect "broken units: missing file named" "$(cat "$err")" has_line "$err" "$missing_line"
expect "broken units: syntax error named" "$(cat "$err")" has_line "$err" "$broken_line"
expect "broken units: summary counts them" "$(tail -n 1 "$out")" has_line "$out" \
  "asynclock: 1 finding (1 error) from 1 handler in 3 translation units; 2 translation units had errors (see above)"

run -C "$proj" check -p "$broken_build" -q
expect "broken units: --quiet keeps stderr empty" "$(cat "$err")" eval '[ "$rc" -eq 1 ] && [ ! -s "$err" ]'

rm -f "$proj/out.json"
run -C "$proj" check -p "$broken_build" -f json -o "$proj/out.json"
expect "broken units json: exit 1" "exit $rc" rc_is 1
if command -v python3 >/dev/null 2>&1; then
  parse_errors_ok() {
    python3 - "$1" "$proj" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
assert s["parse_errors"] == 2 and s["translation_units"] == 3 and s["findings"] == 1, s
failed = sorted((u["file"], u["partially_analyzed"]) for u in s["failed_units"])
assert failed == [(sys.argv[2] + "/broken.c", True), (sys.argv[2] + "/missing.c", False)], failed
EOF
  }
else
  parse_errors_ok() { grep -q '"parse_errors":[[:space:]]*2' "$1" && grep -q '"callee":[[:space:]]*"sleep"' "$1"; }
fi
expect "broken units json: parse_errors is 2" "$(grep parse_errors "$proj/out.json" 2>/dev/null)" parse_errors_ok "$proj/out.json"

# ---- browsing the rules ----

run rules list
expect "rules list: exit 0" "exit $rc" rc_is 0
expect "rules list: contains sleep" "$(head -c 300 "$out")" \
  grep -qE '^sleep +sleep +error +definite +posix$' "$out"
run rules list --category dns --pack libuv
expect "rules list --category --pack: only that pack's category" "$(cat "$out")" \
  eval '[ "$rc" -eq 0 ] && grep -qE "^uv_getaddrinfo +dns " "$out" && ! grep -qE " posix$" "$out" && ! grep -qE "^uv_sleep " "$out"'
run rules list --pack nosuchpack
expect "rules list with no match: exit 1" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 1 ] && [ "$(cat "$err")" = "asynclock: no API matches" ]'
run rules show getaddrinfo
expect "rules show getaddrinfo: exit 0" "exit $rc" rc_is 0
expect "rules show getaddrinfo: header and libuv fix" "$(head -c 300 "$out")" \
  eval 'has_line "$out" "getaddrinfo  [dns, error, definite] from pack posix" &&
        has_line "$out" "  fix in libuv handlers: resolve with uv_getaddrinfo and continue in its uv_getaddrinfo_cb"'
# --unknown: what handlers call that no rule describes
run -C "$proj" check -p "$proj" --unknown
expect "--unknown: exit 0 and the undescribed function" "exit $rc; $(cat "$out")" \
  eval '[ "$rc" -eq 0 ] && grep -Eq "^ +1 +1  flush_metrics +main.c:[0-9]+:5 \(in on_timer\)$" "$out" &&
        [ "$(grep -c "(in " "$out")" -eq 1 ]'
run -C "$proj" check -p "$proj" --unknown -f json
expect "--unknown -f json" "$(head -c 300 "$out")" \
  eval 'grep -q "\"name\":[[:space:]]*\"flush_metrics\"" "$out" && grep -q "\"handlers\":[[:space:]]*1" "$out"'

run rules show nosuchapi
expect "rules show nosuchapi: exit 1" "exit $rc" rc_is 1
expect "rules show nosuchapi: message" "$(cat "$err")" \
  eval '[ "$(cat "$err")" = "asynclock: '"'"'nosuchapi'"'"' is in no loaded rule pack" ] && [ ! -s "$out" ]'
run rules show sleep --rules "$work/sleep-warning.json"
expect "rules show with a user pack: the override is shown" "$(head -n 1 "$out")" \
  eval '[ "$rc" -eq 0 ] && has_line "$out" "sleep  [sleep, warning, definite] from pack user"'

# --resolve-by-type: a call through a pointer loaded from a void * slot finds its target only by type
typed="$work/by-type"
mkdir -p "$typed"
cat >"$typed/main.c" <<'EOF'
#include <stdint.h>
#include <unistd.h>
#include <uv.h>

typedef void (*job_fn)(int);
static void *slot;

static void slow_job(int n)
{
    sleep((unsigned)n);
}

static void on_tick(uv_timer_t *t)
{
    (void)t;
    job_fn f = (job_fn)(uintptr_t)slot;
    f(1);
}

int main(void)
{
    uv_timer_t timer;
    slot = (void *)(uintptr_t)slow_job;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_tick, 100, 0);
    return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
EOF
write_db "$typed" "{\"directory\": \"$typed\", \"arguments\": [\"cc\", \"-c\", \"main.c\"], \"file\": \"main.c\"}"
run -C "$typed" check -p "$typed" --color never
expect "without --resolve-by-type: the call through a void * slot is not followed" "exit $rc; $(tail -n 1 "$out")" \
  eval '[ "$rc" -eq 0 ] && has_line "$out" "asynclock: 0 findings from 1 handler in 1 translation unit"'
run -C "$typed" check -p "$typed" --color never --resolve-by-type
expect "--resolve-by-type: the chain says it went by type" "exit $rc; $(head -c 600 "$out")" \
  eval '[ "$rc" -eq 1 ] && grep -qE "^main.c:[0-9]+:5: note: .on_tick. calls .slow_job. through type .void \(int\).$" "$out"'
run -C "$typed" check -p "$typed" -f json --resolve-by-type
expect "--resolve-by-type -f json: the step has via" "$(head -c 300 "$out")" \
  grep -q '"via":[[:space:]]*"type void (int)"' "$out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

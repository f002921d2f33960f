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

out="$work/stdout.txt"
err="$work/stderr.txt"
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"

# ---- the command line itself ----

run --help
expect "help: exit 0" "exit $rc" rc_is 0
expect "help: usage on stdout" "$(head -c 200 "$out")" grep -q "^usage: asynclock check" "$out"
expect "help: nothing on stderr" "$(head -c 200 "$err")" is_empty "$err"

run check -h
expect "check -h: exit 0 with usage" "exit $rc" eval '[ "$rc" -eq 0 ] && grep -q "^usage: asynclock check" "$out"'

run --version
expect "version: exit 0" "exit $rc" rc_is 0
expect "version: asynclock 0.1.0" "$(cat "$out")" grep -qxE 'asynclock 0\.1\.0' "$out"
expect "version: the libclang built with and running" "$(cat "$out")" \
  grep -qE '^libclang: built with LLVM [0-9]+[.0-9]* \(/.*\), C API 0\.[0-9]+; running .*clang version [0-9]' "$out"
expect "version: the rule packs' folder" "$(cat "$out")" has_line "$out" "rule packs: $ASYNCLOCK_RULES_DIR"
packs_listed=$(grep -cE '^  [a-z0-9-]+ +format 1 +[0-9]+ APIs  digest [0-9a-f]{16}$' "$out")
expect "version: one line per pack of the folder" "$packs_listed lines for $(ls "$ASYNCLOCK_RULES_DIR"/*.json | wc -l) packs" \
  eval '[ "$packs_listed" -eq "$(ls "$ASYNCLOCK_RULES_DIR"/*.json | wc -l)" ]'
expect "version: libuv's APIs counted" "$(grep ' libuv ' "$out")" \
  eval '[ "$(grep -E "^  libuv " "$out" | awk "{print \$4}")" -eq "$(grep -c "\"name\": \"uv_" "$ASYNCLOCK_RULES_DIR/libuv.json")" ]'
rm -rf "$work/packs" && mkdir -p "$work/packs"
cp "$ASYNCLOCK_RULES_DIR"/*.json "$work/packs/"
digest_before=$(grep -E '^  libuv ' "$out")
sed -i 's/"description": "/"description": "edited: /' "$work/packs/libuv.json"
ASYNCLOCK_RULES_DIR="$work/packs" run --version
expect "version: an edited pack gets another digest, the others keep theirs" "$(grep -E '^  (libuv|posix) ' "$out")" \
  eval '[ "$(grep -E "^  libuv " "$out")" != "$digest_before" ] && [ -n "$digest_before" ] &&
        [ "$(grep -E "^  posix " "$out" | awk "{print \$NF}")" = "$(ASYNCLOCK_RULES_DIR=$repo/rules "$exe" --version | grep -E "^  posix " | awk "{print \$NF}")" ]'
echo '{"pack": "broken", "version": 2}' >"$work/packs/zz-broken.json"
ASYNCLOCK_RULES_DIR="$work/packs" run --version
expect "version: a broken pack: exit 2, its one-line error, the version still printed" "$(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(cat "$err")" = "$work/packs/zz-broken.json:1:31: error: unsupported \"version\": this asynclock reads version 1" ] &&
        grep -qx "asynclock 0.1.0" "$out"'
# libclang is opened when needed (analyzer/libclang.c); ASYNCLOCK_LIBCLANG names another file.
ASYNCLOCK_LIBCLANG=$work/no-such-libclang.so run --version
expect "version without libclang: exit 2, one line naming the file, the version still printed" "$(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] &&
        grep -q "^asynclock: error: cannot load libclang: $work/no-such-libclang.so: cannot open shared object file" "$err" &&
        grep -qx "asynclock 0.1.0" "$out" && grep -q "running none (it cannot be loaded)$" "$out"'
ASYNCLOCK_LIBCLANG=libc.so.6 run --version
expect "version with a library that is not libclang: exit 2, names the function it lacks" "$(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(cat "$err")" = "asynclock: error: cannot use libclang libc.so.6: it has no clang_Cursor_Evaluate (asynclock needs LLVM 14 or later)" ]'
ASYNCLOCK_LIBCLANG=$work/no-such-libclang.so run rules list
expect "rules without libclang: it is not needed" "exit $rc: $(head -c 300 "$err")" rc_is 0

run
expect "no arguments: exit 2" "exit $rc" rc_is 2
expect "no arguments: usage on stderr" "$(head -c 200 "$err")" grep -q "^usage: asynclock check" "$err"
expect "no arguments: nothing on stdout" "$(head -c 200 "$out")" is_empty "$out"

check_error "unknown command" 2 "asynclock: error: unknown command 'frob' (check, baseline, merge, programs, lsp, rules, trace) (see asynclock --help)" frob
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

check_error "--format xml" 2 "asynclock: error: unknown format 'xml' (text, json, sarif, html, codequality) (see asynclock --help)" check --format xml
check_error "-f xml" 2 "asynclock: error: unknown format 'xml' (text, json, sarif, html, codequality) (see asynclock --help)" check -f xml
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

# A program whose loop no pack describes: no handler, so a warning says nothing was searched.
own_loop="$work/own-loop"
mkdir -p "$own_loop"
cat >"$own_loop/loop.c" <<'EOF'
#include <sys/epoll.h>
#include <unistd.h>

int main(void)
{
    struct epoll_event events[16];
    int ep = epoll_create1(0);
    for (;;) {
        int n = epoll_wait(ep, events, 16, -1);
        for (int i = 0; i < n; i++)
            sleep(1);
    }
}
EOF
write_db "$own_loop" "{\"directory\": \"$own_loop\", \"arguments\": [\"cc\", \"-c\", \"loop.c\"], \"file\": \"loop.c\"}"
run -C "$own_loop" check -p "$own_loop"
expect "no handler: exit 0" "exit $rc" rc_is 0
expect "no handler: a warning says nothing was searched" "$(cat "$err")" has_line "$err" \
  "asynclock: warning: no event-loop handler found, so nothing was searched; a program that runs its own loop needs its handlers declared (a rule pack's \"contexts\", or ASYNCLOCK_HANDLER; see docs/rules.md)"
run -C "$own_loop" check -p "$own_loop" -q
expect "no handler: not with -q" "$(cat "$err")" is_empty "$err"

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
  "asynclock: 1 finding (1 error) from 1 handler in 2 programs, 3 translation units; 2 of them failed: 1 not analyzed, 1 partially analyzed"
expect "broken units: the report names each failed unit and why" "$(head -c 600 "$out")" eval \
  'has_line "$out" "asynclock: not analyzed: $proj/missing.c: error: cannot read source file: No such file or directory" &&
   has_line "$out" "asynclock: partially analyzed: $proj/broken.c:3:15: error: expected expression"'

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

# ---- the configuration file and suppression comments ----
cfg="$work/configured"
rm -rf "$cfg" && mkdir -p "$cfg/sub"
cp "$proj/main.c" "$cfg/main.c"
write_db "$cfg" "${main_entry//$proj/$cfg}"
printf '{\n  "fail-on": "never"\n}\n' >"$cfg/.asynclock.json"
run -C "$cfg/sub" check -p "$cfg"
expect "config: found upward from the working folder (fail-on never: exit 0)" "exit $rc; $(head -c 300 "$err")" \
  eval '[ "$rc" -eq 0 ] && grep -q "blocking call .sleep." "$out"'
run -C "$cfg/sub" check -p "$cfg" --fail-on error
expect "config: the command line overrides it (--fail-on error: exit 1)" "exit $rc" rc_is 1
run -C "$cfg/sub" check -p "$cfg" --no-config
expect "config: --no-config ignores it (exit 1)" "exit $rc" rc_is 1
check_error "config: --config and --no-config" 2 \
  "asynclock: error: --config and --no-config exclude each other (see asynclock --help)" \
  check -p "$cfg" --config "$cfg/.asynclock.json" --no-config
check_error "config: --config names a missing file" 2 \
  "$work/none.json: error: cannot read: No such file or directory" check -p "$cfg" --config "$work/none.json"
printf '{\n  "categories": {\n    "sleeep": false\n  }\n}\n' >"$work/typo.json"
check_error "config: unknown category, with its path and line:col" 2 \
  "$work/typo.json:3:15: error: \"categories.sleeep\": unknown category" check -p "$cfg" --config "$work/typo.json"
cp "$work/typo.json" "$cfg/.asynclock.json"
check_error "config: a bad discovered file stops rules list too" 2 \
  "$cfg/.asynclock.json:3:15: error: \"categories.sleeep\": unknown category" -C "$cfg" rules list
printf '{"categories": {"sleep": false}}\n' >"$cfg/.asynclock.json"
run -C "$cfg" check -p "$cfg"
expect "config: a category turned off is not reported" "$(tail -n 1 "$out")" \
  eval '[ "$rc" -eq 0 ] && has_line "$out" "asynclock: 0 findings from 1 handler in 1 translation unit"'
printf '{"exclude": ["main.c"]}\n' >"$cfg/.asynclock.json"
run -C "$cfg" check -p "$cfg"
expect "config: excluded paths are one summary line" "$(tail -n 1 "$out")" \
  eval '[ "$rc" -eq 0 ] && [ "$(wc -l <"$out")" -eq 1 ] &&
        has_line "$out" "asynclock: 0 findings from 1 handler in 1 translation unit; 1 finding in excluded paths not shown"'
printf '{"blocking": [{"name": "flush_metrics", "category": "network", "fix": "flush from a worker"}]}\n' \
  >"$cfg/.asynclock.json"
run -C "$cfg" check -p "$cfg"
expect "config: a declared blocking function is reported" "$(head -c 400 "$out")" \
  eval '[ "$rc" -eq 1 ] && grep -q "error: blocking call .flush_metrics. in event-loop handler .on_timer. \[async-lock/network\]" "$out" &&
        grep -q "note: suggested fix: flush from a worker" "$out"'
run -C "$cfg" rules show flush_metrics
expect "config: rules show lists its declarations" "$(head -n 1 "$out")" \
  eval '[ "$rc" -eq 0 ] && has_line "$out" "flush_metrics  [network, error, definite] from pack config:$cfg/.asynclock.json"'
rm "$cfg/.asynclock.json"
sed -i 's|    sleep(1);|    sleep(1); // asynclock:ignore -- only at startup|' "$cfg/main.c"
run -C "$cfg" check -p "$cfg"
expect "suppression: counted in the summary, exit 0" "$(cat "$out")" \
  eval '[ "$rc" -eq 0 ] && has_line "$out" "asynclock: 0 findings from 1 handler in 1 translation unit; 1 suppressed (--show-suppressed lists them)"'
run -C "$cfg" check -p "$cfg" --show-suppressed
expect "suppression: --show-suppressed lists it with its reason" "$(cat "$out")" \
  eval 'grep -q "^main.c:$sleep_line:$sleep_col: note: suppressed: blocking call .sleep." "$out" &&
        grep -q "^main.c:$sleep_line:[0-9]*: note: by .asynclock:ignore.: only at startup$" "$out"'
sed -i 's|    flush_metrics();|    flush_metrics(); // NOLINT(async-lock)|' "$cfg/main.c"
run -C "$cfg" check -p "$cfg"
expect "suppression: a comment that matches nothing is a note" "$(cat "$out")" \
  eval 'grep -q "^main.c:$((sleep_line - 1)):[0-9]*: note: unused suppression .NOLINT(async-lock).: no finding on this line$" "$out"'
# "conditional": true in the configuration, and --no-conditional turning it off for one run
cond="$work/conditional"
rm -rf "$cond" && mkdir -p "$cond"
cat >"$cond/main.c" <<'EOF'
#include <unistd.h>
#include <uv.h>

static void on_timer(uv_timer_t *timer)
{
    char byte;
    (void)timer;
    (void)read(3, &byte, 1);
}

void start(uv_timer_t *timer) { uv_timer_start(timer, on_timer, 100, 0); }
EOF
write_db "$cond" "{\"directory\": \"$cond\", \"arguments\": [\"cc\", \"-c\", \"main.c\"], \"file\": \"main.c\"}"
printf '{"conditional": true, "fail-on": "note"}\n' >"$cond/.asynclock.json"
run -C "$cond" check -p "$cond" --color never
expect "config: conditional APIs on" "exit $rc; $(tail -n 1 "$out")" \
  eval '[ "$rc" -eq 1 ] && grep -q "blocking call .read. in event-loop handler .on_timer." "$out"'
run -C "$cond" check -p "$cond" --color never --no-conditional
expect "--no-conditional overrides the configuration" "exit $rc; $(tail -n 1 "$out")" \
  eval '[ "$rc" -eq 0 ] && has_line "$out" "asynclock: 0 findings from 1 handler in 1 translation unit"'
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

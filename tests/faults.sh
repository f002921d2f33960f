#!/usr/bin/env bash
# Fault tests: inputs that break one part of a program never stop asynclock or hide the findings of
# the rest. Each check looks at the message, the exit code, and that the intact part's finding is
# still reported. docs/robustness.md lists every fault with the check that covers it (some live in
# tests/cli.sh, fixtures/ and the unit tests).
#
#   bash tests/faults.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR
set -u

# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"
setup_script faults.sh "$@"

# entry FILE [DIRECTORY]: a compile_commands.json entry for FILE (relative to DIRECTORY, default $src)
entry() { printf '{"directory": "%s", "arguments": ["cc", "-c", "%s"], "file": "%s"}' "${2:-$src}" "$1" "$1"; }
# json_check FILE PYTHON: runs the Python assertions with `r` the report parsed from FILE
json_check() { python3 -c "import json, sys
r = json.load(open(sys.argv[1], encoding='utf-8', errors='surrogateescape'))
$2" "$1"; }
seconds_since() { echo $(($(date +%s) - $1)); }

# ---- the intact part: a libuv timer handler that sleeps ----
src="$work/src"
mkdir -p "$src"
cat >"$src/good.c" <<'C'
#include <unistd.h>
#include <uv.h>

static void on_timer(uv_timer_t *t)
{
    (void)t;
    sleep(1);
}

void start_good(uv_loop_t *loop, uv_timer_t *t)
{
    uv_timer_init(loop, t);
    uv_timer_start(t, on_timer, 10, 0);
}
C
good_finding="src/good.c:7:5: error: blocking call 'sleep' in event-loop handler 'on_timer' [async-lock/sleep]"

# analyze NAME ENTRY...: a database of good.c and the entries, analyzed from $work
analyze() {
  local name=$1
  shift
  write_db "$work/$name" "$(entry good.c)" "$@"
  run check -p "$work/$name" "${extra[@]}"
}
extra=()

# ---- translation units with syntax errors: the rest of their file is still analyzed ----
cat >"$src/syntax.c" <<'C'
#include <stdio.h>
#include <uv.h>

static void on_idle(uv_idle_t *h)
{
    (void)h;
    FILE *f = fopen("/tmp/idle.log", "a");
    if (f)
        fclose(f);
}

void start_syntax(uv_loop_t *loop, uv_idle_t *h)
{
    uv_idle_init(loop, h);
    uv_idle_start(h, on_idle);
}

int broken(void)
{
    return 1 +;
}
C
analyze syntax "$(entry syntax.c)"
expect "syntax error: exit 1 (findings)" "exit $rc; $(head -c 300 "$err")" rc_is 1
expect "syntax error: the other unit's finding" "$(head -c 300 "$out")" has_line "$out" "$good_finding"
expect "syntax error: the finding before the error in the same file" "$(head -c 600 "$out")" \
  has_line "$out" "src/syntax.c:7:15: error: blocking call 'fopen' in event-loop handler 'on_idle' [async-lock/file-io]"
expect "syntax error: one stderr line naming it" "$(cat "$err")" \
  has_line "$err" "$src/syntax.c:20:15: error: expected expression (the rest of this file is still analyzed)"
expect "syntax error: summary counts it" "$(tail -n 1 "$out")" has_line "$out" \
  "asynclock: 3 findings (3 errors) from 2 handlers in 2 translation units; 1 of them failed: 1 partially analyzed"

# ---- --strict: a failed unit makes the run exit 2, after the reports are written ----
extra=(--strict --json "$work/strict.json")
analyze syntax "$(entry syntax.c)"
extra=()
expect "--strict: exit 2" "exit $rc" rc_is 2
expect "--strict: the text report is still written" "$(tail -n 1 "$out")" has_line "$out" "$good_finding"
expect "--strict: the JSON report is still written" "$(head -c 200 "$work/strict.json" 2>/dev/null)" \
  json_check "$work/strict.json" 'assert r["summary"]["parse_errors"] == 1 and r["summary"]["findings"] == 3, r["summary"]'
extra=(--strict)
analyze strict-clean
extra=()
expect "--strict: a clean program still exits 1 for its findings" "exit $rc" rc_is 1

# ---- a missing header: reported, and the file is still analyzed after it ----
cat >"$src/noheader.c" <<'C'
#include <unistd.h>
#include <uv.h>
#include "no_such_header.h"

static void on_check(uv_check_t *h)
{
    (void)h;
    usleep(10);
}

void start_noheader(uv_loop_t *loop, uv_check_t *h)
{
    uv_check_init(loop, h);
    uv_check_start(h, on_check);
}
C
analyze noheader "$(entry noheader.c)"
expect "missing header: exit 1" "exit $rc; $(head -c 300 "$err")" rc_is 1
expect "missing header: named on stderr" "$(cat "$err")" \
  has_line "$err" "$src/noheader.c:3:10: error: 'no_such_header.h' file not found (the rest of this file is still analyzed)"
expect "missing header: the finding of the same file" "$(head -c 600 "$out")" \
  has_line "$out" "src/noheader.c:8:5: error: blocking call 'usleep' in event-loop handler 'on_check' [async-lock/sleep]"
expect "missing header: the other unit's finding" "$(head -c 300 "$out")" has_line "$out" "$good_finding"

# ---- binary garbage and an empty file ----
python3 -c "import sys; sys.stdout.buffer.write(bytes((i * 151 + 7) % 256 for i in range(8192)))" >"$src/garbage.c"
: >"$src/empty.c"
analyze garbage "$(entry garbage.c)" "$(entry empty.c)"
expect "binary garbage: exit 1" "exit $rc; $(head -c 300 "$err")" rc_is 1
expect "binary garbage: the other unit's finding" "$(head -c 300 "$out")" has_line "$out" "$good_finding"
expect "binary garbage: one stderr line, for garbage.c only" "$(head -c 400 "$err")" \
  eval '[ "$(wc -l <"$err")" -eq 1 ] && grep -q "^$src/garbage.c:[0-9]*:[0-9]*: .*(the rest of this file is still analyzed)$" "$err"'
expect "binary garbage: the empty file is a clean unit" "$(tail -n 1 "$out")" has_line "$out" \
  "asynclock: 1 finding (1 error) from 1 handler in 3 translation units; 1 of them failed: 1 partially analyzed"

# ---- a folder or an unreadable path where a source file should be ----
mkdir -p "$src/adir.c"
analyze folder "$(entry adir.c)" "$(entry gone.c)"
expect "folder as source: exit 1" "exit $rc; $(head -c 300 "$err")" rc_is 1
expect "folder as source: the other unit's finding" "$(head -c 300 "$out")" has_line "$out" "$good_finding"
expect "folder as source: named on stderr" "$(cat "$err")" \
  has_line "$err" "$src/adir.c: error: cannot read source file: Is a directory (skipped)"
expect "missing source: named on stderr" "$(cat "$err")" \
  has_line "$err" "$src/gone.c: error: cannot read source file: No such file or directory (skipped)"
expect "unreadable sources: summary" "$(tail -n 1 "$out")" has_line "$out" \
  "asynclock: 1 finding (1 error) from 1 handler in 3 translation units; 2 of them failed: 2 not analyzed"

# ---- a 10 MB source file, generated here ----
python3 - "$src/big.c" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("#include <unistd.h>\n#include <uv.h>\n")
    i = 0
    while f.tell() < 10 * 1024 * 1024:
        f.write("int filler_%d(int x) { int y = x * %d + 1; return y > %d ? y - %d : filler_%d(y); }\n"
                % (i, i, i, i, max(i - 1, 0)))
        i += 1
    f.write("static void on_big(uv_timer_t *t) { (void)t; filler_%d(1); sleep(2); }\n" % (i - 1))
    f.write("void start_big(uv_timer_t *t) { uv_timer_start(t, on_big, 1, 0); }\n")
PY
big_line=$(grep -n '^static void on_big' "$src/big.c" | cut -d: -f1)
started=$(date +%s)
analyze big "$(entry big.c)"
big_seconds=$(seconds_since "$started")
expect "10 MB source: exit 1, nothing on stderr" "exit $rc; $(head -c 300 "$err")" eval '[ "$rc" -eq 1 ] && [ ! -s "$err" ]'
expect "10 MB source: its finding" "$(grep -c error: "$out") findings" \
  has_line "$out" "src/big.c:$big_line:$(awk -v n="$big_line" 'NR == n { print index($0, "sleep(2)") }' "$src/big.c"): error: blocking call 'sleep' in event-loop handler 'on_big' [async-lock/sleep]"
expect "10 MB source: analyzed in under 120 s" "${big_seconds}s" eval '[ "$big_seconds" -lt 120 ]'
echo "measure: 10 MB source analyzed in ${big_seconds}s"

# ---- a 100,000-deep call chain in real source ----
python3 - "$src/deep.c" <<'PY'
import sys
n = 100000
with open(sys.argv[1], "w") as f:
    f.write("#include <unistd.h>\n#include <uv.h>\n")
    for i in range(n, 0, -1):
        body = "sleep(3);" if i == n else "step_%d();" % (i + 1)
        f.write("void step_%d(void) { %s }\n" % (i, body))
    f.write("static void on_deep(uv_timer_t *t) { (void)t; step_1(); }\n")
    f.write("void start_deep(uv_timer_t *t) { uv_timer_start(t, on_deep, 1, 0); }\n")
PY
started=$(date +%s)
write_db "$work/deep" "$(entry deep.c)"
run check -p "$work/deep" -f json -o "$work/deep.json"
deep_seconds=$(seconds_since "$started")
expect "100,000-deep chain: exit 1" "exit $rc; $(head -c 300 "$err")" rc_is 1
expect "100,000-deep chain: the finding with its whole chain" "$(head -c 300 "$work/deep.json" 2>/dev/null)" \
  json_check "$work/deep.json" '
f = r["findings"]
assert len(f) == 1 and f[0]["callee"] == "sleep", f
chain = f[0]["handlers"][0]["chain"]
assert len(chain) == 100001, len(chain)
assert chain[0]["function"] == "on_deep" and chain[-1]["function"] == "step_100000", (chain[0], chain[-1])'
expect "100,000-deep chain: analyzed in under 120 s" "${deep_seconds}s" eval '[ "$deep_seconds" -lt 120 ]'
echo "measure: 100,000-deep chain analyzed in ${deep_seconds}s"

# ---- a 15,000-branch else-if chain (generated code has them): libclang parses it recursively, and
# its own 8 MB parsing thread overflows on it; asynclock parses on workers with larger stacks ----
python3 - "$src/branchy.c" <<'PY'
import sys
n = 15000
with open(sys.argv[1], "w") as f:
    f.write("#include <unistd.h>\n#include <uv.h>\n")
    f.write("static void on_branchy(uv_timer_t *t)\n{\n    long x = (long)t->data;\n    if (x == 0) {\n")
    for i in range(1, n):
        f.write("    } else if (x == %d) {\n" % i)
    f.write("    } else {\n        sleep(4);\n    }\n}\n")
    f.write("void start_branchy(uv_timer_t *t) { uv_timer_start(t, on_branchy, 1, 0); }\n")
PY
branchy_line=$(grep -n 'sleep(4);' "$src/branchy.c" | cut -d: -f1)
started=$(date +%s)
write_db "$work/branchy" "$(entry branchy.c)"
run check -p "$work/branchy" -j 1
branchy_seconds=$(seconds_since "$started")
expect "15,000-branch else-if: its finding (no stack overflow, even with -j 1)" "exit $rc; $(head -c 300 "$err")" \
  eval '[ "$rc" -eq 1 ] && has_line "$out" "src/branchy.c:$branchy_line:9: error: blocking call '"'sleep'"' in event-loop handler '"'on_branchy'"' [async-lock/sleep]"'
echo "measure: 15,000-branch else-if chain analyzed in ${branchy_seconds}s"

# ---- self-recursive and mutually recursive handlers ----
cat >"$src/recursion.c" <<'C'
#include <unistd.h>
#include <uv.h>

static void on_retry(uv_timer_t *t)
{
    if (t->data)
        on_retry(t);
    sleep(1);
}

static void on_ping(uv_timer_t *t);
static void on_pong(uv_timer_t *t)
{
    on_ping(t);
}
static void on_ping(uv_timer_t *t)
{
    on_pong(t);
    usleep(1);
}

void start_recursion(uv_timer_t *a, uv_timer_t *b, uv_timer_t *c)
{
    uv_timer_start(a, on_retry, 1, 0);
    uv_timer_start(b, on_ping, 1, 0);
    uv_timer_start(c, on_pong, 1, 0);
}
C
write_db "$work/recursion" "$(entry recursion.c)"
run check -p "$work/recursion" -f json -o "$work/recursion.json"
expect "recursive handlers: exit 1" "exit $rc; $(head -c 300 "$err")" rc_is 1
expect "recursive handlers: each blocking call once, every handler with its shortest chain" \
  "$(head -c 300 "$work/recursion.json" 2>/dev/null)" json_check "$work/recursion.json" '
got = sorted((f["callee"], f["location"]["line"],
              sorted((h["name"], tuple(s["function"] for s in h["chain"])) for h in f["handlers"])) for f in r["findings"])
assert got == [("sleep", 8, [("on_retry", ("on_retry",))]),
               ("usleep", 19, [("on_ping", ("on_ping",)), ("on_pong", ("on_pong", "on_ping"))])], got'

# ---- paths with spaces and bytes that are not UTF-8 ----
odd="$work/dir with space/$(printf 'caf\xe9')"
mkdir -p "$odd"
sed 's/on_timer/on_odd/; s/start_good/start_odd/' "$src/good.c" >"$odd/odd file.c"
write_db "$work/odd" "{\"directory\": \"$odd\", \"command\": \"cc -I '$odd' -c 'odd file.c'\", \"file\": \"odd file.c\"}"
run -C "$odd" check -p "$work/odd" --json "$work/odd.json" --sarif "$work/odd.sarif"
expect "odd paths: exit 1, nothing on stderr" "exit $rc; $(head -c 300 "$err")" eval '[ "$rc" -eq 1 ] && [ ! -s "$err" ]'
expect "odd paths: text names the file as it is" "$(head -c 300 "$out")" \
  has_line "$out" "odd file.c:7:5: error: blocking call 'sleep' in event-loop handler 'on_odd' [async-lock/sleep]"
expect "odd paths: JSON keeps the path's bytes" "$(head -c 300 "$work/odd.json" 2>/dev/null)" \
  json_check "$work/odd.json" '
path = r["findings"][0]["location"]["file"]
assert path.endswith("/dir with space/caf\udce9/odd file.c"), path'
expect "odd paths: SARIF URIs are percent-encoded" "$(grep -o '"uri":[^,]*' "$work/odd.sarif" | head -n 3)" \
  eval 'grep -q "\"uri\":[[:space:]]*\"odd%20file.c\"" "$work/odd.sarif" &&
        grep -q "\"uri\":[[:space:]]*\"file://[^\"]*/dir%20with%20space/caf%E9/\"" "$work/odd.sarif"'

# ---- symlinked sources: reported at the file's real path, so a file listed both through a link
# and directly is one unit's worth of findings ----
mkdir -p "$work/linked"
ln -sfn "$src/good.c" "$work/linked/link.c"
ln -sfn "$src" "$work/linked/srcdir"
write_db "$work/symlink" "$(entry link.c "$work/linked")"
run check -p "$work/symlink"
expect "symlinked file: its finding, at the real path" "exit $rc; $(head -c 300 "$out")" \
  eval '[ "$rc" -eq 1 ] && has_line "$out" "$good_finding"'
write_db "$work/symlink-dir" "$(entry srcdir/good.c "$work/linked")"
run check -p "$work/symlink-dir"
expect "file in a symlinked folder: its finding" "exit $rc; $(head -c 300 "$out")" \
  eval '[ "$rc" -eq 1 ] && has_line "$out" "$good_finding"'
write_db "$work/symlink-both" "$(entry good.c)" "$(entry link.c "$work/linked")"
run check -p "$work/symlink-both"
expect "a file and a link to it: one finding" "$(tail -n 1 "$out")" \
  eval '[ "$rc" -eq 1 ] && [ "$(grep -c "error: blocking" "$out")" -eq 1 ] && has_line "$out" "$good_finding"'

# ---- duplicate and relative compile database entries ----
write_db "$work/dupes" "$(entry good.c)" \
  "{\"directory\": \"$src/../src/.\", \"command\": \"cc -DAGAIN -c ./good.c\", \"file\": \"./good.c\"}" \
  "{\"directory\": \"$work\", \"arguments\": [\"cc\", \"-c\", \"src/good.c\"], \"file\": \"src/good.c\"}"
run check -p "$work/dupes"
# the same flags twice are one unit; -DAGAIN makes a second unit of the same file, whose call is the
# same site: still one finding
expect "duplicate entries: one unit per set of flags, one finding" "$(tail -n 1 "$out")" \
  eval '[ "$rc" -eq 1 ] && [ "$(grep -c "error: blocking" "$out")" -eq 1 ] && has_line "$out" "asynclock: 1 finding (1 error) from 1 handler in 2 translation units"'

# ---- an unwritable output folder: one line, exit 2, before any analysis, nothing left behind ----
: >"$work/not-a-folder"
check_error "-o into a file's 'folder'" 2 "$work/not-a-folder/r.txt: error: cannot write report: Not a directory" \
  check -p "$work/syntax" -o "$work/not-a-folder/r.txt"
check_error "--sarif into a file's 'folder'" 2 "$work/not-a-folder/r.sarif: error: cannot write report: Not a directory" \
  check -p "$work/syntax" -o "$work/r.txt" --sarif "$work/not-a-folder/r.sarif"
expect "unwritable side report: the main report is not left behind" "$(ls "$work" | grep '^r\.txt' || true)" \
  eval '! ls "$work" | grep -q "^r\.txt"'
if [ "$(id -u)" -ne 0 ]; then
  mkdir -p "$work/readonly"
  chmod 555 "$work/readonly"
  check_error "-o into a read-only folder" 2 "$work/readonly/r.json: error: cannot write report: Permission denied" \
    check -p "$work/syntax" -f json -o "$work/readonly/r.json"
  chmod 755 "$work/readonly"
else
  echo "SKIP: -o into a read-only folder (root writes anywhere)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

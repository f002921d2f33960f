#!/usr/bin/env bash
# The facts cache, shards and interruption, end to end: which units a run parses again (read from
# the JSON summary's cached_units), that cached runs report exactly what cold runs report, that a
# corrupt, truncated, unwritable or shared cache is handled, that `--shard K/N` + `merge` equals one
# whole run, and that SIGINT/SIGTERM leave no report and a consistent cache (SIGKILL too: the cache).
#
#   bash tests/cache.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR
set -u

if [ "$#" -ne 3 ]; then
  echo "usage: bash tests/cache.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR" >&2
  exit 2
fi
exe=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
repo=$(cd "$2" && pwd -P)
rm -rf "$3"
mkdir -p "$3"
work=$(cd "$3" && pwd -P)
export ASYNCLOCK_RULES_DIR="${ASYNCLOCK_RULES_DIR:-$repo/rules}"
unset CI NO_COLOR

# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"

# ---- a project: UNITS handler units, each including common.h; the first three also rare.h ----
UNITS=12
proj="$work/project"
build="$proj/build"
mkdir -p "$proj" "$build"
cat >"$proj/common.h" <<'EOF'
#include <uv.h>
void do_work(int depth);
EOF
cat >"$proj/rare.h" <<'EOF'
#define RARE_DELAY 1
EOF
cat >"$proj/work.c" <<'EOF'
#include <unistd.h>
#include "common.h"
void do_work(int depth)
{
    if (depth > 0)
        do_work(depth - 1);
    usleep(10); /* every handler reaches this through do_work */
}
EOF
entries=()
entry() { entries+=("{\"directory\": \"$proj\", \"file\": \"$1\", \"command\": \"cc -c $1 $2\"}"); }
entry work.c ""
for i in $(seq 1 "$UNITS"); do
  {
    echo '#include "common.h"'
    [ "$i" -le 3 ] && echo '#include "rare.h"'
    echo "static void on_timer_$i(uv_timer_t *t) { (void)t; do_work($i); }"
    echo "void start_$i(uv_loop_t *loop, uv_timer_t *t) { uv_timer_init(loop, t); uv_timer_start(t, on_timer_$i, 10, 0); }"
  } >"$proj/unit_$i.c"
  entry "unit_$i.c" ""
done
write_db "$build" "${entries[@]}"
total=$((UNITS + 1))

# analyze OUT.json [ARGS...]: a JSON run of the project; sets rc.
analyze() {
  local out=$1
  shift
  "$exe" check -p "$build" -q -f json -o "$out" "$@" 2>"$work/stderr.txt"
  rc=$?
}
cached() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["cached_units"])' "$1"; }
# The findings without run-dependent numbers, to compare runs.
findings_of() {
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    print(f["location"]["file"], f["location"]["line"], f["callee"], ",".join(sorted(h["name"] for h in f["handlers"])))
print("units", r["summary"]["translation_units"], "failed", r["summary"]["parse_errors"])' "$1"
}
same_findings() { diff <(findings_of "$1") <(findings_of "$2") >/dev/null; }
cache_ok() { [ "$(sqlite3 "$1" 'PRAGMA quick_check')" = ok ]; }

analyze "$work/cold.json"
expect "cold run: exit 1 (findings)" "exit $rc: $(cat "$work/stderr.txt")" [ "$rc" -eq 1 ]
expect "cold run: nothing from the cache" "cached $(cached "$work/cold.json")" [ "$(cached "$work/cold.json")" -eq 0 ]
expect "cold run: one finding, reached by every handler" "$(findings_of "$work/cold.json")" \
  eval '[ "$(findings_of "$work/cold.json" | head -1 | tr "," "\n" | wc -l)" -eq '"$UNITS"' ]'
expect "cold run: cache in the build folder" "missing" test -s "$build/.asynclock-cache/facts.sqlite"
expect "cold run: nothing on stderr" "$(cat "$work/stderr.txt")" test ! -s "$work/stderr.txt"

analyze "$work/warm.json"
expect "warm run: every unit from the cache" "cached $(cached "$work/warm.json")" [ "$(cached "$work/warm.json")" -eq "$total" ]
expect "warm run: same findings and exit code" "exit $rc" eval 'same_findings "$work/cold.json" "$work/warm.json" && [ "$rc" -eq 1 ]'

touch "$proj/unit_5.c" "$proj/common.h"
analyze "$work/touched.json"
expect "touched, contents unchanged: still cached" "cached $(cached "$work/touched.json")" [ "$(cached "$work/touched.json")" -eq "$total" ]

echo "/* edited */" >>"$proj/unit_5.c"
analyze "$work/edited.json"
expect "one source edited: only it is parsed" "cached $(cached "$work/edited.json")" [ "$(cached "$work/edited.json")" -eq $((total - 1)) ]
expect "one source edited: same findings" "differs" same_findings "$work/cold.json" "$work/edited.json"

echo "#define RARE_MORE 2" >>"$proj/rare.h"
analyze "$work/rare.json"
expect "header of 3 units edited: those 3 are parsed" "cached $(cached "$work/rare.json")" [ "$(cached "$work/rare.json")" -eq $((total - 3)) ]

echo "/* edited */" >>"$proj/common.h"
analyze "$work/common.json"
expect "header of every unit edited: all parsed" "cached $(cached "$work/common.json")" [ "$(cached "$work/common.json")" -eq 0 ]
expect "header of every unit edited: same findings" "differs" same_findings "$work/cold.json" "$work/common.json"

# A new blocking call in one unit is found on the next run (its facts are not stale).
echo 'void extra_blocking(void) { sleep(2); } static void on_extra(uv_timer_t *t) { (void)t; extra_blocking(); } void start_extra(uv_timer_t *t) { uv_timer_start(t, on_extra, 1, 0); }' >>"$proj/unit_7.c"
sed -i '1i #include <unistd.h>' "$proj/unit_7.c"
analyze "$work/newcall.json"
expect "new blocking call: reported after an edit" "$(findings_of "$work/newcall.json")" \
  eval 'findings_of "$work/newcall.json" | grep -q " sleep on_extra$"'
expect "new blocking call: only that unit parsed" "cached $(cached "$work/newcall.json")" [ "$(cached "$work/newcall.json")" -eq $((total - 1)) ]

# Compile arguments are part of the key.
entries[3]="{\"directory\": \"$proj\", \"file\": \"unit_3.c\", \"command\": \"cc -DNEW_FLAG=1 -c unit_3.c\"}"
write_db "$build" "${entries[@]}"
analyze "$work/args.json"
expect "changed compile arguments: that unit is parsed" "cached $(cached "$work/args.json")" [ "$(cached "$work/args.json")" -eq $((total - 1)) ]

# Rules are applied after the cache: a new pack changes the findings without a parse.
cat >"$work/extra-pack.json" <<'EOF'
{"pack": "extra", "version": 1, "apis": [
  {"name": "usleep", "category": "sleep", "severity": "note", "confidence": "definite", "why": "w", "fix": "f"}]}
EOF
analyze "$work/rules.json" --rules "$work/extra-pack.json" --fail-on warning
expect "rules changed: nothing parsed" "cached $(cached "$work/rules.json")" [ "$(cached "$work/rules.json")" -eq "$total" ]
expect "rules changed: the new rule applies (usleep is a note now)" "exit $rc" eval '[ "$rc" -eq 1 ] && grep -q "\"severity\":.*\"note\"" "$work/rules.json"'

# ---- where the cache lives ----
rm -rf "$build/.asynclock-cache"
analyze "$work/nocache.json" --no-cache
expect "--no-cache: no cache written" "found one" test ! -e "$build/.asynclock-cache"
expect "--no-cache: same findings" "differs" same_findings "$work/newcall.json" "$work/nocache.json"
analyze "$work/dir.json" --cache "$work/my cache"
expect "--cache DIR: the cache is there" "missing" test -s "$work/my cache/facts.sqlite"
analyze "$work/dir2.json" --cache "$work/my cache"
expect "--cache DIR: reused" "cached $(cached "$work/dir2.json")" [ "$(cached "$work/dir2.json")" -eq "$total" ]

# ---- libclang is opened to parse, not to read the cache (analyzer/libclang.c) ----
# loads_libclang OUT.json [ARGS...]: a run on the --cache DIR cache, traced by the dynamic loader;
# true when it opened libclang. Sets rc.
loads_libclang() {
  local out=$1
  shift
  LD_DEBUG=files "$exe" check -p "$build" -q -f json -o "$out" --cache "$work/my cache" "$@" 2>"$work/ld.txt"
  rc=$?
  grep -q "file=.*libclang" "$work/ld.txt"
}
expect "warm run: libclang not even loaded" "exit $rc" eval '! loads_libclang "$work/ld1.json" && [ "$rc" -eq 1 ]'
expect "warm run without libclang: same findings, all cached" "cached $(cached "$work/ld1.json")" \
  eval 'same_findings "$work/dir2.json" "$work/ld1.json" && [ "$(cached "$work/ld1.json")" -eq "$total" ]'
echo "/* edited again */" >>"$proj/unit_5.c"
expect "a unit to parse: libclang loaded" "exit $rc" eval 'loads_libclang "$work/ld2.json" && [ "$rc" -eq 1 ]'
expect "a unit to parse: only it parsed" "cached $(cached "$work/ld2.json")" [ "$(cached "$work/ld2.json")" -eq $((total - 1)) ]
llvm_lib=$("$exe" --version | sed -n 's/^libclang: built with LLVM [^ ]* (\(.*\)), C API.*/\1/p')
ln -sf "$llvm_lib" "$work/another-libclang.so"
expect "another libclang file: loaded for its version" "exit $rc" \
  eval 'ASYNCLOCK_LIBCLANG="$work/another-libclang.so" loads_libclang "$work/ld3.json" && [ "$rc" -eq 1 ]'
expect "another libclang file of the same version: the units stay cached" "cached $(cached "$work/ld3.json")" \
  [ "$(cached "$work/ld3.json")" -eq "$total" ]
ASYNCLOCK_LIBCLANG="$work/no-such-libclang.so" analyze "$work/nolib.json" --cache "$work/my cache"
expect "no libclang: exit 2, one line, no report" "exit $rc: $(cat "$work/stderr.txt")" \
  eval '[ "$rc" -eq 2 ] && [ "$(wc -l <"$work/stderr.txt")" -eq 1 ] && [ ! -e "$work/nolib.json" ] &&
        grep -q "^asynclock: error: cannot load libclang: $work/no-such-libclang.so: cannot open" "$work/stderr.txt"'
ASYNCLOCK_LIBCLANG="$work/no-such-libclang.so" analyze "$work/nolib.json" --no-cache
expect "no libclang, no cache: exit 2, one line" "exit $rc: $(cat "$work/stderr.txt")" \
  eval '[ "$rc" -eq 2 ] && [ "$(wc -l <"$work/stderr.txt")" -eq 1 ] && grep -q "cannot load libclang" "$work/stderr.txt"'
# the version a warm run takes from the cache's note is the one every unit's key holds
analyze "$work/ld4.json" --cache "$work/my cache"
sqlite3 "$work/my cache/facts.sqlite" "UPDATE meta SET value = value || ' (another)' WHERE name = 'note:libclang'"
loads_libclang "$work/ld5.json"
expect "the cache's note of libclang's version is what a warm run goes by (another version: all parsed)" \
  "exit $rc, cached $(cached "$work/ld5.json")" eval '[ "$rc" -eq 1 ] && [ "$(cached "$work/ld5.json")" -eq 0 ]'
sqlite3 "$work/my cache/facts.sqlite" "DELETE FROM meta WHERE name = 'note:libclang'"
expect "without the note: libclang loaded, the note written again" "exit $rc" \
  eval 'loads_libclang "$work/ld6.json" && [ "$rc" -eq 1 ] &&
        sqlite3 "$work/my cache/facts.sqlite" "SELECT value FROM meta WHERE name = '"'note:libclang'"'" | grep -q "clang version"'

: >"$work/a-file"
analyze "$work/bad.json" --cache "$work/a-file/sub"
expect "--cache in an unusable folder: exit 2" "exit $rc" [ "$rc" -eq 2 ]
expect "--cache in an unusable folder: one line naming it" "$(cat "$work/stderr.txt")" \
  eval '[ "$(wc -l <"$work/stderr.txt")" -eq 1 ] && grep -q "^$work/a-file/sub/facts.sqlite: error: cannot create the facts cache folder" "$work/stderr.txt"'
expect "--cache in an unusable folder: no report" "report written" test ! -e "$work/bad.json"

rm -rf "$build/.asynclock-cache"
: >"$build/.asynclock-cache" # a file where the default cache folder should be
analyze "$work/unusable.json"
expect "unusable default cache: analysis goes on" "exit $rc" eval '[ "$rc" -eq 1 ] && same_findings "$work/newcall.json" "$work/unusable.json"'
expect "unusable default cache: one warning" "$(cat "$work/stderr.txt")" \
  eval '[ "$(wc -l <"$work/stderr.txt")" -eq 1 ] && grep -q "going on without a cache" "$work/stderr.txt"'
rm -f "$build/.asynclock-cache"

# ---- damaged caches are detected, said, and rebuilt ----
analyze "$work/fill.json"
db="$build/.asynclock-cache/facts.sqlite"
head -c 4096 /dev/urandom >"$db"
analyze "$work/garbage.json"
expect "garbage cache: rebuilt and said" "$(cat "$work/stderr.txt")" grep -q "facts cache was corrupt.*rebuilt it" "$work/stderr.txt"
expect "garbage cache: full findings" "exit $rc" eval '[ "$rc" -eq 1 ] && same_findings "$work/newcall.json" "$work/garbage.json"'
analyze "$work/after.json"
expect "garbage cache: the rebuilt cache is used" "cached $(cached "$work/after.json")" [ "$(cached "$work/after.json")" -eq "$total" ]
size=$(stat -c %s "$db")
truncate -s $((size / 2)) "$db"
analyze "$work/truncated.json"
expect "truncated cache: rebuilt and said" "$(cat "$work/stderr.txt")" grep -q "facts cache was corrupt" "$work/stderr.txt"
expect "truncated cache: full findings" "exit $rc" eval '[ "$rc" -eq 1 ] && same_findings "$work/newcall.json" "$work/truncated.json"'
expect "truncated cache: consistent afterwards" "quick_check failed" cache_ok "$db"

# ---- two runs at once on one cache ----
rm -rf "$build/.asynclock-cache"
"$exe" check -p "$build" -q -f json -o "$work/par1.json" -j 1 2>"$work/par1.err" &
p1=$!
"$exe" check -p "$build" -q -f json -o "$work/par2.json" -j 1 2>"$work/par2.err" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
expect "two runs at once: both complete" "exits $r1 $r2: $(cat "$work/par1.err" "$work/par2.err")" \
  eval '[ $r1 -eq 1 ] && [ $r2 -eq 1 ] && [ ! -s "$work/par1.err" ] && [ ! -s "$work/par2.err" ]'
expect "two runs at once: both report everything" "differs" \
  eval 'same_findings "$work/newcall.json" "$work/par1.json" && same_findings "$work/newcall.json" "$work/par2.json"'
expect "two runs at once: cache consistent" "quick_check failed" cache_ok "$db"

# ---- shards and merge ----
for k in 1 2 3; do
  "$exe" check -p "$build" -q --shard "$k/3" -o "$work/shard$k.facts" 2>"$work/shard$k.err"
  expect "shard $k/3: exit 0, facts written" "exit $?: $(cat "$work/shard$k.err")" test -s "$work/shard$k.facts"
done
"$exe" merge -q -f json -o "$work/merged.json" "$work/shard3.facts" "$work/shard1.facts" "$work/shard2.facts" 2>"$work/merge.err"
rc=$?
expect "merge: exit 1 (findings), as one run" "exit $rc: $(cat "$work/merge.err")" [ "$rc" -eq 1 ]
expect "merge: the findings of one whole run" "$(diff <(findings_of "$work/newcall.json") <(findings_of "$work/merged.json"))" \
  same_findings "$work/newcall.json" "$work/merged.json"
"$exe" merge -f json -o "$work/m.json" "$work/shard1.facts" "$work/shard3.facts" 2>"$work/merge.err"
rc=$?
expect "merge with a shard missing: exit 2, says which" "exit $rc: $(cat "$work/merge.err")" \
  eval '[ $rc -eq 2 ] && [ "$(cat "$work/merge.err")" = "asynclock: error: shard 2/3 is missing: merge needs every shard'"'"'s file" ] && [ ! -e "$work/m.json" ]'
"$exe" merge -f json -o "$work/m.json" "$work/shard1.facts" "$work/shard1.facts" "$work/shard2.facts" 2>"$work/merge.err"
expect "merge with a shard twice: exit 2" "exit $?: $(cat "$work/merge.err")" \
  grep -qx "$work/shard1.facts: error: shard 1/3 is given twice" "$work/merge.err"
"$exe" merge -f json "$db" 2>"$work/merge.err"
rc=$?
expect "merge of a non-shard file: exit 2" "exit $rc: $(cat "$work/merge.err")" \
  eval '[ $rc -eq 2 ] && grep -qx "$db: error: not an asynclock shard file (write one with check --shard K/N -o FILE)" "$work/merge.err"'
"$exe" check -p "$build" --shard 2/3 2>"$work/merge.err"
expect "--shard without -o: usage error" "exit $?" \
  grep -qx "asynclock: error: --shard writes a facts file: give it with -o FILE (see asynclock --help)" "$work/merge.err"
"$exe" check -p "$build" --shard 4/3 -o x 2>"$work/merge.err"
expect "--shard 4/3: usage error" "$(cat "$work/merge.err")" \
  grep -qx "asynclock: error: --shard takes K/N with 1 <= K <= N, not '4/3' (see asynclock --help)" "$work/merge.err"

# ---- SIGINT / SIGTERM: no report, a consistent cache, the rest cached ----
big="$work/big"
mkdir -p "$big/build"
{
  echo "["
  for i in $(seq 1 120); do
    printf '#include <uv.h>\n#include <glib.h>\n#include <unistd.h>\nstatic void cb_%d(uv_timer_t *t) { (void)t; sleep(1); }\nvoid go_%d(uv_timer_t *t) { uv_timer_start(t, cb_%d, 1, 0); }\n' "$i" "$i" "$i" >"$big/u$i.c"
    [ "$i" -gt 1 ] && echo ","
    echo "{\"directory\": \"$big\", \"file\": \"u$i.c\", \"command\": \"cc $(pkg-config --cflags glib-2.0) -c u$i.c\"}"
  done
  echo "]"
} >"$big/build/compile_commands.json"
for sig in INT TERM KILL; do
  rm -rf "$big/build/.asynclock-cache" "$work"/sig.json*
  "$exe" check -p "$big/build" -j 1 -f json -o "$work/sig.json" 2>"$work/sig.err" &
  pid=$!
  sleep 1.5
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  want=$((128 + $(kill -l "$sig")))
  expect "SIG$sig: exit $want" "exit $rc: $(tail -c 300 "$work/sig.err")" [ "$rc" -eq "$want" ]
  if [ "$sig" != KILL ]; then # SIGKILL cannot be caught: nothing is said, a temporary file may stay
    expect "SIG$sig: says so" "$(tail -c 300 "$work/sig.err")" grep -q "interrupted after parsing [0-9]* of 120 units (they are cached); no report written" "$work/sig.err"
    expect "SIG$sig: no report, no temporary file" "$(ls "$work" | grep sig.json)" eval '! ls "$work" | grep -q "^sig.json"'
  fi
  expect "SIG$sig: no report under the report's name" "found" test ! -e "$work/sig.json"
  expect "SIG$sig: cache consistent" "quick_check failed" cache_ok "$big/build/.asynclock-cache/facts.sqlite"
  "$exe" check -p "$big/build" -f json -o "$work/sig.json" 2>"$work/sig.err"
  rc=$?
  n=$(cached "$work/sig.json")
  expect "SIG$sig: the next run reuses the finished units, says nothing, and reports all 120" "exit $rc, cached $n: $(head -c 300 "$work/sig.err")" \
    eval '[ "$rc" -eq 1 ] && [ "$n" -gt 0 ] && [ "$n" -lt 120 ] && [ ! -s "$work/sig.err" ] && [ "$(findings_of "$work/sig.json" | wc -l)" -eq 121 ]'
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

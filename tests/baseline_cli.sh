#!/usr/bin/env bash
# Baselines and changed-code mode end to end, as a user runs them: write a baseline of a small
# libuv project, check against it, shift lines, add a blocking call (exactly one new finding),
# remove one (gone, prunable), keep a reason when regenerating, reject a corrupt baseline; then
# --changed-since in a scratch git repository holding a copy of the project.
#
#   bash tests/baseline_cli.sh ASYNCLOCK_EXE WORK_DIR
set -u
exe=$(realpath "$1")
rm -rf "$2" && mkdir -p "$2"
work=$(cd "$2" && pwd -P)
unset NO_COLOR CI
out="$work/stdout.txt" err="$work/stderr.txt"
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

proj="$work/project"
mkdir -p "$proj"
cat >"$proj/server.c" <<'EOF'
#include <unistd.h>
#include <uv.h>

void log_line(const char *text);

static void on_timer(uv_timer_t *timer)
{
    (void)timer;
    log_line("tick");
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
cat >"$proj/log.c" <<'EOF'
#include <stdio.h>

void log_line(const char *text)
{
    FILE *f = fopen("/tmp/log", "a");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}
EOF
cat >"$proj/compile_commands.json" <<EOF
[{"directory": "$proj", "file": "$proj/server.c", "arguments": ["cc", "-c", "server.c"]},
 {"directory": "$proj", "file": "$proj/log.c", "arguments": ["cc", "-c", "log.c"]}]
EOF

# ---- a baseline of today's findings ----
run baseline -p "$proj" -o "$work/baseline.json"
expect "baseline: exit 0, the file names every finding" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 0 ] && [ "$(json "$work/baseline.json" "len(d[\"entries\"])")" = 4 ] &&
        grep -qxF "asynclock: wrote 4 findings as 4 baseline entries to $work/baseline.json" "$err"'
expect "baseline: entries name file, function and call" "$(head -c 600 "$work/baseline.json")" \
  eval '[ "$(json "$work/baseline.json" "sorted(e[\"file\"]+\":\"+e[\"function\"]+\":\"+e[\"call\"] for e in d[\"entries\"])")" = \
          "['"'"'log.c:log_line:fclose(f)'"'"', '"'"'log.c:log_line:fopen(\"/tmp/log\",\"a\")'"'"', '"'"'log.c:log_line:fputs(text,f)'"'"', '"'"'server.c:on_timer:sleep(1)'"'"']" ]'
run check -p "$proj" --baseline "$work/baseline.json"
expect "check --baseline: nothing new, exit 0" "exit $rc; $(cat "$out")" \
  eval '[ "$rc" -eq 0 ] && grep -qxF "asynclock: baseline: 0 new, 4 unchanged, 0 gone" "$out" && ! grep -q "error:" "$out"'
run check -p "$proj"
expect "check without the baseline still fails" "exit $rc" eval '[ "$rc" -eq 1 ]'

# ---- lines shift: comments and blank lines above everything ----
for f in server.c log.c; do
  { printf '/* Copyright notice\n * spanning lines */\n\n\n'; cat "$proj/$f"; } >"$proj/$f.new" && mv "$proj/$f.new" "$proj/$f"
done
run check -p "$proj" --baseline "$work/baseline.json"
expect "lines shifted: still nothing new" "exit $rc; $(cat "$out")" \
  eval '[ "$rc" -eq 0 ] && grep -qxF "asynclock: baseline: 0 new, 4 unchanged, 0 gone" "$out"'

# ---- a new blocking call: exactly one new finding ----
sed -i 's/^    sleep(1);$/    sleep(1);\n    usleep(500);/' "$proj/server.c"
usleep_line=$(grep -n 'usleep(500)' "$proj/server.c" | cut -d: -f1)
run check -p "$proj" --baseline "$work/baseline.json"
expect "new call: exit 1, one finding, that call" "exit $rc; $(cat "$out")" \
  eval '[ "$rc" -eq 1 ] && [ "$(grep -c ": error: \|: warning: \|: note: blocking" "$out")" -eq 1 ] &&
        grep -q "^project/server.c:$usleep_line:5: error: blocking call '"'"'usleep'"'"'" "$out" &&
        grep -qxF "asynclock: baseline: 1 new, 4 unchanged, 0 gone" "$out"'
run check -p "$proj" --baseline "$work/baseline.json" -f json -o "$work/report-new.json" --sarif "$work/report.sarif" --codequality "$work/cq.json"
expect "new call in JSON: one \"new\", four \"unchanged\", no gone" "$(head -c 300 "$work/report-new.json")" \
  eval '[ "$rc" -eq 1 ] && [ "$(json "$work/report-new.json" "[f[\"callee\"] for f in d[\"findings\"] if f[\"baseline\"]==\"new\"]")" = "['"'"'usleep'"'"']" ] &&
        [ "$(json "$work/report-new.json" "sum(f[\"baseline\"]==\"unchanged\" for f in d[\"findings\"]), d[\"gone\"]")" = "4 []" ]'
expect "new call in SARIF: baselineState" "$(head -c 300 "$work/report.sarif")" \
  eval '[ "$(json "$work/report.sarif" "sorted(r[\"baselineState\"] for r in d[\"runs\"][0][\"results\"])")" = \
          "['"'"'new'"'"', '"'"'unchanged'"'"', '"'"'unchanged'"'"', '"'"'unchanged'"'"', '"'"'unchanged'"'"']" ]'
expect "new call in Code Quality: only the new one" "$(cat "$work/cq.json")" \
  eval '[ "$(json "$work/cq.json" "[(i[\"location\"][\"path\"], i[\"location\"][\"lines\"][\"begin\"]) for i in d]")" = "[('"'"'server.c'"'"', $usleep_line)]" ]'

# ---- a fixed call: gone, and prunable ----
sed -i '/^    fclose(f);$/d' "$proj/log.c"
run check -p "$proj" --baseline "$work/baseline.json"
expect "fixed call: reported gone and prunable" "$(cat "$out")" \
  eval 'grep -qxF "asynclock: baseline: 1 new, 3 unchanged, 1 gone" "$out" &&
        grep -q "^asynclock: gone: log.c: '"'"'fclose(f)'"'"' in '"'"'log_line'"'"' \[async-lock/file-io\] [0-9a-f]\{16\}$" "$out" &&
        grep -q "prunable" "$out"'
run check -p "$proj" --baseline "$work/baseline.json" -f sarif -o "$work/absent.sarif"
run check -p "$proj" --baseline "$work/baseline.json" -f json -o "$work/report-gone.json"
expect "fixed call in JSON: the gone entry" "$(head -c 300 "$work/report-gone.json")" \
  eval '[ "$(json "$work/report-gone.json" "[(g[\"call\"], g[\"count\"]) for g in d[\"gone\"]]")" = "[('"'"'fclose(f)'"'"', 1)]" ]'
expect "fixed call in SARIF: an absent result" "$(head -c 300 "$work/absent.sarif")" \
  eval '[ "$(json "$work/absent.sarif" "[r[\"ruleId\"] for r in d[\"runs\"][0][\"results\"] if r[\"baselineState\"]==\"absent\"]")" = "['"'"'async-lock/file-io'"'"']" ]'

# ---- regenerating keeps a reason and drops what is gone ----
python3 - "$work/baseline.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["entries"]:
    if e["callee"] == "fopen":
        e["reason"] = "opened once per tick, accepted until the async logger lands"
json.dump(d, open(sys.argv[1], "w"), indent=2)
EOF
run baseline -p "$proj" -o "$work/baseline.json"
expect "regenerated: reason kept, fclose pruned, usleep added" "$(cat "$work/baseline.json")" \
  eval '[ "$rc" -eq 0 ] && [ "$(json "$work/baseline.json" "sorted((e[\"callee\"], e.get(\"reason\")) for e in d[\"entries\"])")" = \
          "[('"'"'fopen'"'"', '"'"'opened once per tick, accepted until the async logger lands'"'"'), ('"'"'fputs'"'"', None), ('"'"'sleep'"'"', None), ('"'"'usleep'"'"', None)]" ]'

# ---- bad baselines: one line, exit 2 ----
echo '{"version": 1, "entries": [' >"$work/broken.json"
run check -p "$proj" --baseline "$work/broken.json"
expect "corrupt baseline: exit 2, one line naming the file" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(cat "$err")" = "$work/broken.json:2:1: error: malformed JSON" ] && [ ! -s "$out" ]'
echo '{"version": 7, "entries": []}' >"$work/future.json"
run check -p "$proj" --baseline "$work/future.json"
expect "wrong version: exit 2, one line" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(cat "$err")" = "$work/future.json:1:13: error: baseline version 7 is not supported (this asynclock reads 1)" ]'
run baseline -p "$proj"
expect "baseline without -o: usage error" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && grep -qF "baseline needs -o FILE" "$err"'

run baseline -p "$proj" -o "$work/other.json" --sarif "$work/other.sarif"
expect "baseline with a side report: usage error, nothing written" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -qF "baseline writes only the baseline file" "$err" &&
        [ ! -e "$work/other.json" ] && [ ! -e "$work/other.sarif" ]'

# ---- a lock finding: baselined like any other, by its fingerprint ----
locks="$work/locks"
mkdir -p "$locks"
cat >"$locks/main.c" <<'EOF'
#include <pthread.h>
#include <unistd.h>
#include <uv.h>

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER; /* no worker takes it */
static int state_fd = 1, ticks;

static void *flusher(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&state_lock);
        fsync(state_fd);
        pthread_mutex_unlock(&state_lock);
        sleep(1);
    }
    return NULL;
}

static void on_timer(uv_timer_t *timer)
{
    (void)timer;
    pthread_mutex_lock(&state_lock);
    state_fd = 1;
    pthread_mutex_unlock(&state_lock);
    pthread_mutex_lock(&count_lock);
    ticks++;
    pthread_mutex_unlock(&count_lock);
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, flusher, NULL);
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_timer, 100, 0);
    return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
EOF
cat >"$locks/compile_commands.json" <<EOF
[{"directory": "$locks", "file": "$locks/main.c", "arguments": ["cc", "-c", "main.c"]}]
EOF
run baseline -p "$locks" -o "$work/locks-baseline.json"
expect "baseline of a lock finding: its entry has category lock" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 0 ] && [ "$(json "$work/locks-baseline.json" "[e[\"category\"] for e in d[\"entries\"]]")" = "['"'"'lock'"'"']" ]'
run check -p "$locks" --baseline "$work/locks-baseline.json" -f json
expect "check against it: the lock finding is unchanged, exit 0" "exit $rc; $(head -c 300 "$out")" \
  eval '[ "$rc" -eq 0 ] && [ "$(json "$out" "[(f[\"category\"], f[\"baseline\"]) for f in d[\"findings\"]]")" = "[('"'"'lock'"'"', '"'"'unchanged'"'"')]" ]'

run check -p "$locks" --all-locks -f json
expect "--all-locks: the lock no worker holds is a note too" "exit $rc; $(head -c 300 "$out")" \
  eval '[ "$(json "$out" "sorted((f[\"category\"], f[\"severity\"]) for f in d[\"findings\"])")" = "[('"'"'lock'"'"', '"'"'warning'"'"'), ('"'"'sync'"'"', '"'"'note'"'"')]" ]'

# ---- --changed-since in a scratch git repository ----
repo="$work/repo"
mkdir -p "$repo"
cp "$proj/server.c" "$proj/log.c" "$repo/"
sed "s#$proj#$repo#g" "$proj/compile_commands.json" >"$repo/compile_commands.json"
git -C "$repo" init -q && git -C "$repo" add . && git -C "$repo" -c user.name=t -c user.email=t@t commit -qm start
run check -p "$repo" --changed-since HEAD
expect "--changed-since HEAD, nothing changed: no finding, exit 0" "exit $rc; $(cat "$out") $(cat "$err")" \
  eval '[ "$rc" -eq 0 ] && grep -q "^asynclock: 0 findings" "$out"'
sed -i 's/^    if (!f)$/    fflush(f);\n    if (!f)/' "$repo/log.c"
run check -p "$repo" --changed-since HEAD -f json
expect "--changed-since: only the edited function's new call" "$(head -c 400 "$out")" \
  eval '[ "$rc" -eq 1 ] && [ "$(json "$out" "[f[\"callee\"] for f in d[\"findings\"]]")" = "['"'"'fflush'"'"']" ]'
git -C "$repo" -c user.name=t -c user.email=t@t commit -qam fflush
sed -i 's/^    log_line("tick");$/    log_line("tock");/' "$repo/server.c"
run check -p "$repo" --changed-since HEAD -f json
expect "--changed-since: a changed chain step keeps the calls it reaches" "$(head -c 400 "$out")" \
  eval '[ "$(json "$out" "sorted(f[\"callee\"] for f in d[\"findings\"])")" = "['"'"'fflush'"'"', '"'"'fopen'"'"', '"'"'fputs'"'"']" ]'
run check -p "$repo" --changed-since no-such-branch
expect "--changed-since unknown revision: exit 2, one line" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(cat "$err")" = "asynclock: error: --changed-since: unknown revision '"'"'no-such-branch'"'"' in the git repository at $repo" ] && [ ! -s "$out" ]'
GIT_CEILING_DIRECTORIES="$work" run check -p "$proj" --changed-since HEAD
expect "--changed-since outside git: exit 2, one line" "exit $rc; $(cat "$err")" \
  eval '[ "$rc" -eq 2 ] && [ "$(cat "$err")" = "asynclock: error: --changed-since: $proj is not in a git work tree (or git is not installed)" ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Programs as a user meets them: one compile database that builds a server and a benchmark sharing
# a connection module (written here, with hand-written compile_commands.json files), analyzed
# whole and per program; --program; `asynclock programs` in text and JSON; the configuration's
# "programs"; a link clash (text, JSON, SARIF); a baseline that stays valid when the benchmark is
# added to the build; shards and merge giving the programs of one run.
#
#   bash tests/programs.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR
set -u

# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"
setup_script programs.sh "$@"

src="$work/src"
mkdir -p "$src"
cat >"$src/conn.h" <<'EOF'
#include <uv.h>
struct conn;
struct conn_ops { void (*on_message)(struct conn *c); };
struct conn { uv_tcp_t tcp; const struct conn_ops *ops; };
void conn_start(struct conn *c, const struct conn_ops *ops);
EOF
cat >"$src/conn.c" <<'EOF'
#include <stdlib.h>
#include <unistd.h>
#include "conn.h"
static void on_alloc(uv_handle_t *h, size_t n, uv_buf_t *b) { (void)h; b->base = malloc(n); b->len = n; }
static void conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct conn *c = (struct conn *)s;
    if (n > 0) {
        fsync(3);
        c->ops->on_message(c);
    }
    free(b->base);
}
void conn_start(struct conn *c, const struct conn_ops *ops)
{
    c->ops = ops;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, conn_read);
}
EOF
cat >"$src/server.c" <<'EOF'
#include <netdb.h>
#include "conn.h"
static void server_message(struct conn *c) { (void)c; gethostbyname("peer"); }
static const struct conn_ops ops = {server_message};
int main(void) { static struct conn c; conn_start(&c, &ops); return uv_run(uv_default_loop(), UV_RUN_DEFAULT); }
EOF
cat >"$src/bench.c" <<'EOF'
#include <unistd.h>
#include "conn.h"
static void bench_message(struct conn *c) { (void)c; usleep(10); }
static const struct conn_ops ops = {bench_message};
int main(void) { static struct conn c; conn_start(&c, &ops); return uv_run(uv_default_loop(), UV_RUN_DEFAULT); }
EOF
# entry FILE OBJECT [FLAGS]: a compile command as a plain Makefile's bear run records it
entry() { echo "{\"directory\": \"$src\", \"command\": \"cc ${3:-} -c -o $2 $1\", \"file\": \"$1\"}"; }

both="$work/both"
write_db "$both" "$(entry server.c server.o)" "$(entry conn.c conn.o)" "$(entry bench.c bench.o)"

# ---- the whole database: two programs, each finding in its own ----
run check -p "$both" --format json -o "$work/both.json"
expect "two programs: exit 1" "exit $rc; $(head -c 300 "$err")" rc_is 1
programs_of() { # programs_of REPORT CALLEE: the programs of its finding, comma-separated
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(",".join(",".join(sorted(f["programs"])) for f in r["findings"] if f["callee"]==sys.argv[2]))' "$1" "$2"
}
expect "gethostbyname: in the server only" "$(programs_of "$work/both.json" gethostbyname)" \
  eval '[ "$(programs_of "$work/both.json" gethostbyname)" = "server" ]'
expect "usleep: in the benchmark only" "$(programs_of "$work/both.json" usleep)" \
  eval '[ "$(programs_of "$work/both.json" usleep)" = "bench" ]'
expect "fsync of the shared module: one finding of both" "$(programs_of "$work/both.json" fsync)" \
  eval '[ "$(programs_of "$work/both.json" fsync)" = "bench,server" ]'
expect "the report lists both programs" "$(python3 -c 'import json,sys; print([p["name"] for p in json.load(open(sys.argv[1]))["programs"]])' "$work/both.json")" \
  eval 'python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert sorted(p[\"name\"] for p in r[\"programs\"]) == [\"bench\", \"server\"] and r[\"summary\"][\"programs\"] == 2" "$work/both.json"'

run check -p "$both"
expect "text: the shared finding names both programs" "$(cat "$out")" \
  grep -q "note: in programs 'server' and 'bench'$" "$out"
expect "text: the summary counts the programs" "$(tail -n 1 "$out")" \
  has_line "$out" "asynclock: 3 findings (3 errors) from 2 handlers in 2 programs, 3 translation units"

# ---- --program ----
run check -p "$both" --program bench --format json -o "$work/bench.json"
callees() { python3 -c 'import json,sys; print(",".join(sorted(f["callee"] for f in json.load(open(sys.argv[1]))["findings"])))' "$1"; }
expect "--program bench: its two findings only" "exit $rc; $(callees "$work/bench.json")" \
  eval '[ "$rc" -eq 1 ] && [ "$(callees "$work/bench.json")" = "fsync,usleep" ]'
check_error "--program: an unknown name" 2 \
  "asynclock: error: --program 'nope': no such program (found: 'server', 'bench'; 'asynclock programs' lists them)" \
  check -p "$both" --program nope

# ---- asynclock programs ----
run -C "$src" programs -p "$both"
expect "programs: exit 0" "exit $rc; $(head -c 300 "$err")" rc_is 0
expect "programs: how the server was found" "$(cat "$out")" \
  has_line "$out" "  found as: server.c defines main; and 1 unit its code needs"
expect "programs: the shared unit in both" "$(cat "$out")" eval '[ "$(grep -c "^  conn.c$" "$out")" -eq 2 ]'
run programs -p "$both" --format json -o "$work/programs.json"
expect "programs --format json" "exit $rc" eval '[ "$rc" -eq 0 ] && python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert [p[\"name\"] for p in r[\"programs\"]] == [\"server\", \"bench\"] and [len(p[\"units\"]) for p in r[\"programs\"]] == [2, 2]" "$work/programs.json"'
check_error "programs takes no report options" 2 \
  "asynclock: error: programs takes -p, --format text|json, -o, --program and the cache and configuration options (see asynclock --help)" \
  programs -p "$both" --sarif "$work/x.sarif"
check_error "programs writes text or json" 2 \
  "asynclock: error: programs writes text or json, not 'sarif' (see asynclock --help)" programs -p "$both" -f sarif

# ---- the configuration's "programs" ----
cat >"$work/one-program.json" <<EOF
{"programs": [{"name": "all-in-one", "units": ["src/*.c"]}]}
EOF
run programs -p "$both" --config "$work/one-program.json"
expect "config: one program of every unit" "$(cat "$out")" \
  eval 'grep -q "^all-in-one: 3 units$" "$out" && grep -q "declared in the configuration" "$out"'
cat >"$work/bad.json" <<EOF
{"programs": [{"name": "x"}]}
EOF
check_error "config: a program without units" 2 \
  "$work/bad.json:1:15: error: \"programs[0]\": missing \"units\" (globs of the files of its units)" \
  check -p "$both" --config "$work/bad.json"

# ---- a link clash: two bodies of one function in one program, reported once ----
cat >"$src/extra.c" <<'EOF'
#include <netdb.h>
#include "conn.h"
void conn_start(struct conn *c, const struct conn_ops *ops) { c->ops = ops; }
EOF
clash="$work/clash"
write_db "$clash" "$(entry server.c server.o)" "$(entry conn.c conn.o)" "$(entry extra.c extra.o)"
cat >"$work/clash.json" <<EOF
{"programs": [{"name": "server", "units": ["src/*.c"]}]}
EOF
run -C "$src" check -p "$clash" --config "$work/clash.json" --sarif "$work/clash.sarif" --json "$work/clash-report.json"
expect "link clash: a warning line in the text report" "$(grep -i clash "$out")" \
  has_line "$out" "extra.c:3:6: warning: 'conn_start' is defined twice in program 'server': here and at conn.c:14, which the analysis uses [link-clash]"
expect "link clash: once" "$(grep -c link-clash "$out")" eval '[ "$(grep -c link-clash "$out")" -eq 1 ]'
expect "link clash: in JSON" "$(head -c 300 "$work/clash-report.json")" \
  eval 'python3 -c "import json,sys; c=json.load(open(sys.argv[1]))[\"link_clashes\"]; assert len(c)==1 and c[0][\"function\"]==\"conn_start\" and c[0][\"programs\"]==[\"server\"]" "$work/clash-report.json"'
expect "link clash: a SARIF notification" "" \
  eval 'python3 -c "import json,sys; n=json.load(open(sys.argv[1]))[\"runs\"][0][\"invocations\"][0][\"toolExecutionNotifications\"]; assert any(\"defined twice\" in x[\"message\"][\"text\"] for x in n)" "$work/clash.sarif"'

# ---- a baseline outlives a new program in the build ----
server_only="$work/server-only"
write_db "$server_only" "$(entry server.c server.o)" "$(entry conn.c conn.o)"
run baseline -p "$server_only" -o "$work/baseline.json" --source-root "$src"
expect "baseline of the server alone" "exit $rc; $(cat "$err")" rc_is 0
run check -p "$both" --baseline "$work/baseline.json" --source-root "$src"
expect "the benchmark added: only its own finding is new" "$(tail -n 2 "$out")" \
  eval '[ "$rc" -eq 1 ] && has_line "$out" "asynclock: baseline: 1 new, 2 unchanged, 0 gone" && grep -q "usleep" "$out"'

# ---- shards + merge: the same programs and findings as one run ----
run check -p "$both" --no-cache --shard 1/2 -o "$work/s1.facts"
run check -p "$both" --no-cache --shard 2/2 -o "$work/s2.facts"
run merge --format json -o "$work/merged.json" "$work/s2.facts" "$work/s1.facts"
strip() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["summary"].pop("seconds"); r["summary"].pop("cached_units"); print(json.dumps(r, sort_keys=True))' "$1"; }
run check -p "$both" --no-cache --format json -o "$work/one-run.json"
expect "merge: programs and findings of one run" "$(diff <(strip "$work/merged.json") <(strip "$work/one-run.json") | head -c 300)" \
  eval '[ "$(strip "$work/merged.json")" = "$(strip "$work/one-run.json")" ]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

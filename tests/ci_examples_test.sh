#!/usr/bin/env bash
# The copy-ready CI examples of ci/examples, the GitHub action (action.yml) and the GitLab
# template (ci/gitlab/asynclock.yml): the GitHub workflow and the GitLab job run offline on a
# small libuv project through tests/ci_runner.py (the action's steps, expressions and outputs; the
# template's include, extends and !reference), failing on an unbaselined finding and passing with
# a baseline, with the reports they upload; and the pre-commit hook, installed in a scratch git
# repository, lets old and baselined findings through and blocks a commit that adds a blocking call.
#
#   bash tests/ci_examples_test.sh ASYNCLOCK_EXE REPO_ROOT WORK_DIR
set -u
exe=$(realpath "$1")
src=$(realpath "$2")
rm -rf "$3" && mkdir -p "$3"
work=$(cd "$3" && pwd -P)
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"

# ---- the YAML files (python3-yaml comes from ci/deps.sh) ----
if ! python3 -c 'import yaml' 2>"$work/yaml.err"; then
  echo "FAIL: python3-yaml is missing: bash ci/apt-install.sh python3-yaml ($(cat "$work/yaml.err"))"
  exit 1
fi
yaml_check() { # FILE PYTHON-ASSERTIONS (d is the parsed document)
  python3 - "$1" "$2" >"$work/yaml.out" 2>&1 <<'EOF'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
exec(sys.argv[2])
EOF
  yaml_rc=$?
}
yaml_check "$src/action.yml" '
assert d["runs"]["using"] == "composite"
assert {"build-dir", "formats", "baseline", "fail-on"} <= set(d["inputs"]), d["inputs"]
steps = d["runs"]["steps"]
assert [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
assert all(s.get("shell") == "bash" for s in steps if "run" in s)
'
expect "action.yml: a composite action with the documented inputs that uploads SARIF" "$(cat "$work/yaml.out")" \
  eval '[ $yaml_rc -eq 0 ]'
echo 'a: [' >"$work/bad.yml"
yaml_check "$work/bad.yml" 'pass'
expect "the YAML check rejects broken YAML" "$(cat "$work/yaml.out")" eval '[ $yaml_rc -ne 0 ]'

# ---- the GitHub workflow and the GitLab job, run offline on a scratch project (tests/ci_runner.py) ----
project="$work/project"
mkdir -p "$project" "$work/bin"
ln -sf "$exe" "$work/bin/asynclock" # the asynclock under test, where the install steps would put one
cat >"$project/server.c" <<'SOURCE'
#include <unistd.h>
#include <uv.h>

static void on_timer(uv_timer_t *timer)
{
    (void)timer;
    sleep(1);
}

int main(void)
{
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_timer, 100, 0);
    return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
SOURCE
cat >"$project/CMakeLists.txt" <<'SOURCE'
cmake_minimum_required(VERSION 3.16)
project(app C)
find_package(PkgConfig REQUIRED)
pkg_check_modules(UV REQUIRED IMPORTED_TARGET libuv)
add_executable(app server.c)
target_link_libraries(app PRIVATE PkgConfig::UV)
SOURCE
ci_run() { # ci_run github|gitlab NAME: runs the example in the project, its build and reports removed first
  rm -rf "$project/build" "$project/asynclock-reports"
  PATH="$work/bin:$PATH" python3 "$src/tests/ci_runner.py" "$1" "$src" "$project" \
    --skip "Install your build dependencies" --skip "Install asynclock" >"$work/$2.json" 2>"$work/$2.log"
  ci_rc=$?
  summary="$work/$2.json"
}
ci_expect() { # ci_expect NAME PYTHON-ASSERTIONS: about the runner's summary (s) and the project folder (p)
  python3 - "$summary" "$project" "$2" >"$work/summary.out" 2>&1 <<'CHECK'
import json, os, sys
s, p = json.load(open(sys.argv[1])), sys.argv[2]
exec(sys.argv[3])
CHECK
  expect "$1" "runner exit $ci_rc, $(head -c 600 "$work/summary.out") $(tail -3 "${summary%.json}.log")" \
    eval '[ "$ci_rc" -eq 0 ] && [ ! -s "$work/summary.out" ]'
}

ci_run github github-new
ci_expect "GitHub: an unbaselined finding fails the job, after the SARIF and HTML are uploaded" '
assert s["failed"] and s["exit_codes"] == {"action: Run asynclock": 1, "job: asynclock": 1}, s
assert s["skipped"] == ["job: Install your build dependencies", "action: Install asynclock"], s["skipped"]
assert "action: Upload SARIF to code scanning" in s["ran"], s["ran"]
sarif = [u for u in s["uploads"] if u["uses"] == "github/codeql-action/upload-sarif"]
assert len(sarif) == 1 and sarif[0]["exists"] and sarif[0]["with"]["category"] == "asynclock", s["uploads"]
results = json.load(open(os.path.join(p, sarif[0]["with"]["sarif_file"])))["runs"][0]["results"]
assert [r["ruleId"] for r in results] == ["async-lock/sleep"], results
assert [u["exists"] for u in s["uploads"] if u["uses"] == "actions/upload-artifact"] == [True], s["uploads"]
assert s["action_outputs"] == {"exit-code": "1", "sarif": "asynclock-reports/asynclock.sarif"}, s["action_outputs"]
'
(cd "$project" && cmake -S . -B build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null &&
  "$exe" baseline -p build -o .asynclock-baseline.json --source-root . -q)
ci_run github github-baselined
ci_expect "GitHub: with the committed baseline the job passes, the SARIF says unchanged" '
assert not s["failed"], s
sarif = json.load(open(os.path.join(p, "asynclock-reports/asynclock.sarif")))["runs"][0]["results"]
assert [r.get("baselineState") for r in sarif] == ["unchanged"], sarif
'
rm -f "$project/.asynclock-baseline.json"

ci_run gitlab gitlab-new
ci_expect "GitLab: include, extends and !reference resolved; an unbaselined finding fails, Code Quality lists it" '
assert s["failed"] and s["exit_code"] == 1, s
assert s["ran"] == ["cmake -S . -B build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "bash \"$ASYNCLOCK_HOME/ci/action/check.sh\""], s["ran"]
report = json.load(open(os.path.join(p, s["codequality"])))
assert [i["check_name"] for i in report] == ["async-lock/sleep"] and report[0]["location"]["path"] == "server.c", report
assert all(os.path.exists(os.path.join(p, x)) for x in s["artifacts"]["paths"]) and s["artifacts"]["when"] == "always"
'
(cd "$project" && "$exe" baseline -p build -o .asynclock-baseline.json --source-root . -q)
ci_run gitlab gitlab-baselined
ci_expect "GitLab: with the committed baseline the job passes and Code Quality lists nothing" '
assert not s["failed"], s
assert json.load(open(os.path.join(p, s["codequality"]))) == [], s
'
rm -f "$project/.asynclock-baseline.json"
(cd "$project" && ASYNCLOCK="$exe" ASYNCLOCK_FORMATS="sarif pdf" bash "$src/ci/action/check.sh" >"$work/out.txt" 2>"$work/err.txt")
formats_rc=$?
expect "check.sh: an unknown report format is a one-line error, exit 2" "exit $formats_rc: $(cat "$work/err.txt")" \
  eval '[ "$formats_rc" -eq 2 ] && [ "$(cat "$work/err.txt")" = "asynclock: error: unknown report format '"'"'pdf'"'"' in ASYNCLOCK_FORMATS (sarif, json, html, codequality)" ]'

# ---- the pre-commit hook in a scratch repository ----
repo="$work/repo"
mkdir -p "$repo/build"
cp "$project/server.c" "$repo/server.c" # on_timer sleeps on line 7
cat >"$repo/build/compile_commands.json" <<EOF
[{"directory": "$repo", "file": "$repo/server.c", "arguments": ["cc", "-c", "server.c"]}]
EOF
echo "build/" >"$repo/.gitignore"
git_() { git -C "$repo" -c user.name=t -c user.email=t@t "$@"; }
git_ init -q
cp "$src/ci/examples/pre-commit" "$repo/.git/hooks/pre-commit"
chmod +x "$repo/.git/hooks/pre-commit"
export ASYNCLOCK="$exe"
hook_rc=0
commit() {
  git_ commit -qm "$1" >"$work/hook.out" 2>&1
  hook_rc=$?
}

git_ add server.c .gitignore
commit "first"
expect "first commit (no HEAD): the existing sleep blocks it" "$(cat "$work/hook.out")" \
  eval '[ $hook_rc -ne 0 ] && grep -q "server.c:7:5: error: blocking call '"'"'sleep'"'"'" "$work/hook.out" &&
        grep -q "commit blocked" "$work/hook.out"'
(cd "$repo" && "$exe" baseline -p build -o .asynclock-baseline.json --source-root . -q)
git_ add .asynclock-baseline.json
commit "first, with a baseline"
expect "first commit with the sleep in the baseline: allowed" "$(cat "$work/hook.out")" eval '[ $hook_rc -eq 0 ]'

echo "notes" >"$repo/README"
git_ add README
commit "docs only"
expect "no C file staged: allowed without running asynclock" "$(cat "$work/hook.out")" eval '[ $hook_rc -eq 0 ]'

sed -i 's/^    sleep(1);$/    sleep(1);\n    usleep(10);/' "$repo/server.c"
git_ add server.c
commit "adds usleep"
expect "a staged new blocking call: blocked, only that one reported" "$(cat "$work/hook.out")" \
  eval '[ $hook_rc -ne 0 ] && grep -q "server.c:8:5: error: blocking call '"'"'usleep'"'"'" "$work/hook.out" &&
        [ "$(grep -c ": error: " "$work/hook.out")" -eq 1 ] && [ -z "$(git_ log --oneline --grep=usleep)" ]'

sed -i '/usleep(10);/d' "$repo/server.c"
sed -i 's/^    (void)timer;$/    (void)timer; \/* unused *\//' "$repo/server.c"
git_ add server.c
commit "comment only"
expect "an edit next to a baselined call: allowed" "$(cat "$work/hook.out")" eval '[ $hook_rc -eq 0 ]'

rm "$repo/.asynclock-baseline.json"
sed -i 's/ \/\* unused \*\///' "$repo/server.c"
git_ add -A
commit "edit far from the old call, no baseline"
expect "without a baseline, an old finding on untouched lines does not block" "$(cat "$work/hook.out")" eval '[ $hook_rc -eq 0 ]'

sed -i 's/^int main(void)$/int main(void) \/* entry *\//' "$repo/server.c"
git_ add server.c
ASYNCLOCK_BUILD_DIR=nowhere commit "no database"
expect "no compile database: blocked with a hint" "$(cat "$work/hook.out")" \
  eval '[ $hook_rc -ne 0 ] && grep -q "no nowhere/compile_commands.json; set ASYNCLOCK_BUILD_DIR" "$work/hook.out"'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

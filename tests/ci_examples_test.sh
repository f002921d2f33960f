#!/usr/bin/env bash
# The copy-ready CI examples of ci/examples: both YAML files parse and hold what docs/ci.md
# promises, and the pre-commit hook, installed in a scratch git repository with a small libuv
# project, lets old and baselined findings through and blocks a commit that adds a blocking call.
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
gh="$src/ci/examples/github-actions.yml"
yaml_check "$gh" '
steps = d["jobs"]["asynclock"]["steps"]
uses = [s.get("uses", "") for s in steps]
assert "actions/checkout@v4" in uses, uses
upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
assert len(upload) == 1 and upload[0]["with"]["sarif_file"] == "asynclock.sarif", upload
runs = "\n".join(s.get("run", "") for s in steps)
assert "CMAKE_EXPORT_COMPILE_COMMANDS=ON" in runs and "--baseline .asynclock-baseline.json" in runs, runs
assert "--sarif asynclock.sarif" in runs, runs
assert d["permissions"]["security-events"] == "write"
assert "pull_request" in d[True]  # YAML 1.1 reads the key "on" as true
'
expect "github-actions.yml parses: checkout, compile database, baseline, upload-sarif" "$(cat "$work/yaml.out")" \
  eval '[ $yaml_rc -eq 0 ]'
gl="$src/ci/examples/gitlab-ci.yml"
yaml_check "$gl" '
job = d["asynclock"]
assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
script = "\n".join(job["script"])
assert "--codequality gl-code-quality-report.json" in script and "--baseline .asynclock-baseline.json" in script
assert "CMAKE_EXPORT_COMPILE_COMMANDS=ON" in script
'
expect "gitlab-ci.yml parses: Code Quality artifact, baseline" "$(cat "$work/yaml.out")" eval '[ $yaml_rc -eq 0 ]'
echo 'a: [' >"$work/bad.yml"
yaml_check "$work/bad.yml" 'pass'
expect "the YAML check rejects broken YAML" "$(cat "$work/yaml.out")" eval '[ $yaml_rc -ne 0 ]'

# ---- the pre-commit hook in a scratch repository ----
repo="$work/repo"
mkdir -p "$repo/build"
cat >"$repo/server.c" <<'EOF'
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
EOF
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

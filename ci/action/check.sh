#!/usr/bin/env bash
# Runs `asynclock check` for CI and writes the reports asked for: the run step of the GitHub action
# (action.yml) and the script of the GitLab template (ci/gitlab/asynclock.yml). Settings come from
# the environment:
#   ASYNCLOCK              the binary (default: asynclock)
#   ASYNCLOCK_BUILD_DIR    the folder holding compile_commands.json (default: build)
#   ASYNCLOCK_FORMATS      reports besides the text in the log, any of: sarif json html codequality
#                          (default: sarif)
#   ASYNCLOCK_BASELINE     a baseline file; empty: .asynclock-baseline.json when there is one
#   ASYNCLOCK_FAIL_ON      error | warning | note | never (default: warning)
#   ASYNCLOCK_SOURCE_ROOT  the repository (default: GITHUB_WORKSPACE, CI_PROJECT_DIR, or here)
#   ASYNCLOCK_OUTPUT_DIR   where the reports go (default: asynclock-reports): asynclock.sarif,
#                          asynclock.json, asynclock.html, gl-code-quality-report.json
#   ASYNCLOCK_ARGS         more check options, split at blanks
# Exits as asynclock does (1: findings at or above ASYNCLOCK_FAIL_ON). On GitHub it also sets the
# step outputs exit-code and sarif (the SARIF file, when one was asked for and written).
set -uo pipefail
exe="${ASYNCLOCK:-asynclock}"
out="${ASYNCLOCK_OUTPUT_DIR:-asynclock-reports}"
args=(check -p "${ASYNCLOCK_BUILD_DIR:-build}" --fail-on "${ASYNCLOCK_FAIL_ON:-warning}"
  --source-root "${ASYNCLOCK_SOURCE_ROOT:-${GITHUB_WORKSPACE:-${CI_PROJECT_DIR:-$PWD}}}")
baseline="${ASYNCLOCK_BASELINE:-}"
if [ -z "$baseline" ] && [ -f .asynclock-baseline.json ]; then baseline=.asynclock-baseline.json; fi
if [ -n "$baseline" ]; then args+=(--baseline "$baseline"); fi
mkdir -p "$out"
sarif=""
for format in ${ASYNCLOCK_FORMATS-sarif}; do
  case "$format" in
    sarif) sarif="$out/asynclock.sarif" && args+=(--sarif "$sarif") ;;
    json) args+=(--json "$out/asynclock.json") ;;
    html) args+=(--html "$out/asynclock.html") ;;
    codequality) args+=(--codequality "$out/gl-code-quality-report.json") ;;
    *)
      echo "asynclock: error: unknown report format '$format' in ASYNCLOCK_FORMATS (sarif, json, html, codequality)" >&2
      exit 2 ;;
  esac
done
# shellcheck disable=SC2206 # ASYNCLOCK_ARGS is split at blanks on purpose
args+=(${ASYNCLOCK_ARGS:-})
echo "+ $exe ${args[*]}"
"$exe" "${args[@]}"
status=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$status" >>"$GITHUB_OUTPUT"
  if [ -n "$sarif" ] && [ -f "$sarif" ]; then echo "sarif=$sarif" >>"$GITHUB_OUTPUT"; fi
fi
exit "$status"

#!/usr/bin/env bash
# json/schema: validates every JSON report the fixture tests wrote (BIN/fixtures/*/report.json,
# BIN/examples/*/report.json), an --unknown report of the demo, the baseline and trace tests'
# reports, against docs/json-schema.json, and the trace tests' trace files against
# docs/trace-schema.json, with ajv-cli (installed by ci/deps-node.sh into BUILD/node). A missing
# ajv fails the test.
#   json_schema.sh ASYNCLOCK SOURCE_DIR TESTS_BINARY_DIR NODE_PREFIX
set -uo pipefail
asynclock="$(realpath "$1")" src="$(realpath "$2")" bin="$(realpath -m "$3")" prefix="$(realpath -m "$4")"
work="$bin/work/json-schema"
ajv="$prefix/node_modules/.bin/ajv"
if ! command -v node >/dev/null 2>&1 || [ ! -x "$ajv" ]; then
  echo "json/schema: node or ajv-cli is missing ($ajv); run: bash ci/deps-node.sh $(dirname "$prefix")" >&2
  exit 1
fi
rm -rf "$work" && mkdir -p "$work"

reports=()
for r in "$bin"/fixtures/*/report.json "$bin"/examples/*/report.json; do
  [ -f "$r" ] && reports+=("$r")
done
if [ "${#reports[@]}" -eq 0 ]; then
  echo "json/schema: no fixture reports under $bin/fixtures; run the fixture tests first (ctest -R fixture/)" >&2
  exit 1
fi

# an --unknown report too, from the demo's compile database when it is there
if [ -f "$bin/fixtures/demo/compile_commands.json" ]; then
  "$asynclock" check -p "$bin/fixtures/demo" --unknown --format json -o "$work/demo-unknown.json" -q
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "json/schema: asynclock --unknown failed on the demo (exit $rc)" >&2
    exit 1
  fi
  reports+=("$work/demo-unknown.json")
fi

# reports against a baseline (the "baseline" key, the "gone" list), written by cli/baseline
for r in "$bin"/work/baseline-cli/report-*.json; do
  [ -f "$r" ] && reports+=("$r")
done

# reports with traces (observed, observed_only), written by the trace tests
for r in "$bin"/work/trace/*.report.json "$bin"/work/trace-experiment/*.report.json; do
  [ -f "$r" ] && reports+=("$r")
done

# the schema must reject what the contract rules out: a report with an unknown key
bad="$work/bad.json"
node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
r.summary.surprise = true;
fs.writeFileSync(process.argv[2], JSON.stringify(r));' "${reports[0]}" "$bad"
if "$ajv" validate --spec=draft2020 -s "$src/docs/json-schema.json" -d "$bad" >/dev/null 2>&1; then
  echo "json/schema: the schema accepted a report with an unknown key (summary.surprise)" >&2
  exit 1
fi

# validate SCHEMA FILE...: each file against the schema; counts the invalid ones in $failed
failed=0
validate() {
  local schema=$1 f out
  shift
  for f in "$@"; do
    if out="$("$ajv" validate --spec=draft2020 --errors=text -s "$schema" -d "$f" 2>&1)"; then
      echo "valid: $f"
    else
      echo "INVALID: $f"
      echo "$out"
      failed=$((failed + 1))
    fi
  done
}
validate "$src/docs/json-schema.json" "${reports[@]}"
echo "json/schema: ${#reports[@]} reports, $failed invalid"

# the trace files the trace tests wrote, against docs/trace-schema.json
traces=()
for t in "$bin"/work/trace/*.json "$bin"/work/trace-experiment/*.json; do
  [ -f "$t" ] && grep -q '"kind":[[:space:]]*"asynclock-trace"' "$t" && traces+=("$t")
done
if [ "${#traces[@]}" -eq 0 ]; then
  if "$asynclock" --version | grep -q "^trace shim: not installed"; then
    echo "json/schema: ${#reports[@]} reports, $failed invalid; no trace shim in this build, so no trace files"
    [ "$failed" -eq 0 ]
    exit
  fi
  echo "json/schema: no trace files under $bin/work/trace; run the trace tests first (ctest -R trace)" >&2
  exit 1
fi
node -e '
const fs = require("fs");
const t = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
t.sites.push({api: "sleep"});
fs.writeFileSync(process.argv[2], JSON.stringify(t));' "${traces[0]}" "$work/bad-trace.json"
if "$ajv" validate --spec=draft2020 -s "$src/docs/trace-schema.json" -d "$work/bad-trace.json" >/dev/null 2>&1; then
  echo "json/schema: the trace schema accepted a site without its counts" >&2
  exit 1
fi
validate "$src/docs/trace-schema.json" "${traces[@]}"
echo "json/schema: ${#traces[@]} trace files, $failed invalid in all"
[ "$failed" -eq 0 ]

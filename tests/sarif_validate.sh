#!/usr/bin/env bash
# sarif/validate: writes the SARIF report of every fixture the fixture tests built (their
# compile_commands.json under BIN/fixtures/*, BIN/examples/*) and validates each, plus the sample
# the unit test test_sarif writes (hostile strings, a path with a space, failed units, a file
# outside the source root), with the official SARIF Multitool (@microsoft/sarif-multitool,
# installed by ci/deps-node.sh into BUILD/node): `validate --rule-kind "Sarif;Gh"`, i.e. the SARIF
# 2.1.0 JSON schema, the SARIF spec rules (SARIF1xxx, SARIF2xxx) and GitHub code scanning's
# ingestion rules (GH1xxx). Its exit code is 0 even when it finds problems, so its output log is
# read: any result at level error or warning fails the test; notes are counted and listed.
#   sarif_validate.sh ASYNCLOCK SOURCE_DIR TESTS_BINARY_DIR NODE_PREFIX
set -uo pipefail
asynclock="$(realpath "$1")" src="$(realpath "$2")" bin="$(realpath -m "$3")" prefix="$(realpath -m "$4")"
work="$bin/work/sarif-validate"

if ! command -v node >/dev/null 2>&1; then
  echo "sarif/validate: node is missing; run: bash ci/deps-node.sh $(dirname "$prefix")" >&2
  exit 1
fi
# the package's .bin wrapper runs the tool through a shell, which would split "Sarif;Gh": run the
# platform binary it points to directly
multitool="$(cd "$prefix" 2>/dev/null && node -p "require('@microsoft/sarif-multitool')" 2>/dev/null)"
if [ -z "$multitool" ] || [ ! -x "$multitool" ]; then
  echo "sarif/validate: the SARIF Multitool is missing under $prefix; run: bash ci/deps-node.sh $(dirname "$prefix")" >&2
  exit 1
fi
rm -rf "$work" && mkdir -p "$work"

# 1. one SARIF file per fixture, written by asynclock itself
files=()
for db in "$bin"/fixtures/*/compile_commands.json "$bin"/examples/*/compile_commands.json; do
  [ -f "$db" ] || continue
  dir="$(dirname "$db")"
  name="$(basename "$dir")"
  kind="$(basename "$(dirname "$dir")")" # fixtures or examples
  fixture="$src/$kind/$name"
  args=()
  if [ -f "$fixture/asynclock.args" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      [ -n "$line" ] && args+=("${line//@FIXTURE@/$fixture}")
    done <"$fixture/asynclock.args"
  fi
  out="$work/$name.sarif"
  "$asynclock" check -p "$dir" --format sarif -o "$out" -j 2 -q ${args[@]+"${args[@]}"}
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    echo "sarif/validate: asynclock failed on $name (exit $rc)" >&2
    exit 1
  fi
  files+=("$out")
done
if [ "${#files[@]}" -eq 0 ]; then
  echo "sarif/validate: no fixture compile databases under $bin/fixtures; run the fixture tests first (ctest -R fixture/)" >&2
  exit 1
fi
# 2. the unit test's sample: what fixtures do not have
sample="$bin/work/sarif/sample.sarif"
if [ -f "$sample" ]; then
  files+=("$sample")
else
  echo "sarif/validate: $sample is missing (run unit/sarif first); validating the fixtures only" >&2
fi

# 3. the SARIF reports against a baseline (new, unchanged and absent results) that cli/baseline wrote
for f in "$bin/work/baseline-cli/report.sarif" "$bin/work/baseline-cli/absent.sarif"; do
  if [ -f "$f" ]; then
    files+=("$f")
  else
    echo "sarif/validate: $f is missing (run cli/baseline first); skipping it" >&2
  fi
done

# 4. the SARIF reports with traces (observed results, observed-only results with stacks) the trace test wrote
for f in "$bin"/work/trace/*.sarif; do
  [ -f "$f" ] && files+=("$f")
done

# 5. validate them all in one run (the tool starts slowly); its own SARIF log says what it found
log="$work/validation.sarif"
console="$("$multitool" validate "${files[@]}" --rule-kind "Sarif;Gh" --level "Error;Warning;Note" \
  --output "$log" --log ForceOverwrite 2>&1)"
rc=$?
# (the files come first: --log takes a list and would swallow a file named after it)
if [ "$rc" -ne 0 ] || [ ! -s "$log" ]; then
  echo "sarif/validate: the SARIF Multitool failed (exit $rc):"
  echo "$console"
  exit 1
fi
node -e '
const fs = require("fs");
const { fileURLToPath } = require("url");
const log = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const files = process.argv.slice(2);
const per = new Map(files.map((f) => [f, { error: 0, warning: 0, note: 0, notes: {}, problems: [] }]));
const general = [];
for (const run of log.runs || []) {
  for (const inv of run.invocations || []) {
    if (inv.executionSuccessful === false) general.push("the multitool did not run successfully");
    for (const n of [...(inv.toolExecutionNotifications || []), ...(inv.toolConfigurationNotifications || [])])
      if ((n.level || "warning") !== "note") general.push("multitool: " + ((n.message && n.message.text) || ""));
  }
  const rules = (run.tool && run.tool.driver && run.tool.driver.rules) || [];
  for (const r of run.results || []) {
    const level = r.level || "warning"; // the SARIF default
    const pl = r.locations && r.locations[0] && r.locations[0].physicalLocation;
    let uri = pl && pl.artifactLocation && pl.artifactLocation.uri;
    if (uri === undefined && pl && pl.artifactLocation && run.artifacts)
      uri = run.artifacts[pl.artifactLocation.index].location.uri;
    let file = uri && uri.startsWith("file:") ? fileURLToPath(uri) : uri;
    const entry = per.get(file);
    let text = (r.message && r.message.text) || "";
    const rule = rules.find((x) => x.id === r.ruleId);
    if (!text && rule && r.message && r.message.id && rule.messageStrings && rule.messageStrings[r.message.id])
      text = rule.messageStrings[r.message.id].text.replace(/\{(\d+)\}/g, (_, i) => (r.message.arguments || [])[i]);
    const where = pl && pl.region ? "(" + pl.region.startLine + "," + pl.region.startColumn + ")" : "";
    if (!entry) {
      if (level !== "note") general.push(level + " " + r.ruleId + " in " + uri + where + ": " + text);
      continue;
    }
    entry[level] = (entry[level] || 0) + 1;
    if (level === "note") entry.notes[r.ruleId] = (entry.notes[r.ruleId] || 0) + 1;
    else entry.problems.push(level + " " + r.ruleId + where + ": " + text);
  }
}
let failed = 0, notes = 0;
for (const [file, e] of per) {
  notes += e.note;
  const list = Object.keys(e.notes).sort().map((k) => k + " x" + e.notes[k]).join(", ") || "none";
  if (e.error || e.warning) {
    failed++;
    console.log("INVALID: " + file + ": " + e.error + " errors, " + e.warning + " warnings");
    for (const p of e.problems) console.log("  " + p);
  } else {
    console.log("ok: " + file + ": 0 errors, 0 warnings, " + e.note + " notes (" + list + ")");
  }
}
for (const g of general) console.log("ERROR: " + g);
console.log("sarif/validate: " + files.length + " SARIF files, " + failed + " with errors or warnings, " + notes +
            " notes in all (SARIF Multitool, rule kinds Sarif;Gh)");
process.exit(failed || general.length ? 1 : 0);
' "$log" "${files[@]}"

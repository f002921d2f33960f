#!/usr/bin/env bash
# A real editor: Debian's Neovim, headless, configured with the snippet docs/editors.md gives for
# it (taken from the page, not copied here), opens a file of the demo project; `asynclock lsp`
# starts, and the diagnostics Neovim holds for the buffer must be exactly the findings that
# `asynclock check` reports in that file (range, severity, code, source, message with the fix,
# how much related information), one per expect: comment. With the build folder inside the
# sources, and outside them (cmake -B ../build-proj): not found without the option (a warning, no
# diagnostics), found with --compile-commands-dir, absolute or relative to Neovim's folder.
#
#   bash tests/nvim_lsp.sh ASYNCLOCK_EXE SOURCE_DIR WORK_DIR
set -u
exe=$(realpath "$1")
src=$(cd "$2" && pwd -P)
rm -rf "$3" && mkdir -p "$3"
work=$(cd "$3" && pwd -P)
# shellcheck source=tests/check_helpers.sh
source "$(dirname "$0")/check_helpers.sh"
scratch=""
finish() {
  case "$scratch" in "$work"/* | "") ;; *) rm -rf "$scratch" ;; esac
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}
if ! command -v nvim >/dev/null; then
  fail "Neovim is installed" "bash ci/apt-install.sh neovim (ci/deps.sh installs it)"
  finish
fi
echo "$(nvim --version | head -1)"

# The editor finds asynclock on PATH, as a user's would.
mkdir -p "$work/bin"
ln -s "$exe" "$work/bin/asynclock"
export PATH="$work/bin:$PATH"

# The snippet of docs/editors.md: the lua block after the marker that names this test.
snippet="$work/snippet.lua"
awk '/<!-- tests\/nvim_lsp.sh runs this block/ {marked = 1; next}
     marked && /^```lua$/ {inside = 1; next}
     inside && /^```$/ {exit}
     inside {print}' "$src/docs/editors.md" >"$snippet"
expect "docs/editors.md has the Neovim snippet, with its asynclock_cmd line" "$(head -3 "$snippet")" \
  grep -q '^local asynclock_cmd = { "asynclock", "lsp" }$' "$snippet"

cat >"$work/probe.lua" <<'EOF'
-- Run after the file is loaded: waits for diagnostics or a message from the server, then writes
-- what Neovim holds for the buffer to $ASYNCLOCK_NVIM_OUT and quits.
local messages = {}
vim.lsp.handlers["window/showMessage"] = function(_, result) table.insert(messages, result) end
local buf = vim.api.nvim_get_current_buf()
local arrived = vim.wait(90000, function() return #vim.diagnostic.get(buf) > 0 or #messages > 0 end, 20)
vim.wait(500, function() return false end, 20) -- anything that would follow
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local lsp = d.user_data and d.user_data.lsp or {}
  table.insert(diagnostics, {lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
                             severity = d.severity, message = d.message, source = d.source,
                             code = d.code or lsp.code, related = #(lsp.relatedInformation or {})})
end
local attached = {}
for _, client in pairs(vim.lsp.get_active_clients()) do
  if vim.lsp.buf_is_attached(buf, client.id) then table.insert(attached, client.name) end
end
local f = io.open(os.getenv("ASYNCLOCK_NVIM_OUT"), "w")
f:write(vim.fn.json_encode({arrived = arrived, diagnostics = diagnostics, messages = messages,
                            attached = attached, file = vim.api.nvim_buf_get_name(buf)}))
f:close()
vim.cmd("qa!")
EOF

# A copy of the demo with its compile database in BUILD (cmake writes it at configure time).
make_project() { # make_project FOLDER BUILD
  mkdir -p "$1"
  cp "$src"/fixtures/demo/*.c "$src"/fixtures/demo/*.h "$src/fixtures/demo/CMakeLists.txt" "$1/"
  cmake -S "$1" -B "$2" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/cmake.log" 2>&1 ||
    fail "cmake configures the demo in $2" "$(tail -3 "$work/cmake.log")"
}
make_project "$work/inside/demo" "$work/inside/demo/build"
# outside the sources: where the upward search finds no other compile database
scratch=$(python3 "$src/tests/scratch_dir.py" "$work" no-database) || {
  fail "a folder with no compile database above it" "$scratch"
  finish
}
outside="$scratch/outside"
make_project "$outside/demo" "$outside/build-proj"
file=storage.c

# nvim_case NAME PROJECT CMD_LINE EXPECT(diagnostics|warning) [CHECK_BUILD]: Neovim in PROJECT
# opens $file with the snippet, its asynclock_cmd line replaced by CMD_LINE when one is given.
nvim_case() {
  local name=$1 project=$2 cmd_line=$3 want=$4 check_build=${5:-}
  local init="$work/init-$RANDOM.lua" out="$work/nvim-$RANDOM.json"
  if [ -n "$cmd_line" ]; then
    sed "s|^local asynclock_cmd = .*|$cmd_line|" "$snippet" >"$init"
  else
    cp "$snippet" "$init"
  fi
  local started
  started=$(date +%s%N)
  (cd "$project" && ASYNCLOCK_NVIM_OUT="$out" timeout 120 nvim --headless -n -i NONE -u "$init" \
    -c "luafile $work/probe.lua" "$file" >"$work/nvim.log" 2>&1)
  local nvim_rc=$?
  echo "$name: Neovim ran $((($(date +%s%N) - started) / 1000000)) ms"
  [ "$want" = diagnostics ] && (cd "$project" && asynclock check -p "$check_build" -f json -o "$work/expected.json" -q)
  python3 - "$out" "$project/$file" "$want" "$work/expected.json" >"$work/compare.txt" 2>&1 <<'EOF'
import json, sys
got_path, path, want, expected_path = sys.argv[1:5]
got = json.load(open(got_path))
problems = []
if got["file"] != path:
    problems.append(f"the buffer is {got['file']}")
if got["attached"] != ["asynclock"]:
    problems.append(f"attached clients: {got['attached']}")
if want == "warning":
    if got["diagnostics"]:
        problems.append(f"diagnostics: {got['diagnostics']}")
    texts = [m["message"] for m in got["messages"]]
    if not (len(texts) == 1 and "no compile_commands.json" in texts[0] and "--compile-commands-dir DIR" in texts[0]
            and got["messages"][0]["type"] == 2):
        problems.append(f"messages: {got['messages']}")
else:
    report = json.load(open(expected_path))
    expected = []
    for f in report["findings"]:
        loc = f["location"]
        if loc["file"] != path:
            continue
        line = open(path).read().split("\n")[loc["line"] - 1]
        assert line.isascii()  # the demo: bytes are UTF-16 units
        related = sum(1 + len(h["chain"]) for h in f["handlers"][:3])
        expected.append({"lnum": loc["line"] - 1, "col": loc["column"] - 1, "end_lnum": loc["line"] - 1,
                         "end_col": loc["column"] - 1 + len(f["callee"]),
                         "severity": {"error": 1, "warning": 2}.get(f["severity"], 3),
                         "message": f"{f['message']}\nsuggested fix: {f['fix']}", "source": "asynclock",
                         "code": f"async-lock/{f['category']}", "related": related})
    key = lambda d: (d["lnum"], d["col"], d["message"])
    comments = open(path).read().count("expect:")
    if sorted(got["diagnostics"], key=key) != sorted(expected, key=key):
        problems.append(f"Neovim holds {sorted(got['diagnostics'], key=key)}, asynclock check reports {sorted(expected, key=key)}")
    if len(expected) != comments or not comments:
        problems.append(f"{len(expected)} findings for {comments} expect: comments")
    if got["messages"]:
        problems.append(f"messages: {got['messages']}")
print("; ".join(problems))
sys.exit(1 if problems else 0)
EOF
  local compare_rc=$?
  expect "$name" "nvim exit $nvim_rc: $(head -c 1500 "$work/compare.txt") $(head -c 300 "$work/nvim.log")" \
    eval '[ "$nvim_rc" -eq 0 ] && [ "$compare_rc" -eq 0 ]'
}

nvim_case "build folder inside the sources: the snippet as documented, the exact diagnostics" \
  "$work/inside/demo" "" diagnostics "$work/inside/demo/build"
nvim_case "build folder outside, not named: a warning that names --compile-commands-dir, no diagnostics" \
  "$outside/demo" "" warning
nvim_case "build folder outside, named with --compile-commands-dir (absolute): the exact diagnostics" \
  "$outside/demo" "local asynclock_cmd = { \"asynclock\", \"lsp\", \"--compile-commands-dir\", \"$outside/build-proj\" }" \
  diagnostics "$outside/build-proj"
nvim_case "build folder outside, named relative to Neovim's folder (-p ../build-proj): the exact diagnostics" \
  "$outside/demo" 'local asynclock_cmd = { "asynclock", "lsp", "-p", "../build-proj" }' \
  diagnostics "$outside/build-proj"
finish

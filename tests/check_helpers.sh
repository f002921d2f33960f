# Shared by the shell test scripts (cli, faults, cache, baseline_cli, ci_examples_test, programs,
# trace_test, trace_experiment); sourced after they set exe, work, out and err (or before, calling
# setup_script). Each check prints "PASS: name" or "FAIL: name (why)".
passed=0
failed=0
rc=0

pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1 ($2)"; failed=$((failed + 1)); }

# run [-C DIR] ARGS...: runs asynclock (in DIR), keeping stdout, stderr and the exit code.
run() {
  local dir="$work"
  if [ "${1:-}" = "-C" ]; then
    dir=$2
    shift 2
  fi
  (cd "$dir" && "$exe" "$@") >"$out" 2>"$err"
  rc=$?
}

# check_error NAME RC MESSAGE ARGS...: the command exits with RC, prints nothing on standard
# output and exactly the line MESSAGE on standard error.
check_error() {
  local name=$1 want_rc=$2 message=$3
  shift 3
  run "$@"
  if [ "$rc" -ne "$want_rc" ]; then
    fail "$name" "exit $rc, expected $want_rc; stderr: $(head -c 300 "$err")"
  elif [ -s "$out" ]; then
    fail "$name" "unexpected standard output: $(head -c 200 "$out")"
  elif [ "$(wc -l <"$err")" -ne 1 ]; then
    fail "$name" "expected one line on stderr, got $(wc -l <"$err"): $(head -c 300 "$err")"
  elif [ "$(cat "$err")" != "$message" ]; then
    fail "$name" "stderr '$(cat "$err")', expected '$message'"
  else
    pass "$name"
  fi
}

# expect NAME DETAIL CONDITION...: passes when the condition command succeeds.
expect() {
  local name=$1 detail=$2
  shift 2
  if "$@"; then
    pass "$name"
  else
    fail "$name" "$detail"
  fi
}

has_line() { grep -qxF -- "$2" "$1"; }
is_empty() { [ ! -s "$1" ]; }
rc_is() { [ "$rc" -eq "$1" ]; }

write_db() { # write_db FOLDER ENTRY...: a compile_commands.json of these JSON entries
  local folder=$1 sep=""
  shift
  mkdir -p "$folder"
  {
    echo "["
    for entry in "$@"; do
      printf '%s  %s' "$sep" "$entry"
      sep=$',\n'
    done
    printf '\n]\n'
  } >"$folder/compile_commands.json"
}

# setup_script NAME ASYNCLOCK_EXE REPO_ROOT WORK_DIR: the arguments of a script that takes these three;
# sets exe and repo (absolute), work (emptied), out, err, and the environment of a plain run.
setup_script() {
  if [ "$#" -ne 4 ]; then
    echo "usage: bash tests/$1 ASYNCLOCK_EXE REPO_ROOT WORK_DIR" >&2
    exit 2
  fi
  exe=$(cd "$(dirname "$2")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$2")")
  repo=$(cd "$3" && pwd -P)
  rm -rf "$4"
  mkdir -p "$4"
  work=$(cd "$4" && pwd -P)
  export ASYNCLOCK_RULES_DIR="${ASYNCLOCK_RULES_DIR:-$repo/rules}"
  unset NO_COLOR CI
  out="$work/stdout.txt"
  err="$work/stderr.txt"
}

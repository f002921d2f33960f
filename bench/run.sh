#!/usr/bin/env bash
# asynclock against the compiler on the same compile database, side by side, same -j:
#   (a) clang -fsyntax-only over every unit (each unit's own arguments, xargs -P)
#   (b) clang-tidy with one cheap check over every unit (xargs -P)
#   (c) asynclock cold (empty facts cache)        (d) asynclock warm, nothing changed
#   (e) asynclock after editing one source file    (f) after editing common.h, which every unit includes
# With --executables E (> 1) the project builds E executables sharing half of their units, and two
# more cases analyze the same units as ONE program (a configuration "programs" list of every unit):
#   (g) one program, cold                            (h) one program, warm
# R repetitions of each, interleaved (a b c d e f, a b c d e f, ...) to spread the machine's noise;
# prints the medians, the ratios against (a) and the targets, and peak memory of one parse
# (clang -fsyntax-only on one unit against asynclock on a database holding only that unit).
# Writes the same table as markdown for docs/performance.md.
#
#   bench/run.sh [--units N] [-j JOBS] [-r REPS] [--asynclock PATH] [--work DIR] [--md FILE] [--seed S]
#                [--filler F] [--executables E]
#
# Defaults: 500 units, -j nproc, 5 repetitions, build/asynclock, build/bench-run, WORK/results.md,
# 20 filler functions per unit (gen_project.py --filler: more ordinary code to parse per unit).
# The project comes from bench/gen_project.py. Installs what it needs through ci/apt-install.sh.
# (d), (e) and (f) need the facts cache (`asynclock check --cache DIR`): without it they print n/a.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
units=500
jobs="$(nproc)"
reps=5
asynclock="$root/build/asynclock"
work="$root/build/bench-run"
md=""
seed=1
filler=20
executables=1

die() {
  echo "bench/run.sh: error: $*" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
  --units) units="${2:?}"; shift 2 ;;
  -j | --jobs) jobs="${2:?}"; shift 2 ;;
  -r | --reps) reps="${2:?}"; shift 2 ;;
  --asynclock) asynclock="${2:?}"; shift 2 ;;
  --work) work="${2:?}"; shift 2 ;;
  --md) md="${2:?}"; shift 2 ;;
  --seed) seed="${2:?}"; shift 2 ;;
  --filler) filler="${2:?}"; shift 2 ;;
  --executables) executables="${2:?}"; shift 2 ;;
  -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
  esac
done
for n in "$units" "$jobs" "$reps" "$seed" "$filler" "$executables"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "'$n' is not a number"
done
if [ "$units" -lt 2 ] || [ "$jobs" -lt 1 ] || [ "$reps" -lt 1 ]; then die "--units >= 2, -j >= 1 and -r >= 1"; fi
[ -x "$asynclock" ] || die "$asynclock: not built (bash ci/build.sh build, or pass --asynclock)"
asynclock="$(cd "$(dirname "$asynclock")" && pwd)/$(basename "$asynclock")"
md="${md:-$work/results.md}"

# The clang that matches the libclang asynclock links: "asynclock 0.1.0 (Debian clang version 14.0.6)".
major="$("$asynclock" --version | sed -n 's/.*clang version \([0-9][0-9]*\)\..*/\1/p' | head -1)"
[ -n "$major" ] || die "cannot read the clang version from '$asynclock --version'"
bash "$root/ci/apt-install.sh" "clang-$major" "clang-tidy-$major" time python3 pkg-config \
  libuv1-dev libevent-dev libev-dev libglib2.0-dev
clang="$(command -v "clang-$major" || true)"
tidy="$(command -v "clang-tidy-$major" || true)"
if [ -z "$clang" ] || [ -z "$tidy" ]; then die "clang-$major or clang-tidy-$major not on PATH after installing"; fi

cache_supported=false
if "$asynclock" --help | grep -- --cache >/dev/null; then cache_supported=true; fi # grep -q would close the pipe early (SIGPIPE under pipefail)

rm -rf "$work"
mkdir -p "$work"
project="$work/project"
python3 "$root/bench/gen_project.py" --units "$units" --out "$project" --seed "$seed" --filler "$filler" \
  --executables "$executables" >&2
# (g) and (h): every unit as one program, as asynclock analyzed a database before it knew programs
one_program="$work/one-program.json"
echo '{"programs": [{"name": "everything", "units": ["**"]}]}' >"$one_program"
db="$project"

# (a)'s commands: each unit's own arguments, run by clang-N with -fsyntax-only instead of -c -o.
mkdir -p "$work/syntax"
python3 - "$db/compile_commands.json" "$work/syntax" "$clang" <<'EOF'
import json, os, shlex, sys
db, out, clang = sys.argv[1:]
seen = set()  # a file compiled the same way for two programs (two objects) is one parse
for c in json.load(open(db)):
    args = c["arguments"] if "arguments" in c else shlex.split(c["command"])
    keep, skip = [clang, "-fsyntax-only"], False
    for a in args[1:]:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a != "-c" and not a.startswith("-o"):
            keep.append(a)
    if tuple(keep) in seen:
        continue
    seen.add(tuple(keep))
    with open(os.path.join(out, "%05d.sh" % (len(seen) - 1)), "w") as f:
        f.write("cd %s && exec %s\n" % (shlex.quote(c["directory"]), " ".join(shlex.quote(a) for a in keep)))
EOF
mapfile -t files < <(python3 -c 'import json,sys; print("\n".join(sorted({c["file"] for c in json.load(open(sys.argv[1]))})))' \
  "$db/compile_commands.json")
probe="$project/src/u0001.c"   # the unit edited in (e), and the one parse measured alone
probe_script="$work/syntax/00001.sh"
header="$project/include/common.h"
cache="$work/cache"

times="$work/times.tsv"
: >"$times"
now() { echo "$EPOCHREALTIME"; }
record() { # CASE START
  python3 -c 'import sys; print("%s\t%.4f" % (sys.argv[1], float(sys.argv[3]) - float(sys.argv[2])))' \
    "$1" "$2" "$(now)" >>"$times"
}
run_asynclock() { # extra arguments...
  local status=0
  "$asynclock" check -p "$db" -j "$jobs" -q --fail-on never -f json -o "$work/report.json" "$@" || status=$?
  [ "$status" -eq 0 ] || die "asynclock check failed (exit $status)"
}
cache_args=()
if $cache_supported; then cache_args=(--cache "$cache"); fi

for ((r = 1; r <= reps; r++)); do
  echo "bench/run.sh: repetition $r/$reps" >&2
  t="$(now)"
  printf '%s\0' "$work"/syntax/*.sh | xargs -0 -n 1 -P "$jobs" sh || die "clang -fsyntax-only failed"
  record syntax "$t"

  t="$(now)"
  printf '%s\0' "${files[@]}" | xargs -0 -n 1 -P "$jobs" "$tidy" -p "$db" --quiet \
    '--checks=-*,misc-definitions-in-headers' >/dev/null 2>&1 || die "clang-tidy failed"
  record tidy "$t"

  rm -rf "$cache"
  t="$(now)"
  run_asynclock "${cache_args[@]}"
  record cold "$t"
  if [ "$r" -eq 1 ]; then
    python3 "$root/bench/check_planted.py" "$project" "$work/report.json" >&2 ||
      die "asynclock did not report exactly the planted findings"
  fi

  t="$(now)"
  bash "$probe_script"
  record probe "$t"

  if $cache_supported; then
    t="$(now)"
    run_asynclock "${cache_args[@]}"
    record warm "$t"

    echo "/* edit $r */" >>"$probe"
    t="$(now)"
    run_asynclock "${cache_args[@]}"
    record touch_source "$t"

    echo "/* edit $r */" >>"$header"
    t="$(now)"
    run_asynclock "${cache_args[@]}"
    record touch_header "$t"
  fi

  if [ "$executables" -gt 1 ]; then
    rm -rf "$cache-one"
    t="$(now)"
    run_asynclock --config "$one_program" --cache "$cache-one"
    record one_cold "$t"
    t="$(now)"
    run_asynclock --config "$one_program" --cache "$cache-one"
    record one_warm "$t"
  fi
done

# Peak memory of one parse: clang on the probe unit, asynclock on a database of that unit alone.
one="$work/one-unit"
mkdir -p "$one"
python3 - "$db/compile_commands.json" "$probe" "$one/compile_commands.json" <<'EOF'
import json, sys
db, probe, out = sys.argv[1:]
json.dump([c for c in json.load(open(db)) if c["file"] == probe], open(out, "w"), indent=1)
EOF
one_args=()
if $cache_supported; then one_args=(--no-cache); fi
/usr/bin/time -f %M -o "$work/mem-clang" bash "$probe_script"
/usr/bin/time -f %M -o "$work/mem-asynclock" "$asynclock" check -p "$one" -j 1 -q --fail-on never \
  -f json -o "$work/one-report.json" "${one_args[@]}"

python3 - "$times" "$work/mem-clang" "$work/mem-asynclock" "$md" "$units" "$jobs" "$reps" "$cache_supported" \
  "$("$clang" --version | head -1)" "$(nproc)" "$executables" <<'EOF'
import statistics, sys
times_path, mem_clang, mem_al, md, units, jobs, reps, cache, clang, cores, executables = sys.argv[1:]
samples = {}
for line in open(times_path):
    case, seconds = line.split("\t")
    samples.setdefault(case, []).append(float(seconds))
med = {k: statistics.median(v) for k, v in samples.items()}
syntax, cold, probe = med["syntax"], med["cold"], med["probe"]

def cell(case):
    return "%.2f s" % med[case] if case in med else "n/a"

def ratio(case):
    return "%.2fx" % (med[case] / syntax) if case in med else "n/a"

def verdict(ok):
    return "n/a" if ok is None else ("yes" if ok else "**no**")

rows = [
    ("(a) clang -fsyntax-only", "syntax", "", None),
    ("(b) clang-tidy, one check", "tidy", "", None),
    ("(c) asynclock cold", "cold", "<= 1.15x (a)", cold <= 1.15 * syntax),
    ("(d) asynclock warm, no change", "warm", "<= 3%% of (c) = %.2f s" % (0.03 * cold),
     med["warm"] <= 0.03 * cold if "warm" in med else None),
    ("(e) asynclock, one source edited", "touch_source", "<= parse of it + 0.5 s = %.2f s" % (probe + 0.5),
     med["touch_source"] <= probe + 0.5 if "touch_source" in med else None),
    ("(f) asynclock, common.h edited", "touch_header", "", None),
]
if "one_cold" in med:
    rows[2] = ("(c) asynclock cold, %s programs" % executables, "cold", "<= 1.15x (a); <= 1.1x (g) = %.2f s"
               % (1.1 * med["one_cold"]), cold <= 1.15 * syntax and cold <= 1.1 * med["one_cold"])
    rows += [
        ("(g) the same units as one program, cold", "one_cold", "", None),
        ("(h) the same units as one program, warm", "one_warm", "", None),
    ]
kb_clang = int(open(mem_clang).read().split()[-1])
kb_al = int(open(mem_al).read().split()[-1])
header = "| case | median | vs (a) | target | met |"
lines = [
    f"{units} generated units (bench/gen_project.py"
    f"{', %s executables sharing half of them' % executables if executables != '1' else ''}), -j {jobs} on {cores} "
    f"cores, median of {reps}; {clang}; "
    f"facts cache: {'yes' if cache == 'true' else 'not in this build'}",
    "",
    header,
    "|---|---:|---:|---|---|",
]
for label, case, target, ok in rows:
    lines.append(f"| {label} | {cell(case)} | {ratio(case)} | {target} | {verdict(ok) if target else ''} |")
lines += [
    "",
    f"One unit parsed alone (src/u0001.c): clang -fsyntax-only {probe:.2f} s.",
    "",
    "| peak memory, one unit | clang -fsyntax-only | asynclock | ratio | target | met |",
    "|---|---:|---:|---:|---|---|",
    f"| src/u0001.c | {kb_clang / 1024:.1f} MiB | {kb_al / 1024:.1f} MiB | {kb_al / kb_clang:.2f}x | <= 1.5x | "
    f"{verdict(kb_al <= 1.5 * kb_clang)} |",
]
text = "\n".join(lines) + "\n"
open(md, "w").write(text)
print(text)
EOF
echo "bench/run.sh: markdown table in $md" >&2

#!/usr/bin/env bash
# What the lock analysis costs a warm run: one generated project (bench/gen_project.py) twice, the
# same units, seed and chains, once plain and once with --locks 1000 --workers 100 (mutexes the
# handlers take, worker threads that hold them, some across fsync). Each gets a cold run (which
# fills its facts cache and must report exactly its planted findings), then R warm runs of each,
# interleaved (plain, locks, plain, locks, ...) so that noise spreads over both. Prints every run,
# the medians and their ratio; exit 1 when the locks project's warm run is more than 10 % slower.
#
#   bash bench/locks.sh [--units N] [-r R] [-j J] [--asynclock PATH] [--work DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
units=500 reps=5 jobs="$(nproc)" asynclock="$root/build/asynclock" work="$root/build/bench-locks"
while [ $# -gt 0 ]; do
  case "$1" in
    --units) units="$2"; shift 2 ;;
    -r) reps="$2"; shift 2 ;;
    -j) jobs="$2"; shift 2 ;;
    --asynclock) asynclock="$(realpath "$2")"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "bench/locks.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$asynclock" ] || { echo "bench/locks.sh: $asynclock is missing (bash ci/build.sh build)" >&2; exit 2; }
rm -rf "$work" && mkdir -p "$work"
export ASYNCLOCK_RULES_DIR="${ASYNCLOCK_RULES_DIR:-$root/rules}"

python3 "$root/bench/gen_project.py" --units "$units" --seed 1 --out "$work/plain"
python3 "$root/bench/gen_project.py" --units "$units" --seed 1 --locks 1000 --workers 100 --out "$work/locks"

run() { # case -> seconds of one asynclock check on its project, report written
  local start end
  start=$(date +%s.%N)
  "$asynclock" check -p "$work/$1" -j "$jobs" --cache "$work/$1.cache" -q --fail-on never -f json \
    -o "$work/$1.json"
  end=$(date +%s.%N)
  python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$end"
}

for c in plain locks; do
  echo "cold $c: $(run $c) s"
  python3 "$root/bench/check_planted.py" "$work/$c" "$work/$c.json"
done
declare -A times=([plain]="" [locks]="")
for r in $(seq "$reps"); do
  for c in plain locks; do
    t=$(run $c)
    times[$c]="${times[$c]} $t"
    echo "warm $c #$r: $t s"
  done
done
# the medians, their ratio, and whether it misses the target (python3: no bc needed)
read -r plain locks ratio missed < <(python3 - "${times[plain]}" "${times[locks]}" <<'PY'
import statistics, sys
plain, locks = (statistics.median(float(t) for t in arg.split()) for arg in sys.argv[1:3])
print("%.3f %.3f %.3f %d" % (plain, locks, locks / plain, locks / plain > 1.10))
PY
)
echo "warm run, median of $reps: plain $plain s, with 1000 locks and 100 workers $locks s: x$ratio (target <= 1.10)"
if [ "$missed" = 1 ]; then
  echo "bench/locks.sh: target missed" >&2
  exit 1
fi

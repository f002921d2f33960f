#!/usr/bin/env bash
# The benchmark's generator is right: a small bench/gen_project.py project compiles with the real
# compiler as its compile_commands.json says, plants unreachable leaves and worker-only sleeps
# besides its findings, and asynclock reports exactly the planted findings (bench/check_planted.py).
# With --executables 3, each executable also links from its own objects (so no chain leaves it), and
# asynclock reports each finding in exactly the programs the generator says. With --locks and
# --workers, the handlers' locks that workers hold across fsync are reported, and no other lock.
#   tests/bench_generator.sh ASYNCLOCK SOURCE_DIR WORK_DIR
set -euo pipefail
asynclock="$1"
root="$2"
work="$3"
rm -rf "$work"

# every unit of a generated project compiles, warnings as errors, as its database says
compiles() {
  python3 - "$1" <<'PY'
import json, subprocess, sys
for c in json.load(open(sys.argv[1] + "/compile_commands.json")):
    r = subprocess.run(c["command"] + " -Werror", shell=True, cwd=c["directory"], capture_output=True, text=True)
    if r.returncode:
        sys.exit("does not compile: %s\n%s" % (c["file"], r.stderr))
PY
}

for seed in 1 2; do
  project="$work/seed$seed"
  python3 "$root/bench/gen_project.py" --units 16 --depth 3 --filler 2 --seed "$seed" --out "$project"
  compiles "$project"
  python3 - "$project" <<'PY'
import json, sys
project = sys.argv[1]
expected = json.load(open(project + "/expected.json"))
leaves = sum(1 for c in json.load(open(project + "/compile_commands.json")) if "/u" in c["file"])
if not 0 < len({s["file"] for s in expected["sites"]}) < leaves:
    sys.exit("expected.json should plant reached and unreached leaves: %d of %d" % (expected["findings"], leaves))
workers = sum(open(c["file"]).read().count("a worker: not a finding") for c in json.load(open(project + "/compile_commands.json")))
if workers == 0:
    sys.exit("no worker-only blocking call planted")
PY
  "$asynclock" check -p "$project" -q --fail-on never -f json -o "$project/report.json"
  python3 "$root/bench/check_planted.py" "$project" "$project/report.json"
done

# locks and worker threads: the handlers whose lock a worker holds across fsync are lock findings,
# and no other lock a handler takes is reported
project="$work/locks"
python3 "$root/bench/gen_project.py" --units 30 --depth 3 --filler 2 --seed 1 --locks 40 --workers 30 --out "$project"
compiles "$project"
python3 - "$project" <<'PY'
import json, sys
project = sys.argv[1]
sites = json.load(open(project + "/expected.json"))["sites"]
handler_locks = sum(open(c["file"]).read().count("/* handler lock */") for c in json.load(open(project + "/compile_commands.json")))
locks = sum(1 for s in sites if s["callee"] == "pthread_mutex_lock")
if not 0 < locks < handler_locks:
    sys.exit("expected.json should plant some of the %d handler locks as lock findings, not %d" % (handler_locks, locks))
PY
"$asynclock" check -p "$project" -q --fail-on never -f json -o "$project/report.json"
python3 "$root/bench/check_planted.py" "$project" "$project/report.json"

# three executables sharing half of their units: each links, and the findings carry their programs
project="$work/executables"
python3 "$root/bench/gen_project.py" --units 20 --depth 3 --filler 2 --seed 3 --executables 3 --out "$project"
python3 - "$project" <<'PY'
import json, os, shlex, subprocess, sys
project = sys.argv[1]
objects = {}
for c in json.load(open(project + "/compile_commands.json")):
    r = subprocess.run(c["command"] + " -Werror", shell=True, cwd=c["directory"], capture_output=True, text=True)
    if r.returncode:
        sys.exit("does not compile: %s\n%s" % (c["file"], r.stderr))
    obj = shlex.split(c["command"])[shlex.split(c["command"]).index("-o") + 1]
    objects.setdefault(os.path.basename(obj).split("-")[0], []).append(obj)
libs = ["-luv", "-levent", "-lev"] + subprocess.run(["pkg-config", "--libs", "glib-2.0"], capture_output=True,
                                                    text=True, check=True).stdout.split()
for program, objs in sorted(objects.items()):
    r = subprocess.run(["cc", "-o", os.path.join(project, program)] + objs + libs, capture_output=True, text=True)
    if r.returncode:
        sys.exit("%s does not link from its own objects:\n%s" % (program, r.stderr))
if len(objects) != 3:
    sys.exit("expected 3 executables, got %s" % sorted(objects))
PY
"$asynclock" check -p "$project" -q --fail-on never -f json -o "$project/report.json"
python3 "$root/bench/check_planted.py" "$project" "$project/report.json"

#!/usr/bin/env python3
"""Runs the CI examples of ci/examples offline, the way GitHub and GitLab would run them, as far as
they can be run here: the steps' shell scripts really run, in a scratch repository.

GitHub: the job of ci/examples/github-actions.yml step by step; `uses: asynclock/asynclock@REF`
runs this checkout's action.yml (a composite action: its inputs and their defaults, `if:`
conditions, `${{ }}` expressions, step outputs); actions/checkout is the scratch repository
itself; upload-sarif and upload-artifact are recorded with the file they would upload.
GitLab: the `asynclock` job of ci/examples/gitlab-ci.yml with its `include:` of
ci/gitlab/asynclock.yml, `extends:` merged and `!reference` resolved; its script runs with the
job's variables, ASYNCLOCK_HOME pointing at this checkout. What the steps print goes to standard
error, as the job's log.

Steps that install software (apt-get, building asynclock) are named with --skip and not run: the
asynclock under test is on PATH instead. Prints a JSON summary of what ran.

    python3 tests/ci_runner.py github|gitlab SOURCE_DIR WORKSPACE [--skip STEP_NAME]...
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

kind, src, workspace = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
skip = [sys.argv[i + 1] for i in range(4, len(sys.argv) - 1) if sys.argv[i] == "--skip"]
summary = {"ran": [], "skipped": [], "uploads": [], "failed": False}


# ---- GitHub expressions: literals, contexts, ! == != && || ( ), always() success() failure() hashFiles() ----
def evaluate(expr, ctx):
    tokens = re.findall(r"'(?:[^']|'')*'|\|\||&&|==|!=|!|\(|\)|,|[\w.\-]+", expr)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else None

    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]

    def primary():
        t = take()
        if t == "(":
            v = disjunction()
            take()
            return v
        if t == "!":
            return not truthy(primary())
        if t.startswith("'"):
            return t[1:-1].replace("''", "'")
        if t in ("true", "false"):
            return t == "true"
        if peek() == "(":
            take()
            args = []
            while peek() != ")":
                args.append(disjunction())
                if peek() == ",":
                    take()
            take()
            if t == "always":
                return True
            if t == "success":
                return not ctx["failed"]
            if t == "failure":
                return ctx["failed"]
            if t == "hashFiles":
                files = sorted(f for a in args for f in glob.glob(os.path.join(workspace, a)))
                return hashlib.sha256(b"".join(open(f, "rb").read() for f in files)).hexdigest() if files else ""
            raise ValueError(f"unknown function {t}")
        value = ctx
        for part in t.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return value

    def comparison():
        left = primary()
        while peek() in ("==", "!="):
            op, right = take(), primary()
            left = (str(left).lower() == str(right).lower()) == (op == "==")
        return left

    def conjunction():
        left = comparison()
        while peek() == "&&":
            take()
            right = comparison()
            left = right if truthy(left) else left
        return left

    def disjunction():
        left = conjunction()
        while peek() == "||":
            take()
            right = conjunction()
            left = left if truthy(left) else right
        return left

    return disjunction()


def truthy(v):
    return v not in ("", False, None, 0)


def substitute(text, ctx):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m.group(1), ctx)), str(text))


def condition(step, ctx):
    expr = str(step.get("if", "success()")).strip()
    expr = expr[3:-2] if expr.startswith("${{") else expr
    if not re.search(r"\b(always|success|failure|cancelled)\(", expr):
        expr = f"success() && ({expr})"
    return truthy(evaluate(expr, ctx))


def run_bash(script, env, cwd):
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write(script)
    # the steps' output is the log (standard error); standard output is the summary
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", f.name], env=env, cwd=cwd,
                            stdout=sys.stderr)
    os.unlink(f.name)
    return result.returncode


def run_steps(steps, ctx, env, where):
    """Runs GitHub steps (a job's or a composite action's); fills ctx["steps"] and ctx["failed"]."""
    for step in steps:
        name = step.get("name") or step.get("uses") or step.get("run", "")[:40]
        if name in skip:
            summary["skipped"].append(f"{where}: {name}")
            continue
        if not condition(step, ctx):
            summary["skipped"].append(f"{where}: {name} (if: false)")
            continue
        summary["ran"].append(f"{where}: {name}")
        outputs_file = tempfile.NamedTemporaryFile(delete=False).name
        step_env = dict(env, GITHUB_OUTPUT=outputs_file)
        step_env.update({k: substitute(v, ctx) for k, v in (step.get("env") or {}).items()})
        uses = step.get("uses", "")
        status = 0
        if "run" in step:
            status = run_bash(substitute(step["run"], ctx), step_env, workspace)
        elif uses.startswith("actions/checkout@"):
            pass  # the workspace is the checked-out repository
        elif uses.startswith("asynclock/asynclock@"):
            status = run_action({k: substitute(v, ctx) for k, v in (step.get("with") or {}).items()}, env)
        elif uses.startswith(("github/codeql-action/upload-sarif@", "actions/upload-artifact@")):
            given = {k: substitute(v, ctx) for k, v in (step.get("with") or {}).items()}
            file = given.get("sarif_file") or given.get("path")
            summary["uploads"].append({"uses": uses.split("@")[0], "with": given,
                                       "exists": os.path.isfile(os.path.join(workspace, file))})
            status = 0 if summary["uploads"][-1]["exists"] else 1
        else:
            raise ValueError(f"the runner does not know {uses}")
        outputs = dict(line.split("=", 1) for line in open(outputs_file).read().splitlines() if "=" in line)
        os.unlink(outputs_file)
        if step.get("id"):
            ctx["steps"][step["id"]] = {"outputs": outputs, "outcome": "success" if status == 0 else "failure"}
        if status != 0:
            ctx["failed"] = True
            summary.setdefault("exit_codes", {})[f"{where}: {name}"] = status


def run_action(given, env):
    action = yaml.safe_load(open(os.path.join(src, "action.yml")))
    assert action["runs"]["using"] == "composite"
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    unknown = set(given) - set(inputs)
    if unknown:
        raise ValueError(f"the action has no input {sorted(unknown)}")
    inputs.update(given)
    summary["action_inputs"] = inputs
    ctx = {"inputs": inputs, "steps": {}, "failed": False, "github": {"workspace": workspace}}
    run_steps(action["runs"]["steps"], ctx, dict(env, GITHUB_ACTION_PATH=src), "action")
    summary["action_outputs"] = {k: substitute(v["value"], ctx) for k, v in action.get("outputs", {}).items()}
    return 1 if ctx["failed"] else 0


def github():
    workflow = yaml.safe_load(open(os.path.join(src, "ci", "examples", "github-actions.yml")))
    (job,) = workflow["jobs"].values()
    env = dict(os.environ, GITHUB_WORKSPACE=workspace, RUNNER_TEMP=tempfile.gettempdir(), CI="true")
    ctx = {"steps": {}, "failed": False, "github": {"workspace": workspace}}
    run_steps(job["steps"], ctx, env, "job")
    summary["failed"] = ctx["failed"]


# ---- GitLab: include, extends, !reference, variables, script ----
class Reference(list):
    pass


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!reference", lambda loader, node: Reference(loader.construct_sequence(node)))


def merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        return {k: merge(base[k], over[k]) if k in base and k in over else over.get(k, base.get(k))
                for k in {**base, **over}}
    return over


def gitlab():
    config = yaml.load(open(os.path.join(src, "ci", "examples", "gitlab-ci.yml")), Loader=Loader)
    document = {}
    for include in config.pop("include", []):
        remote = include["remote"]
        if not remote.endswith("/ci/gitlab/asynclock.yml"):
            raise ValueError(f"the runner includes only asynclock's template, not {remote}")
        document.update(yaml.load(open(os.path.join(src, "ci", "gitlab", "asynclock.yml")), Loader=Loader))
    document.update(config)

    def resolved(name):
        job = document[name]
        parent = job.get("extends")
        return merge(resolved(parent), {k: v for k, v in job.items() if k != "extends"}) if parent else job

    job = resolved("asynclock")
    script = []
    for line in job["script"]:
        if isinstance(line, Reference):
            target = document[line[0]]
            for key in line[1:]:
                target = target[key]
            script += target
        else:
            script.append(line)
    summary["skipped"] = [f"before_script: {line}" for line in job.get("before_script", [])]
    summary["ran"] = script
    variables = {k: str(v) for k, v in job.get("variables", {}).items()}
    variables["ASYNCLOCK_HOME"] = src  # where the template's before_script would have cloned asynclock
    env = dict(os.environ, CI="true", CI_PROJECT_DIR=workspace, **variables)
    status = run_bash("\n".join(script) + "\n", env, workspace)
    summary["failed"] = status != 0
    summary["exit_code"] = status
    summary["artifacts"] = job.get("artifacts", {})
    summary["codequality"] = job["artifacts"]["reports"]["codequality"]


github() if kind == "github" else gitlab()
print(json.dumps(summary, indent=1))

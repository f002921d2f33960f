#!/usr/bin/env python3
"""Checks an asynclock JSON report against the findings bench/gen_project.py planted.

    bench/check_planted.py PROJECT_DIR REPORT.json

Exit 0 when the report holds exactly the planted findings (file, line, callee, and with several
executables the programs of each), else prints what is missing and what is extra and exits 1."""

import json
import os
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_planted.py PROJECT_DIR REPORT.json")
    with open(os.path.join(sys.argv[1], "expected.json")) as f:
        expected = json.load(f)
    with open(sys.argv[2]) as f:
        report = json.load(f)
    # with several executables, each site also says the programs where a handler reaches it
    several = expected.get("executables", 1) > 1
    want = {(s["file"], s["line"], s["callee"], ",".join(s["programs"]) if several else "") for s in expected["sites"]}
    got = {(x["location"]["file"], x["location"]["line"], x["callee"], ",".join(sorted(x["programs"])) if several else "")
           for x in report["findings"]}
    for site in sorted(want - got):
        print("missing: %s:%d: %s %s" % site)
    for site in sorted(got - want):
        print("extra:   %s:%d: %s %s" % site)
    failures = report["summary"]["parse_errors"]
    if failures:
        print(f"{failures} units did not parse cleanly")
    if want != got or failures or len(report["findings"]) != expected["findings"]:
        sys.exit(1)
    print(f"check_planted.py: exactly the {expected['findings']} planted findings")


if __name__ == "__main__":
    main()

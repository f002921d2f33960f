#!/usr/bin/env python3
"""Checks asynclock trace files, and a check --trace report, against the expectations written in a
traced program's source (tests/trace/*.c), on the line where the trace sees the call:

    /* trace[TAG,...]: API [calls=N] [min_ms=M] [unchecked] [tail-call] VERDICT [-- remark] */

TAG ("main" when omitted) names the trace file given as --trace TAG=FILE; an expectation may name
several (the same call in a plain trace and in one made with --conditional). The trace must hold exactly
the expected sites of the source: for each, the API, the total calls (N, or at least 1), every call
at least M ms, whether the shim could check the arguments, and whether the call was a callback's
tail call (then its line is not in the stack, and the site is matched by API alone). No other site
may be in the trace. VERDICT says what `check --trace` makes of it, checked with --report:
  observed       the finding on this line carries observed.calls == N (a tail call: the finding of
                 this line, found through the API)
  observed-only  observed_only has this API at this line with N calls
  dropped        neither (an unchecked site the analysis found not to block)
The report is checked against the expectations of the tags given. Every other finding of the report
must have "observed": null, and observed_only must hold nothing else. Prints one line per problem; exit status 1 when there is one.

  trace_check.py --source FILE --trace TAG=FILE [--trace TAG=FILE ...] [--report REPORT.json]
"""
import argparse
import json
import os
import re
import sys

EXPECT = re.compile(r"/\*\s*trace(?:\[([\w,]+)\])?:\s*(\S+)([^*]*)\*/")
STDIO_WRITES = {"fputs", "fwrite", "fputc", "putc", "fprintf", "vfprintf", "printf", "vprintf", "puts", "putchar"}


def parse_expectations(source):
    out = []
    with open(source, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            m = EXPECT.search(text)
            if not m:
                continue
            e = {"tags": (m.group(1) or "main").split(","), "api": m.group(2), "line": number, "calls": None, "min_ms": 0,
                 "unchecked": False, "tail": False, "verdict": None}
            for word in m.group(3).split():
                if word == "--":
                    break  # a remark for the reader
                if word.startswith("calls="):
                    e["calls"] = int(word[6:])
                elif word.startswith("min_ms="):
                    e["min_ms"] = float(word[7:])
                elif word == "unchecked":
                    e["unchecked"] = True
                elif word == "tail-call":
                    e["tail"] = True
                elif word in ("observed", "observed-only", "dropped"):
                    e["verdict"] = word
                else:
                    sys.exit(f"{source}:{number}: unknown word '{word}' in a trace expectation")
            if e["verdict"] is None:
                sys.exit(f"{source}:{number}: the expectation needs a verdict: observed, observed-only or dropped")
            out.append(e)
    return out


def same_file(a, b):
    return a is not None and os.path.realpath(a) == os.path.realpath(b)


def first_file_frame(site):
    for frame in site["stack"]:
        if frame["file"]:
            return frame
    return None


def check_trace(tag, path, source, expected, problems):
    with open(path, encoding="utf-8") as f:
        trace = json.load(f)
    mine = [e for e in expected if tag in e["tags"]]
    found = {}  # expectation index -> list of sites
    for site in trace["sites"]:
        frame = first_file_frame(site)
        match = None
        for i, e in enumerate(mine):
            if e["api"] != site["api"] or e["tail"] != site.get("tail_call", False):
                continue
            if e["tail"] or (frame and same_file(frame["file"], source) and frame["line"] == e["line"]):
                match = i
                break
        if match is None:
            where = f"{frame['file']}:{frame['line']}" if frame else "no source line"
            problems.append(f"{path}: unexpected site {site['api']} ({where}, {site['calls']} calls)")
            continue
        found.setdefault(match, []).append(site)
    for i, e in enumerate(mine):
        sites = found.get(i, [])
        name = f"{source}:{e['line']}: {e['api']}"
        if not sites:
            problems.append(f"{name}: not in the trace {path}")
            continue
        calls = sum(s["calls"] for s in sites)
        if e["calls"] is not None and calls != e["calls"]:
            problems.append(f"{name}: {calls} calls in the trace, expected {e['calls']}")
        if e["calls"] is None and calls < 1:
            problems.append(f"{name}: no call in the trace")
        for s in sites:
            if s["min_ns"] < e["min_ms"] * 1e6:
                problems.append(f"{name}: a call took {s['min_ns'] / 1e6:.3f} ms, expected at least {e['min_ms']} ms")
            if s["arguments_checked"] == e["unchecked"]:
                problems.append(f"{name}: arguments_checked is {s['arguments_checked']}, expected {not e['unchecked']}")
            if not (s["p50_ns"] <= s["p99_ns"] <= s["max_ns"] and s["min_ns"] <= s["p50_ns"]):
                problems.append(f"{name}: min <= p50 <= p99 <= max does not hold: {s}")
            if sum(b[2] for b in s["histogram"]) != s["calls"]:
                problems.append(f"{name}: the histogram does not hold the {s['calls']} calls")
    return trace


def check_report(path, source, expected, problems):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    explained = set()
    for e in expected:
        name = f"{source}:{e['line']}: {e['api']}"
        at_line = [x for x in report["findings"] + report.get("suppressed", [])
                   if same_file(x["location"]["file"], source) and x["location"]["line"] == e["line"]]
        only = [o for o in report["observed_only"]
                if o["location"] and same_file(o["location"]["file"], source) and o["location"]["line"] == e["line"]]
        if e["verdict"] == "observed":
            hits = [x for x in at_line if x["callee"] == e["api"] or
                    (x["callee"] in STDIO_WRITES and e["api"] in STDIO_WRITES)]
            if len(hits) != 1:
                problems.append(f"{name}: {len(hits)} findings at this line in {path}, expected one")
                continue
            observed = hits[0].get("observed")
            explained.add(id(hits[0]))
            if observed is None:
                problems.append(f"{name}: the finding is not observed in {path}")
            elif e["calls"] is not None and observed["calls"] != e["calls"]:
                problems.append(f"{name}: the finding is observed with {observed['calls']} calls, expected {e['calls']}")
        elif e["verdict"] == "observed-only":
            match = [o for o in only if o["callee"] == e["api"]]
            if len(match) != 1:
                problems.append(f"{name}: not listed as observed only in {path}")
            elif e["calls"] is not None and match[0]["observed"]["calls"] != e["calls"]:
                problems.append(f"{name}: observed only with {match[0]['observed']['calls']} calls, "
                                f"expected {e['calls']}")
            for o in match:
                explained.add(id(o))
                if not o["stack"] or not any(same_file(fr["file"], source) for fr in o["stack"]):
                    problems.append(f"{name}: the observed-only entry's stack does not pass through {source}")
        else:
            if any(x.get("observed") for x in at_line) or only:
                problems.append(f"{name}: expected to be dropped, but {path} shows it")
    for x in report["findings"] + report.get("suppressed", []):
        if id(x) not in explained and x.get("observed") is not None:
            loc = x["location"]
            problems.append(f"{path}: finding {x['callee']} at {loc['file']}:{loc['line']} is observed, unexpectedly")
    for o in report["observed_only"]:
        if id(o) not in explained:
            loc = o["location"]
            where = f"{loc['file']}:{loc['line']}" if loc else "no source line"
            problems.append(f"{path}: unexpected observed-only {o['callee']} ({where})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--trace", action="append", required=True, help="TAG=FILE")
    parser.add_argument("--report")
    args = parser.parse_args()
    expected = parse_expectations(args.source)
    problems = []
    tags = set()
    for item in args.trace:
        tag, _, path = item.partition("=")
        tags.add(tag)
        check_trace(tag, path, args.source, expected, problems)
    if args.report:
        check_report(args.report, args.source, [e for e in expected if tags & set(e["tags"])], problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

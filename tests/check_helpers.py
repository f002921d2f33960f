"""Shared by the Python test scripts (lsp_session.py, man_page.py, ...), as check_helpers.sh is by
the shell ones: each check prints "PASS: name" or "FAIL: name (detail)"; finish() prints the count
and exits non-zero when any check failed."""
import sys

counts = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    if ok:
        counts["passed"] += 1
        print(f"PASS: {name}")
    else:
        counts["failed"] += 1
        print(f"FAIL: {name} ({detail})")
    return ok


def finish():
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)

#!/usr/bin/env python3
"""The man page: `man --warnings -l` renders it without a warning, its footer names the version
`asynclock --version` prints, and it documents exactly the commands and options of
`asynclock --help` (run now, so a change to either that forgets the other fails here). Doctored
copies show that each check can fail.

    python3 tests/man_page.py ASYNCLOCK_EXE MAN_PAGE(.gz) WORK_DIR
"""
import gzip
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import help_text  # noqa: E402
from check_helpers import check, finish  # noqa: E402

EXE, PAGE, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)


def render(path):
    env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat", LANG="C.UTF-8")
    return subprocess.run(["man", "--warnings", "-l", path], capture_output=True, text=True, env=env)


def compare(help_text_, roff, ahead=help_text.AHEAD_OF_HELP):
    """The differences between --help and the man page, as readable lines (none: they agree)."""
    help_commands, help_options = help_text.parse_help(help_text_)
    man_commands, man_options = help_text.parse_man(roff)
    problems = [f"{x} is in --help now: take it off AHEAD_OF_HELP in tests/help_text.py"
                for x in sorted(ahead & (help_commands | help_options))]
    man_commands -= ahead
    man_options -= ahead
    for what, in_help, in_man in (("command", help_commands, man_commands), ("option", help_options, man_options)):
        problems += [f"{what} {x} is in --help, not in the man page" for x in sorted(in_help - in_man)]
        problems += [f"{what} {x} is in the man page, not in --help" for x in sorted(in_man - in_help)]
    return problems


if shutil.which("man") is None:
    check("man is installed", False, "bash ci/apt-install.sh man-db (ci/deps.sh installs it)")
    finish()

result = render(PAGE)
check("man --warnings -l renders the page: exit 0, no warning", result.returncode == 0 and result.stderr == "",
      (result.returncode, result.stderr[:500]))
text = result.stdout
version = subprocess.run([EXE, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
check(f"the footer names {version}", re.search(rf"^{re.escape(version)}\s+\d{{4}}-\d\d-\d\d\s+ASYNCLOCK\(1\)$",
                                                   text, re.M) is not None, text.splitlines()[-1:])
check("NAME says what it is", "asynclock - find blocking calls reachable from event-loop handlers" in text, text[:300])
for section in ("SYNOPSIS", "COMMANDS", "CHECK OPTIONS", "LSP OPTIONS", "RULES OPTIONS", "EXIT STATUS", "FILES"):
    check(f"section {section}", re.search(rf"^{section}$", text, re.M) is not None)

opener = gzip.open if PAGE.endswith(".gz") else open
with opener(PAGE, "rt") as f:
    roff = f.read()
help_now = help_text.help_of(EXE)
problems = compare(help_now, roff)
check("the man page documents exactly the commands and options of asynclock --help", not problems,
      "; ".join(problems))
man_commands, man_options = help_text.parse_man(roff)
check("the man page's options were read (a parse that finds nothing cannot agree by accident)",
      {"--format", "-f", "--fail-on", "--compile-commands-dir", "--category"} <= man_options
      and {"check", "lsp", "rules"} <= man_commands, sorted(man_options))

# The checks can fail: an option taken out of the man page, one added to --help, a bad macro.
doctored = re.sub(r"\.TP\n\.B \\-\\-strict\n", ".TP\n.B strict\n", roff)
check("a man page without --strict is caught", "option --strict is in --help, not in the man page"
      in compare(help_now, doctored), compare(help_now, doctored))
extra = help_now.replace("  -q, --quiet", "      --frobnicate  made up\n  -q, --quiet")
check("an option only in --help is caught", compare(extra, roff) == [
    "option --frobnicate is in --help, not in the man page"], compare(extra, roff))
check("a documented-ahead option that --help now shows is caught",
      "--frobnicate is in --help now: take it off AHEAD_OF_HELP in tests/help_text.py"
      in compare(extra, roff, ahead={"--frobnicate"}), compare(extra, roff, ahead={"--frobnicate"}))
bad = os.path.join(WORK, "bad.1")
with open(bad, "w") as f:
    f.write(roff.replace(".SH DESCRIPTION", ".SH DESCRIPTION\n.BOGUS macro"))
result = render(bad)
check("man --warnings reports a page's warnings (an undefined macro)", "BOGUS" in result.stderr, result.stderr[:300])

finish()

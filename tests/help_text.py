#!/usr/bin/env python3
"""What `asynclock --help` and the man page document: the commands of their synopsis and every
option they define, read the same way from both, for the tests that keep the man page
(tests/man_page.py) and the shell completion (tests/completion.sh) true to --help.

    python3 tests/help_text.py ASYNCLOCK_EXE     prints the commands and options of --help, one a line
"""
import re
import subprocess
import sys

# Documented in the man page and completed by the shell scripts before the binary has them: the
# `programs` command and `--program NAME`, which land with the refactoring of main.c. An entry that
# --help shows is an error (take it off here), so this list cannot hide drift once the code exists.
AHEAD_OF_HELP = set()

OPTION = r"--?[A-Za-z][\w-]*"
DEFINITION = re.compile(rf"^\s+({OPTION}(?:,\s*{OPTION})*)")


def options_in(text):
    return set(re.findall(rf"(?<![\w-])({OPTION})", text))


def parse_help(text):
    """(commands, options): the commands of the usage lines; the options of the usage lines and of
    every definition line (an indented line that starts with an option, '-f, --format FMT ...')."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("usage:"))
    usage = []
    for line in lines[start:]:
        if not line.strip():
            break
        usage.append(line)
    commands = {m.group(1) for m in (re.match(r"^(?:usage:)?\s*asynclock (\w[\w-]*)", u) for u in usage) if m}
    options = set().union(*(options_in(u) for u in usage))
    for line in lines[start + len(usage):]:
        m = DEFINITION.match(line)
        if m:
            options |= options_in(m.group(1))
    return commands, options


def unroff(line):
    """The text of a roff line: no font macro, font escape, quotes or escaped minus."""
    line = re.sub(r"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+", "", line)
    return re.sub(r"\\f[BIRP]", "", line).replace("\\-", "-").replace('"', "")


def parse_man(roff):
    """(commands, options) of a man page's source: the commands of its SYNOPSIS ('.B asynclock
    check'), the options there and in the tag line of every .TP item."""
    lines = roff.splitlines()
    commands, options = set(), set()
    section = None
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            section = line[3:].strip().strip('"')
            continue
        if section == "SYNOPSIS" and not line.startswith(".\\\""):
            m = re.match(r"^\.B asynclock (\w[\w-]*)", line)
            if m:
                commands.add(m.group(1))
            options |= options_in(unroff(line))
        if line.startswith(".TP") and i + 1 < len(lines):
            m = DEFINITION.match(" " + unroff(lines[i + 1]))
            if m:
                options |= options_in(m.group(1))
    return commands, options


def help_of(exe):
    return subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout


if __name__ == "__main__":
    commands, options = parse_help(help_of(sys.argv[1]))
    print("\n".join(sorted(commands | options)))

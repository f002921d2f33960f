#!/usr/bin/env python3
"""A new empty folder where the language server's upward search finds no compile database: no
compile_commands.json, nor build/compile_commands.json, in it or any folder above it. The tests of
"no database found" need one; a build tree configured with CMAKE_EXPORT_COMPILE_COMMANDS=ON (as
clangd users do) has one above the tests' work folders, so those are tried first and the system's
temporary folders after them.

    python3 tests/scratch_dir.py PREFERRED_PARENT NAME   prints the folder (made fresh)
"""
import os
import shutil
import sys
import tempfile

NAMES = ("compile_commands.json", os.path.join("build", "compile_commands.json"))


def database_above(folder):
    folder = os.path.abspath(folder)
    while True:
        for name in NAMES:
            if os.path.isfile(os.path.join(folder, name)):
                return os.path.join(folder, name)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def scratch_dir(preferred, name):
    found = []
    for base in (preferred, tempfile.gettempdir(), "/var/tmp", "/dev/shm"):
        if not os.path.isdir(base):
            continue
        database = database_above(base)
        if database:
            found.append(database)
            continue
        if base == preferred:
            path = os.path.join(base, name)
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path)
            return path
        return tempfile.mkdtemp(prefix=f"asynclock-{name}-", dir=base)
    sys.exit(f"scratch_dir: every candidate folder has a compile database above it: {', '.join(found)}")


if __name__ == "__main__":
    print(scratch_dir(os.path.abspath(sys.argv[1]), sys.argv[2]))

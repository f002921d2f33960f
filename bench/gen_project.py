#!/usr/bin/env python3
"""Generates a synthetic C project for benchmarking asynclock, with the findings it plants.

    bench/gen_project.py --units N --out DIR [--seed S] [--depth D] [--filler F] [--executables E]
                         [--locks L --workers W]

DIR receives:
  include/common.h        the project header every unit includes (types, a static inline helper,
                          the prototypes of every exported function: touching it re-parses everything)
  src/main.c, src/uNNNN.c N translation units in all (main.c is one of them)
  compile_commands.json   absolute paths, `cc -I... -c file.c` commands (glib units add
                          `pkg-config --cflags glib-2.0`)
  expected.json           the findings planted: {"findings": K, "sites": [{file, line, callee}, ...]}

Each unit includes a real loop header (mostly <uv.h>, some <event2/event.h>, <ev.h>, <glib.h>) and
registers one handler with that loop's real API. The handler of unit i starts a call chain of D hops
across units (hop L of unit i calls hop L+1 of another unit), with a local mutual recursion on the
way; hop D of a unit is its leaf and makes one or two blocking calls (sleep, fopen, getaddrinfo,
system, fsync, stat, ...). A leaf no chain ends in is planted but unreachable, and libuv units also
queue work whose work callback sleeps (a worker, never a finding): both must stay unreported, so
expected.json lists exactly the leaves' blocking calls that some handler reaches.

With --executables E (> 1) the project builds E executables, as automake records them: each has
its own src/mainK.c registering the handlers of its units; half of the other units are shared (every
executable links them, each compiling them into its own exeK-uNNNN.o, as automake does for a
program with its own CFLAGS) and the rest are split among the executables. A chain never leaves its
executable (a shared unit calls only shared units), and expected.json says for each site the
programs where a handler reaches it.

With --locks L and --workers W (one executable), L mutexes with static storage are spread over the
units and W worker threads (pthread_create from the units' registration) each take two of them in
their loop: one around a counter, and, for every tenth worker, one across an fsync. Every handler
takes one lock around a counter of its own; a handler whose lock some worker holds across the fsync
is a planted lock finding (its pthread_mutex_lock).

Python 3 standard library only; the same --seed gives the same project."""

import argparse
import json
import os
import random
import shlex
import subprocess
import sys

# One blocking call per line: (statement, callee). Each is a finding when its leaf is reached.
BLOCKING = [
    ("sleep(1);", "sleep"),
    ("usleep(1000);", "usleep"),
    ('f = fopen(path, "r");', "fopen"),
    ("getaddrinfo(path, NULL, NULL, &res);", "getaddrinfo"),
    ('rc += system("true");', "system"),
    ("rc += fsync(n);", "fsync"),
    ("rc += stat(path, &st);", "stat"),
    ("rc += gethostbyname(path) != NULL;", "gethostbyname"),
    ("dir = opendir(path);", "opendir"),
]

LOOPS = ["uv"] * 7 + ["event", "ev", "glib"]
HEADERS = {"uv": "<uv.h>", "event": "<event2/event.h>", "ev": "<ev.h>", "glib": "<glib.h>"}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, required=True, help="translation units, main.c included (>= 2)")
    p.add_argument("--out", required=True, help="output folder (created; existing files replaced)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--depth", type=int, default=6, help="hops from a handler to a leaf (default 6)")
    p.add_argument("--filler", type=int, default=20, help="non-blocking filler functions per unit (default 20)")
    p.add_argument("--cc", default="cc", help="compiler named in compile_commands.json (default cc)")
    p.add_argument("--executables", type=int, default=1, help="executables built from the units (default 1)")
    p.add_argument("--locks", type=int, default=0, help="mutexes with static storage (default 0)")
    p.add_argument("--workers", type=int, default=0, help="worker threads that take them (default 0)")
    a = p.parse_args()
    if a.units < 2:
        p.error("--units must be at least 2")
    if a.depth < 1:
        p.error("--depth must be at least 1")
    if a.filler < 0:
        p.error("--filler must not be negative")
    if a.executables < 1 or a.units < 2 * a.executables + 2:
        p.error("--executables must be at least 1, with at least two other units per executable")
    return a


def glib_cflags():
    try:
        out = subprocess.run(["pkg-config", "--cflags", "glib-2.0"], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"gen_project.py: error: pkg-config --cflags glib-2.0 failed ({e}); install libglib2.0-dev")
    return out.stdout.split()


class Unit:
    def __init__(self, index, loop, rng, allowed, depth):
        self.index = index
        self.loop = loop
        self.name = f"u{index:04d}"
        # hop L (L < depth) calls hop L + 1 of this unit: a different unit of those its program links,
        # so chains cross files.
        others = [t for t in allowed if t != index] or allowed
        self.next = [rng.choice(others) for _ in range(depth)]
        self.leaf = rng.sample(range(len(BLOCKING)), rng.choice([1, 1, 2]))
        self.queue_work = loop == "uv" and rng.random() < 0.3


def exported(u, depth):
    names = [f"int {u.name}_hop{level}(int n);" for level in range(depth + 1)]
    names.append(f"void {u.name}_register(void *loop);")
    return names


class Locks:
    """Which unit defines each lock, which workers each unit starts and what they hold, which lock
    each handler takes: lock i lives in unit 1 + i % (N - 1); worker j in unit 1 + j % (N - 1),
    taking lock (7 j + 3) % L around a counter and, when j % 10 == 0, lock (13 j + 5) % L across an
    fsync; unit i's handler takes lock (11 i) % L."""

    def __init__(self, locks, workers, unit_count):
        self.count, self.workers, self.units = locks, workers, unit_count - 1
        self.held_across = {(13 * j + 5) % locks for j in range(workers) if j % 10 == 0} if locks else set()

    def defined_in(self, i):
        return [k for k in range(i - 1, self.count, self.units)] if self.count else []

    def workers_of(self, i):
        return [j for j in range(i - 1, self.workers, self.units)] if self.count else []

    def of_handler(self, i):
        return (11 * i) % self.count if self.count else None


def write_common(path, units, depth, locks):
    lines = [
        "/* common.h: the project header every unit includes. Generated by bench/gen_project.py. */",
        "#ifndef BENCH_COMMON_H",
        "#define BENCH_COMMON_H",
        "",
        "#include <pthread.h>",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        "struct bench_conn {",
        "    int fd;",
        "    uint64_t bytes_in, bytes_out;",
        "    char peer[64];",
        "    struct bench_conn *next;",
        "};",
        "",
        "static inline uint32_t bench_hash(const char *s, size_t n)",
        "{",
        "    uint32_t h = 2166136261u;",
        "    for (size_t i = 0; i < n && s[i]; i++)",
        "        h = (h ^ (uint8_t)s[i]) * 16777619u;",
        "    return h;",
        "}",
        "",
    ]
    for u in units[1:]:
        lines.extend(exported(u, depth))
    if locks.count:
        lines += ["", "extern long bench_counted;"]
        lines += [f"extern pthread_mutex_t bench_lock_{k:04d};" for k in range(locks.count)]
    lines += ["", "#endif", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def filler(u, count):
    out = []
    for k in range(count):
        out += [
            f"static int {u.name}_mix{k}(int x)",
            "{",
            "    int acc = x;",
            f"    for (int i = 0; i < {k % 7 + 3}; i++)",
            f"        acc = acc * {k * 2 + 3} + (acc >> {k % 5 + 1}) - i;",
            f"    return acc ^ {k * 7919 + u.index};",
            "}",
            "",
        ]
    # One entry point uses them all, so -Wunused-function stays quiet.
    out += [f"int {u.name}_mix_all(int x);", f"int {u.name}_mix_all(int x)", "{", "    int acc = x;"]
    out += [f"    acc += {u.name}_mix{k}(acc);" for k in range(count)]
    out += ["    return acc;", "}", ""]
    return out


def registration(u, locks):
    """The handler and how the unit registers it, in this loop's own API."""
    n = u.name
    body = f"    {n}_hop0((int)bench_hash(\"{n}\", 8));"
    lock = locks.of_handler(u.index)
    if lock is not None:
        body += (f"\n    pthread_mutex_lock(&bench_lock_{lock:04d}); /* handler lock */\n    bench_counted++;\n"
                 f"    pthread_mutex_unlock(&bench_lock_{lock:04d});")
    if u.loop == "uv":
        out = [
            f"static uv_timer_t {n}_timer;",
            f"static void {n}_on_timer(uv_timer_t *timer)",
            "{",
            "    (void)timer;",
            body,
            "}",
            "",
        ]
        if u.queue_work:
            out += [
                f"static uv_work_t {n}_work_req;",
                f"static void {n}_work(uv_work_t *req)",
                "{",
                "    (void)req;",
                "    sleep(1); /* a worker: not a finding */",
                "}",
                "",
                f"static void {n}_after_work(uv_work_t *req, int status)",
                "{",
                "    (void)req, (void)status;",
                "}",
                "",
            ]
        out += [
            f"void {n}_register(void *loop)",
            "{",
            f"    uv_timer_init(loop, &{n}_timer);",
            f"    uv_timer_start(&{n}_timer, {n}_on_timer, 10, 0);",
        ]
        if u.queue_work:
            out.append(f"    uv_queue_work(loop, &{n}_work_req, {n}_work, {n}_after_work);")
        out += ["}", ""]
    elif u.loop == "event":
        out = [
            f"static void {n}_on_event(evutil_socket_t fd, short what, void *arg)",
            "{",
            "    (void)fd, (void)what, (void)arg;",
            body,
            "}",
            "",
            f"void {n}_register(void *base)",
            "{",
            f"    struct event *ev = event_new(base, -1, EV_PERSIST, {n}_on_event, NULL);",
            "    event_add(ev, NULL);",
            "}",
            "",
        ]
    elif u.loop == "ev":
        out = [
            f"static ev_timer {n}_watcher;",
            f"static void {n}_on_timer(struct ev_loop *loop, ev_timer *w, int revents)",
            "{",
            "    (void)loop, (void)w, (void)revents;",
            body,
            "}",
            "",
            f"void {n}_register(void *loop)",
            "{",
            f"    ev_timer_init(&{n}_watcher, {n}_on_timer, 1., 0.);",
            f"    ev_timer_start(loop, &{n}_watcher);",
            "}",
            "",
        ]
    else:
        out = [
            f"static gboolean {n}_on_tick(gpointer data)",
            "{",
            "    (void)data;",
            body,
            "    return G_SOURCE_CONTINUE;",
            "}",
            "",
            f"void {n}_register(void *context)",
            "{",
            "    (void)context;",
            f"    g_timeout_add(100, {n}_on_tick, NULL);",
            "}",
            "",
        ]
    return out


def worker_lines(u, locks):
    """The unit's locks and worker threads, and the function its registration calls to start them."""
    n = u.name
    out = [f"pthread_mutex_t bench_lock_{k:04d} = PTHREAD_MUTEX_INITIALIZER;" for k in locks.defined_in(u.index)]
    if u.index == 1 and locks.count:
        out.append("long bench_counted;")
    out.append("")
    for j in locks.workers_of(u.index):
        counter = (7 * j + 3) % locks.count
        out += [
            f"static void *{n}_worker{j}(void *arg)",
            "{",
            "    (void)arg;",
            "    for (;;) {",
            f"        pthread_mutex_lock(&bench_lock_{counter:04d});",
            "        bench_counted++;",
            f"        pthread_mutex_unlock(&bench_lock_{counter:04d});",
        ]
        if j % 10 == 0:
            held = (13 * j + 5) % locks.count
            out += [
                f"        pthread_mutex_lock(&bench_lock_{held:04d});",
                "        fsync(2);",
                f"        pthread_mutex_unlock(&bench_lock_{held:04d});",
            ]
        out += ["        sleep(1);", "    }", "    return NULL;", "}", ""]
    out += [f"static void {n}_start_workers(void)", "{"]
    for j in locks.workers_of(u.index):
        out += ["    {", "        pthread_t t;", f"        pthread_create(&t, NULL, {n}_worker{j}, NULL);", "    }"]
    out += ["}", ""]
    return out


def write_unit(path, u, units, depth, filler_count, sites, reached, locks):
    n = u.name
    lines = [
        f"/* {n}.c: generated by bench/gen_project.py ({u.loop} unit). */",
        "#include <dirent.h>",
        "#include <netdb.h>",
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "#include <sys/socket.h>",
        "#include <sys/stat.h>",
        "#include <sys/types.h>",
        "#include <unistd.h>",
        "",
        f"#include {HEADERS[u.loop]}",
        "",
        '#include "common.h"',
        "",
    ]
    lines += filler(u, filler_count)
    # A local cycle every chain passes through.
    lines += [
        f"static int {n}_walk_b(int n);",
        f"static int {n}_walk_a(int n)",
        "{",
        f"    return n <= 0 ? 0 : {n}_walk_b(n - 1) + 1;",
        "}",
        "",
        f"static int {n}_walk_b(int n)",
        "{",
        f"    return n <= 0 ? 0 : {n}_walk_a(n - 2) + 2;",
        "}",
        "",
    ]
    for level in range(depth):
        target = units[u.next[level]].name
        lines += [
            f"int {n}_hop{level}(int n)",
            "{",
            f"    int r = {n}_walk_a(n & 15);",
        ]
        if level == 0:
            lines.append(f"    r += {n}_mix_all(n);")
        lines += [f"    return r + {target}_hop{level + 1}(n + 1);", "}", ""]
    # The leaf: its blocking calls are findings when a chain ends here.
    lines += [
        f"int {n}_hop{depth}(int n)",
        "{",
        f'    const char *path = "/tmp/{n}";',
        "    FILE *f = NULL;",
        "    DIR *dir = NULL;",
        "    struct addrinfo *res = NULL;",
        "    struct stat st;",
        "    int rc = 0;",
    ]
    for b in u.leaf:
        statement, callee = BLOCKING[b]
        if u.index in reached:
            programs = sorted(reached[u.index])
            sites.append({"file": path, "line": len(lines) + 1, "callee": callee, "programs": programs})
        lines.append("    " + statement)
    lines += [
        "    if (f)",
        "        rc += fileno(f) > 0;",
        "    if (dir)",
        "        rc += dirfd(dir) > 0;",
        "    if (res)",
        "        rc += res->ai_family;",
        "    (void)st, (void)path;",
        "    return rc + n;",
        "}",
        "",
    ]
    if locks.count:
        lines += worker_lines(u, locks)
    reg = [part for line in registration(u, locks) for part in line.split("\n")]
    if locks.count:  # the registration starts the unit's workers
        at = next(k for k, line in enumerate(reg) if line.startswith(f"void {n}_register("))
        reg.insert(at + 2, f"    {n}_start_workers();")
    lock = locks.of_handler(u.index)
    for k, line in enumerate(reg):
        if line.endswith("/* handler lock */") and lock in locks.held_across:  # main registers every handler
            sites.append({"file": path, "line": len(lines) + k + 1, "callee": "pthread_mutex_lock",
                          "programs": ["main"]})
    lines += reg
    with open(path, "w") as f:
        f.write("\n".join(lines))


def write_main(path, registered):
    lines = [
        "/* main.c: generated by bench/gen_project.py. Registers its units' handlers; the loops are",
        " * created by the units' own registration calls in a real program, here they only need to parse. */",
        "#include <stddef.h>",
        "",
        '#include "common.h"',
        "",
        "int main(void)",
        "{",
    ]
    lines += [f"    {u.name}_register(NULL);" for u in registered]
    lines += ["    return 0;", "}", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    a = parse_args()
    rng = random.Random(a.seed)
    out = os.path.abspath(a.out)
    os.makedirs(os.path.join(out, "include"), exist_ok=True)
    os.makedirs(os.path.join(out, "src"), exist_ok=True)
    os.makedirs(os.path.join(out, "obj"), exist_ok=True)  # where the compile commands write

    # Unit 0 stands for the mains. With E executables, units 1..N-E: the first half shared by all,
    # the rest dealt to the executables in turn.
    e = a.executables
    last = a.units - e + 1  # units[1:last] are the non-main units
    shared = list(range(1, last)) if e == 1 else list(range(1, 1 + (last - 1) // 2))
    own = [[] for _ in range(e)]
    for k, i in enumerate(range(1 + len(shared), last) if e > 1 else []):
        own[k % e].append(i)
    owner = {i: k for k in range(e) for i in own[k]}
    units = [None]
    for i in range(1, last):
        allowed = shared if i not in owner else shared + own[owner[i]]
        units.append(Unit(i, rng.choice(LOOPS), rng, allowed, a.depth))
    programs = [f"exe{k + 1:02d}" for k in range(e)] if e > 1 else ["main"]
    # Which leaves each program's handlers reach: a handler's chain follows next[].
    reached = {}
    for k in range(e):
        for i in shared + own[k]:
            at = i
            for level in range(a.depth):
                at = units[at].next[level]
            reached.setdefault(at, set()).add(programs[k])

    include = os.path.join(out, "include")
    if (a.locks or a.workers) and (e > 1 or not a.locks or not a.workers):
        sys.exit("gen_project.py: --locks and --workers go together, with one executable")
    locks = Locks(a.locks, a.workers, a.units - e + 1)
    write_common(os.path.join(include, "common.h"), units, a.depth, locks)
    sites = []
    commands = []
    glib = None
    sources = []  # (path, loop, objects)
    for k in range(e):
        name = "main" if e == 1 else f"main{k + 1:02d}"
        main_path = os.path.join(out, "src", name + ".c")
        write_main(main_path, [units[i] for i in shared + own[k]])
        sources.append((main_path, "none", [name if e == 1 else f"{programs[k]}-{name}"]))
    for u in units[1:]:
        path = os.path.join(out, "src", u.name + ".c")
        write_unit(path, u, units, a.depth, a.filler, sites, reached, locks)
        if e == 1:
            objects = [u.name]
        elif u.index in owner:
            objects = [f"{programs[owner[u.index]]}-{u.name}"]
        else:
            objects = [f"{p}-{u.name}" for p in programs]
        sources.append((path, u.loop, objects))
    for path, loop, objects in sources:
        flags = [f"-I{include}", "-DBENCH_GENERATED=1", "-O2", "-Wall"]
        if loop == "glib":
            glib = glib if glib is not None else glib_cflags()
            flags += glib
        for o in objects:
            obj = os.path.join(out, "obj", o + ".o")
            command = " ".join(shlex.quote(x) for x in [a.cc] + flags + ["-o", obj, "-c", path])
            commands.append({"directory": out, "command": command, "file": path})
    with open(os.path.join(out, "compile_commands.json"), "w") as f:
        json.dump(commands, f, indent=1)
        f.write("\n")
    sites.sort(key=lambda s: (s["file"], s["line"]))
    expected = {"units": a.units, "executables": e, "seed": a.seed, "depth": a.depth, "findings": len(sites),
                "sites": sites}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    loops = {}
    for u in units[1:]:
        loops[u.loop] = loops.get(u.loop, 0) + 1
    print(
        f"gen_project.py: {a.units} units, {e} executable{'s' if e > 1 else ''} in {out} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(loops.items()))}), {len(sites)} planted findings"
    )


if __name__ == "__main__":
    main()

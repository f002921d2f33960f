#!/usr/bin/env python3
"""Drives `asynclock lsp` through whole sessions over a pipe, as an editor would, and checks every
message it sends: initialize, diagnostics on open (with the chain as related information and the
fix in the message, UTF-16 columns after non-ASCII text), re-publication on save of exactly the
files whose findings changed, clearing fixed files, errors for unknown methods and bad JSON, a file
without a compile database, a build folder outside the sources named with --compile-commands-dir
or -p, shutdown/exit codes, and a malformed frame or option.

    python3 tests/lsp_session.py ASYNCLOCK_EXE WORK_DIR
"""
import json
import os
import select
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_helpers import check, finish  # noqa: E402
from scratch_dir import scratch_dir  # noqa: E402

EXE, WORK = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
os.makedirs(WORK, exist_ok=True)
SCRATCH = scratch_dir(WORK, "no-database")  # for files whose compile database must not be found


def uri(path):
    return "file://" + urllib.parse.quote(path)


class Server:
    def __init__(self, *args, cwd=None):
        self.p = subprocess.Popen([EXE, "lsp", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=cwd)
        self.buf = b""

    def send(self, obj=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def request(self, id_, method, params=None):
        self.send({"jsonrpc": "2.0", "id": id_, "method": method, "params": params or {}})

    def notify(self, method, params=None):
        self.send({"jsonrpc": "2.0", "method": method, "params": params or {}})

    def read(self, timeout=30):
        """The next message, or None after `timeout` seconds of silence."""
        deadline = time.time() + timeout
        while True:
            header_end = self.buf.find(b"\r\n\r\n")
            if header_end >= 0:
                length = int(self.buf[:header_end].split(b":")[1])
                if len(self.buf) >= header_end + 4 + length:
                    body = self.buf[header_end + 4:header_end + 4 + length]
                    self.buf = self.buf[header_end + 4 + length:]
                    return json.loads(body)
            left = deadline - time.time()
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buf += chunk

    def read_until_quiet(self, quiet=0.8):
        """Every message until the server says nothing for `quiet` seconds."""
        out = []
        while True:
            m = self.read(quiet if out else 30)
            if m is None:
                return out
            out.append(m)

    def finish(self):
        self.p.stdin.close()
        code = self.p.wait(timeout=30)
        return code, self.p.stderr.read().decode()


def publications(messages):
    return {m["params"]["uri"]: m["params"]["diagnostics"]
            for m in messages if m.get("method") == "textDocument/publishDiagnostics"}


# ---- a project: main.c registers on_timer, which sleeps and calls helper_log in helper.c ----
proj = os.path.join(WORK, "lsp project")  # a space: URIs are percent-encoded
shutil.rmtree(proj, ignore_errors=True)
os.makedirs(os.path.join(proj, "build"))
MAIN_V1 = """#include <unistd.h>
#include <uv.h>
void helper_log(const char *line);
static void on_timer(uv_timer_t *t)
{
    (void)t;
    sleep(1);
    helper_log("tick");
}
void start(uv_loop_t *loop, uv_timer_t *t)
{
    uv_timer_init(loop, t);
    uv_timer_start(t, on_timer, 100, 100);
}
"""
HELPER_V1 = """#include <stdio.h>
void helper_log(const char *line)
{
    FILE *f = fopen("/tmp/log", "a");
    if (f) {
        fputs(line, f);
        fclose(f);
    }
}
"""
main_c, helper_c = os.path.join(proj, "main.c"), os.path.join(proj, "helper.c")
open(main_c, "w").write(MAIN_V1)
open(helper_c, "w").write(HELPER_V1)
json.dump([{"directory": proj, "file": f, "arguments": ["cc", "-c", f]} for f in ("main.c", "helper.c")],
          open(os.path.join(proj, "build", "compile_commands.json"), "w"))

s = Server()
s.request(0, "textDocument/hover")
m = s.read()
check("before initialize: error -32002", m and m.get("id") == 0 and m["error"]["code"] == -32002, m)
s.request(1, "initialize", {"processId": None, "rootUri": uri(proj), "capabilities": {}})
m = s.read()
caps = (m or {}).get("result", {}).get("capabilities", {})
check("initialize: open/close and save sync", caps.get("textDocumentSync", {}).get("openClose") is True
      and "save" in caps.get("textDocumentSync", {}), m)
check("initialize: serverInfo", m["result"]["serverInfo"]["name"] == "asynclock", m)
s.notify("initialized")

started = time.time()
s.notify("textDocument/didOpen", {"textDocument": {"uri": uri(main_c), "languageId": "c", "version": 1,
                                                   "text": MAIN_V1}})
msgs = [s.read()]
elapsed = time.time() - started
msgs += s.read_until_quiet()
pubs = publications(msgs)
check("didOpen: main.c and helper.c published", set(pubs) == {uri(main_c), uri(helper_c)}, list(pubs))
d = pubs.get(uri(main_c), [])
check("didOpen: one diagnostic in main.c", len(d) == 1, d)
if d:
    d = d[0]
    check("main.c: sleep at 7:5-7:10 (0-based 6:4-6:9)",
          d["range"] == {"start": {"line": 6, "character": 4}, "end": {"line": 6, "character": 9}}, d["range"])
    check("main.c: error, code, source", d["severity"] == 1 and d["code"] == "async-lock/sleep"
          and d["source"] == "asynclock", d)
    check("main.c: message with the fix", d["message"].startswith(
        "blocking call 'sleep' in event-loop handler 'on_timer'\nsuggested fix: ") and "uv_timer_start" in d["message"],
        d["message"])
    rel = d["relatedInformation"]
    check("main.c: registration then the call", [r["message"] for r in rel] == [
        "'on_timer' runs on the loop thread: registered as a libuv timer callback (uv_timer_cb) here",
        "'on_timer' calls 'sleep'"], rel)
    check("main.c: registration range", rel[0]["location"] == {"uri": uri(main_c), "range": {
        "start": {"line": 12, "character": 22}, "end": {"line": 12, "character": 30}}}, rel[0])
h = pubs.get(uri(helper_c), [])
check("didOpen: fopen, fputs, fclose in helper.c", sorted(x["message"].split("'")[1] for x in h) ==
      ["fclose", "fopen", "fputs"], [x["message"] for x in h])
fopen = [x for x in h if "'fopen'" in x["message"]]
if fopen:
    rel = fopen[0]["relatedInformation"]
    check("helper.c: the chain crosses files", [(r["location"]["uri"], r["message"]) for r in rel] == [
        (uri(main_c), "'on_timer' runs on the loop thread: registered as a libuv timer callback (uv_timer_cb) here"),
        (uri(main_c), "'on_timer' calls 'helper_log'"),
        (uri(helper_c), "'helper_log' calls 'fopen'")], rel)
print(f"first analysis (cold cache), until the first publication: {elapsed:.2f} s")

# Save main.c with the sleep replaced by usleep after non-ASCII text: only main.c is published again.
open(main_c, "w").write(MAIN_V1.replace("    sleep(1);", "    /* é😀 */ usleep(1);"))
started = time.time()
s.notify("textDocument/didSave", {"textDocument": {"uri": uri(main_c)}})
msgs = [s.read()]
elapsed = time.time() - started
msgs += s.read_until_quiet()
pubs = publications(msgs)
check("didSave main.c: only main.c re-published (helper.c unchanged)", list(pubs) == [uri(main_c)], list(pubs))
d = pubs.get(uri(main_c), [{}])
check("didSave main.c: usleep, columns in UTF-16 after é and an emoji",
      len(d) == 1 and d[0]["range"] == {"start": {"line": 6, "character": 14}, "end": {"line": 6, "character": 20}},
      d)
print(f"re-analysis on save (one unit parsed, the other cached), until the publication: {elapsed:.2f} s")

# Fix helper.c: its diagnostics are cleared.
open(helper_c, "w").write("void helper_log(const char *line) { (void)line; }\n")
s.notify("textDocument/didSave", {"textDocument": {"uri": uri(helper_c)}})
pubs = publications(s.read_until_quiet())
check("didSave helper.c: cleared", pubs.get(uri(helper_c)) == [] and uri(main_c) not in pubs, pubs)

s.request(7, "textDocument/definition", {})
m = s.read()
check("unknown request: -32601", m and m.get("id") == 7 and m["error"]["code"] == -32601, m)
s.send(raw=b"{not json")
m = s.read()
check("bad JSON: -32700 with id null", m and m.get("id") is None and m["error"]["code"] == -32700, m)

lonely = os.path.join(SCRATCH, "lonely", "a.c")
os.makedirs(os.path.dirname(lonely), exist_ok=True)
open(lonely, "w").write("int main(void) { return 0; }\n")
s.notify("textDocument/didOpen", {"textDocument": {"uri": uri(lonely), "languageId": "c", "version": 1,
                                                   "text": ""}})
msgs = s.read_until_quiet()
shown = [m for m in msgs if m.get("method") == "window/showMessage"]
check("no compile database: one warning", len(shown) == 1 and shown[0]["params"]["type"] == 2
      and "no compile_commands.json" in shown[0]["params"]["message"], msgs)
check("no compile database: empty diagnostics", publications(msgs) == {uri(lonely): []}, msgs)

s.request(9, "shutdown")
m = s.read()
check("shutdown: null result", m and m.get("id") == 9 and m.get("result", 1) is None, m)
s.notify("exit")
code, err = s.finish()
check("exit after shutdown: code 0", code == 0, (code, err))

# A call through a struct field: the related information says how the chain went.
indirect = os.path.join(WORK, "indirect")
shutil.rmtree(indirect, ignore_errors=True)
os.makedirs(indirect)
open(os.path.join(indirect, "main.c"), "w").write("""#include <unistd.h>
#include <uv.h>
struct ops { void (*run)(void); };
static void slow(void) { sleep(1); }
static struct ops table = { .run = slow };
static void on_timer(uv_timer_t *t) { (void)t; table.run(); }
void start(uv_timer_t *t) { uv_timer_start(t, on_timer, 1, 0); }
""")
json.dump([{"directory": indirect, "file": "main.c", "arguments": ["cc", "-c", "main.c"]}],
          open(os.path.join(indirect, "compile_commands.json"), "w"))
s = Server()
s.request(1, "initialize", {"capabilities": {}})
s.read()
indirect_main = os.path.join(indirect, "main.c")
s.notify("textDocument/didOpen", {"textDocument": {"uri": uri(indirect_main), "languageId": "c", "version": 1,
                                                   "text": ""}})
d = publications(s.read_until_quiet()).get(uri(indirect_main), [])
check("through a field: the chain says so", len(d) == 1 and [r["message"] for r in d[0]["relatedInformation"]] == [
    "'on_timer' runs on the loop thread: registered as a libuv timer callback (uv_timer_cb) here",
    "'on_timer' calls 'slow' through field ops.run",
    "'slow' calls 'sleep'"], d)
s.notify("exit")
s.finish()

# The project's .asynclock.json applies, as it does for `asynclock check` run in the project.
configured = os.path.join(WORK, "configured")
shutil.rmtree(configured, ignore_errors=True)
os.makedirs(os.path.join(configured, "src"))
open(os.path.join(configured, "src", "main.c"), "w").write(MAIN_V1.replace("    helper_log(\"tick\");\n", ""))
json.dump([{"directory": configured, "file": "src/main.c", "arguments": ["cc", "-c", "src/main.c"]}],
          open(os.path.join(configured, "compile_commands.json"), "w"))
s = Server()
s.request(1, "initialize", {"capabilities": {}})
s.read()
configured_main = os.path.join(configured, "src", "main.c")
s.notify("textDocument/didOpen", {"textDocument": {"uri": uri(configured_main), "languageId": "c", "version": 1,
                                                   "text": ""}})
pubs = publications(s.read_until_quiet())
check("without a configuration: the sleep is reported", len(pubs.get(uri(configured_main), [])) == 1, pubs)
open(os.path.join(configured, ".asynclock.json"), "w").write('{"categories": {"sleep": false}}\n')
s.notify("textDocument/didSave", {"textDocument": {"uri": uri(configured_main)}})
pubs = publications(s.read_until_quiet())
check("the project's .asynclock.json is found: sleep turned off", pubs.get(uri(configured_main)) == [], pubs)
s.notify("exit")
s.finish()

# A build folder outside the sources (cmake -S proj -B build-proj): found only when named.
outside = os.path.join(SCRATCH, "outside")
shutil.rmtree(outside, ignore_errors=True)
os.makedirs(os.path.join(outside, "proj", "src"))
os.makedirs(os.path.join(outside, "build-proj"))
outside_main = os.path.join(outside, "proj", "src", "main.c")
open(outside_main, "w").write(MAIN_V1.replace("    helper_log(\"tick\");\n", ""))
json.dump([{"directory": os.path.join(outside, "build-proj"), "file": outside_main,
            "arguments": ["cc", "-c", outside_main]}],
          open(os.path.join(outside, "build-proj", "compile_commands.json"), "w"))


def open_outside(*args, cwd=None):
    """The messages after opening outside_main with `asynclock lsp ARGS` (run in cwd); the exit code."""
    s = Server(*args, cwd=cwd)
    s.request(1, "initialize", {"capabilities": {}})
    s.read()
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri(outside_main), "languageId": "c", "version": 1,
                                                       "text": ""}})
    msgs = s.read_until_quiet()
    s.request(2, "shutdown")
    s.read()
    s.notify("exit")
    return msgs, s.finish()[0]


msgs, _ = open_outside()
check("build folder outside, not named: a warning naming --compile-commands-dir, no diagnostics",
      publications(msgs) == {uri(outside_main): []} and any(
          "--compile-commands-dir DIR" in m["params"]["message"] for m in msgs if m.get("method") == "window/showMessage"),
      msgs)
for args, cwd in ((["--compile-commands-dir", os.path.join(outside, "build-proj")], None),
                  (["--compile-commands-dir=" + os.path.join(outside, "build-proj")], None),
                  (["-p", "../build-proj", "--no-config"], os.path.join(outside, "proj")),
                  (["--no-config", "-p../build-proj"], os.path.join(outside, "proj"))):
    msgs, code = open_outside(*args, cwd=cwd)
    d = publications(msgs).get(uri(outside_main), [])
    check(f"build folder outside, named with {' '.join(args)} (relative to the server's folder): the sleep",
          len(d) == 1 and d[0]["code"] == "async-lock/sleep" and d[0]["range"]["start"] == {"line": 6, "character": 4}
          and code == 0 and not [m for m in msgs if m.get("method") == "window/showMessage"], (msgs, code))
msgs, _ = open_outside("--compile-commands-dir", os.path.join(outside, "proj"))
shown = [m["params"] for m in msgs if m.get("method") == "window/showMessage"]
check("a named folder without compile_commands.json: the analysis's one-line error, as an error",
      len(shown) == 1 and shown[0]["type"] == 1 and "compile_commands.json" in shown[0]["message"]
      and "\n" not in shown[0]["message"], shown)
for args in (["-p"], ["--compile-commands-dir"], ["--compile-commands-dir="]):
    s = Server(*args)
    code, err = s.finish()
    check(f"lsp {' '.join(args)}: code 2 and one line", code == 2 and err == (
        f"asynclock: error: option '{args[0]}' needs a value (see asynclock --help)\n"), (code, err))

s = Server()
s.request(1, "initialize", {"capabilities": {}})
s.read()
s.notify("exit")
code, _ = s.finish()
check("exit without shutdown: code 1", code == 1, code)

s = Server()
s.p.stdin.write(b"Content-Length: banana\r\n\r\n{}")
code, err = s.finish()
check("malformed frame: code 2 and one line", code == 2 and err.strip() ==
      "asynclock lsp: error: Content-Length is not a number from 0 to 64 MiB", (code, err))

if not SCRATCH.startswith(WORK + "/"):
    shutil.rmtree(SCRATCH)
finish()

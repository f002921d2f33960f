// The VS Code extension of docs/editors.md (its package.json and extension.js, taken from the page)
// loaded by Node with stand-ins for the two modules VS Code would give it: `vscode` (the settings
// and the workspace folder) and `vscode-languageclient/node` (a LanguageClient that starts the
// server as the real one does, from the options the extension passes, and opens a file of the
// demo over LSP). VS Code itself is not on Debian; what is checked is that the documented files
// are valid, start `asynclock lsp` with the setting for a build folder outside the sources, and
// get the findings `asynclock check` reports in that file.
//
//   node tests/vscode_extension.js ASYNCLOCK_EXE SOURCE_DIR WORK_DIR
"use strict";
const { execFileSync, spawn } = require("child_process");
const fs = require("fs");
const path = require("path");

const [exe, src, work] = process.argv.slice(2).map((p) => path.resolve(p));
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`PASS: ${name}`);
  } else {
    failed++;
    console.log(`FAIL: ${name} (${detail})`);
  }
}

// ---- the two files of the page ----
const page = fs.readFileSync(path.join(src, "docs", "editors.md"), "utf8");
const marked = page.slice(page.indexOf("<!-- tests/vscode_extension.js"));
const block = (name, lang) => {
  const m = marked.match(new RegExp("`" + name + "`\\n```" + lang + "\\n([\\s\\S]*?)\\n```"));
  return m ? m[1] : null;
};
const manifestText = block("package.json", "json");
const extensionText = block("extension.js", "js");
check("docs/editors.md has package.json and extension.js", manifestText && extensionText, "blocks not found");
let manifest = {};
try {
  manifest = JSON.parse(manifestText);
} catch (e) {
  check("package.json is JSON", false, e.message);
}
const settings = ((manifest.contributes || {}).configuration || {}).properties || {};
check("package.json: main, activation on C files, VS Code engine, the two settings",
  manifest.main === "extension.js" && (manifest.activationEvents || []).includes("onLanguage:c") &&
  /^\^1\.\d+/.test((manifest.engines || {}).vscode) && settings["asynclock.path"] &&
  settings["asynclock.compileCommandsDir"], JSON.stringify(manifest));

// ---- the demo, with its build folder inside and outside the sources ----
function project(folder, build) {
  fs.mkdirSync(folder, { recursive: true });
  for (const f of fs.readdirSync(path.join(src, "fixtures", "demo"))) {
    if (/\.(c|h)$|^CMakeLists.txt$/.test(f)) fs.copyFileSync(path.join(src, "fixtures", "demo", f), path.join(folder, f));
  }
  execFileSync("cmake", ["-S", folder, "-B", build, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"], { stdio: "ignore" });
}
project(path.join(work, "inside", "demo"), path.join(work, "inside", "demo", "build"));
// outside the sources: where the upward search finds no other compile database
const scratch = execFileSync("python3", [path.join(src, "tests", "scratch_dir.py"), work, "no-database"]).toString().trim();
const outside = path.join(scratch, "outside");
project(path.join(outside, "demo"), path.join(outside, "build-proj"));

// ---- the stand-ins, where `npm install` and VS Code would put the real modules ----
function install(folder, state) {
  fs.mkdirSync(path.join(folder, "node_modules", "vscode-languageclient"), { recursive: true });
  fs.writeFileSync(path.join(folder, "package.json"), manifestText);
  fs.writeFileSync(path.join(folder, "extension.js"), extensionText);
  fs.writeFileSync(path.join(folder, "node_modules", "vscode.js"),
    `const state = require(${JSON.stringify(state)});
     module.exports = {workspace: {
       workspaceFolders: [{uri: {fsPath: state.workspace}}],
       getConfiguration: (section) => ({get: (key) => state.settings[section + "." + key]})}};`);
  fs.writeFileSync(path.join(folder, "node_modules", "vscode-languageclient", "node.js"),
    `const state = require(${JSON.stringify(state)});
     exports.LanguageClient = class { constructor(id, name, server, client) { state.started = {id, server, client}; }
       start() { return state.run(state.started.server); } stop() {} };`);
}

// What the real client does with the server options: spawn, initialize, open the file; collects
// the diagnostics published for it.
function runServer(server, file) {
  return new Promise((resolve) => {
    const child = spawn(server.command, server.args, { cwd: (server.options || {}).cwd });
    let buffer = Buffer.alloc(0);
    const result = { diagnostics: null, messages: [] };
    const send = (m) => {
      const body = Buffer.from(JSON.stringify(Object.assign({ jsonrpc: "2.0" }, m)));
      child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
      child.stdin.write(body);
    };
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      send({ id: 2, method: "shutdown" });
      send({ method: "exit" });
      child.stdin.end();
    };
    const timer = setTimeout(done, 60000);
    child.stdout.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/Content-Length: (\d+)/i.exec(buffer.slice(0, end).toString())[1]);
        if (buffer.length < end + 4 + length) return;
        const m = JSON.parse(buffer.slice(end + 4, end + 4 + length).toString());
        buffer = buffer.slice(end + 4 + length);
        if (m.method === "window/showMessage") {
          result.messages.push(m.params);
          done();
        } else if (m.method === "textDocument/publishDiagnostics" && m.params.uri === "file://" + file) {
          result.diagnostics = m.params.diagnostics;
          done();
        }
      }
    });
    child.on("close", (code) => resolve(Object.assign(result, { code })));
    send({ id: 1, method: "initialize", params: { processId: process.pid, rootUri: null, capabilities: {} } });
    send({ method: "initialized", params: {} });
    send({ method: "textDocument/didOpen",
      params: { textDocument: { uri: "file://" + file, languageId: "c", version: 1, text: fs.readFileSync(file, "utf8") } } });
  });
}

async function activate(name, workspace, settings) {
  const folder = path.join(work, "extension-" + name);
  const statePath = path.join(folder, "state.js");
  fs.mkdirSync(folder, { recursive: true });
  const state = { workspace, settings, run: null, started: null };
  fs.writeFileSync(statePath, "module.exports = {};");
  install(folder, statePath);
  Object.assign(require(statePath), state);
  const file = path.join(workspace, "storage.c");
  require(statePath).run = (server) => runServer(server, file).then((r) => (require(statePath).result = r));
  await require(path.join(folder, "extension.js")).activate();
  return Object.assign({ file }, require(statePath));
}

function expected(build, file) {
  let out;
  try {
    out = execFileSync(exe, ["check", "-p", build, "-f", "json", "-q"], { cwd: path.dirname(file) });
  } catch (e) { // exit 1: findings
    out = e.stdout;
  }
  const report = JSON.parse(out.toString());
  return report.findings.filter((f) => f.location.file === file).map((f) =>
    `${f.location.line - 1}:${f.location.column - 1}-${f.location.column - 1 + f.callee.length} async-lock/${f.category} ${f.message}`).sort();
}
const seen = (r) => (r.diagnostics || []).map((d) =>
  `${d.range.start.line}:${d.range.start.character}-${d.range.end.character} ${d.code} ${d.message.split("\n")[0]}`).sort();

(async () => {
  const comments = fs.readFileSync(path.join(src, "fixtures", "demo", "storage.c"), "utf8").split("expect:").length - 1;
  let r = await activate("inside", path.join(work, "inside", "demo"), { "asynclock.path": exe });
  check("the extension starts the configured asynclock lsp in the workspace folder",
    r.started.server.command === exe && r.started.server.args.join(" ") === "lsp" &&
    r.started.server.options.cwd === path.join(work, "inside", "demo"), JSON.stringify(r.started.server));
  let want = expected(path.join(work, "inside", "demo", "build"), r.file);
  check(`build folder inside: the ${comments} findings of storage.c`, want.length === comments &&
    JSON.stringify(seen(r.result)) === JSON.stringify(want), JSON.stringify({ seen: seen(r.result), want }));

  r = await activate("outside-unset", path.join(outside, "demo"), { "asynclock.path": exe });
  check("build folder outside, no setting: a warning, no diagnostics",
    r.result.messages.length === 1 && /no compile_commands.json/.test(r.result.messages[0].message) &&
    !(r.result.diagnostics || []).length, JSON.stringify(r.result));

  r = await activate("outside", path.join(outside, "demo"),
    { "asynclock.path": exe, "asynclock.compileCommandsDir": "../build-proj" });
  check("build folder outside, asynclock.compileCommandsDir ../build-proj: passed as --compile-commands-dir",
    r.started.server.args.join(" ") === "lsp --compile-commands-dir ../build-proj", JSON.stringify(r.started.server));
  want = expected(path.join(outside, "build-proj"), r.file);
  check(`build folder outside, with the setting: the ${comments} findings of storage.c`, want.length === comments &&
    JSON.stringify(seen(r.result)) === JSON.stringify(want) && r.result.code === 0,
    JSON.stringify({ seen: seen(r.result), want, code: r.result.code }));

  if (!scratch.startsWith(work + path.sep)) fs.rmSync(scratch, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();

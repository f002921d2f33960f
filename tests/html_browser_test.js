// The HTML report in a real browser: Debian's chromium, headless, driven by playwright-core.
//
//   node html_browser_test.js ASYNCLOCK DEMO_BUILD_DIR WORK_DIR NODE_BROWSER_PREFIX SCREENSHOT MULTI_BUILD_DIR
//        [TRACE_WORK]
//
// Writes the report of the demo fixture (HTML, and JSON beside it), loads the HTML from disk and
// checks from the rendered page, not from the file's text: the rows are the groups of the text
// report (calls in one function reached the same way: one row "N blocking calls in 'fn'" that
// expands to each call and the chain they share; every other finding a row of its own), so every
// finding of the JSON report is listed (callee and file:line:col), a category filter hides exactly
// the other categories' findings, sorting by a column orders the rows, expanding a finding shows
// its chains step by step with each call highlighted, and the page makes no request and raises no
// script error. Then a hostile
// program (a comment "</script><img src=x onerror=alert(1)>" on the blocking call's line) must
// show that text as text: no <img> element, no dialog. Takes a screenshot of the demo report. A
// report of several programs (the multi_shared_ops fixture) filters by program: each program shows
// exactly the findings its JSON report lists for it, and a finding says where it was found.
// With ASYNCLOCK_TEST_LOCKS_BUILD (the uv_worker_locks fixture's build), each lock finding, expanded,
// shows its worker's side: the worker, where it takes the lock, its blocking call under it.
// With TRACE_WORK (the trace test's folder, when the build has the trace shim), the reports with
// traces it wrote: rows ranked by measured blocked time as the JSON says (a group by the sum of its
// calls'), the "Blocked on loop" column and the observed detail, and the observed-only section
// with its stack.
// Missing chromium or playwright-core is a failure (ci/deps-browser.sh installs both).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');

const [asynclock, demoBuild, work, nodePrefix, screenshotArg, multiBuild, traceWork] =
  process.argv.slice(2).map(a => path.resolve(a));
if (!asynclock || !demoBuild || !work || !nodePrefix || !multiBuild) {
  console.error('usage: node html_browser_test.js ASYNCLOCK DEMO_BUILD_DIR WORK_DIR NODE_BROWSER_PREFIX SCREENSHOT ' +
                'MULTI_BUILD_DIR [TRACE_WORK]');
  process.exit(2);
}
const CHROMIUM = process.env.ASYNCLOCK_CHROMIUM || '/usr/bin/chromium';
const screenshot = screenshotArg || path.join(work, 'demo.png');
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok)
    failures++;
}
function fatal(what) {
  console.error(`FAIL ${what}`);
  process.exit(1);
}

let chromium;
try {
  ({ chromium } = require(path.resolve(nodePrefix, 'node_modules', 'playwright-core')));
} catch (e) {
  fatal(`playwright-core is not installed under ${nodePrefix} (run ci/deps-browser.sh): ${e.message}`);
}
if (!fs.existsSync(CHROMIUM))
  fatal(`${CHROMIUM} is missing (run ci/deps-browser.sh)`);

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

// asynclock check -p DIR --format html -o X --json Y: exit 0 (clean) or 1 (findings) only.
function report(buildDir, name) {
  const html = path.join(work, `${name}.html`), json = path.join(work, `${name}.json`);
  const r = spawnSync(asynclock, ['check', '-p', buildDir, '--format', 'html', '-o', html, '--json', json],
                      { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1)
    fatal(`asynclock on ${buildDir} exited ${r.status}: ${r.stderr}`);
  return { html, json: JSON.parse(fs.readFileSync(json, 'utf8')) };
}

// A tiny libuv program whose timer callback calls sleep() on a line with a hostile comment.
const HOSTILE = '</script><img src=x onerror=alert(1)>';
function writeHostile() {
  const dir = path.join(work, 'hostile');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'main.c'), `#include <unistd.h>
#include <uv.h>

static void on_timer(uv_timer_t *timer)
{
    (void)timer;
    sleep(1); /* ${HOSTILE} */
}

int main(void)
{
    uv_timer_t timer;
    uv_timer_init(uv_default_loop(), &timer);
    uv_timer_start(&timer, on_timer, 10, 0);
    return uv_run(uv_default_loop(), UV_RUN_DEFAULT);
}
`);
  fs.writeFileSync(path.join(dir, 'compile_commands.json'), JSON.stringify([
    { directory: dir, file: 'main.c', arguments: ['cc', '-std=c11', '-c', 'main.c', '-o', 'main.o'] },
  ], null, 2));
  return dir;
}

// The groups the text report prints, in its order: each a list of "file:line:col" (relative to
// cwd). With --all-chains, as the HTML shows every chain.
function textGroups(args, cwd) {
  const r = spawnSync(asynclock, ['check', ...args, '--all-chains', '--color', 'never'], { encoding: 'utf8', cwd });
  if (r.status !== 0 && r.status !== 1)
    fatal(`asynclock ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const groups = [];
  let calls = [];
  for (const line of r.stdout.split('\n')) {
    const finding = /^(.+?:\d+:\d+): (?:error|warning|note): blocking call .* \[async-lock\/[\w-]+\]$/.exec(line);
    const group = /: note: (\d+) blocking calls in '(.+)', reached the same way:$/.exec(line);
    if (finding) {
      calls.push(finding[1]);
      continue;
    }
    if (group) {
      check(+group[1] === calls.length, `the text report's group in ${group[2]} follows its ${group[1]} calls`);
      groups.push({ fn: group[2], locs: calls });
    } else {
      groups.push(...calls.map(loc => ({ locs: [loc] })));
    }
    calls = [];
  }
  return groups;
}

// What the page shows in its table, read from the DOM: a finding's row, or a group's ("3 blocking
// calls in 'fn'", its callees, the lines of its calls).
async function rows(page) {
  return page.$$eval('#rows tr.finding', trs => trs.map(tr => {
    const group = tr.classList.contains('group');
    const callees = group ? [...tr.querySelectorAll('.callees code')].map(c => c.innerText.trim()) :
      [tr.querySelector('td.callee').innerText.trim()];
    const categories = [...tr.querySelectorAll('.cat')].map(c => c.innerText.trim());
    return {
      group, callees, categories, callee: callees[0], category: categories.join(' '),
      title: group ? tr.querySelector('.group-title').innerText.trim() : '',
      count: group ? +/^\d+/.exec(tr.querySelector('.group-title').innerText)[0] : 1,
      loc: tr.querySelector('td.loc').innerText.trim(),
    };
  }));
}

// Expands row `index` (a group's) and reads the calls its detail lists: callee and file:line:col.
async function groupCalls(page, index) {
  await page.locator('#rows tr.finding').nth(index).click();
  const calls = await page.$$eval('#rows tr.detail ol.calls > li.call', lis => lis.map(li => ({
    callee: li.querySelector('.step-head code').innerText.trim(),
    loc: li.querySelector('.step-head .where').innerText.trim(),
    message: li.querySelector('.cmsg').innerText.trim(),
    mark: (li.querySelector('.l.hit mark') || {}).innerText,
  })));
  await page.locator('#rows tr.finding').nth(index).click();
  return calls;
}

async function open(context, file) {
  const page = await context.newPage();
  const events = { dialogs: 0, errors: [], requests: [] };
  page.on('dialog', d => { events.dialogs++; d.dismiss().catch(() => {}); });
  page.on('pageerror', e => events.errors.push(e.message));
  page.on('request', r => { if (r.url() !== 'file://' + file) events.requests.push(r.url()); });
  const t0 = Date.now();
  await page.goto('file://' + file);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  events.loadMs = Date.now() - t0;
  return { page, events };
}

async function main() {
  const demo = report(demoBuild, 'demo');
  const hostileDir = writeHostile();
  const hostile = report(hostileDir, 'hostile');
  const multi = report(multiBuild, 'multi');

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'asynclock-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  try {
    // ---- the demo report
    const { page, events } = await open(context, demo.html);
    console.log(`demo report: ${demo.json.findings.length} findings, loaded in ${events.loadMs} ms`);
    check(demo.json.findings.length > 0, 'the demo fixture has findings');
    const version = await page.$eval('#tool', e => e.innerText);
    check(version.includes(demo.json.tool.version), `the header shows the tool version (${version})`);
    const shownCount = await page.$eval('#n-findings .num', e => e.innerText);
    check(+shownCount === demo.json.findings.length, `the header counts ${shownCount} findings`);
    const units = await page.$eval('#n-units .num', e => e.innerText);
    check(+units === demo.json.summary.translation_units, `the header counts ${units} translation units`);
    for (const key of ['category', 'handler', 'file'])
      check(await page.$$eval(`#chart-${key} .bar`, b => b.length) > 0, `the ${key} chart has bars`);

    // one row per group of the text report: a group's calls behind one row, every finding listed
    await page.selectOption('#page-size', '0');
    const root = await page.$eval('#root', e => e.innerText);
    const where = f => `${path.relative(root, f.location.file)}:${f.location.line}:${f.location.column}`;
    const expected = demo.json.findings.map(f => ({ callee: f.callee, category: f.category, loc: where(f) }));
    const byLoc = new Map(demo.json.findings.map(f => [where(f), f]));
    const groups = textGroups(['-p', demoBuild], root);
    const several = groups.filter(g => g.locs.length > 1);
    check(several.length > 0, `the demo has calls grouped in the text report (${several.map(g => g.fn).join(', ')})`);
    const key = r => `${r.callee} ${r.loc}`;
    let shown = await rows(page);
    check(shown.length === groups.length, `the table lists ${shown.length} rows for ${expected.length} findings ` +
          `in ${groups.length} groups`);
    const listed = [];
    for (const [i, r] of shown.entries()) {
      if (!r.group) {
        listed.push(key(r));
        continue;
      }
      const calls = await groupCalls(page, i);
      listed.push(...calls.map(key));
      const group = groups.find(g => g.locs[0] === calls[0].loc) || { locs: [] };
      const fn = group.fn;
      check(r.title === `${group.locs.length} blocking calls in '${fn}'`, `the group row says "${r.title}"`);
      check(calls.map(c => c.loc).join() === group.locs.join(),
            `"${r.title}" expands to each of its calls: ${calls.map(key).join(', ')}`);
      check(calls.every(c => c.mark === c.callee && c.message === byLoc.get(c.loc).message),
            `each call of "${r.title}" shows its message and its line, the callee highlighted`);
      const callees = [...new Set(calls.map(c => c.callee))];
      check(r.callees.join() === callees.join(), `the group row lists its callees (${r.callees.join(', ')})`);
    }
    for (const g of groups.filter(g => g.locs.length === 1))
      check(shown.some(r => !r.group && r.loc === g.locs[0]), `the finding at ${g.locs[0]} is a row of its own`);
    const listedKeys = new Set(listed);
    const missing = expected.filter(r => !listedKeys.has(key(r)));
    check(listed.length === expected.length && missing.length === 0,
          'every finding of the JSON report is listed by callee and file:line:col' +
          (missing.length ? `; missing: ${missing.map(key).join(', ')}` : ''));

    // the detail of the group with the most handlers: each call, each fix once, the shared chains once
    const widest = several.map(g => g.locs.map(l => byLoc.get(l)))
      .reduce((a, b) => b[0].handlers.length > a[0].handlers.length ? b : a);
    const widestTitle = `${widest.length} blocking calls in '${widest[0].function}'`;
    const widestRow = (await rows(page)).findIndex(r => r.title === widestTitle);
    await page.locator('#rows tr.finding').nth(widestRow).click();
    const group = await page.$eval('#rows tr.detail', d => ({
      text: d.innerText,
      title: d.querySelector('p.msg').innerText,
      calls: d.querySelectorAll('li.call').length,
      handlers: d.querySelectorAll('section.handler').length,
      registrations: d.querySelectorAll('li.reg').length,
      steps: d.querySelectorAll('li.step:not(.reg):not(.blocking)').length,
      blocking: [...d.querySelectorAll('li.blocking')].map(li => li.querySelectorAll('.step-head code').length),
    }));
    const count = (text, part) => text.split(part).length - 1;
    check(group.title === `${widestTitle}, reached the same way:`,
          `the group's detail says "${group.title}"`);
    check(group.calls === widest.length, `it lists its ${group.calls} calls`);
    check([...new Set(widest.map(f => f.fix))].every(fix => count(group.text, fix) === 1), 'it shows each fix once');
    check(group.handlers === widest[0].handlers.length && group.registrations === group.handlers,
          `it shows the ${group.handlers} handlers' chains once, each with its registration`);
    check(group.steps === widest[0].handlers.reduce((n, h) => n + h.chain.length - 1, 0),
          `it shows the ${group.steps} steps the calls share once`);
    check(group.blocking.every(n => n === widest.length + 1),
          "each chain ends in the function's calls, all of them listed");
    await page.locator('#rows tr.finding').nth(widestRow).click();

    // a category filter hides exactly the other categories' findings
    const byCategory = {};
    for (const r of expected)
      byCategory[r.category] = (byCategory[r.category] || 0) + 1;
    const category = Object.keys(byCategory).sort((a, b) => byCategory[a] - byCategory[b])[0];
    const option = await page.$$eval('#f-category option', (os, c) =>
      os.filter(o => o.textContent.startsWith(c + ' (')).map(o => o.value)[0], category);
    await page.selectOption('#f-category', option);
    shown = await rows(page);
    const findingsShown = shown.reduce((n, r) => n + r.count, 0);
    check(findingsShown === byCategory[category],
          `filter category=${category}: ${findingsShown} findings shown, ${expected.length - findingsShown} hidden ` +
          `(expected ${byCategory[category]} shown, ${expected.length - byCategory[category]} hidden)`);
    check(shown.every(r => r.category === category), `filter category=${category}: every row shown is a ${category}`);
    const counter = await page.$eval('#count', e => e.innerText);
    check(counter === `${byCategory[category]} of ${expected.length} findings`, `the counter says "${counter}"`);
    await page.click('#f-reset');
    check((await rows(page)).length === groups.length, 'reset shows every row again');

    // sorting by the callee column (a group by its first call's callee)
    await page.click('th[data-sort="callee"]');
    let callees = (await rows(page)).map(r => r.callee);
    check(callees.join() === callees.slice().sort().join(), 'clicking "Blocking call" sorts the rows by callee');
    await page.click('th[data-sort="callee"]');
    callees = (await rows(page)).map(r => r.callee);
    check(callees.join() === callees.slice().sort().reverse().join(), 'clicking it again sorts them descending');
    await page.click('th[data-sort="location"]');

    // expanding a finding of its own shows its chains
    const single = new Set(groups.filter(g => g.locs.length === 1).map(g => g.locs[0]));
    const longest = demo.json.findings.filter(f => single.has(where(f))).reduce((a, b) =>
      Math.max(...b.handlers.map(h => h.chain.length)) > Math.max(...a.handlers.map(h => h.chain.length)) ? b : a);
    const target = `${longest.callee} ${path.relative(root, longest.location.file)}:${longest.location.line}:` +
                   `${longest.location.column}`;
    const index = (await rows(page)).findIndex(r => key(r) === target);
    check(index >= 0, `the finding with the longest chain is a row (${target})`);
    await page.locator('#rows tr.finding').nth(index).click();
    const detail = await page.$eval('#rows tr.detail', d => ({
      text: d.innerText,
      handlers: d.querySelectorAll('section.handler').length,
      registrations: d.querySelectorAll('li.reg').length,
      steps: [...d.querySelectorAll('li.step:not(.reg)')].map(li => ({
        head: li.querySelector('.step-head').innerText,
        mark: (li.querySelector('mark') || {}).innerText,
        line: +(li.querySelector('.l.hit .n') || {}).innerText,
        lines: li.querySelectorAll('pre.src .l').length,
      })),
      regMarks: [...d.querySelectorAll('li.reg mark')].map(m => m.innerText),
      blocking: (d.querySelector('li.blocking mark') || {}).innerText,
    }));
    const allSteps = longest.handlers.flatMap(h => h.chain);
    check(detail.handlers === longest.handlers.length && detail.registrations === longest.handlers.length,
          `the detail shows ${detail.handlers} handlers, each with its registration`);
    check(detail.steps.length === allSteps.length, `the detail shows ${detail.steps.length} chain steps ` +
          `(expected ${allSteps.length})`);
    check(detail.steps.every((s, i) => s.mark === allSteps[i].callee && s.line === allSteps[i].line),
          'each step highlights its callee on its own line: ' + detail.steps.map(s => `${s.mark}@${s.line}`).join(' > '));
    check(detail.steps.every(s => s.lines >= 3), 'each step shows the source lines around the call');
    check(detail.regMarks.every((m, i) => m === longest.handlers[i].name),
          `each registration highlights the handler's name (${detail.regMarks.join(', ')})`);
    check(detail.blocking === longest.callee, `the last step is the blocking call, highlighted (${detail.blocking})`);
    check(detail.text.includes(longest.fix) && detail.text.includes(longest.why), 'the detail shows the fix and why');
    check(longest.handlers.every(h => detail.text.includes(h.kind)), "the detail shows each handler's kind");
    check(detail.text.includes('registered'), 'the detail shows the registration context');

    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    check(events.errors.length === 0, `no script error (${events.errors.join('; ')})`);
    check(events.requests.length === 0, `no request beyond the file itself (${events.requests.join(' ')})`);
    await page.close();

    // ---- the hostile program
    check(hostile.json.findings.length === 1, `the hostile program has 1 finding (${hostile.json.findings.length})`);
    const h = await open(context, hostile.html);
    check((await rows(h.page)).length === 1, 'the hostile report lists its finding');
    await h.page.locator('#rows tr.finding').first().click();
    await h.page.waitForTimeout(300); // time for an injected onerror to fire
    const text = await h.page.$eval('#rows tr.detail', d => d.innerText);
    check(text.includes(HOSTILE), 'the hostile comment is shown as text');
    check(await h.page.$$eval('img', i => i.length) === 0, 'no <img> element was created');
    check(h.events.dialogs === 0, 'no dialog fired');
    check(h.events.errors.length === 0, `no script error (${h.events.errors.join('; ')})`);
    check(h.events.requests.length === 0, `no request beyond the file itself (${h.events.requests.join(' ')})`);
    await h.page.close();

    // ---- several programs: the program filter
    const names = multi.json.programs.map(p => p.name).sort();
    check(names.length > 1, `the multi-program report has ${names.length} programs (${names.join(', ')})`);
    const m = await open(context, multi.html);
    check(+(await m.page.$eval('#n-programs .num', e => e.innerText)) === names.length, 'the header counts the programs');
    for (const name of names) {
      const option = await m.page.$$eval('#f-program option', (os, n) =>
        os.filter(o => o.textContent.startsWith(n + ' (')).map(o => o.value)[0], name);
      check(option !== undefined, `the program filter offers ${name}`);
      await m.page.selectOption('#f-program', option);
      const want = multi.json.findings.filter(f => f.programs.includes(name)).map(f => f.callee).sort();
      const got = [];
      for (const [i, r] of (await rows(m.page)).entries())
        got.push(...(r.group ? (await groupCalls(m.page, i)).map(c => c.callee) : [r.callee]));
      got.sort();
      check(got.join() === want.join(), `filter program=${name}: rows ${got.join(', ')} (expected ${want.join(', ')})`);
    }
    await m.page.click('#f-reset');
    const shared = multi.json.findings.find(f => f.programs.length > 1);
    check(shared !== undefined, 'one finding is found in several programs');
    const sharedIndex = (await rows(m.page)).findIndex(r => r.callee === shared.callee);
    await m.page.locator('#rows tr.finding').nth(sharedIndex).click();
    const found = await m.page.$eval('#rows tr.detail .programs', d => d.innerText);
    check(shared.programs.every(p => found.includes(p)), `the shared finding says where it was found (${found})`);
    check(m.events.errors.length === 0, `no script error (${m.events.errors.join('; ')})`);
    await m.page.close();

    // ---- lock findings (the uv_worker_locks fixture): each shows the worker that holds the lock,
    // where it takes it, and its blocking call under it
    const locksBuild = process.env.ASYNCLOCK_TEST_LOCKS_BUILD;
    if (locksBuild) {
      const locks = report(locksBuild, 'locks');
      const lk = await open(context, locks.html);
      const lockFindings = locks.json.findings.filter(f => f.lock);
      check(lockFindings.length === 5, `the locks report has 5 lock findings (${lockFindings.length})`);
      for (const [i, r] of (await rows(lk.page)).entries()) {
        const f = lockFindings.find(x => x.callee === r.callee && r.loc.endsWith(`:${x.location.line}:${x.location.column}`));
        if (!f)
          continue;
        await lk.page.locator('#rows tr.finding').nth(i).click();
        const worker = await lk.page.$eval('#rows tr.detail section.worker', s => s.innerText.replace(/\s+/g, ' '));
        const last = f.lock.worker.chain[f.lock.worker.chain.length - 1];
        check(worker.startsWith(`Worker ${f.lock.worker.name} holds ${f.lock.name}`) &&
              worker.includes(`${f.lock.acquired_at.function} takes ${f.lock.name}`) &&
              worker.includes(`${last.function} calls ${last.callee}`),
              `the lock finding at line ${f.location.line} shows its worker's side (${worker.slice(0, 160)})`);
        await lk.page.locator('#rows tr.finding').nth(i).click();
      }
      check(lk.events.errors.length === 0 && lk.events.requests.length === 0, 'locks: no script error or request');
      await lk.page.close();
    }

    // ---- reports with traces (the trace test's uv_program and dlsym_handler)
    if (traceWork && fs.existsSync(traceWork)) {
      const traced = JSON.parse(fs.readFileSync(path.join(traceWork, 'uv_program.report.json'), 'utf8'));
      const t = await open(context, path.join(traceWork, 'uv_program.html'));
      const traceRoot = await t.page.$eval('#root', e => e.innerText);
      await t.page.selectOption('#page-size', '0');
      const sortedBy = await t.page.$eval('th[data-sort="stall"]', th => th.getAttribute('aria-sort'));
      check(sortedBy === 'descending', `the traced table is sorted by "Blocked on loop", most first (${sortedBy})`);
      // the rows: the text report's groups, each ranked by the blocked time of its calls
      const tracedGroups = textGroups(['-p', path.join(traceWork, 'build', 'db', 'uv_program'), '--no-cache', '--trace',
                                       path.join(traceWork, 'uv_program.json')], traceRoot);
      const tracedAt = new Map(traced.findings.map(f => [`${path.relative(traceRoot, f.location.file)}:` +
                                                         `${f.location.line}:${f.location.column}`, f]));
      const blocked = g => g.locs.reduce((n, l) => n + (tracedAt.get(l).observed || { total_ns: 0 }).total_ns, 0);
      const want = tracedGroups.filter(g => g.locs.some(l => tracedAt.get(l).observed))
        .sort((a, b) => blocked(b) - blocked(a))
        .map(g => g.locs.map(l => +l.split(':')[1]).sort((a, b) => a - b).join(', ')); // a group's calls by line
      const got = await t.page.$$eval('#rows tr.finding', trs => trs.map(tr =>
        tr.querySelector('td.loc').innerText.replace(/^[^:]*:/, '').replace(/:\d+$/, '')));
      check(got.slice(0, want.length).join(' | ') === want.join(' | '), `rows ranked by measured stall: lines ${got.join(' | ')}`);
      check(tracedGroups.some(g => g.locs.length > 1), 'the traced report groups calls too');
      check(await t.page.$$eval('#rows td.stall', tds => tds.every(td => /\d+ calls, (worst )?p99 /.test(td.innerText))),
            'every traced row shows its calls and p99 (a group its worst)');
      await t.page.locator('#rows tr.finding').first().click();
      const observed = await t.page.$eval('#rows tr.detail .observed', d => d.innerText);
      check(/^Observed on a loop thread: 3 calls, .* in all, p50 .*, p99 .*, max /.test(observed),
            `the detail says what was observed (${observed})`);
      check(t.events.errors.length === 0, `no script error in the traced report (${t.events.errors.join('; ')})`);
      await t.page.close();
      const o = await open(context, path.join(traceWork, 'dlsym_handler.html'));
      const only = await o.page.$$eval('#observed-only tr.observed-only', trs => trs.map(tr => tr.innerText));
      check(only.length === 1 && only[0].startsWith('usleep') && only[0].includes('dlsym_handler.c:15'),
            `the observed-only section lists usleep at dlsym_handler.c:15 (${only.join(' | ')})`);
      const frames = await o.page.$$eval('#observed-only ol li', lis => lis.map(li => li.textContent));
      check(frames.length > 2 && frames[0].startsWith('on_tick'), `its stack starts in on_tick (${frames[0]})`);
      check(o.events.errors.length === 0 && o.events.requests.length === 0, 'no script error or request');
      await o.page.close();
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  if (failures) {
    console.error(`${failures} check(s) failed`);
    process.exit(1);
  }
  console.log('all checks passed');
}

main().catch(e => { console.error(`FAIL ${e.stack || e}`); process.exit(1); });

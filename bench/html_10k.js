// Loads a large HTML report in headless chromium and measures what a person waits for:
//   node html_10k.js REPORT.html REPORT.json NODE_BROWSER_PREFIX
// Load (navigation until the page has drawn its charts and first table page), a category filter,
// a text search, a sort, and expanding a finding; checks the filter's row counts.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const [html, json, prefix] = process.argv.slice(2).map(p => path.resolve(p));
const { chromium } = require(path.resolve(prefix, 'node_modules', 'playwright-core'));
const report = JSON.parse(fs.readFileSync(json, 'utf8'));

// The page's Content-Security-Policy forbids eval: predicates are functions, not strings.
async function timed(page, action, done, arg) {
  const t0 = Date.now();
  await action();
  await page.waitForFunction(done, arg);
  return Date.now() - t0;
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'asynclock-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  const findings = report.findings.length;
  const size = fs.statSync(html).size;

  const t0 = Date.now();
  await page.goto('file://' + html);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
  const load = Date.now() - t0;
  const rows = await page.$$eval('#rows tr.finding', r => r.length);

  const byCategory = {};
  for (const f of report.findings)
    byCategory[f.category] = (byCategory[f.category] || 0) + 1;
  const category = Object.keys(byCategory).sort()[0];
  const value = await page.$$eval('#f-category option', (o, c) =>
    o.filter(x => x.textContent.startsWith(c + ' (')).map(x => x.value)[0], category);
  const expectCount = `${byCategory[category]} of ${findings} findings`;
  const filter = await timed(page, () => page.selectOption('#f-category', value),
                             c => document.getElementById('count').textContent === c, expectCount);
  const filterUpdate = await page.evaluate(() => document.body.dataset.updateMs);
  const filtered = await page.$$eval('#rows tr.finding .cat', c => c.map(x => x.textContent));
  const filterOk = filtered.length === Math.min(200, byCategory[category]) && filtered.every(c => c === category);
  await page.click('#f-reset');

  const searched = report.findings.filter(f => f.handlers.some(h => h.name.startsWith('on_timer_42_'))).length;
  const search = await timed(page, () => page.fill('#f-search', 'on_timer_42_'),
                             c => document.getElementById('count').textContent === c,
                             `${searched} of ${findings} findings`);
  await page.click('#f-reset');
  const sort = await timed(page, () => page.click('th[data-sort="callee"]'),
                           () => document.querySelector('th[data-sort="callee"]').getAttribute('aria-sort') === 'ascending');
  const expand = await timed(page, () => page.locator('#rows tr.finding').first().click(),
                             () => document.querySelector('#rows tr.detail') !== null);
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });

  const result = {
    findings, html_bytes: size, load_ms: load, first_page_rows: rows,
    filter: { category, rows: byCategory[category], wall_ms: filter, update_ms: +filterUpdate, ok: filterOk },
    search: { query: 'on_timer_42_', rows: searched, wall_ms: search }, sort_wall_ms: sort, expand_wall_ms: expand, script_errors: errors,
  };
  console.log(JSON.stringify(result, null, 2));
  process.exit(findings >= 10000 && filterOk && rows === 200 && !errors.length ? 0 : 1);
})().catch(e => { console.error(e); process.exit(1); });

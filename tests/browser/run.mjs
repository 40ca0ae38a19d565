#!/usr/bin/env node
// Headless-browser and accessibility checks for Huoban.
//
// Starts the already-built binary in demo mode in a fresh temporary folder, drives Debian's
// Chromium through playwright-core, runs axe-core (WCAG 2.0/2.1 A and AA) on the public pages and
// on the pages each demo identity sees, takes a full-page screenshot of every dashboard and
// checks the language switch. Any axe violation of impact "serious" or "critical" fails the run.
//
// Usage (from the repository root):  node tests/browser/run.mjs
// Environment:
//   HUOBAN_BIN       binary to start (default target/debug/huoban)
//   SCREENSHOT_DIR   where screenshots go (default target/screenshots)
//   CHROMIUM_PATH    browser executable (default /usr/bin/chromium)
//
// The last line of output is always `browser: N passed, M failed`; the exit status is non-zero
// when M > 0 or the harness itself could not run.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// The dependencies live in tests/browser/node_modules; resolve them from here whatever the cwd.
const require = createRequire(import.meta.url);
let chromium, AxeBuilder;
try {
  ({ chromium } = require('playwright-core'));
  ({ AxeBuilder } = require('@axe-core/playwright'));
  if (!AxeBuilder) AxeBuilder = require('@axe-core/playwright').default;
} catch (e) {
  console.error(`browser: cannot load playwright-core / @axe-core/playwright (${e.message}).`);
  console.error('browser: run `npm ci --prefix tests/browser` first.');
  console.log('browser: 0 passed, 1 failed');
  process.exit(2);
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const BIN = process.env.HUOBAN_BIN
  ? path.resolve(process.env.HUOBAN_BIN)
  : path.join(REPO, 'target', 'debug', 'huoban');
const SHOT_DIR = process.env.SCREENSHOT_DIR
  ? path.resolve(process.env.SCREENSHOT_DIR)
  : path.join(REPO, 'target', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const T0 = Date.now();
const elapsed = () => `${((Date.now() - T0) / 1000).toFixed(1)} s`;
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 60_000;
const NAV_TIMEOUT_MS = 20_000;
const CHECK_TIMEOUT_MS = 90_000;
// A guard against a hung run, not a speed target: the suite grew with the panel reading every
// bid (issue 21) and runs ≈200 s alone on two cores.
const TOTAL_TIMEOUT_MS = 900_000;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAILING_IMPACTS = new Set(['serious', 'critical']);

const USERS = [
  ['admin@demo.huoban.cn', 'demo-admin-2026'],
  ['registrar@demo.huoban.cn', 'demo-registrar-2026'],
  ['registrar.haishu@demo.huoban.cn', 'demo-registrar-2026'],
  ['evaluation@demo.huoban.cn', 'demo-evaluation-2026'],
  ['expert@demo.huoban.cn', 'demo-expert-2026'],
  ['purchaser@demo.huoban.cn', 'demo-purchaser-2026'],
  ['agency@demo.huoban.cn', 'demo-agency-2026'],
  ['supervisor@demo.huoban.cn', 'demo-supervisor-2026'],
  ['reviewer@demo.huoban.cn', 'demo-reviewer-2026'],
  ['finance@demo.huoban.cn', 'demo-finance-2026'],
  ['ngo@demo.huoban.cn', 'demo-ngo-2026'],
  ['ngo.member@demo.huoban.cn', 'demo-member-2026'],
  ['charity@demo.huoban.cn', 'demo-charity-2026'],
];
// Pages scanned, after /dashboard, for particular identities.
const EXTRA_PAGES = {
  'admin@demo.huoban.cn': ['/admin/users', '/admin/users/2', '/admin/settings', '/admin/mail', '/history/user/1'],
  'registrar.haishu@demo.huoban.cn': ['/registry', '/registry/orgs/1', '/registry/filings'],
  'evaluation@demo.huoban.cn': ['/evaluation', '/evaluation/rounds/2', '/evaluation/applications/1', '/evaluation/objections', '/evaluation/downgrades'],
  'expert@demo.huoban.cn': ['/scoring', '/scoring/1', '/suppliers/apply'],
  'supervisor@demo.huoban.cn': ['/suppliers', '/experts', '/complaints', '/complaints/1'],
  'charity@demo.huoban.cn': ['/orgs/4/evaluation', '/orgs/4/procurement', '/projects/NBMZ-2026-031/documents?org=4', '/projects/NBMZ-2026-031/documents/v/2'],
  'purchaser@demo.huoban.cn': ['/purchase', '/purchase/projects/new', '/purchase/projects/1', '/purchase/projects/2', '/purchase/delivery', '/reviews'],
  'finance@demo.huoban.cn': ['/finance'],
  'reviewer@demo.huoban.cn': ['/reviews'],
  'ngo@demo.huoban.cn': ['/orgs/1/evaluation', '/orgs/1/members', '/orgs/1/registry', '/account', '/applications', '/applications/1', '/applications/1/basics', '/applications/1/people', '/applications/1/documents', '/orgs/1/contracts'],
};
// Pages also checked 390 px wide (a phone): axe, a screenshot, and no sideways scrolling of the
// page itself (wide tables scroll inside their own frame).
const PHONE_PAGES = {
  'evaluation@demo.huoban.cn': ['/evaluation/applications/1', '/evaluation/rounds/2'],
  // The delivery overviews with the city's payments: the spending chart once made them 696 px.
  'purchaser@demo.huoban.cn': ['/purchase/projects/2', '/purchase/delivery'],
  'finance@demo.huoban.cn': ['/finance'],
  'supervisor@demo.huoban.cn': ['/complaints/1'],
  'charity@demo.huoban.cn': ['/projects/NBMZ-2026-031/documents/v/2'],
};
// The identity whose session is switched to English at the end.
const LANG_SWITCH_USER = 'ngo.member@demo.huoban.cn';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------------------------------------
// Bookkeeping

const results = []; // { name, ok, detail }
let server = null; // { child, output: string[], exited: Promise }
let browser = null;
let tmpDir = null;
let finished = false;

function log(msg) {
  console.log(msg);
}

function pass(name, detail = '') {
  results.push({ name, ok: true, detail });
  log(`ok    ${name}${detail ? ` — ${detail}` : ''}`);
}

function fail(name, detail) {
  results.push({ name, ok: false, detail });
  log(`FAIL  ${name} — ${detail}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs one named check; a thrown error or timeout is a failure with the error's message. */
async function check(name, fn) {
  try {
    const detail = await withTimeout(Promise.resolve().then(fn), CHECK_TIMEOUT_MS, name);
    pass(name, typeof detail === 'string' ? detail : '');
    return true;
  } catch (e) {
    fail(name, oneLine(e));
    return false;
  }
}

function oneLine(e) {
  const msg = (e && e.message) || String(e);
  // Playwright errors carry a multi-line call log; the first lines are the useful part.
  return msg.split('\n').filter(Boolean).slice(0, 3).join(' | ');
}

// ---------------------------------------------------------------------------------------------
// Server

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function serverTail(lines = 40) {
  if (!server) return '';
  const text = server.output.join('').trimEnd();
  if (!text) return '(the server wrote nothing)';
  return text.split('\n').slice(-lines).join('\n');
}

async function startServer(extraEnv = {}) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`binary ${BIN} does not exist; build it with \`cargo build\` or set HUOBAN_BIN`);
  }
  // A restart keeps the demo database of the first start.
  if (!tmpDir) tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'huoban-browser-'));
  const port = await freePort();
  // Demo mode needs no config file and no database URL: drop anything inherited that would
  // switch the server to production mode or point it elsewhere.
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('HUOBAN_') || k === 'DATABASE_URL' || k.startsWith('ROCKET_')) continue;
    env[k] = v;
  }
  Object.assign(env, {
    HUOBAN_PORT: String(port),
    HUOBAN_ADDRESS: HOST,
    HUOBAN_LOG_LEVEL: 'critical',
    ...extraEnv,
  });
  const child = spawn(BIN, [], { cwd: tmpDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const keep = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 400) output.splice(0, output.length - 400);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.on('error', (err) => {
      exitInfo = { error: err };
      resolve(exitInfo);
    });
  });
  server = { child, output, exited, port, base: `http://${HOST}:${port}` };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastErr = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitInfo) {
      const why = exitInfo.error
        ? exitInfo.error.message
        : `exit code ${exitInfo.code}${exitInfo.signal ? `, signal ${exitInfo.signal}` : ''}`;
      throw new Error(`the server stopped during start-up (${why}). Its output:\n${serverTail()}`);
    }
    try {
      const res = await fetch(`${server.base}/`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (res.status < 500) {
        server.ready = true;
        return server;
      }
      lastErr = `GET / answered ${res.status}`;
    } catch (e) {
      lastErr = e.cause?.code || e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `the server did not answer GET ${server.base}/ within ${STARTUP_TIMEOUT_MS / 1000} s ` +
      `(last: ${lastErr}). Its output:\n${serverTail()}`,
  );
}

async function stopServer() {
  if (!server) return;
  const { child, exited } = server;
  if (child.exitCode !== null || child.signalCode !== null) {
    if (!server.ready) {
      server = null;
      return;
    }
    // It should still have been running: say so, with what it printed.
    fail(
      'server stayed up',
      `the server exited during the run (code ${child.exitCode}, signal ${child.signalCode}). ` +
        `Its output:\n${serverTail()}`,
    );
  } else {
    try {
      child.kill('SIGTERM');
    } catch {}
    const t = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {}
    }, 5000);
    let t2;
    await Promise.race([exited, new Promise((r) => (t2 = setTimeout(r, 7000)))]);
    clearTimeout(t);
    clearTimeout(t2);
  }
  server = null;
}

/** Synchronous last resort for signal/exit paths where nothing can be awaited. */
function killServerNow() {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    try {
      server.child.kill('SIGKILL');
    } catch {}
  }
  if (browser) {
    try {
      const proc = browser.process?.();
      proc?.kill('SIGKILL');
    } catch {}
  }
  if (tmpDir) {
    try {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    } catch {}
    tmpDir = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

async function newContext(locale = 'zh-CN', options = {}) {
  const ctx = await browser.newContext({
    ...options,
    locale,
    viewport: { width: 1280, height: 900 },
    baseURL: server.base,
  });
  ctx.setDefaultTimeout(NAV_TIMEOUT_MS);
  ctx.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
  // Never talk to anything but the local test server.
  await ctx.route('**/*', (route) => {
    let host = '';
    try {
      host = new URL(route.request().url()).hostname;
    } catch {}
    if (host === HOST || route.request().url().startsWith('data:')) return route.continue();
    return route.abort('blockedbyclient');
  });
  return ctx;
}

async function newPage(ctx) {
  const page = await ctx.newPage();
  page.on('pageerror', (err) => log(`      page error on ${page.url()}: ${err.message}`));
  return page;
}

async function goto(page, urlPath) {
  const res = await page.goto(urlPath, { waitUntil: 'load' });
  if (!res) throw new Error(`no response for ${urlPath}`);
  if (res.status() >= 400) throw new Error(`GET ${urlPath} answered HTTP ${res.status()}`);
  return res;
}

function formatNode(node) {
  const target = node.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(', ');
  return target;
}

/** Runs axe on the page as it stands; throws when a serious/critical violation is found. */
async function axe(page, label) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const bad = [];
  for (const v of results.violations) {
    const failing = FAILING_IMPACTS.has(v.impact);
    if (failing) bad.push(v);
    log(`      axe ${failing ? 'VIOLATION' : 'minor'} [${v.id}] impact=${v.impact} on ${label}: ${v.help}`);
    for (const n of v.nodes) {
      log(`        - ${formatNode(n)}`);
      if (failing && n.failureSummary) {
        for (const line of n.failureSummary.split('\n').slice(1, 3)) log(`            ${line.trim()}`);
      }
    }
  }
  const incomplete = results.incomplete.length;
  if (bad.length) {
    throw new Error(
      `${bad.length} serious/critical axe violation(s): ` +
        bad.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} element(s))`).join(', '),
    );
  }
  return `${results.passes.length} rules passed, ${results.violations.length} minor/moderate, ${incomplete} need review`;
}

async function axePage(page, urlPath, label) {
  await goto(page, urlPath);
  return axe(page, label);
}

async function login(page, email, password) {
  await goto(page, '/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click('main form[action="/login"] button.button'),
  ]);
  const url = new URL(page.url());
  if (url.pathname !== '/dashboard') {
    const msg = await page
      .locator('.error-summary, .notice')
      .allInnerTexts()
      .catch(() => []);
    throw new Error(
      `after login the URL is ${url.pathname}, not /dashboard` +
        (msg.length ? ` (page says: ${msg.join(' / ').replace(/\s+/g, ' ').slice(0, 200)})` : ''),
    );
  }
  const h1 = page.locator('main h1').first();
  await h1.waitFor({ state: 'visible', timeout: 5000 }).catch(() => {
    throw new Error('the dashboard has no visible <h1>');
  });
  const text = (await h1.innerText()).trim();
  if (text !== '工作台' && text !== 'Dashboard') {
    throw new Error(`the dashboard <h1> reads "${text}", expected 工作台`);
  }
}

// ---------------------------------------------------------------------------------------------
// The checks

async function anonymousChecks() {
  const ctx = await newContext();
  try {
    const page = await newPage(ctx);
    for (const p of ['/', '/login', '/signup', '/password/forgot', '/audit/heads', '/directory', '/directory?q=%E5%AE%81%E6%B3%A2', '/organizations/1', '/organizations/2', '/organizations/1/certificate', '/announcements', '/directory/filings', '/evaluation/notices', '/evaluation/rounds/2/notice', '/directory?grade=4a', '/organizations/3', '/projects', '/projects?status=closed', '/intentions', '/projects/NBMZ-2026-031', '/projects/NBMZ-2026-018', '/contracts', '/openings', '/openings/bids', '/awards', '/payments', '/performance', '/grades', '/data', '/data/dictionary', '/statistics', '/projects?status=all&kind=procurement']) {
      await check(`axe ${p} (anonymous)`, () => axePage(page, p, p));
    }
    await check('axe /signup after an empty submit (error summary)', async () => {
      await goto(page, '/signup');
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click('main form[action="/signup"] button[type="submit"]'),
      ]);
      const summary = page.locator('.error-summary');
      if ((await summary.count()) === 0) {
        throw new Error('submitting the empty sign-up form showed no .error-summary');
      }
      return axe(page, '/signup (errors)');
    });
    // Issue 23, item 1: a value the server would refuse (here a vertical tab pasted into a
    // name) is shown as a field error in the form before it is sent, with what was typed kept.
    await check('a refused character is a field error in the form, the input kept', async () => {
      await goto(page, '/signup');
      await page.fill('#display_name', '宁波\u000B社工');
      await page.fill('#email', 'field-check@example.cn');
      await page.click('main form[action="/signup"] button[type="submit"]');
      const summary = page.locator('.error-summary[data-form-check]');
      await summary.waitFor();
      const text = await summary.innerText();
      if (!text.includes('姓名') && !text.includes('名称')) throw new Error(`the summary names no field: ${text}`);
      if (!text.includes('不允许的字符')) throw new Error(`the summary gives no reason: ${text}`);
      if (new URL(page.url()).pathname !== '/signup') throw new Error(`the form was sent: ${page.url()}`);
      if ((await page.inputValue('#email')) !== 'field-check@example.cn') throw new Error('the e-mail typed was lost');
      if ((await page.getAttribute('#display_name', 'aria-invalid')) !== 'true') throw new Error('the field is not marked invalid');
      if (!(await page.locator('.field-error #display_name').count())) throw new Error('the field is not shown in error');
      await axe(page, '/signup (a refused character)');
      // Fixed, the same form is sent and the client-side errors go.
      await page.fill('#display_name', '宁波社工');
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.click('main form[action="/signup"] button[type="submit"]'),
      ]);
      if (await page.locator('[data-form-check]').count()) throw new Error('the client-side error stayed');
    });
    await check('without script the server refuses the same value and saves nothing (422)', async () => {
      const plain = await newContext('zh-CN', { javaScriptEnabled: false });
      try {
        const p = await newPage(plain);
        await goto(p, '/signup');
        await p.fill('#display_name', '宁波\u000B社工');
        const [response] = await Promise.all([
          p.waitForNavigation({ waitUntil: 'load' }),
          p.click('main form[action="/signup"] button[type="submit"]'),
        ]);
        if (response.status() !== 422) throw new Error(`status ${response.status()}`);
        if (!(await p.content()).includes('不允许的字符')) throw new Error('the 422 page gives no reason');
      } finally {
        await plain.close().catch(() => {});
      }
    });
  } finally {
    await ctx.close().catch(() => {});
  }
}

async function userChecks(email, password) {
  const who = email.split('@')[0];
  const ctx = await newContext();
  try {
    const page = await newPage(ctx);
    const loggedIn = await check(`login ${email}`, async () => {
      await login(page, email, password);
      const file = path.join(SHOT_DIR, `${who}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return `screenshot ${path.relative(process.cwd(), file) || file}`;
    });
    if (!loggedIn) return;
    await check(`axe /dashboard (${who})`, () => axe(page, `/dashboard as ${who}`));
    // Every task on the dashboard is reached by its link from the dashboard alone.
    await check(`dashboard tasks reachable by their links (${who})`, async () => {
      await goto(page, '/dashboard');
      const links = page.locator('section[aria-labelledby="tasks-title"] tbody a');
      const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      if (hrefs.length > 0) {
        await page.screenshot({ path: path.join(SHOT_DIR, `${who}-tasks.png`), fullPage: true });
      }
      for (let i = 0; i < hrefs.length; i++) {
        await goto(page, '/dashboard');
        const [res] = await Promise.all([
          page.waitForNavigation({ waitUntil: 'load' }),
          page.locator('section[aria-labelledby="tasks-title"] tbody a').nth(i).click(),
        ]);
        if (!res || res.status() >= 400) throw new Error(`${hrefs[i]} answered ${res && res.status()}`);
        if ((await page.locator('main h1').count()) === 0) throw new Error(`${hrefs[i]} has no heading`);
        const anchor = hrefs[i].split('#')[1];
        if (anchor && (await page.locator(`[id="${anchor}"]`).count()) === 0) {
          throw new Error(`${hrefs[i]}: nothing with id "${anchor}" to land on`);
        }
      }
      return `${hrefs.length} task(s): ${[...new Set(hrefs.map((h) => h.replace(/[0-9]+/g, 'N')))].join(', ') || 'none'}`;
    });
    for (const p of EXTRA_PAGES[email] || []) {
      await check(`axe ${p} (${who})`, () => axePage(page, p, `${p} as ${who}`));
    }
    for (const p of PHONE_PAGES[email] || []) {
      await check(`390 px ${p} (${who})`, async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        try {
          await goto(page, p);
          const r = await axe(page, `${p} at 390 px as ${who}`);
          const name = `phone${p.replace(/[^a-z0-9]+/gi, '-')}`;
          await page.screenshot({ path: path.join(SHOT_DIR, `${name}.png`), fullPage: true });
          const wide = await page.evaluate(() => document.documentElement.scrollWidth);
          if (wide > 400) throw new Error(`${p} is ${wide} px wide on a 390 px phone`);
          return `${r}; ${name}.png`;
        } finally {
          await page.setViewportSize({ width: 1280, height: 900 });
        }
      });
    }
    if (email === LANG_SWITCH_USER) {
      const switched = await check(`language switch to English (${who})`, async () => {
        await goto(page, '/dashboard');
        const button = page.locator('header form.lang-switch button[type="submit"]');
        if ((await button.count()) === 0) throw new Error('no language button (header form.lang-switch)');
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
        const lang = await page.locator('html').getAttribute('lang');
        if (lang !== 'en') throw new Error(`after the switch <html lang> is "${lang}", not "en"`);
        const h1 = (await page.locator('main h1').first().innerText()).trim();
        return `now at ${new URL(page.url()).pathname}, <html lang="en">, h1 "${h1}"`;
      });
      if (switched) {
        await check(`axe ${new URL(page.url()).pathname} in English (${who})`, () =>
          axe(page, `${new URL(page.url()).pathname} (en) as ${who}`),
        );
      }
    }
  } finally {
    await ctx.close().catch(() => {});
  }
}

// A tiny valid PDF: what an applicant attaches (the server checks the content, not the name).
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const JOURNEY = {
  email: `journey-${process.pid}@example.cn`,
  password: 'journey-password-2026',
  name: '宁波市江北区浏览器测试社区服务中心',
  query: '浏览',
};

/** On a confirmation page (an irreversible action, web::confirm): checks it states that the
 * action cannot be undone, then confirms. Returns whether there was one. */
async function confirmIfAsked(page) {
  const form = page.locator('main form:has(input[name="_confirmed"])');
  if ((await form.count()) === 0) return false;
  const text = await page.locator('main').innerText();
  if (!text.includes('此操作不能撤销') && !text.includes('cannot be undone')) {
    throw new Error(`a confirmation page that does not say what cannot be undone: ${text.slice(0, 200)}`);
  }
  await axe(page, `confirmation of ${new URL(page.url()).pathname}`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), form.locator('button[type="submit"]').click()]);
  return true;
}

async function submitForm(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  await confirmIfAsked(page);
  const summary = page.locator('.error-summary');
  if ((await summary.count()) > 0) {
    throw new Error(`the form answered with errors: ${(await summary.innerText()).replace(/\s+/g, ' ')}`);
  }
}

/** Prints the page to an A4 PDF in SHOT_DIR and returns its number of pages (issue 21: notices
 * print on A4, on one page where they fit). */
async function printedPages(page, name) {
  const file = path.join(SHOT_DIR, `${name}.pdf`);
  await page.pdf({ path: file, format: 'A4', printBackground: true, preferCSSPageSize: true });
  const text = fs.readFileSync(file).toString('latin1');
  return (text.match(/\/Type\s*\/Page(?!s)/g) || []).length;
}

/** An official notice: its document number (文号) and its issuer's contact are on it, and it
 * prints on `most` A4 pages or fewer. */
async function officialNotice(page, name, most = 1) {
  const article = await page.locator('main article.official').innerText();
  const number = (await page.locator('main article.official .doc-no').first().innerText()).trim();
  if (!/〔\d{4}〕第\d+号/.test(number)) throw new Error(`${name}: no document number ("${number}")`);
  if (!/联系电话|Telephone/.test(article)) throw new Error(`${name}: no issuer contact`);
  const pages = await printedPages(page, name);
  if (pages < 1 || pages > most) throw new Error(`${name} prints on ${pages} A4 pages, not at most ${most}`);
  return `${number}, ${pages} A4 page(s)`;
}

/** Sign-up to a printed certificate: the done-when of the registry issue, in the browser. */
async function registrationJourney() {
  const ngo = await newContext();
  const staff = await newContext();
  const pub = await newContext();
  try {
    const p = await newPage(ngo);
    const s = await newPage(staff);
    let appPath = null;
    const signedUp = await check('journey: sign up and confirm the email', async () => {
      await goto(p, '/signup');
      await p.fill('#display_name', '浏览器测试');
      await p.fill('#email', JOURNEY.email);
      await p.fill('#password', JOURNEY.password);
      await p.fill('#password_confirm', JOURNEY.password);
      await submitForm(p, 'main form[action="/signup"] button[type="submit"]');
      // No SMTP in demo mode: the administrator's outbox shows the mail and its link.
      await login(s, 'admin@demo.huoban.cn', 'demo-admin-2026');
      await goto(s, '/admin/mail');
      const text = await s.locator('main').innerText();
      const m = text.match(/\/confirm\/[A-Za-z0-9_-]+/);
      if (!m) throw new Error('no confirmation link in /admin/mail');
      await goto(p, m[0]);
      await submitForm(p, `main form[action="${m[0]}"] button[type="submit"]`);
      await login(p, JOURNEY.email, JOURNEY.password);
      await s.context().clearCookies();
      return `confirmed via ${m[0].slice(0, 14)}…`;
    });
    if (!signedUp) return;
    const applied = await check('journey: apply (task list, officers, uploads, check, submit)', async () => {
      await goto(p, '/applications');
      await submitForm(p, 'main form[action="/applications"] button[type="submit"]');
      appPath = new URL(p.url()).pathname;
      await goto(p, `${appPath}/basics`);
      await p.fill('#name', JOURNEY.name);
      await p.check('#org_type-social_service_institution');
      await p.check('#category-community_service');
      await submitForm(p, 'main form button.button');
      await goto(p, `${appPath}/domicile`);
      await p.selectOption('#district_code', '330205');
      await p.fill('#domicile', '宁波市江北区人民路 8 号');
      await submitForm(p, 'main form button.button');
      await goto(p, `${appPath}/funds`);
      await p.fill('#funds', '50,000');
      await p.fill('#purpose', '为社区居民提供互助服务');
      await p.fill('#business_scope', '邻里互助、居家照护咨询');
      await submitForm(p, 'main form button.button');
      await goto(p, `${appPath}/contact`);
      await p.fill('#contact_name', '浏览器测试');
      await p.fill('#contact_phone', '0574-87000001');
      await p.fill('#contact_email', JOURNEY.email);
      await submitForm(p, 'main form button.button');
      await goto(p, `${appPath}/people`);
      await p.selectOption('#role', 'legal_representative');
      await p.fill('#officer_name', '浏览器测试');
      await p.fill('#id_number', '11010519491231002X');
      await p.fill('#term_start', '2026-12-01');
      await p.fill('#term_end', '2031-11-30');
      await submitForm(p, `main form[action="${appPath}/officers"] button`);
      await submitForm(p, `main form[action="${appPath}/people"] button`);
      for (const kind of ['articles', 'capital', 'domicile_proof', 'representative_id']) {
        await goto(p, `${appPath}/documents`);
        await p.selectOption('#kind', kind);
        await p.setInputFiles('#file', { name: `${kind}.pdf`, mimeType: 'application/pdf', buffer: PDF });
        await submitForm(p, `main form[action="${appPath}/attachments"] button`);
      }
      await submitForm(p, `main form[action="${appPath}/documents"] button`);
      await goto(p, `${appPath}/check`);
      await axe(p, `${appPath}/check`);
      await submitForm(p, `main form[action="${appPath}/submit"] button`);
      const status = await p.locator('main .tag').first().innerText();
      return `${appPath}: ${status.trim()}`;
    });
    if (!applied) return;
    const approved = await check('journey: the registrar accepts and approves', async () => {
      await login(s, 'registrar@demo.huoban.cn', 'demo-registrar-2026');
      await goto(s, '/registry');
      await axe(s, '/registry');
      const id = appPath.split('/').pop();
      await goto(s, `/registry/applications/${id}`);
      await axe(s, `/registry/applications/${id}`);
      await submitForm(s, `main form[action="/registry/applications/${id}/accept"] button`);
      await submitForm(s, `main form[action="/registry/applications/${id}/approve"] button`);
      const flash = await s.locator('.notice').first().innerText();
      return flash.trim();
    });
    if (!approved) return;
    await check('journey: the applicant prints the certificate', async () => {
      await goto(p, appPath);
      await axe(p, appPath);
      const href = await p.locator('a[href$="/certificate"]').first().getAttribute('href');
      await goto(p, href);
      await axe(p, href);
      const code = (await p.locator('article code').first().innerText()).trim();
      if (!/^52330200[0-9A-Z]{10}$/.test(code)) throw new Error(`certificate shows code "${code}"`);
      const file = path.join(SHOT_DIR, 'certificate.pdf');
      await p.pdf({ path: file, format: 'A4', printBackground: true });
      const size = fs.statSync(file).size;
      if (size < 1000) throw new Error(`the printed certificate is only ${size} bytes`);
      await goto(p, `${appPath}/notices/acceptance`);
      await axe(p, `${appPath}/notices/acceptance`);
      const notice = await officialNotice(p, 'notice-acceptance');
      return `USCC ${code}, printed to ${path.relative(process.cwd(), file)} (${size} bytes); acceptance notice ${notice}`;
    });
    await check(`journey: the public finds it with "${JOURNEY.query}"`, async () => {
      const q = await newPage(pub);
      await goto(q, `/directory?q=${encodeURIComponent(JOURNEY.query)}`);
      const text = await q.locator('main').innerText();
      if (!text.includes(JOURNEY.name)) throw new Error('not in the directory results');
      await goto(q, '/announcements');
      await axe(q, '/announcements');
      if (!(await q.locator('main').innerText()).includes(JOURNEY.name)) throw new Error('no announcement');
      return 'in the directory and the announcements';
    });
  } finally {
    await ngo.close().catch(() => {});
    await staff.close().catch(() => {});
    await pub.close().catch(() => {});
  }
}

/** The evaluation issue's done-when in the browser: the demo organization applies, three
 * demo experts declare and score, the committee decides and the notice is published; the
 * demo's city round, past its notice, is announced and its grade shows on the profile. */
async function evaluationJourney() {
  const ctxs = [];
  const open = async (email, password) => {
    const ctx = await newContext();
    ctxs.push(ctx);
    const page = await newPage(ctx);
    await login(page, email, password);
    return page;
  };
  try {
    const applied = await check('evaluation: the organization applies with evidence', async () => {
      const p = await open('ngo@demo.huoban.cn', 'demo-ngo-2026');
      await goto(p, '/orgs/1/evaluation');
      await axe(p, '/orgs/1/evaluation');
      await p.fill('#self_assessment', '（浏览器测试）本中心按章程开展社会工作服务，治理结构健全，财务公开透明。');
      await p.setInputFiles('#evidence', { name: 'evidence.pdf', mimeType: 'application/pdf', buffer: PDF });
      await submitForm(p, 'main form[action="/orgs/1/evaluation/1"] button');
      return (await p.locator('.notice').first().innerText()).trim();
    });
    if (!applied) return;
    const officer = await open('evaluation@demo.huoban.cn', 'demo-evaluation-2026');
    let appId = null;
    const assigned = await check('evaluation: the officer assigns three experts', async () => {
      await goto(officer, '/evaluation/rounds/1');
      // The round lists its applications (and, in the committee's sheet, links to each one's
      // side-by-side sheet, `#sheet`): the application page itself is where experts are assigned.
      const href = (await officer.locator('main a[href^="/evaluation/applications/"]').first().getAttribute('href')).split('#')[0];
      appId = href.split('/').pop();
      for (let i = 0; i < 3; i++) {
        await goto(officer, href);
        await submitForm(officer, `main form[action="${href}/assign"] button`);
      }
      await axe(officer, href);
      return `application ${appId}`;
    });
    if (!assigned) return;
    for (const email of ['expert@demo.huoban.cn', 'expert2@demo.huoban.cn', 'expert3@demo.huoban.cn']) {
      const ok = await check(`evaluation: ${email.split('@')[0]} declares and scores`, async () => {
        const e = await open(email, 'demo-expert-2026');
        await goto(e, '/scoring');
        const rows = e.locator('main a[href^="/scoring/"]');
        const href = await rows.last().getAttribute('href');
        await goto(e, href);
        await axe(e, `${href} (declaration)`);
        await e.check('#c-none');
        await submitForm(e, `main form[action="${href}/declare"] button`);
        await axe(e, `${href} (sheet)`);
        await e.$$eval('main tbody tr', (trs) => trs.forEach((tr) => {
          const input = tr.querySelector('input[type="text"][name^="score["]');
          if (input && !tr.querySelector('.tag')) input.value = tr.children[1].innerText.trim();
        }));
        await submitForm(e, 'main button[value="submit"]');
        return (await e.locator('.notice').first().innerText()).trim();
      });
      if (!ok) return;
    }
    await check('evaluation: committee, notice, and the public notice page', async () => {
      await goto(officer, '/evaluation/rounds/1');
      await axe(officer, '/evaluation/rounds/1 (committee form)');
      await officer.fill('#held_on', new Date().toISOString().slice(0, 10));
      await officer.fill('#members', '9');
      await officer.fill('#present', '8');
      await officer.fill(`#v${appId}`, '7');
      await submitForm(officer, 'main form[action="/evaluation/rounds/1/committee"] button[type="submit"]');
      await submitForm(officer, 'main form[action="/evaluation/rounds/1/notice"] button');
      const pub = await newPage(ctxs[0]);
      await goto(pub, '/evaluation/rounds/1/notice');
      await axe(pub, '/evaluation/rounds/1/notice (open for objections)');
      const text = await pub.locator('main').innerText();
      if (!text.includes('阳光社会工作服务中心')) throw new Error('the notice does not list the organization');
      return `notice published, ${await officialNotice(pub, 'notice-evaluation')}`;
    });
    await check('evaluation: the city round is announced and the grade shows on the profile', async () => {
      await goto(officer, '/evaluation/rounds/2');
      await submitForm(officer, 'main form[action="/evaluation/rounds/2/announce"] button');
      await goto(officer, '/organizations/4');
      const text = await officer.locator('main').innerText();
      if (!text.includes('4A') || !text.includes('已公告')) throw new Error('no announced 4A on the profile');
      return 'announced 4A, in force from 1 January';
    });
  } finally {
    for (const c of ctxs) await c.close().catch(() => {});
  }
}

/** A purchaser publishes a project; the NGO obtains the documents, bids and keeps its receipt;
 * the public reads the opening record of the closed demo project and checks a digest. */
async function procurementJourney() {
  const ctxs = [];
  const open = async (email, password) => {
    const ctx = await newContext();
    ctxs.push(ctx);
    const page = await newPage(ctx);
    if (email) await login(page, email, password);
    return page;
  };
  const local = (d) => {
    const z = new Date(d.getTime() + 8 * 3600 * 1000).toISOString();
    return z.slice(0, 16);
  };
  try {
    await check('procurement: the purchaser publishes a consultation', async () => {
      const p = await open('purchaser@demo.huoban.cn', 'demo-purchaser-2026');
      await goto(p, '/purchase/projects/new');
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('main form button[type="submit"]')]);
      if ((await p.locator('.error-summary').count()) === 0) throw new Error('an empty form was accepted');
      await axe(p, '/purchase/projects (errors)');
      await p.fill('#number', 'NB-BROWSER-001');
      await p.fill('#title', '浏览器测试：社区心理关爱服务');
      await p.selectOption('#category', 'social-work');
      await p.fill('#requirements', '为辖区内困境家庭提供心理关爱、个案辅导和小组活动服务，服务期一年，按季度报告。');
      await p.fill('#budget', '200000');
      await p.check('#method-consultation');
      await p.fill('#price_weight', '30');
      const names = p.locator('input[name="criterion_name"]');
      const maxes = p.locator('input[name="criterion_max"]');
      await names.nth(0).fill('服务方案');
      await maxes.nth(0).fill('40');
      await names.nth(1).fill('团队与经验');
      await maxes.nth(1).fill('30');
      await p.fill('#deadline', local(new Date(Date.now() + 25 * 86400 * 1000)));
      await submitForm(p, 'main form[action="/purchase/projects"] button[type="submit"]');
      await axe(p, 'project draft');
      await submitForm(p, 'main form[action$="/publish"] button');
      await axe(p, 'published project (purchaser)');
      return new URL(p.url()).pathname;
    });
    await check('procurement: the NGO obtains the documents, bids and gets a receipt', async () => {
      const n = await open('ngo@demo.huoban.cn', 'demo-ngo-2026');
      await goto(n, '/projects/NBMZ-2026-031');
      await submitForm(n, 'main form[action="/projects/NBMZ-2026-031/obtain"] button');
      await axe(n, '/projects/NBMZ-2026-031/documents');
      await goto(n, '/projects/NBMZ-2026-031/bid/1');
      await axe(n, '/projects/NBMZ-2026-031/bid/1');
      await n.fill('#price', '385,000.00');
      await n.fill('#proposal', '（浏览器测试）以社区为单位组建服务团队，每周两次上门探访并提供助餐。');
      await n.setInputFiles('#files', { name: 'proposal.pdf', mimeType: 'application/pdf', buffer: PDF });
      // One file for each qualification document the project requires (issue 21 item 3).
      for (const q of await n.locator('input[type="file"][name^="qual["]').all()) {
        await q.setInputFiles({ name: 'qualification.pdf', mimeType: 'application/pdf', buffer: PDF });
      }
      await submitForm(n, 'main form[action="/projects/NBMZ-2026-031/bid/1"] button[type="submit"]');
      const digest = (await n.locator('#receipt-digest').innerText()).trim();
      if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`no receipt digest: ${digest}`);
      await axe(n, 'bid receipt');
      await goto(n, '/orgs/1/procurement');
      await axe(n, '/orgs/1/procurement');
      return `receipt ${digest.slice(0, 12)}…`;
    });
    await check('procurement: the public checks a digest in the opening record', async () => {
      const pub = await open(null);
      await goto(pub, '/projects/NBMZ-2026-018');
      const digest = (await pub.locator('code.digest').first().innerText()).trim();
      await goto(pub, `/projects/NBMZ-2026-018/verify?digest=${digest}`);
      const text = await pub.locator('main').innerText();
      if (!text.includes('该摘要值在开标记录中')) throw new Error('the digest was not found');
      await axe(pub, '/projects/NBMZ-2026-018/verify');
      return 'found';
    });
  } finally {
    for (const c of ctxs) await c.close().catch(() => {});
  }
}

/** The service-purchase issue's done-when in the browser, on the demo's opened tender
 * NBMZ-2026-018: qualification, the panel draw, each panelist's declaration and scores (the
 * first also records the compliance check), the award confirmed and its public notice; then,
 * with the demo clock restarted past the award notice, a bidder's challenge, the purchaser's
 * answer, the signed contract with its installment plan, and the filing. */
async function awardJourney() {
  const ctxs = [];
  const open = async (email, password) => {
    const ctx = await newContext();
    ctxs.push(ctx);
    const page = await newPage(ctx);
    if (email) await login(page, email, password);
    return page;
  };
  const NUMBER = 'NBMZ-2026-018';
  let manage = null;
  let noticeEnd = 0;
  let contract = null;
  try {
    const p = await open('purchaser@demo.huoban.cn', 'demo-purchaser-2026');
    const reviewed = await check('award: the purchaser records the qualification check and draws the panel', async () => {
      await goto(p, '/purchase');
      manage = await p.locator('main tr', { hasText: NUMBER }).locator('a[href^="/purchase/projects/"]').first().getAttribute('href');
      await goto(p, manage);
      await p.$$eval('main form[action$="/qualification"] input[type="radio"][value="pass"]', (rs) => rs.forEach((r) => { r.checked = true; }));
      await submitForm(p, 'main form[action$="/qualification"] button[type="submit"]');
      await axe(p, `${manage} (qualified)`);
      await p.fill('#panel-size', '5');
      await p.check('main form[action$="/panel"] input[name="representative"] >> nth=0');
      await submitForm(p, 'main form[action$="/panel"] button[type="submit"]');
      await axe(p, `${manage} (panel drawn)`);
      return `${await p.locator('main table tbody tr').count()} rows on ${manage}`;
    });
    if (!reviewed) return;
    const score = async (page, who) => {
      await page.check('#conflict-no');
      await submitForm(page, 'main form[action$="/declare"] button');
      if ((await page.locator('main form[action$="/compliance"]').count()) > 0) {
        await axe(page, `panel compliance (${who})`);
        await page.$$eval('main form[action$="/compliance"] input[type="radio"][value="pass"]', (rs) => rs.forEach((r) => { r.checked = true; }));
        await submitForm(page, 'main form[action$="/compliance"] button[type="submit"]');
      }
      await axe(page, `panel sheet (${who})`);
      // Each bidder's bid is read from the sheet before scoring: proposal, price and files.
      const bidLinks = await page.locator('main a[href*="/bids/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      if (bidLinks.length === 0) throw new Error('the sheet links no bid to read');
      const sheetUrl = page.url();
      for (const href of [...new Set(bidLinks)]) {
        await goto(page, href);
        const text = await page.locator('main').innerText();
        if (!text.includes('技术方案') || !text.includes('¥')) throw new Error(`${href} shows no proposal or price`);
      }
      await axe(page, `opened bid (${who})`);
      const shoot = async (name) => {
        if (who !== 'expert') return;
        await page.screenshot({ path: path.join(SHOT_DIR, `${name}.png`), fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: path.join(SHOT_DIR, `${name}-390.png`), fullPage: true });
        await page.setViewportSize({ width: 1280, height: 900 });
      };
      await shoot('panel-bid');
      await goto(page, sheetUrl);
      await page.$$eval('main form[action$="/scores"] tbody tr', (trs) => trs.forEach((tr, i) => {
        tr.querySelectorAll('input[name^="score["]').forEach((input) => {
          const max = Number((input.labels[0].innerText.match(/0–([0-9.]+)/) || [0, 0])[1]);
          input.value = String(Math.round(max * (0.9 - 0.15 * i)));
          input.dispatchEvent(new Event('input', { bubbles: true }));
        });
      }));
      // The row totals follow the scores as they are typed.
      const [sum, shown] = await page.$eval('main form[action$="/scores"] tbody tr', (tr) => [
        [...tr.querySelectorAll('input')].reduce((a, i) => a + Number(i.value), 0),
        Number(tr.querySelector('[data-total]').textContent),
      ]);
      if (sum !== shown || sum === 0) throw new Error(`the row total shows ${shown}, the scores add up to ${sum}`);
      // Checked first (the totals shown), then confirmed: the sheet locks.
      await shoot('panel-sheet');
      await submitForm(page, 'main form[action$="/scores"] button[value="check"]');
      await axe(page, `panel check page (${who})`);
      await shoot('panel-check');
      await page.check('#confirm');
      await submitForm(page, 'main form[action$="/scores/confirm"] button[type="submit"]');
    };
    let seated = 0;
    const panelists = [['purchaser@demo.huoban.cn', 'demo-purchaser-2026']];
    for (const n of ['', '2', '3', '4', '5']) panelists.push([`expert${n}@demo.huoban.cn`, 'demo-expert-2026']);
    for (const [email, password] of panelists) {
      const who = email.split('@')[0];
      const page = email.startsWith('purchaser') ? p : await open(email, password);
      // The seat waits on each panelist's dashboard (the purchaser's representative too).
      await goto(page, '/dashboard');
      // This project's seat (the city's year seats the experts on its own panels too).
      const seat = page.locator('section[aria-labelledby="tasks-title"] a[href^="/panel/"]', { hasText: NUMBER });
      if ((await seat.count()) === 0) continue;
      seated += 1;
      const ok = await check(`award: ${who} reaches the seat from the dashboard, declares and scores independently`, async () => {
        const href = await seat.first().getAttribute('href');
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), seat.first().click()]);
        await axe(page, `${href} (declaration)`);
        await score(page, who);
        return (await page.locator('.notice').first().innerText()).trim();
      });
      if (!ok) return;
    }
    const awarded = await check('award: the report reaches the purchaser, who confirms the first-ranked', async () => {
      if (seated !== 5) throw new Error(`${seated} panelists found, not 5`);
      const id = manage.split('/').pop();
      await goto(p, `/purchase/projects/${id}/report`);
      await axe(p, 'evaluation report (complete)');
      await goto(p, `/purchase/projects/${id}/award`);
      await axe(p, 'award page (to confirm)');
      await submitForm(p, 'main form[action$="/award/confirm"] button');
      await axe(p, 'award page (confirmed)');
      noticeEnd = Number(await p.locator('#award-confirmed').getAttribute('data-notice-end'));
      if (!(noticeEnd > Date.now())) throw new Error(`notice end ${noticeEnd} is not in the future`);
      const pub = await open(null);
      await goto(pub, `/projects/${NUMBER}/award`);
      await axe(pub, `/projects/${NUMBER}/award`);
      const text = await pub.locator('main').innerText();
      if (!text.includes('评审委员会成员名单') || !text.includes('¥')) throw new Error('the notice lacks the panel or the amount');
      return `notice until ${new Date(noticeEnd).toISOString()}, ${await officialNotice(pub, 'notice-award')}`;
    });
    if (!awarded) return;
    // Past the award notice: the demo clock restarts that far ahead (the database is kept).
    const hours = Math.ceil((noticeEnd - Date.now()) / 3600000) + 1;
    for (const c of ctxs.splice(0)) await c.close().catch(() => {});
    await stopServer();
    await startServer({ HUOBAN_CLOCK_OFFSET_HOURS: String(hours) });
    const challenged = await check(`award: with the clock ${hours} h ahead, a bidder challenges the result`, async () => {
      const c = await open('charity@demo.huoban.cn', 'demo-charity-2026');
      await goto(c, `/projects/${NUMBER}/challenges/4`);
      await axe(c, `/projects/${NUMBER}/challenges/4`);
      await c.check('#kind-challenge');
      await c.check('#target-result');
      await c.fill('#body', '（浏览器测试）我方服务方案的得分明显偏低，请复核评分。');
      await submitForm(c, `main form[action="/projects/${NUMBER}/challenges/4"] button`);
      await axe(c, 'challenge filed');
      return (await c.locator('.notice').first().innerText()).trim();
    });
    if (!challenged) return;
    await check('award: the purchaser answers, signs the contract with its plan and files it', async () => {
      const q = await open('purchaser@demo.huoban.cn', 'demo-purchaser-2026');
      const award = `${manage}/award`;
      // From the dashboard, where the challenge waits with its clock, to the answer form.
      await goto(q, '/dashboard');
      const task = q.locator(`#tasks-title ~ div a[href="${award}#challenges"]`);
      if ((await task.count()) === 0) throw new Error("the challenge is not on the purchaser's dashboard");
      await axe(q, '/dashboard (purchaser, a challenge waiting)');
      await Promise.all([q.waitForNavigation({ waitUntil: 'load' }), task.first().click()]);
      if ((await q.locator('main form[action$="/contracts"]').count()) > 0) throw new Error('the contract form shows while the challenge is open');
      await q.fill('main form[action*="/challenges/"] textarea', '（浏览器测试）经复核，评分符合评分标准，维持原结果。');
      await submitForm(q, 'main form[action*="/challenges/"] button');
      await q.fill('#starts_on', '2027-01-01');
      await q.fill('#ends_on', '2027-12-31');
      await q.check('#mode-percent');
      await q.fill('#value-0', '40');
      await q.selectOption('#condition-0', 'signing');
      await q.fill('#value-1', '30');
      await q.selectOption('#condition-1', 'review');
      await q.fill('#review-1', '中期评估');
      await q.fill('#value-2', '30');
      await q.selectOption('#condition-2', 'acceptance');
      await axe(q, 'award page (contract form)');
      await submitForm(q, 'main form[action$="/contracts"] button[type="submit"]');
      contract = new URL(q.url()).pathname;
      await axe(q, contract);
      await goto(q, award);
      await q.fill('main form[action$="/filing"] input[name="reference"]', 'NBCZ-BA-BROWSER-1');
      await submitForm(q, 'main form[action$="/filing"] button');
      const pub = await open(null);
      await goto(pub, contract);
      const text = await pub.locator('main').innerText();
      if (!text.includes('中期评估') || !text.includes('已报财政部门备案')) throw new Error('the public contract page lacks the plan or the filing');
      await axe(pub, `${contract} (public)`);
      await goto(pub, '/contracts');
      await axe(pub, '/contracts');
      return contract;
    });
    if (contract) await deliveryJourney(contract, open);
  } finally {
    for (const c of ctxs) await c.close().catch(() => {});
  }
}

/** The delivery issue's done-when in the browser: the signed contract runs through a
 * deliverable, a mid-term review with a beneficiary survey answered on a phone, payments and a
 * reversal, the final acceptance and a final review, to completion on the public page. */
async function deliveryJourney(contract, open) {
  const kid = contract.split('/').pop();
  const money = (text) => (text.match(/¥([0-9,]+\.[0-9]{2})/) || [null, ''])[1];
  let org = null;
  let orgPage = null;
  const filed = await check('delivery: the winner files its mid-term progress report with a file', async () => {
    for (const [email, password, id] of [['ngo@demo.huoban.cn', 'demo-ngo-2026', 1], ['charity@demo.huoban.cn', 'demo-charity-2026', 4], ['ngo.member@demo.huoban.cn', 'demo-member-2026', 3]]) {
      const page = await open(email, password);
      const res = await page.goto(`/orgs/${id}/contracts/${kid}`, { waitUntil: 'load' });
      if (res && res.status() === 200) { org = page; orgPage = `/orgs/${id}/contracts/${kid}`; break; }
    }
    if (!org) throw new Error('no member of the winning organization reaches the contract');
    // The milestone waits on the organization's dashboard; it follows the link there.
    await goto(org, '/dashboard');
    const todo = org.locator(`main a[href="${orgPage}#deliverables"]`);
    if ((await todo.count()) === 0) throw new Error('the milestone to deliver is not on the organization\'s dashboard');
    await Promise.all([org.waitForNavigation({ waitUntil: 'load' }), todo.first().click()]);
    await axe(org, orgPage);
    await org.fill('#milestone', '中期评估');
    await org.check('#kind-deliverable');
    await org.fill('#body', '（浏览器测试）上半年完成上门探访 3,120 人次、助餐 5,400 份，详见附件。');
    await org.setInputFiles('#files', { name: 'progress.pdf', mimeType: 'application/pdf', buffer: PDF });
    await submitForm(org, `main form[action="${orgPage}/deliverables"] button[type="submit"]`);
    return orgPage;
  });
  if (!filed) return;
  const p = await open('purchaser@demo.huoban.cn', 'demo-purchaser-2026');
  const manage = `/purchase/contracts/${kid}`;
  let survey = null;
  const reviewing = await check('delivery: the purchaser accepts it from the dashboard, opens the mid-term review and issues a survey link', async () => {
    await goto(p, '/dashboard');
    const todo = p.locator(`main a[href="${manage}#deliverables"]`);
    if ((await todo.count()) === 0) throw new Error('the deliverable to accept is not on the purchaser\'s dashboard');
    await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), todo.first().click()]);
    await axe(p, manage);
    await submitForm(p, `main form[action^="${manage}/deliverables/"] button[type="submit"]`);
    // The accepted milestone's installment waits for a review nobody has opened: the
    // dashboard says so, at desktop size and 390 px wide, and links to the contract's reviews.
    await goto(p, '/dashboard');
    const open_review = p.locator(`main a[href="${manage}#reviews"]`);
    if ((await open_review.count()) === 0) throw new Error('the review to open is not on the purchaser\'s dashboard');
    await p.screenshot({ path: path.join(SHOT_DIR, 'purchaser-review-open.png'), fullPage: true });
    await p.setViewportSize({ width: 390, height: 844 });
    await p.screenshot({ path: path.join(SHOT_DIR, 'purchaser-review-open-390.png'), fullPage: true });
    await axe(p, '/dashboard (purchaser, a review to open, 390 px)');
    await p.setViewportSize({ width: 1280, height: 900 });
    await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), open_review.first().click()]);
    await p.fill('#milestone', '中期评估');
    await p.selectOption('#reviewer', '0');
    await submitForm(p, `main form[action="${manage}/reviews"] button[type="submit"]`);
    await p.fill('main form[action$="/surveys"] input[name="count"]', '1');
    await submitForm(p, `main form[action$="/surveys"] button[type="submit"]`);
    await axe(p, 'survey links');
    survey = new URL((await p.locator('ol.survey-links code').first().innerText()).trim()).pathname;
    return survey.slice(0, 16) + '…';
  });
  if (!reviewing) return;
  await check('delivery: a beneficiary answers the survey on a phone, without login, once', async () => {
    const ctx = await browser.newContext({ baseURL: server.base, locale: 'zh-CN', viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const phone = await ctx.newPage();
      await goto(phone, survey);
      await axe(phone, 'survey (phone)');
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      if (width > 380) throw new Error(`the survey scrolls sideways on a phone (${width}px)`);
      for (let i = 0; i < 5; i++) await phone.check(`#q${i}-5`);
      await submitForm(phone, 'main form button[type="submit"]');
      const text = await phone.locator('main h1').innerText();
      if (!text.includes('感谢')) throw new Error(`after submitting: ${text}`);
      const again = await phone.goto(survey, { waitUntil: 'load' });
      if (!(await phone.locator('main').innerText()).includes('只能填写一次')) throw new Error('the used link still takes answers');
      return `status ${again.status()}`;
    } finally {
      await ctx.close().catch(() => {});
    }
  });
  const score = async (page, href) => {
    await goto(page, href);
    await axe(page, `${href} (review sheet)`);
    await page.$$eval('main input[name^="score["]', (inputs) => inputs.forEach((input) => {
      const max = Number((input.labels[0].innerText.match(/0–([0-9.]+)/) || [0, 0])[1]);
      input.value = String(Math.round(max * 0.9 * 100) / 100);
    }));
    if ((await page.locator('#satisfaction').count()) > 0) await page.fill('#satisfaction', '13.5');
    await submitForm(page, 'main form button[type="submit"]');
  };
  const reviewed = await check('delivery: the purchaser scores the mid-term review from the dashboard', async () => {
    await goto(p, '/dashboard');
    const href = await p.locator('main a[href^="/reviews/"]').first().getAttribute('href');
    if (!href) throw new Error('the review to fill in is not on the purchaser\'s dashboard');
    await score(p, href);
    return (await p.locator('main').innerText()).includes('优') ? '优' : 'submitted';
  });
  if (!reviewed) return;
  const f = await open('finance@demo.huoban.cn', 'demo-finance-2026');
  const ledger = `/finance/contracts/${kid}`;
  const pay = async (pos) => {
    await goto(f, ledger);
    const option = f.locator(`#installment option[value="${pos}"]`);
    const amount = money(await option.innerText());
    await f.selectOption('#installment', String(pos));
    await f.fill('#amount', amount);
    await f.fill('#value_date', new Date().toISOString().slice(0, 10));
    await f.fill('#voucher_no', `记-浏览器-${pos}`);
    await f.fill('#payee_account', '6222 0000 1111 2222');
    await f.fill('#invoice_no', `3302127000${pos}`);
    await submitForm(f, `main form[action="${ledger}/payments"] button[type="submit"]`);
    return amount;
  };
  const paid = await check('delivery: the finance officer pays two installments and reverses one', async () => {
    // The payable installments wait on the finance officer's dashboard with the payment term.
    await goto(f, '/dashboard');
    const due = f.locator(`main a[href="${ledger}"]`);
    if ((await due.count()) < 2) throw new Error(`the payable installments are not on the finance officer's dashboard (${await due.count()})`);
    await f.screenshot({ path: path.join(SHOT_DIR, 'finance-payable.png'), fullPage: true });
    await f.setViewportSize({ width: 390, height: 844 });
    await f.screenshot({ path: path.join(SHOT_DIR, 'finance-payable-390.png'), fullPage: true });
    await axe(f, '/dashboard (finance, installments payable, 390 px)');
    await f.setViewportSize({ width: 1280, height: 900 });
    await Promise.all([f.waitForNavigation({ waitUntil: 'load' }), due.first().click()]);
    await goto(f, '/finance');
    await axe(f, '/finance');
    const a1 = await pay(1);
    const a2 = await pay(2);
    await axe(f, ledger);
    const last = f.locator('main form[action$="/reverse"]').last();
    await last.locator('input[name="reason"]').fill('（浏览器测试）凭证号录入错误');
    await Promise.all([f.waitForNavigation({ waitUntil: 'load' }), last.locator('button').click()]);
    if (!(await confirmIfAsked(f))) throw new Error('a reversal was recorded without a confirmation');
    await pay(2);
    return `¥${a1} and ¥${a2}, one reversed and paid again`;
  });
  if (!paid) return;
  await check('delivery: final acceptance, a final review, the last payment, completed in public', async () => {
    await goto(p, manage);
    // Final acceptance goes through its check page: milestones, the term, the reason to finish early.
    await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.locator(`main a[href="${manage}/accept"]`).click()]);
    await axe(p, `${manage}/accept`);
    if ((await p.locator('#early_reason').count()) > 0) await p.fill('#early_reason', '（浏览器测试）服务对象已全部提前完成服务');
    await submitForm(p, `main form[action="${manage}/accept"] button[type="submit"]`);
    await p.fill('#milestone', '终期评估');
    await p.selectOption('#reviewer', '0');
    await submitForm(p, `main form[action="${manage}/reviews"] button[type="submit"]`);
    const href = await p.locator('main a[href^="/reviews/"]').last().getAttribute('href');
    await score(p, href);
    await pay(3);
    const pub = await open(null);
    await goto(pub, contract);
    await axe(pub, `${contract} (completed)`);
    const text = await pub.locator('main').innerText();
    for (const needle of ['已履行完毕', '中期评估', '终期评估', '冲销']) {
      if (!text.includes(needle)) throw new Error(`the public contract page lacks "${needle}"`);
    }
    if (text.includes('6222 0000 1111 2222')) throw new Error('the public page shows the bank account');
    return 'completed';
  });
}

/** The working-day calendar (issue 19): from the admin's dashboard warning to an official 2027
 * table checked on its month grid and loaded; a malformed table is refused naming the date. */
async function calendarJourney() {
  const ctx = await newContext();
  try {
    const p = await newPage(ctx);
    await check('calendar: the admin follows the dashboard warning and is refused a Wednesday make-up day', async () => {
      await login(p, 'admin@demo.huoban.cn', 'demo-admin-2026');
      const link = p.locator('main .notice-warning a[href="/admin/calendar"]').first();
      if ((await link.count()) === 0) throw new Error('no link to /admin/calendar in the dashboard warning');
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), link.click()]);
      await axe(p, '/admin/calendar');
      await p.fill('#year', '2027');
      await p.fill('#reference', '国办发明电〔2026〕99号（浏览器测试）');
      await p.fill('#holidays', '2027-01-01..2027-01-03\n2027-02-05..2027-02-12');
      await p.fill('#adjusted_working_days', '2027-01-06');
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('main form[action="/admin/calendar/preview"] button[type="submit"]')]);
      const summary = (await p.locator('.error-summary').innerText()).replace(/\s+/g, ' ');
      if (!summary.includes('2027-01-06')) throw new Error(`the error does not name the date: ${summary}`);
      await axe(p, '/admin/calendar (errors)');
      return summary;
    });
    await check('calendar: the table is checked on its month grid (desktop and 390 px) and loaded', async () => {
      await p.fill('#adjusted_working_days', '2027-02-20');
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('main form[action="/admin/calendar/preview"] button[type="submit"]')]);
      if ((await p.locator('.error-summary').count()) > 0) throw new Error('refused a valid table');
      if ((await p.locator('td.cal-holiday[data-date="2027-02-12"]').count()) !== 1) throw new Error('no month grid');
      await axe(p, '/admin/calendar/preview');
      await p.screenshot({ path: path.join(SHOT_DIR, 'calendar-check.png'), fullPage: true });
      await p.setViewportSize({ width: 390, height: 844 });
      await p.screenshot({ path: path.join(SHOT_DIR, 'calendar-check-390.png'), fullPage: true });
      await p.setViewportSize({ width: 1280, height: 900 });
      await Promise.all([p.waitForNavigation({ waitUntil: 'load' }), p.click('main form[action="/admin/calendar"] button[type="submit"]')]);
      const flash = await p.locator('main').innerText();
      if (!flash.includes('已载入 2027 年官方放假安排')) throw new Error(`no confirmation: ${flash.slice(0, 200)}`);
      await axe(p, '/admin/calendar/2027');
      await p.screenshot({ path: path.join(SHOT_DIR, 'calendar-2027.png'), fullPage: true });
      return new URL(p.url()).pathname;
    });
  } finally {
    await ctx.close().catch(() => {});
  }
}

/** The procurement agency's part (issue 20): the demo consultation NBMZ-2026-031 is entrusted to
 * the city's procurement centre; its staff reach the waiting question from the dashboard on a
 * phone, answer it, and the task leaves the list. The purchaser's part is not offered to them. */
async function agencyJourney() {
  const ctx = await newContext();
  try {
    const a = await newPage(ctx);
    await login(a, 'agency@demo.huoban.cn', 'demo-agency-2026');
    await check('agency: answers the entrusted project\'s question from the dashboard (390 px)', async () => {
      await a.setViewportSize({ width: 390, height: 844 });
      await goto(a, '/dashboard');
      const task = a.locator('section[aria-labelledby="tasks-title"] a[href*="#questions"]');
      if ((await task.count()) === 0) throw new Error("no question on the agency's dashboard");
      await a.screenshot({ path: path.join(SHOT_DIR, 'agency-390-dashboard.png'), fullPage: true });
      await Promise.all([a.waitForNavigation({ waitUntil: 'load' }), task.first().click()]);
      await axe(a, 'entrusted project (agency, 390 px)');
      if ((await a.locator('main form[action$="/cancel"], main form[action$="/agency"]').count()) > 0) {
        throw new Error("the purchaser's forms are offered to the agency");
      }
      await a.fill('main form[action*="/questions/"] textarea', '（浏览器测试）服务对象名单由采购人提供；探访频次可分级，但每周不少于两次。');
      await submitForm(a, 'main form[action*="/questions/"] button');
      await a.screenshot({ path: path.join(SHOT_DIR, 'agency-390-answered.png'), fullPage: true });
      await a.setViewportSize({ width: 1280, height: 900 });
      await goto(a, '/purchase');
      await a.screenshot({ path: path.join(SHOT_DIR, 'agency-projects.png'), fullPage: true });
      await goto(a, '/dashboard');
      if ((await a.locator('section[aria-labelledby="tasks-title"] a[href*="#questions"]').count()) > 0) {
        throw new Error('the answered question is still on the list');
      }
      return (await a.locator('.notice').count()) > 0 ? 'answered; the list is clear' : 'answered';
    });
  } finally {
    await ctx.close().catch(() => {});
  }
}

/** The supervisor decides the demo's complaint from the dashboard on its dossier (issue 21
 * item 5), on a desktop and on a phone, and the decision prints as a numbered 投诉处理决定书. */
async function complaintJourney() {
  const ctx = await newContext();
  try {
    const s = await newPage(ctx);
    await login(s, 'supervisor@demo.huoban.cn', 'demo-supervisor-2026');
    let dossier = null;
    const read = await check('complaint: the supervisor reaches the dossier from the dashboard and reads the case', async () => {
      await goto(s, '/dashboard');
      const task = s.locator('section[aria-labelledby="tasks-title"] a[href^="/complaints/"]');
      if ((await task.count()) === 0) throw new Error("no complaint on the supervisor's dashboard");
      await Promise.all([s.waitForNavigation({ waitUntil: 'load' }), task.first().click()]);
      dossier = new URL(s.url()).pathname;
      await axe(s, `${dossier} (dossier)`);
      const text = await s.locator('main').innerText();
      for (const part of ['时间线', '收到投诉', '投诉处理期限', '采购人答复', '评审报告', '暂停采购活动通知']) {
        if (!text.includes(part)) throw new Error(`the dossier lacks ${part}`);
      }
      await s.screenshot({ path: path.join(SHOT_DIR, 'complaint-dossier.png'), fullPage: true });
      await s.setViewportSize({ width: 390, height: 844 });
      await s.screenshot({ path: path.join(SHOT_DIR, 'complaint-dossier-390.png'), fullPage: true });
      await axe(s, `${dossier} (dossier, 390 px)`);
      const wide = await s.evaluate(() => document.documentElement.scrollWidth);
      await s.setViewportSize({ width: 1280, height: 900 });
      if (wide > 400) throw new Error(`the dossier is ${wide} px wide on a 390 px phone`);
      // A bid of the round, read from the dossier (the read is recorded).
      const bid = await s.locator('main #bids ~ div a[href*="/bids/"]').first().getAttribute('href');
      await goto(s, bid);
      if (!(await s.locator('main').innerText()).includes('¥')) throw new Error(`${bid} shows no price`);
      await goto(s, dossier);
      return dossier;
    });
    if (!read) return;
    const decided = await check('complaint: a decision needs its findings; then it is made', async () => {
      await s.check('#outcome-dismissed');
      await s.fill('#decision', '（浏览器测试）驳回投诉。');
      await Promise.all([s.waitForNavigation({ waitUntil: 'load' }), s.click('main form[action$="/decide"] button[type="submit"]')]);
      const summary = await s.locator('.error-summary').innerText().catch(() => '');
      if (!summary.includes('查明的事实和理由')) throw new Error(`no error for the missing findings: "${summary}"`);
      if ((await s.inputValue('#decision')) !== '（浏览器测试）驳回投诉。') throw new Error('the decision typed was lost');
      await axe(s, `${dossier} (refused: no findings)`);
      await s.fill('#findings', '（浏览器测试）经调取电子交易系统日志核实，开标记录的递交时间为加密文件上传完成时间，递交时间不是评审因素。');
      await submitForm(s, 'main form[action$="/decide"] button[type="submit"]');
      await axe(s, `${dossier} (decided)`);
      return (await s.locator('.notice').first().innerText()).trim();
    });
    if (!decided) return;
    await check('complaint: the decision prints as a numbered 投诉处理决定书, public, on one A4 page', async () => {
      const link = s.locator('main a[href$="/decision"]');
      await Promise.all([s.waitForNavigation({ waitUntil: 'load' }), link.first().click()]);
      const href = new URL(s.url()).pathname;
      const pub = await newPage(await newContext());
      try {
        await goto(pub, href);
        await axe(pub, `${href} (public)`);
        const text = await pub.locator('main').innerText();
        for (const part of ['投诉处理决定书', '查明的事实和理由', '处理决定', '救济途径', '行政复议', '宁波市财政局']) {
          if (!text.includes(part)) throw new Error(`the decision lacks ${part}`);
        }
        await pub.screenshot({ path: path.join(SHOT_DIR, 'complaint-decision.png'), fullPage: true });
        await pub.setViewportSize({ width: 390, height: 844 });
        await pub.screenshot({ path: path.join(SHOT_DIR, 'complaint-decision-390.png'), fullPage: true });
        await pub.setViewportSize({ width: 1280, height: 900 });
        return await officialNotice(pub, 'notice-complaint-decision');
      } finally {
        await pub.context().close().catch(() => {});
      }
    });
  } finally {
    await ctx.close().catch(() => {});
  }
}

/** The 采购文件 a bidder obtained prints on A4 with its 文号 and the SHA-256 it states, which
 * is the digest of the canonical text served beside it (issue 21 item 4). */
async function documentsPrint() {
  const ctx = await newContext();
  try {
    const c = await newPage(ctx);
    await login(c, 'charity@demo.huoban.cn', 'demo-charity-2026');
    await check('documents: the bidder prints the version it was told of, its digest recomputable', async () => {
      const url = '/projects/NBMZ-2026-031/documents/v/2';
      await goto(c, url);
      await axe(c, url);
      const number = (await c.locator('#doc-no').innerText()).trim();
      if (!number.includes('第2版')) throw new Error(`the document number reads "${number}"`);
      const printed = (await c.locator('#doc-sha256').innerText()).trim();
      const res = await c.request.get(`${server.base}${url}.json`);
      const body = await res.body();
      const { createHash } = await import('node:crypto');
      const digest = createHash('sha256').update(body).digest('hex');
      if (digest !== printed) throw new Error(`printed ${printed}, the served text hashes to ${digest}`);
      const pages = await printedPages(c, 'procurement-documents-v2');
      if (pages < 1 || pages > 4) throw new Error(`the documents print on ${pages} A4 pages`);
      return `${number}, SHA-256 ${printed.slice(0, 12)}…, ${pages} A4 page(s)`;
    });
  } finally {
    await ctx.close().catch(() => {});
  }
}

// Issue 25, items 4 and 6: every page each identity reaches by links from its dashboard (and
// the public from the front door), at 390×844: no 5xx, no page titled as a system error, no
// sideways scrolling of the page itself, no id used twice, every control at least 24 px.
const CRAWL_LIMIT = Number(process.env.HUOBAN_CRAWL_LIMIT || 70);
const CRAWL_SKIP = /^\/(logout|lang)\b|\.(csv|xlsx|json|pdf|xml|atom|zip|gz)(\?|$)|\/download\b|\/attachments?\/|\/files?\/|\/history\/mail\//;

async function pageProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const sw = document.documentElement.scrollWidth;
    if (sw > window.innerWidth) out.push(`scrolls sideways (${sw} px wide)`);
    const seen = new Map();
    document.querySelectorAll('[id]').forEach((el) => seen.set(el.id, (seen.get(el.id) || 0) + 1));
    const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    if (twice.length) out.push(`ids used twice: ${twice.join(', ')}`);
    const small = [];
    document.querySelectorAll('button, input[type=checkbox], input[type=radio], input[type=submit], select, .button').forEach((el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return; // not shown
      if (r.width < 24 || r.height < 24) small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} ${Math.round(r.width)}×${Math.round(r.height)}`);
    });
    if (small.length) out.push(`controls under 24 px: ${small.slice(0, 4).join(', ')}${small.length > 4 ? ` (+${small.length - 4})` : ''}`);
    if (/^(系统出现问题|错误：系统)/.test(document.title) || document.querySelector('main h1')?.textContent.includes('系统出现问题')) out.push('titled as a system error');
    if (!document.querySelector('main h1')) out.push('no <h1>');
    return out;
  });
}

async function crawl(page, start, who) {
  const queue = [...start];
  const seen = new Set(queue);
  const problems = [];
  let visited = 0;
  while (queue.length && visited < CRAWL_LIMIT) {
    const url = queue.shift();
    let res;
    try {
      res = await page.goto(url, { waitUntil: 'load' });
    } catch (e) {
      problems.push(`${url}: ${e.message.split('\n')[0]}`);
      continue;
    }
    visited++;
    const status = res ? res.status() : 0;
    if (status >= 500) problems.push(`${url}: HTTP ${status}`);
    const type = (res && res.headers()['content-type']) || '';
    if (!type.includes('text/html')) continue;
    for (const p of await pageProblems(page)) problems.push(`${url}: ${p}`);
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
    for (const h of hrefs) {
      if (!h || h.startsWith('#') || /^(mailto|tel|javascript):/.test(h)) continue;
      let u;
      try {
        u = new URL(h, page.url());
      } catch {
        continue;
      }
      if (u.origin !== new URL(page.url()).origin) continue;
      const key = u.pathname + u.search;
      if (CRAWL_SKIP.test(key)) continue;
      // One of each shape of address is enough: /projects/N and /projects/M look the same.
      const shape = u.pathname.replace(/[0-9]+/g, 'N') + (u.search ? '?' : '');
      if (seen.has(key) || seen.has(shape)) continue;
      seen.add(key);
      seen.add(shape);
      queue.push(key);
    }
  }
  if (problems.length) {
    for (const p of problems) log(`      ${who}: ${p}`);
    throw new Error(`${problems.length} problem(s) on ${visited} page(s) as ${who}:\n` + problems.join('\n'));
  }
  return `${visited} page(s) reached by links, none with a problem`;
}

async function crawlChecks() {
  const identities = [[null, null], ...USERS];
  for (const [email, password] of identities) {
    const who = email ? email.split('@')[0] : 'anonymous';
    const ctx = await newContext('zh-CN', { viewport: { width: 390, height: 844 } });
    try {
      const page = await newPage(ctx);
      if (email) {
        const ok = await check(`crawl: login ${who}`, () => login(page, email, password));
        if (!ok) continue;
      }
      await check(`crawl at 390 px from ${email ? '/dashboard' : '/'} (${who})`, () =>
        crawl(page, email ? ['/dashboard'] : ['/'], who),
      );
    } finally {
      await ctx.close().catch(() => {});
    }
  }
}

async function main() {
  fs.mkdirSync(SHOT_DIR, { recursive: true });

  log(`browser: starting ${BIN}`);
  await startServer();
  log(`browser: server up at ${server.base} (demo data in ${tmpDir}) at ${elapsed()}`);

  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (set CHROMIUM_PATH)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, timeout: 30_000 });
  log(`browser: Chromium ${browser.version()}, axe tags ${AXE_TAGS.join(', ')}`);

  // HUOBAN_BROWSER_ONLY=anonymous,registration,... runs only those parts (a developer's loop;
  // CI runs everything).
  const only = (process.env.HUOBAN_BROWSER_ONLY || '').split(',').filter(Boolean);
  const run = (name) => only.length === 0 || only.includes(name);
  if (run('anonymous')) await anonymousChecks();
  if (run('registration')) await registrationJourney();
  if (run('evaluation')) await evaluationJourney();
  if (run('procurement')) await procurementJourney();
  // Two identities at a time keeps the run short without starving a two-core machine.
  const queue = run('users') ? [...USERS] : [];
  const worker = async () => {
    while (queue.length) {
      const [email, password] = queue.shift();
      await userChecks(email, password);
    }
  };
  await Promise.all([worker(), worker()]);
  if (run('agency')) await agencyJourney();
  // Last: it restarts the server with the demo clock ahead.
  if (run('award')) await awardJourney();
  if (run('complaint')) await complaintJourney();
  if (run('documents')) await documentsPrint();
  if (run('calendar')) await calendarJourney();
  if (run('crawl')) await crawlChecks();

  log(`browser: checks done at ${elapsed()}; screenshots in ${SHOT_DIR}`);
}

async function cleanup() {
  if (browser) {
    await withTimeout(browser.close(), 10_000, 'closing the browser').catch(() => killServerNow());
    browser = null;
  }
  await stopServer();
  if (tmpDir) {
    try {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    } catch {}
    tmpDir = null;
  }
}

function summaryAndExit(extraFailure) {
  if (finished) return;
  finished = true;
  if (extraFailure) results.push({ name: 'harness', ok: false, detail: extraFailure });
  const failed = results.filter((r) => !r.ok);
  const passed = results.length - failed.length;
  if (failed.length) {
    log('');
    log('Failed checks:');
    for (const r of failed) log(`  - ${r.name}: ${String(r.detail).split('\n')[0]}`);
  }
  log(`browser: total run time ${elapsed()}`);
  log(`browser: ${passed} passed, ${failed.length} failed`);
  process.exitCode = failed.length ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`browser: interrupted by ${sig}`);
    killServerNow();
    summaryAndExit(`interrupted by ${sig}`);
    process.exit(130);
  });
}
process.on('exit', killServerNow);

const overall = setTimeout(() => {
  log(`browser: the whole run exceeded ${TOTAL_TIMEOUT_MS / 1000} s; giving up`);
  if (server) log(`server output:\n${serverTail()}`);
  killServerNow();
  summaryAndExit(`overall timeout of ${TOTAL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TOTAL_TIMEOUT_MS);


try {
  await main();
  await cleanup();
  summaryAndExit();
} catch (e) {
  log(`browser: ERROR ${e.message}`);
  await cleanup().catch(() => {});
  summaryAndExit(e.message.split('\n')[0]);
}
clearTimeout(overall);

// The dashboard (issue 13) in headless Chromium, driven by playwright-core (scripts/browser starts
// the gateways and sets the environment). Each check prints "ok NAME" or "FAIL NAME: WHY"; they
// run in order on one page, as a person would use it. Ends with
// "browser: N passed, N failed, 0 skipped"; exit status 1 if any check failed.
import { chromium } from 'playwright-core';
import { statSync } from 'node:fs';

function env(name) {
  const v = process.env[name];
  if (!v) { console.error(`dashboard-test: ${name} is not set (run scripts/browser)`); process.exit(2); }
  return v;
}
const URL = env('TOLLGATE_URL');
const OFF_URL = env('TOLLGATE_OFF_URL');
const KEY = env('TOLLGATE_KEY');
const ADMIN = env('ADMIN_TOKEN');
const SCREENSHOT = env('SCREENSHOT');

/** The whole policy, as the gateway must send it on every dashboard answer. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
  + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** How long the page may take to show what a poll (every 2 s) brings: a bound, not a measurement. */
const WAIT_MS = 15000;

const checks = [];
function check(name, fn) { checks.push({ name, fn }); }
function expect(cond, what) { if (!cond) throw new Error(what); }
function eq(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

// ------------------------------------------------------------------ the browser
// A fresh profile directory (scripts/browser makes it): nothing from an earlier run.
const context = await chromium.launchPersistentContext(env('PROFILE_DIR'), {
  executablePath: env('CHROMIUM'),
  headless: true,
  viewport: { width: 1360, height: 1000 },
  deviceScaleFactor: 1,
  // No connection but to the gateway: without these Chromium reaches for Google's hosts.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] || await context.newPage();

/** Problems the page had: console errors, script errors, failed or refused requests. */
const problems = [];
/** While true, the 401 of the deliberately wrong token is expected (and its console line). */
let wrongTokenStep = false;
const sentAuth = [];
page.on('console', m => {
  if (m.type() !== 'error' && m.type() !== 'warning') return;
  if (wrongTokenStep && /status of 401/.test(m.text())) return;
  problems.push(`console ${m.type()}: ${m.text()}`);
});
page.on('pageerror', e => problems.push(`script error: ${e.message}`));
page.on('requestfailed', r => problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure() && r.failure().errorText})`));
page.on('response', r => {
  if (r.status() < 400) return;
  if (wrongTokenStep && r.status() === 401 && new globalThis.URL(r.url()).pathname.startsWith('/admin/')) return;
  problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
});
page.on('request', r => {
  const auth = r.headers()['authorization'];
  if (auth) sentAuth.push(new globalThis.URL(r.url()).pathname);
  if (r.url().includes(ADMIN)) problems.push(`the admin token appears in a URL: ${r.url().replace(ADMIN, '<token>')}`);
  const u = new globalThis.URL(r.url());
  if (u.origin !== URL && u.origin !== OFF_URL) problems.push(`a request left the gateway: ${r.url()}`);
});

async function visible(selector) { return page.locator(selector).isVisible(); }
async function textOf(selector) { return (await page.locator(selector).textContent()) || ''; }
/** Waits until fn() is truthy (page polls every 2 s); throws the last state after WAIT_MS. */
async function until(what, fn) {
  const end = Date.now() + WAIT_MS;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last === true) return;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`${what} (last seen: ${typeof last === 'string' ? last : JSON.stringify(last)})`);
}

async function chat(key, body) {
  const r = await fetch(URL + '/v1/chat/completions', {
    method: 'POST', headers: { 'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  expect(r.status === 200, `chat ${JSON.stringify(body.model)}: ${r.status} ${text.slice(0, 300)}`);
  return text;
}

async function adminJson(path, init) {
  const r = await fetch(URL + path, { ...init, headers: { 'Authorization': 'Bearer ' + ADMIN, 'Content-Type': 'application/json' } });
  const body = await r.json();
  return { status: r.status, body };
}

// ------------------------------------------------------------------ over HTTP
check('GET /dashboard: 200 text/html, the strict CSP, nosniff, no-store, scripts from files only', async () => {
  const r = await fetch(URL + '/dashboard');
  eq(r.status, 200, 'status');
  eq(r.headers.get('content-type'), 'text/html; charset=utf-8', 'content-type');
  eq(r.headers.get('content-security-policy'), CSP, 'content-security-policy');
  eq(r.headers.get('x-content-type-options'), 'nosniff', 'x-content-type-options');
  eq(r.headers.get('cache-control'), 'no-store', 'cache-control');
  const html = await r.text();
  expect(html.startsWith('<!doctype html>'), 'an HTML document');
  expect(html.includes('<script src="/dashboard/app.js" defer></script>'), 'app.js is loaded from a file');
  expect(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'no inline script');
  expect(!/\bstyle=|<style/.test(html), 'no inline style');
  expect(!/https?:\/\//.test(html), 'nothing loaded from another host');
});

check('the assets: app.js, charts.js, app.css and favicon.svg with their content types and the same headers', async () => {
  const want = { 'app.js': 'text/javascript; charset=utf-8', 'charts.js': 'text/javascript; charset=utf-8',
                 'app.css': 'text/css; charset=utf-8', 'favicon.svg': 'image/svg+xml' };
  for (const [name, type] of Object.entries(want)) {
    const r = await fetch(`${URL}/dashboard/${name}`);
    eq(r.status, 200, `${name} status`);
    eq(r.headers.get('content-type'), type, `${name} content-type`);
    eq(r.headers.get('content-security-policy'), CSP, `${name} content-security-policy`);
    eq(r.headers.get('x-content-type-options'), 'nosniff', `${name} nosniff`);
    const body = await r.text();
    expect(body.length > 100, `${name} has a body`);
    expect(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(body), `${name} loads nothing from another host`);
  }
});

// ------------------------------------------------------------------ in the browser
check('admin API off: the page says so and how to turn it on', async () => {
  await page.goto(OFF_URL + '/dashboard');
  await page.locator('#off').waitFor({ state: 'visible', timeout: WAIT_MS });
  const t = await textOf('#off');
  expect(t.includes('The admin API is off') && t.includes('TOLLGATE_ADMIN_TOKEN') && t.includes('admin_token_sha256'),
    `the text: ${t.trim().slice(0, 300)}`);
  expect(!(await visible('#login')) && !(await visible('#dash')), 'neither the login form nor the dashboard');
});

check('the page loads without a token and shows the login form', async () => {
  await page.goto(URL + '/dashboard');
  await page.locator('#login').waitFor({ state: 'visible', timeout: WAIT_MS });
  expect(await visible('#token'), 'the token field');
  expect(!(await visible('#dash')), 'the dashboard stays hidden');
  eq(await page.title(), 'Tollgate dashboard', 'title');
});

check('a wrong token: a clear message, no dashboard, nothing kept', async () => {
  wrongTokenStep = true;
  try {
    await page.fill('#token', 'not-the-admin-token-000000');
    await page.click('#sign-in');
    await page.locator('#login-error').waitFor({ state: 'visible', timeout: WAIT_MS });
    const msg = await textOf('#login-error');
    expect(msg.startsWith('Wrong admin token'), `the message: ${msg}`);
    expect(!(await visible('#dash')), 'the dashboard stays hidden');
    eq(await page.evaluate(() => sessionStorage.length), 0, 'sessionStorage entries');
  } finally {
    await page.waitForTimeout(200); // the 401's console line arrives after the response
    wrongTokenStep = false;
  }
});

check('the admin token signs in: kept in sessionStorage only (not in the URL, no cookie), sent only to /admin/', async () => {
  await page.fill('#token', ADMIN);
  await page.click('#sign-in');
  await page.locator('#dash').waitFor({ state: 'visible', timeout: WAIT_MS });
  eq(await page.evaluate(() => sessionStorage.getItem('tollgate.adminToken')), ADMIN, 'sessionStorage');
  eq(await page.evaluate(() => localStorage.length), 0, 'localStorage entries');
  eq((await context.cookies()).length, 0, 'cookies');
  expect(!page.url().includes(ADMIN), 'the URL');
  eq(await page.inputValue('#token'), '', 'the token field is emptied');
  expect(sentAuth.length > 0 && sentAuth.every(p => p.startsWith('/admin/')), `Authorization sent to: ${sentAuth.join(', ')}`);
});

/** The routing row of the echo deployment: [calls, errors] as shown. */
async function echoRow() {
  return page.evaluate(() => {
    for (const tr of document.querySelectorAll('#routing tbody tr')) {
      const td = tr.querySelectorAll('td');
      if (td[0] && td[0].textContent === 'echo/echo') return { calls: td[5].textContent, breaker: td[3].textContent };
    }
    return null;
  });
}

let managed;
check('the dashboard shows the routing table (deployments, breakers, group, baseline) and the managed keys', async () => {
  const created = await adminJson('/admin/keys', { method: 'POST', body: JSON.stringify({ name: 'dash-test', credits: 5000, rpm: 600 }) });
  eq(created.status, 201, 'POST /admin/keys');
  managed = created.body;
  await until('echo/echo in the routing table, closed, no call yet', async () => {
    const row = await echoRow();
    return row && row.breaker === 'closed' && row.calls === '0' ? true : row;
  });
  const facts = await textOf('#routing-facts');
  expect(facts.includes('Group echoes') && facts.includes('echo/echo, echo/echo-premium'), `groups: ${facts}`);
  expect(facts.includes('Savings baseline: echo-premium'), `baseline: ${facts}`);
  await until('the managed key in the keys table', async () => {
    const t = await textOf('#keys tbody');
    return t.includes('dash-test') && t.includes('5,000 / 5,000') ? true : t;
  });
});

/** GET /admin/stats before the requests: {status, body}. */
let statsBefore;
const N = 5;
check('after requests with the echo model, the routing table counts the calls and the key shows its spend', async () => {
  statsBefore = await adminJson('/admin/stats');
  for (let i = 0; i < N - 2; i++) {
    await chat(KEY, { model: 'echo', messages: [{ role: 'user', content: `dashboard request ${i}` }] });
  }
  await chat(KEY, { model: 'echo', stream: true, messages: [{ role: 'user', content: 'a streamed one' }] });
  await chat(managed.key, { model: 'echo', messages: [{ role: 'user', content: 'from the managed key' }] });
  await until(`echo/echo shows ${N} calls`, async () => {
    const row = await echoRow();
    return row && row.calls === String(N) ? true : row;
  });
  await until('the managed key\'s spend shows in the keys table', async () => {
    const t = await textOf('#keys tbody');
    return /dash-test/.test(t) && !t.includes('5,000 / 5,000') ? true : t;
  });
});

check('the tiles, the charts and the last requests follow the requests (GET /admin/stats, /admin/requests)', async () => {
  expect(statsBefore && statsBefore.status === 200, `GET /admin/stats answered ${statsBefore && statsBefore.status} `
    + '(the metrics part of issue 13 builds it and GET /admin/requests)');
  const before = statsBefore.body.totals.requests;
  await until(`the requests tile counts ${before + N}`, async () => {
    const t = await textOf('#t-requests');
    return parseInt(t.replace(/,/g, ''), 10) >= before + N ? true : t;
  });
  await until('spend and savings above $0', async () => {
    const cost = await textOf('#t-cost'), saved = await textOf('#t-savings');
    return cost !== '$0.00' && cost !== '–' && saved !== '$0.00' && saved !== '–' ? true : `${cost} / ${saved}`;
  });
  await until('the last requests list the managed key\'s echo request first', async () => {
    const first = await page.evaluate(() => {
      const tr = document.querySelector('#requests tbody tr');
      return tr ? [...tr.querySelectorAll('td')].map(td => td.textContent) : [];
    });
    return first[2] === 'dash-test' && first[3] === 'echo' && (first[5] || '').startsWith('200') ? true : first.join(' | ');
  });
  await until('the requests chart has bars', async () => (await page.locator('#c-requests .b-req rect').count()) > 0 ? true : 'no bar');
  await until('the tokens chart has lines', async () => (await page.locator('#c-tokens path.line').count()) === 2 ? true : 'no line');
  await until('the TTFT tile shows the streamed request', async () => { const t = await textOf('#t-ttft'); return /\d/.test(t) ? true : t; });
  await until('the latency tile shows a value', async () => { const t = await textOf('#t-lat'); return /\d/.test(t) ? true : t; });
});

check('no console errors, script errors, failed requests or requests elsewhere', async () => {
  await page.waitForTimeout(2500); // one more poll
  expect(problems.length === 0, problems.slice(0, 10).join('; '));
});

check('a screenshot of the dashboard is saved (target/dashboard.png)', async () => {
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(statSync(SCREENSHOT).size > 20000, 'a PNG of some size');
});

check('signing out forgets the token', async () => {
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible', timeout: WAIT_MS });
  eq(await page.evaluate(() => sessionStorage.length), 0, 'sessionStorage entries');
  await page.reload();
  await page.locator('#login').waitFor({ state: 'visible', timeout: WAIT_MS });
  expect(!(await visible('#dash')), 'a reload asks for the token again');
});

// ------------------------------------------------------------------ run
let passed = 0, failed = 0;
for (const c of checks) {
  try {
    await c.fn();
    passed++;
    console.log(`ok ${c.name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${c.name}: ${String(e && e.message || e).split('\n')[0].slice(0, 600)}`);
  }
}
await context.close();
console.log(`browser: ${passed} passed, ${failed} failed, 0 skipped`);
process.exit(failed ? 1 : 0);

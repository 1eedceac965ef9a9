// The checks of scripts/replicas (issue 14, "Proof"): two gateway processes, A and B, on one real
// redis-server behave as one; C, without state.redis_url, behaves as a single gateway always did.
// Node's fetch only, no npm package. Every check prints "ok NAME" or "FAIL NAME: WHY"; the last
// line is "replicas: N passed, N failed, N skipped". Exit status 1 if any check failed.
//
// Environment (scripts/replicas sets it):
//   REPLICAS_A, REPLICAS_B   the replicas' base URLs (state.redis_url set, replica_id a and b)
//   REPLICAS_C               the local gateway's (no state.redis_url)
//   REPLICAS_LOGS            the three gateways' stdout log files, comma-separated, in that order
//   REPLICAS_KEY             a config key (unlimited); REPLICAS_ADMIN the admin token
//   REPLICAS_KEYS            {"rpm"|"credits"|"load"|"local": {id, key, credits, rpm}}: managed keys
//                            made by `tollgate keys create`, in every data directory
//   REPLICAS_UPSTREAM        the fake upstream (fake-upstream.js), for GET /hits
//   REPLICAS_REDIS_SERVER, REPLICAS_REDIS_PORT, REPLICAS_REDIS_ARGS (JSON array), REPLICAS_REDIS_PID_FILE,
//   REPLICAS_REDIS_LOG       how to kill redis-server and start it again, on the same port
//   REPLICAS_ONLY            optional: run only the checks whose name contains this (the others
//                            are counted as skipped)
//
// The checks run one after the other, in the order written: "redis killed" leaves Redis empty
// (it keeps nothing on disk), so the checks that need its state come before it.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

const A = process.env.REPLICAS_A;
const B = process.env.REPLICAS_B;
const C = process.env.REPLICAS_C;
const [A_LOG, B_LOG, C_LOG] = (process.env.REPLICAS_LOGS || '').split(',');
const KEY = process.env.REPLICAS_KEY;
const ADMIN = process.env.REPLICAS_ADMIN;
const KEYS = JSON.parse(process.env.REPLICAS_KEYS || '{}');
const UPSTREAM = process.env.REPLICAS_UPSTREAM;
const ONLY = process.env.REPLICAS_ONLY || '';

/** Longest any one HTTP exchange may take, in ms (a hung gateway fails the check, not the run). */
const REQUEST_TIMEOUT_MS = 30000;
/** Longest the other replica may take to see a breaker opened by one, in ms. */
const BREAKER_WAIT_MS = 5000;
/** Longest /readyz may take to say degraded once Redis is killed, and ok once it is back, in ms. */
const HEALTH_WAIT_MS = 20000;
/** Longest the balances may take to agree with the ledgers once Redis is back, in ms. */
const RECONCILE_WAIT_MS = 20000;
/** Between two polls of a state that should change, in ms. */
const POLL_MS = 100;
/** The deployment of model "broken" (provider/upstream), as GET /admin/routing names it. */
const BROKEN = 'up/always-500';

// ------------------------------------------------------------------ plumbing
class Failure extends Error {}
const expect = (cond, why) => { if (!cond) throw new Failure(why); };
const show = (v) => { const s = typeof v === 'string' ? v : JSON.stringify(v); return s && s.length > 300 ? s.slice(0, 300) + '…' : s; };
const eq = (got, want, what) => expect(got === want, `${what}: got ${show(got)}, want ${show(want)}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One exchange: {status, headers (a Headers), text, json (or undefined)}; a network error throws. */
async function http(method, url, { key, body, headers } = {}) {
  const h = Object.assign({}, headers || {});
  if (key) h.authorization = `Bearer ${key}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json, url };
}
const chat = (base, key, model, extra) => http('POST', `${base}/v1/chat/completions`,
  { key, body: Object.assign({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 }, extra || {}) });
const admin = (base, path) => http('GET', `${base}${path}`, { key: ADMIN });
/** Which gateway a base URL, or the URL of an exchange, is. */
const name = (url) => { const o = new URL(url).origin; return o === A ? 'A' : o === B ? 'B' : o === C ? 'C' : o; };
const brief = (r) => `${name(r.url)} ${r.status} ${show(r.text)}`;

/** What the error body of an answer says, checked to be OpenAI's shape and JSON. */
function errorOf(r, what) {
  expect(String(r.headers.get('content-type')).startsWith('application/json'), `${what}: content-type ${r.headers.get('content-type')}`);
  const e = r.json && r.json.error;
  expect(e && typeof e.message === 'string' && typeof e.type === 'string', `${what}: not an error in OpenAI's shape: ${show(r.text)}`);
  return e;
}
function okChat(r, what) {
  eq(r.status, 200, `${what}: status (${show(r.text)})`);
  expect(String(r.headers.get('content-type')).startsWith('application/json'), `${what}: content-type ${r.headers.get('content-type')}`);
  eq(r.json && r.json.object, 'chat.completion', `${what}: object`);
}

/** The fake upstream's calls so far for an upstream model. */
async function hits(model) {
  const r = await http('GET', `${UPSTREAM}/hits`);
  eq(r.status, 200, 'GET /hits of the fake upstream');
  return r.json[model] || 0;
}

/** A usage total of one key on one replica's ledger (GET /v1/usage with the key itself). */
async function usage(base, key) {
  const r = await http('GET', `${base}/v1/usage`, { key });
  eq(r.status, 200, `GET /v1/usage on ${name(base)} (${show(r.text)})`);
  expect(r.json && r.json.totals, `GET /v1/usage on ${name(base)}: no totals: ${show(r.text)}`);
  return r.json.totals;
}

/** What GET /readyz says: {status, body}. */
async function readyz(base) {
  const r = await http('GET', `${base}/readyz`);
  return { status: r.status, state: r.json && r.json.status, text: r.text };
}
/** Polls until pred(value of get()) or the wait is over; returns the last value. */
async function until(get, pred, waitMs) {
  const end = Date.now() + waitMs;
  for (;;) {
    const v = await get();
    if (pred(v) || Date.now() >= end) return v;
    await sleep(POLL_MS);
  }
}

/** The value of tollgate_state_redis_up in a replica's GET /metrics (admin token), or null. */
async function redisUp(base) {
  const r = await admin(base, '/metrics');
  eq(r.status, 200, `GET /metrics on ${name(base)}`);
  const m = /^tollgate_state_redis_up(?:\{[^}]*\})? (\S+)$/m.exec(r.text);
  return m ? Number(m[1]) : null;
}

/** The state_* lines (state_shared, state_degraded) a gateway logged so far. */
const stateLines = (log) => readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"event":"state_'));

/**
 * One command to the test's redis-server, as a RESP2 array of bulk strings; the reply decoded
 * (simple and bulk strings, integers, arrays; an error reply throws). Enough for KEYS and PING.
 */
function redisCommand(args) {
  const port = Number(process.env.REPLICAS_REDIS_PORT);
  const req = `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(req));
    let buf = Buffer.alloc(0);
    sock.setTimeout(REQUEST_TIMEOUT_MS, () => { sock.destroy(); reject(new Failure('Redis did not answer')); });
    sock.on('error', reject);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const parsed = parseResp(buf, 0);
      if (parsed) { sock.end(); parsed.value instanceof Error ? reject(parsed.value) : resolve(parsed.value); }
    });
  });
}
/** {value, end} of the RESP2 reply at buf[at], or null while it is incomplete. */
function parseResp(buf, at) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return null;
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[at])) {
    case '+': return { value: line, end: next };
    case '-': return { value: new Failure(`Redis: ${line}`), end: next };
    case ':': return { value: Number(line), end: next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (buf.length < next + n + 2) return null;
      return { value: buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      const out = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const e = parseResp(buf, pos);
        if (!e) return null;
        out.push(e.value);
        pos = e.end;
      }
      return { value: out, end: pos };
    }
    default: return { value: new Failure(`Redis: an unexpected reply ${show(line)}`), end: next };
  }
}

async function breaker(base) {
  const r = await admin(base, '/admin/routing');
  eq(r.status, 200, `GET /admin/routing on ${name(base)} (${show(r.text)})`);
  const d = (r.json.deployments || []).find((x) => x.deployment === BROKEN);
  expect(d, `GET /admin/routing on ${name(base)}: no deployment ${BROKEN}: ${show(r.text)}`);
  return d.breaker;
}

// ------------------------------------------------------------------ Redis: kill and start again
function redisPid() { return Number(readFileSync(process.env.REPLICAS_REDIS_PID_FILE, 'utf8').trim()); }
function killRedis() { process.kill(redisPid(), 'SIGKILL'); }
async function startRedis() {
  const old = redisPid();
  for (let i = 0; i < 50; i++) { // the killed one's port must be free first
    try { process.kill(old, 0); } catch { break; }
    await sleep(POLL_MS);
  }
  const log = openSync(process.env.REPLICAS_REDIS_LOG, 'a');
  const child = spawn(process.env.REPLICAS_REDIS_SERVER, JSON.parse(process.env.REPLICAS_REDIS_ARGS),
    { stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  child.unref();
  writeFileSync(process.env.REPLICAS_REDIS_PID_FILE, `${child.pid}\n`); // scripts/replicas stops it at the end
}

// ------------------------------------------------------------------ the checks
const checks = [];
const check = (n, fn) => checks.push({ name: n, fn });

check('start: A and B (on Redis) and C (local) answer /readyz ok; C logs no state line', async () => {
  for (const base of [A, B, C]) {
    const r = await readyz(base);
    expect(r.status === 200 && r.state === 'ok', `/readyz on ${name(base)}: ${r.status} ${show(r.text)}`);
    expect(String(r.text).length > 0, `/readyz on ${name(base)}: no body`);
  }
  eq(stateLines(C_LOG).length, 0, `state lines of C (no state.redis_url): ${show(stateLines(C_LOG))}`);
});

check('rpm: a key with rpm N, 2N concurrent requests over A and B -> exactly N pass, N get 429 with retry-after and x-ratelimit-*', async () => {
  const { key, rpm } = KEYS.rpm;
  const all = await Promise.all(Array.from({ length: 2 * rpm }, (_, i) => chat(i % 2 ? B : A, key, 'priced')));
  const ok = all.filter((r) => r.status === 200);
  const limited = all.filter((r) => r.status === 429);
  const split = `(200s: A ${ok.filter((r) => name(r.url) === 'A').length}, B ${ok.filter((r) => name(r.url) === 'B').length})`;
  eq(ok.length + limited.length, all.length, `answers other than 200 and 429: ${show(all.filter((r) => r.status !== 200 && r.status !== 429).map(brief))}`);
  eq(ok.length, rpm, `requests passed of ${2 * rpm} with rpm ${rpm} ${split}`);
  for (const r of ok) okChat(r, `a passed request (${name(r.url)})`);
  for (const r of limited) {
    const e = errorOf(r, 'a 429');
    eq(e.type, 'rate_limit_error', 'a 429\'s error.type');
    const after = r.headers.get('retry-after');
    expect(/^[1-9][0-9]*$/.test(after || ''), `a 429's retry-after: ${show(after)}`);
  }
  for (const r of all) {
    eq(r.headers.get('x-ratelimit-limit-requests'), String(rpm), `x-ratelimit-limit-requests of a ${r.status}`);
    expect(/^[0-9]+$/.test(r.headers.get('x-ratelimit-remaining-requests') || ''), `x-ratelimit-remaining-requests of a ${r.status}: ${show(r.headers.get('x-ratelimit-remaining-requests'))}`);
    expect(r.headers.get('x-ratelimit-reset-requests'), `no x-ratelimit-reset-requests on a ${r.status}`);
  }
  // Both replicas refuse from now on (the bucket is shared, not one per replica).
  for (const base of [A, B]) eq((await chat(base, key, 'priced')).status, 429, `one more request on ${name(base)}`);
  return `rpm ${rpm}: ${ok.length} of ${all.length} passed ${split}`;
});

check('credits: a small balance, concurrent priced requests over A and B -> the sum charged (both ledgers) <= the balance; then 402 on both', async () => {
  const { key, credits } = KEYS.credits;
  const all = await Promise.all(Array.from({ length: 12 }, (_, i) => chat(i % 2 ? B : A, key, 'priced')));
  const ok = all.filter((r) => r.status === 200);
  const refused = all.filter((r) => r.status === 402);
  eq(ok.length + refused.length, all.length, `answers other than 200 and 402: ${show(all.filter((r) => r.status !== 200 && r.status !== 402).map(brief))}`);
  expect(ok.length > 0, 'no request passed: the balance covers a few');
  let answered = 0;
  for (const r of ok) {
    okChat(r, 'a paid request');
    const charged = r.json.tollgate && r.json.tollgate.credits_charged;
    expect(Number.isInteger(charged) && charged > 0, `tollgate.credits_charged of a paid request: ${show(r.json.tollgate)}`);
    answered += charged;
  }
  for (const r of refused) eq(errorOf(r, 'a 402').type, 'insufficient_quota', 'a 402\'s error.type');
  const [ua, ub] = [await usage(A, key), await usage(B, key)];
  const charged = ua.credits + ub.credits;
  eq(charged, answered, `credits in the ledgers (A ${ua.credits} + B ${ub.credits}) against the answers' credits_charged`);
  expect(charged <= credits, `the ledgers charged ${charged} credits (A ${ua.credits}, B ${ub.credits}) for a balance of ${credits}: overspent`);
  for (const base of [A, B]) {
    const r = await chat(base, key, 'priced');
    eq(r.status, 402, `one more request on ${name(base)} once the balance is spent (${show(r.text)})`);
    eq(errorOf(r, 'the 402').type, 'insufficient_quota', 'the 402\'s error.type');
  }
  return `balance ${credits}: ${ok.length} of ${all.length} passed, charged ${charged} (A ${ua.credits}, B ${ub.credits})`;
});

check('breaker: opened on A by a failing deployment, B shows it open (GET /admin/routing) and does not call it', async () => {
  eq(await breaker(B), 'closed', `${BROKEN}'s breaker on B before`);
  let state = 'closed';
  for (let i = 0; i < 20 && state !== 'open'; i++) {
    const r = await chat(A, KEY, 'broken');
    expect(r.status >= 500, `a request to the failing deployment on A: ${brief(r)}`);
    errorOf(r, 'a failed request on A');
    state = await breaker(A);
  }
  eq(state, 'open', `${BROKEN}'s breaker on A after 20 failed requests`);
  const seen = await until(() => breaker(B), (s) => s === 'open', BREAKER_WAIT_MS);
  eq(seen, 'open', `${BROKEN}'s breaker on B within ${BREAKER_WAIT_MS} ms of A opening it`);
  const before = await hits('always-500');
  for (let i = 0; i < 3; i++) {
    const r = await chat(B, KEY, 'broken');
    expect(r.status >= 500, `a request to the open deployment on B: ${brief(r)}`);
    errorOf(r, 'a refused request on B');
  }
  eq(await hits('always-500'), before, 'upstream calls of the failing deployment while B sees its breaker open');
  return `upstream calls of the failing deployment: ${before}, all from A`;
});

const weather = { type: 'function', function: { name: 'get_weather', description: 'The weather in a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

check('approval: a chat paused for approval on A (metadata.requires_approval) resumes on B -> 200; a second resume on A -> 409', async () => {
  const r = await http('POST', `${A}/v1/chat/completions`, { key: KEY, body: { model: 'echo',
    messages: [{ role: 'user', content: 'get_weather for Lyon' }], tools: [weather], metadata: { requires_approval: 'get_weather' } } });
  okChat(r, 'the paused chat on A');
  eq(r.json.choices[0].finish_reason, 'tool_calls', 'the paused answer\'s finish_reason');
  const id = r.json.tollgate && r.json.tollgate.approval_id;
  expect(typeof id === 'string' && id.length > 0, `no tollgate.approval_id in the paused answer: ${show(r.json.tollgate)}`);
  const callId = r.json.choices[0].message.tool_calls[0].id;
  const done = await http('POST', `${B}/v1/chat/resume`, { key: KEY, body: { approval_id: id, decision: 'approve' } });
  okChat(done, 'the resume on B');
  eq(done.json.choices[0].finish_reason, 'tool_calls', 'the resumed finish_reason (the client\'s own function comes back)');
  eq(done.json.choices[0].message.tool_calls[0].id, callId, 'the resumed call\'s id (the one approved on A)');
  eq(done.json.tollgate.execution_id, r.json.tollgate.execution_id, 'the resume\'s execution_id');
  const again = await http('POST', `${A}/v1/chat/resume`, { key: KEY, body: { approval_id: id, decision: 'approve' } });
  eq(again.status, 409, `a second resume, on A (${show(again.text)})`);
  eq(errorOf(again, 'the 409').param, 'approval_id', 'the 409\'s error.param');
});

check('in redis: what A and B shared is in Redis, every key under the prefix tollgate:', async () => {
  const keys = await redisCommand(['KEYS', '*']);
  expect(Array.isArray(keys), `KEYS *: ${show(keys)}`);
  expect(keys.length > 0, 'Redis holds no key after the checks above');
  const stray = keys.filter((k) => !k.startsWith('tollgate:'));
  eq(stray.length, 0, `keys without the prefix tollgate: ${show(stray)}`);
});

check('redis killed: kill -9 redis-server mid-burst on A and B -> every request answered (200, 429 or 402; no 5xx), /readyz degraded on both (state_degraded, tollgate_state_redis_up 0), every 200 in a ledger; redis back -> /readyz ok (state_shared, tollgate_state_redis_up 1)', async () => {
  const { key } = KEYS.load;
  const TOTAL = 120;
  const CONCURRENCY = 12;
  const KILL_AFTER = 30; // answers before the kill
  const answers = [];
  let next = 0;
  let killed = false;
  async function worker() {
    while (next < TOTAL) {
      const i = next++;
      const base = i % 2 ? B : A;
      try {
        answers.push(await chat(base, key, 'priced'));
      } catch (e) {
        answers.push({ status: 0, url: base, text: `no answer: ${e.cause ? e.cause.code || e.cause : e}`, headers: new Headers() });
      }
      if (!killed && answers.length >= KILL_AFTER) {
        killed = true;
        killRedis();
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  expect(killed, 'redis-server was never killed');
  const bad = answers.filter((r) => ![200, 429, 402].includes(r.status));
  eq(bad.length, 0, `answers other than 200, 429 and 402 (of ${TOTAL}): ${show(bad.slice(0, 5).map(brief))}`);
  const ok = answers.filter((r) => r.status === 200);
  expect(ok.length > KILL_AFTER, `only ${ok.length} of ${TOTAL} requests passed: the local fallback did not serve`);
  const degradedLines = [];
  for (const [base, log] of [[A, A_LOG], [B, B_LOG]]) {
    const r = await until(() => readyz(base), (x) => x.state === 'degraded', HEALTH_WAIT_MS);
    eq(r.status, 200, `/readyz's HTTP status on ${name(base)} with Redis dead (still ready: it serves)`);
    eq(r.state, 'degraded', `/readyz status on ${name(base)} with Redis dead (${show(r.text)})`);
    const lines = await until(async () => stateLines(log), // written in batches: may follow /readyz by a few ms
      (ls) => ls.length > 0 && ls[ls.length - 1].includes('"event":"state_degraded"'), HEALTH_WAIT_MS);
    expect(lines.length > 0 && lines[lines.length - 1].includes('"event":"state_degraded"'),
      `${name(base)}'s last state line with Redis dead is not state_degraded: ${show(lines.slice(-2))}`);
    const why = JSON.parse(lines[lines.length - 1]).error;
    const where = `Redis at 127.0.0.1:${process.env.REPLICAS_REDIS_PORT}`;
    expect(typeof why === 'string' && why.toLowerCase().includes(where.toLowerCase()),
      `${name(base)}'s state_degraded line does not say why, naming ${where}: ${show(lines[lines.length - 1])}`);
    degradedLines.push(lines.length);
    eq(await redisUp(base), 0, `tollgate_state_redis_up on ${name(base)} with Redis dead`);
  }
  const [ua, ub] = [await usage(A, key), await usage(B, key)];
  const recorded = (ua.requests - ua.errors) + (ub.requests - ub.errors);
  eq(recorded, ok.length, `successful records in the ledgers (A ${ua.requests - ua.errors}, B ${ub.requests - ub.errors}) against the 200s`);
  const answered = ok.reduce((n, r) => n + ((r.json.tollgate && r.json.tollgate.credits_charged) || 0), 0);
  eq(ua.credits + ub.credits, answered, 'credits in the ledgers against the 200s\' credits_charged');
  const statuses = [200, 429, 402].map((st) => `${answers.filter((r) => r.status === st).length}×${st}`).join(', ');

  await startRedis();
  // Traffic goes on, as behind a load balancer: one request on each replica between two polls.
  for (const [i, base, log] of [[0, A, A_LOG], [1, B, B_LOG]]) {
    const r = await until(async () => {
      const c = await chat(base, key, 'priced');
      expect(c.status === 200, `a request on ${name(base)} once Redis is back: ${brief(c)}`);
      return readyz(base);
    }, (x) => x.status === 200 && x.state === 'ok', HEALTH_WAIT_MS);
    expect(r.status === 200 && r.state === 'ok', `/readyz on ${name(base)} within ${HEALTH_WAIT_MS} ms of Redis being back: ${r.status} ${show(r.text)}`);
    // The log is written in batches (Log.WRITE_INTERVAL): the line may follow /readyz by a few ms.
    const after = await until(async () => stateLines(log).slice(degradedLines[i]),
      (lines) => lines.some((l) => l.includes('"event":"state_shared"')), HEALTH_WAIT_MS);
    expect(after.some((l) => l.includes('"event":"state_shared"')), `${name(base)} logged no state_shared once Redis was back: ${show(after)}`);
    eq(await redisUp(base), 1, `tollgate_state_redis_up on ${name(base)} once Redis is back`);
  }
  return `${TOTAL} requests, Redis killed after ${KILL_AFTER} answers: ${statuses}; ledger records ${recorded}`;
});

check('reconcile: once Redis is back (empty), the balance is the grant minus what both ledgers charged: spent to the end over A and B, never overspent, and both 402s state that balance (nothing charged twice)', async () => {
  const { key, credits } = KEYS.load;
  // Spend what is left, 6 requests at a time over both, until both refuse.
  const BATCH = 6;
  const MAX_REQUESTS = 400;
  let sent = 0;
  for (;;) {
    const batch = await Promise.all(Array.from({ length: BATCH }, (_, i) => chat(i % 2 ? B : A, key, 'priced')));
    sent += BATCH;
    const bad = batch.filter((r) => r.status !== 200 && r.status !== 402);
    eq(bad.length, 0, `answers other than 200 and 402: ${show(bad.map(brief))}`);
    if (batch.every((r) => r.status === 402)) break;
    expect(sent < MAX_REQUESTS, `still not refused after ${sent} requests for a grant of ${credits} credits`);
  }
  const [ua, ub] = [await usage(A, key), await usage(B, key)];
  const charged = ua.credits + ub.credits;
  expect(charged <= credits, `the ledgers charged ${charged} credits (A ${ua.credits}, B ${ub.credits}) for a grant of ${credits}: overspent`);
  for (const base of [A, B]) {
    const r = await chat(base, key, 'priced');
    eq(r.status, 402, `one more request on ${name(base)} (${show(r.text)})`);
    const m = /may cost up to (\d+) credits and the key's balance is (-?\d+)/.exec(errorOf(r, 'the 402').message);
    expect(m, `the 402's message names no balance: ${show(r.text)}`);
    eq(Number(m[2]), credits - charged, `the balance ${name(base)} states (granted ${credits}, the ledgers charged A ${ua.credits} + B ${ub.credits})`);
    expect(Number(m[2]) < Number(m[1]), `the balance ${m[2]} covers the request's ${m[1]}, yet it was refused`);
  }
  return `grant ${credits}: charged ${charged} (A ${ua.credits}, B ${ub.credits}), ${credits - charged} left`;
});

check('local: without state.redis_url one gateway behaves as before (chat 200, /readyz ok, its own rpm limit)', async () => {
  okChat(await chat(C, KEY, 'priced'), 'a chat on C');
  const r = await readyz(C);
  expect(r.status === 200 && r.state === 'ok', `/readyz on C: ${r.status} ${show(r.text)}`);
  const { key, rpm } = KEYS.local;
  const statuses = [];
  for (let i = 0; i <= rpm; i++) statuses.push((await chat(C, key, 'priced')).status);
  eq(JSON.stringify(statuses), JSON.stringify([...Array(rpm).fill(200), 429]), `${rpm + 1} requests on C with rpm ${rpm}`);
  eq(stateLines(C_LOG).length, 0, `state lines of C: ${show(stateLines(C_LOG))}`);
});

// ------------------------------------------------------------------ run
let passed = 0;
let failed = 0;
let skipped = 0;
for (const c of checks) {
  if (ONLY && !c.name.includes(ONLY)) { skipped++; continue; }
  try {
    const detail = await c.fn(); // what it measured, if it says
    passed++;
    console.log(`ok ${c.name}${detail ? ` (${detail})` : ''}`);
  } catch (e) {
    failed++;
    const why = e instanceof Failure ? e.message : (e && e.stack) || String(e);
    console.log(`FAIL ${c.name}: ${why}`);
  }
}
console.log(`replicas: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);

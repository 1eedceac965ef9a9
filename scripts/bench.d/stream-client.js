// Streaming client for the streams part of scripts/bench (scripts/bench.d/streams.sh): holds N
// chat-completion streams open at once against drip-upstream.js, directly or through a gateway,
// and measures how late each chunk arrives.
//
//   node scripts/bench.d/stream-client.js URL N [options]
//     --model M          model id in the request (default mock-model)
//     --key K            Authorization: Bearer K
//     --interval MS      "drip_interval_ms" asked of the upstream (default: the upstream's own)
//     --chunks C         content chunks per stream, asked and expected (default 100)
//     --seconds S        keep N streams open for S seconds: each of the N slots opens a new
//                        stream when its last one ended, until S seconds have passed (default 0:
//                        one stream per slot)
//     --ramp MS          open the first N streams evenly over MS ms (default: N * 0.4 ms, within
//                        1000-2000 ms)
//     --settle MS        "steady" figures leave out chunks sent before ramp + MS (default 1000)
//
// A chunk's delay is the time this process read it minus the time drip-upstream.js wrote it
// (the "t=<us>" in its content; both are process.hrtime, CLOCK_MONOTONIC, shared by every process
// on the machine). A stream is ok if it answered 200 with text/event-stream, brought all its
// content chunks, a finish_reason and then "data: [DONE]" as its last event; anything else (other
// status, socket error, idle timeout, error event, missing chunks or [DONE]) counts it failed,
// with the reason counted in "fail_reasons".
//
// Prints one JSON line: streams ok/failed, chunks received, delay percentiles in ms over the
// steady chunks and over all of them, the interval the chunks actually came at (median over
// streams of their mean gap between send times), and the wall time.
'use strict';
const http = require('http');

const args = process.argv.slice(2);
if (args.length < 2) {
  process.stderr.write('usage: stream-client.js URL N [--model M] [--key K] [--interval MS] [--chunks C] [--seconds S] [--ramp MS] [--settle MS]\n');
  process.exit(2);
}
const url = new URL(args[0]);
const n = Number(args[1]);
const opt = { model: 'mock-model', key: '', interval: 0, chunks: 100, seconds: 0, ramp: -1, settle: 1000 };
for (let i = 2; i < args.length; i += 2) {
  const name = args[i].replace(/^--/, '');
  if (!(name in opt) || i + 1 >= args.length) {
    process.stderr.write('stream-client.js: unknown or incomplete option ' + args[i] + '\n');
    process.exit(2);
  }
  opt[name] = typeof opt[name] === 'number' ? Number(args[i + 1]) : args[i + 1];
}
const ramp = opt.ramp >= 0 ? opt.ramp : Math.min(2000, Math.max(1000, n * 0.4));

const nowUs = () => {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1000);
};

const body = JSON.stringify({
  model: opt.model,
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Tell me a long story.' }],
  ...(opt.interval > 0 ? { drip_interval_ms: opt.interval } : {}),
  drip_chunks: opt.chunks,
});
const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
if (opt.key) headers.Authorization = 'Bearer ' + opt.key;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity });
// No chunk for this long: the stream is counted failed ("idle timeout").
const idleMs = Math.max(30000, 10 * (opt.interval || 100));

// ------------------------------------------------------------------ figures
let delays = new Float64Array(1 << 16); // us, steady chunks only
let nDelays = 0;
let allMax = 0;
let allDelays = new Float64Array(1 << 16); // us, every chunk
let nAll = 0;
let chunks = 0;
let ok = 0;
let failed = 0;
let started = 0;
let launched = 0; // slots the ramp has opened so far
const reasons = {};
const gaps = []; // per stream: mean gap between send times, us
const push = (arr, len, v) => {
  if (len === arr.length) {
    const bigger = new Float64Array(arr.length * 2);
    bigger.set(arr);
    arr = bigger;
  }
  arr[len] = v;
  return arr;
};

const tStart = nowUs();
const steadyFrom = tStart + (ramp + opt.settle) * 1000;
const endBy = tStart + opt.seconds * 1e6;
const stamp = /t=(\d+)/;

function fail(reason) {
  failed++;
  reasons[reason] = (reasons[reason] || 0) + 1;
}

function openStream(slot) {
  started++;
  let settled = false;
  const finish = (reason) => {
    if (settled) return;
    settled = true;
    if (reason === null) ok++;
    else fail(reason);
    // Keep the slot busy until --seconds have passed, then let it go.
    if (nowUs() < endBy) openStream(slot);
    else if (launched === n && ok + failed === started) done();
  };
  const req = http.request({
    host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers,
  }, (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      res.on('end', () => finish('http_' + res.statusCode));
      res.on('error', () => finish('http_' + res.statusCode));
      return;
    }
    res.setEncoding('utf8');
    let buf = '';
    let got = 0;
    let finishReason = false;
    let last = '';
    let firstT = 0;
    let lastT = 0;
    let error = false;
    res.on('data', (d) => {
      const at = nowUs();
      buf += d;
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        if (!event.startsWith('data: ')) continue; // ": ping" comments
        last = event;
        if (event.startsWith('data: {"error"')) { error = true; continue; }
        const m = stamp.exec(event);
        if (m !== null) {
          const t = Number(m[1]);
          const delay = at - t;
          got++;
          chunks++;
          if (got === 1) firstT = t;
          lastT = t;
          allDelays = push(allDelays, nAll++, delay);
          if (delay > allMax) allMax = delay;
          if (t >= steadyFrom) delays = push(delays, nDelays++, delay);
        } else if (event.includes('"finish_reason":"')) {
          finishReason = true;
        }
      }
    });
    res.on('end', () => {
      if (got > 1) gaps.push((lastT - firstT) / (got - 1));
      if (error) finish('error_event');
      else if (got < opt.chunks) finish('missing_chunks');
      else if (!finishReason) finish('no_finish_reason');
      else if (last !== 'data: [DONE]') finish('no_done');
      else finish(null);
    });
    res.on('error', (e) => finish('response_' + (e.code || e.message)));
    res.on('aborted', () => finish('aborted'));
  });
  req.setTimeout(idleMs, () => req.destroy(new Error('idle timeout')));
  req.on('error', (e) => finish(e.message === 'idle timeout' ? 'idle_timeout' : 'request_' + (e.code || e.message)));
  req.end(body);
}

function percentiles(arr, len) {
  const s = arr.subarray(0, len).sort();
  const at = (p) => (len === 0 ? null : Math.round(s[Math.min(len - 1, Math.floor(len * p))]) / 1000);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

let reported = false;
function done() {
  if (reported) return;
  reported = true;
  const sortedGaps = gaps.slice().sort((a, b) => a - b);
  const out = {
    streams: n,
    streams_started: started,
    streams_ok: ok,
    streams_failed: failed,
    fail_reasons: reasons,
    chunks,
    delay_ms: percentiles(delays, nDelays),
    delay_chunks: nDelays,
    delay_all_ms: percentiles(allDelays, nAll),
    steady_from_s: (ramp + opt.settle) / 1000,
    ramp_ms: ramp,
    interval_ms: sortedGaps.length ? Math.round(sortedGaps[sortedGaps.length >> 1] / 100) / 10 : null,
    wall_s: Math.round((nowUs() - tStart) / 1e4) / 100,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  agent.destroy();
  process.exit(0);
}

// Ramp: slot i opens at i * ramp / n ms.
for (let i = 0; i < n; i++) {
  setTimeout(() => {
    launched++;
    openStream(i);
  }, (i * ramp) / n);
}
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    fail('interrupted');
    done();
  });
}

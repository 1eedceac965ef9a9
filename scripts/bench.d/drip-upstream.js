// Fake OpenAI upstream for the streams part of scripts/bench (scripts/bench.d/streams.sh): a
// "stream": true POST /v1/chat/completions is answered the way OpenAI streams, but slowly, the
// way a model generates: one chunk at a time, at a fixed interval.
//
//   node scripts/bench.d/drip-upstream.js [port] [interval-ms] [chunks]
//        (port 0 or none: any free one; 127.0.0.1 only; defaults: 33 ms, 100 chunks)
//
// A stream is: at once, the role chunk (delta {role, content: ""}); then `chunks` content chunks,
// one every interval; one interval later the finish chunk (finish_reason "stop"), the usage chunk
// ("choices": [] + usage: the gateway always asks for stream_options.include_usage) and
// "data: [DONE]". Chunks are shaped and sized like OpenAI's (~260 bytes: id, object, created,
// model, system_fingerprint, choices[{index, delta, logprobs, finish_reason}]).
// The request body may override the defaults for one stream with "drip_interval_ms" and
// "drip_chunks" (unknown fields pass through an openai-kind gateway and the proxy floor).
//
// Delivery delay: every content chunk carries the time it was written, in its text
// ("delta": {"content": " w17 t=<us>"}), microseconds of process.hrtime (CLOCK_MONOTONIC, one
// clock for every process on the machine), so that stream-client.js can subtract it from the
// time it read the chunk. The text, not an extra field: any gateway must pass content through.
//
// Timers: one shared 1 ms tick and a wheel of 1 ms slots instead of a timer per stream, and
// each stream's chunk k is due at start + k * interval (absolute), so that lateness does not add
// up over a stream's 100 chunks. How late the chunks went out against their schedule (the event
// loop's share of any delay) is kept; GET /stats returns it as JSON and starts counting anew.
// A non-stream request gets a small chat.completion at once.
//
// Prints {"event":"listening","port":N} on stdout once it accepts connections.
'use strict';
const http = require('http');
const { notFound, readBody, listen } = require('./upstream-server.js');

const defaultInterval = Number(process.argv[3] || 33);
const defaultChunks = Number(process.argv[4] || 100);

const nowUs = () => {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1000);
};

const created = 1741569952;
const head = '{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":' +
  created + ',"model":"mock-model","system_fingerprint":"fp_f9f4fb6dbb","choices":';
const contentPre = 'data: ' + head + '[{"index":0,"delta":{"content":"';
const contentPost = '"},"logprobs":null,"finish_reason":null}]}\n\n';
const roleChunk = 'data: ' + head + '[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},' +
  '"logprobs":null,"finish_reason":null}]}\n\n';
const tail = (chunks) => 'data: ' + head + '[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n' +
  'data: ' + head + '[],"usage":{"prompt_tokens":12,"completion_tokens":' + chunks +
  ',"total_tokens":' + (chunks + 12) + '}}\n\n' + 'data: [DONE]\n\n';
const plain = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created, model: 'mock-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
}));

// ------------------------------------------------------------------ timer wheel
// slot (ms since start) -> streams due in it. The tick walks every slot up to now, so a late
// tick catches up rather than skipping streams.
const wheel = new Map();
const t0 = Date.now();
let lastSlot = 0; // the slot the tick handles now, or handled last
let ticking = false;
let open = 0;
let lateness = []; // us, one entry per chunk written
let lateMax = 0;

function schedule(s) {
  // A chunk already overdue (the process fell behind) goes into the next slot the tick will
  // walk; a slot behind it would never be visited.
  const slot = Math.max(Math.floor(s.due / 1000), lastSlot + 1);
  let list = wheel.get(slot);
  if (list === undefined) wheel.set(slot, (list = []));
  list.push(s);
  // The tick runs only while some stream is due (an idle upstream does not wake every ms).
  if (!ticking) {
    ticking = true;
    lastSlot = Math.floor(nowUs() / 1000) - 1;
    setTimeout(tick, 1);
  }
}

function fire(s, now) {
  if (s.gone) return;
  const late = now - s.due;
  if (lateness.length < 5e6) lateness.push(late);
  if (late > lateMax) lateMax = late;
  if (s.sent < s.chunks) {
    s.sent++;
    s.res.write(contentPre + ' w' + s.sent + ' t=' + nowUs() + contentPost);
    s.due = s.start + (s.sent + 1) * s.interval;
    schedule(s);
  } else {
    s.res.end(tail(s.chunks));
    s.gone = true;
    open--;
  }
}

function tick() {
  const nowSlot = Math.floor(nowUs() / 1000);
  for (let slot = lastSlot + 1; slot <= nowSlot; slot++) {
    lastSlot = slot;
    const list = wheel.get(slot);
    if (list === undefined) continue;
    wheel.delete(slot);
    // One clock read per slot would stamp a chunk written after thousands of others with a
    // stale time; fire() reads the clock itself for the stamp, this one is for lateness.
    const now = nowUs();
    for (const s of list) fire(s, now);
  }
  if (wheel.size > 0) setTimeout(tick, 1);
  else ticking = false;
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function stats() {
  const sorted = Float64Array.from(lateness).sort();
  const o = {
    chunks: sorted.length,
    open_streams: open,
    late_ms: {
      p50: percentile(sorted, 0.5) / 1000, p99: percentile(sorted, 0.99) / 1000, max: lateMax / 1000,
    },
    uptime_s: (Date.now() - t0) / 1000,
  };
  lateness = [];
  lateMax = 0;
  return o;
}

// ------------------------------------------------------------------ server
const streamFlag = /"stream"\s*:\s*true/;
const intervalField = /"drip_interval_ms"\s*:\s*(\d+(?:\.\d+)?)/;
const chunksField = /"drip_chunks"\s*:\s*(\d+)/;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(stats()));
    return;
  }
  if (req.method !== 'POST' || !req.url.startsWith('/v1/chat/completions')) {
    notFound(res);
    return;
  }
  readBody(req, (body) => {
    if (!streamFlag.test(body)) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': plain.length });
      res.end(plain);
      return;
    }
    const im = intervalField.exec(body);
    const cm = chunksField.exec(body);
    const interval = (im ? Number(im[1]) : defaultInterval) * 1000;
    const start = nowUs();
    const s = { res, start, interval, chunks: cm ? Number(cm[1]) : defaultChunks, sent: 0, due: start + interval, gone: false };
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(roleChunk);
    open++;
    // A client that leaves stops its stream (the gateway cancels upstream when its client goes).
    res.on('close', () => {
      if (!s.gone) { s.gone = true; open--; }
    });
    schedule(s);
  });
});
// Keep-alive as in upstream-server.js, and no time limit on a request whose answer takes minutes
// to drip out.
server.requestTimeout = 0;
// Accept queue: a gateway that resumes after a GC pause opens hundreds of upstream connections at
// once; beyond the backlog the kernel drops SYNs, and a SYN retried at 1, 3, 7 s can run into the
// gateway's 5 s connect timeout. The fake upstream must not be what limits the gateway, so 4096
// (the kernel caps it at net.core.somaxconn) rather than Node's 511. (At 5,000 streams a run with
// 511 had one 503, provider_unavailable after 5.1 s, and the next run with 4096 none; but an
// unwarmed gateway still had one with 4096: its own GC pauses count against that timeout too.)
listen(server, { backlog: 4096, fields: { interval_ms: defaultInterval, chunks: defaultChunks } });

// Fake OpenAI-compatible upstream for scripts/replicas: the one upstream both gateway replicas
// call, so that what reached it is counted once whichever replica sent it.
//
//   node scripts/replicas.d/fake-upstream.js [port]     (0 or none: any free one; 127.0.0.1 only)
//
// Prints {"event":"listening","port":N} on stdout once it accepts connections (upstream-server.js).
//
//   POST /v1/chat/completions   model "always-500": a 500 in OpenAI's error shape (the deployment
//                               whose breaker the test opens); any other model: a chat.completion
//                               with usage {prompt_tokens: 12, completion_tokens: 11}, after
//                               DELAY_MS, so that a burst is still in flight when Redis is killed
//                               (non-stream only: the test sends no streams)
//   GET  /hits                  {"<model>": calls so far, ...} (every call, the 500s included)
//
// Headers are not checked: the gateways' own tests and scripts/sdk do that.
'use strict';
const http = require('http');
const path = require('path');
const { notFound, readBody, listen } = require(path.join(__dirname, '..', 'bench.d', 'upstream-server.js'));

/** Time a successful answer takes, in ms: long enough for a burst to overlap the kill of Redis. */
const DELAY_MS = 25;
/** The upstream model that always fails. */
const FAILING = 'always-500';
const USAGE = { prompt_tokens: 12, completion_tokens: 11, total_tokens: 23 };

const hits = Object.create(null);

function reply(res, status, obj) {
  const b = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': b.length });
  res.end(b);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/hits') return reply(res, 200, hits);
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return notFound(res);
  readBody(req, (body) => {
    let model = '';
    try { model = String(JSON.parse(body).model); } catch (e) { return reply(res, 400, { error: { message: `not JSON: ${e}`, type: 'invalid_request_error' } }); }
    hits[model] = (hits[model] || 0) + 1;
    if (model === FAILING) {
      return reply(res, 500, { error: { message: 'the fake upstream always fails for this model', type: 'server_error', code: null } });
    }
    setTimeout(() => reply(res, 200, {
      id: `chatcmpl-replicas-${hits[model]}`, object: 'chat.completion', created: 1700000000, model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the replicas fake.' }, logprobs: null, finish_reason: 'stop' }],
      usage: USAGE,
    }), DELAY_MS);
  });
});
listen(server);

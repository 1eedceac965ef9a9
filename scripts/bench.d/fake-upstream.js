// Fake OpenAI-compatible upstream for scripts/bench: POST /v1/chat/completions answers a fixed
// small chat.completion (with usage), or, when the request body has "stream": true, a 20-chunk
// SSE stream, then a usage chunk and "data: [DONE]". Everything is prepared once; a request
// costs only its parsing and the writes.
//
//   node scripts/bench.d/fake-upstream.js [port]     (port 0 or none: any free one; listens on 127.0.0.1 only)
//
// Prints {"event":"listening","port":N} on stdout once it accepts connections.
'use strict';
const http = require('http');

const created = 1700000000;
const completion = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created,
  model: 'mock-model',
  choices: [{
    index: 0,
    message: { role: 'assistant', content: 'Hello! This is a fixed answer from the fake upstream.' },
    logprobs: null,
    finish_reason: 'stop',
  }],
  usage: { prompt_tokens: 12, completion_tokens: 11, total_tokens: 23 },
}));

function chunk(delta, finish, usage) {
  const o = {
    id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'mock-model',
    choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  if (usage !== undefined) o.usage = usage;
  return 'data: ' + JSON.stringify(o) + '\n\n';
}
const events = [];
events.push(chunk({ role: 'assistant', content: 'tok0 ' }, null));
for (let i = 1; i < 19; i++) events.push(chunk({ content: 'tok' + i + ' ' }, null));
events.push(chunk({}, 'stop'));                 // 20 choice chunks in all
events.push(chunk(null, null, { prompt_tokens: 12, completion_tokens: 19, total_tokens: 31 }));
events.push('data: [DONE]\n\n');
const stream = events.map((e) => Buffer.from(e));

const streamFlag = /"stream"\s*:\s*true/;

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !req.url.startsWith('/v1/chat/completions')) {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    if (streamFlag.test(body)) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for (const b of stream) res.write(b);
      res.end();
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': completion.length });
      res.end(completion);
    }
  });
});
// Keep idle connections open for 120 s. Node's default (5 s) closes an idle keep-alive
// connection while the gateway's HttpClient still holds it in its pool: the next request on it
// races the close and fails (the occasional 502s on streams an earlier bench run saw). The
// gateway now retries a request whose pooled connection turns out closed
// (jdk.httpclient.enableAllMethodRetry), but the bench must not depend on that race.
// headersTimeout must exceed keepAliveTimeout, or Node may drop a connection that is just
// starting its next request.
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ event: 'listening', port: server.address().port }) + '\n');
});
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));

// What the bench's fake upstreams (fake-upstream.js, agent-upstream.js, drip-upstream.js) share:
// the 404 for any request they do not serve, reading a request's body, and how they listen.
'use strict';

const NOT_FOUND = '{"error":{"message":"not found","type":"invalid_request_error"}}';

/** Answers 404 in OpenAI's error shape. */
function notFound(res) {
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(NOT_FOUND);
}

/**
 * Sends a prepared answer ({stream: [SSE chunks], plain: JSON text}) with status 200: as an SSE
 * stream when stream is true, as one JSON body otherwise.
 */
function send(res, answer, stream) {
  if (stream) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    for (const b of answer.stream) res.write(b);
    res.end();
  } else {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': answer.plain.length });
    res.end(answer.plain);
  }
}

/** Calls done(body) with the request's whole body as text. */
function readBody(req, done) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { body += d; });
  req.on('end', () => done(body));
}

// Keep idle connections open for 120 s. Node's default (5 s) closes an idle keep-alive
// connection while the gateway's HttpClient still holds it in its pool: the next request on it
// races the close and fails (the occasional 502s on streams an earlier bench run saw). The
// gateway now retries a request whose pooled connection turns out closed
// (jdk.httpclient.enableAllMethodRetry), but the bench must not depend on that race.
// headersTimeout must exceed keepAliveTimeout, or Node may drop a connection that is just
// starting its next request.
const KEEP_ALIVE_MS = 120000;
const HEADERS_TIMEOUT_MS = 121000;

/**
 * Listens on 127.0.0.1 at the port in argv[2] (0 or none: any free one) with the keep-alive
 * above, prints {"event":"listening","port":N, ...fields} on stdout once it accepts connections,
 * and exits on SIGTERM or SIGINT. backlog: the accept queue's length (undefined: Node's default).
 */
function listen(server, { fields = {}, backlog } = {}) {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  const ready = () => {
    process.stdout.write(JSON.stringify({ event: 'listening', port: server.address().port, ...fields }) + '\n');
  };
  const port = Number(process.argv[2] || 0);
  if (backlog === undefined) server.listen(port, '127.0.0.1', ready);
  else server.listen(port, '127.0.0.1', backlog, ready);
  for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
}

module.exports = { notFound, send, readBody, listen };

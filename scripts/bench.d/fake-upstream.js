// Fake upstream for scripts/bench, one fixed answer per provider kind, non-stream or, when the
// request body has "stream": true, streamed as SSE:
//   POST /v1/chat/completions            OpenAI: a small chat.completion (with usage), or 20
//                                        choice chunks (19 content deltas "tok0 ".."tok18 " and
//                                        a finish chunk), a usage chunk and "data: [DONE]"
//   POST /anthropic/v1/messages          Anthropic Messages: a message object, or the named
//                                        events message_start, content_block_start, the same 19
//                                        text deltas, content_block_stop, message_delta (stop
//                                        reason and usage), message_stop
//   POST /mistral/v1/chat/completions    Mistral: OpenAI's non-stream answer, or the same 19
//                                        content chunks, then one chunk with finish_reason AND
//                                        usage, then "data: [DONE]"
// Everything is prepared once; a request costs only its parsing and the writes (one write per
// SSE event). Headers and query strings are not checked.
//
//   node scripts/bench.d/fake-upstream.js [port]     (port 0 or none: any free one; listens on 127.0.0.1 only)
//
// Prints {"event":"listening","port":N} on stdout once it accepts connections.
'use strict';
const http = require('http');
const { notFound, send, readBody, listen } = require('./upstream-server.js');

const created = 1700000000;
const answer = 'Hello! This is a fixed answer from the fake upstream.';
const completion = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created,
  model: 'mock-model',
  choices: [{
    index: 0,
    message: { role: 'assistant', content: answer },
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
const streamUsage = { prompt_tokens: 12, completion_tokens: 19, total_tokens: 31 };
const contentChunks = [chunk({ role: 'assistant', content: 'tok0 ' }, null)];
for (let i = 1; i < 19; i++) contentChunks.push(chunk({ content: 'tok' + i + ' ' }, null));
const toBuffers = (events) => events.map((e) => Buffer.from(e));

// OpenAI: 20 choice chunks in all, then the usage chunk (stream_options.include_usage).
const openai = {
  plain: completion,
  stream: toBuffers([...contentChunks, chunk({}, 'stop'), chunk(null, null, streamUsage), 'data: [DONE]\n\n']),
};

// Mistral: the same 19 content chunks; usage comes on the finish chunk.
const mistral = {
  plain: completion,
  stream: toBuffers([...contentChunks, chunk({}, 'stop', streamUsage), 'data: [DONE]\n\n']),
};

// Anthropic Messages (named SSE events; usage counts in message_delta are cumulative).
const message = (content, stopReason, outputTokens) => ({
  id: 'msg_bench', type: 'message', role: 'assistant', model: 'mock-model', content,
  stop_reason: stopReason, stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: outputTokens },
});
const event = (o) => 'event: ' + o.type + '\ndata: ' + JSON.stringify(o) + '\n\n';
const anthropicEvents = [
  event({ type: 'message_start', message: message([], null, 1) }),
  event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
];
for (let i = 0; i < 19; i++) {
  anthropicEvents.push(event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'tok' + i + ' ' } }));
}
anthropicEvents.push(
  event({ type: 'content_block_stop', index: 0 }),
  event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 19 } }),
  event({ type: 'message_stop' }),
);
const anthropic = {
  plain: Buffer.from(JSON.stringify(message([{ type: 'text', text: answer }], 'end_turn', 11))),
  stream: toBuffers(anthropicEvents),
};

const streamFlag = /"stream"\s*:\s*true/;

function route(req) {
  if (req.method !== 'POST') return null;
  if (req.url.startsWith('/v1/chat/completions')) return openai;
  if (req.url.startsWith('/anthropic/v1/messages')) return anthropic;
  if (req.url.startsWith('/mistral/v1/chat/completions')) return mistral;
  return null;
}

const server = http.createServer((req, res) => {
  const kind = route(req);
  if (kind === null) {
    notFound(res);
    return;
  }
  readBody(req, (body) => {
    send(res, kind, streamFlag.test(body));
  });
});
// Keep-alive: see upstream-server.js.
listen(server);

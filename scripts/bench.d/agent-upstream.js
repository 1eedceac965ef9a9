// Fake upstream for the agent part of scripts/bench (scripts/bench.d/agent.sh): an OpenAI-compatible
// model that calls a tool once, and the tool's HTTP endpoint, in one server, answering at once.
//
//   POST /v1/chat/completions   the last message is a user message and "tools" offers the function
//                               bench_lookup: a tool call of bench_lookup (finish_reason
//                               "tool_calls"); otherwise (the last message is the tool's result, or
//                               no tools): a text answer. Non-stream, or, when the body has
//                               "stream": true, streamed as SSE as OpenAI does: the tool call in 4
//                               chunks (id and name, the arguments in two deltas, the finish
//                               chunk), the text in 10 content chunks and a finish chunk, then a
//                               usage chunk and "data: [DONE]".
//   POST /tool                  the tool: a small fixed JSON object.
//
// The answers are prepared once; a chat request costs its JSON.parse (to find the last message's
// role) and the writes. With a capture directory, the first body of each kind the server receives
// is written there as <kind>.json (kind: step1, step2 or plain, "-stream" appended when streamed;
// tool), so that the bench can send the very bodies the gateway sent, directly.
//
//   node scripts/bench.d/agent-upstream.js [port [capture-dir]]   (port 0 or none: any free one; 127.0.0.1 only)
//
// Prints {"event":"listening","port":N} on stdout once it accepts connections.
'use strict';
const http = require('http');
const { notFound, send, readBody, listen } = require('./upstream-server.js');
const fs = require('fs');
const path = require('path');

const TOOL = 'bench_lookup';
const CALL_ID = 'call_bench_0001';
const ARGS = ['{"city":', '"Paris"}'];
const TEXT = ['It ', 'is ', '21 ', 'degrees ', 'and ', 'sunny ', 'in ', 'Paris ', 'right ', 'now.'];
const created = 1700000000;
const usage = { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50 };

const json = (o) => Buffer.from(JSON.stringify(o));
const completion = (message, finish) => json({
  id: 'chatcmpl-agent-bench', object: 'chat.completion', created, model: 'mock-model',
  choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage,
});
const chunk = (delta, finish, u) => {
  const o = {
    id: 'chatcmpl-agent-bench', object: 'chat.completion.chunk', created, model: 'mock-model',
    choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
  if (u !== undefined) o.usage = u;
  return Buffer.from('data: ' + JSON.stringify(o) + '\n\n');
};
const done = Buffer.from('data: [DONE]\n\n');

const call = {
  plain: completion({
    role: 'assistant', content: null,
    tool_calls: [{ id: CALL_ID, type: 'function', function: { name: TOOL, arguments: ARGS.join('') } }],
  }, 'tool_calls'),
  stream: [
    chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: CALL_ID, type: 'function', function: { name: TOOL, arguments: '' } }] }, null),
    ...ARGS.map((a) => chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] }, null)),
    chunk({}, 'tool_calls'), chunk(null, null, usage), done,
  ],
};
const answer = {
  plain: completion({ role: 'assistant', content: TEXT.join('') }, 'stop'),
  stream: [
    chunk({ role: 'assistant', content: TEXT[0] }, null),
    ...TEXT.slice(1).map((t) => chunk({ content: t }, null)),
    chunk({}, 'stop'), chunk(null, null, usage), done,
  ],
};
const toolAnswer = json({ city: 'Paris', temperature_c: 21, conditions: 'sunny' });

const captureDir = process.argv[3] || null;
const captured = new Set();
function capture(kind, body) {
  if (captureDir === null || captured.has(kind)) return;
  captured.add(kind);
  fs.writeFileSync(path.join(captureDir, kind + '.json'), body);
}

function offersTool(req) {
  return Array.isArray(req.tools) && req.tools.some((t) => t && t.function && t.function.name === TOOL);
}

function chat(body, res) {
  let req;
  try {
    req = JSON.parse(body);
  } catch (e) {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end('{"error":{"message":"the body is not JSON","type":"invalid_request_error"}}');
    return;
  }
  const msgs = Array.isArray(req.messages) ? req.messages : [];
  const last = msgs.length > 0 ? msgs[msgs.length - 1] : {};
  const tools = offersTool(req);
  const toolCall = last.role === 'user' && tools;
  const kind = (toolCall ? 'step1' : last.role === 'tool' ? 'step2' : 'plain') + (req.stream === true ? '-stream' : '');
  capture(kind, body);
  send(res, toolCall ? call : answer, req.stream === true);
}

const server = http.createServer((req, res) => {
  const isChat = req.method === 'POST' && req.url.startsWith('/v1/chat/completions');
  const isTool = req.method === 'POST' && req.url.startsWith('/tool');
  if (!isChat && !isTool) {
    notFound(res);
    return;
  }
  readBody(req, (body) => {
    if (isChat) {
      chat(body, res);
      return;
    }
    capture('tool', body);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': toolAnswer.length });
    res.end(toolAnswer);
  });
});
listen(server);

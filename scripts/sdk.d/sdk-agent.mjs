// Gateway tools, approvals, resume and tasks (issue 12) through the OpenAI JS SDK, as a user
// would write them: tools: [{type: "gateway", name}] on chat.completions.create (the SDK's types
// know only function tools; it sends what it is given), the extension object on the answer, the
// progress chunks of a stream (choices: []) through the SDK's iterator and its stream() helper,
// client.post('/chat/resume') for seed 003's approvals, and client.post/get on /neo/tasks, whose
// events endpoint is read as SSE with fetch. sdk-test.mjs registers these checks with
// agentChecks(t).
//
// scripts/sdk's config declares two http gateway tools whose endpoint is the fake `tools`
// server (fake-upstreams.js): `lookup` (runs at once) and `transfer` (requires_approval), and
// no MCP server. The model is the offline echo provider: it calls every declared tool whose name
// occurs in the user's text (string arguments = that text) and answers a tool result with
// "Echo: tool result: <the result>" (provider/echo/EchoReply). So every answer below is known
// from what the fake tool endpoint recorded it sent.
import OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';

const EXT = 'tollgate'; // server.extension_field's default
const WAIT_MS = 20000; // longest wait for a task to end or an event stream to close, in ms
const POLL_MS = 50; // between two reads of a task's status
const MAX_EVENTS_BYTES = 1024 * 1024; // bytes of one events stream read
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const APPROVAL_TTL_MS = 600000; // scripts/sdk's agent.approval_ttl_ms

// The request's gateway tools, as the issue writes them. A TypeScript user casts these
// (`as unknown as ChatCompletionTool`): the SDK passes them through unchanged.
const gateway = (name) => ({ type: 'gateway', name });
const LOOKUP_TEXT = 'Please lookup the opening hours of the Tollgate museum';
const TRANSFER_TEXT = 'Please transfer 10 credits to the build team';
const user = (content) => [{ role: 'user', content }];

export function agentChecks(t) {
  const { check, expect, eq, show, Failure, received, one, nothingUpstream, openai, BASE, KEY, OTHER_KEY } = t;

  // ---------------------------------------------------------------- helpers
  const echoOf = (toolAnswer) => `Echo: tool result: ${toolAnswer}`;
  const stepTypes = (steps) => (steps || []).map((s) => (s.type === 'tool' ? `tool:${s.tool}:${s.outcome}` : `model:${s.finish_reason}`));

  // The one call the fake tool endpoint got on `path` during this check: its arguments, the
  // tool's key (one() checks it and that the client's key was not passed on), and what it sent.
  async function toolCall(path, requestId) {
    const r = await one('tools', path);
    expect(String(r.headers['content-type']).startsWith('application/json'), `content-type sent to the tool: ${show(r.headers['content-type'])}`);
    if (requestId !== undefined) eq(r.headers['x-request-id'], requestId, 'x-request-id sent to the tool (the request\'s)');
    expect(typeof r.sent_text === 'string', `the fake tool answered no result: ${show(r)}`);
    return r;
  }

  // The steps of a run of lookup: the model calls it, the gateway runs it, the model answers.
  function lookupSteps(steps, what) {
    eq(JSON.stringify(stepTypes(steps)), JSON.stringify(['model:tool_calls', 'tool:lookup:ok', 'model:stop']), `${what} steps`);
    for (const s of steps) {
      expect(Number.isInteger(s.duration_ms) && s.duration_ms >= 0, `${what}: a step's duration_ms: ${show(s)}`);
      if (s.type === 'model') {
        eq(s.model, 'echo', `${what}: a model step's model`);
        eq(s.outcome, 'ok', `${what}: a model step's outcome`);
        expect(Number.isInteger(s.prompt_tokens) && Number.isInteger(s.completion_tokens), `${what}: a model step's tokens: ${show(s)}`);
      }
    }
    eq(typeof steps[1].call_id, 'string', `${what}: the tool step's call_id`);
    eq(steps[0].tool_calls, 1, `${what}: the first model step's tool_calls (a count)`);
  }
  const stepTokens = (steps) => steps.filter((s) => s.type === 'model').reduce((n, s) => n + s.prompt_tokens + s.completion_tokens, 0);

  // A chunk stream through the SDK's iterator, with what a client sees in it.
  async function readChunks(stream) {
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const progress = chunks.filter((c) => Array.isArray(c.choices) && c.choices.length === 0 && c[EXT] && c[EXT].step);
    const text = chunks.map((c) => (c.choices && c.choices[0] && c.choices[0].delta && c.choices[0].delta.content) || '').join('');
    const finishes = chunks.filter((c) => c.choices && c.choices[0] && c.choices[0].finish_reason).map((c) => c.choices[0].finish_reason);
    const usage = chunks.filter((c) => c.usage);
    return { chunks, progress, text, finishes, usage };
  }

  // A paused execution's extension: seed 003's three, first.
  function approvalExt(ext, what) {
    expect(ext && UUID.test(ext.approval_id), `${what}: approval_id: ${show(ext)}`);
    expect(UUID.test(ext.execution_id), `${what}: execution_id: ${show(ext.execution_id)}`);
    expect(ISO_MILLIS.test(ext.expires_at), `${what}: expires_at: ${show(ext.expires_at)}`);
    const left = Date.parse(ext.expires_at) - Date.now();
    expect(left > APPROVAL_TTL_MS - 60000 && left <= APPROVAL_TTL_MS + 1000, `${what}: expires_at ${ext.expires_at} is not ~10 min ahead (agent.approval_ttl_ms)`);
    eq(JSON.stringify(Object.keys(ext).slice(0, 3)), '["approval_id","execution_id","expires_at"]', `${what}: the extension's first members`);
  }

  // A paused transfer: the answer is the call waiting, finish_reason tool_calls.
  function pausedTransfer(completion, what) {
    const c = completion.choices[0];
    eq(c.finish_reason, 'tool_calls', `${what} finish_reason`);
    eq(c.message.role, 'assistant', `${what} role`);
    const calls = c.message.tool_calls || [];
    eq(calls.length, 1, `${what} tool_calls count`);
    eq(calls[0].type, 'function', `${what} tool call type`);
    eq(calls[0].function.name, 'transfer', `${what} tool call name`);
    eq(JSON.parse(calls[0].function.arguments).memo, TRANSFER_TEXT, `${what} tool call arguments.memo`);
    return calls[0];
  }

  const resume = (body, opts, key) => openai(key).post('/chat/resume', Object.assign({ body }, opts || {}));
  const weather = { type: 'function', function: { name: 'get_weather', description: 'The weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

  // ================================================================ chat completions
  check('agent chat.completions.create with tools [{type: "gateway", name: "lookup"}] -> the http tool runs, the answer holds its result, tollgate.steps model, tool, model', async () => {
    const { data: r, response } = await openai().chat.completions.create({ model: 'echo', messages: user(LOOKUP_TEXT),
      tools: [gateway('lookup')] }).withResponse();
    const ext = r[EXT];
    expect(ext && UUID.test(ext.execution_id), `no execution_id in the extension: ${show(ext)}`);
    eq(ext.request_id, response.headers.get('x-request-id'), 'tollgate.request_id (= the x-request-id header)');
    const up = await toolCall('/lookup', ext.request_id);
    eq(JSON.stringify(up.json), JSON.stringify({ query: LOOKUP_TEXT }), 'the arguments the tool endpoint got');
    eq(r.object, 'chat.completion', 'object');
    eq(r.model, 'echo', 'model');
    eq(r.choices.length, 1, 'choices');
    eq(r.choices[0].finish_reason, 'stop', 'finish_reason');
    eq(r.choices[0].message.content, echoOf(up.sent_text), 'content (the model\'s answer to the tool\'s result)');
    expect(!r.choices[0].message.tool_calls || r.choices[0].message.tool_calls.length === 0, `the gateway's tool call reached the client: ${show(r.choices[0].message)}`);
    lookupSteps(ext.steps, 'tollgate');
    eq(r.usage.total_tokens, stepTokens(ext.steps), 'usage.total_tokens (= the model steps\' tokens summed)');
    eq(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens, 'usage.total_tokens = prompt + completion');
    eq(response.headers.get('x-tollgate-route'), 'echo/echo', 'x-tollgate-route');
  });

  check('agent a gateway tool mixed with the client\'s function: the gateway runs lookup, the client gets only get_weather (tool_calls), and its result continues the conversation', async () => {
    const text = 'lookup the museum, then get_weather for Lyon';
    const r = await openai().chat.completions.create({ model: 'echo', messages: user(text), tools: [gateway('lookup'), weather] });
    const c = r.choices[0];
    eq(c.finish_reason, 'tool_calls', 'finish_reason');
    eq(JSON.stringify((c.message.tool_calls || []).map((x) => x.function.name)), '["get_weather"]', 'the tool calls the client got');
    eq(JSON.parse(c.message.tool_calls[0].function.arguments).city, text, 'get_weather arguments.city');
    eq(JSON.stringify(stepTypes(r[EXT].steps)), JSON.stringify(['model:tool_calls', 'tool:lookup:ok']), 'steps');
    await toolCall('/lookup');
    const again = await openai().chat.completions.create({ model: 'echo', tools: [gateway('lookup'), weather], messages: [
      ...user(text), c.message, { role: 'tool', tool_call_id: c.message.tool_calls[0].id, content: 'sunny, 21 C' }] });
    eq(again.choices[0].message.content, echoOf('sunny, 21 C'), 'the answer to the client\'s tool result');
    eq(again.choices[0].finish_reason, 'stop', 'finish_reason after the client\'s result');
  });

  check('agent an unknown gateway tool -> BadRequestError 400 naming tools[0].name; nothing runs', async () => {
    const e = await t.refused(() => openai().chat.completions.create({ model: 'echo', messages: user('lookup'), tools: [gateway('no_such_tool')] }));
    expect(e instanceof OpenAI.BadRequestError, `not a BadRequestError: ${t.errorText(e)}`);
    eq(e.status, 400, 'status');
    eq(e.param, 'tools[0].name', 'error.param');
    expect(/lookup/.test(e.message) && /transfer/.test(e.message), `the message does not list the key's tools: ${show(e.message)}`);
    await nothingUpstream();
  });

  check('agent stream: true + include_usage: the SDK iterator yields the progress chunks (choices: []), the text, one finish, usage totals last', async () => {
    const s = await openai().chat.completions.create({ model: 'echo', messages: user(LOOKUP_TEXT), tools: [gateway('lookup')],
      stream: true, stream_options: { include_usage: true } });
    const { chunks, progress, text, finishes, usage } = await readChunks(s);
    const up = await toolCall('/lookup');
    eq(text, echoOf(up.sent_text), 'the streamed text');
    eq(JSON.stringify(finishes), '["stop"]', 'finish_reasons');
    eq(JSON.stringify(progress.map((c) => c[EXT].step.type)), '["model","tool","model"]', 'the progress chunks\' steps');
    eq(progress[1][EXT].step.tool, 'lookup', 'the tool step\'s tool');
    eq(new Set(chunks.map((c) => c.id)).size, 1, 'chunk ids (one completion)');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'echo'), 'every chunk a chat.completion.chunk of model echo');
    expect(UUID.test(chunks[0][EXT] && chunks[0][EXT].execution_id), `the first chunk carries no execution_id: ${show(chunks[0])}`);
    eq(usage.length, 1, 'usage chunks');
    const last = chunks[chunks.length - 1];
    expect(last === usage[0] && last.choices.length === 0, `the usage chunk is not last, with choices []: ${show(last)}`);
    lookupSteps(last[EXT].steps, 'the usage chunk\'s tollgate');
    eq(last.usage.total_tokens, stepTokens(last[EXT].steps), 'usage.total_tokens (= the steps\' tokens)');
    eq(last[EXT].execution_id, chunks[0][EXT].execution_id, 'the usage chunk\'s execution_id');
  });

  check('agent chat.completions.stream() helper: content events, finalChatCompletion() holds the answer, usage and the run\'s steps', async () => {
    const s = openai().chat.completions.stream({ model: 'echo', messages: user(LOOKUP_TEXT), tools: [gateway('lookup')],
      stream_options: { include_usage: true } });
    let deltas = '';
    s.on('content', (delta) => { deltas += delta; });
    const final = await s.finalChatCompletion();
    const up = await toolCall('/lookup');
    eq(final.choices[0].message.content, echoOf(up.sent_text), 'finalChatCompletion content');
    eq(deltas, echoOf(up.sent_text), 'the content events joined');
    eq(final.choices[0].finish_reason, 'stop', 'finish_reason');
    expect(final.usage && final.usage.total_tokens > 0, `usage: ${show(final.usage)}`);
    lookupSteps(final[EXT] && final[EXT].steps, 'finalChatCompletion().tollgate'); // the last chunk's extension
    eq(await s.finalContent(), echoOf(up.sent_text), 'finalContent()');
  });

  // ================================================================ approvals (seed 003)
  check('agent approval: a requires_approval tool pauses (tool_calls, approval_id/execution_id/expires_at); resume approve -> the answer; a second resume -> ConflictError 409', async () => {
    const r = await openai().chat.completions.create({ model: 'echo', messages: user(TRANSFER_TEXT), tools: [gateway('transfer')] });
    const call = pausedTransfer(r, 'the paused answer');
    const ext = r[EXT];
    approvalExt(ext, 'tollgate');
    eq(JSON.stringify(stepTypes(ext.steps)), '["model:tool_calls"]', 'steps before the approval');
    expect((await received('tools')).length === 0, 'the tool ran before it was approved');

    const done = await resume({ approval_id: ext.approval_id, decision: 'approve' });
    const up = await toolCall('/transfer');
    eq(JSON.stringify(up.json), JSON.stringify({ memo: TRANSFER_TEXT }), 'the arguments the tool got');
    eq(done.object, 'chat.completion', 'the resume\'s object');
    eq(done.choices[0].message.content, echoOf(up.sent_text), 'the resumed answer');
    eq(done.choices[0].finish_reason, 'stop', 'the resumed finish_reason');
    eq(done[EXT].execution_id, ext.execution_id, 'the resume\'s execution_id');
    eq(JSON.stringify(stepTypes(done[EXT].steps)), '["tool:transfer:ok","model:stop"]', 'the resume\'s steps');
    eq(done[EXT].steps[0].call_id, call.id, 'the tool step\'s call_id (= the paused call\'s id)');

    const again = await t.refused(() => resume({ approval_id: ext.approval_id, decision: 'approve' }));
    expect(again instanceof OpenAI.ConflictError, `a second resume: not a ConflictError: ${t.errorText(again)}`);
    eq(again.status, 409, 'a second resume\'s status');
    eq(again.param, 'approval_id', 'a second resume\'s error.param');
    eq((await received('tools')).length, 1, 'calls of the tool (one approval, one run)');
  });

  check('agent approval: reject with a reason -> the model is told, the tool never runs; unknown approval_id -> NotFoundError 404; none -> BadRequestError', async () => {
    const r = await openai().chat.completions.create({ model: 'echo', messages: user(TRANSFER_TEXT), tools: [gateway('transfer')] });
    pausedTransfer(r, 'the paused answer');
    const done = await resume({ approval_id: r[EXT].approval_id, decision: 'reject', reason: 'not on a Friday' });
    eq(done.choices[0].message.content, echoOf('The user refused this call: not on a Friday'), 'the answer after a rejection');
    eq(JSON.stringify(stepTypes(done[EXT].steps)), '["tool:transfer:rejected","model:stop"]', 'the resume\'s steps');
    const unknown = await t.refused(() => resume({ approval_id: '00000000-0000-4000-8000-000000000000', decision: 'approve' }));
    expect(unknown instanceof OpenAI.NotFoundError, `an unknown approval: not a NotFoundError: ${t.errorText(unknown)}`);
    const missing = await t.refused(() => resume({ decision: 'approve' }));
    expect(missing instanceof OpenAI.BadRequestError, `no approval_id: not a BadRequestError: ${t.errorText(missing)}`);
    eq(missing.param, 'approval_id', 'no approval_id: error.param');
    await nothingUpstream();
  });

  check('agent approval of another key\'s execution -> NotFoundError 404, and it stays usable by its own key', async () => {
    const r = await openai().chat.completions.create({ model: 'echo', messages: user(TRANSFER_TEXT), tools: [gateway('transfer')] });
    pausedTransfer(r, 'the paused answer');
    const e = await t.refused(() => resume({ approval_id: r[EXT].approval_id, decision: 'approve' }, {}, OTHER_KEY));
    expect(e instanceof OpenAI.NotFoundError, `another key's resume: not a NotFoundError: ${t.errorText(e)}`);
    eq((await received('tools')).length, 0, 'calls of the tool after another key\'s resume');
    const done = await resume({ approval_id: r[EXT].approval_id, decision: 'approve' });
    eq(done.choices[0].message.content, echoOf((await toolCall('/transfer')).sent_text), 'the owner\'s resumed answer');
  });

  check('agent approval of the client\'s own function (metadata.requires_approval): it pauses; approved, the call comes back to the client as a tool call', async () => {
    const text = 'get_weather for Lyon';
    const r = await openai().chat.completions.create({ model: 'echo', messages: user(text), tools: [weather],
      metadata: { requires_approval: 'get_weather' } });
    eq(r.choices[0].finish_reason, 'tool_calls', 'the paused answer\'s finish_reason');
    approvalExt(r[EXT], 'tollgate');
    const done = await resume({ approval_id: r[EXT].approval_id, approved: true });
    const c = done.choices[0];
    eq(c.finish_reason, 'tool_calls', 'the resumed finish_reason');
    eq(JSON.stringify((c.message.tool_calls || []).map((x) => [x.function.name, JSON.parse(x.function.arguments).city])),
      JSON.stringify([['get_weather', text]]), 'the tool calls the client got');
    eq(c.message.tool_calls[0].id, r.choices[0].message.tool_calls[0].id, 'the call\'s id (the one approved)');
    await nothingUpstream();
  });

  check('agent approval streamed: the approval chunk through chat.completions.stream() (the call in the accumulated message); a streamed resume through the SDK', async () => {
    const s = openai().chat.completions.stream({ model: 'echo', messages: user(TRANSFER_TEXT), tools: [gateway('transfer')] });
    const chunks = [];
    s.on('chunk', (c) => chunks.push(c));
    const final = await s.finalChatCompletion();
    const call = pausedTransfer(final, 'finalChatCompletion()');
    const approvalChunk = chunks[chunks.length - 1]; // no usage asked for: the approval chunk is last
    eq(approvalChunk.choices[0].finish_reason, 'tool_calls', 'the last chunk\'s finish_reason');
    const ext = approvalChunk[EXT];
    approvalExt(ext, 'the approval chunk\'s tollgate');
    expect(chunks.some((c) => c.choices.length === 0 && c[EXT] && c[EXT].step && c[EXT].step.type === 'model'),
      'no progress chunk for the model step');
    eq((await received('tools')).length, 0, 'calls of the tool before the approval');

    // The resume as a stream: the SDK's post with stream: true gives the chunk iterator, which
    // its ChatCompletionStream assembles as it does a chat stream.
    const raw = await resume({ approval_id: ext.approval_id, decision: 'approve', stream: true,
      stream_options: { include_usage: true } }, { stream: true });
    const resumed = await ChatCompletionStream.fromReadableStream(raw.toReadableStream()).finalChatCompletion();
    const up = await toolCall('/transfer');
    eq(resumed.choices[0].message.content, echoOf(up.sent_text), 'the streamed resume\'s answer');
    eq(resumed.choices[0].finish_reason, 'stop', 'the streamed resume\'s finish_reason');
    eq(resumed[EXT] && resumed[EXT].execution_id, ext.execution_id, 'the streamed resume\'s execution_id (its usage chunk)');
    eq(JSON.stringify(stepTypes(resumed[EXT].steps)), '["tool:transfer:ok","model:stop"]', 'the streamed resume\'s steps');
    eq(resumed[EXT].steps[0].call_id, call.id, 'the tool step\'s call_id');
  });

  // ================================================================ tasks (POST /neo/tasks)
  const auth = { Authorization: `Bearer ${KEY}` };

  // The events of a task as SSE, read with fetch until the server ends the stream (the task has
  // ended); {id, event, data} each.
  async function taskEvents(id, headers, query) {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), WAIT_MS);
    try {
      const res = await fetch(`${BASE}/v1/neo/tasks/${id}/events${query || ''}`, { headers: Object.assign({ Accept: 'text/event-stream' }, auth, headers || {}),
        signal: ac.signal });
      eq(res.status, 200, 'events status');
      expect(String(res.headers.get('content-type')).startsWith('text/event-stream'), `events content-type: ${res.headers.get('content-type')}`);
      let text = '';
      const decoder = new TextDecoder();
      for await (const part of res.body) {
        text += decoder.decode(part, { stream: true });
        if (text.length > MAX_EVENTS_BYTES) throw new Failure(`the events stream passed ${MAX_EVENTS_BYTES} bytes`);
      }
      return parseSse(text);
    } catch (e) {
      if (ac.signal.aborted) throw new Failure(`the events stream of ${id} did not end within ${WAIT_MS} ms`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
  function parseSse(text) { // the HTML Living Standard's event-stream rules, less retry
    const events = [];
    for (const block of text.split(/\r\n\r\n|\n\n|\r\r/)) {
      let id = null, event = 'message';
      const data = [];
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (line === '' || line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length) events.push({ id, event, data: JSON.parse(data.join('\n')) });
    }
    return events;
  }
  async function waitTask(id, until) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const task = await openai().get(`/neo/tasks/${id}`);
      if (until.includes(task.status)) return task;
      if (Date.now() > deadline) throw new Failure(`task ${id} is still ${task.status} after ${WAIT_MS} ms: ${show(task)}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  const createTask = (body) => openai().post('/neo/tasks', { body }).withResponse();

  check('agent task: client.post(\'/neo/tasks\', {model: echo, goal, tools: [lookup]}) -> 202 with an id; the events stream (SSE via fetch) follows it to the end; get -> succeeded with the result; list holds it', async () => {
    const { data: created, response } = await createTask({ model: 'echo', goal: LOOKUP_TEXT, tools: [gateway('lookup')] });
    eq(response.status, 202, 'status');
    expect(/^task_/.test(created.id), `id: ${show(created.id)}`);
    eq(created.object, 'neo.task', 'object');
    expect(['queued', 'running', 'succeeded'].includes(created.status), `status: ${show(created.status)}`);
    eq(response.headers.get('location'), `/v1/neo/tasks/${created.id}`, 'Location');

    const events = await taskEvents(created.id); // at once: it follows the task live until it ends
    const task = await waitTask(created.id, ['succeeded', 'failed', 'cancelled']);
    eq(task.status, 'succeeded', `status (error: ${show(task.error)})`);
    const up = await toolCall('/lookup');
    eq(JSON.stringify(up.json), JSON.stringify({ query: LOOKUP_TEXT }), 'the arguments the tool got');
    eq(task.result && task.result.content, echoOf(up.sent_text), 'result.content');
    lookupSteps(task.steps, 'the task\'s');
    eq(task.usage.total_tokens, stepTokens(task.steps), 'usage.total_tokens');

    const ids = events.map((e) => Number(e.id));
    expect(ids.every((n, i) => Number.isInteger(n) && (i === 0 || n > ids[i - 1])), `event ids are not increasing integers: ${show(ids)}`);
    eq(events[0].event, 'status', 'the first event');
    const last = events[events.length - 1];
    eq(`${last.event} ${last.data.status}`, 'status succeeded', 'the last event');
    eq(JSON.stringify(events.filter((e) => e.event === 'step').map((e) => e.data.step.type)), '["model","tool","model"]', 'the step events');
    const result = events.find((e) => e.event === 'result');
    eq(result && result.data.content, echoOf(up.sent_text), 'the result event\'s content');

    const list = await openai().get('/neo/tasks');
    eq(list.object, 'list', 'the list\'s object');
    expect(list.data.some((x) => x.id === created.id && x.status === 'succeeded'), `the list lacks the task: ${show(list.data.map((x) => x.id))}`);

    // Another key's: unknown to it, and not in its list.
    const other = await t.refused(() => openai(OTHER_KEY).get(`/neo/tasks/${created.id}`));
    expect(other instanceof OpenAI.NotFoundError, `another key's get: not a NotFoundError: ${t.errorText(other)}`);
    const theirs = await openai(OTHER_KEY).get('/neo/tasks');
    expect(!theirs.data.some((x) => x.id === created.id), 'another key\'s list holds the task');
  });

  check('agent task events resumed with Last-Event-ID (and ?after=): exactly the events after it; cancel of an ended task -> ConflictError 409; another task id -> NotFoundError', async () => {
    const { data: created } = await createTask({ model: 'echo', goal: LOOKUP_TEXT, tools: [gateway('lookup')] });
    await waitTask(created.id, ['succeeded', 'failed', 'cancelled']);
    const all = await taskEvents(created.id);
    expect(all.length >= 4, `only ${all.length} events: ${show(all)}`);
    const from = all[1].id;
    const rest = await taskEvents(created.id, { 'Last-Event-ID': from });
    eq(JSON.stringify(rest), JSON.stringify(all.slice(2)), `the events after Last-Event-ID ${from}`);
    const after = await taskEvents(created.id, {}, `?after=${all[2].id}`);
    eq(JSON.stringify(after), JSON.stringify(all.slice(3)), `the events after ?after=${all[2].id}`);

    const e = await t.refused(() => openai().post(`/neo/tasks/${created.id}/cancel`));
    expect(e instanceof OpenAI.ConflictError, `cancel of an ended task: not a ConflictError: ${t.errorText(e)}`);
    eq(e.status, 409, 'cancel status');
    eq((await openai().get(`/neo/tasks/${created.id}`)).status, 'succeeded', 'the status after the refused cancel');
    const gone = await t.refused(() => openai().get('/neo/tasks/task_00000000-0000-4000-8000-000000000000'));
    expect(gone instanceof OpenAI.NotFoundError, `an unknown task: not a NotFoundError: ${t.errorText(gone)}`);
  });

  check('agent task with a requires_approval tool: waiting_approval with the approval; client.post(\'/chat/resume\') -> 202; the task succeeds', async () => {
    const { data: created } = await createTask({ model: 'echo', goal: TRANSFER_TEXT, tools: [gateway('transfer')] });
    const waiting = await waitTask(created.id, ['waiting_approval', 'succeeded', 'failed', 'cancelled']);
    eq(waiting.status, 'waiting_approval', `status (error: ${show(waiting.error)})`);
    expect(waiting.approval && UUID.test(waiting.approval.approval_id), `approval: ${show(waiting.approval)}`);
    eq(JSON.stringify(waiting.approval.calls.map((c) => c.function && c.function.name)), '["transfer"]', 'the calls waiting');
    eq((await received('tools')).length, 0, 'calls of the tool before the approval');

    const { data: answer, response } = await resume({ approval_id: waiting.approval.approval_id, decision: 'approve' }).withResponse();
    eq(response.status, 202, 'the resume\'s status (a task\'s approval)');
    eq(answer.id, created.id, 'the resume answers with the task');
    const task = await waitTask(created.id, ['succeeded', 'failed', 'cancelled']);
    eq(task.status, 'succeeded', `status (error: ${show(task.error)})`);
    const up = await toolCall('/transfer');
    eq(task.result.content, echoOf(up.sent_text), 'result.content');
  });
}

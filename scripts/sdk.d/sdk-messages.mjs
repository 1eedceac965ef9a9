// Anthropic's Messages API in (issue 14) through the npm Anthropic SDK, with only its baseURL
// changed: 1.14.0 (sends Authorization: Bearer and anthropic-version 2026-10-21) and the last
// 0.x, 0.137.0 (X-Api-Key and 2023-06-01, as the alias anthropic-v0 in package.json).
// messages.create plain, messages.stream (text events, finalMessage), tools (a tool_use, then
// the tool_result turn), countTokens, and the errors as the SDK's own exception classes.
// sdk-test.mjs registers these checks with messagesChecks(t).
//
// The model is mostly the offline echo provider: it answers "Echo: <the user's text>", calls
// every declared tool whose name occurs in the user's text (each required string argument = that
// text, id call_echo_<n>), and answers a tool result with "Echo: tool result: <the result>"
// (provider/echo/EchoReply). gpt-4o-mini goes to the fake OpenAI upstream (fake-upstreams.js),
// which answers `chat answer to "<last user text>" from openai`: the translation both ways.
//
// And Claude Code itself, the program (TOLLGATE_CLAUDE_CODE, installed by scripts/sdk; skipped
// with TOLLGATE_CLAUDE_CODE_SKIPPED's reason where it could not be), with only
// ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY set: `claude -p` on the echo model.
import Anthropic from '@anthropic-ai/sdk';
import AnthropicV0 from 'anthropic-v0';

const REQUEST_ID = /^req_[0-9a-f]{24}$/; // the gateway's own request ids
const MESSAGE_ID = /^msg_[0-9a-f]{32}$/; // the gateway's ids for translated messages
const WEATHER = {
  name: 'get_weather',
  description: 'The weather in a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

export function messagesChecks(t) {
  const { check, expect, eq, show, refused, errorText, one, nothingUpstream, BASE, KEY, WRONG_KEY, Skipped, runAgent } = t;
  const SDKS = [
    ['1.14.0', (key = KEY) => new Anthropic({ apiKey: key, baseURL: BASE, maxRetries: 0, timeout: 30000 })],
    ['0.137.0', (key = KEY) => new AnthropicV0({ apiKey: key, baseURL: BASE, maxRetries: 0, timeout: 30000 })],
  ];
  const user = (content) => [{ role: 'user', content }];

  function plainMessage(m, text, what) {
    expect(MESSAGE_ID.test(m.id), `${what} id: ${show(m.id)}`);
    eq(m.type, 'message', `${what} type`);
    eq(m.role, 'assistant', `${what} role`);
    eq(m.model, 'echo', `${what} model (the one asked for)`);
    eq(JSON.stringify(m.content), JSON.stringify([{ type: 'text', text }]), `${what} content`);
    eq(m.stop_reason, 'end_turn', `${what} stop_reason`);
    eq(m.stop_sequence, null, `${what} stop_sequence`);
    expect(Number.isInteger(m.usage.input_tokens) && m.usage.input_tokens > 0, `${what} usage.input_tokens: ${show(m.usage)}`);
    expect(Number.isInteger(m.usage.output_tokens) && m.usage.output_tokens > 0, `${what} usage.output_tokens: ${show(m.usage)}`);
    eq(m.usage.cache_read_input_tokens, 0, `${what} usage.cache_read_input_tokens`);
  }

  for (const [version, client] of SDKS) {
    check(`anthropic ${version} messages.create plain -> Echo text, end_turn, usage; _request_id is the request-id header`, async () => {
      const m = await client().messages.create({ model: 'echo', max_tokens: 64, messages: user(`hello from sdk ${version}`) });
      plainMessage(m, `Echo: hello from sdk ${version}`, 'message');
      expect(REQUEST_ID.test(m._request_id), `_request_id (from the request-id header): ${show(m._request_id)}`);
    });

    check(`anthropic ${version} messages.stream: text events make the text, finalMessage() the whole message`, async () => {
      const stream = client().messages.stream({ model: 'echo', max_tokens: 64, messages: user(`stream it ${version}`) });
      const texts = [];
      stream.on('text', (delta) => texts.push(delta));
      const m = await stream.finalMessage();
      plainMessage(m, `Echo: stream it ${version}`, 'finalMessage()');
      expect(texts.length > 1, `text events: ${show(texts)}`);
      eq(texts.join(''), `Echo: stream it ${version}`, 'the text events joined');
    });

    check(`anthropic ${version} tools: a tool_use (stop_reason tool_use), then the tool_result turn -> the answer`, async () => {
      const ask = `What is get_weather in Paris (${version})?`;
      const first = await client().messages.create({ model: 'echo', max_tokens: 200, tools: [WEATHER], messages: user(ask) });
      eq(first.stop_reason, 'tool_use', 'first stop_reason');
      eq(first.content.length, 1, `first content blocks: ${show(first.content)}`);
      const use = first.content[0];
      eq(use.type, 'tool_use', 'block type');
      eq(use.id, 'call_echo_0', 'tool_use id');
      eq(use.name, 'get_weather', 'tool_use name');
      eq(JSON.stringify(use.input), JSON.stringify({ city: ask }), 'tool_use input (an object)');
      const second = await client().messages.create({ model: 'echo', max_tokens: 200, tools: [WEATHER], messages: [
        { role: 'user', content: ask },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18 C and sunny' }] },
      ] });
      eq(second.stop_reason, 'end_turn', 'second stop_reason');
      eq(JSON.stringify(second.content), JSON.stringify([{ type: 'text', text: 'Echo: tool result: 18 C and sunny' }]), 'second content');
    });
  }

  check('anthropic 1.14.0 messages.stream with a tool: input_json_delta fragments make the tool_use input in finalMessage()', async () => {
    const ask = 'Stream get_weather for Oslo';
    const stream = new Anthropic({ apiKey: KEY, baseURL: BASE, maxRetries: 0 }).messages.stream({
      model: 'echo', max_tokens: 200, tools: [WEATHER], messages: user(ask) });
    const types = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const m = await stream.finalMessage();
    eq(m.stop_reason, 'tool_use', 'stop_reason');
    eq(JSON.stringify(m.content), JSON.stringify([{ type: 'tool_use', id: 'call_echo_0', name: 'get_weather', input: { city: ask } }]), 'content');
    eq(types[0], 'message_start', 'first event');
    eq(types[types.length - 1], 'message_stop', 'last event');
    expect(types.includes('content_block_start') && types.includes('content_block_delta') && types.includes('message_delta'),
      `events: ${show(types)}`);
  });

  check('anthropic 1.14.0 messages.create on an OpenAI upstream (gpt-4o-mini): translated there and back', async () => {
    const m = await new Anthropic({ apiKey: KEY, baseURL: BASE, maxRetries: 0 }).messages.create({
      model: 'gpt-4o-mini', max_tokens: 32, system: 'Be brief.', messages: user('translate me') });
    eq(JSON.stringify(m.content), JSON.stringify([{ type: 'text', text: 'chat answer to "translate me" from openai' }]), 'content');
    eq(m.model, 'gpt-4o-mini', 'model');
    eq(m.stop_reason, 'end_turn', 'stop_reason');
    const r = await one('openai', '/v1/chat/completions');
    const sent = r.json;
    eq(JSON.stringify(sent.messages), JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'translate me' }]),
      'the messages the OpenAI upstream got');
  });

  for (const [version, client] of SDKS) {
    check(`anthropic ${version} messages.countTokens -> input_tokens, more with a system prompt and tools`, async () => {
      const base = await client().messages.countTokens({ model: 'echo', messages: user('How many tokens is this?') });
      expect(Number.isInteger(base.input_tokens) && base.input_tokens > 0, `input_tokens: ${show(base)}`);
      const more = await client().messages.countTokens({ model: 'echo', system: 'You are a careful assistant.', tools: [WEATHER],
        messages: user('How many tokens is this?') });
      expect(more.input_tokens > base.input_tokens, `with system and tools: ${more.input_tokens}, without: ${base.input_tokens}`);
      await nothingUpstream();
    });

    check(`anthropic ${version} a wrong key -> AuthenticationError 401, Anthropic's error body, requestID`, async () => {
      const Sdk = version === '1.14.0' ? Anthropic : AnthropicV0;
      const e = await refused(() => client(WRONG_KEY).messages.create({ model: 'echo', max_tokens: 8, messages: user('hi') }));
      expect(e instanceof Sdk.AuthenticationError, `not an AuthenticationError: ${errorText(e)}`);
      eq(e.status, 401, 'status');
      eq(e.error && e.error.type, 'error', `body type: ${show(e.error)}`);
      eq(e.error.error && e.error.error.type, 'authentication_error', 'error.type');
      eq(e.error.error.message, 'Invalid API key.', 'error.message');
      expect(REQUEST_ID.test(e.requestID), `requestID: ${show(e.requestID)}`);
      eq(e.error.request_id, e.requestID, 'request_id in the body');
      await nothingUpstream();
    });
  }

  check('anthropic 1.14.0 no max_tokens -> BadRequestError 400 naming it; an unknown model -> 400 saying so', async () => {
    const c = new Anthropic({ apiKey: KEY, baseURL: BASE, maxRetries: 0 });
    const e = await refused(() => c.post('/v1/messages', { body: { model: 'echo', messages: user('hi') } }));
    expect(e instanceof Anthropic.BadRequestError, `not a BadRequestError: ${errorText(e)}`);
    eq(e.error.error.type, 'invalid_request_error', 'error.type');
    eq(e.error.error.message, "Missing required parameter: 'max_tokens'.", 'error.message');
    const u = await refused(() => c.messages.create({ model: 'no-such-model', max_tokens: 8, messages: user('hi') }));
    expect(u instanceof Anthropic.BadRequestError, `not a BadRequestError: ${errorText(u)}`);
    expect(u.error.error.message.includes("'no-such-model'"), `message: ${show(u.error)}`);
    await nothingUpstream();
  });

  // Claude Code 2.1.332 sends a system message inside `messages` right after the user turn
  // (Anthropic's mid-conversation system messages), adaptive thinking, context_management and
  // output_config, on /v1/messages?beta=true with x-api-key and anthropic-version 2023-06-01.
  const claudeCode = async (model, prompt) => {
    const claude = process.env.TOLLGATE_CLAUDE_CODE;
    if (!claude) throw new Skipped(process.env.TOLLGATE_CLAUDE_CODE_SKIPPED || 'TOLLGATE_CLAUDE_CODE is not set');
    return runAgent(claude, ['-p', prompt, '--model', model], {
      ANTHROPIC_BASE_URL: BASE, ANTHROPIC_API_KEY: KEY,
      // Nothing but the model calls: no update check, telemetry or error reporting (the machine is offline).
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1',
    });
  };

  check('claude code 2.1.332: claude -p with only ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY set -> the echo model\'s answer, exit 0', async () => {
    const out = await claudeCode('echo', 'say hello through tollgate');
    expect(out.startsWith('Echo: '), `not the echo model's answer: ${show(out.slice(0, 400))}`);
    expect(out.endsWith('say hello through tollgate'), `the prompt is not the end of the answer: ${show(out.slice(-400))}`);
    await nothingUpstream();
  });

  // The agent loop: the echo model calls the tools named in the user's text (Read, with the whole
  // text as its file_path); Claude Code runs it (it fails: no such file), sends the tool_result,
  // and the echo model answers it. Two requests, a streamed tool_use and a tool_result turn.
  check('claude code 2.1.332: claude -p naming its Read tool -> a streamed tool_use, Claude Code runs it, its tool_result answered', async () => {
    const out = await claudeCode('echo', 'please Read it');
    expect(out.startsWith('Echo: tool result: '), `not the echo model's answer to a tool result: ${show(out.slice(0, 400))}`);
    await nothingUpstream();
  });

  check('claude code 2.1.332: claude -p on an OpenAI upstream (gpt-4o-mini) -> its system messages and tools translated, the answer back', async () => {
    const out = await claudeCode('gpt-4o-mini', 'translate claude code');
    expect(out.startsWith('chat answer to "') && out.endsWith('" from openai') && out.includes('translate claude code'),
      `not the fake OpenAI's answer to the prompt: ${show(out.slice(0, 300))} … ${show(out.slice(-200))}`);
    const sent = (await one('openai', '/v1/chat/completions')).json;
    const roles = sent.messages.map((m) => m.role);
    eq(roles[0], 'system', `the first message's role (Claude Code's system prompt): ${show(roles)}`);
    expect(roles.indexOf('system', 1) > roles.indexOf('user'), `no system message after the user turn (its mid-conversation one): ${show(roles)}`);
    expect(sent.tools.length > 0 && sent.tools.every((t) => t.type === 'function'), `tools: ${show(sent.tools.map((t) => t.type))}`);
    eq(sent.stream, true, 'stream');
  });
}

// OpenAI's Responses API (issue 14, POST /v1/responses) through the OpenAI JS SDK, as a user
// would write it: responses.create (the SDK's output_text), responses.stream (its own checks of
// the event order: response.created first, output_index and content_index appended in order,
// every delta's item_id the item's id; finalResponse), a function tool turn continued with
// previous_response_id and a function_call_output, responses.retrieve and responses.delete, and
// another key's response id refused. sdk-test.mjs registers these checks with responsesChecks(t).
//
// The model is mostly the offline echo provider (provider/echo/EchoReply): it answers
// "Echo: <the last user text>", calls every declared tool named in the user's text, and answers
// a tool result with "Echo: tool result: <the result>"; so every answer is known. One check uses
// gpt-4o-mini on the fake OpenAI upstream, to see the chat request the translation sent.
//
// And Codex itself, the program (TOLLGATE_CODEX, its node launcher, installed by scripts/sdk;
// skipped with TOLLGATE_CODEX_SKIPPED's reason where it could not be), as `codex exec` with a
// model provider whose base_url is the gateway's /v1 and wire_api "responses".

const EXT = 'tollgate'; // server.extension_field's default
const RESP_ID = /^resp_[0-9a-f]{32}$/;

export function responsesChecks(t) {
  const { check, expect, eq, show, one, openai, KEY, OTHER_KEY, refused, errorText, nothingUpstream, BASE, Skipped, runAgent } = t;

  check('openai responses.create (output_text, usage, parameters echoed; instructions and max_output_tokens on the upstream chat request)', async () => {
    const r = await openai().responses.create({ model: 'echo', input: 'hello responses', instructions: 'Be brief.',
      max_output_tokens: 100, temperature: 0.5, metadata: { ticket: 'T-1' } });
    expect(RESP_ID.test(r.id), `id: ${show(r.id)}`);
    eq(r.object, 'response', 'object');
    eq(r.status, 'completed', 'status');
    eq(r.output_text, 'Echo: hello responses', 'output_text');
    eq(r.output.length, 1, 'output items');
    expect(/^msg_[0-9a-f]{32}$/.test(r.output[0].id), `message id: ${show(r.output[0].id)}`);
    eq(r.instructions, 'Be brief.', 'instructions echoed');
    eq(r.max_output_tokens, 100, 'max_output_tokens echoed');
    eq(r.temperature, 0.5, 'temperature echoed');
    eq(r.metadata.ticket, 'T-1', 'metadata echoed');
    eq(r.store, true, 'store (default true)');
    eq(r.truncation, 'disabled', 'truncation');
    expect(r.usage && r.usage.input_tokens > 0 && r.usage.output_tokens > 0, `usage: ${show(r.usage)}`);
    eq(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens, 'usage.total_tokens');
    expect(r[EXT] && typeof r[EXT].request_id === 'string', `the extension object: ${show(r[EXT])}`);

    const up = await openai().responses.create({ model: 'gpt-4o-mini', input: 'to the upstream', instructions: 'Be brief.',
      max_output_tokens: 50 });
    eq(up.output_text, 'chat answer to "to the upstream" from openai', 'output_text from the fake OpenAI upstream');
    const sent = (await one('openai', '/v1/chat/completions')).json;
    eq(JSON.stringify(sent.messages), JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'to the upstream' }]),
      'messages the upstream got');
    eq(sent.max_completion_tokens, 50, 'max_completion_tokens the upstream got');
  });

  check('openai responses.stream (the SDK\'s event checks, event order, finalResponse) and retrieve/delete', async () => {
    const stream = openai().responses.stream({ model: 'echo', input: 'stream these words please' });
    const types = [];
    let seq = -1, text = '';
    for await (const e of stream) {
      types.push(e.type);
      eq(e.sequence_number, seq + 1, `sequence_number of ${e.type}`);
      seq = e.sequence_number;
      if (e.type === 'response.output_text.delta') text += e.delta;
    }
    const final = await stream.finalResponse();
    eq(final.output_text, 'Echo: stream these words please', 'finalResponse().output_text');
    eq(text, final.output_text, 'the deltas joined');
    const deltas = types.filter((x) => x === 'response.output_text.delta').length;
    expect(deltas >= 2, `text deltas: ${deltas}`);
    const want = ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      ...Array(deltas).fill('response.output_text.delta'), 'response.output_text.done', 'response.content_part.done',
      'response.output_item.done', 'response.completed'];
    eq(types.join(','), want.join(','), 'event order');
    eq(final.status, 'completed', 'status');
    expect(final.usage && final.usage.output_tokens > 0, `usage: ${show(final.usage)}`);

    const got = await openai().responses.retrieve(final.id);
    eq(got.id, final.id, 'retrieve: id');
    eq(got.output_text, final.output_text, 'retrieve: output_text');
    const other = await refused(() => openai(OTHER_KEY).responses.retrieve(final.id));
    eq(other.status, 404, `another key's retrieve: ${errorText(other)}`);
    await openai().responses.delete(final.id);
    const gone = await refused(() => openai().responses.retrieve(final.id));
    eq(gone.status, 404, `retrieve after delete: ${errorText(gone)}`);
  });

  check('openai responses function tool turn: function_call, then function_call_output with previous_response_id (streamed)', async () => {
    const tools = [{ type: 'function', name: 'get_weather', description: 'The weather in a city', strict: true,
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } }];
    const first = await openai().responses.create({ model: 'echo', input: 'Please get_weather for Oslo', tools });
    eq(first.output.length, 1, `output items: ${show(first.output)}`);
    const call = first.output[0];
    eq(call.type, 'function_call', 'item type');
    eq(call.name, 'get_weather', 'function name');
    expect(/^fc_[0-9a-f]{32}$/.test(call.id) && typeof call.call_id === 'string' && call.call_id.length > 0, `ids: ${show(call)}`);
    eq(JSON.parse(call.arguments).city, 'Please get_weather for Oslo', 'arguments');

    const stream = openai().responses.stream({ model: 'echo', previous_response_id: first.id, tools,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' }] });
    const final = await stream.finalResponse();
    eq(final.output_text, 'Echo: tool result: sunny, 21 C', 'the answer to the tool result');
    eq(final.previous_response_id, first.id, 'previous_response_id echoed');

    const e = await refused(() => openai(OTHER_KEY).responses.create({ model: 'echo', previous_response_id: first.id, input: 'hi' }));
    eq(e.status, 400, `another key's previous_response_id: ${errorText(e)}`);
    eq(e.code, 'previous_response_not_found', 'error code');
  });

  // `codex exec PROMPT` on MODEL through the gateway; its stdout is the last answer.
  const codex = async (model, prompt) => {
    const js = process.env.TOLLGATE_CODEX;
    if (!js) throw new Skipped(process.env.TOLLGATE_CODEX_SKIPPED || 'TOLLGATE_CODEX is not set');
    return runAgent(process.execPath, [js, 'exec', '--skip-git-repo-check', '-m', model,
      '-c', 'model_providers.tollgate.name="tollgate"', '-c', `model_providers.tollgate.base_url="${BASE}/v1"`,
      '-c', 'model_providers.tollgate.env_key="TOLLGATE_KEY"', '-c', 'model_providers.tollgate.wire_api="responses"',
      '-c', 'model_provider="tollgate"', prompt], { TOLLGATE_KEY: KEY });
  };

  // Codex 0.171.0 sends developer messages, function tools, a namespace of them, web_search and
  // client_metadata, streamed, with store false.
  check('codex 0.171.0: codex exec on the gateway (wire_api responses) -> the echo model\'s answer, exit 0', async () => {
    eq(await codex('echo', 'say hello through tollgate'), 'Echo: say hello through tollgate', 'the answer');
    await nothingUpstream();
  });

  // The agent loop: the echo model calls exec_command with the user's text as the command;
  // Codex runs it ("please" is no command) and sends the function_call_output, which the echo
  // model answers.
  check('codex 0.171.0: codex exec naming exec_command -> a streamed function_call, Codex runs it, its output answered', async () => {
    const out = await codex('echo', 'please exec_command');
    expect(out.startsWith('Echo: tool result: '), `not the echo model's answer to a tool result: ${show(out.slice(0, 400))}`);
    await nothingUpstream();
  });

  check('codex 0.171.0: codex exec on an OpenAI upstream (gpt-4o-mini) -> its namespace tools flattened, web_search left out, the answer back', async () => {
    const out = await codex('gpt-4o-mini', 'translate codex');
    expect(out.startsWith('chat answer to "') && out.endsWith('" from openai') && out.includes('translate codex'),
      `not the fake OpenAI's answer to the prompt: ${show(out.slice(0, 300))}`);
    const sent = (await one('openai', '/v1/chat/completions')).json;
    const names = sent.tools.map((x) => x.function && x.function.name);
    expect(names.includes('exec_command') && names.includes('spawn_agent'), `functions the upstream got: ${show(names)}`);
    expect(sent.tools.every((x) => x.type === 'function'), `tool types: ${show(sent.tools.map((x) => x.type))}`);
    eq(sent.messages[0].role, 'developer', `the first message's role (Codex's instructions): ${show(sent.messages.map((m) => m.role))}`);
  });
}

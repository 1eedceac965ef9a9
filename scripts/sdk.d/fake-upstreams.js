// Fake upstreams for scripts/sdk: a Mistral, an OpenAI and a Deepgram on 127.0.0.1, each on a
// port of its own, plus a control port from which the test reads what they received. Node, and
// the `ws` package for the OpenAI Realtime endpoint. Each fake checks its provider key the way
// the real service does (Mistral and OpenAI: "Authorization: Bearer <key>"; Deepgram:
// "Authorization: Token <key>") and answers 401 otherwise, so a gateway that forwards the
// client's key, or none, is caught. The fake Mistral also takes the client's own key of the
// bring-your-own-key check (BYOK below).
//
//   node fake-upstreams.js     (from a directory whose node_modules holds ws; scripts/sdk does so)
//
// Prints one JSON line {"event":"listening","mistral":P,"openai":P,"deepgram":P,"tools":P,"control":P}.
//
// Mistral   POST /v1/fim/completions      {model,prompt,suffix,max_tokens,stream}; the answer text
//                                         is fimText(prompt, suffix); stream: SSE chunks + [DONE]
// OpenAI    POST /v1/completions          legacy text completion; text = completionText(prompt,
//                                         suffix) (non-stream: n choices, echo, logprobs);
//                                         stream: SSE chunks, a usage chunk, [DONE]
//           POST /v1/chat/completions     chat; content = chatText(last user message); stream too
//           POST /v1/audio/transcriptions multipart (file, model, response_format, language, ...):
//           POST /v1/audio/translations   transcript "hello from openai <sha256(file)[0:8]>", in
//                                         json, text, srt, vtt or verbose_json (segments, words)
//           POST /v1/audio/speech         {model,input,voice,response_format}: speechBytes(input)
//           POST /v1/embeddings           {model,input,encoding_format,dimensions}: one vector per
//                                         input, fakeEmbedding(input as text, dimensions or 8), as
//                                         floats or (encoding_format base64) little-endian float32
//                                         in base64; usage.prompt_tokens = 2 per input
//           GET  /v1/realtime?model=M     WebSocket (OpenAI Realtime API, GA; beta events when the
//                                         handshake has OpenAI-Beta: realtime=v1): session.created
//                                         on open; session.update -> session.updated (the session
//                                         merged); input_audio_buffer.append/commit/clear;
//                                         response.create -> response.created, audio deltas of
//                                         realtimeAudio(committed audio), response.done; a binary
//                                         message is sent back as it came; anything else -> an
//                                         `error` event. A model starting "refuse" gets 403 at the
//                                         handshake. What it got and sent is recorded (ws below).
// Deepgram  POST /v1/listen               raw audio (any content-type) or JSON {"url"}; query
//                                         model, smart_format, ...; transcript "hello from
//                                         deepgram <sha256(audio or url)[0:8]>" with word timings
//           POST /v1/speak                {"text"}, query model/encoding/...: speechBytes(text)
// Tools     POST /lookup                  the endpoint of an `http` gateway tool (issue 12): the
//                                         gateway POSTs the model's arguments as JSON; the answer is
//                                         lookupAnswer(query), recorded as sent_text
//           POST /transfer                another (the config marks it requires_approval):
//                                         transferAnswer(memo)
//           (both take "Authorization: Bearer <tool key>", the header the config gives the tools)
// Control   GET  /requests                every request received so far, in order: {seq,
//                                         provider, method, path, query, headers, json | text |
//                                         multipart | body_sha256+body_length, status, and for
//                                         audio answers sent_b64; for a realtime session ws:
//                                         {received: [text | {binary_sha256, binary_length}],
//                                         sent: [text | {binary_sha256, binary_length}],
//                                         close: {code, reason} | null})
//           POST /realtime/close?seq=N&code=C&reason=R   the fake closes realtime session N
//
// Audio answers are a few tens of KiB holding every byte value, derived from the text asked for,
// so bytes lost, added or re-encoded on the way are seen by comparing with sent_b64.
'use strict';
const http = require('http');
const crypto = require('crypto');
const { WebSocketServer } = require('ws');

const KEYS = {
  mistral: 'Bearer upstream-mistral-key-000000',
  openai: 'Bearer upstream-openai-key-0000000',
  deepgram: 'Token upstream-deepgram-key-00000',
  tools: 'Bearer tool-endpoint-key-000000000',
};
// A client's own Mistral key (bring-your-own-key, sent to the gateway as X-Provider-Key).
const BYOK = 'Bearer byok-mistral-key-from-the-client-1234';
const created = 1700000000;
const log = [];

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const fimText = (prompt, suffix) => `FIM<${prompt.length}|${(suffix || '').length}> middle from mistral`;
const completionText = (prompt, suffix) =>
  suffix ? `FIM<${prompt.length}|${suffix.length}> middle from openai` : ` completion of "${prompt}" from openai`;
const chatText = (last) => `chat answer to "${last}" from openai`;
const lookupAnswer = (query) => JSON.stringify({ query, answer: `lookup ${sha(query).slice(0, 8)}` });
const transferAnswer = (memo) => JSON.stringify({ status: 'transferred', ref: `tr_${sha(memo).slice(0, 8)}` });

function speechBytes(text) { // deterministic, every byte value, length depends on the text
  const n = 40000 + (Buffer.byteLength(text) * 37) % 9000;
  const out = Buffer.alloc(n);
  let seed = crypto.createHash('sha256').update(text).digest();
  for (let i = 0; i < n; i += 32) {
    seed = crypto.createHash('sha256').update(seed).digest();
    seed.copy(out, i, 0, Math.min(32, n - i));
  }
  for (let i = 0; i < 256 && i < n; i++) out[i] = i; // every byte value up front, 0x00..0xff
  return out;
}

// The words of a transcript with timings: word i spans [0.5 i, 0.5 i + 0.4] seconds.
function words(transcript) {
  return transcript.split(' ').map((w, i) => ({ word: w, start: i * 0.5, end: i * 0.5 + 0.4 }));
}
function ts(sec, sep) {
  const ms = Math.round(sec * 1000);
  const p = (v, n) => String(v).padStart(n, '0');
  return `${p(Math.floor(ms / 3600000), 2)}:${p(Math.floor(ms / 60000) % 60, 2)}:${p(Math.floor(ms / 1000) % 60, 2)}${sep}${p(ms % 1000, 3)}`;
}

// ------------------------------------------------------------------ multipart (RFC 7578)
function parseMultipart(body, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || '');
  if (!m) return { error: 'no boundary in content-type' };
  const delim = Buffer.from('--' + (m[1] || m[2]));
  const parts = [];
  let pos = body.indexOf(delim);
  if (pos < 0) return { error: 'no first boundary' };
  for (;;) {
    pos += delim.length;
    if (body.slice(pos, pos + 2).toString() === '--') break;
    pos += 2; // CRLF
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) return { error: 'truncated part headers' };
    const head = body.slice(pos, headEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) return { error: 'truncated part' };
    const content = body.slice(headEnd + 4, next);
    const headers = {};
    for (const line of head.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const cd = headers['content-disposition'] || '';
    const name = (/\bname="([^"]*)"/.exec(cd) || [])[1];
    const filename = (/\bfilename="([^"]*)"/.exec(cd) || [])[1];
    parts.push({ name, filename, type: headers['content-type'], content });
    pos = next + 2;
  }
  const fields = {};
  const files = [];
  for (const p of parts) {
    if (p.filename !== undefined) {
      files.push({ name: p.name, filename: p.filename, type: p.type || null, sha256: sha(p.content), length: p.content.length });
    } else {
      const v = p.content.toString('utf8');
      if (fields[p.name] === undefined) fields[p.name] = v;
      else fields[p.name] = [].concat(fields[p.name], v);
    }
  }
  return { fields, files, parts };
}

// ------------------------------------------------------------------ helpers
function send(res, rec, status, type, body, extra) {
  rec.status = status;
  const b = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, Object.assign({ 'content-type': type, 'content-length': b.length }, extra || {}));
  res.end(b);
}
const json = (res, rec, status, obj) => send(res, rec, status, 'application/json', obj);
function sse(res, rec, events) {
  rec.status = 200;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) res.write(`data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
  res.end();
}
function pieces(text) { // the text in 3 to 4 pieces, whole at the end
  const n = Math.max(1, Math.ceil(text.length / 3));
  const out = [];
  for (let i = 0; i < text.length; i += n) out.push(text.slice(i, i + n));
  return out;
}
function error(res, rec, status, message, type) {
  json(res, rec, status, { error: { message, type: type || 'invalid_request_error', code: null } });
}

// ------------------------------------------------------------------ Mistral
function mistral(req, res, rec) {
  if (req.method !== 'POST' || rec.path !== '/v1/fim/completions') return error(res, rec, 404, `no route ${req.method} ${rec.path}`);
  const b = rec.json;
  if (!b || typeof b.prompt !== 'string' || typeof b.model !== 'string') return json(res, rec, 422, { detail: 'prompt and model are required' });
  const text = fimText(b.prompt, b.suffix);
  const id = 'cmpl-fake-mistral';
  const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
  if (b.stream) {
    const ev = pieces(text).map((t, i) => ({ id, object: 'chat.completion.chunk', created, model: b.model,
      choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: t } : { content: t }, finish_reason: null }] }));
    ev.push({ id, object: 'chat.completion.chunk', created, model: b.model,
      choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop' }], usage });
    ev.push('[DONE]');
    return sse(res, rec, ev);
  }
  json(res, rec, 200, { id, object: 'chat.completion', created, model: b.model, usage,
    choices: [{ index: 0, message: { role: 'assistant', content: text, tool_calls: null }, finish_reason: 'stop' }] });
}

// ------------------------------------------------------------------ OpenAI
function openaiTranscript(file) {
  return `hello from openai ${file.sha256.slice(0, 8)}`;
}
function transcriptionAnswer(res, rec, format, text, language, translate) {
  const w = words(text);
  const segs = [{ id: 0, seek: 0, start: 0, end: w[w.length - 1].end, text, tokens: [1, 2, 3], temperature: 0,
    avg_logprob: -0.1, compression_ratio: 1, no_speech_prob: 0.01 }];
  switch (format || 'json') {
    case 'json': return json(res, rec, 200, { text, usage: { type: 'duration', seconds: 2 } });
    case 'text': return send(res, rec, 200, 'text/plain; charset=utf-8', text + '\n');
    case 'srt': return send(res, rec, 200, 'text/plain; charset=utf-8',
      `1\n${ts(0, ',')} --> ${ts(segs[0].end, ',')}\n${text}\n\n`);
    case 'vtt': return send(res, rec, 200, 'text/plain; charset=utf-8',
      `WEBVTT\n\n${ts(0, '.')} --> ${ts(segs[0].end, '.')}\n${text}\n\n`);
    case 'verbose_json': return json(res, rec, 200, { task: translate ? 'translate' : 'transcribe',
      language: translate ? 'english' : (language || 'english'), duration: w[w.length - 1].end, text, segments: segs, words: w });
    default: return error(res, rec, 400, `response_format ${format} is not supported`);
  }
}
// An embedding derived from the text: dims float32 values k/128 - 1 from the bytes of its SHA-256
// (exact in float32 and in JSON, so every encoding on the way must keep them bit for bit).
function fakeEmbedding(text, dims) {
  const h = crypto.createHash('sha256').update(text).digest();
  const v = [];
  for (let j = 0; j < dims; j++) v.push(h[j % h.length] / 128 - 1);
  return v;
}
function embeddingsAnswer(res, rec, b) {
  const inputs = typeof b.input === 'string' ? [b.input] : b.input;
  if (!Array.isArray(inputs) || inputs.length === 0) return error(res, rec, 400, 'input is required', 'invalid_request_error');
  const items = typeof inputs[0] === 'number' ? [inputs] : inputs; // one token array
  const dims = Number.isInteger(b.dimensions) ? b.dimensions : 8;
  const data = items.map((x, index) => {
    const v = fakeEmbedding(typeof x === 'string' ? x : JSON.stringify(x), dims);
    const embedding = b.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
    return { object: 'embedding', index, embedding };
  });
  return json(res, rec, 200, { object: 'list', data, model: b.model, usage: { prompt_tokens: 2 * items.length, total_tokens: 2 * items.length } });
}
function openai(req, res, rec) {
  const p = rec.path;
  if (req.method !== 'POST') return error(res, rec, 404, `no route ${req.method} ${p}`);
  if (p === '/v1/audio/transcriptions' || p === '/v1/audio/translations') {
    const mp = rec.multipart;
    if (!mp || mp.error) return error(res, rec, 400, `bad multipart: ${mp ? mp.error : 'not multipart'}`);
    if (mp.files.length !== 1 || mp.files[0].name !== 'file') return error(res, rec, 400, 'expected exactly one file field "file"');
    if (!mp.fields.model) return error(res, rec, 400, 'model is required');
    return transcriptionAnswer(res, rec, mp.fields.response_format, openaiTranscript(mp.files[0]), mp.fields.language,
      p.endsWith('translations'));
  }
  const b = rec.json;
  if (!b || typeof b.model !== 'string') return error(res, rec, 400, 'a JSON body with model is required');
  if (p === '/v1/audio/speech') {
    if (typeof b.input !== 'string') return error(res, rec, 400, 'input is required');
    const audio = speechBytes(b.input);
    rec.sent_b64 = audio.toString('base64');
    const types = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };
    return send(res, rec, 200, types[b.response_format || 'mp3'] || 'application/octet-stream', audio);
  }
  if (p === '/v1/embeddings') return embeddingsAnswer(res, rec, b);
  const usage = { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 };
  if (p === '/v1/completions') {
    const prompt = Array.isArray(b.prompt) ? b.prompt.join('') : b.prompt;
    if (typeof prompt !== 'string') return error(res, rec, 400, 'prompt is required');
    const text = completionText(prompt, b.suffix);
    const id = 'cmpl-fake-openai';
    if (b.stream) {
      const ev = pieces(text).map((t) => ({ id, object: 'text_completion', created, model: b.model,
        choices: [{ index: 0, text: t, logprobs: null, finish_reason: null }] }));
      ev.push({ id, object: 'text_completion', created, model: b.model, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] });
      if (b.stream_options && b.stream_options.include_usage) ev.push({ id, object: 'text_completion', created, model: b.model, choices: [], usage });
      ev.push('[DONE]');
      return sse(res, rec, ev);
    }
    // n choices; echo: the prompt first; logprobs: a token list for the text.
    const n = Number.isInteger(b.n) && b.n > 0 ? b.n : 1;
    const full = b.echo ? prompt + text : text;
    const logprobs = b.logprobs == null ? null
      : { tokens: [full], token_logprobs: [-0.25], top_logprobs: [{ [full]: -0.25 }], text_offset: [0] };
    const choices = [];
    for (let i = 0; i < n; i++) choices.push({ index: i, text: full, logprobs, finish_reason: 'stop' });
    return json(res, rec, 200, { id, object: 'text_completion', created, model: b.model, choices, usage });
  }
  if (p === '/v1/chat/completions') {
    const msgs = Array.isArray(b.messages) ? b.messages : [];
    const last = msgs.filter((m) => m.role === 'user').pop();
    if (!last) return error(res, rec, 400, 'messages must hold a user message');
    const text = chatText(typeof last.content === 'string' ? last.content : JSON.stringify(last.content));
    const id = 'chatcmpl-fake-openai';
    if (b.stream) {
      const ev = pieces(text).map((t, i) => ({ id, object: 'chat.completion.chunk', created, model: b.model,
        choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: t } : { content: t }, logprobs: null, finish_reason: null }] }));
      ev.push({ id, object: 'chat.completion.chunk', created, model: b.model, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
      if (b.stream_options && b.stream_options.include_usage) ev.push({ id, object: 'chat.completion.chunk', created, model: b.model, choices: [], usage });
      ev.push('[DONE]');
      return sse(res, rec, ev);
    }
    return json(res, rec, 200, { id, object: 'chat.completion', created, model: b.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }], usage });
  }
  error(res, rec, 404, `no route POST ${p}`);
}

// ------------------------------------------------------------------ Deepgram
function deepgram(req, res, rec) {
  const p = rec.path;
  const err = (status, msg) => json(res, rec, status, { err_code: 'Bad Request', err_msg: msg, request_id: 'fake' });
  if (req.method !== 'POST') return err(404, `no route ${req.method} ${p}`);
  if (p === '/v1/listen') {
    let source;
    const type = (req.headers['content-type'] || '').toLowerCase();
    if (type.startsWith('application/json')) {
      if (!rec.json || typeof rec.json.url !== 'string') return err(400, 'JSON body needs "url"');
      source = rec.json.url;
    } else {
      if (!rec.raw.length) return err(400, 'empty audio');
      source = rec.raw;
    }
    const transcript = `hello from deepgram ${sha(source).slice(0, 8)}`;
    const w = words(transcript).map((x) => Object.assign(x, { confidence: 0.99, punctuated_word: x.word }));
    const duration = w[w.length - 1].end;
    return json(res, rec, 200, {
      metadata: { transaction_key: 'deprecated', request_id: 'fake-request-id', sha256: sha(source), created: '2026-01-01T00:00:00.000Z',
        duration, channels: 1, models: ['fake-model-uuid'], model_info: { 'fake-model-uuid': { name: rec.query.model || 'general', version: '1', arch: 'fake' } } },
      results: { channels: [{ alternatives: [{ transcript, confidence: 0.99, words: w }] }] },
    });
  }
  if (p === '/v1/speak') {
    if (!rec.json || typeof rec.json.text !== 'string') return err(400, 'JSON body needs "text"');
    const audio = speechBytes(rec.json.text);
    rec.sent_b64 = audio.toString('base64');
    return send(res, rec, 200, 'audio/mpeg', audio, { 'dg-model-name': rec.query.model || 'aura-asteria-en', 'dg-char-count': String(rec.json.text.length) });
  }
  err(404, `no route POST ${p}`);
}

// ------------------------------------------------------------------ gateway tools' endpoints
// What an http tool's endpoint sees: the arguments the model gave, as a JSON object.
function tools(req, res, rec) {
  const p = rec.path;
  if (req.method !== 'POST') return error(res, rec, 405, `no route ${req.method} ${p}`);
  const b = rec.json;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return error(res, rec, 400, 'expected the arguments as a JSON object');
  let text;
  if (p === '/lookup' && typeof b.query === 'string') text = lookupAnswer(b.query);
  else if (p === '/transfer' && typeof b.memo === 'string') text = transferAnswer(b.memo);
  else return error(res, rec, p === '/lookup' || p === '/transfer' ? 400 : 404, `no route POST ${p} for ${JSON.stringify(b)}`);
  rec.sent_text = text;
  send(res, rec, 200, 'application/json', text);
}

// ------------------------------------------------------------------ OpenAI Realtime (WebSocket)
// The events and their fields as openai-node 6.x types them (src/resources/realtime/realtime.ts;
// beta: src/resources/beta/realtime/realtime.ts).
const REALTIME_CHUNK = 4800; // bytes of PCM16 per audio delta: 100 ms at 24 kHz mono
const REALTIME_MAX_MESSAGE = 16 * 1024 * 1024; // bytes; OpenAI takes up to 15 MiB per append
const realtimeSessions = new Map(); // seq -> the fake's WebSocket, for POST /realtime/close

// The audio of a response: speechBytes of the committed audio's hash, cut to whole samples.
function realtimeAudio(audio) {
  const a = speechBytes(`realtime ${sha(audio)}`);
  return a.subarray(0, a.length - (a.length % 2));
}
function realtimeSession(model, beta) {
  const vad = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200 };
  if (beta) {
    return { id: 'sess_fake', object: 'realtime.session', model, modalities: ['audio', 'text'], instructions: '',
      voice: 'alloy', input_audio_format: 'pcm16', output_audio_format: 'pcm16', turn_detection: vad,
      input_audio_transcription: null, tools: [], tool_choice: 'auto', temperature: 0.8, max_response_output_tokens: 'inf' };
  }
  const pcm = { type: 'audio/pcm', rate: 24000 };
  return { type: 'realtime', object: 'realtime.session', id: 'sess_fake', model, output_modalities: ['audio'], instructions: '',
    audio: { input: { format: pcm, transcription: null, noise_reduction: null, turn_detection: vad },
      output: { format: pcm, voice: 'alloy', speed: 1 } },
    tools: [], tool_choice: 'auto', max_output_tokens: 'inf', tracing: null, prompt: null, expires_at: created + 3600 };
}
function merge(into, from) { // session.update: objects merged key by key, anything else replaced
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && into[k] && typeof into[k] === 'object' && !Array.isArray(into[k])) merge(into[k], v);
    else into[k] = v;
  }
  return into;
}
const binaryRecord = (b) => ({ binary_sha256: sha(b), binary_length: b.length });

function realtimeConversation(ws, rec, model, beta) {
  const session = realtimeSession(model, beta);
  let seq = 0, buffer = [], committed = null, items = 0, responses = 0;
  const id = (kind) => `${kind}_fake_${++seq}`;
  const emit = (event) => {
    const text = JSON.stringify(Object.assign({ type: event.type, event_id: id('event') }, event));
    rec.ws.sent.push(text);
    ws.send(text);
  };
  const fail = (code, message, param, eventId) => emit({ type: 'error',
    error: { type: 'invalid_request_error', code, message, param: param || null, event_id: eventId || null } });
  emit({ type: 'session.created', session });
  ws.on('message', (data, isBinary) => {
    if (isBinary) { // not OpenAI's protocol; sent back so a relay's binary path is seen both ways
      rec.ws.received.push(binaryRecord(data));
      rec.ws.sent.push(binaryRecord(data));
      return ws.send(data, { binary: true });
    }
    const text = data.toString('utf8');
    rec.ws.received.push(text);
    let ev;
    try { ev = JSON.parse(text); } catch (e) { return fail('invalid_json', `The event is not valid JSON: ${e.message}`); }
    const eid = ev && ev.event_id;
    switch (ev && ev.type) {
      case 'session.update':
        if (!ev.session || typeof ev.session !== 'object') return fail('missing_required_parameter', 'Missing required parameter: \'session\'.', 'session', eid);
        merge(session, ev.session);
        return emit({ type: 'session.updated', session });
      case 'input_audio_buffer.append':
        if (typeof ev.audio !== 'string') return fail('missing_required_parameter', 'Missing required parameter: \'audio\'.', 'audio', eid);
        buffer.push(Buffer.from(ev.audio, 'base64'));
        return undefined; // OpenAI does not acknowledge appends
      case 'input_audio_buffer.clear':
        buffer = [];
        return emit({ type: 'input_audio_buffer.cleared' });
      case 'input_audio_buffer.commit': {
        const audio = Buffer.concat(buffer);
        if (audio.length === 0) return fail('input_audio_buffer_commit_empty', 'Error committing input audio buffer: buffer is empty.', null, eid);
        buffer = [];
        committed = audio;
        return emit({ type: 'input_audio_buffer.committed', previous_item_id: null, item_id: `item_fake_${++items}` });
      }
      case 'response.create': {
        const rid = `resp_fake_${++responses}`, iid = `item_fake_${++items}`;
        const audio = realtimeAudio(committed || Buffer.alloc(0));
        const kind = beta ? 'response.audio' : 'response.output_audio';
        const where = { response_id: rid, item_id: iid, output_index: 0, content_index: 0 };
        const item = { id: iid, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] };
        emit({ type: 'response.created', response: { id: rid, object: 'realtime.response', status: 'in_progress', output: [] } });
        emit({ type: 'response.output_item.added', response_id: rid, output_index: 0, item });
        for (let i = 0; i < audio.length; i += REALTIME_CHUNK) {
          emit(Object.assign({ type: `${kind}.delta` }, where, { delta: audio.subarray(i, i + REALTIME_CHUNK).toString('base64') }));
        }
        emit(Object.assign({ type: `${kind}.done` }, where));
        const done = Object.assign({}, item, { status: 'completed', content: [{ type: beta ? 'audio' : 'output_audio', transcript: '' }] });
        emit({ type: 'response.output_item.done', response_id: rid, output_index: 0, item: done });
        return emit({ type: 'response.done', response: { id: rid, object: 'realtime.response', status: 'completed', output: [done],
          usage: { total_tokens: 30, input_tokens: 10, output_tokens: 20 } } });
      }
      default:
        return fail('invalid_value', `Invalid value: '${ev && ev.type}'. Supported values are: 'session.update', 'input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', 'response.create'.`, 'type', eid);
    }
  });
}

// Upgrades on the fake OpenAI's port: GET /v1/realtime?model=M with the provider key.
function realtime(server, wss) {
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url, 'http://fake');
    const rec = { seq: log.length + 1, provider: 'openai', method: req.method, path: u.pathname,
      query: Object.fromEntries(u.searchParams), headers: req.headers, ws: { received: [], sent: [], close: null } };
    log.push(rec);
    const refuse = (status, message, type) => {
      rec.status = status;
      const b = JSON.stringify({ error: { message, type, code: null, param: null } });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(b)}\r\nconnection: close\r\n\r\n${b}`);
    };
    socket.on('error', () => {});
    if (u.pathname !== '/v1/realtime') return refuse(404, `no WebSocket route ${u.pathname}`, 'invalid_request_error');
    if (req.headers.authorization !== KEYS.openai) return refuse(401, 'Incorrect API key provided (fake upstream).', 'invalid_request_error');
    const model = u.searchParams.get('model');
    if (!model) return refuse(400, 'Missing required parameter: \'model\'.', 'invalid_request_error');
    if (model.startsWith('refuse')) return refuse(403, `The fake refuses model ${model}.`, 'invalid_request_error');
    wss.handleUpgrade(req, socket, head, (ws) => {
      rec.status = 101;
      realtimeSessions.set(rec.seq, ws);
      ws.on('close', (code, reason) => { rec.ws.close = { code, reason: reason.toString('utf8') }; realtimeSessions.delete(rec.seq); });
      ws.on('error', () => {});
      realtimeConversation(ws, rec, model, req.headers['openai-beta'] === 'realtime=v1');
    });
  });
}

// ------------------------------------------------------------------ servers
function fake(provider, handler) {
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const u = new URL(req.url, 'http://fake');
      const rec = { seq: log.length + 1, provider, method: req.method, path: u.pathname,
        query: Object.fromEntries(u.searchParams), headers: req.headers, body_sha256: sha(raw), body_length: raw.length };
      Object.defineProperty(rec, 'raw', { value: raw, enumerable: false });
      const type = (req.headers['content-type'] || '').toLowerCase();
      if (type.startsWith('application/json')) {
        try { rec.json = JSON.parse(raw.toString('utf8')); } catch (e) { rec.json_error = String(e); }
      } else if (type.startsWith('multipart/form-data')) {
        const mp = parseMultipart(raw, req.headers['content-type']);
        rec.multipart = mp.error ? { error: mp.error } : { fields: mp.fields, files: mp.files };
      } else if (type.startsWith('text/')) {
        rec.text = raw.toString('utf8');
      }
      log.push(rec);
      const auth = req.headers.authorization;
      if (auth !== KEYS[provider] && !(provider === 'mistral' && auth === BYOK)) {
        if (provider === 'deepgram') return json(res, rec, 401, { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.', request_id: 'fake' });
        return error(res, rec, 401, 'Incorrect API key provided (fake upstream).', 'authentication_error');
      }
      try {
        handler(req, res, rec);
      } catch (e) {
        error(res, rec, 500, `fake upstream bug: ${e.stack}`, 'server_error');
      }
    });
  });
}

function control() {
  return http.createServer((req, res) => {
    const u = new URL(req.url, 'http://fake');
    if (req.method === 'GET' && u.pathname === '/requests') {
      const b = Buffer.from(JSON.stringify(log));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length });
      return res.end(b);
    }
    if (req.method === 'POST' && u.pathname === '/realtime/close') {
      const ws = realtimeSessions.get(Number(u.searchParams.get('seq')));
      let status = ws ? 204 : 404;
      try {
        if (ws) ws.close(Number(u.searchParams.get('code')), u.searchParams.get('reason') || '');
      } catch (e) {
        status = 400; // a code ws may not send
      }
      res.writeHead(status);
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
}

const servers = { mistral: fake('mistral', mistral), openai: fake('openai', openai), deepgram: fake('deepgram', deepgram),
  tools: fake('tools', tools), control: control() };
realtime(servers.openai, new WebSocketServer({ noServer: true, maxPayload: REALTIME_MAX_MESSAGE }));
const ports = {};
let waiting = Object.keys(servers).length;
for (const [name, s] of Object.entries(servers)) {
  s.keepAliveTimeout = 5000;
  s.listen(0, '127.0.0.1', () => {
    ports[name] = s.address().port;
    if (--waiting === 0) process.stdout.write(JSON.stringify(Object.assign({ event: 'listening' }, ports)) + '\n');
  });
}
process.on('SIGTERM', () => process.exit(0));

// Realtime voice (issue 11) through the gateway, with the clients people use: the `ws` package
// and the OpenAI SDK's realtime clients (openai/realtime/ws, GA; openai/beta/realtime/ws, beta),
// against the gateway's voice listener over wss:// (the SDK always dials wss://: it takes its
// baseURL, appends /realtime and sets the protocol to wss, keeping the port; realtime/internal-base
// buildRealtimeURL). sdk-test.mjs registers these checks with realtimeChecks(t).
//
// The session flow is OpenAI's (Realtime API, GA): session.update, input_audio_buffer.append
// (PCM16, 24 kHz, mono, base64), input_audio_buffer.commit, response.create, then audio deltas
// and response.done. On the fake OpenAI (fake-upstreams.js) every event the fake sent must reach
// the client unchanged and in order, and every event the client sent must reach the fake (the
// first session.update completed by the gateway); the fake records both.
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { OpenAIRealtimeWS as OpenAIRealtimeWSBeta } from 'openai/beta/realtime/ws';

const WAIT_MS = 10000; // longest wait for one awaited event, open or close, in ms
const MAX_BODY = 64 * 1024; // bytes of a refused handshake's body read
const RATE = 24000; // Hz: OpenAI's realtime PCM16 is 24 kHz mono
const FRAME_SAMPLES = RATE / 10; // 100 ms of audio per append
const UPSTREAM_MODEL = 'gpt-realtime-2025-08-28'; // scripts/sdk's catalog: gpt-realtime's upstream id
const AUDIO_DELTAS = new Set(['response.output_audio.delta', 'response.audio.delta']); // GA, beta

// ------------------------------------------------------------------ audio
// Frame i of a 440 Hz tone, PCM16 little-endian.
function pcmFrame(i) {
  const b = Buffer.alloc(2 * FRAME_SAMPLES);
  for (let n = 0; n < FRAME_SAMPLES; n++) {
    b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * (i * FRAME_SAMPLES + n)) / RATE)), 2 * n);
  }
  return b;
}
const FRAMES = [pcmFrame(0), pcmFrame(1)];
const sha = (b) => createHash('sha256').update(b).digest('hex');
// The same functions as in fake-upstreams.js: the audio the fake answers for committed audio.
function speechBytes(text) {
  const n = 40000 + (Buffer.byteLength(text) * 37) % 9000;
  const out = Buffer.alloc(n);
  let seed = createHash('sha256').update(text).digest();
  for (let i = 0; i < n; i += 32) {
    seed = createHash('sha256').update(seed).digest();
    seed.copy(out, i, 0, Math.min(32, n - i));
  }
  for (let i = 0; i < 256 && i < n; i++) out[i] = i;
  return out;
}
function realtimeAudio(audio) {
  const a = speechBytes(`realtime ${sha(audio)}`);
  return a.subarray(0, a.length - (a.length % 2));
}

// ------------------------------------------------------------------ session shapes (GA and beta)
const voiceOf = (s) => (s && s.audio && s.audio.output ? s.audio.output.voice : s && s.voice);
function pcm24k(s) { // the input format is PCM16 at 24 kHz, in GA or beta spelling
  const f = s && s.audio && s.audio.input && s.audio.input.format;
  if (f) return f.type === 'audio/pcm' && (f.rate === undefined || f.rate === RATE);
  return s && s.input_audio_format === 'pcm16';
}
function serverVad(s) {
  const t = (s && s.audio && s.audio.input && s.audio.input.turn_detection) || (s && s.turn_detection);
  return !!t && t.type === 'server_vad';
}

export function realtimeChecks(t) {
  const { check, expect, eq, show, Failure, requests, received, one, nothingUpstream, BASE, VOICE, KEY, WRONG_KEY, CONTROL, SECRETS } = t;
  const TOKENS = []; // every minted token: none may go upstream or into the gateway's log
  const bare = (url) => url.split('?')[0];

  // ---------------------------------------------------------------- a WebSocket session
  class Session {
    constructor(ws) {
      this.ws = ws;
      this.messages = []; // {text, event} | {binary}, as received
      this.sent = []; // texts sent
      this.wakers = [];
      this.closeInfo = null;
      this.error = null;
      ws.on('message', (data, isBinary) => {
        if (isBinary) this.messages.push({ binary: Buffer.from(data) });
        else {
          const text = data.toString('utf8');
          let event = null;
          try { event = JSON.parse(text); } catch { /* kept as text; a check names it */ }
          this.messages.push({ text, event });
        }
        this.wake();
      });
      ws.on('close', (code, reason) => { this.closeInfo = { code, reason: reason.toString('utf8') }; this.wake(); });
      ws.on('error', (e) => { this.error = e; this.wake(); });
    }
    wake() { const w = this.wakers; this.wakers = []; for (const f of w) f(); }
    sleep(ms) {
      return new Promise((resolve) => {
        const done = () => { clearTimeout(timer); resolve(); };
        const timer = setTimeout(done, ms);
        this.wakers.push(done);
      });
    }
    send(event) {
      const text = typeof event === 'string' ? event : JSON.stringify(event);
      this.sent.push(text);
      this.ws.send(text);
    }
    events() { return this.messages.filter((m) => m.event).map((m) => m.event); }
    texts() { return this.messages.filter((m) => m.text !== undefined).map((m) => m.text); }
    types() { return this.messages.map((m) => (m.event ? m.event.type : m.binary ? `<binary ${m.binary.length}>` : '<not JSON>')).join(', '); }
    // The first message matching pred (an event, or {binary} with pred.binary), waiting for it.
    async until(pred, what) {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const m = this.messages.find((x) => (pred.binary ? x.binary && pred(x) : x.event && pred(x.event)));
        if (m) return m.event || m.binary;
        if (this.closeInfo) throw new Failure(`${what}: the connection closed first (${this.closeInfo.code} ${show(this.closeInfo.reason)}); got: ${this.types() || 'nothing'}`);
        if (this.error) throw new Failure(`${what}: ${this.error.message}; got: ${this.types() || 'nothing'}`);
        if (Date.now() >= deadline) throw new Failure(`${what}: not within ${WAIT_MS} ms; got: ${this.types() || 'nothing'}`);
        await this.sleep(deadline - Date.now());
      }
    }
    async closed(what) {
      const deadline = Date.now() + WAIT_MS;
      while (!this.closeInfo) {
        if (Date.now() >= deadline) throw new Failure(`${what}: no close within ${WAIT_MS} ms`);
        await this.sleep(deadline - Date.now());
      }
      return this.closeInfo;
    }
    async close(code, reason) {
      this.ws.close(code, reason);
      return this.closed(`closing with ${code}`);
    }
  }
  const binary = (pred) => Object.assign(pred, { binary: true });

  function connect(url, protocols, options) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, Object.assign({ handshakeTimeout: WAIT_MS }, options));
      const s = new Session(ws);
      ws.once('upgrade', (res) => { s.upgrade = res; });
      ws.once('open', () => resolve(s));
      ws.once('error', (e) => reject(new Failure(`connecting to ${bare(url)}: ${e.message}`)));
    });
  }
  function opened(socket, what) {
    return new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', (e) => reject(new Failure(`${what}: ${e.message}`)));
    });
  }
  // A handshake the listener must refuse: its status, headers and (OpenAI-shaped) body.
  function refusedHandshake(url, protocols, options) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, Object.assign({ handshakeTimeout: WAIT_MS }, options));
      ws.on('unexpected-response', (req, res) => {
        const parts = [];
        let n = 0;
        res.on('data', (c) => { n += c.length; if (n <= MAX_BODY) parts.push(c); });
        res.on('end', () => { resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }); req.destroy(); });
        res.on('error', (e) => reject(new Failure(`reading the refusal: ${e.message}`)));
      });
      ws.on('open', () => { ws.terminate(); reject(new Failure(`the handshake to ${bare(url)} succeeded; it should have been refused`)); });
      ws.on('error', (e) => reject(new Failure(`handshake to ${bare(url)}: ${e.message}`)));
    });
  }
  function openAiError(r, status, what) {
    eq(r.status, status, `${what}: status`);
    let body;
    try { body = JSON.parse(r.body); } catch { throw new Failure(`${what}: the body is not JSON: ${show(r.body)}`); }
    expect(body && body.error && typeof body.error.message === 'string' && body.error.message.length > 0 && typeof body.error.type === 'string',
      `${what}: not an OpenAI error body: ${show(r.body)}`);
    expect('param' in body.error && 'code' in body.error, `${what}: the error lacks param or code: ${show(r.body)}`);
    return body.error;
  }

  // ---------------------------------------------------------------- POST /v1/voice/realtime
  async function postVoice(body, key = KEY) {
    const r = await fetch(`${BASE}/v1/voice/realtime`, { method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.text() };
  }
  async function postVoiceOk(req, want) {
    const r = await postVoice(req);
    eq(r.status, 200, `POST /v1/voice/realtime ${JSON.stringify(req)}: status (body ${show(r.body)})`);
    const b = JSON.parse(r.body);
    const secret = b.client_secret && b.client_secret.value;
    expect(typeof secret === 'string' && secret.length >= 16, `client_secret.value: ${show(b.client_secret)}`);
    TOKENS.push(secret);
    SECRETS.push(secret);
    expect(typeof b.url === 'string' && b.url.startsWith(`${VOICE}/`), `url ${show(b.url)} is not on the voice listener ${VOICE}`);
    eq(new URL(b.url).searchParams.get('token'), secret, 'the url\'s ?token= (client_secret.value)');
    const now = Date.now() / 1000;
    expect(Number.isInteger(b.client_secret.expires_at) && b.client_secret.expires_at > now - 5 && b.client_secret.expires_at <= now + 3600,
      `client_secret.expires_at (epoch seconds, soon): ${show(b.client_secret.expires_at)}`);
    eq(b.policy, want.policy, 'policy');
    eq(b.voice, want.voice, 'voice');
    eq(b.model, want.model, 'model');
    eq(Number(b.price_per_minute), want.price, `price_per_minute (${show(b.price_per_minute)})`);
    const c = b.sessionConfig;
    expect(c && typeof c === 'object', `sessionConfig: ${show(c)}`);
    eq(voiceOf(c), want.voice, 'sessionConfig voice');
    expect(pcm24k(c), `sessionConfig input format is not PCM16 24 kHz: ${show(c)}`);
    expect(serverVad(c), `sessionConfig has no server VAD turn detection: ${show(c)}`);
    return b;
  }

  // The session flow after open: session.update, two appends, commit, response.create; waits
  // for session.created, session.updated, response.done. Returns the events.
  async function converse(s, session, what) {
    s.send({ type: 'session.update', session });
    await s.until((e) => e.type === 'session.created', `${what}: session.created`);
    const updated = await s.until((e) => e.type === 'session.updated', `${what}: session.updated`);
    for (const f of FRAMES) s.send({ type: 'input_audio_buffer.append', audio: f.toString('base64') });
    s.send({ type: 'input_audio_buffer.commit' });
    s.send({ type: 'response.create' });
    await s.until((e) => e.type === 'response.done', `${what}: response.done`);
    const ev = s.events();
    const types = ev.map((e) => e.type);
    expect(types.indexOf('session.created') < types.indexOf('session.updated'), `session.created came after session.updated: ${s.types()}`);
    const errors = ev.filter((e) => e.type === 'error');
    expect(errors.length === 0, `${what}: error events: ${show(errors)}`);
    const deltas = ev.filter((e) => AUDIO_DELTAS.has(e.type));
    expect(deltas.length > 0, `${what}: no audio deltas before response.done; got: ${s.types()}`);
    const audio = Buffer.concat(deltas.map((d) => Buffer.from(d.delta, 'base64')));
    expect(audio.length > 0 && audio.length % 2 === 0, `${what}: the audio deltas hold ${audio.length} bytes (PCM16: even, not 0)`);
    return { updated, audio };
  }

  // The one realtime session the fake OpenAI got during this check: the provider key (one()
  // checks it and that no header holds the client key), no minted token in any header.
  async function upstreamSession() {
    const r = await one('openai', '/v1/realtime');
    for (const [h, v] of Object.entries(r.headers)) {
      for (const tok of TOKENS) expect(!String(v).includes(tok), `a minted session token went upstream in header ${h}`);
    }
    expect(!String(r.headers['sec-websocket-protocol'] || '').includes('openai-insecure-api-key'), 'a key-bearing subprotocol went upstream');
    return r;
  }
  async function upstreamClose(seq) { // the close the fake saw on session seq, waiting for it
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const r = (await requests()).find((x) => x.seq === seq);
      if (r && r.ws && r.ws.close) return r.ws.close;
      if (Date.now() >= deadline) throw new Failure(`the fake OpenAI saw no close of its realtime session within ${WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  function sameClose(c, code, what) { eq(c.code, code, `${what} (reason ${show(c.reason)})`); }
  function sameTexts(got, want, what) { // two lists of messages, exactly
    const n = Math.min(got.length, want.length);
    for (let i = 0; i < n; i++) {
      if (JSON.stringify(got[i]) !== JSON.stringify(want[i])) throw new Failure(`${what}: message ${i} differs: got ${show(got[i])}, want ${show(want[i])}`);
    }
    eq(got.length, want.length, `${what}: number of messages`);
  }
  const type = (text) => { try { return JSON.parse(text).type; } catch { return null; } };

  // ================================================================ echo-realtime (offline)
  check('realtime ws-post-voice-realtime-then-connect: POST /v1/voice/realtime {balanced, verse} -> ws to its url -> session.update, audio, response.done, close 1000 (echo-realtime)', async () => {
    const b = await postVoiceOk({ policy: 'balanced', voice: 'verse' }, { policy: 'balanced', voice: 'verse', model: 'echo-realtime', price: 0 });
    const s = await connect(b.url);
    const { updated } = await converse(s, b.sessionConfig, 'echo-realtime');
    eq(voiceOf(updated.session), 'verse', 'the voice in session.updated');
    const c = await s.close(1000, 'done');
    eq(c.code, 1000, 'the close code the client saw');
    await nothingUpstream();
  });

  check('realtime ws-post-voice-realtime refuses a bad voice, a bad policy (400 naming the allowed values) and a wrong key (401)', async () => {
    const v = openAiError(await postVoice({ policy: 'balanced', voice: 'nobody' }), 400, 'voice nobody');
    for (const ok of ['alloy', 'verse']) expect(v.message.includes(ok), `voice error does not name ${ok}: ${show(v.message)}`);
    eq(v.param, 'voice', 'voice error param');
    const p = openAiError(await postVoice({ policy: 'cheapest', voice: 'verse' }), 400, 'policy cheapest');
    for (const ok of ['premium', 'balanced', 'frugal']) expect(p.message.includes(ok), `policy error does not name ${ok}: ${show(p.message)}`);
    eq(p.param, 'policy', 'policy error param');
    openAiError(await postVoice({ policy: 'balanced', voice: 'verse' }, WRONG_KEY), 401, 'wrong key');
    await nothingUpstream();
  });

  check('realtime ws-token-single-use: the minted url connects once; the same url again -> 401', async () => {
    const b = await postVoiceOk({ voice: 'alloy' }, { policy: 'balanced', voice: 'alloy', model: 'echo-realtime', price: 0 });
    const s = await connect(b.url);
    await s.until((e) => e.type === 'session.created', 'session.created');
    eq((await s.close(1000)).code, 1000, 'close code');
    const again = await new Promise((resolve) => {
      const ws = new WebSocket(b.url, { handshakeTimeout: WAIT_MS });
      ws.on('open', () => { ws.terminate(); resolve(null); });
      ws.on('error', resolve);
    });
    expect(again, 'the used url connected a second time');
    eq(again.message, 'Unexpected server response: 401', 'ws error on the second connect');
    openAiError(await refusedHandshake(b.url), 401, 'the used token');
    const forged = new URL(b.url);
    forged.searchParams.set('token', `${b.client_secret.value.slice(0, -4)}0000`);
    openAiError(await refusedHandshake(forged.href), 401, 'a forged token');
  });

  check('realtime ws-bearer-v1-realtime: /v1/realtime?model=echo-realtime with Authorization: Bearer <key> works; a wrong key or none -> 401', async () => {
    const url = `${VOICE}/v1/realtime?model=echo-realtime`;
    const s = await connect(url, [], { headers: { Authorization: `Bearer ${KEY}` } });
    const { updated } = await converse(s, { type: 'realtime', output_modalities: ['audio'], audio: { output: { voice: 'coral' } } }, 'bearer');
    eq(voiceOf(updated.session), 'coral', 'the voice in session.updated');
    eq((await s.close(1000)).code, 1000, 'close code');
    openAiError(await refusedHandshake(url, [], { headers: { Authorization: `Bearer ${WRONG_KEY}` } }), 401, 'wrong key');
    openAiError(await refusedHandshake(url), 401, 'no key');
    await nothingUpstream();
  });

  check('realtime ws-subprotocol-key: [realtime, openai-insecure-api-key.<key>] and .<minted token> work; the listener chooses realtime, never the key', async () => {
    const url = `${VOICE}/v1/realtime?model=echo-realtime`;
    const s = await connect(url, ['realtime', `openai-insecure-api-key.${KEY}`]);
    eq(s.ws.protocol, 'realtime', 'ws.protocol (the subprotocol the listener chose)');
    eq(s.upgrade && s.upgrade.headers['sec-websocket-protocol'], 'realtime', 'Sec-WebSocket-Protocol of the 101');
    await s.until((e) => e.type === 'session.created', 'session.created (key)');
    eq((await s.close(1000)).code, 1000, 'close code (key)');
    const b = await postVoiceOk({ voice: 'shimmer' }, { policy: 'balanced', voice: 'shimmer', model: 'echo-realtime', price: 0 });
    const u = new URL(b.url);
    u.searchParams.delete('token');
    const t2 = await connect(u.href, ['realtime', `openai-insecure-api-key.${b.client_secret.value}`]);
    eq(t2.ws.protocol, 'realtime', 'ws.protocol (token)');
    await t2.until((e) => e.type === 'session.created', 'session.created (token)');
    eq((await t2.close(1000)).code, 1000, 'close code (token)');
    openAiError(await refusedHandshake(url, ['realtime', `openai-insecure-api-key.${WRONG_KEY}`]), 401, 'wrong key in the subprotocol');
  });

  // ================================================================ the OpenAI SDK's realtime client
  const sdkClient = (key = KEY) => new OpenAI({ apiKey: key, baseURL: `${VOICE.replace(/^wss:/, 'https:')}/v1`, maxRetries: 0 });
  // An SDK realtime client's session: its socket wrapped in a Session, its events and errors kept.
  async function sdkSession(Client, model, key) {
    const rt = new Client({ model }, sdkClient(key));
    eq(rt.url.href, `${VOICE}/v1/realtime?model=${model}`, 'the URL the SDK dials');
    const s = new Session(rt.socket);
    s.rt = rt;
    s.sdkEvents = [];
    s.sdkErrors = [];
    rt.on('event', (e) => s.sdkEvents.push(e.type));
    rt.on('error', (e) => s.sdkErrors.push(e));
    s.send = (event) => { s.sent.push(JSON.stringify(event)); rt.send(event); };
    return s;
  }

  check('realtime openai-sdk-realtime: OpenAIRealtimeWS (openai/realtime/ws) on echo-realtime: session.update, append, response.create, audio deltas, response.done, close 1000', async () => {
    const s = await sdkSession(OpenAIRealtimeWS, 'echo-realtime');
    await opened(s.ws, 'OpenAIRealtimeWS');
    const { updated } = await converse(s, { type: 'realtime', model: 'echo-realtime', output_modalities: ['audio'],
      audio: { input: { format: { type: 'audio/pcm', rate: RATE } }, output: { format: { type: 'audio/pcm', rate: RATE }, voice: 'sage' } } }, 'OpenAIRealtimeWS');
    eq(voiceOf(updated.session), 'sage', 'the voice in session.updated');
    expect(s.sdkEvents.includes('response.done'), `the SDK emitted no response.done: ${show(s.sdkEvents)}`);
    expect(s.sdkErrors.length === 0, `the SDK reported errors: ${s.sdkErrors.map((e) => e.message).join('; ')}`);
    s.rt.close();
    eq((await s.closed('rt.close()')).code, 1000, 'the close code the client saw');
    await nothingUpstream();
  });

  check('realtime openai-sdk-realtime with a wrong key -> the SDK\'s error event (Unexpected server response: 401)', async () => {
    const s = await sdkSession(OpenAIRealtimeWS, 'echo-realtime', WRONG_KEY);
    await s.closed('the refused SDK session');
    expect(s.sdkErrors.length === 1 && s.sdkErrors[0].message === 'Unexpected server response: 401',
      `the SDK's errors: ${show(s.sdkErrors.map((e) => e.message))}`);
    await nothingUpstream();
  });

  // ================================================================ through to the fake OpenAI
  check('realtime upstream: POST premium -> gpt-realtime -> the fake OpenAI with the provider key and model ' + UPSTREAM_MODEL + ', events relayed exactly both ways, close 1000 reaches it', async () => {
    const b = await postVoiceOk({ policy: 'premium', voice: 'verse' }, { policy: 'premium', voice: 'verse', model: 'gpt-realtime', price: 0.06 });
    const s = await connect(b.url);
    const { audio } = await converse(s, b.sessionConfig, 'gpt-realtime');
    expect(audio.equals(realtimeAudio(Buffer.concat(FRAMES))), 'the audio deltas are not the fake\'s answer to the audio sent');
    const up = await upstreamSession();
    eq(up.query.model, UPSTREAM_MODEL, 'upstream ?model');
    sameTexts(s.texts(), up.ws.sent, 'fake -> client');
    const updates = up.ws.received.filter((x) => type(x) === 'session.update');
    expect(updates.length >= 1, `no session.update reached the fake: ${show(up.ws.received.map(type))}`);
    const last = JSON.parse(updates[updates.length - 1]).session;
    eq(last.model, UPSTREAM_MODEL, 'session.model in the session.update the fake got');
    eq(voiceOf(last), 'verse', 'the voice in the session.update the fake got');
    sameTexts(up.ws.received.filter((x) => type(x) !== 'session.update'), s.sent.filter((x) => type(x) !== 'session.update'), 'client -> fake (after session.update)');
    eq((await s.close(1000, 'bye')).code, 1000, 'the close code the client saw');
    sameClose(await upstreamClose(up.seq), 1000, 'the close code the fake saw');
  });

  check('realtime upstream: OpenAIRealtimeWS on gpt-realtime (Bearer) -> the fake OpenAI, audio bytes exact', async () => {
    const s = await sdkSession(OpenAIRealtimeWS, 'gpt-realtime');
    await opened(s.ws, 'OpenAIRealtimeWS');
    const { audio } = await converse(s, { type: 'realtime', output_modalities: ['audio'], audio: { output: { voice: 'ash' } } }, 'OpenAIRealtimeWS');
    expect(audio.equals(realtimeAudio(Buffer.concat(FRAMES))), 'the audio deltas are not the fake\'s answer to the audio sent');
    const up = await upstreamSession();
    eq(up.query.model, UPSTREAM_MODEL, 'upstream ?model');
    expect(up.headers['openai-beta'] === undefined, `a GA client's session went upstream with OpenAI-Beta: ${show(up.headers['openai-beta'])}`);
    sameTexts(s.texts(), up.ws.sent, 'fake -> client');
    expect(s.sdkErrors.length === 0, `the SDK reported errors: ${s.sdkErrors.map((e) => e.message).join('; ')}`);
    s.rt.close();
    eq((await s.closed('rt.close()')).code, 1000, 'the close code the client saw');
    sameClose(await upstreamClose(up.seq), 1000, 'the close code the fake saw');
  });

  check('realtime upstream beta: openai/beta/realtime/ws on gpt-realtime -> OpenAI-Beta: realtime=v1 reaches the fake; response.audio.delta relayed', async () => {
    const s = await sdkSession(OpenAIRealtimeWSBeta, 'gpt-realtime');
    await opened(s.ws, 'beta OpenAIRealtimeWS');
    const { audio } = await converse(s, { modalities: ['audio', 'text'], voice: 'ash', input_audio_format: 'pcm16', output_audio_format: 'pcm16' }, 'beta');
    expect(s.events().some((e) => e.type === 'response.audio.delta'), `no beta response.audio.delta: ${s.types()}`);
    expect(audio.equals(realtimeAudio(Buffer.concat(FRAMES))), 'the audio deltas are not the fake\'s answer to the audio sent');
    const up = await upstreamSession();
    eq(up.headers['openai-beta'], 'realtime=v1', 'OpenAI-Beta upstream');
    const update = up.ws.received.filter((x) => type(x) === 'session.update').map((x) => JSON.parse(x).session);
    for (const u of update) expect(u.audio === undefined && u.type === undefined, `a GA-shaped session.update went to a beta upstream: ${show(u)}`);
    sameTexts(s.texts(), up.ws.sent, 'fake -> client');
    s.rt.close();
    eq((await s.closed('rt.close()')).code, 1000, 'the close code the client saw');
  });

  check('realtime upstream: a binary message both ways (bytes exact), an unknown event\'s error relayed, the fake\'s close 4001 reaches the client', async () => {
    const s = await connect(`${VOICE}/v1/realtime?model=gpt-realtime`, [], { headers: { Authorization: `Bearer ${KEY}` } });
    await s.until((e) => e.type === 'session.created', 'session.created');
    const bin = Buffer.alloc(1024);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7) & 0xff;
    s.ws.send(bin, { binary: true });
    const back = await s.until(binary((m) => m.binary.length > 0), 'the binary message back');
    expect(back.equals(bin), `the binary message came back as ${back.length} bytes, not the 1024 sent`);
    s.send({ type: 'tollgate.sdk_test.unknown', event_id: 'evt_sdk_test_1' });
    const err = await s.until((e) => e.type === 'error', 'the fake\'s error event');
    eq(err.error && err.error.event_id, 'evt_sdk_test_1', 'error.event_id');
    const up = await upstreamSession();
    eq(JSON.stringify(up.ws.received.find((x) => typeof x === 'object')), JSON.stringify({ binary_sha256: sha(bin), binary_length: bin.length }), 'the binary message the fake got');
    const r = await fetch(`${CONTROL}/realtime/close?seq=${up.seq}&code=4001&reason=${encodeURIComponent('fake says bye')}`, { method: 'POST' });
    eq(r.status, 204, 'the fake closing its session');
    const c = await s.closed('the fake\'s close');
    eq(c.code, 4001, 'the close code the client saw');
    eq(c.reason, 'fake says bye', 'the close reason the client saw');
  });

  check('realtime upstream refused by the fake (403 at its handshake) -> an error event, then a close (not 1000, 1005, 1006)', async () => {
    const url = `${VOICE}/v1/realtime?model=gpt-realtime-refused`;
    const s = await new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${KEY}` }, handshakeTimeout: WAIT_MS });
      const ss = new Session(ws);
      ws.on('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Failure(`the client's handshake was refused with HTTP ${res.statusCode}; the issue wants a session, an error event, then a close`));
      });
      ws.once('open', () => resolve(ss));
      ws.once('error', (e) => reject(new Failure(`connecting: ${e.message}`)));
    });
    const err = await s.until((e) => e.type === 'error', 'the error event');
    expect(err.error && typeof err.error.message === 'string' && err.error.message.length > 0, `not an OpenAI error event: ${show(err)}`);
    const c = await s.closed('the close after the error');
    expect(![1000, 1005, 1006].includes(c.code), `close code ${c.code} (${show(c.reason)}) says nothing of the failure`);
    const all = await received('openai', '/v1/realtime');
    eq(all.length, 1, 'handshakes the fake got');
    eq(all[0].status, 403, 'the fake\'s answer');
    eq(all[0].query.model, 'refused-by-the-fake', 'upstream ?model');
  });
}

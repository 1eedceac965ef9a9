// The real SDKs against the gateway, with only their base URL changed (scripts/sdk runs this).
//
// Environment (set by scripts/sdk):
//   TOLLGATE_URL     the gateway, http://127.0.0.1:PORT
//   TOLLGATE_KEY     a client key the gateway accepts
//   TOLLGATE_OTHER_KEY  another one
//   FAKE_CONTROL     http://127.0.0.1:PORT of scripts/sdk.d/fake-upstreams.js' control port
//   TOLLGATE_VOICE_URL  the gateway's voice listener, wss://127.0.0.1:PORT (its certificate
//                    trusted through NODE_EXTRA_CA_CERTS)
//   VOICE_TLS_PASSWORD  the voice listener's keystore password (never to be logged)
//   GATEWAY_LOG      the gateway's stdout, read by the last check
//   SDK_ONLY         optional: run only the checks whose name contains this
//
// Each check prints "ok <name>" or "FAIL <name>: <why>"; the last line is
// "sdk: N passed, N failed, 0 skipped". Exit status 1 if any check failed.
//
// The fakes answer deterministically from what they received (fake-upstreams.js): a
// transcript names the first 8 hex digits of the SHA-256 of the audio they got, an audio answer
// is recorded whole (sent_b64), so every check compares what the SDK returned with what the
// fake produced, and what the fake received with what the SDK was given.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { Mistral } from '@mistralai/mistralai';
import { MistralError } from '@mistralai/mistralai/models/errors';
import { DeepgramClient, DeepgramError } from '@deepgram/sdk';
import { createClient as createDeepgramV4, DeepgramApiError } from 'deepgram-v4';
import { realtimeChecks } from './sdk-realtime.mjs';
import { agentChecks } from './sdk-agent.mjs';
import { responsesChecks } from './sdk-responses.mjs';
import { messagesChecks } from './sdk-messages.mjs';
import { embeddingsChecks } from './sdk-embeddings.mjs';

const BASE = need('TOLLGATE_URL');
const KEY = need('TOLLGATE_KEY');
const OTHER_KEY = need('TOLLGATE_OTHER_KEY'); // another client key (issue 12: its approvals and tasks are not KEY's)
const CONTROL = need('FAKE_CONTROL');
const VOICE = need('TOLLGATE_VOICE_URL');
const GATEWAY_LOG = process.env.GATEWAY_LOG || '';
const ONLY = process.env.SDK_ONLY || '';
const WRONG_KEY = 'sk-wrong-key-for-the-sdk-test-0000';
const BYOK = 'byok-mistral-key-from-the-client-1234';
const UPSTREAM = { // what fake-upstreams.js accepts, and so what the gateway must send
  mistral: 'Bearer upstream-mistral-key-000000',
  openai: 'Bearer upstream-openai-key-0000000',
  deepgram: 'Token upstream-deepgram-key-00000',
  tools: 'Bearer tool-endpoint-key-000000000', // the http gateway tools' configured header
};
// Never in the gateway's log (the realtime checks add the session tokens they are given).
const SECRETS = [KEY, OTHER_KEY, BYOK, ...Object.values(UPSTREAM).map((v) => v.split(' ')[1]), need('VOICE_TLS_PASSWORD')];

function need(name) {
  const v = process.env[name];
  if (!v) { console.error(`sdk-test: ${name} is not set (run scripts/sdk)`); process.exit(2); }
  return v;
}

// ------------------------------------------------------------------ the fakes' answers
// (the same functions as in fake-upstreams.js)
const sha = (b) => createHash('sha256').update(b).digest('hex');
const fimText = (prompt, suffix) => `FIM<${prompt.length}|${(suffix || '').length}> middle from mistral`;
const openaiFimText = (prompt, suffix) => `FIM<${prompt.length}|${suffix.length}> middle from openai`;
const completionText = (prompt) => ` completion of "${prompt}" from openai`;
const chatText = (last) => `chat answer to "${last}" from openai`;
const openaiTranscript = (audio) => `hello from openai ${sha(audio).slice(0, 8)}`;
const deepgramTranscript = (source) => `hello from deepgram ${sha(source).slice(0, 8)}`;

// ------------------------------------------------------------------ a small WAV file
// 0.5 s of a 440 Hz tone, 16 kHz, 16-bit mono PCM: 44 + 16,000 bytes, most of them not UTF-8.
function wav() {
  const rate = 16000, n = rate / 2, data = Buffer.alloc(2 * n);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 2 * i);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
const WAV = wav();
const work = mkdtempSync(join(tmpdir(), 'tollgate-sdk-test-'));
const WAV_PATH = join(work, 'sample.wav');
writeFileSync(WAV_PATH, WAV);
const AUDIO_URL = 'https://audio.invalid/tollgate-sdk-test.wav'; // never fetched: the fake only hashes it
const SPEECH_TEXT = 'Grüße from the Tollgate SDK test — 音声 ✓';

// ------------------------------------------------------------------ clients
const openai = (key = KEY) => new OpenAI({ apiKey: key, baseURL: `${BASE}/v1`, maxRetries: 0, timeout: 30000 });
const mistral = (key = KEY) => new Mistral({ apiKey: key, serverURL: BASE, timeoutMs: 30000 });
const deepgram = (key = KEY) => new DeepgramClient({ apiKey: key, baseUrl: BASE, maxRetries: 0, timeoutInSeconds: 30 });
const deepgramV4 = (key = KEY) => createDeepgramV4(key, { global: { fetch: { options: { url: BASE } } } });

// ------------------------------------------------------------------ checks
const checks = [];
const check = (name, fn) => checks.push({ name, fn });
let mark = 0; // the fakes' request count when the running check started

/** Runs {@code bin} with {@code args} and {@code env} alone, in env.HOME; resolves to its exit status, stdout and stderr, or rejects past timeoutMs. */
function run(bin, args, env, timeoutMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { env, cwd: env.HOME, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${bin} still ran after ${timeoutMs} ms: ${stderr}`)); }, timeoutMs);
    p.on('error', (e) => { clearTimeout(timer); reject(e); });
    p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

class Failure extends Error {}
/**
 * Runs an agent program (Claude Code, Codex) with {@code env}, PATH and a fresh HOME (also its
 * working directory), for at most 120 s; its stdout, trimmed, once it exited 0.
 */
async function runAgent(bin, args, env) {
  const home = mkdtempSync(join(tmpdir(), 'tollgate-agent-home-'));
  try {
    const r = await run(bin, args, { ...env, PATH: process.env.PATH, HOME: home }, 120000);
    eq(r.status, 0, `exit status (stdout ${show(r.stdout.slice(0, 400))}, stderr ${show(r.stderr.slice(-800))})`);
    return r.stdout.trim();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}


/** Thrown by a check that cannot run here (what it needs is not installed): counted as skipped, with the reason. */
class Skipped extends Error {}
function expect(cond, why) { if (!cond) throw new Failure(why); }
function eq(got, want, what) {
  if (got !== want) throw new Failure(`${what}: got ${show(got)}, want ${show(want)}`);
}
function show(v) {
  const s = typeof v === 'string' ? JSON.stringify(v) : (Buffer.isBuffer(v) ? `<${v.length} bytes>` : JSON.stringify(v));
  return s === undefined ? String(v) : (s.length > 300 ? s.slice(0, 300) + '…' : s);
}
async function requests() {
  const r = await fetch(`${CONTROL}/requests`);
  return r.json();
}
// What the fakes received during this check.
async function received(provider, path) {
  return (await requests()).filter((r) => r.seq > mark && (!provider || r.provider === provider) && (!path || r.path === path));
}
// The one request the fake `provider` received on `path` during this check; its key checked.
async function one(provider, path) {
  const all = await received();
  const got = all.filter((r) => r.provider === provider && r.path === path);
  expect(got.length === 1, `the fake ${provider} got ${got.length} requests on ${path} (it got: ${
    all.map((r) => `${r.provider} ${r.method} ${r.path} -> ${r.status}`).join(', ') || 'nothing'})`);
  const r = got[0];
  eq(r.headers.authorization, UPSTREAM[provider], `Authorization the gateway sent to the fake ${provider}`);
  for (const [h, v] of Object.entries(r.headers)) {
    expect(!String(v).includes(KEY), `the client's gateway key was forwarded upstream in header ${h}`);
  }
  return r;
}
async function nothingUpstream() {
  const all = await received();
  expect(all.length === 0, `a refused request reached an upstream: ${all.map((r) => `${r.provider} ${r.path}`).join(', ')}`);
}
async function collect(stream) { const out = []; for await (const x of stream) out.push(x); return out; }
async function bytes(body) { // a web ReadableStream, a Node Readable or a Response-like -> Buffer
  if (body && typeof body.arrayBuffer === 'function') return Buffer.from(await body.arrayBuffer());
  const parts = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
// Runs fn, which must throw; returns the error.
async function refused(fn) {
  let value;
  try { value = await fn(); } catch (e) { return e; }
  throw new Failure(`expected an error, got ${show(value)}`);
}
function errorText(e) {
  if (!e) return show(e);
  const status = e.status ?? e.statusCode;
  return `${e.constructor ? e.constructor.name : typeof e}${status !== undefined ? ` (status ${status})` : ''}: ${
    e.message ? e.message.slice(0, 300) : show(e)}`;
}
function sameAudio(got, rec, what) {
  expect(rec.sent_b64, `the fake recorded no audio answer for ${what}`);
  const want = Buffer.from(rec.sent_b64, 'base64');
  if (!got.equals(want)) {
    let i = 0;
    while (i < got.length && i < want.length && got[i] === want[i]) i++;
    throw new Failure(`${what}: ${got.length} bytes, the fake sent ${want.length}; first difference at byte ${i}`);
  }
}
// A WAV file of echo-tts: 50 ms per code point of `text` at `rate` Hz, 16-bit mono, 44-byte header.
function checkEchoWav(audio, text, rate) {
  const samples = Math.round(rate * 0.05) * [...text].length;
  eq(audio.slice(0, 4).toString('latin1'), 'RIFF', 'echo-tts audio starts');
  eq(audio.slice(8, 12).toString('latin1'), 'WAVE', 'echo-tts RIFF type');
  eq(audio.readUInt32LE(24), rate, 'echo-tts sample rate');
  eq(audio.length, 44 + 2 * samples, `echo-tts length for ${[...text].length} characters`);
}

// ================================================================== Mistral SDK: fim
const PROMPT = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n';
const SUFFIX = '\n\nprint(fibonacci(10))\n';

check('mistral fim.complete (codestral-latest -> fake Mistral /v1/fim/completions)', async () => {
  const r = await mistral().fim.complete({ model: 'codestral-latest', prompt: PROMPT, suffix: SUFFIX, maxTokens: 64 });
  eq(r.choices[0].message.content, fimText(PROMPT, SUFFIX), 'choices[0].message.content');
  expect(r.usage && r.usage.totalTokens > 0, `usage: ${show(r.usage)}`);
  const up = await one('mistral', '/v1/fim/completions');
  eq(up.json.model, 'codestral-2501', 'upstream model (the catalog\'s "upstream" name)');
  eq(up.json.prompt, PROMPT, 'upstream prompt');
  eq(up.json.suffix, SUFFIX, 'upstream suffix');
  eq(up.json.max_tokens, 64, 'upstream max_tokens');
  expect(!up.json.stream, 'upstream stream should be false/absent');
});

check('mistral fim.stream (codestral-latest, text assembled from the events)', async () => {
  const events = await collect(await mistral().fim.stream({ model: 'codestral-latest', prompt: PROMPT, suffix: SUFFIX }));
  const text = events.map((e) => e.data.choices[0]?.delta?.content ?? '').join('');
  eq(text, fimText(PROMPT, SUFFIX), 'assembled stream text');
  expect(events.length >= 3, `only ${events.length} events`);
  eq(events[events.length - 1].data.choices[0].finishReason, 'stop', 'last event finish_reason');
  const up = await one('mistral', '/v1/fim/completions');
  eq(up.json.stream, true, 'upstream stream');
  eq(up.json.suffix, SUFFIX, 'upstream suffix');
});

check('mistral fim.complete passes Mistral\'s FIM parameters (temperature, top_p, stop, random_seed, min_tokens)', async () => {
  const r = await mistral().fim.complete({ model: 'codestral-latest', prompt: PROMPT, suffix: SUFFIX, temperature: 0.3, topP: 0.9,
    stop: ['\n\n'], randomSeed: 42, minTokens: 2, maxTokens: 100 });
  eq(r.choices[0].message.content, fimText(PROMPT, SUFFIX), 'content');
  const up = await one('mistral', '/v1/fim/completions');
  eq(up.json.temperature, 0.3, 'upstream temperature');
  eq(up.json.top_p, 0.9, 'upstream top_p');
  eq(JSON.stringify(up.json.stop), '["\\n\\n"]', 'upstream stop');
  eq(up.json.random_seed, 42, 'upstream random_seed');
  eq(up.json.min_tokens, 2, 'upstream min_tokens');
});

check('mistral fim.complete max_tokens 5000 is capped at 1000 upstream', async () => {
  const r = await mistral().fim.complete({ model: 'codestral-latest', prompt: PROMPT, suffix: SUFFIX, maxTokens: 5000 });
  eq(r.choices[0].message.content, fimText(PROMPT, SUFFIX), 'content');
  const up = await one('mistral', '/v1/fim/completions');
  eq(up.json.max_tokens, 1000, 'upstream max_tokens');
});

check('mistral fim.complete via an OpenAI-compatible backend (gpt-3.5-turbo-instruct -> /v1/completions prompt+suffix)', async () => {
  const r = await mistral().fim.complete({ model: 'gpt-3.5-turbo-instruct', prompt: PROMPT, suffix: SUFFIX, maxTokens: 50 });
  eq(r.choices[0].message.content, openaiFimText(PROMPT, SUFFIX), 'choices[0].message.content');
  const up = await one('openai', '/v1/completions');
  eq(up.json.prompt, PROMPT, 'upstream prompt');
  eq(up.json.suffix, SUFFIX, 'upstream suffix');
  eq(up.json.model, 'gpt-3.5-turbo-instruct', 'upstream model');
});

check('mistral fim.stream via an OpenAI-compatible backend', async () => {
  const events = await collect(await mistral().fim.stream({ model: 'gpt-3.5-turbo-instruct', prompt: PROMPT, suffix: SUFFIX }));
  eq(events.map((e) => e.data.choices[0]?.delta?.content ?? '').join(''), openaiFimText(PROMPT, SUFFIX), 'assembled stream text');
  const up = await one('openai', '/v1/completions');
  eq(up.json.stream, true, 'upstream stream');
});

check('mistral fim.complete and fim.stream on the offline echo model', async () => {
  const want = `Echo: ${PROMPT} / ${SUFFIX}`;
  const r = await mistral().fim.complete({ model: 'echo', prompt: PROMPT, suffix: SUFFIX });
  eq(r.choices[0].message.content, want, 'fim.complete content');
  const events = await collect(await mistral().fim.stream({ model: 'echo', prompt: PROMPT, suffix: SUFFIX }));
  eq(events.map((e) => e.data.choices[0]?.delta?.content ?? '').join(''), want, 'fim.stream assembled text');
  await nothingUpstream();
});

check('mistral fim.complete with the client\'s own Mistral key (X-Provider-Key) uses it upstream', async () => {
  const r = await mistral().fim.complete({ model: 'codestral-latest', prompt: PROMPT, suffix: SUFFIX },
    { headers: { 'X-Provider-Key': BYOK } });
  eq(r.choices[0].message.content, fimText(PROMPT, SUFFIX), 'choices[0].message.content');
  const all = await received();
  eq(all.length, 1, 'requests upstream');
  eq(all[0].path, '/v1/fim/completions', 'upstream path');
  eq(all[0].headers.authorization, `Bearer ${BYOK}`, 'Authorization sent to the fake Mistral');
});

check('mistral fim.complete on a model without "fim" -> 400 (MistralError)', async () => {
  const e = await refused(() => mistral().fim.complete({ model: 'gpt-4o-mini', prompt: PROMPT, suffix: SUFFIX }));
  expect(e instanceof MistralError, `not a MistralError: ${errorText(e)}`);
  eq(e.statusCode, 400, 'status');
  await nothingUpstream();
});

check('mistral wrong key -> 401 (MistralError), nothing upstream', async () => {
  const e = await refused(() => mistral(WRONG_KEY).fim.complete({ model: 'codestral-latest', prompt: PROMPT, suffix: SUFFIX }));
  expect(e instanceof MistralError, `not a MistralError: ${errorText(e)}`);
  eq(e.statusCode, 401, 'status');
  const s = await refused(async () => collect(await mistral(WRONG_KEY).fim.stream({ model: 'codestral-latest', prompt: PROMPT })));
  expect(s instanceof MistralError, `fim.stream: not a MistralError: ${errorText(s)}`);
  eq(s.statusCode, 401, 'fim.stream status');
  await nothingUpstream();
});

// ================================================================== OpenAI SDK: completions
const CPROMPT = 'Once upon a time, a gateway';

check('openai completions.create (gpt-3.5-turbo-instruct -> fake OpenAI /v1/completions)', async () => {
  const r = await openai().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: CPROMPT, max_tokens: 20, temperature: 0.5, stop: ['\n\n'] });
  eq(r.object, 'text_completion', 'object');
  eq(r.choices[0].text, completionText(CPROMPT), 'choices[0].text');
  eq(r.choices[0].finish_reason, 'stop', 'finish_reason');
  expect(r.usage && r.usage.total_tokens === 15, `usage: ${show(r.usage)}`);
  const up = await one('openai', '/v1/completions');
  eq(up.json.prompt, CPROMPT, 'upstream prompt');
  eq(up.json.max_tokens, 20, 'upstream max_tokens');
  eq(up.json.temperature, 0.5, 'upstream temperature');
  eq(JSON.stringify(up.json.stop), '["\\n\\n"]', 'upstream stop');
});

check('openai completions.create with n, echo and logprobs (passed through, answered whole)', async () => {
  const r = await openai().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: CPROMPT, n: 2, echo: true, logprobs: 1, max_tokens: 20 });
  eq(r.choices.length, 2, 'choices');
  eq(r.choices[1].index, 1, 'choices[1].index');
  eq(r.choices[0].text, CPROMPT + completionText(CPROMPT), 'choices[0].text (echo: the prompt first)');
  expect(r.choices[0].logprobs && Array.isArray(r.choices[0].logprobs.tokens), `choices[0].logprobs: ${show(r.choices[0].logprobs)}`);
  const up = await one('openai', '/v1/completions');
  eq(up.json.n, 2, 'upstream n');
  eq(up.json.echo, true, 'upstream echo');
  eq(up.json.logprobs, 1, 'upstream logprobs');
});

check('openai completions.create stream (text assembled, usage chunk)', async () => {
  const chunks = await collect(await openai().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: CPROMPT, stream: true,
    stream_options: { include_usage: true } }));
  eq(chunks.map((c) => c.choices[0]?.text ?? '').join(''), completionText(CPROMPT), 'assembled text');
  const usage = chunks.find((c) => c.usage);
  expect(usage, 'no chunk with usage');
  const up = await one('openai', '/v1/completions');
  eq(up.json.stream, true, 'upstream stream');
});

check('openai completions.create on a chat-only model (gpt-4o-mini -> /v1/chat/completions, prompt as one user message)', async () => {
  const r = await openai().completions.create({ model: 'gpt-4o-mini', prompt: CPROMPT, max_tokens: 30 });
  eq(r.object, 'text_completion', 'object');
  eq(r.choices[0].text, chatText(CPROMPT), 'choices[0].text');
  const up = await one('openai', '/v1/chat/completions');
  const users = (up.json.messages || []).filter((m) => m.role === 'user');
  eq(users.length, 1, 'user messages upstream');
  eq(users[0].content, CPROMPT, 'the user message upstream');
});

check('openai completions.create stream on a chat-only model', async () => {
  const chunks = await collect(await openai().completions.create({ model: 'gpt-4o-mini', prompt: CPROMPT, stream: true }));
  eq(chunks.map((c) => c.choices[0]?.text ?? '').join(''), chatText(CPROMPT), 'assembled text');
  expect(chunks.every((c) => c.object === 'text_completion'), `chunk objects: ${[...new Set(chunks.map((c) => c.object))]}`);
  const up = await one('openai', '/v1/chat/completions');
  eq(up.json.stream, true, 'upstream stream');
});

check('openai completions.create on the offline echo model (plain and stream)', async () => {
  const r = await openai().completions.create({ model: 'echo', prompt: CPROMPT });
  eq(r.choices[0].text, `Echo: ${CPROMPT}`, 'choices[0].text');
  const chunks = await collect(await openai().completions.create({ model: 'echo', prompt: CPROMPT, stream: true }));
  eq(chunks.map((c) => c.choices[0]?.text ?? '').join(''), `Echo: ${CPROMPT}`, 'assembled stream text');
  await nothingUpstream();
});

// ================================================================== OpenAI SDK: audio
check('openai audio.transcriptions.create json (whisper-1, toFile) -> fake OpenAI multipart', async () => {
  const r = await openai().audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav', { type: 'audio/wav' }),
    model: 'whisper-1', response_format: 'json', language: 'en', prompt: 'Tollgate', temperature: 0.2 });
  eq(r.text, openaiTranscript(WAV), 'text');
  const up = await one('openai', '/v1/audio/transcriptions');
  expect(up.multipart && !up.multipart.error, `upstream multipart: ${show(up.multipart)}`);
  eq(up.multipart.files.length, 1, 'files upstream');
  eq(up.multipart.files[0].sha256, sha(WAV), 'SHA-256 of the file upstream');
  eq(up.multipart.fields.model, 'whisper-1', 'upstream model');
  eq(up.multipart.fields.language, 'en', 'upstream language');
  eq(up.multipart.fields.prompt, 'Tollgate', 'upstream prompt');
});

check('openai audio.transcriptions.create text (fs.createReadStream)', async () => {
  const r = await openai().audio.transcriptions.create({ file: createReadStream(WAV_PATH), model: 'whisper-1', response_format: 'text' });
  eq(typeof r, 'string', 'type of the answer');
  eq(r.trim(), openaiTranscript(WAV), 'text');
  const up = await one('openai', '/v1/audio/transcriptions');
  eq(up.multipart.files[0].sha256, sha(WAV), 'SHA-256 of the file upstream');
  eq(up.multipart.files[0].filename, 'sample.wav', 'filename upstream');
});

check('openai audio.transcriptions.create srt (whisper-1)', async () => {
  const r = await openai().audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav'), model: 'whisper-1', response_format: 'srt' });
  eq(typeof r, 'string', 'type of the answer');
  expect(/^1\r?\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\r?\n/.test(r), `not SRT: ${show(r)}`);
  expect(r.replace(/\s+/g, ' ').includes(openaiTranscript(WAV)), `the transcript is not in the SRT: ${show(r)}`);
  await one('openai', '/v1/audio/transcriptions');
});

check('openai audio.transcriptions.create verbose_json and vtt (whisper-1)', async () => {
  const v = await openai().audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav'), model: 'whisper-1',
    response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'] });
  eq(v.text, openaiTranscript(WAV), 'verbose_json text');
  expect(Array.isArray(v.segments) && v.segments.length > 0, `verbose_json segments: ${show(v.segments)}`);
  expect(typeof v.duration === 'number' && v.duration > 0, `verbose_json duration: ${show(v.duration)}`);
  expect(Array.isArray(v.words) && v.words.length === 4 && v.words[3].end === 1.9, `verbose_json words: ${show(v.words)}`);
  const t = await openai().audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav'), model: 'whisper-1', response_format: 'vtt' });
  expect(typeof t === 'string' && t.startsWith('WEBVTT'), `not WebVTT: ${show(t)}`);
  expect(t.replace(/\s+/g, ' ').includes(openaiTranscript(WAV)), `the transcript is not in the VTT: ${show(t)}`);
});

check('openai audio.translations.create (whisper-1 -> /v1/audio/translations)', async () => {
  const r = await openai().audio.translations.create({ file: await toFile(WAV, 'sample.wav'), model: 'whisper-1' });
  eq(r.text, openaiTranscript(WAV), 'text');
  const up = await one('openai', '/v1/audio/translations');
  eq(up.multipart.files[0].sha256, sha(WAV), 'SHA-256 of the file upstream');
});

check('openai audio.transcriptions.create json on a Deepgram model (nova-2 -> fake Deepgram /v1/listen)', async () => {
  const r = await openai().audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav', { type: 'audio/wav' }), model: 'nova-2',
    response_format: 'json', language: 'en' });
  eq(r.text, deepgramTranscript(WAV), 'text');
  const up = await one('deepgram', '/v1/listen');
  eq(up.body_sha256, sha(WAV), 'SHA-256 of the raw audio body upstream');
  eq(up.query.model, 'nova-2', 'upstream ?model');
  eq(up.query.language, 'en', 'upstream ?language');
});

check('openai audio.transcriptions.create srt on a Deepgram model (cues from word timings)', async () => {
  const r = await openai().audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav'), model: 'nova-2', response_format: 'srt' });
  eq(typeof r, 'string', 'type of the answer');
  expect(/^1\r?\n00:00:00,000 --> \d\d:\d\d:\d\d,\d{3}\r?\n/.test(r), `not SRT starting at 0: ${show(r)}`);
  expect(r.replace(/\s+/g, ' ').includes(deepgramTranscript(WAV)), `the transcript is not in the SRT: ${show(r)}`);
  // the fake's last word ends at 1.900 s (4 words, 0.5 s apart, 0.4 s long)
  expect(r.includes('00:00:01,900'), `no cue ends at the last word's end (00:00:01,900): ${show(r)}`);
  await one('deepgram', '/v1/listen');
});

check('openai audio.transcriptions.create on the offline echo-stt model', async () => {
  const r = await openai().audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav', { type: 'audio/wav' }), model: 'echo-stt' });
  expect(r.text.includes(`${WAV.length} bytes`) && r.text.includes('0.500 seconds'), `text: ${show(r.text)}`);
  await nothingUpstream();
});

check('openai audio.speech.create (tts-1 -> fake OpenAI /v1/audio/speech, bytes exact)', async () => {
  const res = await openai().audio.speech.create({ model: 'tts-1', input: SPEECH_TEXT, voice: 'alloy', response_format: 'mp3', speed: 1.25 });
  const audio = await bytes(res);
  const up = await one('openai', '/v1/audio/speech');
  eq(up.json.input, SPEECH_TEXT, 'upstream input');
  eq(up.json.voice, 'alloy', 'upstream voice');
  eq(up.json.speed, 1.25, 'upstream speed');
  sameAudio(audio, up, 'audio.speech.create');
  eq(res.headers.get('content-type'), 'audio/mpeg', 'content-type');
});

check('openai audio.speech.create on a Deepgram model (aura-asteria-en -> fake Deepgram /v1/speak, bytes exact)', async () => {
  const res = await openai().audio.speech.create({ model: 'aura-asteria-en', input: SPEECH_TEXT, voice: 'alloy' });
  const audio = await bytes(res);
  const up = await one('deepgram', '/v1/speak');
  eq(up.json.text, SPEECH_TEXT, 'upstream text');
  eq(up.query.model, 'aura-asteria-en', 'upstream ?model');
  sameAudio(audio, up, 'audio.speech.create');
});

check('openai audio.speech.create response_format wav on a Deepgram model -> ?encoding=linear16 (container wav)', async () => {
  const res = await openai().audio.speech.create({ model: 'aura-asteria-en', input: 'Hi there', voice: 'alloy', response_format: 'wav' });
  const audio = await bytes(res);
  const up = await one('deepgram', '/v1/speak');
  eq(up.query.encoding, 'linear16', 'upstream ?encoding');
  expect(up.query.container === undefined || up.query.container === 'wav', `upstream ?container: ${show(up.query.container)}`);
  sameAudio(audio, up, 'audio.speech.create');
});

check('openai audio.speech.create on the offline echo-tts model (wav)', async () => {
  const res = await openai().audio.speech.create({ model: 'echo-tts', input: 'Hi there', voice: 'alloy', response_format: 'wav' });
  checkEchoWav(await bytes(res), 'Hi there', 24000);
  await nothingUpstream();
});

check('openai wrong key -> AuthenticationError 401 (completions, transcriptions, speech), nothing upstream', async () => {
  const c = await refused(() => openai(WRONG_KEY).completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: CPROMPT }));
  expect(c instanceof OpenAI.AuthenticationError, `completions: ${errorText(c)}`);
  eq(c.status, 401, 'completions status');
  const t = await refused(async () => openai(WRONG_KEY).audio.transcriptions.create({ file: await toFile(WAV, 'sample.wav'), model: 'whisper-1' }));
  expect(t instanceof OpenAI.AuthenticationError, `transcriptions: ${errorText(t)}`);
  const s = await refused(() => openai(WRONG_KEY).audio.speech.create({ model: 'tts-1', input: 'x', voice: 'alloy' }));
  expect(s instanceof OpenAI.AuthenticationError, `speech: ${errorText(s)}`);
  await nothingUpstream();
});

// ================================================================== Deepgram SDK v5
check('deepgram v5 listen.v1.media.transcribeFile(buffer, {model, smart_format}) (nova-2 -> fake Deepgram)', async () => {
  const r = await deepgram().listen.v1.media.transcribeFile(WAV, { model: 'nova-2', smart_format: true, punctuate: true });
  eq(r.results.channels[0].alternatives[0].transcript, deepgramTranscript(WAV), 'transcript');
  expect(r.results.channels[0].alternatives[0].words.length === 4, 'words');
  const up = await one('deepgram', '/v1/listen');
  eq(up.body_sha256, sha(WAV), 'SHA-256 of the audio body upstream');
  eq(up.query.model, 'nova-2', 'upstream ?model');
  eq(up.query.smart_format, 'true', 'upstream ?smart_format');
  eq(up.query.punctuate, 'true', 'upstream ?punctuate');
});

check('deepgram v5 listen.v1.media.transcribeFile(fs.createReadStream(...)) (nova-2, a streamed upload)', async () => {
  const r = await deepgram().listen.v1.media.transcribeFile(createReadStream(WAV_PATH), { model: 'nova-2' });
  eq(r.results.channels[0].alternatives[0].transcript, deepgramTranscript(WAV), 'transcript');
  const up = await one('deepgram', '/v1/listen');
  eq(up.body_sha256, sha(WAV), 'SHA-256 of the audio body upstream');
});

check('deepgram v5 listen.v1.media.transcribeUrl({url, model}) (nova-2)', async () => {
  const r = await deepgram().listen.v1.media.transcribeUrl({ url: AUDIO_URL, model: 'nova-2' });
  eq(r.results.channels[0].alternatives[0].transcript, deepgramTranscript(AUDIO_URL), 'transcript');
  const up = await one('deepgram', '/v1/listen');
  eq(up.json && up.json.url, AUDIO_URL, 'upstream JSON url');
});

check('deepgram v5 transcribeFile on an OpenAI model (whisper-1 -> fake OpenAI multipart)', async () => {
  const r = await deepgram().listen.v1.media.transcribeFile(WAV, { model: 'whisper-1' });
  eq(r.results.channels[0].alternatives[0].transcript, openaiTranscript(WAV), 'transcript');
  const up = await one('openai', '/v1/audio/transcriptions');
  eq(up.multipart.files[0].sha256, sha(WAV), 'SHA-256 of the file upstream');
});

check('deepgram v5 transcribeFile and transcribeUrl on the offline echo-stt model', async () => {
  const r = await deepgram().listen.v1.media.transcribeFile(WAV, { model: 'echo-stt' });
  const t = r.results.channels[0].alternatives[0].transcript;
  expect(t.includes(`${WAV.length} bytes`) && t.includes('0.500 seconds'), `transcript: ${show(t)}`);
  const u = await deepgram().listen.v1.media.transcribeUrl({ url: AUDIO_URL, model: 'echo-stt' });
  expect(u.results.channels[0].alternatives[0].transcript.includes(AUDIO_URL), `url transcript: ${show(u.results)}`);
  await nothingUpstream();
});

check('deepgram v5 speak.v1.audio.generate({text, model}) (aura-asteria-en -> fake Deepgram /v1/speak, bytes exact)', async () => {
  const res = await deepgram().speak.v1.audio.generate({ text: SPEECH_TEXT, model: 'aura-asteria-en' });
  const audio = await bytes(res);
  const up = await one('deepgram', '/v1/speak');
  eq(up.json.text, SPEECH_TEXT, 'upstream text');
  eq(up.query.model, 'aura-asteria-en', 'upstream ?model');
  sameAudio(audio, up, 'speak.v1.audio.generate');
});

check('deepgram v5 speak.v1.audio.generate on an OpenAI model (tts-1 -> fake OpenAI /v1/audio/speech, bytes exact)', async () => {
  const res = await deepgram().speak.v1.audio.generate({ text: SPEECH_TEXT, model: 'tts-1' });
  const audio = await bytes(res);
  const up = await one('openai', '/v1/audio/speech');
  eq(up.json.input, SPEECH_TEXT, 'upstream input');
  sameAudio(audio, up, 'speak.v1.audio.generate');
});

check('deepgram v5 speak.v1.audio.generate linear16/wav on an OpenAI model -> response_format wav', async () => {
  const res = await deepgram().speak.v1.audio.generate({ text: 'Hi there', model: 'tts-1', encoding: 'linear16', container: 'wav' });
  const audio = await bytes(res);
  const up = await one('openai', '/v1/audio/speech');
  eq(up.json.response_format, 'wav', 'upstream response_format');
  sameAudio(audio, up, 'speak.v1.audio.generate');
});

check('deepgram v5 speak.v1.audio.generate on the offline echo-tts model (linear16 wav 16 kHz)', async () => {
  const res = await deepgram().speak.v1.audio.generate({ text: 'Hi there', model: 'echo-tts', encoding: 'linear16', container: 'wav', sample_rate: 16000 });
  checkEchoWav(await bytes(res), 'Hi there', 16000);
  await nothingUpstream();
});

check('deepgram v5 wrong key -> DeepgramError 401 (listen, speak), nothing upstream', async () => {
  const l = await refused(() => deepgram(WRONG_KEY).listen.v1.media.transcribeFile(WAV, { model: 'nova-2' }));
  expect(l instanceof DeepgramError, `listen: ${errorText(l)}`);
  eq(l.statusCode, 401, 'listen status');
  const s = await refused(() => deepgram(WRONG_KEY).speak.v1.audio.generate({ text: 'x', model: 'aura-asteria-en' }));
  expect(s instanceof DeepgramError, `speak: ${errorText(s)}`);
  eq(s.statusCode, 401, 'speak status');
  await nothingUpstream();
});

// ================================================================== Deepgram SDK v4 (the API most code written before 2025 uses)
check('deepgram v4 listen.prerecorded.transcribeFile(buffer, {model, smart_format}) (nova-2)', async () => {
  const { result, error } = await deepgramV4().listen.prerecorded.transcribeFile(WAV, { model: 'nova-2', smart_format: true });
  expect(!error, `error: ${errorText(error)}`);
  eq(result.results.channels[0].alternatives[0].transcript, deepgramTranscript(WAV), 'transcript');
  const up = await one('deepgram', '/v1/listen');
  eq(up.body_sha256, sha(WAV), 'SHA-256 of the audio body upstream');
  eq(up.query.smart_format, 'true', 'upstream ?smart_format');
});

check('deepgram v4 listen.prerecorded.transcribeUrl({url}, {model}) (nova-2)', async () => {
  const { result, error } = await deepgramV4().listen.prerecorded.transcribeUrl({ url: AUDIO_URL }, { model: 'nova-2' });
  expect(!error, `error: ${errorText(error)}`);
  eq(result.results.channels[0].alternatives[0].transcript, deepgramTranscript(AUDIO_URL), 'transcript');
  const up = await one('deepgram', '/v1/listen');
  eq(up.json && up.json.url, AUDIO_URL, 'upstream JSON url');
});

check('deepgram v4 speak.request({text}, {model}) (aura-asteria-en, bytes exact)', async () => {
  const r = await deepgramV4().speak.request({ text: SPEECH_TEXT }, { model: 'aura-asteria-en' });
  const audio = await bytes(await r.getStream());
  const up = await one('deepgram', '/v1/speak');
  eq(up.json.text, SPEECH_TEXT, 'upstream text');
  sameAudio(audio, up, 'speak.request');
});

check('deepgram v4 wrong key -> DeepgramApiError 401, nothing upstream', async () => {
  const { error } = await deepgramV4(WRONG_KEY).listen.prerecorded.transcribeFile(WAV, { model: 'nova-2' });
  expect(error instanceof DeepgramApiError, `listen: ${errorText(error)}`);
  eq(error.status, 401, 'listen status');
  // v4 makes the message from err.msg || err.message || ...: the Deepgram routes' errors carry "message".
  eq(error.message, 'Invalid API key.', 'listen message');
  const s = await refused(() => deepgramV4(WRONG_KEY).speak.request({ text: 'x' }, { model: 'aura-asteria-en' }));
  expect(s instanceof DeepgramApiError, `speak: ${errorText(s)}`);
  eq(s.status, 401, 'speak status');
  eq(s.message, 'Invalid API key.', 'speak message');
  await nothingUpstream();
});

// ================================================================== realtime voice (sdk-realtime.mjs)
realtimeChecks({ check, expect, eq, show, Failure, requests, received, one, nothingUpstream, BASE, VOICE, KEY, WRONG_KEY, CONTROL, SECRETS });

// ================================================================== gateway tools, approvals, tasks (sdk-agent.mjs)
agentChecks({ check, expect, eq, show, Failure, received, one, nothingUpstream, refused, errorText, openai, BASE, KEY, OTHER_KEY });

// ================================================================== the Responses API (sdk-responses.mjs)
responsesChecks({ check, expect, eq, show, one, openai, KEY, OTHER_KEY, refused, errorText, nothingUpstream, BASE, Skipped, runAgent });
// ================================================================== Anthropic's Messages API (sdk-messages.mjs)
messagesChecks({ check, expect, eq, show, refused, errorText, one, nothingUpstream, BASE, KEY, WRONG_KEY, Skipped, runAgent });
// ================================================================== embeddings (sdk-embeddings.mjs)
embeddingsChecks({ check, expect, eq, show, Failure, one, nothingUpstream, refused, errorText, openai });

// ================================================================== the gateway's log
check('no key (client, own provider key, upstream keys, tool endpoint key, session tokens, keystore password) in the gateway\'s log', async () => {
  expect(GATEWAY_LOG, 'GATEWAY_LOG is not set');
  const text = readFileSync(GATEWAY_LOG, 'utf8');
  expect(text.includes('"access_log"') || text.includes('"event":"access'), 'the log holds no access lines: is it the gateway\'s stdout?');
  for (const s of SECRETS) expect(!text.includes(s), `the log holds ${s.slice(0, 12)}…`);
});

// ------------------------------------------------------------------ run
let passed = 0, failed = 0, skipped = 0;
for (const c of checks) {
  if (ONLY && !c.name.includes(ONLY)) continue;
  mark = (await requests()).length;
  try {
    await c.fn();
    passed++;
    console.log(`ok ${c.name}`);
  } catch (e) {
    if (e instanceof Skipped) {
      skipped++;
      console.log(`skipped ${c.name}: ${e.message}`);
      continue;
    }
    failed++;
    const why = e instanceof Failure ? e.message : `${errorText(e)}${e && e.body ? ` body=${show(e.body)}` : ''}`;
    console.log(`FAIL ${c.name}: ${why.replace(/\n/g, '\\n')}`);
  }
}
rmSync(work, { recursive: true, force: true });
console.log(`sdk: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);

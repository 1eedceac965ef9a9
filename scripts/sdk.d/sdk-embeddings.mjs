// Embeddings (issue 14) through the OpenAI JS SDK, as a RAG stack calls them: embeddings.create
// with the SDK's default (it asks for encoding_format "base64" and decodes the little-endian
// float32 values itself into arrays of numbers), with encoding_format "float", with
// "base64" asked explicitly (the SDK then returns the strings as they came), and with
// dimensions; through a fake OpenAI upstream (fake-upstreams.js: fakeEmbedding below, values
// exact in float32) and through the offline echo-embedding model. sdk-test.mjs registers these
// checks with embeddingsChecks(t).
import { createHash } from 'node:crypto';

const MODEL = 'text-embedding-3-small'; // scripts/sdk's config: provider openai, the fake
const ECHO = 'echo-embedding';
const ECHO_DIMENSIONS = 256; // provider/echo/EchoEmbeddings.DEFAULT_DIMENSIONS
const TEXTS = ['The quick brown fox', 'jumps over the lazy dog'];

// The same function as in fake-upstreams.js.
function fakeEmbedding(text, dims) {
  const h = createHash('sha256').update(text).digest();
  const v = [];
  for (let j = 0; j < dims; j++) v.push(h[j % h.length] / 128 - 1);
  return v;
}

export function embeddingsChecks(t) {
  const { check, expect, eq, show, one, nothingUpstream, refused, errorText, openai } = t;

  function sameVector(got, want, what) {
    expect(Array.isArray(got), `${what}: not an array of numbers: ${show(got)}`);
    eq(got.length, want.length, `${what}: length`);
    for (let i = 0; i < want.length; i++) {
      if (got[i] !== want[i]) throw new t.Failure(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
    }
  }
  // What the Node SDK itself does with a base64 embedding (internal/utils/base64.ts).
  const decode = (s) => { const b = Buffer.from(s, 'base64'); return Array.from(new Float32Array(b.buffer, b.byteOffset, b.length / 4)); };

  function answer(r, model, what) {
    eq(r.object, 'list', `${what}: object`);
    eq(r.model, model, `${what}: model`);
    eq(r.data.length, TEXTS.length, `${what}: data.length`);
    r.data.forEach((d, i) => { eq(d.object, 'embedding', `${what}: data[${i}].object`); eq(d.index, i, `${what}: data[${i}].index`); });
    expect(r.tollgate && Number.isInteger(r.tollgate.credits_charged), `${what}: no extension object: ${show(r.tollgate)}`);
  }

  check('openai embeddings.create with the SDK default (base64 asked of the upstream, decoded by the SDK)', async () => {
    const r = await openai().embeddings.create({ model: MODEL, input: TEXTS });
    const sent = await one('openai', '/v1/embeddings');
    eq(JSON.stringify(sent.json), JSON.stringify({ model: MODEL, input: TEXTS, encoding_format: 'base64' }), 'body sent upstream');
    answer(r, MODEL, 'default');
    TEXTS.forEach((x, i) => sameVector(r.data[i].embedding, fakeEmbedding(x, 8), `data[${i}].embedding`));
    eq(JSON.stringify(r.usage), JSON.stringify({ prompt_tokens: 4, total_tokens: 4 }), 'usage');
  });

  check('openai embeddings.create with encoding_format float, and base64 asked explicitly (strings as they came)', async () => {
    const f = await openai().embeddings.create({ model: MODEL, input: TEXTS, encoding_format: 'float', dimensions: 4 });
    eq((await one('openai', '/v1/embeddings')).json.encoding_format, 'float', 'encoding_format sent upstream');
    answer(f, MODEL, 'float');
    TEXTS.forEach((x, i) => sameVector(f.data[i].embedding, fakeEmbedding(x, 4), `float data[${i}].embedding`));
    const b = await openai().embeddings.create({ model: MODEL, input: TEXTS[0], encoding_format: 'base64' });
    expect(typeof b.data[0].embedding === 'string', `base64 asked: not a string: ${show(b.data[0].embedding)}`);
    sameVector(decode(b.data[0].embedding), fakeEmbedding(TEXTS[0], 8), 'base64 data[0].embedding decoded');
  });

  check('openai embeddings.create on the offline echo model: deterministic unit vectors, the same in both encodings', async () => {
    const a = await openai().embeddings.create({ model: ECHO, input: TEXTS });
    const f = await openai().embeddings.create({ model: ECHO, input: TEXTS, encoding_format: 'float' });
    answer(a, ECHO, 'echo default');
    eq(a.data[0].embedding.length, ECHO_DIMENSIONS, 'echo dimensions');
    // Float text is the shortest that reads back as the float32 value: read back as float32, it is that value.
    TEXTS.forEach((_, i) => sameVector(a.data[i].embedding, f.data[i].embedding.map(Math.fround), `echo data[${i}] base64 vs float`));
    const norm = Math.sqrt(a.data[0].embedding.reduce((s, x) => s + x * x, 0));
    expect(Math.abs(norm - 1) < 1e-5, `echo vector length ${norm}, want 1`);
    expect(JSON.stringify(a.data[0].embedding) !== JSON.stringify(a.data[1].embedding), 'two texts, one vector');
    await nothingUpstream();
  });

  check('openai embeddings.create with an empty input is a 400 naming input', async () => {
    const e = await refused(() => openai().embeddings.create({ model: MODEL, input: '' }));
    eq(e.status, 400, `status (${errorText(e)})`);
    eq(e.param, 'input', 'param');
    eq(e.message, '400 Invalid value for \'input\': an input cannot be an empty string.', 'message');
    await nothingUpstream();
  });
}

package tollgate.provider.echo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonNumber;
import tollgate.provider.EmbeddingCodec;
import tollgate.provider.Embeddings;
import tollgate.provider.EmbeddingsCall;
import tollgate.provider.Usage;

/**
 * Embeddings offline, for tests and the default config: deterministic (the same input and length
 * give the same vector on every run and machine) and a little like the real thing, so that a
 * retrieval demo finds something. Each word of a text (lower-cased; runs of letters and digits),
 * or each id of a token array, is hashed (FNV-1a, 64 bits, of its UTF-8 bytes) onto
 * {@link #SPREAD} of the vector's dimensions with a sign ("feature hashing"), and the vector is
 * scaled to length 1: texts that share words point the same way. A text without a word is hashed
 * whole. The length is {@code dimensions}, or {@link #DEFAULT_DIMENSIONS}.
 *
 * <p>No usage is reported: the gateway's estimate is charged (at the model's price, 0 as shipped).
 */
final class EchoEmbeddings {
    private EchoEmbeddings() { throw new AssertionError(); }

    /** The vectors' length when the request asks none (OpenAI's text-embedding-3-small has 1536: 256 is enough for a test). */
    static final int DEFAULT_DIMENSIONS = 256;
    /** Dimensions each word adds to (more than one keeps two words from cancelling out on one dimension). */
    static final int SPREAD = 4;
    /** Bytes of a vector's float text per dimension, for sizing the buffer ("-0.012345678," is 13; most are shorter). */
    static final int TEXT_BYTES_PER_FLOAT = 14;

    private static final long FNV_OFFSET = 0xcbf29ce484222325L, FNV_PRIME = 0x100000001b3L;

    static Embeddings embed(EmbeddingsCall call) {
        EmbeddingsCall.Request r = call.request();
        int dims = r.dimensions() > 0 ? r.dimensions() : DEFAULT_DIMENSIONS;
        long perVector = r.base64() ? Math.ceilDiv(4L * dims, 3) * 4 + 2 : (long) dims * TEXT_BYTES_PER_FLOAT + 2;
        JsonBuffer out = new JsonBuffer((int) Math.min(Integer.MAX_VALUE - 8L, r.count() * perVector), call.memory());
        int[] from = new int[r.count()], to = new int[r.count()];
        for (int i = 0; i < r.count(); i++) {
            float[] v = vector(r.items().get(i), dims);
            from[i] = out.length();
            if (r.base64()) EmbeddingCodec.writeBase64(v, out);
            else EmbeddingCodec.writeFloats(v, out);
            to[i] = out.length();
        }
        List<Embeddings.Vector> vectors = new ArrayList<>(r.count());
        for (int i = 0; i < r.count(); i++) vectors.add(new Embeddings.Vector(out.array(), from[i], to[i]));
        return new Embeddings(List.copyOf(vectors), Usage.NONE);
    }

    /** The unit vector of one input (a {@code String} or a {@code List} of token ids) with {@code dims} dimensions. */
    static float[] vector(Object item, int dims) {
        double[] v = new double[dims];
        boolean any = false;
        if (item instanceof String text) {
            String lower = text.toLowerCase(Locale.ROOT);
            int start = -1;
            for (int i = 0; i <= lower.length(); ) {
                int cp = i < lower.length() ? lower.codePointAt(i) : ' ';
                boolean word = i < lower.length() && Character.isLetterOrDigit(cp);
                if (word && start < 0) start = i;
                if (!word && start >= 0) {
                    add(v, fnv(lower.substring(start, i).getBytes(StandardCharsets.UTF_8)));
                    any = true;
                    start = -1;
                }
                i += i < lower.length() ? Character.charCount(cp) : 1;
            }
            if (!any) add(v, fnv(text.getBytes(StandardCharsets.UTF_8)));
        } else if (item instanceof List<?> ids) {
            for (Object id : ids) add(v, fnv(((JsonNumber) id).text().getBytes(StandardCharsets.US_ASCII)));
        }
        double norm = 0;
        for (double x : v) norm += x * x;
        norm = Math.sqrt(norm);
        float[] unit = new float[dims];
        for (int i = 0; i < dims; i++) unit[i] = norm == 0 ? 0f : (float) (v[i] / norm);
        return unit;
    }

    private static void add(double[] v, long hash) {
        for (int k = 0; k < SPREAD; k++) {
            long x = mix(hash + k * 0x9e3779b97f4a7c15L);
            v[(int) Math.floorMod(x >>> 1, (long) v.length)] += x < 0 ? -1 : 1;
        }
    }

    private static long fnv(byte[] bytes) {
        long h = FNV_OFFSET;
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return h;
    }

    /** SplitMix64's finaliser: spreads a hash's bits over all 64. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}

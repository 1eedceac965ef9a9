package tollgate.provider;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import tollgate.json.JsonBuffer;

/**
 * The two encodings of an embedding (protocols-2.md §11): a JSON array of numbers, or a JSON
 * string of standard base64 (with padding) of the float32 values, 4 bytes each, little-endian
 * (the byte order the SDKs' decoders use on x86-64 and arm64: Python's
 * {@code np.frombuffer(..., dtype="float32")}, Node's {@code new Float32Array(buf.buffer)}).
 */
public final class EmbeddingCodec {
    private EmbeddingCodec() { throw new AssertionError(); }

    /** Bytes of one float32 value. */
    public static final int FLOAT_BYTES = 4;

    /** Whether a byte is in standard base64's alphabet (RFC 4648 §4), padding aside: one load per byte of a 34 MB answer. */
    private static final boolean[] ALPHABET = new boolean[256];

    static {
        for (byte c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII)) {
            ALPHABET[c] = true;
        }
    }

    /** Appends {@code v} as a JSON array of numbers, each the shortest text that reads back as that float. */
    public static void writeFloats(float[] v, JsonBuffer out) {
        out.append((byte) '[');
        for (int i = 0; i < v.length; i++) {
            if (i > 0) out.append((byte) ',');
            out.appendAscii(Float.toString(v[i])); // "1.0E-5" is a JSON number too
        }
        out.append((byte) ']');
    }

    /** Bytes of float32 values encoded at a time: a multiple of 3 (no padding inside) and of 4 (whole values). */
    static final int BASE64_CHUNK_BYTES = 3 * 1024;

    /**
     * Appends {@code v} as a JSON string: base64 of its little-endian float32 values, encoded a
     * chunk at a time, so that nothing of the vector's size is allocated beside {@code out}.
     */
    public static void writeBase64(float[] v, JsonBuffer out) {
        Base64.Encoder encoder = Base64.getEncoder();
        byte[] raw = new byte[BASE64_CHUNK_BYTES], text = new byte[BASE64_CHUNK_BYTES / 3 * 4];
        out.append((byte) '"');
        for (int i = 0; i < v.length; ) {
            int n = Math.min(BASE64_CHUNK_BYTES / FLOAT_BYTES, v.length - i);
            byte[] chunk = n * FLOAT_BYTES == raw.length ? raw : new byte[n * FLOAT_BYTES]; // the last one
            for (int j = 0; j < n; j++) {
                int bits = Float.floatToRawIntBits(v[i + j]);
                chunk[4 * j] = (byte) bits;
                chunk[4 * j + 1] = (byte) (bits >>> 8);
                chunk[4 * j + 2] = (byte) (bits >>> 16);
                chunk[4 * j + 3] = (byte) (bits >>> 24);
            }
            out.append(text, 0, encoder.encode(chunk, text));
            i += n;
        }
        out.append((byte) '"');
    }

    /**
     * The float32 values of base64 text {@code b[from, to)} (no quotes), or null when it is not
     * whole float32 values. Allocates the decoded bytes and the values, nothing else.
     */
    public static float[] decode(byte[] b, int from, int to) {
        if (floats(b, from, to) < 0) return null;
        ByteBuffer in = Base64.getDecoder().decode(ByteBuffer.wrap(b, from, to - from)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[in.remaining() / FLOAT_BYTES];
        for (int i = 0; i < v.length; i++) v[i] = in.getFloat();
        return v;
    }

    /**
     * How many float32 values base64 text {@code b[from, to)} (no quotes) holds, or -1 when it is
     * not standard base64 with padding of a whole number of them. Checks without decoding.
     */
    public static int floats(byte[] b, int from, int to) {
        int n = to - from;
        if (n % 4 != 0) return -1;
        int body = n >= 2 && b[to - 1] == '=' ? (b[to - 2] == '=' ? n - 2 : n - 1) : n;
        int pad = n - body;
        for (int i = from, end = from + body; i < end; i++) {
            if (!ALPHABET[b[i] & 0xff]) return -1;
        }
        long bytes = (long) n / 4 * 3 - pad;
        return bytes % FLOAT_BYTES == 0 ? (int) (bytes / FLOAT_BYTES) : -1;
    }
}

package tollgate.provider;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonException;
import tollgate.json.MemberScan;
import tollgate.memory.Reservation;

/**
 * Reads an OpenAI-shaped embeddings answer ({@code {"data":[{"index","embedding"}],"usage"}},
 * protocols-2.md §11; Mistral's has the same members) into {@link Embeddings} without building a
 * value per number: the text is first checked to be one valid JSON object ({@link MemberScan}),
 * then walked, and each {@code embedding} is kept as the span of its bytes when it already has
 * the encoding the client asked for. Only a vector in the other encoding is converted (an
 * OpenAI-compatible server that ignores {@code encoding_format} and sends floats to a base64
 * client), into one buffer charged to the call's memory. The conversion's float values (and the
 * decoded bytes of a base64 vector) are reserved in that memory too while it runs: one vector may
 * be an upstream's whole answer, and a limit per request is not a limit.
 */
public final class EmbeddingsAnswer {
    private final byte[] b;
    private final int end;
    private final boolean base64;
    private final String providerId;
    private final String where;
    private final JsonBuffer converted;
    private final Reservation memory;
    private int p;

    private EmbeddingsAnswer(byte[] b, int len, EmbeddingsCall call, String providerId, String where) {
        this.b = b;
        this.end = len;
        this.base64 = call.request().base64();
        this.providerId = providerId;
        this.where = where;
        this.memory = call.memory();
        this.converted = new JsonBuffer(16, memory);
    }

    /**
     * The vectors of the 2xx answer {@code b[0, len)} (scrubbed of secrets), one per input of {@code call}.
     *
     * @throws GatewayException an {@code error} object the upstream sent, or {@code PROVIDER_ERROR}
     *                          when the answer is not embeddings for every input
     */
    public static Embeddings read(byte[] b, int len, EmbeddingsCall call, String providerId, String where) {
        if (!new MemberScan().scan(b, 0, len)) throw bad(providerId, where, "answered " + len + " bytes that are not a JSON object");
        return new EmbeddingsAnswer(b, len, call, providerId, where).object(call);
    }

    private Embeddings object(EmbeddingsCall call) {
        int n = call.request().count();
        int[] src = new int[n], from = new int[n], to = new int[n]; // src 0: the answer, 1: the conversion buffer
        Arrays.fill(from, -1);
        int seen = 0;
        Object error = null;
        Usage usage = Usage.NONE;
        boolean hasData = false;
        p++; // '{'
        for (ws(); b[p] != '}'; ) {
            int ks = p + 1;
            skipString();
            int ke = p - 1;
            ws();
            p++; // ':'
            ws();
            if (key(ks, ke, "data")) {
                if (b[p] != '[') throw bad("'data' is not an array");
                hasData = true;
                seen = data(src, from, to);
            } else if (key(ks, ke, "usage") || key(ks, ke, "error")) {
                int vs = p;
                skipValue();
                Object v = Json.parse(b, vs, p - vs, call.memory()); // small: a few numbers or a message
                if (key(ks, ke, "usage")) usage = Usage.fromJson(v);
                else error = v;
            } else {
                skipValue();
            }
            ws();
            if (b[p] == ',') {
                p++;
                ws();
            }
        }
        if (!hasData && error != null) throw UpstreamErrors.fromErrorObject(providerId, error);
        if (seen != n) {
            throw bad("sent " + seen + " embeddings for " + n + " inputs");
        }
        List<Embeddings.Vector> vectors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            vectors.add(new Embeddings.Vector(src[i] == 0 ? b : converted.array(), from[i], to[i]));
        }
        return new Embeddings(List.copyOf(vectors), usage);
    }

    /** Walks {@code data[]} (at its '['): each entry's vector goes to its index. Returns how many there were. */
    private int data(int[] src, int[] from, int[] to) {
        int count = 0;
        p++;
        for (ws(); b[p] != ']'; ) {
            if (b[p] != '{') throw bad("data[" + count + "] is not an object");
            int index = count;
            int vs = -1, ve = -1;
            boolean string = false, escaped = false;
            p++;
            for (ws(); b[p] != '}'; ) {
                int ks = p + 1;
                skipString();
                int ke = p - 1;
                ws();
                p++;
                ws();
                if (key(ks, ke, "index")) {
                    int s = p;
                    skipValue();
                    index = index(s, p, count);
                } else if (key(ks, ke, "embedding")) {
                    vs = p;
                    string = b[p] == '"';
                    if (string) {
                        escaped = skipString();
                    } else if (b[p] == '[') {
                        numbers(count);
                    } else {
                        throw bad("data[" + count + "].embedding is neither an array of numbers nor a base64 string");
                    }
                    ve = p;
                } else {
                    skipValue();
                }
                ws();
                if (b[p] == ',') {
                    p++;
                    ws();
                }
            }
            p++; // '}'
            if (vs < 0) throw bad("data[" + count + "] has no embedding");
            if (index >= from.length || from[index] >= 0) {
                throw bad("data[" + count + "].index " + index + " is " + (index >= from.length ? "not an input's" : "a repeated one"));
            }
            place(index, vs, ve, string, escaped, src, from, to);
            count++;
            ws();
            if (b[p] == ',') {
                p++;
                ws();
            }
        }
        p++; // ']'
        return count;
    }

    /** Puts the vector at {@code b[vs, ve)} in the client's encoding at {@code index}: the span itself, or a converted copy. */
    private void place(int index, int vs, int ve, boolean string, boolean escaped, int[] src, int[] from, int[] to) {
        if (string && base64 && !escaped) {
            if (EmbeddingCodec.floats(b, vs + 1, ve - 1) < 0) throw notFloat32(index);
            from[index] = vs;
            to[index] = ve;
            return;
        }
        if (!string && !base64) {
            from[index] = vs;
            to[index] = ve;
            return;
        }
        // Held while converting: the float values; for base64 also its decoded bytes, and the
        // unescaped copy (a string and its bytes) of a string with escapes.
        int numbers = string ? 0 : countNumbers(vs, ve);
        long decoded = (long) (ve - vs) / 4 * 3;
        long scratch = string ? 2 * decoded + (escaped ? 2L * (ve - vs) : 0) : (long) EmbeddingCodec.FLOAT_BYTES * numbers;
        memory.reserve(scratch);
        try {
            float[] v = string ? base64(vs, ve, index) : floats(vs, ve, numbers, index);
            src[index] = 1;
            from[index] = converted.length();
            if (base64) EmbeddingCodec.writeBase64(v, converted);
            else EmbeddingCodec.writeFloats(v, converted);
            to[index] = converted.length();
        } finally {
            memory.release(scratch);
        }
    }

    private float[] base64(int vs, int ve, int index) {
        byte[] text = b;
        int s = vs + 1, e = ve - 1;
        if (hasBackslash(vs, ve)) { // "\/" is a JSON spelling of '/'
            text = ((String) Json.parse(b, vs, ve - vs)).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            s = 0;
            e = text.length;
        }
        float[] v = EmbeddingCodec.decode(text, s, e);
        if (v == null) throw notFloat32(index);
        for (float f : v) {
            if (!Float.isFinite(f)) throw bad("data[" + index + "].embedding holds a value that is not a finite number");
        }
        return v;
    }

    /** How many numbers the array {@code b[vs, ve)} (checked to hold numbers only) has. */
    private int countNumbers(int vs, int ve) {
        int n = 0;
        boolean inside = false;
        for (int i = vs + 1; i < ve; i++) {
            boolean separator = isSeparator(b[i]);
            if (!separator && !inside) n++;
            inside = !separator;
        }
        return n;
    }

    private static boolean isSeparator(byte c) {
        return c == ',' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /** The {@code count} float32 values of the number array {@code b[vs, ve)}, each read as the float nearest its text. */
    private float[] floats(int vs, int ve, int count, int index) {
        float[] v = new float[count];
        int n = 0;
        for (int i = vs + 1; i < ve; ) {
            if (isSeparator(b[i])) {
                i++;
                continue;
            }
            int s = i;
            while (i < ve && !isSeparator(b[i])) i++;
            float f = Float.parseFloat(new String(b, s, i - s, java.nio.charset.StandardCharsets.ISO_8859_1));
            if (!Float.isFinite(f)) throw bad("data[" + index + "].embedding holds a number outside float32's range");
            v[n++] = f;
        }
        return v;
    }

    /** Skips the array at {@code p}, checking that it holds numbers only. */
    private void numbers(int entry) {
        p++;
        for (ws(); b[p] != ']'; ) {
            byte c = b[p];
            if (c != '-' && (c < '0' || c > '9')) throw bad("data[" + entry + "].embedding holds a value that is not a number");
            skipValue();
            ws();
            if (b[p] == ',') {
                p++;
                ws();
            }
        }
        p++;
    }

    private int index(int s, int e, int entry) {
        int v = 0;
        if (e == s || e - s > 9) throw bad("data[" + entry + "].index is not an input's position");
        for (int i = s; i < e; i++) {
            if (b[i] < '0' || b[i] > '9') throw bad("data[" + entry + "].index is not an input's position");
            v = v * 10 + (b[i] - '0');
        }
        return v;
    }

    // ------------------------------------------------------ walking text known to be valid JSON

    private void ws() {
        while (p < end && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t')) p++;
    }

    /** Skips the string at {@code p} (its opening quote); returns whether it held an escape. */
    private boolean skipString() {
        boolean escaped = false;
        p++;
        while (b[p] != '"') {
            if (b[p] == '\\') {
                escaped = true;
                p++;
            }
            p++;
        }
        p++;
        return escaped;
    }

    private void skipValue() {
        byte c = b[p];
        if (c == '"') {
            skipString();
        } else if (c == '{' || c == '[') {
            int depth = 0;
            do {
                c = b[p];
                if (c == '"') {
                    skipString();
                    continue;
                }
                if (c == '{' || c == '[') depth++;
                else if (c == '}' || c == ']') depth--;
                p++;
            } while (depth > 0);
        } else {
            while (p < end && b[p] != ',' && b[p] != '}' && b[p] != ']' && b[p] != ' ' && b[p] != '\n' && b[p] != '\r'
                    && b[p] != '\t') {
                p++;
            }
        }
    }

    private boolean key(int s, int e, String name) {
        if (e - s != name.length()) return false;
        for (int i = 0; i < name.length(); i++) if (b[s + i] != name.charAt(i)) return false;
        return true;
    }

    private boolean hasBackslash(int s, int e) {
        for (int i = s; i < e; i++) if (b[i] == '\\') return true;
        return false;
    }

    private GatewayException notFloat32(int index) {
        return bad("data[" + index + "].embedding is not base64 of whole float32 values");
    }

    private GatewayException bad(String what) { return bad(providerId, where, what); }

    private static GatewayException bad(String providerId, String where, String what) {
        return new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + providerId + "' returned a response that is not "
                + "embeddings for every input", null, 200, null).withDetail(where + ": " + what);
    }
}

package tollgate.json;

import java.util.List;
import java.util.Map;

/**
 * Writes Java values as compact JSON (no whitespace) straight into a {@link JsonBuffer}'s array.
 * The output is always valid UTF-8 that {@link JsonParser} accepts.
 */
final class JsonWriter {
    private JsonWriter() { throw new AssertionError(); }

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

    /** For each ASCII char: 0 to copy it as is, else the letter after the backslash ('u' for the six-character form). */
    private static final byte[] ESCAPE = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) ESCAPE[c] = 'u';
        ESCAPE['\b'] = 'b';
        ESCAPE['\f'] = 'f';
        ESCAPE['\n'] = 'n';
        ESCAPE['\r'] = 'r';
        ESCAPE['\t'] = 't';
        ESCAPE['"'] = '"';
        ESCAPE['\\'] = '\\';
    }

    static void write(Object value, JsonBuffer out) { write(value, out, 0); }

    // An instanceof chain, most frequent types first, rather than a pattern switch: on JDK 21 a
    // type switch bootstraps to a generic label loop, which is slower on this per-value path.
    private static void write(Object value, JsonBuffer out, int depth) {
        if (value instanceof String s) {
            writeString(s, out);
        } else if (value instanceof Map<?, ?> m) {
            writeObject(m, out, depth);
        } else if (value instanceof List<?> l) {
            writeArray(l, out, depth);
        } else if (value instanceof JsonNumber n) {
            writeNumber(n, out);
        } else if (value == null) {
            out.append(NULL);
        } else if (value instanceof Boolean b) {
            out.append(b ? TRUE : FALSE);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            writeLong(((Number) value).longValue(), out);
        } else if (value instanceof Double d) {
            if (!Double.isFinite(d)) throw new JsonException("Cannot write non-finite double " + d);
            out.appendAscii(Double.toString(d));
        } else if (value instanceof Float f) {
            if (!Float.isFinite(f)) throw new JsonException("Cannot write non-finite float " + f);
            out.appendAscii(Float.toString(f));
        } else if (value instanceof RawJson r) {
            if (r.utf8() == null) throw new JsonException("RawJson with null bytes");
            out.append(r.utf8());
        } else {
            throw new JsonException("Cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    /** Deeper than our parser accepts is certainly a mistake, and most likely a cycle. */
    private static int enter(int depth) {
        if (depth >= Json.MAX_DEPTH) {
            throw new JsonException("Nesting deeper than " + Json.MAX_DEPTH + " (cyclic structure?)");
        }
        return depth + 1;
    }

    private static void writeObject(Map<?, ?> map, JsonBuffer out, int depth) {
        int inner = enter(depth);
        out.append((byte) '{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                Object k = e.getKey();
                throw new JsonException("Object key must be a String, not " + (k == null ? "null" : k.getClass().getName()));
            }
            if (!first) out.append((byte) ',');
            first = false;
            writeString(key, out);
            out.append((byte) ':');
            write(e.getValue(), out, inner);
        }
        out.append((byte) '}');
    }

    private static void writeArray(List<?> list, JsonBuffer out, int depth) {
        int inner = enter(depth);
        out.append((byte) '[');
        boolean first = true;
        for (Object v : list) {
            if (!first) out.append((byte) ',');
            first = false;
            write(v, out, inner);
        }
        out.append((byte) ']');
    }

    /** Verbatim, but checked against the RFC grammar: JsonNumber is a record anyone can construct. */
    private static void writeNumber(JsonNumber n, JsonBuffer out) {
        String t = n.text();
        if (t == null || !isValidNumber(t)) throw new JsonException("Invalid JSON number text: " + t);
        out.appendAscii(t);
    }

    static boolean isValidNumber(String t) {
        int n = t.length();
        int i = 0;
        if (i < n && t.charAt(i) == '-') i++;
        if (i >= n) return false;
        if (t.charAt(i) == '0') {
            i++;
        } else if (isDigit(t.charAt(i))) {
            while (i < n && isDigit(t.charAt(i))) i++;
        } else {
            return false;
        }
        if (i < n && t.charAt(i) == '.') {
            i++;
            if (i >= n || !isDigit(t.charAt(i))) return false;
            while (i < n && isDigit(t.charAt(i))) i++;
        }
        if (i < n && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
            i++;
            if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) i++;
            if (i >= n || !isDigit(t.charAt(i))) return false;
            while (i < n && isDigit(t.charAt(i))) i++;
        }
        return i == n;
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    static void writeLong(long v, JsonBuffer out) {
        if (v == Long.MIN_VALUE) {
            out.appendAscii("-9223372036854775808");
            return;
        }
        out.ensure(20);
        byte[] a = out.buf;
        int p = out.len;
        if (v < 0) {
            a[p++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        int q = p + digits;
        do {
            a[--q] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
        out.len = p + digits;
    }

    static void writeString(String s, JsonBuffer out) {
        final int n = s.length();
        out.ensure(n + 2);
        byte[] a = out.buf;
        int p = out.len;
        a[p++] = '"';
        // Copying the chars out first (a bulk, vectorised inflate) makes the loop below much
        // tighter than charAt, which checks bounds and the string's coder on every call.
        char[] cs = out.chars(n);
        s.getChars(0, n, cs, 0);
        for (int i = 0; i < n; i++) {
            char c = cs[i];
            if (c < 0x80 && ESCAPE[c] == 0) {
                a[p++] = (byte) c;
                continue;
            }
            // Room for this char's longest form (6 bytes) plus one byte per later char and the quote.
            out.len = p;
            out.ensure(6 + (n - i));
            a = out.buf;
            if (c < 0x80) {
                byte e = ESCAPE[c];
                a[p++] = '\\';
                a[p++] = e;
                if (e == 'u') {
                    a[p++] = '0';
                    a[p++] = '0';
                    a[p++] = HEX[c >> 4];
                    a[p++] = HEX[c & 0xF];
                }
            } else if (c < 0x800) {
                a[p++] = (byte) (0xC0 | (c >> 6));
                a[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (c == 0x2028 || c == 0x2029) {
                // Legal in JSON but line terminators in JavaScript (before ES2019): raw, they break
                // JSON embedded in a <script> or served as JSONP, so they are always escaped.
                a[p++] = '\\';
                a[p++] = 'u';
                a[p++] = '2';
                a[p++] = '0';
                a[p++] = '2';
                a[p++] = (byte) (c == 0x2028 ? '8' : '9');
            } else if (!Character.isSurrogate(c)) {
                p = JsonBuffer.put3(a, p, c);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(cs[i + 1])) {
                p = JsonBuffer.put4(a, p, Character.toCodePoint(c, cs[++i]));
            } else {
                // A lone surrogate has no UTF-8 form; U+FFFD keeps the output valid.
                p = JsonBuffer.put3(a, p, 0xFFFD);
            }
        }
        a[p++] = '"';
        out.len = p;
    }
}

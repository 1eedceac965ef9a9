package tollgate.json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Strict RFC 8259 recursive-descent parser over UTF-8 bytes.
 *
 * <p>Strings that are pure ASCII without escapes (nearly all keys and most values) are made with one
 * {@code new String(bytes, ISO_8859_1)}, which is a plain copy; non-ASCII strings without escapes
 * are validated in place and then decoded by the JDK; strings with escapes are decoded, and
 * validated, into a scratch {@code char[]} reused across the whole parse. Errors are thrown as
 * {@link JsonException} (which has no stack trace, so it is cheap) and never used for control flow.
 * Positions in errors are relative to the start of the parsed slice.
 */
final class JsonParser extends JsonCursor {
    // Retained heap per node, estimated for a 64-bit JVM with compressed pointers and 8-byte
    // alignment, for the JsonMeter (the budget is reserved before the node is allocated):
    /** A String: its object (24) and its array's header (16); plus a byte per Latin-1 char. */
    static final int STRING_BYTES = 40;
    /** A LinkedHashMap (56) with its first table of 16 slots (80). */
    static final int MAP_BYTES = 136;
    /** A map entry (40), plus its share of the table as it grows. */
    static final int ENTRY_BYTES = 48;
    /** An ArrayList (24) with its first array of 10 slots (56). */
    static final int LIST_BYTES = 80;
    /** A list slot, with the array's 1.5x growth. */
    static final int ELEMENT_BYTES = 6;
    /** A JsonNumber (16) and its String. */
    static final int NUMBER_BYTES = 16 + STRING_BYTES;

    private final JsonMeter meter;
    /** Bytes of tree built since the meter was last charged. */
    private long unbilled;
    private int depth;
    /** Scratch for decoding strings, reused for the whole parse. */
    private char[] chars;
    /** How many chars the last {@link #escape} call wrote (1, or 2 for a surrogate pair). */
    private int escapedChars;

    private JsonParser(byte[] buf, int off, int len, boolean comments, JsonMeter meter) {
        super(buf, off, len, comments);
        this.meter = meter;
    }

    static Object parse(byte[] buf, int off, int len, boolean comments, JsonMeter meter) {
        return parse(buf, off, len, comments, Json.MAX_INPUT_BYTES, meter);
    }

    /** As {@link Json#parse(byte[], int, int)} with an explicit size limit (tests use a small one). */
    static Object parse(byte[] buf, int off, int len, boolean comments, int maxBytes, JsonMeter meter) {
        Objects.checkFromIndexSize(off, len, buf.length);
        JsonParser p = new JsonParser(buf, off, len, comments, meter);
        if (len > maxBytes) {
            throw p.error("Input of " + len + " bytes exceeds the limit of " + maxBytes + " bytes", off);
        }
        Object value = p.document();
        if (p.unbilled > 0) meter.charge(p.unbilled);
        return value;
    }

    /** Counts {@code bytes} of tree about to be built; charges the meter every {@link JsonMeter#STEP_BYTES}. */
    private void cost(long bytes) {
        if ((unbilled += bytes) >= JsonMeter.STEP_BYTES) {
            long b = unbilled;
            unbilled = 0;
            meter.charge(b);
        }
    }

    private Object document() {
        if (end - pos >= 3 && buf[pos] == (byte) 0xEF && buf[pos + 1] == (byte) 0xBB && buf[pos + 2] == (byte) 0xBF) {
            throw error("Byte order mark not allowed", pos);
        }
        skipWhitespace();
        Object value = value();
        skipWhitespace();
        if (pos < end) throw unexpected(pos);
        return value;
    }

    private Object value() {
        if (pos >= end) throw endOfInput();
        byte c = buf[pos];
        switch (c) {
            case '{': return object();
            case '[': return array();
            case '"': return string();
            case 't': literal("true"); return Boolean.TRUE;
            case 'f': literal("false"); return Boolean.FALSE;
            case 'n': literal("null"); return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw unexpected(pos);
        }
    }

    private void enter() {
        if (++depth > Json.MAX_DEPTH) throw error("Nesting deeper than " + Json.MAX_DEPTH, pos);
    }

    private Map<String, Object> object() {
        enter();
        pos++;
        cost(MAP_BYTES);
        LinkedHashMap<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (pos < end && buf[pos] == '}') {
            pos++;
            depth--;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            if (buf[pos] != '"') throw unexpected(pos);
            String key = string();
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            if (buf[pos] != ':') throw unexpected(pos);
            pos++;
            skipWhitespace();
            cost(ENTRY_BYTES);
            map.put(key, value());
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            byte c = buf[pos++];
            if (c == '}') break;
            if (c != ',') throw unexpected(pos - 1);
        }
        depth--;
        return map;
    }

    private List<Object> array() {
        enter();
        pos++;
        cost(LIST_BYTES);
        ArrayList<Object> list = new ArrayList<>();
        skipWhitespace();
        if (pos < end && buf[pos] == ']') {
            pos++;
            depth--;
            return list;
        }
        while (true) {
            skipWhitespace();
            cost(ELEMENT_BYTES);
            list.add(value());
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            byte c = buf[pos++];
            if (c == ']') break;
            if (c != ',') throw unexpected(pos - 1);
        }
        depth--;
        return list;
    }

    /** RFC 8259 §6, kept as text. */
    private JsonNumber number() {
        int s = pos;
        int p = numberEnd(s);
        pos = p;
        cost(NUMBER_BYTES + p - s);
        return new JsonNumber(new String(buf, s, p - s, StandardCharsets.ISO_8859_1));
    }

    private String string() {
        final byte[] b = buf;
        final int e = end;
        final int s = pos + 1;
        int p = s;
        while (p < e) {
            byte c = b[p];
            if (c == '"') {
                pos = p + 1;
                cost(STRING_BYTES + p - s);
                return new String(b, s, p - s, StandardCharsets.ISO_8859_1);
            }
            if (c == '\\' || c < 0x20) break; // bytes are signed: this also catches every non-ASCII byte
            p++;
        }
        if (p < e && b[p] < 0) return utf8String(s, p);
        return slowString(s, p);
    }

    /**
     * A string with non-ASCII text: while there are no escapes, validate the UTF-8 in place and let
     * the JDK decode it in one go (it cannot hit a malformed sequence, so it never substitutes).
     * {@code [s, p)} is the ASCII prefix already scanned.
     */
    private String utf8String(int s, int p) {
        final byte[] b = buf;
        final int e = end;
        final int prefix = p;
        while (p < e) {
            byte c = b[p];
            if (c == '"') {
                pos = p + 1;
                cost(STRING_BYTES + p - s); // UTF-8 bytes >= Latin-1 bytes; ~ UTF-16 bytes for most text
                return new String(b, s, p - s, StandardCharsets.UTF_8);
            }
            if (c < 0) {
                int cp = Utf8.decode(b, p, e);
                if (cp < 0) throw error("Invalid UTF-8 in string", p);
                p += Utf8.length(cp);
            } else if (c == '\\' || c < 0x20) {
                return slowString(s, prefix);
            } else {
                p++;
            }
        }
        throw error("Unterminated string", s - 1);
    }

    /** Decodes a string with escapes, into the scratch buffer; {@code [s, p)} is the ASCII prefix already scanned. */
    private String slowString(int s, int p) {
        final byte[] b = buf;
        final int e = end;
        char[] out = chars;
        if (out == null || out.length < p - s + 16) {
            // A string has no more chars than bytes, so up to a point the rest of the input is a good size.
            int size = Math.max(p - s + 16, Math.min(e - s, 4096));
            cost(2L * size);
            out = chars = new char[size];
        }
        int n = 0;
        for (int i = s; i < p; i++) out[n++] = (char) b[i];
        while (true) {
            // A run of plain ASCII, one char per byte, as far as the room left in out allows.
            int stop = p + Math.min(e - p, out.length - n);
            while (p < stop) {
                byte c = b[p];
                if (c < 0x20 || c == '"' || c == '\\') break;
                out[n++] = (char) c;
                p++;
            }
            if (p >= e) throw error("Unterminated string", s - 1);
            if (n + 2 > out.length) {
                cost(4L * out.length);
                out = chars = Arrays.copyOf(out, out.length * 2);
                continue;
            }
            int c = b[p];
            if (c == '"') {
                pos = p + 1;
                cost(STRING_BYTES + 2L * n);
                return new String(out, 0, n);
            } else if (c == '\\') {
                p = escape(p, out, n);
                n += escapedChars;
            } else if (c >= 0) {
                throw error(String.format("Unescaped control character U+%04X in string", c), p);
            } else {
                int cp = Utf8.decode(b, p, e);
                if (cp < 0) throw error("Invalid UTF-8 in string", p);
                if (cp < 0x10000) {
                    out[n++] = (char) cp;
                } else {
                    out[n++] = Character.highSurrogate(cp);
                    out[n++] = Character.lowSurrogate(cp);
                }
                p += Utf8.length(cp);
            }
        }
    }

    /** Decodes the escape at {@code p} (a backslash) into {@code out[n..]}; returns the position after it. */
    private int escape(int p, char[] out, int n) {
        if (p + 1 >= end) throw error("Unterminated string", p);
        byte x = buf[p + 1];
        escapedChars = 1;
        switch (x) {
            case '"': out[n] = '"'; return p + 2;
            case '\\': out[n] = '\\'; return p + 2;
            case '/': out[n] = '/'; return p + 2;
            case 'b': out[n] = '\b'; return p + 2;
            case 'f': out[n] = '\f'; return p + 2;
            case 'n': out[n] = '\n'; return p + 2;
            case 'r': out[n] = '\r'; return p + 2;
            case 't': out[n] = '\t'; return p + 2;
            case 'u': break;
            default: throw error("Invalid escape sequence", p);
        }
        char c = (char) hex4(p + 2);
        if (Character.isHighSurrogate(c)) {
            int q = p + 6;
            if (q + 1 < end && buf[q] == '\\' && buf[q + 1] == 'u') {
                char low = (char) hex4(q + 2);
                if (Character.isLowSurrogate(low)) {
                    out[n] = c;
                    out[n + 1] = low;
                    escapedChars = 2;
                    return q + 6;
                }
            }
            throw error(String.format("Unpaired surrogate \\u%04X in string", (int) c), p);
        }
        if (Character.isLowSurrogate(c)) {
            throw error(String.format("Unpaired surrogate \\u%04X in string", (int) c), p);
        }
        out[n] = c;
        return p + 6;
    }
}

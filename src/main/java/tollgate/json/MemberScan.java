package tollgate.json;

import java.util.Arrays;

/**
 * Finds where chosen members of a JSON object's top level are, without building any value: the
 * key, the value's span, and the commas around it, so that a caller can replace a value, cut a
 * member or insert one before the closing brace by copying the bytes around them. This is how a
 * stream chunk passes through the gateway as the upstream's own bytes, with only the model id
 * spliced (protocols.md §2), instead of being parsed and written again.
 *
 * <p>The whole text is checked as strictly as {@link Json#parse} checks it (strings with their
 * escapes and UTF-8, numbers, literals, nesting depth), so what passes is JSON a client can
 * read. Reusable, one text at a time: {@link #scan} resets it. Not thread-safe.
 */
public final class MemberScan extends JsonCursor {
    private final byte[][] names;
    private final int[] keyStart;
    private final int[] valueStart;
    private final int[] valueEnd;
    private final int[] commaBefore;
    private final int[] commaAfter;
    private int close;
    private int members;
    private boolean irregular;
    private int depth;

    /** @param names the top-level member names to locate (ASCII, no escapes) */
    public MemberScan(String... names) {
        super(new byte[0], 0, 0, false);
        this.names = new byte[names.length][];
        for (int i = 0; i < names.length; i++) this.names[i] = names[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        keyStart = new int[names.length];
        valueStart = new int[names.length];
        valueEnd = new int[names.length];
        commaBefore = new int[names.length];
        commaAfter = new int[names.length];
    }

    /**
     * Scans {@code b[off, off + len)}.
     *
     * @return false if it is not exactly one valid JSON object (the positions are then undefined)
     */
    public boolean scan(byte[] b, int off, int len) {
        reset(b, off, len);
        Arrays.fill(keyStart, -1);
        members = 0;
        irregular = false;
        depth = 0;
        try {
            skipWhitespace();
            if (pos >= end || buf[pos] != '{') return false;
            topObject();
            skipWhitespace();
            return pos == end;
        } catch (JsonException e) {
            return false;
        }
    }

    /** Whether member {@code i} (an index into the constructor's names) is present. */
    public boolean has(int i) { return keyStart[i] >= 0; }

    public int valueStart(int i) { return valueStart[i]; }

    public int valueEnd(int i) { return valueEnd[i]; }

    /** Whether member {@code i}'s value is {@code null}. */
    public boolean isNull(int i) { return has(i) && valueEnd[i] - valueStart[i] == 4 && buf[valueStart[i]] == 'n'; }

    /** Where to cut to remove member {@code i} and one comma: {@code [cutStart, cutEnd)}. */
    public int cutStart(int i) { return commaBefore[i] >= 0 ? commaBefore[i] : keyStart[i]; }

    public int cutEnd(int i) {
        if (commaBefore[i] >= 0) return valueEnd[i];
        return commaAfter[i] >= 0 ? commaAfter[i] + 1 : valueEnd[i];
    }

    /** The position of the object's closing brace. */
    public int closeBrace() { return close; }

    /** Number of top-level members. */
    public int members() { return members; }

    /**
     * Whether the text has something a byte splice cannot handle faithfully: a wanted name twice
     * (a parser keeps the last value), or a top-level key written with escapes.
     */
    public boolean irregular() { return irregular; }

    private void topObject() {
        enter();
        pos++;
        int lastComma = -1;
        skipWhitespace();
        if (pos < end && buf[pos] == '}') {
            close = pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            if (buf[pos] != '"') throw unexpected(pos);
            int key = pos;
            boolean escaped = skipString();
            int wanted = escaped ? -1 : wanted(key + 1, pos - 1);
            irregular |= escaped;
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            if (buf[pos] != ':') throw unexpected(pos);
            pos++;
            skipWhitespace();
            int v = pos;
            skipValue();
            members++;
            if (wanted >= 0) {
                if (keyStart[wanted] >= 0) irregular = true;
                keyStart[wanted] = key;
                valueStart[wanted] = v;
                valueEnd[wanted] = pos;
                commaBefore[wanted] = lastComma;
            }
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            byte c = buf[pos];
            if (wanted >= 0) commaAfter[wanted] = c == ',' ? pos : -1;
            if (c == '}') {
                close = pos++;
                depth--;
                return;
            }
            if (c != ',') throw unexpected(pos);
            lastComma = pos++;
        }
    }

    private int wanted(int from, int to) {
        for (int i = 0; i < names.length; i++) {
            byte[] n = names[i];
            if (n.length == to - from && Arrays.equals(buf, from, to, n, 0, n.length)) return i;
        }
        return -1;
    }

    private void enter() {
        if (++depth > Json.MAX_DEPTH) throw error("Nesting deeper than " + Json.MAX_DEPTH, pos);
    }

    private void skipValue() {
        if (pos >= end) throw endOfInput();
        switch (buf[pos]) {
            case '{' -> skipContainer('}', true);
            case '[' -> skipContainer(']', false);
            case '"' -> skipString();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                byte c = buf[pos];
                if (c != '-' && !isDigit(c)) throw unexpected(pos);
                pos = numberEnd(pos);
            }
        }
    }

    /** An object (members: string, colon, value) or an array (values), nested at any depth. */
    private void skipContainer(char closing, boolean object) {
        enter();
        pos++;
        skipWhitespace();
        if (pos < end && buf[pos] == closing) {
            pos++;
            depth--;
            return;
        }
        while (true) {
            skipWhitespace();
            if (object) {
                if (pos >= end) throw endOfInput();
                if (buf[pos] != '"') throw unexpected(pos);
                skipString();
                skipWhitespace();
                if (pos >= end) throw endOfInput();
                if (buf[pos] != ':') throw unexpected(pos);
                pos++;
                skipWhitespace();
            }
            skipValue();
            skipWhitespace();
            if (pos >= end) throw endOfInput();
            byte c = buf[pos++];
            if (c == closing) break;
            if (c != ',') throw unexpected(pos - 1);
        }
        depth--;
    }

    /** Skips a string, checking it as the parser would; returns whether it had an escape. */
    private boolean skipString() {
        final byte[] b = buf;
        final int e = end;
        int p = pos + 1;
        boolean escaped = false;
        while (true) {
            if (p >= e) throw error("Unterminated string", pos);
            byte c = b[p];
            if (c == '"') {
                pos = p + 1;
                return escaped;
            }
            if (c == '\\') {
                escaped = true;
                p = skipEscape(p);
            } else if (c < 0) {
                int cp = Utf8.decode(b, p, e);
                if (cp < 0) throw error("Invalid UTF-8 in string", p);
                p += Utf8.length(cp);
            } else if (c < 0x20) {
                throw error(String.format("Unescaped control character U+%04X in string", (int) c), p);
            } else {
                p++;
            }
        }
    }

    private int skipEscape(int p) {
        if (p + 1 >= end) throw error("Unterminated string", p);
        switch (buf[p + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return p + 2;
            }
            case 'u' -> {
                char c = (char) hex4(p + 2);
                if (Character.isLowSurrogate(c)) throw error(String.format("Unpaired surrogate \\u%04X in string", (int) c), p);
                if (!Character.isHighSurrogate(c)) return p + 6;
                int q = p + 6;
                if (q + 1 < end && buf[q] == '\\' && buf[q + 1] == 'u' && Character.isLowSurrogate((char) hex4(q + 2))) return q + 6;
                throw error(String.format("Unpaired surrogate \\u%04X in string", (int) c), p);
            }
            default -> throw error("Invalid escape sequence", p);
        }
    }
}

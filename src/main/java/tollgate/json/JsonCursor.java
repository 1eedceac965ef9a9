package tollgate.json;

/**
 * A position in a slice of UTF-8 JSON bytes, with what every reader of JSON text needs: skipping
 * whitespace (and, for the config file, comments), the literals and number syntax of RFC 8259,
 * and errors that say where. {@link JsonParser} builds values from it; {@link JsonScan} only
 * locates them. Positions in errors are relative to the start of the slice.
 */
abstract class JsonCursor {
    byte[] buf;
    int start;
    int end;
    final boolean comments;
    int pos;

    JsonCursor(byte[] buf, int off, int len, boolean comments) {
        this.comments = comments;
        reset(buf, off, len);
    }

    /** Moves the cursor to the start of another slice (a reusable reader). */
    final void reset(byte[] buf, int off, int len) {
        this.buf = buf;
        this.start = off;
        this.end = off + len;
        this.pos = off;
    }

    final void skipWhitespace() {
        final byte[] b = buf;
        final int e = end;
        int p = pos;
        while (p < e) {
            byte c = b[p];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                p++;
            } else if (c == '/' && comments) {
                p = skipComment(p);
            } else {
                break;
            }
        }
        pos = p;
    }

    /** Skips the comment starting at {@code p} (a '/') and returns the position after it. */
    private int skipComment(int p) {
        final byte[] b = buf;
        final int e = end;
        int q = p + 1;
        if (q >= e) throw unexpected(p);
        if (b[q] == '/') {
            q++;
            while (q < e && b[q] != '\n' && b[q] != '\r') q = skipCommentByte(q);
            return q;
        }
        if (b[q] == '*') {
            q++;
            while (q < e) {
                if (b[q] == '*' && q + 1 < e && b[q + 1] == '/') return q + 2;
                q = skipCommentByte(q);
            }
            throw error("Unterminated comment", p);
        }
        throw unexpected(p);
    }

    /** Comments may hold any text, but it must be valid UTF-8 like the rest of the file. */
    private int skipCommentByte(int q) {
        if (buf[q] >= 0) return q + 1;
        int cp = Utf8.decode(buf, q, end);
        if (cp < 0) throw error("Invalid UTF-8", q);
        return q + Utf8.length(cp);
    }

    final void literal(String word) {
        int n = word.length();
        for (int i = 0; i < n; i++) {
            int p = pos + i;
            if (p >= end) throw endOfInput();
            if (buf[p] != word.charAt(i)) throw unexpected(p);
        }
        pos += n;
    }

    /**
     * The end of the number starting at {@code s}, checked against RFC 8259 §6:
     * {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}.
     */
    final int numberEnd(int s) {
        final byte[] b = buf;
        final int e = end;
        int p = s;
        if (b[p] == '-') p++;
        if (p >= e) throw endOfInput();
        if (b[p] == '0') {
            p++;
            if (p < e && isDigit(b[p])) throw error("Leading zeros are not allowed", p - 1);
        } else if (isDigit(b[p])) {
            p = digits(p + 1);
        } else {
            throw unexpected(p);
        }
        if (p < e && b[p] == '.') {
            p = digits(requireDigit(p + 1));
        }
        if (p < e && (b[p] == 'e' || b[p] == 'E')) {
            p++;
            if (p < e && (b[p] == '+' || b[p] == '-')) p++;
            p = digits(requireDigit(p));
        }
        return p;
    }

    static boolean isDigit(byte c) { return c >= '0' && c <= '9'; }

    private int requireDigit(int p) {
        if (p >= end) throw endOfInput();
        if (!isDigit(buf[p])) throw unexpected(p);
        return p;
    }

    private int digits(int p) {
        while (p < end && isDigit(buf[p])) p++;
        return p;
    }

    final int hex4(int p) {
        int v = 0;
        for (int i = p; i < p + 4; i++) {
            if (i >= end) throw endOfInput();
            int c = buf[i];
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
            else throw error("Invalid hex digit in \\u escape", i);
            v = (v << 4) | d;
        }
        return v;
    }

    final JsonException endOfInput() { return error("Unexpected end of input", end); }

    final JsonException unexpected(int p) {
        int c = buf[p];
        if (c >= 0x21 && c < 0x7F) return error("Unexpected character '" + (char) c + "'", p);
        if (c >= 0) return error(String.format("Unexpected character U+%04X", c), p);
        int cp = Utf8.decode(buf, p, end);
        if (cp < 0) return error(String.format("Invalid UTF-8 byte 0x%02X", c & 0xFF), p);
        return error(String.format("Unexpected character U+%04X", cp), p);
    }

    final JsonException error(String message, int p) { return JsonException.at(message, buf, start, end, p); }
}

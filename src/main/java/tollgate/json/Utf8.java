package tollgate.json;

/** Strict UTF-8 decoding, one sequence at a time, for the parser. */
final class Utf8 {
    private Utf8() { throw new AssertionError(); }

    /**
     * Decodes one well-formed UTF-8 sequence at {@code p} (Unicode Table 3-7), or returns -1 for
     * anything else: stray continuation bytes, overlongs, encoded surrogates, code points above
     * U+10FFFF, and sequences cut short by {@code e}.
     */
    static int decode(byte[] b, int p, int e) {
        int b0 = b[p] & 0xFF;
        if (b0 < 0x80) return b0;
        if (b0 < 0xC2) return -1;
        if (b0 < 0xE0) {
            if (p + 1 >= e) return -1;
            int b1 = b[p + 1] & 0xFF;
            if ((b1 & 0xC0) != 0x80) return -1;
            return ((b0 & 0x1F) << 6) | (b1 & 0x3F);
        }
        if (b0 < 0xF0) {
            if (p + 2 >= e) return -1;
            int b1 = b[p + 1] & 0xFF;
            int b2 = b[p + 2] & 0xFF;
            int lo = b0 == 0xE0 ? 0xA0 : 0x80;
            int hi = b0 == 0xED ? 0x9F : 0xBF;
            if (b1 < lo || b1 > hi || (b2 & 0xC0) != 0x80) return -1;
            return ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
        }
        if (b0 < 0xF5) {
            if (p + 3 >= e) return -1;
            int b1 = b[p + 1] & 0xFF;
            int b2 = b[p + 2] & 0xFF;
            int b3 = b[p + 3] & 0xFF;
            int lo = b0 == 0xF0 ? 0x90 : 0x80;
            int hi = b0 == 0xF4 ? 0x8F : 0xBF;
            if (b1 < lo || b1 > hi || (b2 & 0xC0) != 0x80 || (b3 & 0xC0) != 0x80) return -1;
            return ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F);
        }
        return -1;
    }

    /** Encoded length of a code point returned by {@link #decode} (which rejects overlongs). */
    static int length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
}

package tollgate.websocket;

/**
 * Incremental UTF-8 validation (RFC 3629 §4 syntax, as RFC 6455 §8.1 requires of text
 * messages): a message's bytes may arrive in any number of pieces, split anywhere, and the first
 * invalid byte is reported as soon as it is seen (fail-fast, Autobahn case group 6.4).
 *
 * <p>Rejects overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates U+D800..DFFF (ED A0..BF)
 * and code points above U+10FFFF (F4 90.., F5..FF), and stray continuation bytes.
 *
 * <p>The state is one int: {@link #ACCEPT} between characters; otherwise the number of
 * continuation bytes still expected (bits 16..), and the lowest and highest value allowed for the
 * next one (bits 8..15 and 0..7), which is how the overlong, surrogate and range rules are
 * enforced on the second byte.
 */
final class Utf8 {
    /** Between characters: a message may end here. */
    static final int ACCEPT = 0;
    /** An invalid byte was seen; the state stays here. */
    static final int REJECT = -1;

    private static final int CONT = (0x80 << 8) | 0xBF;

    private Utf8() { throw new AssertionError(); }

    /** The state after {@code len} bytes of {@code b} from {@code off}, starting in {@code state}. */
    static int scan(int state, byte[] b, int off, int len) {
        if (state == REJECT) return REJECT;
        int end = off + len;
        int i = off;
        while (i < end) {
            if (state == ACCEPT) {
                // ASCII runs are the common case (JSON events): skip them without decoding.
                while (i < end && b[i] >= 0) i++;
                if (i == end) return ACCEPT;
                state = lead(b[i++] & 0xFF);
                if (state == REJECT) return REJECT;
            } else {
                int v = b[i++] & 0xFF;
                if (v < ((state >>> 8) & 0xFF) || v > (state & 0xFF)) return REJECT;
                int remaining = (state >>> 16) - 1;
                state = remaining == 0 ? ACCEPT : (remaining << 16) | CONT;
            }
        }
        return state;
    }

    /** Whether {@code b[off, off+len)} is, on its own, complete valid UTF-8. */
    static boolean valid(byte[] b, int off, int len) { return scan(ACCEPT, b, off, len) == ACCEPT; }

    private static int lead(int v) {
        if (v >= 0xC2 && v <= 0xDF) return (1 << 16) | CONT;
        if (v == 0xE0) return (2 << 16) | (0xA0 << 8) | 0xBF;               // no overlong 3-byte forms
        if (v == 0xED) return (2 << 16) | (0x80 << 8) | 0x9F;               // no surrogates
        if (v >= 0xE1 && v <= 0xEF) return (2 << 16) | CONT;
        if (v == 0xF0) return (3 << 16) | (0x90 << 8) | 0xBF;               // no overlong 4-byte forms
        if (v >= 0xF1 && v <= 0xF3) return (3 << 16) | CONT;
        if (v == 0xF4) return (3 << 16) | (0x80 << 8) | 0x8F;               // nothing above U+10FFFF
        return REJECT;                                                       // 80..C1 (stray, overlong), F5..FF
    }
}

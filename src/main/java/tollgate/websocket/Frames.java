package tollgate.websocket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** RFC 6455 framing facts shared by the reader and the writer: opcodes, close codes, masking. */
final class Frames {
    /** RFC 6455 §5.5: control frames carry at most 125 bytes. */
    static final int MAX_CONTROL_PAYLOAD = 125;
    /** A close reason fits in a control frame after the 2-byte code (RFC 6455 §5.5.1). */
    static final int MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

    // RFC 6455 §5.2 opcodes; 0x3–0x7 and 0xB–0xF are reserved.
    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;

    // RFC 6455 §7.4.1 close codes (1005, 1006 and 1015 are never sent on the wire) and the IANA registry's 1012–1014.
    static final int CLOSE_NORMAL = 1000;
    static final int CLOSE_GOING_AWAY = 1001;
    static final int CLOSE_PROTOCOL_ERROR = 1002;
    static final int CLOSE_NO_STATUS = 1005;
    static final int CLOSE_ABNORMAL = 1006;
    static final int CLOSE_INVALID_PAYLOAD = 1007;
    static final int CLOSE_TOO_BIG = 1009;
    static final int CLOSE_INTERNAL_ERROR = 1011;
    static final int CLOSE_TRY_AGAIN_LATER = 1013;

    static final byte[] EMPTY = new byte[0];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Frames() { throw new AssertionError(); }

    /** RFC 6455 §7.4.1–7.4.2 and the IANA registry: what may appear in a close frame. */
    static boolean validCloseCode(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    /**
     * RFC 6455 §5.3: {@code payload[i] ^= key[i % 4]}, eight bytes at a time. {@code m} is the
     * key (first byte in the high bits) rotated so that its first byte applies to {@code b[off]}.
     */
    static void unmask(byte[] b, int off, int len, int m) {
        int i = 0;
        if (len >= 8) {
            long m8 = ((long) m << 32) | (m & 0xFFFFFFFFL);
            for (; i + 8 <= len; i += 8) LONGS.set(b, off + i, (long) LONGS.get(b, off + i) ^ m8);
        }
        for (; i < len; i++) b[off + i] ^= (byte) (m >>> (24 - ((i & 3) << 3)));
    }

    /** {@code s} in UTF-8, cut to at most {@code max} bytes at a character boundary. */
    static byte[] truncatedUtf8(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) return b;
        int cut = max;
        while (cut > 0 && (b[cut] & 0xC0) == 0x80) cut--; // b[cut] starts the first character left out
        return Arrays.copyOf(b, cut);
    }
}

package tollgate.http;

import java.util.concurrent.ThreadLocalRandom;

/** Request and execution ids. Cheap: no SecureRandom on the hot path (these are not secrets). */
public final class RequestIds {
    /** Longest client-supplied {@code x-request-id} we echo; longer ones are replaced. */
    public static final int MAX_CLIENT_ID_CHARS = 128;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() { throw new AssertionError(); }

    /** The client's id if it is 1..128 visible ASCII characters, else a new {@code req_…} id. */
    public static String fromClient(String header) {
        if (header != null && !header.isEmpty() && header.length() <= MAX_CLIENT_ID_CHARS) {
            boolean ok = true;
            for (int i = 0; i < header.length() && ok; i++) {
                char c = header.charAt(i);
                ok = c > 0x20 && c < 0x7f; // RFC 9110 §5.5: visible characters only
            }
            if (ok) return header;
        }
        return newRequestId();
    }

    public static String newRequestId() {
        char[] out = new char[4 + 24];
        "req_".getChars(0, 4, out, 0);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long a = r.nextLong(), b = r.nextLong();
        for (int i = 0; i < 16; i++) out[4 + i] = HEX[(int) (a >>> (i * 4)) & 0xf];
        for (int i = 0; i < 8; i++) out[20 + i] = HEX[(int) (b >>> (i * 4)) & 0xf];
        return new String(out);
    }

    /** A random (version 4, RFC 9562 §5.4) UUID string, as seed 003 shows for execution_id. */
    public static String newUuid() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        char[] out = new char[36];
        int p = 0;
        for (int i = 15; i >= 0; i--) {
            out[p++] = HEX[(int) (hi >>> (i * 4)) & 0xf];
            if (p == 8 || p == 13) out[p++] = '-';
        }
        out[p++] = '-';
        for (int i = 15; i >= 0; i--) {
            out[p++] = HEX[(int) (lo >>> (i * 4)) & 0xf];
            if (p == 23) out[p++] = '-';
        }
        return new String(out);
    }
}

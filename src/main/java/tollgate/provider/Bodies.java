package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Capped reads of upstream response bodies: no body is ever read into memory unbounded. */
public final class Bodies {
    private Bodies() { throw new AssertionError(); }

    /** First allocation when the length is unknown, in bytes. */
    static final int INITIAL_BYTES = 8192;

    /** A body longer than the reader's cap. */
    public static final class TooLargeException extends IOException {
        TooLargeException(int maxBytes) {
            super("body longer than " + maxBytes + " bytes");
        }
    }

    /** Reads at most {@code maxBytes} of {@code in} and stops there (the rest stays unread). */
    public static byte[] readUpTo(InputStream in, int maxBytes) throws IOException {
        byte[] b = new byte[Math.max(Math.min(INITIAL_BYTES, maxBytes), 16)];
        int len = 0;
        while (len < maxBytes) {
            if (len == b.length) b = Arrays.copyOf(b, (int) Math.min((long) maxBytes, b.length * 2L));
            int n = in.read(b, len, Math.min(b.length, maxBytes) - len);
            if (n < 0) break;
            len += n;
        }
        return len == b.length ? b : Arrays.copyOf(b, len);
    }
}

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

    /**
     * Reads {@code in} to its end.
     *
     * @param sizeHint the expected length (e.g. {@code Content-Length}), or -1
     * @throws TooLargeException if the body has more than {@code maxBytes} bytes
     */
    public static byte[] readAll(InputStream in, int maxBytes, long sizeHint) throws IOException {
        byte[] b = read(in, maxBytes, sizeHint);
        if (b.length == maxBytes && in.read() >= 0) throw new TooLargeException(maxBytes);
        return b;
    }

    /** Reads at most {@code maxBytes} of {@code in} and stops there (the rest stays unread). */
    public static byte[] readUpTo(InputStream in, int maxBytes) throws IOException {
        return read(in, maxBytes, -1);
    }

    private static byte[] read(InputStream in, int maxBytes, long sizeHint) throws IOException {
        int initial = sizeHint >= 0 ? (int) Math.min(sizeHint, maxBytes) : Math.min(INITIAL_BYTES, maxBytes);
        byte[] b = new byte[Math.max(initial, 16)];
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

package tollgate.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import tollgate.error.GatewayException;

/**
 * A request body read as it arrives, at most a limit: with a Content-Length, exactly that many
 * bytes (fewer is a truncated request, an {@link EOFException}); without one (chunked), up to the
 * limit, and the read that would pass it fails with the limit's error (413).
 */
final class CappedRequestBody extends InputStream {
    private final InputStream in;
    private final boolean open; // no Content-Length: the limit is a ceiling, not the length
    private final LongFunction<GatewayException> tooLarge;
    private final LongConsumer counted;
    private final long limit;
    private long left;

    CappedRequestBody(InputStream in, long limit, boolean open, LongFunction<GatewayException> tooLarge, LongConsumer counted) {
        this.in = in;
        this.limit = limit;
        this.left = limit;
        this.open = open;
        this.tooLarge = tooLarge;
        this.counted = counted;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (left == 0) {
            if (!open || in.read() < 0) return -1; // all announced bytes, or the end of a chunked body
            throw tooLarge.apply(limit);
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) {
            if (!open) throw new EOFException("request body ended " + left + " bytes before its Content-Length");
            return -1;
        }
        left -= n;
        counted.accept(n);
        return n;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

package tollgate.websocket;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sending half of a connection: whole frames under one lock (a pong never lands inside a
 * data frame), the close sent at most once and nothing after it (RFC 6455 §5.5.1). A write
 * that makes no progress is aborted by the server's ticker after the write timeout; it marks
 * its progress on the socket for that.
 */
final class WsWriter {
    /** Payload bytes per write call; the write timeout counts the time without progress between them. */
    static final int WRITE_SLICE_BYTES = 64 * 1024;

    private final WsSocket s;
    private final long closeNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile int sentCloseCode;

    WsWriter(WsSocket s, long closeNanos) {
        this.s = s;
        this.closeNanos = closeNanos;
    }

    /** The code of the close sent; 1005 for one without a code; 0 while none was sent. */
    int sentCloseCode() { return sentCloseCode; }

    /** A data frame; IOException once a close was sent or the socket is gone. */
    void send(int opcode, byte[] p) throws IOException {
        lock.lock();
        try {
            if (sentCloseCode != 0 || s.closed()) throw new IOException("the WebSocket connection is closed");
            frame(opcode, p, p.length);
        } finally {
            lock.unlock();
        }
    }

    /** A ping or pong; nothing once a close was sent (Autobahn 7.1.3: no pong after the close). */
    void control(int opcode, byte[] p) throws IOException {
        lock.lock();
        try {
            if (sentCloseCode != 0 || s.closed()) return;
            frame(opcode, p, p.length);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends the close once ({@code code} -1: a close without payload), starts the close deadline
     * and half-closes TCP; later calls do nothing. A failed write aborts the socket.
     */
    void close(int code, String reason) {
        lock.lock();
        try {
            if (sentCloseCode != 0 || s.closed()) return;
            sentCloseCode = code < 0 ? Frames.CLOSE_NO_STATUS : code;
            s.deadline(System.nanoTime() + closeNanos);
            byte[] p = Frames.EMPTY;
            if (code >= 0) {
                byte[] r = Frames.truncatedUtf8(reason, Frames.MAX_CLOSE_REASON_BYTES);
                p = new byte[2 + r.length];
                p[0] = (byte) (code >>> 8);
                p[1] = (byte) code;
                System.arraycopy(r, 0, p, 2, r.length);
            }
            frame(Frames.OP_CLOSE, p, p.length);
            s.shutdownOutput();
        } catch (IOException e) {
            s.abort();
        } finally {
            lock.unlock();
        }
    }

    /** Unmasked (RFC 6455 §5.1: a server never masks), FIN set, minimal length encoding (§5.2). */
    private void frame(int opcode, byte[] p, int len) throws IOException {
        OutputStream out = s.out;
        s.writing();
        try {
            out.write(0x80 | opcode);
            if (len < 126) {
                out.write(len);
            } else if (len <= 0xFFFF) {
                out.write(126);
                out.write(len >>> 8);
                out.write(len & 0xFF);
            } else {
                out.write(127);
                for (int shift = 56; shift >= 0; shift -= 8) out.write((int) (((long) len >>> shift) & 0xFF));
            }
            for (int done = 0; done < len; ) {
                int n = Math.min(WRITE_SLICE_BYTES, len - done);
                out.write(p, done, n);
                done += n;
                s.writing();
            }
            out.flush();
        } catch (IOException e) {
            s.abort();
            throw e;
        } finally {
            s.wrote();
        }
    }
}

package tollgate.websocket;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import javax.net.ssl.SSLSocket;

/**
 * One accepted socket and its buffered streams, from the first byte of the handshake to the
 * close, plus what the server's ticker needs to enforce the limits that blocking sockets cannot
 * enforce themselves: the handshake and close deadlines, and the time a write has been stuck.
 *
 * <p>Small on purpose (there are thousands): two fixed-size buffers, a few longs.
 */
final class WsSocket {
    /** Read buffer per connection, in bytes; payloads at least this large are read straight into their array. */
    static final int IN_BUFFER_BYTES = 8 * 1024;
    /** Write buffer per connection, in bytes: a frame header and a small payload leave in one write. */
    static final int OUT_BUFFER_BYTES = 8 * 1024;

    final Socket socket;
    final InputStream in;
    final OutputStream out;
    /** {@link System#nanoTime()} when bytes last arrived. */
    volatile long lastReceived;
    /** When the write in progress started or last made progress; 0 when none is in progress. */
    private volatile long writeSince;
    /** A time after which the socket is aborted (handshake, close handshake); 0 for none. */
    private volatile long deadline;
    private volatile boolean closed;
    /** The connection once upgraded, for the server's close; null before. */
    volatile WsConnection connection;
    /** The 101 is being written: a server closing now leaves the socket to {@link WsServer#upgraded}, which sends 1001. */
    volatile boolean upgrading;

    WsSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.lastReceived = System.nanoTime();
        this.in = new BufferedInputStream(new Timed(socket.getInputStream()), IN_BUFFER_BYTES);
        this.out = new BufferedOutputStream(socket.getOutputStream(), OUT_BUFFER_BYTES);
    }

    boolean tls() { return socket instanceof SSLSocket; }

    /** Marks a write as in progress, or as having made progress. */
    void writing() {
        long t = System.nanoTime();
        writeSince = t == 0 ? 1 : t;
    }

    void wrote() { writeSince = 0; }

    /** Abort at {@code nanoTime} or after; 0 clears. */
    void deadline(long nanoTime) { deadline = nanoTime; }

    long deadline() { return deadline; }

    boolean closed() { return closed; }

    /** Called by the ticker: aborts a socket past its deadline or stuck in a write. */
    void check(long now, long writeTimeoutNanos) {
        if (closed) return;
        long w = writeSince;
        long d = deadline;
        if ((w != 0 && now - w > writeTimeoutNanos) || (d != 0 && now - d > 0)) abort();
    }

    /**
     * Half-closes the output after a close frame (RFC 6455 §7.1.1: the server closes the TCP
     * connection first), so the peer sees the end at once while its own close can still arrive.
     * Not on TLS: a TLS 1.2 peer answers close_notify by closing both ways, losing its close frame.
     */
    void shutdownOutput() {
        if (closed || tls()) return;
        try {
            socket.shutdownOutput();
        } catch (IOException | UnsupportedOperationException e) {
            // already closed or reset: nothing left to half-close
        }
    }

    /**
     * Closes the socket after discarding what has already arrived (unread input makes the kernel
     * send a reset, which can destroy the close frame just sent before the peer reads it). On TLS
     * the close writes a close_notify, which can block like any write on a peer that reads
     * nothing: it counts as a write in progress, so the ticker aborts it after the write timeout.
     */
    void close() {
        if (closed) return;
        try {
            int n = in.available();
            if (n > 0) in.skip(n);
        } catch (IOException e) {
            // closing anyway
        }
        writing();
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        } finally {
            closed = true;
            wrote();
        }
    }

    /**
     * Drops the TCP connection at once (a reset: SO_LINGER 0). Also unblocks a thread stuck in a
     * write: on TLS, SO_LINGER 0 makes the close skip waiting for the record lock that writer
     * holds (SSLSocketImpl waits up to SO_LINGER for it).
     */
    void abort() {
        if (closed) return;
        closed = true;
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** The socket's input, noting when bytes arrive (for the idle timeout and pings). */
    private final class Timed extends InputStream {
        private final InputStream raw;

        Timed(InputStream raw) { this.raw = raw; }

        @Override
        public int read() throws IOException {
            int b = raw.read();
            if (b >= 0) lastReceived = System.nanoTime();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = raw.read(b, off, len);
            if (n > 0) lastReceived = System.nanoTime();
            return n;
        }

        @Override
        public int available() throws IOException { return raw.available(); }

        @Override
        public void close() throws IOException { raw.close(); }
    }
}

package tollgate.state;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One connection to Redis: TCP (or TLS), the {@code HELLO 3} handshake with its RESP2 fallback,
 * {@code SELECT}, then commands. Used by one thread at a time (the pool hands it out); a
 * connection whose exchange threw is broken and must be {@linkplain #close closed}, since a late
 * or partial reply may still be on the wire.
 */
final class RedisConnection implements AutoCloseable {
    /** Size of the read and write buffers, in bytes. */
    static final int BUFFER_BYTES = 8 * 1024;
    /**
     * Bytes of one exchange's commands past which a watchdog closes the socket at the deadline:
     * SO_TIMEOUT bounds reads only, and a write blocks once the server stops reading and the
     * socket's send buffer (far larger than this on any system) is full.
     */
    static final int WATCHDOG_BYTES = 64 * 1024;
    /** A connection idle this long is checked for a close by the server (its idle timeout, a proxy) before reuse. */
    static final long IDLE_CHECK_NANOS = 10_000_000_000L;
    /** How long that check waits for the end of the stream, in milliseconds. */
    static final int IDLE_CHECK_MILLIS = 1;

    /** Where and how to connect: the parts of {@code StateConfig} a connection needs. */
    record Target(String host, int port, SSLSocketFactory tls, String user, String password, int db, long connectTimeoutNanos) {
        String where() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private final Socket socket;
    private final DeadlineInput deadline;
    private final BufferedInputStream buffered;
    private final Resp.Reader reader;
    private final CountingOutput counted;
    private final OutputStream out;
    /** When the last exchange ended ({@link System#nanoTime}). */
    private long lastUsed;
    /** The pool's generation when this was opened: a connection older than a failure is not reused. */
    final long generation;
    /** 3 after {@code HELLO 3}, 2 on a server without it. */
    private int protocol = 2;

    private RedisConnection(Socket socket, long generation) throws IOException {
        this.socket = socket;
        this.deadline = new DeadlineInput(socket, socket.getInputStream());
        this.buffered = new BufferedInputStream(deadline, BUFFER_BYTES);
        this.reader = new Resp.Reader(buffered);
        this.counted = new CountingOutput(socket.getOutputStream());
        this.out = new BufferedOutputStream(counted, BUFFER_BYTES);
        this.generation = generation;
    }

    /**
     * Connects and shakes hands, all within the target's connect timeout.
     *
     * @throws RedisException UNAVAILABLE (refused, TLS, credentials, {@code SELECT}) or TIMEOUT
     */
    static RedisConnection open(Target t, long generation) throws RedisException {
        long end = System.nanoTime() + t.connectTimeoutNanos();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(t.host(), t.port()), millisLeft(end));
            if (t.tls() != null) s = tls(t, s, end);
            RedisConnection c = new RedisConnection(s, generation);
            c.handshake(t, end);
            return c;
        } catch (SocketTimeoutException e) {
            closeQuietly(s);
            throw new RedisException(RedisException.Kind.TIMEOUT, "connecting to Redis at " + t.where() + " timed out", e);
        } catch (javax.net.ssl.SSLException e) {
            closeQuietly(s);
            throw new RedisException(RedisException.Kind.UNAVAILABLE, "cannot connect to Redis at " + t.where() + ": " + tlsProblem(t, e), e);
        } catch (IOException e) {
            closeQuietly(s);
            throw new RedisException(RedisException.Kind.UNAVAILABLE, "cannot connect to Redis at " + t.where() + ": " + e.getMessage(), e);
        } catch (RedisException | RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
    }

    private static Socket tls(Target t, Socket plain, long end) throws IOException {
        SSLSocket s = (SSLSocket) t.tls().createSocket(plain, t.host(), t.port(), true);
        SSLParameters p = s.getSSLParameters();
        // The server's certificate must name the host we dialled (RFC 2818 §3.1 rules).
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.setSoTimeout(millisLeft(end));
        s.startHandshake();
        return s;
    }

    /** The JDK's TLS messages name its classes; this says what is wrong in the config's terms. */
    private static String tlsProblem(Target t, javax.net.ssl.SSLException e) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) all.append(c.getMessage()).append(' ');
        String m = all.toString();
        if (m.contains("subject alternative") || m.contains("No name matching")) {
            return "the TLS certificate does not name " + t.host() + " (hostname verification)";
        }
        if (m.contains("PKIX") || m.contains("certification path") || m.contains("trust")) {
            return "the TLS certificate is not trusted (the JDK's trust store, or state.tls_truststore)";
        }
        return "TLS handshake failed (is the port TLS, and the certificate valid?)";
    }

    /**
     * {@code HELLO 3 [AUTH user pass]}; a server without it ({@code -ERR unknown command},
     * {@code -NOPROTO}) stays in RESP2 and gets {@code AUTH [user] pass} (protocols-2.md §13).
     * Server messages are never quoted whole here: an unknown-command error echoes its
     * arguments, the password among them.
     */
    private void handshake(Target t, long end) throws IOException, RedisException {
        List<String> hello = new ArrayList<>(List.of("HELLO", "3"));
        if (t.password() != null) {
            hello.addAll(List.of("AUTH", t.user() == null ? "default" : t.user(), t.password()));
        }
        Object r = exchange(List.<String[]>of(hello.toArray(String[]::new)), end).get(0);
        if (r instanceof RedisException e) {
            String prefix = e.prefix();
            boolean noHello = prefix.equals("NOPROTO")
                    || (prefix.equals("ERR") && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("unknown command"));
            if (!noHello) throw refused(t, e, "HELLO");
            if (t.password() != null) {
                String[] auth = t.user() == null ? new String[] {"AUTH", t.password()} : new String[] {"AUTH", t.user(), t.password()};
                Object a = exchange(List.<String[]>of(auth), end).get(0);
                if (a instanceof RedisException ae) throw refused(t, ae, "AUTH");
            }
        } else {
            protocol = 3;
        }
        if (t.db() != 0) {
            Object r2 = exchange(List.<String[]>of(new String[] {"SELECT", Integer.toString(t.db())}), end).get(0);
            if (r2 instanceof RedisException e) {
                throw new RedisException(RedisException.Kind.UNAVAILABLE,
                        "Redis at " + t.where() + " refused database " + t.db() + " (" + e.prefix() + ")");
            }
        }
    }

    private static RedisException refused(Target t, RedisException e, String command) {
        String why = switch (e.prefix()) {
            case "WRONGPASS" -> "refused the user name or password of state.redis_url";
            case "NOAUTH" -> t.password() == null ? "requires a password and state.redis_url gives none"
                    : "requires authentication";
            case "NOPERM" -> "does not let the user of state.redis_url run " + command;
            default -> e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("password")
                    ? "refused the password of state.redis_url" : "refused " + command;
        };
        return new RedisException(RedisException.Kind.UNAVAILABLE, "Redis at " + t.where() + " " + why + " (" + e.prefix() + ")");
    }

    /** 3 when the server speaks RESP3, else 2. */
    int protocol() { return protocol; }

    /**
     * Writes every command, flushes once, then reads one reply per command (pushes skipped),
     * error replies in place; all before {@code endNanos} ({@link System#nanoTime}).
     *
     * @throws SocketTimeoutException past the deadline (the connection is then broken)
     * @throws IOException            on a closed or reset connection, or a reply over the caps or not RESP
     */
    List<Object> exchange(List<String[]> commands, long endNanos) throws IOException {
        deadline.end = endNanos;
        counted.start(endNanos);
        try {
            for (String[] c : commands) Resp.write(out, c);
            out.flush();
        } finally {
            counted.stop();
        }
        List<Object> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) replies.add(reader.reply());
        lastUsed = System.nanoTime();
        return replies;
    }

    /**
     * Whether this pooled connection is still good: one idle longer than {@link #IDLE_CHECK_NANOS}
     * is read for {@link #IDLE_CHECK_MILLIS} ms, and the end of the stream (the server or a proxy
     * closed it) or any unexpected byte means it is not. A busy connection costs nothing.
     */
    boolean alive(long now) {
        if (now - lastUsed < IDLE_CHECK_NANOS) return true;
        try {
            if (buffered.available() > 0) return false;
            socket.setSoTimeout(IDLE_CHECK_MILLIS);
            socket.getInputStream().read();
            return false; // the end of the stream, or a byte no command asked for
        } catch (SocketTimeoutException e) {
            lastUsed = now;
            return true; // nothing to read: still open
        } catch (IOException e) {
            return false;
        }
    }

    /** For tests: pretend the last exchange was long ago. */
    void idleSince(long nanoTime) { lastUsed = nanoTime; }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closing a broken socket: nothing more to do.
        }
    }

    static int millisLeft(long endNanos) throws SocketTimeoutException {
        long ms = (endNanos - System.nanoTime()) / 1_000_000;
        if (ms <= 0) throw new SocketTimeoutException("Redis did not answer in time");
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    /**
     * The socket's output, counting what one exchange writes; past {@link #WATCHDOG_BYTES} a
     * virtual thread closes the socket at the deadline unless the writing is done by then, so a
     * large pipeline to a server that stopped reading cannot block its thread for ever.
     */
    private final class CountingOutput extends OutputStream {
        private final OutputStream out;
        private long written;
        private long end;
        private Thread watchdog;

        CountingOutput(OutputStream out) { this.out = out; }

        void start(long endNanos) {
            written = 0;
            end = endNanos;
        }

        void stop() {
            if (watchdog != null) {
                watchdog.interrupt();
                watchdog = null;
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            written += len;
            if (written > WATCHDOG_BYTES && watchdog == null) {
                long at = end;
                watchdog = Thread.ofVirtual().name("redis-write-watchdog").start(() -> {
                    try {
                        long left = at - System.nanoTime();
                        if (left > 0) java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
                        closeQuietly(socket); // still writing at the deadline
                    } catch (InterruptedException done) {
                        // The writing finished in time.
                    }
                });
            }
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }

    /**
     * The socket's input with one deadline for a whole reply, not per read: SO_TIMEOUT is set to
     * what is left before each blocking read, so a server that trickles bytes cannot stretch it.
     */
    private static final class DeadlineInput extends InputStream {
        private final Socket socket;
        private final InputStream in;
        long end;

        DeadlineInput(Socket socket, InputStream in) {
            this.socket = socket;
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            socket.setSoTimeout(millisLeft(end));
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            socket.setSoTimeout(millisLeft(end));
            return in.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }
    }
}

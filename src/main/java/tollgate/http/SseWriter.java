package tollgate.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorBody;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.provider.Cancellation;

/**
 * Writes one Server-Sent Events response (WHATWG HTML §9.2; OpenAI's framing: one
 * {@code data: <json>\n\n} per event, {@code data: [DONE]} at the end).
 *
 * <pre>
 *   PENDING ──first event or heartbeat──▶ OPEN ──done()/error()──▶ CLOSED
 *      │                                   │
 *      └──────── write fails ──────────────┴──▶ GONE (client went away: cancel upstream)
 * </pre>
 *
 * An event is one write; with a flush (the default) it leaves at once, as one HTTP chunk up to
 * the JDK's 4 KiB chunk buffer (larger events span several chunks). The request's
 * thread writes events while the {@link Heartbeats} thread may write {@code : ping} comments,
 * hence the lock; it is a {@link ReentrantLock} because it is held across blocking socket
 * writes, which would pin a virtual thread's carrier under {@code synchronized} on JDK 21.
 */
public final class SseWriter {
    enum State { PENDING, OPEN, CLOSED, GONE }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** Opens the response (status line and headers) and returns its body stream. */
    interface Opener {
        OutputStream open() throws IOException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final JsonBuffer buf = new JsonBuffer(1024);
    private final Opener opener;
    private final Cancellation cancellation;
    private final Heartbeats heartbeats;
    private OutputStream out;
    private State state = State.PENDING;
    private volatile long lastWriteNanos = System.nanoTime();
    private long events;

    SseWriter(Opener opener, Cancellation cancellation, Heartbeats heartbeats) {
        this.opener = opener;
        this.cancellation = cancellation;
        this.heartbeats = heartbeats;
        heartbeats.register(this);
    }

    /** Sends one JSON value as a {@code data:} event, at once. Throws {@link ClientGoneException}. */
    public void send(Object json) {
        send(json, true);
    }

    /**
     * Writes one JSON value as a {@code data:} event; with {@code flush} false it may wait in
     * the response buffer for the next event (see {@code ChunkSink#chunk(Map, boolean)}).
     */
    public void send(Object json, boolean flush) {
        lock.lock();
        try {
            buf.reset();
            buf.append(DATA);
            Json.write(json, buf);
            buf.append(END);
            write(buf.array(), buf.length(), flush);
            events++;
        } finally {
            lock.unlock();
        }
    }

    /** Sends what earlier {@code send(json, false)} calls left in the buffer. */
    public void flush() {
        lock.lock();
        try {
            if (state == State.OPEN) write(DONE, 0, true); // length 0: flush only
        } finally {
            lock.unlock();
        }
    }

    /** Ends the stream with {@code data: [DONE]} and closes it. */
    public void done() {
        lock.lock();
        try {
            write(DONE, DONE.length, true);
            close();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream with an error event in OpenAI's shape ({@code data: {"error":{…}}}, which
     * the OpenAI SDKs raise as an APIError) and no {@code [DONE]}, so that no client can take
     * a broken stream for a complete one.
     */
    public void error(GatewayException e) {
        lock.lock();
        try {
            if (state == State.GONE || state == State.CLOSED) return;
            buf.reset();
            buf.append(DATA);
            ErrorBody.render(e, buf);
            buf.append(END);
            write(buf.array(), buf.length(), true);
            close();
        } catch (ClientGoneException ignored) {
            // Nobody left to tell.
        } finally {
            lock.unlock();
        }
    }

    /**
     * If nothing has been sent yet, closes this writer for good (no heartbeat will open the
     * stream any more) and returns true, so the caller may answer with a plain HTTP error
     * instead. Returns false once the stream has started. Checking and closing under one lock
     * is what keeps a heartbeat from committing a 200 between the two.
     */
    public boolean closeIfPending() {
        lock.lock();
        try {
            if (state != State.PENDING) return false;
            state = State.CLOSED;
            heartbeats.unregister(this);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Number of data events sent. */
    public long events() { return events; }

    /** Whether nothing was written for {@code idleNanos}; lock-free, for the heartbeat ticker. */
    boolean idleFor(long idleNanos) { return System.nanoTime() - lastWriteNanos >= idleNanos; }

    /** Called by {@link Heartbeats}: a {@code : ping} comment if nothing was written lately. */
    void pingIfIdle(long idleNanos) {
        if (!idleFor(idleNanos)) return;
        if (!lock.tryLock()) return; // a write is in progress: the stream is not idle
        try {
            if (state == State.PENDING || state == State.OPEN) write(PING, PING.length, true);
        } catch (ClientGoneException gone) {
            // Already handled in write(): the upstream call was cancelled.
        } finally {
            lock.unlock();
        }
    }

    /** Closes without a terminator if still open; used when the request ends abnormally. */
    void abandon() {
        lock.lock();
        try {
            if (state == State.OPEN) close();
            else if (state == State.PENDING) heartbeats.unregister(this);
        } finally {
            lock.unlock();
        }
    }

    private void write(byte[] bytes, int length, boolean flush) {
        if (state == State.GONE || state == State.CLOSED) throw new ClientGoneException(null);
        try {
            if (state == State.PENDING) {
                out = opener.open();
                state = State.OPEN;
            }
            if (length > 0) out.write(bytes, 0, length);
            if (flush) out.flush(); // ChunkedOutputStream: one chunk per flush

            lastWriteNanos = System.nanoTime();
        } catch (IOException e) {
            state = State.GONE;
            heartbeats.unregister(this);
            cancellation.cancel();
            throw new ClientGoneException(e);
        }
    }

    private void close() {
        heartbeats.unregister(this);
        state = State.CLOSED;
        try {
            if (out != null) out.close(); // writes the last, empty chunk (RFC 9112 §7.1)
        } catch (IOException ignored) {
            // The client left after the last event; nothing is lost.
        }
    }
}

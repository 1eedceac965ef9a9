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

/**
 * Writes one Server-Sent Events response (WHATWG HTML §9.2; OpenAI's framing: one
 * {@code data: <json>\n\n} per event, {@code data: [DONE]} at the end).
 *
 * <pre>
 *   PENDING ──first event or heartbeat──▶ OPEN ──done()/error()──▶ CLOSED
 *      │                                   │
 *      └──────── write fails or is cut ────┴──▶ GONE (client went away: cancel upstream)
 * </pre>
 *
 * An event is written straight into the response stream (the JDK's chunked stream, which
 * buffers up to 4 KiB); with a flush (the default) it leaves at once as one HTTP chunk, without
 * one the next event joins it, so events that arrived together leave together. An event is
 * either a JSON value ({@link #send(Object, boolean)}) or bytes that write themselves
 * ({@link #send(Event, boolean)}: an upstream chunk passed through with a few bytes spliced). The
 * request's thread writes events while a heartbeat thread may write {@code : ping} comments,
 * hence the lock; it is a {@link ReentrantLock} because it is held across blocking socket
 * writes, which would pin a virtual thread's carrier under {@code synchronized} on JDK 21. Every
 * write runs under the exchange's write-progress timeout ({@link HttpCall#guarded}).
 */
public final class SseWriter {
    enum State { PENDING, OPEN, CLOSED, GONE }

    /** An event's data, written by itself (no copy into a buffer of ours). */
    @FunctionalInterface
    public interface Event {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Events larger than this are rendered into a buffer of their own rather than the kept one. */
    static final int KEPT_BUFFER_BYTES = 16 * 1024;

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** Opens the response (status line and headers) and returns its body stream. */
    interface Opener {
        OutputStream open() throws IOException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Opener opener;
    private final HttpCall call;
    private JsonBuffer buf; // for JSON events, made on first use
    private OutputStream out;
    private State state = State.PENDING;
    private volatile long lastWriteNanos = System.nanoTime();
    /** {@link System#nanoTime()} when the first data event went out, 0 before (time to first token, issue 13). */
    private volatile long firstEventNanos;
    private long events;
    /** The heartbeat's bytes ({@link #pingAs}). */
    private byte[] ping = PING;

    SseWriter(Opener opener, HttpCall call) {
        this.opener = opener;
        this.call = call;
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
        sendJson(null, json, flush);
    }

    /** A JSON event after the lines {@code head} (an id, a type), or none. */
    private void sendJson(byte[] head, Object json, boolean flush) {
        lock.lock();
        try {
            JsonBuffer b = buf;
            if (b == null) b = buf = new JsonBuffer(1024, call.memory());
            b.reset();
            Json.write(json, b);
            write(head, b.array(), b.length(), flush);
            if (b.capacity() > KEPT_BUFFER_BYTES) {
                call.memory().release(b.capacity());
                buf = null; // a large event's buffer is not kept for the rest of the stream
            }
            events++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends one JSON value as an event with an id and a type, at once:
     * {@code id: <id>\nevent: <type>\ndata: <json>\n\n} (WHATWG HTML §9.2.6; a client that
     * reconnects sends the last id it saw as {@code Last-Event-ID}). Neither may hold a line break.
     */
    public void send(long id, String type, Object json) {
        if (type.indexOf('\n') >= 0 || type.indexOf('\r') >= 0) throw new IllegalArgumentException("a line break in an event type");
        sendJson(("id: " + id + "\nevent: " + type + "\n").getBytes(StandardCharsets.UTF_8), json, true);
    }

    /**
     * Sends one JSON value as a named event, {@code event: <type>\ndata: <json>\n\n}, as
     * Anthropic's Messages stream has every event (protocols-2.md §10: the SDKs drop events
     * without a name); {@code flush} as for {@link #send(Object, boolean)}. The type may not
     * hold a line break.
     */
    public void send(String type, Object json, boolean flush) {
        if (type.indexOf('\n') >= 0 || type.indexOf('\r') >= 0) throw new IllegalArgumentException("a line break in an event type");
        sendJson(("event: " + type + "\n").getBytes(StandardCharsets.UTF_8), json, flush);
    }

    /**
     * What the heartbeat writes on this stream when it is idle, instead of a {@code : ping}
     * comment: a whole event ({@code event: ping\ndata: {"type": "ping"}\n\n} for Anthropic's
     * Messages API, whose clients expect a named ping). Before the stream starts.
     */
    public void pingAs(byte[] event) {
        lock.lock();
        try {
            ping = event.clone();
        } finally {
            lock.unlock();
        }
    }

    /** Writes one event whose data writes itself; {@code flush} as for {@link #send(Object, boolean)}. */
    public void send(Event event, boolean flush) {
        lock.lock();
        try {
            open();
            call.guarded(() -> {
                out.write(DATA);
                event.writeTo(out);
                out.write(END);
                if (flush) out.flush();
            });
            lastWriteNanos = System.nanoTime();
            if (firstEventNanos == 0) firstEventNanos = lastWriteNanos;
            events++;
        } catch (IOException | ClientGoneException e) {
            throw gone(e);
        } finally {
            lock.unlock();
        }
    }

    /** Sends what earlier unflushed events left in the buffer. */
    public void flush() {
        lock.lock();
        try {
            if (state == State.OPEN) writeRaw(DONE, 0, true); // length 0: flush only
        } finally {
            lock.unlock();
        }
    }

    /** Ends the stream with {@code data: [DONE]} and closes it. */
    public void done() {
        lock.lock();
        try {
            writeRaw(DONE, DONE.length, true);
            close();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream after its last event, without {@code [DONE]}: for surfaces whose last event
     * says it is the last (legacy {@code /chat}'s {@code {"done": true}}).
     */
    public void end() {
        lock.lock();
        try {
            writeRaw(DONE, 0, true); // length 0: flush only
            close();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream with an error event in OpenAI's shape ({@code data: {"error":{…}}}, which
     * the OpenAI SDKs raise as an APIError), or the call's own ({@link HttpCall#errorShape(ErrorShape)}),
     * and no {@code [DONE]}, so that no client can take a broken stream for a complete one.
     */
    public void error(GatewayException e) {
        lock.lock();
        try {
            if (state == State.GONE || state == State.CLOSED) return;
            if (call.errorShape() != null) {
                byte[] event = call.errorShape().event(e, call.requestId()); // the surface's own error event
                writeRaw(event, event.length, true);
            } else {
                JsonBuffer b = new JsonBuffer(256);
                ErrorBody.render(e, b);
                write(null, b.array(), b.length(), true);
            }
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
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets a response header if the stream has not started (nothing sent, no heartbeat yet);
     * returns whether it will go out. Under the writer's lock, so a heartbeat cannot commit the
     * headers halfway.
     */
    public boolean header(String name, String value) {
        lock.lock();
        try {
            if (state != State.PENDING) return false;
            call.setResponseHeader(name, value);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Number of data events sent. */
    public long events() { return events; }

    /** {@link System#nanoTime()} when the first data event was written (not a ping), 0 before. */
    long firstEventNanos() { return firstEventNanos; }

    /** Whether nothing was written for {@code idleNanos}; lock-free, for the heartbeat ticker. */
    boolean idleFor(long idleNanos) {
        return System.nanoTime() - lastWriteNanos >= idleNanos && (state == State.PENDING || state == State.OPEN);
    }

    /** Called by {@link InFlight}: a {@code : ping} comment if nothing was written lately. */
    void pingIfIdle(long idleNanos) {
        if (!idleFor(idleNanos)) return;
        if (!lock.tryLock()) return; // a write is in progress: the stream is not idle
        try {
            if (state == State.PENDING || state == State.OPEN) writeRaw(ping, ping.length, true);
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
            else if (state == State.PENDING) state = State.CLOSED;
        } finally {
            lock.unlock();
        }
    }

    /** A {@code data:} event around {@code length} bytes of JSON, after the lines {@code head} if any. */
    private void write(byte[] head, byte[] json, int length, boolean flush) {
        open();
        try {
            call.guarded(() -> {
                if (head != null) out.write(head);
                out.write(DATA);
                out.write(json, 0, length);
                out.write(END);
                if (flush) out.flush(); // ChunkedOutputStream: one chunk per flush
            });
            lastWriteNanos = System.nanoTime();
            if (firstEventNanos == 0) firstEventNanos = lastWriteNanos;
        } catch (IOException | ClientGoneException e) {
            throw gone(e);
        }
    }

    /** Bytes as they are (a comment, the terminator); length 0 only flushes. */
    private void writeRaw(byte[] bytes, int length, boolean flush) {
        open();
        try {
            call.guarded(() -> {
                if (length > 0) out.write(bytes, 0, length);
                if (flush) out.flush();
            });
            lastWriteNanos = System.nanoTime();
        } catch (IOException | ClientGoneException e) {
            throw gone(e);
        }
    }

    /** Commits the 200 and its headers with the first write. */
    private void open() {
        if (state == State.GONE || state == State.CLOSED) throw new ClientGoneException(null);
        if (state != State.PENDING) return;
        try {
            call.guarded(() -> out = opener.open());
            state = State.OPEN;
        } catch (IOException | ClientGoneException e) {
            throw gone(e);
        }
    }

    private ClientGoneException gone(Exception e) {
        state = State.GONE;
        call.cancellation().cancel();
        return e instanceof ClientGoneException g ? g : new ClientGoneException(e);
    }

    private void close() {
        state = State.CLOSED;
        try {
            if (out != null) call.guarded(out::close); // writes the last, empty chunk (RFC 9112 §7.1)
        } catch (IOException | ClientGoneException ignored) {
            // The client left after the last event; nothing is lost.
        }
    }
}

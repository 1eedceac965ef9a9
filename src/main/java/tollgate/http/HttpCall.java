package tollgate.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;

/**
 * One HTTP exchange as endpoints see it: the request (path, headers, a size-capped body), the
 * two ways to answer (a JSON body, or an SSE stream), the exchange's share of the memory budget
 * ({@link #memory()}) and its {@link #cancellation()}. Also collects the fields of this request's
 * access-log line. Used by one thread at a time (the request's), except the {@link SseWriter} it
 * opens, which guards itself, and {@link #abort}, which the shutdown calls.
 */
public final class HttpCall {
    /** Bodies up to this size are read into one exact-size array at once; larger ones as they arrive. */
    static final int EXACT_READ_BYTES = 64 * 1024;
    /** Largest piece of a response body written at once: the write timeout measures progress per piece. */
    static final int WRITE_SLICE_BYTES = 64 * 1024;
    /** Scratch for reading a refused body into nothing. */
    static final int DRAIN_BYTES = 8 * 1024;

    private final HttpExchange exchange;
    private final String requestId;
    private String keyName;
    private final long maxBodyBytes;
    private final Reservation memory;
    private final WriteGuard writes;
    private final Cancellation cancellation = new Cancellation();
    private final Map<String, Object> logFields = new LinkedHashMap<>();
    private long bodyBytes;
    private volatile int status; // set by a heartbeat thread when it opens the stream
    private volatile SseWriter sse;
    private volatile GatewayException aborted;
    /** The registered path or template that served this call ({@link Router}), null when none matched. */
    private String route;

    HttpCall(HttpExchange exchange, String requestId, long maxBodyBytes, Reservation memory) {
        this.exchange = exchange;
        this.requestId = requestId;
        this.maxBodyBytes = maxBodyBytes;
        this.memory = memory;
        this.writes = new WriteGuard(System::nanoTime);
    }

    public String requestId() { return requestId; }

    public String method() { return exchange.getRequestMethod(); }

    public String path() { return exchange.getRequestURI().getRawPath(); }

    /** The raw query string (after {@code ?}), or null. */
    public String query() { return exchange.getRequestURI().getRawQuery(); }

    /** {@code http(s)://host:port} as the client reached the gateway ({@link ServerUrl}). */
    public String serverUrl() { return ServerUrl.of(exchange); }

    /** The first value of a request header, or null. */
    public String header(String name) { return exchange.getRequestHeaders().getFirst(name); }

    /** Sets a response header; before the response starts. */
    public void setResponseHeader(String name, String value) { exchange.getResponseHeaders().set(name, value); }

    /** Adds a response header field beside those of the same name ({@code Vary}); before the response starts. */
    public void addResponseHeader(String name, String value) { exchange.getResponseHeaders().add(name, value); }

    /** Adds a field to this request's access-log line (model, provider, usage...). */
    public void log(String key, Object value) { logFields.put(key, value); }

    /** Whether errors are also rendered with Deepgram's error fields ({@link #deepgramErrors}). */
    private boolean deepgramErrors;

    /** From now on this call's errors also carry Deepgram's error fields (a Deepgram API route). */
    public void deepgramErrors() { deepgramErrors = true; }

    boolean wantsDeepgramErrors() { return deepgramErrors; }

    /** This call's own error shape, or null for OpenAI's. */
    private ErrorShape errorShape;

    /** From now on this call's errors, as a body or as a stream's error event, take {@code shape}. */
    public void errorShape(ErrorShape shape) { errorShape = shape; }

    /** This call's own error shape ({@link #errorShape(ErrorShape)}), or null for OpenAI's. */
    ErrorShape errorShape() { return errorShape; }

    /** The name of the client key that authenticated this call, or null before authentication. */
    public String keyName() { return keyName; }

    /** Set once the key is checked. */
    public void authenticatedAs(String keyName) { this.keyName = keyName; }

    /** This exchange's share of the gateway's memory budget; given back when the exchange ends. */
    public Reservation memory() { return memory; }

    /** Cancelled when the client is gone (a write failed or was cut) or the gateway aborts the call. */
    public Cancellation cancellation() { return cancellation; }

    Map<String, Object> logFields() { return logFields; }

    // ---- read by a CallObserver (metrics, issue 13) once the call has ended

    /** The access-log field {@code name} an endpoint set ({@link #log}), or null. */
    public Object logField(String name) { return logFields.get(name); }

    /** The route that served this call as registered ({@code /v1/chat/completions}, {@code /admin/keys/{id}}), or null. */
    public String route() { return route; }

    void route(String registered) { this.route = registered; }

    /** The status sent, 0 when no response started. */
    public int responseStatus() { return status; }

    /** Whether the answer was an SSE stream. */
    public boolean streamed() { return sse != null; }

    /** {@link System#nanoTime()} when the stream's first data event went out, 0 when none did. */
    public long firstEventNanos() {
        SseWriter w = sse;
        return w == null ? 0 : w.firstEventNanos();
    }

    long bodyBytes() { return bodyBytes; }

    int status() { return status; }

    boolean responseStarted() { return status != 0; }

    SseWriter sse() { return sse; }

    WriteGuard writes() { return writes; }

    /** The reason the gateway ended this call ({@link #abort}), or null. */
    GatewayException aborted() { return aborted; }

    /**
     * Ends the call from another thread (the drain deadline): its upstream call is cancelled,
     * and the request's thread answers {@code reason} (an error event once the stream started).
     */
    void abort(GatewayException reason) {
        aborted = reason;
        cancellation.cancel();
    }

    /**
     * Reads the whole request body, refusing more than the configured maximum with a 413 (before
     * reading it when Content-Length says so, or as soon as a chunked body passes it). The bytes
     * are reserved in the memory budget as they arrive, never ahead of them: a client announcing a
     * large body and sending nothing holds nothing. The caller releases them when done.
     *
     * @throws tollgate.memory.BudgetExceededException when the budget cannot hold them
     */
    public byte[] body() throws IOException {
        String lengthHeader = header("Content-Length");
        InputStream in = exchange.getRequestBody();
        long length = -1;
        if (lengthHeader != null) {
            try {
                length = Long.parseLong(lengthHeader.trim());
            } catch (NumberFormatException e) {
                throw GatewayException.invalid(null, "Invalid Content-Length header.");
            }
            if (length < 0) throw GatewayException.invalid(null, "Invalid Content-Length header.");
            if (length > maxBodyBytes) throw tooLarge();
        }
        try {
            return read(in, length);
        } catch (BudgetExceededException e) {
            // Answer only once the body is in: a client still sending when the 503 comes would
            // see its connection reset instead. The rest is read into nothing (no memory held).
            long left = (length >= 0 ? length : maxBodyBytes) - bodyBytes;
            byte[] scratch = new byte[DRAIN_BYTES];
            for (int n = 0; left > 0 && n >= 0; left -= n) n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            throw e;
        }
    }

    private byte[] read(InputStream in, long length) throws IOException {
        if (length >= 0 && length <= EXACT_READ_BYTES) {
            memory.reserve(length);
            byte[] body = new byte[(int) length];
            int n = in.readNBytes(body, 0, body.length); // one allocation, the exact size
            if (n < body.length) throw new EOFException("request body ended after " + n + " of " + length + " bytes");
            bodyBytes = n;
            return body;
        }
        // Larger or unknown: grow as bytes arrive, reserving each growth before it is allocated.
        byte[] buf = new byte[0];
        int len = 0;
        long limit = length >= 0 ? length : maxBodyBytes;
        while (true) {
            if (len == buf.length) {
                if (len >= limit) {
                    if (length >= 0 || in.read() < 0) break; // all announced bytes, or the end
                    throw tooLarge();
                }
                int grown = (int) Math.min(limit, Math.max(EXACT_READ_BYTES, 2L * buf.length));
                buf = grow(buf, grown);
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) break;
            len += n;
            bodyBytes = len;
        }
        if (length >= 0 && len < length) throw new EOFException("request body ended after " + len + " of " + length + " bytes");
        bodyBytes = len;
        return len == buf.length ? buf : grow(buf, len);
    }

    /**
     * {@code buf} copied into a new array of {@code size}: both are held while it is copied, so
     * the new one is reserved first and the old one given back after.
     */
    private byte[] grow(byte[] buf, int size) {
        memory.reserve(size);
        byte[] copy = Arrays.copyOf(buf, size);
        memory.release(buf.length);
        return copy;
    }

    /**
     * The request body as it arrives, for bodies passed on without being held whole (audio
     * uploads): at most {@code maxBytes}, refused with a 413 before reading when Content-Length
     * says more, or by the read that passes the limit. Nothing is reserved in the memory budget:
     * whoever reads it holds only its own buffer.
     */
    public InputStream bodyStream(long maxBytes) {
        long length = contentLength();
        if (length > maxBytes) throw tooLarge(maxBytes);
        return new CappedRequestBody(exchange.getRequestBody(), length >= 0 ? Math.min(length, maxBytes) : maxBytes,
                length < 0, this::tooLarge, n -> bodyBytes += n);
    }

    /** The request's Content-Length, -1 when it has none (chunked). */
    public long contentLength() {
        String lengthHeader = header("Content-Length");
        if (lengthHeader == null) return -1;
        try {
            long length = Long.parseLong(lengthHeader.trim());
            if (length >= 0) return length;
        } catch (NumberFormatException e) {
            // below
        }
        throw GatewayException.invalid(null, "Invalid Content-Length header.");
    }

    /**
     * Starts a chunked response of {@code contentType} and returns its body: each write goes out
     * under the write-progress timeout, in slices; {@code close()} ends the response. For answers
     * passed on as they arrive (audio).
     */
    public OutputStream respondStream(int code, String contentType) throws IOException {
        if (responseStarted()) throw new IllegalStateException("response already started");
        exchange.getResponseHeaders().set("Content-Type", contentType);
        status = code;
        guarded(() -> exchange.sendResponseHeaders(code, 0)); // 0 = chunked (HttpExchange javadoc)
        OutputStream out = exchange.getResponseBody();
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                guarded(() -> out.write(b));
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int at = off, end = off + len; at < end; at += WRITE_SLICE_BYTES) {
                    int from = at, n = Math.min(WRITE_SLICE_BYTES, end - at);
                    guarded(() -> out.write(b, from, n));
                }
            }

            @Override
            public void flush() throws IOException {
                guarded(out::flush);
            }

            @Override
            public void close() throws IOException {
                guarded(out::close);
            }
        };
    }

    /**
     * Ends a response that has started without ending it: the connection is closed without the
     * chunked body's terminator (RFC 9112 §7.1), so that the client sees the body broke off
     * rather than a complete one (the exchange's normal close would write the terminator). The
     * server gives a handler no access to its socket; a write from an interrupted thread closes
     * its channel instead of writing ({@code java.nio.channels.InterruptibleChannel}), as
     * {@link WriteGuard} cuts a stuck write.
     */
    public void cutResponse() {
        if (!responseStarted()) return;
        OutputStream out = exchange.getResponseBody();
        Thread.currentThread().interrupt();
        try {
            out.write(0);
            out.flush();
        } catch (IOException | RuntimeException expected) {
            // the channel is closed: the point
        } finally {
            Thread.interrupted(); // the interrupt was for this write only
        }
    }

    private GatewayException tooLarge(long max) {
        return new GatewayException(ErrorKind.CALLER_BODY_TOO_LARGE,
                "Request body is larger than this endpoint's limit of " + max + " bytes.");
    }

    private GatewayException tooLarge() {
        return new GatewayException(ErrorKind.CALLER_BODY_TOO_LARGE,
                "Request body is larger than the gateway's limit of " + maxBodyBytes + " bytes.");
    }

    /** Answers with a JSON value, rendered into a buffer charged to this call's memory. */
    public void respondJson(int code, Object value) throws IOException {
        JsonBuffer buf = new JsonBuffer(512, memory);
        Json.write(value, buf);
        respond(code, "application/json", buf.array(), buf.length());
    }

    /** Answers with pre-rendered bytes. */
    public void respond(int code, String contentType, byte[] body, int length) throws IOException {
        if (responseStarted()) throw new IllegalStateException("response already started");
        exchange.getResponseHeaders().set("Content-Type", contentType);
        status = code;
        guarded(() -> exchange.sendResponseHeaders(code, length == 0 ? -1 : length));
        if (length > 0) {
            OutputStream out = exchange.getResponseBody();
            for (int off = 0; off < length; off += WRITE_SLICE_BYTES) {
                int from = off;
                guarded(() -> out.write(body, from, Math.min(WRITE_SLICE_BYTES, length - from)));
            }
            guarded(out::close);
        }
    }

    /** Answers with a status alone: no body, no Content-Type (a 204, RFC 9110 §15.3.5). */
    public void respondEmpty(int code) throws IOException {
        if (responseStarted()) throw new IllegalStateException("response already started");
        status = code;
        guarded(() -> exchange.sendResponseHeaders(code, -1)); // -1: no body (HttpExchange javadoc)
    }

    /** A blocking write to the client. */
    interface Write {
        void run() throws IOException;
    }

    /**
     * Runs a write under the write-progress timeout ({@link WriteGuard}). A write that was cut,
     * or that finds the exchange already cut, fails as a client that went away.
     */
    void guarded(Write write) throws IOException {
        if (!writes.begin()) throw new ClientGoneException(null);
        boolean ok = false;
        try {
            write.run();
            ok = true;
        } finally {
            if (!writes.end() && ok) throw new ClientGoneException(null);
        }
    }

    /**
     * Opens (lazily) an SSE response: the 200 and its headers go out with the first event or
     * heartbeat, so that an upstream failing before its first chunk still gets a real HTTP error.
     */
    public SseWriter openSse() {
        if (sse != null) throw new IllegalStateException("stream already open");
        sse = new SseWriter(this::startStream, this);
        return sse;
    }

    private OutputStream startStream() throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "text/event-stream");
        headers.set("Cache-Control", "no-cache");
        // Tells nginx-style reverse proxies not to buffer the stream.
        headers.set("X-Accel-Buffering", "no");
        status = 200;
        exchange.sendResponseHeaders(200, 0); // 0 = chunked (HttpExchange javadoc)
        return exchange.getResponseBody();
    }
}

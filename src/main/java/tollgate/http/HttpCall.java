package tollgate.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;

/**
 * One HTTP exchange as endpoints see it: the request (path, headers, a size-capped body) and
 * the two ways to answer (a JSON body, or an SSE stream). Also collects the fields of this
 * request's access-log line. Used by one thread at a time (the request's), except the
 * {@link SseWriter} it opens, which guards itself.
 */
public final class HttpCall {
    private static final int READ_CHUNK_BYTES = 16 * 1024;

    private final HttpExchange exchange;
    private final String requestId;
    private final long maxBodyBytes;
    private final Map<String, Object> logFields = new LinkedHashMap<>();
    private final Heartbeats heartbeats;
    private long bodyBytes;
    private volatile int status; // set by a heartbeat thread when it opens the stream
    private SseWriter sse;

    HttpCall(HttpExchange exchange, String requestId, long maxBodyBytes, Heartbeats heartbeats) {
        this.exchange = exchange;
        this.requestId = requestId;
        this.maxBodyBytes = maxBodyBytes;
        this.heartbeats = heartbeats;
    }

    public String requestId() { return requestId; }

    public String method() { return exchange.getRequestMethod(); }

    public String path() { return exchange.getRequestURI().getRawPath(); }

    /** The first value of a request header, or null. */
    public String header(String name) { return exchange.getRequestHeaders().getFirst(name); }

    /** Sets a response header; before the response starts. */
    public void setResponseHeader(String name, String value) { exchange.getResponseHeaders().set(name, value); }

    /** Adds a field to this request's access-log line (model, provider, usage...). */
    public void log(String key, Object value) { logFields.put(key, value); }

    Map<String, Object> logFields() { return logFields; }

    long bodyBytes() { return bodyBytes; }

    int status() { return status; }

    boolean responseStarted() { return status != 0; }

    SseWriter sse() { return sse; }

    /**
     * Reads the whole request body, refusing more than the configured maximum with a 413 before
     * reading it when Content-Length says so, or as soon as a chunked body passes it.
     */
    public byte[] body() throws IOException {
        String lengthHeader = header("Content-Length");
        InputStream in = exchange.getRequestBody();
        if (lengthHeader != null) {
            long length;
            try {
                length = Long.parseLong(lengthHeader.trim());
            } catch (NumberFormatException e) {
                throw GatewayException.invalid(null, "Invalid Content-Length header.");
            }
            if (length < 0) throw GatewayException.invalid(null, "Invalid Content-Length header.");
            if (length > maxBodyBytes) throw tooLarge();
            byte[] body = new byte[(int) length];
            int n = in.readNBytes(body, 0, body.length); // one allocation, the exact size
            if (n < body.length) throw new java.io.EOFException("request body ended after " + n + " of " + length + " bytes");
            bodyBytes = n;
            return body;
        }
        JsonBuffer buf = new JsonBuffer(READ_CHUNK_BYTES);
        byte[] chunk = new byte[READ_CHUNK_BYTES];
        int n;
        while ((n = in.read(chunk)) > 0) {
            if (buf.length() + (long) n > maxBodyBytes) throw tooLarge();
            buf.append(chunk, 0, n);
        }
        bodyBytes = buf.length();
        return buf.toByteArray();
    }

    private GatewayException tooLarge() {
        return new GatewayException(ErrorKind.CALLER_BODY_TOO_LARGE,
                "Request body is larger than the gateway's limit of " + maxBodyBytes + " bytes.");
    }

    /** Answers with a JSON value. */
    public void respondJson(int code, Object value) throws IOException {
        JsonBuffer buf = new JsonBuffer(512);
        Json.write(value, buf);
        respond(code, "application/json", buf.array(), buf.length());
    }

    /** Answers with pre-rendered bytes. */
    public void respond(int code, String contentType, byte[] body, int length) throws IOException {
        if (responseStarted()) throw new IllegalStateException("response already started");
        exchange.getResponseHeaders().set("Content-Type", contentType);
        status = code;
        exchange.sendResponseHeaders(code, length == 0 ? -1 : length);
        if (length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body, 0, length);
            }
        }
    }

    /**
     * Opens (lazily) an SSE response: the 200 and its headers go out with the first event or
     * heartbeat, so that an upstream failing before its first chunk still gets a real HTTP error.
     */
    public SseWriter openSse(tollgate.provider.Cancellation cancellation) {
        if (sse != null) throw new IllegalStateException("stream already open");
        sse = new SseWriter(this::startStream, cancellation, heartbeats);
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

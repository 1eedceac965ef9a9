package tollgate.tool.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import tollgate.config.McpServerConfig;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.json.JsonMeter;
import tollgate.json.JsonNumber;
import tollgate.provider.Secrets;
import tollgate.provider.SseReader;
import tollgate.provider.Upstream;
import tollgate.tool.mcp.McpException.Kind;

/**
 * The client end of MCP's Streamable HTTP transport (revision 2025-06-18, basic/transports) for
 * one server: every message is one POST of one JSON-RPC message to the server's endpoint with
 * {@code Accept: application/json, text/event-stream}; a request is answered with one JSON
 * object ({@code application/json}) or an event stream whose events are JSON-RPC messages, the
 * response to our request among them; a notification is answered {@code 202 Accepted}. After
 * initialization every message carries {@code MCP-Protocol-Version} and, when the server gave
 * one, {@code Mcp-Session-Id}; a 404 to a message with a session id means the session is gone.
 *
 * <p>Every body is read with a cap: an answer at most the caller's {@code capBytes} (the whole
 * event stream counts), an error answer {@link #MAX_ERROR_BODY_BYTES}, at most
 * {@link #MAX_STREAM_MESSAGES} messages on one stream. Whatever the server says that reaches a
 * message is scrubbed of the token and header values. Thread-safe; no state of its own.
 */
final class McpHttp {
    static final String ACCEPT = "application/json, text/event-stream";
    /** Cap on an error answer's body: read only to quote its message. */
    static final int MAX_ERROR_BODY_BYTES = 8 * 1024;
    /** Most messages one event stream may carry (its notifications and requests before our answer). */
    static final int MAX_STREAM_MESSAGES = 1024;
    /** Longest quote of a server's own text in a message. */
    static final int MAX_QUOTE_CHARS = 300;
    /** JSON-RPC 2.0 §5.1: the method does not exist / is not available. */
    static final int METHOD_NOT_FOUND = -32601;

    /** What the server said after initialization: sent back with every message. Nulls: not (yet) given. */
    record Session(String id, String version) {
        static final Session NONE = new Session(null, null);
    }

    /** A response (our id's) and the session id the server's answer carried, or null. */
    record Reply(Map<String, Object> message, String sessionId) {}

    private final McpServerConfig server;
    private final Upstream upstream;
    private final URI uri;
    private final Secrets secrets;

    McpHttp(McpServerConfig server, Upstream upstream) {
        this.server = server;
        this.upstream = upstream;
        this.uri = URI.create(server.url());
        List<String> values = new ArrayList<>(server.headers().values());
        if (server.token() != null) values.add(server.token());
        this.secrets = Secrets.ofValues(values);
    }

    String name() { return server.name(); }

    /** {@code text} without the token or header values (what a server says goes to the model and the log). */
    String scrub(String text) { return secrets.forLog(text); }

    /**
     * Sends the request {@code message} (whose id is {@code id}) and returns the response to it.
     *
     * @param onNotification told the method of each notification the server sends before the answer, or null
     * @param memory         charged for the answer's bytes and parsed trees before they are held ({@link JsonMeter#NONE}: not
     *                       counted); a refusal it throws ends the request
     * @throws McpException whatever stands between us and that response
     */
    Reply request(Session s, Map<String, Object> message, long id, int capBytes, CallTimer timer, Consumer<String> onNotification,
                  JsonMeter memory) throws McpException {
        HttpResponse<InputStream> response = send(post(s, message), timer);
        try (InputStream in = response.body()) {
            timer.guard(in);
            check(response, s, in);
            if (response.statusCode() == 202 || response.statusCode() == 204) {
                throw protocol("answered HTTP " + response.statusCode() + " without a response to the request");
            }
            String type = mediaType(response);
            String sessionId = response.headers().firstValue("Mcp-Session-Id").orElse(null);
            Map<String, Object> answer;
            if (type.equals("application/json")) {
                answer = fromJson(read(in, capBytes, memory), id, memory);
            } else if (type.equals("text/event-stream")) {
                // A ping inside initialize's own stream is answered with the session this answer opens.
                Session replyAs = s.id() == null && sessionId != null ? new Session(sessionId, s.version()) : s;
                answer = fromStream(in, replyAs, id, capBytes, timer, onNotification, memory);
            } else {
                throw protocol("answered with content type '" + quote(type) + "', not JSON or an event stream");
            }
            return new Reply(answer, sessionId);
        } catch (SseReader.SseLimitException | TooLarge e) {
            throw new McpException(Kind.TOO_LARGE, "the MCP server '" + name() + "' sent an answer larger than " + capBytes + " bytes");
        } catch (IOException e) {
            throw broken(timer, "the connection broke while the answer was read");
        }
    }

    /** Sends a notification (or our response to a server's request): expects 202 (any 2xx will do). */
    void notify(Session s, Map<String, Object> message, CallTimer timer) throws McpException {
        HttpResponse<InputStream> response = send(post(s, message), timer);
        try (InputStream in = response.body()) {
            timer.guard(in);
            check(response, s, in);
        } catch (IOException e) {
            throw broken(timer, "the connection broke");
        }
    }

    /** Ends the session on the server ({@code DELETE} with its id); the server may refuse with 405. Best effort. */
    void delete(Session s, CallTimer timer) {
        if (s.id() == null) return;
        HttpRequest.Builder b = headers(upstream.request(uri), s).DELETE();
        try {
            HttpResponse<InputStream> response = send(b.build(), timer);
            CallTimer.closeQuietly(response.body());
        } catch (McpException e) {
            // the session expires on its own
        }
    }

    private HttpRequest post(Session s, Map<String, Object> message) {
        return headers(upstream.request(uri), s)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(message)))
                .build();
    }

    private HttpRequest.Builder headers(HttpRequest.Builder b, Session s) {
        b.header("Accept", ACCEPT);
        if (s.version() != null) b.header("MCP-Protocol-Version", s.version());
        if (s.id() != null) b.header("Mcp-Session-Id", s.id());
        if (server.token() != null) b.header("Authorization", "Bearer " + server.token());
        server.headers().forEach(b::header); // names checked at start-up (McpServerConfig)
        return b;
    }

    private HttpResponse<InputStream> send(HttpRequest request, CallTimer timer) throws McpException {
        CompletableFuture<HttpResponse<InputStream>> f;
        try {
            f = upstream.client().sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IllegalStateException e) { // the shared client is closed: the gateway is stopping
            throw new McpException(Kind.CANCELLED, "the gateway is stopping");
        }
        timer.guard(f);
        try {
            return f.get(Math.max(0, timer.remainingNanos()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandon(f);
            McpException fired = timer.failure(name());
            throw fired != null ? fired : timer.timeout(name());
        } catch (CancellationException e) {
            abandon(f);
            throw broken(timer, "the request was abandoned");
        } catch (InterruptedException e) {
            abandon(f);
            Thread.currentThread().interrupt();
            throw new McpException(Kind.CANCELLED, "the call to the MCP server '" + name() + "' was interrupted");
        } catch (ExecutionException e) {
            McpException fired = timer.failure(name());
            if (fired != null) throw fired;
            throw new McpException(Kind.UNREACHABLE, "the MCP server '" + name() + "' could not be reached: " + why(e.getCause()));
        }
    }

    /** Why a request failed, in words without its URL, host or headers (the JDK's messages may hold the host). */
    static String why(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof HttpConnectTimeoutException) return "the connection timed out";
            if (c instanceof ConnectException) return "the connection was refused";
            if (c instanceof java.nio.channels.UnresolvedAddressException || c instanceof java.net.UnknownHostException) {
                return "its host name does not resolve";
            }
            if (c instanceof javax.net.ssl.SSLException) return "TLS failed";
        }
        return "the connection failed";
    }

    /** A response that arrives after we stopped waiting is closed, not leaked (closing does not block). */
    private static void abandon(CompletableFuture<HttpResponse<InputStream>> f) {
        f.cancel(true);
        f.whenComplete((r, t) -> {
            if (r != null) CallTimer.closeQuietly(r.body());
        });
    }

    private McpException broken(CallTimer timer, String what) {
        McpException fired = timer.failure(name());
        return fired != null ? fired : new McpException(Kind.UNREACHABLE, "the MCP server '" + name() + "' could not be reached: " + what);
    }

    /** Fails on any status but 2xx, reading (a capped piece of) the error body to quote it. */
    private void check(HttpResponse<InputStream> response, Session s, InputStream in) throws McpException, IOException {
        int status = response.statusCode();
        if (status >= 200 && status < 300) return;
        if (status == 401 || status == 403) {
            throw new McpException(Kind.UNAUTHORIZED, "the MCP server '" + name() + "' refused the gateway's credentials (HTTP " + status
                    + "); check its token and headers");
        }
        if (status == 404 && s.id() != null) {
            throw new McpException(Kind.SESSION_GONE, "the MCP server '" + name() + "' no longer knows the session (HTTP 404)");
        }
        byte[] body = in.readNBytes(MAX_ERROR_BODY_BYTES);
        String said = errorText(mediaType(response), body);
        throw protocol("answered HTTP " + status + (said.isEmpty() ? "" : ": " + said));
    }

    /** The JSON-RPC error message of an error answer, or the first line of a plain-text one, quoted; else "". */
    private String errorText(String type, byte[] body) {
        if (type.equals("application/json")) {
            try {
                Map<String, Object> m = Json.asObject(Json.parse(body));
                Map<String, Object> err = m == null ? null : Json.asObject(m.get("error"));
                if (err != null && err.get("message") instanceof String msg) return quote(msg);
            } catch (JsonException e) {
                return "";
            }
        } else if (type.equals("text/plain")) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            int nl = text.indexOf('\n');
            return quote(nl < 0 ? text : text.substring(0, nl));
        }
        return "";
    }

    private Map<String, Object> fromJson(byte[] body, long id, JsonMeter memory) throws McpException {
        Object parsed = parse(body, 0, body.length, memory);
        if (parsed instanceof List<?> batch) { // revision 2025-03-26 allowed batches
            for (Object o : batch) {
                Map<String, Object> m = Json.asObject(o);
                if (m != null && isResponseTo(m, id)) return m;
            }
        }
        Map<String, Object> m = Json.asObject(parsed);
        // JSON-RPC 2.0 §5: an error the server could not tie to a request has "id": null; it is ours all the same.
        if (m != null && (isResponseTo(m, id) || m.get("id") == null && m.get("error") != null)) return m;
        throw protocol("answered with JSON that is not the response to request " + id);
    }

    /**
     * Reads the event stream until the response to {@code id}: notifications before it are
     * handed to {@code onNotification}; a request of the server's (a {@code ping}) is answered
     * (ping with an empty result, anything else with "method not found": we declared no
     * capabilities); an event without data (a stream's priming event) is skipped.
     */
    private Map<String, Object> fromStream(InputStream in, Session s, long id, int capBytes, CallTimer timer,
                                           Consumer<String> onNotification, JsonMeter memory) throws McpException, IOException {
        SseReader events = new SseReader(new CappedStream(in, capBytes), capBytes, capBytes, memory);
        int messages = 0;
        while (events.advance()) {
            if (isBlank(events.data(), events.dataLength())) continue;
            if (++messages > MAX_STREAM_MESSAGES) throw protocol("sent more than " + MAX_STREAM_MESSAGES + " messages before the answer");
            Map<String, Object> m = Json.asObject(parse(events.data(), 0, events.dataLength(), memory));
            if (m == null) throw protocol("sent an event that is not a JSON-RPC message");
            if (isResponseTo(m, id)) return m;
            if (m.get("method") instanceof String method) {
                if (m.get("id") != null) answer(s, m, method, timer);
                else if (onNotification != null) onNotification.accept(method);
            }
        }
        McpException fired = timer.failure(name());
        if (fired != null) throw fired;
        throw protocol("ended its event stream before the response to request " + id);
    }

    private void answer(Session s, Map<String, Object> request, String method, CallTimer timer) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("jsonrpc", "2.0");
        reply.put("id", request.get("id"));
        if (method.equals("ping")) {
            reply.put("result", Map.of());
        } else {
            reply.put("error", Map.of("code", JsonNumber.of(METHOD_NOT_FOUND), "message", "the client does not support " + method));
        }
        try {
            notify(s, reply, timer);
        } catch (McpException e) {
            // our own answer still matters more; the server may give up on its ping
        }
    }

    static boolean isResponseTo(Map<String, Object> m, long id) {
        if (!m.containsKey("result") && !m.containsKey("error")) return false;
        Object got = m.get("id");
        String want = Long.toString(id);
        return got instanceof JsonNumber n ? n.text().equals(want) : want.equals(got);
    }

    private Object parse(byte[] b, int off, int len, JsonMeter memory) throws McpException {
        try {
            return Json.parse(b, off, len, memory);
        } catch (JsonException e) {
            throw protocol("sent a message that is not JSON (" + e.getMessage() + ")");
        }
    }

    private static byte[] read(InputStream in, int cap, JsonMeter memory) throws IOException {
        byte[] b = in.readNBytes(cap + 1);
        if (b.length > cap) throw new TooLarge();
        memory.charge(b.length);
        return b;
    }

    private McpException protocol(String what) {
        return new McpException(Kind.PROTOCOL, "the MCP server '" + name() + "' " + what);
    }

    /** A server's text, scrubbed, without control characters, cut at {@link #MAX_QUOTE_CHARS}. */
    String quote(String text) {
        String s = scrub(text).replaceAll("\\p{Cntrl}", " ").strip();
        return s.length() <= MAX_QUOTE_CHARS ? s : s.substring(0, MAX_QUOTE_CHARS) + "…";
    }

    private static String mediaType(HttpResponse<?> response) {
        String type = response.headers().firstValue("Content-Type").orElse("");
        int semi = type.indexOf(';');
        return (semi < 0 ? type : type.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    private static boolean isBlank(byte[] b, int len) {
        for (int i = 0; i < len; i++) if (b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') return false;
        return true;
    }

    /** An answer over its cap. */
    static final class TooLarge extends IOException {
        TooLarge() {
            super("answer over its cap", null);
        }
    }

    /** Fails a read once more than {@code cap} bytes have come through (an event stream's total). */
    private static final class CappedStream extends java.io.FilterInputStream {
        private long left;

        CappedStream(InputStream in, long cap) {
            super(in);
            this.left = cap;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) throw new TooLarge();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && (left -= n) < 0) throw new TooLarge();
            return n;
        }
    }
}

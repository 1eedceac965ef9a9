package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tollgate.json.Json;

/**
 * A realtime client for the tests: the JDK's own {@link WebSocket} client (as an application
 * would use it), every whole message it receives queued in order, its close code kept.
 */
final class RealtimeClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    /** A received message: text, or binary bytes. */
    record Received(String text, byte[] binary) {
        Map<String, Object> json() { return GatewayHarness.obj(text); }

        String type() { return text == null ? null : (String) json().get("type"); }
    }

    private final WebSocket ws;
    private final BlockingQueue<Received> messages;
    final CompletableFuture<int[]> closed;
    final CompletableFuture<String> closeReason;

    private RealtimeClient(WebSocket ws, BlockingQueue<Received> messages, CompletableFuture<int[]> closed,
                           CompletableFuture<String> closeReason) {
        this.ws = ws;
        this.messages = messages;
        this.closed = closed;
        this.closeReason = closeReason;
    }

    /** Connects; {@code headers} are name, value pairs; {@code subprotocols} may be empty. */
    static RealtimeClient connect(HttpClient http, String url, String[] headers, String... subprotocols) {
        BlockingQueue<Received> messages = new LinkedBlockingQueue<>();
        CompletableFuture<int[]> closed = new CompletableFuture<>();
        CompletableFuture<String> reason = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();
            private final java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    messages.add(new Received(text.toString(), null));
                    text.setLength(0);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                bin.writeBytes(b);
                if (last) {
                    messages.add(new Received(null, bin.toByteArray()));
                    bin.reset();
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int statusCode, String why) {
                closed.complete(new int[] {statusCode});
                reason.complete(why);
                return null;
            }

            @Override
            public void onError(WebSocket w, Throwable error) {
                closed.complete(new int[] {-1});
                reason.complete(String.valueOf(error));
            }
        };
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(WAIT);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        if (subprotocols.length > 0) {
            String[] rest = java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length);
            b.subprotocols(subprotocols[0], rest);
        }
        WebSocket ws = b.buildAsync(URI.create(url), listener).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        return new RealtimeClient(ws, messages, closed, reason);
    }

    /** The handshake's refusal: its status and body (the test fails if it was accepted). */
    static WebSocketHandshakeException refused(HttpClient http, String url, String[] headers, String... subprotocols) {
        try {
            connect(http, url, headers, subprotocols).close();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) return h;
            throw e;
        }
        return fail("the handshake was accepted: " + url);
    }

    /** The refused handshake's body as text. */
    static String body(WebSocketHandshakeException e) {
        Object body = e.getResponse().body();
        return body instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(body);
    }

    String subprotocol() { return ws.getSubprotocol(); }

    void send(String text) { ws.sendText(text, true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join(); }

    void send(Map<String, Object> event) { send(Json.toString(event)); }

    void sendBinary(byte[] data) { ws.sendBinary(ByteBuffer.wrap(data), true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join(); }

    /** The next message, failing after {@link #WAIT}. */
    Received next() throws InterruptedException {
        Received r = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) fail("no message within " + WAIT + (closed.isDone() ? "; closed with " + closed.join()[0] : ""));
        return r;
    }

    /** Messages up to and including the first of {@code type}; the test fails if another {@code error} comes first. */
    Received until(String type) throws InterruptedException {
        while (true) {
            Received r = next();
            if (type.equals(r.type())) return r;
            if ("error".equals(r.type())) fail("error event while waiting for " + type + ": " + r.text());
        }
    }

    /** The next message, which must be of {@code type}. */
    Received expect(String type) throws InterruptedException {
        Received r = next();
        assertEquals(type, r.type(), () -> "message: " + r.text());
        return r;
    }

    /** Nothing more is queued now. */
    boolean idle() { return messages.isEmpty(); }

    /** The close code the gateway sent, waiting for it. */
    int closeCode() { return closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join()[0]; }

    String closeReason() { return closeReason.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join(); }

    /** Starts the close handshake with {@code code}. */
    void close(int code, String reason) { ws.sendClose(code, reason).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join(); }

    @Override
    public void close() { ws.abort(); }
}

package tollgate.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.memory.MemoryBudget;
import tollgate.websocket.Upgrade;
import tollgate.websocket.UpgradeRequest;
import tollgate.websocket.WsConnection;
import tollgate.websocket.WsLimits;
import tollgate.websocket.WsMessage;
import tollgate.websocket.WsServer;

/**
 * A fake OpenAI Realtime API ({@code GET /v1/realtime?model=...}) on 127.0.0.1, built on the
 * gateway's own WebSocket server, whose behaviour is chosen by the model name:
 * <ul>
 *   <li>anything not below ("normal"): {@code session.created} on open; {@code session.update} →
 *       {@code session.updated} echoing its {@code session}; {@code input_audio_buffer.append} →
 *       nothing; {@code input_audio_buffer.commit} → {@code input_audio_buffer.committed};
 *       {@code response.create} → {@code response.created}, 3 {@code response.output_audio.delta},
 *       a {@code response.output_audio_transcript.delta}, {@code response.done} with usage; a
 *       binary message echoed as binary; an unknown type or invalid JSON → an {@code error} event.
 *       Closes answered with the same code.</li>
 *   <li>{@code refuse-401}, {@code refuse-403}, {@code refuse-500}, {@code refuse-429} (with
 *       {@code retry-after: 7}): the upgrade refused with that status and an OpenAI JSON error
 *       body; the 401 and 500 bodies quote the {@code Authorization} header received (as OpenAI's
 *       "Incorrect API key provided: ..." does), to prove the gateway scrubs its key.</li>
 *   <li>{@code cut-after-created}: TCP dropped (a reset) right after {@code session.created};
 *       the JDK client reports a reset at once, so the gateway may never see that event.</li>
 *   <li>{@code close-4001}: close 4001 "bye" right after {@code session.created}.</li>
 *   <li>{@code slow}: {@code session.created}, then nothing read until {@link #release()}; then
 *       as normal.</li>
 *   <li>{@code huge-<n>}: as normal, and the client's first message is answered first with one
 *       text message of exactly n bytes ({@code {"type":"huge","pad":"xxx..."}}). Not at once on
 *       open: the JDK's WebSocket client can reorder or stall data that arrives together with
 *       its 101 response (a race in its hand-over from HTTP to WebSocket, JDK 17 to 25), so a
 *       fake that bursts at the handshake tests the JDK, not the gateway.</li>
 *   <li>{@code hang}: the upgrade is not answered until {@link #release()} (then refused 503).</li>
 * </ul>
 * Every session is recorded ({@link #sessions()}): the handshake, every message received in
 * order, and how it ended.
 */
public final class FakeRealtimeUpstream implements AutoCloseable {
    /** How long a held-back handler waits for {@link #release()} at most. */
    static final Duration HOLD_LIMIT = Duration.ofSeconds(30);

    /** One upstream session as the fake saw it. */
    public static final class Session {
        public final UpgradeRequest request;
        public final String model;
        /** Every message received, in order. */
        public final List<WsMessage> received = new CopyOnWriteArrayList<>();
        private final CountDownLatch ended = new CountDownLatch(1);
        private volatile int peerCloseCode;
        private volatile String peerCloseReason;

        Session(UpgradeRequest request, String model) {
            this.request = request;
            this.model = model;
        }

        public String header(String lowerName) { return request.header(lowerName); }

        /** The texts received, in order (binary messages as "binary:<n bytes>"). */
        public List<String> texts() {
            List<String> out = new ArrayList<>();
            for (WsMessage m : received) out.add(m.text() ? new String(m.payload(), StandardCharsets.UTF_8) : "binary:" + m.payload().length);
            return out;
        }

        /** Waits until the connection has ended; then the peer's close code (1006 if none). */
        public int awaitEnd() throws InterruptedException {
            if (!ended.await(HOLD_LIMIT.toSeconds(), TimeUnit.SECONDS)) throw new AssertionError("the session did not end");
            return peerCloseCode;
        }

        public String peerCloseReason() { return peerCloseReason; }

        public void awaitReceived(int n) throws InterruptedException { waitFor(() -> received.size() >= n, n + " messages received"); }
    }

    private final WsServer server;
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);

    private FakeRealtimeUpstream(int maxMessageBytes) throws IOException {
        WsLimits d = WsLimits.defaults();
        this.server = WsServer.bind("127.0.0.1", 0, null, 1000, new WsLimits(maxMessageBytes, d.maxHeaderBytes(),
                d.handshakeTimeout(), d.idleTimeout(), d.pingInterval(), Duration.ofSeconds(2), d.writeTimeout()), this::handle);
        server.start();
    }

    public static FakeRealtimeUpstream start() throws IOException { return new FakeRealtimeUpstream(WsLimits.DEFAULT_MAX_MESSAGE_BYTES); }

    /** The base URL a provider of kind openai is configured with: {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() { return "http://127.0.0.1:" + server.port() + "/v1"; }

    public int port() { return server.port(); }

    public List<Session> sessions() { return sessions; }

    /** Waits for the n-th session (0-based) to be upgraded or refused. */
    public Session session(int index) throws InterruptedException {
        waitFor(() -> sessions.size() > index, "session " + index);
        return sessions.get(index);
    }

    /** Lets {@code slow} sessions read and {@code hang} handshakes answer. */
    public void release() { released.countDown(); }

    @Override
    public void close() {
        release();
        server.close(Duration.ofSeconds(2));
    }

    private void handle(UpgradeRequest request, Upgrade upgrade) throws IOException {
        String model = query(request.rawQuery(), "model");
        Session s = new Session(request, model);
        sessions.add(s);
        try {
            if (model.startsWith("refuse-")) {
                refuse(upgrade, Integer.parseInt(model.substring(7)), request.header("authorization"));
                return;
            }
            if (model.equals("hang")) {
                hold();
                upgrade.refuse(503, List.of(), error("server_error", null, "released"));
                return;
            }
            WsConnection c = upgrade.accept(null, MemoryBudget.unlimited().open());
            try {
                session(c, s);
            } finally {
                s.peerCloseCode = c.peerCloseCode();
                s.peerCloseReason = c.peerCloseReason();
            }
        } finally {
            s.ended.countDown();
        }
    }

    private void session(WsConnection c, Session s) throws IOException {
        String model = s.model;
        c.sendText("{\"type\":\"session.created\",\"event_id\":\"evt_1\",\"session\":{\"id\":\"sess_fake\",\"model\":\""
                + model + "\"}}");
        switch (model) {
            case "cut-after-created" -> {
                c.abort();
                return;
            }
            case "close-4001" -> c.close(4001, "bye");
            case "slow" -> hold();
            default -> { }
        }
        int n = 1;
        for (WsMessage m; (m = c.read()) != null; ) {
            s.received.add(m);
            if (model.startsWith("huge-") && s.received.size() == 1) c.sendText(huge(Integer.parseInt(model.substring(5))));
            if (!m.text()) {
                c.sendBinary(m.payload());
                continue;
            }
            Map<String, Object> ev;
            try {
                ev = Json.asObject(Json.parse(m.payload()));
            } catch (JsonException e) {
                ev = null;
            }
            String type = ev == null ? null : String.valueOf(ev.get("type"));
            if (type == null) {
                c.sendText(event("error", ++n, "error", Json.asObject(Json.parse(error("invalid_request_error", "invalid_json", "bad JSON")))
                        .get("error")));
                continue;
            }
            switch (type) {
                case "session.update" -> c.sendText(event("session.updated", ++n, "session", ev.get("session")));
                case "input_audio_buffer.append" -> { }
                case "input_audio_buffer.commit" -> c.sendText(event("input_audio_buffer.committed", ++n, "item_id", "item_1"));
                case "response.create" -> {
                    c.sendText(event("response.created", ++n, "response", Map.of("id", "resp_1")));
                    for (int i = 0; i < 3; i++) c.sendText(event("response.output_audio.delta", ++n, "delta", "AAAA"));
                    c.sendText(event("response.output_audio_transcript.delta", ++n, "delta", "hi"));
                    c.sendText(event("response.done", ++n, "response", Json.parse(
                            "{\"id\":\"resp_1\",\"status\":\"completed\",\"usage\":{\"total_tokens\":30,\"input_tokens\":10,\"output_tokens\":20}}")));
                }
                default -> c.sendText(event("error", ++n, "error", Json.asObject(Json.parse(error("invalid_request_error",
                        "unknown_event", "unknown type " + type))).get("error")));
            }
        }
    }

    private void hold() {
        try {
            if (!released.await(HOLD_LIMIT.toSeconds(), TimeUnit.SECONDS)) throw new IllegalStateException("never released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void refuse(Upgrade upgrade, int status, String authorization) throws IOException {
        String auth = authorization == null ? "(none)" : authorization.replace("Bearer ", "");
        switch (status) {
            case 401 -> upgrade.refuse(401, List.of(), error("invalid_request_error", "invalid_api_key",
                    "Incorrect API key provided: " + auth + ". You can find your API key at https://platform.openai.com/account/api-keys."));
            case 403 -> upgrade.refuse(403, List.of(), error("invalid_request_error", "unsupported_country_region_territory",
                    "Country, region, or territory not supported"));
            case 429 -> upgrade.refuse(429, List.of("retry-after", "7"), error("requests", "rate_limit_exceeded",
                    "Rate limit reached for requests"));
            default -> upgrade.refuse(status, List.of(), error("server_error", null,
                    "The server had an error processing your request (key " + auth + ")"));
        }
    }

    private static byte[] error(String type, String code, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", message);
        e.put("type", type);
        e.put("param", null);
        e.put("code", code);
        return Json.toBytes(Map.of("error", e));
    }

    private static String event(String type, int n, String key, Object value) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("type", type);
        ev.put("event_id", "evt_" + n);
        ev.put(key, value);
        return Json.toString(ev);
    }

    /** {@code {"type":"huge","pad":"xxx..."}} of exactly {@code bytes} bytes. */
    public static String huge(int bytes) {
        String head = "{\"type\":\"huge\",\"pad\":\"";
        return head + "x".repeat(bytes - head.length() - 2) + "\"}";
    }

    private static String query(String rawQuery, String name) {
        if (rawQuery == null) return "";
        for (String p : rawQuery.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equals(name)) return java.net.URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return "";
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + HOLD_LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(1);
        }
    }
}

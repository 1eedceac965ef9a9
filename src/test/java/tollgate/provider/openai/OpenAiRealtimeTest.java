package tollgate.provider.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.config.ProviderConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.gateway.FakeRealtimeUpstream;
import tollgate.json.Json;
import tollgate.provider.Exchange;
import tollgate.provider.HttpChatProvider;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Providers;
import tollgate.provider.RealtimeCall;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeMessage;
import tollgate.provider.RealtimeUpstream;
import tollgate.provider.Secrets;
import tollgate.provider.Upstream;

/** OpenAI realtime sessions through the JDK's WebSocket against {@link FakeRealtimeUpstream}. */
class OpenAiRealtimeTest {
    private static final String KEY = "sk-test-realtime-0123456789abcdef";
    private static final int CAP = 1 << 20;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static Upstream upstream;
    private static IdleWatchdog dog;
    private FakeRealtimeUpstream fake;

    /** Everything the listener heard, in order: messages, then "close <code> <reason>" or the error. */
    static final class Events implements RealtimeListener {
        final LinkedBlockingQueue<Object> heard = new LinkedBlockingQueue<>();
        final AtomicInteger ends = new AtomicInteger();

        @Override public void onMessage(RealtimeMessage message) { heard.add(message); }

        @Override
        public void onClose(int code, String reason) {
            ends.incrementAndGet();
            heard.add("close " + code + " " + reason);
        }

        @Override
        public void onError(GatewayException error) {
            ends.incrementAndGet();
            heard.add(error);
        }

        Object next() throws InterruptedException {
            Object o = heard.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (o == null) throw new AssertionError("nothing heard within " + WAIT);
            return o;
        }

        String text() throws InterruptedException {
            RealtimeMessage m = assertInstanceOf(RealtimeMessage.class, next());
            assertTrue(m.isText(), "a text message");
            return m.text();
        }

        GatewayException error() throws InterruptedException { return assertInstanceOf(GatewayException.class, next()); }
    }

    @BeforeAll
    static void client() {
        upstream = new Upstream(Duration.ofSeconds(5));
        dog = new IdleWatchdog();
    }

    @AfterAll
    static void stopClient() {
        upstream.close();
        dog.close();
    }

    @BeforeEach
    void startFake() throws Exception { fake = FakeRealtimeUpstream.start(); }

    @AfterEach
    void stopFake() { fake.close(); }

    private static ProviderConfig config(String baseUrl, Duration timeout) {
        return new ProviderConfig("oai", "openai", URI.create(baseUrl), KEY, Map.of("X-Extra", "extra-value"),
                timeout, timeout, timeout, true, null);
    }

    private HttpChatProvider provider(String baseUrl, Duration timeout) {
        ProviderConfig c = config(baseUrl, timeout);
        return (HttpChatProvider) Providers.create(c, upstream, dog, Secrets.of(List.of(c)));
    }

    private RealtimeUpstream connect(String model, boolean beta, Events events, int cap) {
        return provider(fake.baseUrl(), WAIT).connect(new RealtimeCall(model, beta, new Cancellation()), events, cap);
    }

    private static final String APPEND = "{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}";

    private static String type(String json) { return (String) Json.asObject(Json.parse(json)).get("type"); }

    @Test
    void uri_wsForHttp_wssForHttps_modelEncoded() {
        ProviderConfig c = config("https://api.openai.com/v1/", WAIT);
        OpenAiRealtime r = new OpenAiRealtime(new Exchange(c, upstream, dog, Secrets.NONE), upstream, dog);
        assertEquals("wss://api.openai.com/v1/realtime?model=gpt-realtime", r.uri("gpt-realtime").toString());
        assertEquals("wss://api.openai.com/v1/realtime?model=a%2Fb+c%26d", r.uri("a/b c&d").toString());
        OpenAiRealtime local = new OpenAiRealtime(new Exchange(config("http://127.0.0.1:9/v1", WAIT), upstream, dog,
                Secrets.NONE), upstream, dog);
        assertEquals("ws://127.0.0.1:9/v1/realtime?model=m", local.uri("m").toString());
        assertTrue(provider("http://127.0.0.1:9/v1", WAIT).capabilities().contains("realtime"));
    }

    @Test
    void handshake_bearerProviderKey_extraHeaders_betaOnlyWhenAsked() throws Exception {
        Events ga = new Events();
        connect("gpt-realtime", false, ga, CAP).abort();
        FakeRealtimeUpstream.Session s = fake.session(0);
        assertEquals("/v1/realtime", s.request.path());
        assertEquals("model=gpt-realtime", s.request.rawQuery());
        assertEquals("Bearer " + KEY, s.header("authorization"));
        assertEquals("extra-value", s.header("x-extra"));
        assertNull(s.header("openai-beta"));
        connect("gpt-realtime", true, new Events(), CAP).abort();
        assertEquals("realtime=v1", fake.session(1).header("openai-beta"));
    }

    @Test
    void messagesBothWays_inOrder_textAndBinary() throws Exception {
        Events ev = new Events();
        RealtimeUpstream up = connect("gpt-realtime", false, ev, CAP);
        up.request();
        assertEquals("{\"type\":\"session.created\",\"event_id\":\"evt_1\",\"session\":{\"id\":\"sess_fake\",\"model\":\"gpt-realtime\"}}",
                ev.text());
        up.send(RealtimeMessage.text("{\"type\":\"session.update\",\"session\":{\"voice\":\"verse\",\"instructions\":\"é😀\"}}"));
        up.request();
        assertEquals("{\"type\":\"session.updated\",\"event_id\":\"evt_2\",\"session\":{\"voice\":\"verse\",\"instructions\":\"é😀\"}}",
                ev.text());
        up.send(RealtimeMessage.binary(new byte[] {0, 1, 2, (byte) 255}));
        up.request();
        RealtimeMessage bin = assertInstanceOf(RealtimeMessage.class, ev.next());
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, bin.binary());
        up.send(RealtimeMessage.text("{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}"));
        up.send(RealtimeMessage.text("{\"type\":\"input_audio_buffer.commit\"}"));
        up.send(RealtimeMessage.text("{\"type\":\"response.create\"}"));
        up.send(RealtimeMessage.text("{\"type\":\"nope\"}"));
        List<String> types = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            up.request();
            types.add(type(ev.text()));
        }
        assertEquals(List.of("input_audio_buffer.committed", "response.created", "response.output_audio.delta",
                "response.output_audio.delta", "response.output_audio.delta", "response.output_audio_transcript.delta",
                "response.done", "error"), types);
        FakeRealtimeUpstream.Session s = fake.session(0);
        s.awaitReceived(6);
        assertEquals(List.of("{\"type\":\"session.update\",\"session\":{\"voice\":\"verse\",\"instructions\":\"é😀\"}}",
                "binary:4", "{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}", "{\"type\":\"input_audio_buffer.commit\"}",
                "{\"type\":\"response.create\"}", "{\"type\":\"nope\"}"), s.texts());
        up.close(1000, "done");
        assertEquals("close 1000 ", ev.next(), "the upstream's answering close (the fake echoes the code only)");
        assertEquals(1000, s.awaitEnd());
        assertEquals("done", s.peerCloseReason());
        assertEquals(1, ev.ends.get());
    }

    @Test
    void demandOfOne_nothingBeforeRequest() throws Exception {
        Events ev = new Events();
        RealtimeUpstream up = connect("gpt-realtime", false, ev, CAP);
        up.send(RealtimeMessage.text("{\"type\":\"response.create\"}"));
        fake.session(0).awaitReceived(1);
        // The upstream has answered with 6 more events by now; on loopback they arrive within
        // microseconds. Nothing may be delivered before the gateway asks.
        assertNull(ev.heard.poll(200, TimeUnit.MILLISECONDS));
        up.request();
        assertEquals("session.created", type(ev.text()));
        assertNull(ev.heard.poll(200, TimeUnit.MILLISECONDS), "one message per request()");
        up.request();
        assertEquals("response.created", type(ev.text()));
        up.abort();
    }

    @Test
    void largeMessage_joinedFromParts_andTheCapIsExact() throws Exception {
        int size = 200_000; // far over the client's 4 KiB read buffer: the JDK hands it over in parts
        Events ev = new Events();
        RealtimeUpstream up = connect("huge-" + size, false, ev, size);
        up.request();
        assertEquals("session.created", type(ev.text()));
        up.send(RealtimeMessage.text(APPEND)); // the fake answers the first message with the huge one
        up.request();
        String huge = ev.text();
        assertEquals(size, huge.getBytes(StandardCharsets.UTF_8).length);
        assertEquals("huge", type(huge));
        assertEquals(FakeRealtimeUpstream.huge(size), huge);
        up.abort();

        Events over = new Events();
        RealtimeUpstream up2 = connect("huge-" + (size + 1), false, over, size);
        up2.request();
        assertEquals("session.created", type(over.text()));
        up2.send(RealtimeMessage.text(APPEND));
        up2.request();
        GatewayException e = over.error();
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
        assertEquals("Provider 'oai': upstream sent a message over " + size + " bytes", e.getMessage());
        assertEquals(1006, fake.session(1).awaitEnd(), "the connection is aborted, no close handshake");
        assertNull(over.heard.poll(100, TimeUnit.MILLISECONDS));
        assertEquals(1, over.ends.get());
    }

    @Test
    void refusals_classified_keyScrubbed() {
        HttpChatProvider p = provider(fake.baseUrl(), WAIT);
        GatewayException e401 = refused(p, "refuse-401");
        assertEquals(ErrorKind.PROVIDER_AUTH_FAILED, e401.kind());
        assertEquals(401, e401.upstreamStatus());
        assertEquals("Provider 'oai' rejected the gateway's credentials (HTTP 401)", e401.getMessage());
        assertFalse(e401.detail().contains(KEY), e401.detail());
        assertTrue(e401.detail().contains("Incorrect API key provided: [redacted]"), e401.detail());

        GatewayException e403 = refused(p, "refuse-403");
        assertEquals(ErrorKind.PROVIDER_AUTH_FAILED, e403.kind());
        assertEquals(403, e403.upstreamStatus());

        GatewayException e500 = refused(p, "refuse-500");
        assertEquals(ErrorKind.PROVIDER_ERROR, e500.kind());
        assertEquals(500, e500.upstreamStatus());
        assertEquals("Provider 'oai' failed (HTTP 500): The server had an error processing your request (key [redacted])",
                e500.getMessage());
        assertFalse(e500.detail().contains(KEY), e500.detail());

        GatewayException e429 = refused(p, "refuse-429");
        assertEquals(ErrorKind.PROVIDER_RATE_LIMITED, e429.kind());
        assertEquals(429, e429.upstreamStatus());
        assertArrayEquals(new String[] {"retry-after", "7"}, e429.headers());
    }

    private static GatewayException refused(HttpChatProvider p, String model) {
        return assertThrows(GatewayException.class, () -> p.connect(new RealtimeCall(model, false, new Cancellation()), new Events(), CAP));
    }

    @Test
    void unreachable_providerUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HttpChatProvider p = provider("http://127.0.0.1:" + port + "/v1", WAIT);
        GatewayException e = assertThrows(GatewayException.class,
                () -> p.connect(new RealtimeCall("m", false, new Cancellation()), new Events(), CAP));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertEquals("Provider 'oai' is unreachable", e.getMessage());
    }

    @Test
    void noAnswerInTime_providerTimeout() {
        HttpChatProvider p = provider(fake.baseUrl(), Duration.ofMillis(300));
        GatewayException e = assertThrows(GatewayException.class,
                () -> p.connect(new RealtimeCall("hang", false, new Cancellation()), new Events(), CAP));
        assertEquals(ErrorKind.PROVIDER_TIMEOUT, e.kind());
    }

    @Test
    void cancellationDuringConnect_clientGone() throws Exception {
        Cancellation c = new Cancellation();
        Events ev = new Events();
        HttpChatProvider p = provider(fake.baseUrl(), WAIT);
        Thread canceller = Thread.ofVirtual().start(() -> {
            try {
                fake.session(0); // the handshake has reached the upstream, which holds it
                c.cancel();
            } catch (InterruptedException ignored) {
                // the test fails on its own
            }
        });
        assertThrows(ClientGoneException.class, () -> p.connect(new RealtimeCall("hang", false, c), ev, CAP));
        canceller.join();
        assertEquals(0, ev.ends.get());
        Cancellation before = new Cancellation();
        before.cancel();
        assertThrows(ClientGoneException.class, () -> p.connect(new RealtimeCall("gpt-realtime", false, before), ev, CAP));
        assertEquals(1, fake.sessions().size(), "a cancelled call does not connect");
    }

    @Test
    void cutConnection_onError() throws Exception {
        Events ev = new Events();
        RealtimeUpstream up = connect("cut-after-created", false, ev, CAP);
        up.request();
        Object first = ev.next();
        // The fake drops TCP with a reset: the JDK reports it at once, and what was still unread
        // (session.created) may be lost with it, as with any reset connection.
        if (first instanceof RealtimeMessage m) {
            assertEquals("session.created", type(m.text()));
            up.request();
            first = ev.next();
        }
        GatewayException e = assertInstanceOf(GatewayException.class, first);
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
        assertEquals("Provider 'oai': the realtime connection failed", e.getMessage());
        assertNull(ev.heard.poll(100, TimeUnit.MILLISECONDS));
        assertEquals(1, ev.ends.get());
        GatewayException after = assertThrows(GatewayException.class, () -> up.send(RealtimeMessage.text("{}")));
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, after.kind());
    }

    @Test
    void upstreamClose_codePropagated() throws Exception {
        Events ev = new Events();
        RealtimeUpstream up = connect("close-4001", false, ev, CAP);
        up.request();
        assertEquals("session.created", type(ev.text()));
        up.request();
        assertEquals("close 4001 bye", ev.next());
        assertEquals(4001, fake.session(0).awaitEnd(), "the JDK answered with the same code");
        assertNull(ev.heard.poll(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void slowUpstream_sendBlocksUntilTaken_thenEverythingArrivesInOrder() throws Exception {
        Events ev = new Events();
        RealtimeUpstream up = connect("slow", false, ev, CAP);
        int messages = 32;
        String audio = "A".repeat(1 << 20);
        AtomicInteger sent = new AtomicInteger();
        Thread sender = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < messages; i++) {
                // appends: the fake answers none, so it never writes back while we do not read
                up.send(RealtimeMessage.text("{\"type\":\"input_audio_buffer.append\",\"event_id\":\"" + i
                        + "\",\"audio\":\"" + audio + "\"}"));
                sent.incrementAndGet();
            }
        });
        // 32 MiB do not fit in loopback socket buffers: the sender must be stuck in send().
        long deadline = System.nanoTime() + WAIT.toNanos();
        int seen = -1;
        while (true) {
            int now = sent.get();
            if (now == seen && (sender.getState() == Thread.State.WAITING || sender.getState() == Thread.State.TIMED_WAITING)) break;
            seen = now;
            assertTrue(System.nanoTime() < deadline, "the sender never blocked");
            Thread.sleep(100);
        }
        assertTrue(sent.get() < messages, "blocked with " + sent.get() + " sent");
        fake.release();
        sender.join(WAIT.toMillis());
        assertEquals(messages, sent.get());
        FakeRealtimeUpstream.Session s = fake.session(0);
        s.awaitReceived(messages);
        for (int i = 0; i < messages; i++) {
            Map<String, Object> m = Json.asObject(Json.parse(s.received.get(i).payload()));
            assertEquals(String.valueOf(i), m.get("event_id"), "in order");
            assertEquals(audio, m.get("audio"));
        }
        up.abort();
    }

    @Test
    void gatewayClose_unanswered_abortedAfterTheCloseTimeout() throws Exception {
        ProviderConfig c = config(fake.baseUrl(), WAIT);
        OpenAiRealtime r = new OpenAiRealtime(new Exchange(c, upstream, dog, Secrets.NONE), upstream, dog, Duration.ofMillis(300));
        Events ev = new Events();
        RealtimeUpstream up = r.connect(new RealtimeCall("slow", false, new Cancellation()), ev, CAP);
        up.close(1000, "bye"); // the slow upstream reads nothing, so it never answers
        GatewayException e = ev.error();
        assertEquals(ErrorKind.PROVIDER_TIMEOUT, e.kind());
        assertEquals("Provider 'oai' did not answer the close within 300 ms", e.getMessage());
        fake.release();
        assertEquals(1000, fake.session(0).awaitEnd(), "our close went out before the abort");
        assertEquals("bye", fake.session(0).peerCloseReason());
        assertNull(ev.heard.poll(100, TimeUnit.MILLISECONDS));
        assertEquals(1, ev.ends.get());
    }
}

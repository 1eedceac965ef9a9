package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Realtime sessions relayed to an OpenAI-shaped upstream ({@link FakeRealtimeUpstream}, whose
 * behaviour the upstream model name sets): the provider key upstream and never the client's, the
 * session completed with the model, messages both ways in order, close codes both ways, every
 * upstream failure as an {@code error} event and a close code, failover before the session
 * commits, and backpressure from a slow upstream to the client.
 */
class VoiceUpstreamTest {
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {"openai": {"kind": "openai", "base_url": "${FAKE_URL}", "api_key": "sk-upstream-5ecret-0000",
                                       "headers": {"OpenAI-Project": "proj-7"}, "timeout_ms": 5000}},
              "models": [
                {"id": "rt", "provider": "openai", "upstream": "normal", "pricing": {"audio_minute": "0.04"}, "capabilities": ["realtime"]},
                {"id": "rt-401", "provider": "openai", "pricing": {"audio_minute": "0.04"}, "upstream": "refuse-401", "capabilities": ["realtime"]},
                {"id": "rt-429", "provider": "openai", "pricing": {"audio_minute": "0.04"}, "upstream": "refuse-429", "capabilities": ["realtime"]},
                {"id": "rt-500", "provider": "openai", "pricing": {"audio_minute": "0.04"}, "upstream": "refuse-500", "capabilities": ["realtime"]},
                {"id": "rt-cut", "provider": "openai", "pricing": {"audio_minute": "0.04"}, "upstream": "cut-after-created", "capabilities": ["realtime"]},
                {"id": "rt-4001", "provider": "openai", "pricing": {"audio_minute": "0.04"}, "upstream": "close-4001", "capabilities": ["realtime"]},
                {"id": "rt-free", "provider": "openai", "upstream": "normal", "capabilities": ["realtime"]},
                {"id": "rt-slow", "provider": "openai", "pricing": {"audio_minute": "0.04"}, "upstream": "slow", "capabilities": ["realtime"]}
              ],
              "voice": {"policies": {"premium": ["rt-500", "rt"], "balanced": ["rt"], "frugal": ["rt"]}}
            }
            """;

    @TempDir
    static Path dir;
    static FakeRealtimeUpstream fake;
    static GatewayHarness gw;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        fake = FakeRealtimeUpstream.start();
        gw = GatewayHarness.builder(fake.baseUrl(), dir).config(CONFIG).start();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        if (gw != null) gw.close();
        if (fake != null) fake.close();
        if (http != null) http.shutdownNow();
    }

    static RealtimeClient connect(String model, String... headers) {
        String[] h = new String[headers.length + 2];
        h[0] = "Authorization";
        h[1] = GatewayHarness.AUTH;
        System.arraycopy(headers, 0, h, 2, headers.length);
        return RealtimeClient.connect(http, "ws://127.0.0.1:" + gw.gateway.voicePort() + "/v1/realtime?model=" + model, h);
    }

    /** The fake's session for upstream model {@code model} opened after {@code before} sessions. */
    static FakeRealtimeUpstream.Session upstream(int before, String model) throws InterruptedException {
        for (int i = before; ; i++) {
            FakeRealtimeUpstream.Session s = fake.session(i);
            if (s.model.equals(model)) return s;
        }
    }

    @Test
    void aSession_relaysBothWaysInOrder_withTheProviderKey_andTheClientsCloseGoesUpstream() throws Exception {
        int before = fake.sessions().size();
        try (RealtimeClient c = connect("rt")) {
            c.expect("session.created");
            FakeRealtimeUpstream.Session up = upstream(before, "normal");
            assertEquals("Bearer sk-upstream-5ecret-0000", up.header("authorization"), "the provider key, never the client's");
            assertEquals("proj-7", up.header("openai-project"));
            assertNull(up.header("openai-beta"), "the GA interface: no beta header");
            c.send("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\",\"instructions\":\"x\"}}");
            Map<String, Object> s = GatewayHarness.obj(c.expect("session.updated").json().get("session"));
            assertEquals("normal", s.get("model"), "the upstream got the deployment's model, not the client's");
            assertEquals("alloy", GatewayHarness.obj(GatewayHarness.obj(s.get("audio")).get("output")).get("voice"));
            c.send("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + VoiceEchoTest.audio() + "\"}");
            c.send("{\"type\":\"input_audio_buffer.commit\"}");
            c.expect("input_audio_buffer.committed");
            c.sendBinary(new byte[] {7, 8, 9});
            assertArrayEquals(new byte[] {7, 8, 9}, c.next().binary(), "binary relayed as binary, both ways");
            c.send("{\"type\":\"response.create\"}");
            c.expect("response.created");
            for (int i = 0; i < 3; i++) c.expect("response.output_audio.delta");
            c.expect("response.output_audio_transcript.delta");
            c.expect("response.done");
            c.send("{\"type\":\"no.such.event\"}");
            c.expect("error"); // the upstream's own error event, relayed as it is
            c.close(4100, "client done");
            assertEquals(4100, c.closeCode(), "the close handshake answered with the client's code");
            assertEquals(4100, up.awaitEnd(), "the client's close code went upstream");
            assertEquals("client done", up.peerCloseReason());
            List<String> texts = up.texts();
            assertEquals(List.of("session.update", "input_audio_buffer.append", "input_audio_buffer.commit", "binary:3",
                    "response.create", "no.such.event"),
                    texts.stream().map(t -> t.startsWith("{") ? (String) GatewayHarness.obj(t).get("type") : t).toList(),
                    "every message upstream once, in order");
            for (String t : texts) assertFalse(t.contains(GatewayHarness.CLIENT_KEY), "the client key never goes upstream");
        }
    }

    @Test
    void theBetaHeader_goesUpstream_andTheGatewaysSessionUpdateIsBetaShaped() throws Exception {
        int before = fake.sessions().size();
        try (RealtimeClient c = connect("rt", "OpenAI-Beta", "realtime=v1")) {
            c.expect("session.created");
            c.send("{\"type\":\"input_audio_buffer.commit\"}");
            c.expect("session.updated");
            FakeRealtimeUpstream.Session up = upstream(before, "normal");
            assertEquals("realtime=v1", up.header("openai-beta"));
            Map<String, Object> update = GatewayHarness.obj(GatewayHarness.obj(up.texts().get(0)).get("session"));
            assertEquals(List.of("normal", "alloy", "pcm16"), List.of(update.get("model"), update.get("voice"),
                    update.get("input_audio_format")));
        }
    }

    @Test
    void aRefusedUpstream_isAnErrorEventThen1014_withTheKeyScrubbed() throws Exception {
        try (RealtimeClient c = connect("rt-401")) {
            RealtimeClient.Received e = c.expect("error");
            Map<String, Object> error = GatewayHarness.obj(e.json().get("error"));
            assertEquals("upstream_error", error.get("type"));
            assertFalse(e.text().contains("5ecret"), "the provider key is scrubbed: " + e.text());
            assertEquals(1014, c.closeCode());
        }
        try (RealtimeClient c = connect("rt-429")) {
            Map<String, Object> error = GatewayHarness.obj(c.expect("error").json().get("error"));
            assertEquals("rate_limit_error", error.get("type"));
            assertEquals(1013, c.closeCode(), "rate limited upstream: try again later");
        }
    }

    @Test
    void aModelWithoutAPricePerMinute_orAnAdHocOne_isRefusedAtTheHandshake_neverFree() throws Exception {
        int before = fake.sessions().size();
        for (String model : List.of("rt-free", "openai/normal")) {
            var e = RealtimeClient.refused(http, "ws://127.0.0.1:" + gw.gateway.voicePort() + "/v1/realtime?model=" + model,
                    new String[] {"Authorization", GatewayHarness.AUTH});
            assertEquals(400, e.getResponse().statusCode(), model);
            assertTrue(RealtimeClient.body(e).contains("has no audio_minute price"), RealtimeClient.body(e));
        }
        assertEquals(before, fake.sessions().size(), "nothing was dialled");
    }

    @Test
    void aPolicyFailsOver_beforeTheSessionCommits() throws Exception {
        int before = fake.sessions().size();
        try (RealtimeClient c = connect("neo-mode/premium")) {
            c.expect("session.created");
            upstream(before, "refuse-500");
            upstream(before, "normal");
        }
    }

    @Test
    void anUpstreamCut_isAnErrorEventThen1014() throws Exception {
        try (RealtimeClient c = connect("rt-cut")) {
            RealtimeClient.Received r = c.next();
            if ("session.created".equals(r.type())) r = c.next();
            assertEquals("error", r.type(), r.text());
            assertEquals("upstream_error", GatewayHarness.obj(r.json().get("error")).get("type"));
            assertEquals(1014, c.closeCode());
        }
    }

    @Test
    void theUpstreamsCloseCode_reachesTheClient() throws Exception {
        try (RealtimeClient c = connect("rt-4001")) {
            c.expect("session.created");
            assertEquals(4001, c.closeCode());
            assertEquals("bye", c.closeReason());
        }
    }

    @Test
    void aSlowUpstream_slowsTheClient_andNothingIsLost() throws Exception {
        int before = fake.sessions().size();
        int n = 48;
        String big = "{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + "A".repeat(1 << 20) + "\"}";
        try (RealtimeClient c = connect("rt-slow")) {
            c.expect("session.created");
            AtomicInteger sent = new AtomicInteger();
            Thread sender = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < n; i++) {
                    c.send(big);
                    sent.incrementAndGet();
                }
            });
            Thread.sleep(1500);
            assertTrue(sent.get() < n, "48 MiB cannot all be taken while the upstream reads nothing: the gateway would be queueing");
            fake.release();
            sender.join(30_000);
            assertEquals(n, sent.get());
            FakeRealtimeUpstream.Session up = upstream(before, "slow");
            up.awaitReceived(n + 1);
            assertEquals(n + 1, up.received.size(), "the gateway's session.update, then every append once");
        }
    }
}

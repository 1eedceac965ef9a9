package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.ChatStreamTest.C1;
import static tollgate.gateway.ChatStreamTest.C2;
import static tollgate.gateway.ChatStreamTest.executionId;
import static tollgate.gateway.ChatStreamTest.relayed;
import static tollgate.gateway.ChatStreamTest.withExtension;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code : ping} comments keep a stream alive while the upstream has nothing to say yet. */
class HeartbeatsTest {
    static final String PING = ": ping\n\n";

    @TempDir Path dataDir;
    FakeUpstream upstream;
    GatewayHarness gw;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream();
        gw = GatewayHarness.builder(upstream.url(), dataDir).server("heartbeat_ms", 50).start();
    }

    @AfterEach
    void stop() {
        gw.close();
        upstream.close();
    }

    @Test
    void slowFirstChunk_pingsComeFirstAnd200IsCommittedBeforeAnyData() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2), DONE).delayFirst(Duration.ofMillis(300)));

        try (RawHttp raw = gw.raw()) {
            raw.post("/v1/chat/completions", chat("gpt-4o-mini", true), "Authorization: " + AUTH, "X-Request-Id: hb-1");
            RawHttp.Head head = raw.readHead();
            assertEquals(200, head.status());
            assertEquals("text/event-stream", head.header("content-type"));
            assertEquals(PING, raw.readEvent());
            int pings = 1;
            String event;
            while ((event = raw.readEvent()).equals(PING)) pings++;
            assertTrue(pings >= 2, "pings before the first chunk: " + pings);

            StringBuilder rest = new StringBuilder(event);
            while ((event = raw.readEvent()) != null) {
                if (!event.equals(PING)) rest.append(event);
            }
            String id = executionId(rest.toString());
            assertEquals(data(withExtension(relayed(C1, false), id, "hb-1")) + data(relayed(C2, false)) + DONE, rest.toString());
            assertEquals("", raw.leftover());
        }
    }

    @Test
    void pingsAlsoFillSilencesBetweenChunks() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2), DONE).delayBetween(Duration.ofMillis(300)));

        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", chat("gpt-4o-mini", true), "x-request-id", "hb-2");
        String body = GatewayHarness.readAll(r.body());

        // The role-only first chunk waits for the first content (C2), so that the attempt could
        // still fail over; pings fill the silence before it.
        String first = data(withExtension(relayed(C1, false), executionId(body.replace(PING, "")), "hb-2"));
        assertEquals(first + data(relayed(C2, false)) + DONE, body.replace(PING, ""));
        assertTrue(body.startsWith(PING), body);
    }

    @Test
    void upstreamFailingAfterPingsStarted_endsTheStreamWithAnErrorEvent() throws Exception {
        upstream.respondWith(FakeUpstream.delayed(Duration.ofMillis(300),
                FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}")));

        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", chat("gpt-4o-mini", true));
        String body = GatewayHarness.readAll(r.body());

        assertEquals(200, r.statusCode());
        assertTrue(body.startsWith(PING), body);
        assertEquals(data(errorJson("Provider 'openai' failed (HTTP 500): boom", "upstream_error", null, 502)),
                body.replace(PING, ""));
    }

    @Test
    void nonStreamingRequests_getNoPings() throws Exception {
        upstream.respondWith(FakeUpstream.delayed(Duration.ofMillis(300), FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION)));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(200, r.statusCode());
        assertTrue(r.body().startsWith("{\"id\":\"chatcmpl-abc\""), r.body());
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.chat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that goes away mid-stream must not leave the upstream call running: the gateway
 * notices (a failed write, or a failed heartbeat while nothing is being written) and closes the
 * upstream connection.
 */
class ClientDisconnectTest {
    @TempDir Path dataDir;
    FakeUpstream upstream;
    SilentUpstream silent;
    GatewayHarness gw;

    @AfterEach
    void stop() throws Exception {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
        if (silent != null) silent.close();
    }

    /** Opens a stream on a raw connection and returns it once the 200 head has arrived. */
    RawHttp openStream() throws Exception {
        RawHttp raw = gw.raw();
        raw.post("/v1/chat/completions", chat("gpt-4o-mini", true), "Authorization: " + AUTH);
        RawHttp.Head head = raw.readHead();
        assertEquals(200, head.status());
        assertEquals("text/event-stream", head.header("content-type"));
        assertTrue(head.chunked());
        return raw;
    }

    @Test
    void clientClosingMidStream_closesTheUpstreamConnection() throws Exception {
        upstream = new FakeUpstream();
        List<String> script = new ArrayList<>();
        script.add(data(ChatStreamTest.C1));
        for (int i = 0; i < 99; i++) script.add(data(ChatStreamTest.C2));
        script.add(DONE);
        upstream.respondWith(FakeUpstream.sse(script.toArray(String[]::new)).delayBetween(Duration.ofMillis(50)));
        gw = GatewayHarness.start(upstream, dataDir);

        try (RawHttp raw = openStream()) {
            assertTrue(raw.readEvent().startsWith("data: {\"id\":\"chatcmpl-s1\""));
            assertTrue(raw.readEvent().startsWith("data: {\"id\":\"chatcmpl-s1\""));
        }

        assertTrue(upstream.awaitWriteFailure(Duration.ofSeconds(4)),
                "the upstream connection was still open 4 s after the client left; events written: " + upstream.eventsWritten());
        assertFalse(upstream.awaitScriptCompleted(Duration.ZERO));
        assertTrue(upstream.eventsWritten() < 90, "events written: " + upstream.eventsWritten());
        assertEquals(200, gw.get("/healthz").statusCode());
    }

    @Test
    void clientClosingWhileTheUpstreamIsSilentAfterItsHeaders_isFoundByHeartbeatsAndCancelsTheUpstream() throws Exception {
        silent = new SilentUpstream(true);
        gw = GatewayHarness.builder(silent.url(), dataDir).server("heartbeat_ms", 50).start();

        try (RawHttp raw = openStream()) {
            assertEquals(": ping\n\n", raw.readEvent());
            assertTrue(silent.awaitRequest(Duration.ofSeconds(5)));
        }

        assertTrue(silent.awaitPeerClosed(Duration.ofSeconds(4)), "the gateway kept the upstream connection open");
    }

    @Test
    void clientClosingBeforeTheUpstreamSentItsHeaders_isFoundByHeartbeatsAndCancelsTheUpstream() throws Exception {
        silent = new SilentUpstream(false);
        gw = GatewayHarness.builder(silent.url(), dataDir).server("heartbeat_ms", 50).start();

        try (RawHttp raw = openStream()) {
            assertEquals(": ping\n\n", raw.readEvent());
            assertTrue(silent.awaitRequest(Duration.ofSeconds(5)));
        }

        assertTrue(silent.awaitPeerClosed(Duration.ofSeconds(4)), "the gateway kept the upstream connection open");
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.chat;

import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading a stream holds the gateway's write until the write timeout, then
 * loses its connection, and the upstream call is cancelled: nothing waits on it for longer. A
 * non-streaming call whose upstream trickles its answer ends at the provider's {@code deadline_ms}.
 */
class StalledClientTest extends GatewayTestBase {

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).server("write_timeout_ms", 300)
                .provider("openai", "deadline_ms", 700).start();
    }

    @Test
    void clientThatStopsReadingAStream_isCutAndTheUpstreamCancelled() throws Exception {
        String big = ChatStreamTest.chunk("{\"content\":\"" + "x".repeat(8000) + "\"}", "null");
        List<String> script = new ArrayList<>();
        for (int i = 0; i < 3000; i++) script.add(data(big)); // ~24 MB: far more than any socket buffers
        script.add(DONE);
        upstream.respondWith(FakeUpstream.sse(script.toArray(String[]::new)));

        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), gw.port()));
            byte[] body = chat("gpt-4o-mini", true).getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(body);
            // ...and never reads.
            assertTrue(upstream.awaitWriteFailure(Duration.ofSeconds(10)),
                    "the upstream was not cancelled; events written: " + upstream.eventsWritten());
            assertTrue(upstream.eventsWritten() < 3000, "the whole stream was relayed to a client that read nothing");
        }
        // The gateway serves on.
        assertEquals(200, gw.get("/healthz").statusCode());
    }

    @Test
    void upstreamTricklingANonStreamAnswer_endsAtTheDeadline() throws Exception {
        upstream.respondWith(FakeUpstream.stallingJson(200, ChatPassThroughTest.UPSTREAM_COMPLETION, Duration.ofSeconds(5)));

        long t0 = System.nanoTime();
        HttpResponse<String> r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> gw.post("/v1/chat/completions", chat("gpt-4o-mini", false)));
        long ms = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(504, r.statusCode(), r.body());
        assertEquals(GatewayHarness.errorJson("Provider 'openai' did not answer in time", "timeout_error", null, 504), r.body());
        assertTrue(ms >= 700 && ms < 3000, "answered after " + ms + " ms");
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.sseData;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Gateway.stop(drain)}: refuse new work at once, let streams in flight finish. */
class GracefulShutdownTest {
    static final int CHUNKS = 20;

    @TempDir Path dataDir;
    FakeUpstream upstream;
    GatewayHarness gw;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream();
        List<String> script = new ArrayList<>();
        script.add(data(ChatStreamTest.C1));
        for (int i = 1; i < CHUNKS; i++) script.add(data(ChatStreamTest.C2));
        script.add(DONE);
        upstream.respondWith(FakeUpstream.sse(script.toArray(String[]::new)).delayBetween(Duration.ofMillis(50)));
        gw = GatewayHarness.start(upstream, dataDir);
    }

    @AfterEach
    void stop() {
        gw.close();
        upstream.close();
    }

    static boolean refusesConnections(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException other) {
            return true;
        }
    }

    @Test
    void streamInFlight_completesWithDoneWhileNewConnectionsAreRefused() throws Exception {
        int port = gw.port();
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", chat("gpt-4o-mini", true));
        assertEquals(200, r.statusCode());
        InputStream body = r.body();
        // The first event has arrived: the stream is in flight.
        byte[] first = body.readNBytes(6);
        assertEquals("data: ", new String(first, StandardCharsets.US_ASCII));

        Thread stopper = Thread.ofVirtual().start(() -> gw.stop(Duration.ofSeconds(3)));
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        boolean refused = false;
        while (!refused && System.nanoTime() < deadline) {
            refused = refusesConnections(port);
            if (!refused) Thread.sleep(10);
        }
        assertTrue(refused, "new connections were still accepted 2 s after stop began");
        assertTrue(stopper.isAlive(), "stop returned before the stream in flight had finished");

        String rest = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> GatewayHarness.readAll(body));
        String all = "data: " + rest;
        List<String> events = sseData(all);
        assertEquals(CHUNKS + 1, events.size(), all);
        assertTrue(all.endsWith("data: [DONE]\n\n"), all);
        assertTrue(upstream.awaitScriptCompleted(Duration.ZERO));

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> stopper.join());
        assertFalse(stopper.isAlive());
    }

    @Test
    void streamOutlastingTheDrain_endsWithAShutdownErrorEventNotDone_andStopReturnsSoonAfterTheDrain() throws Exception {
        List<String> slow = new ArrayList<>();
        slow.add(data(ChatStreamTest.C1));
        for (int i = 1; i < 200; i++) slow.add(data(ChatStreamTest.C2));
        slow.add(DONE);
        upstream.respondWith(FakeUpstream.sse(slow.toArray(String[]::new)).delayBetween(Duration.ofMillis(50)));
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", chat("gpt-4o-mini", true));
        InputStream body = r.body();
        assertEquals("data: ", new String(body.readNBytes(6), StandardCharsets.US_ASCII));

        long t0 = System.nanoTime();
        Thread stopper = Thread.ofVirtual().start(() -> gw.stop(Duration.ofSeconds(1)));
        String rest = assertTimeoutPreemptively(Duration.ofSeconds(8), () -> GatewayHarness.readAll(body));
        assertFalse(rest.contains("[DONE]"), "a stream cut by shutdown must not look complete");
        List<String> events = sseData("data: " + rest);
        assertEquals(errorJson("The gateway is shutting down; retry on another instance.", "service_unavailable", null, 503),
                events.get(events.size() - 1), "the client is told why its stream ended");
        assertTimeoutPreemptively(Duration.ofSeconds(8), () -> stopper.join());
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(tookMs < 4000, "stop(1 s) took " + tookMs + " ms");
        assertTrue(upstream.awaitWriteFailure(Duration.ofSeconds(3)), "the upstream call outlived the gateway");
    }

    @Test
    void nonStreamCallOutlastingTheDrain_isAnswered503WithRetryAfter() throws Exception {
        upstream.respondWith(FakeUpstream.delayed(Duration.ofSeconds(6), FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION)));
        java.util.concurrent.CompletableFuture<HttpResponse<String>> pending = gw.http.sendAsync(
                gw.request("/v1/chat/completions").header("Authorization", GatewayHarness.AUTH)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat("gpt-4o-mini", false))).build(),
                HttpResponse.BodyHandlers.ofString());
        upstream.takeRequest(); // in flight upstream

        Thread stopper = Thread.ofVirtual().start(() -> gw.stop(Duration.ofSeconds(1)));
        HttpResponse<String> r = pending.get(8, java.util.concurrent.TimeUnit.SECONDS);

        assertEquals(503, r.statusCode(), r.body());
        assertEquals("1", r.headers().firstValue("retry-after").orElseThrow());
        assertEquals(errorJson("The gateway is shutting down; retry on another instance.", "service_unavailable", null, 503), r.body());
        assertTimeoutPreemptively(Duration.ofSeconds(8), () -> stopper.join());
    }

    @Test
    void stop_withNothingInFlight_returnsPromptlyAndRefusesConnections() {
        int port = gw.port();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> gw.stop(Duration.ofSeconds(3)));
        assertTrue(refusesConnections(port));
    }

    @Test
    void requestOnAKeptAliveConnectionDuringDrain_is503WithConnectionClose() throws Exception {
        HttpResponse<InputStream> stream = gw.postStream("/v1/chat/completions", chat("gpt-4o-mini", true));
        try (RawHttp raw = gw.raw()) {
            raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Head ok = raw.readHead();
            assertEquals(200, ok.status());
            raw.readBody(ok);

            Thread stopper = Thread.ofVirtual().start(() -> gw.stop(Duration.ofSeconds(3)));
            while (!refusesConnections(gw.port())) Thread.sleep(10);

            raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Head head = raw.readHead();
            assertEquals(503, head.status());
            assertEquals("close", head.header("connection"));
            assertEquals(errorJson("The gateway is shutting down; retry on another instance.", "service_unavailable", null, 503),
                    new String(raw.readBody(head), StandardCharsets.UTF_8));
            assertEquals(0, raw.readToEof().length, "the connection is closed after the 503");
            GatewayHarness.readAll(stream.body());
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> stopper.join());
        }
    }
}

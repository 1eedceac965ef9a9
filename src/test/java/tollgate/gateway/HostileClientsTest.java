package tollgate.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;
import static tollgate.gateway.GatewayHarness.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that try to take the gateway down without a key, or with one request: half-sent
 * headers, slowloris, more connections than allowed, a Content-Length with no body, header and
 * URL floods, bodies whose parsed form would not fit, a 3 MB model name, the echo provider asked
 * for a flood. The gateway runs as its own process on a 64 MiB heap with
 * {@code -XX:+ExitOnOutOfMemoryError}: an allocation that is not bounded ends it, and every test
 * checks that it is still serving afterwards. Limits are small so that each case takes seconds
 * and a few hundred connections.
 */
@Timeout(60)
class HostileClientsTest {
    static final int MAX_CONNECTIONS = 120;
    static final int REQUEST_TIMEOUT_MS = 2000;

    @TempDir static Path dir;
    static FakeUpstream upstream;
    static GatewayProcess gw;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream();
        String config = """
                {"server": {"max_connections": %d, "request_timeout_ms": %d, "idle_timeout_ms": 2000,
                            "write_timeout_ms": 1000, "max_body_bytes": 8388608, "access_log": true},
                 "keys": [{"name": "t", "key": "%s"}],
                 "providers": {"echo": {"kind": "echo"},
                               "up": {"kind": "openai", "base_url": "%s/v1", "api_key": "sk-upstream-5ecret-0000"}},
                 "models": [{"id": "echo", "provider": "echo"}, {"id": "gpt", "provider": "up"}]}
                """.formatted(MAX_CONNECTIONS, REQUEST_TIMEOUT_MS, CLIENT_KEY, upstream.url());
        gw = GatewayProcess.start(dir, config, List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-XX:TieredStopAtLevel=1"), Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) gw.close();
        if (upstream != null) upstream.close();
    }

    @AfterEach
    void closeSockets() throws Exception {
        for (Socket s : sockets) s.close();
        sockets.clear();
        assertServing();
    }

    // ------------------------------------------------------------------ the cases

    @Test
    void halfSentHeaders_areClosedAtTheRequestTimeout_andOthersAreServedMeanwhile() throws Exception {
        byte[] pad = ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(14 * 1024)).getBytes(ISO_8859_1);
        for (int i = 0; i < 100; i++) open().getOutputStream().write(pad);
        assertServing();
        long t0 = System.nanoTime();
        for (Socket s : sockets) assertTrue(closedWithin(s, Duration.ofMillis(REQUEST_TIMEOUT_MS + 3000)), "a half-sent request was kept");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < REQUEST_TIMEOUT_MS + 3000, "closed after " + ms + " ms");
    }

    @Test
    void slowloris_keepsSendingButIsClosedAtTheRequestTimeout() throws Exception {
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Socket s = open();
            s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\n".getBytes(ISO_8859_1));
            slow.add(s);
        }
        long t0 = System.nanoTime();
        int open = slow.size();
        while (open > 0 && System.nanoTime() - t0 < Duration.ofMillis(REQUEST_TIMEOUT_MS + 4000).toNanos()) {
            open = 0;
            for (Socket s : slow) {
                try {
                    s.getOutputStream().write('a'); // a byte per round, never a whole header line
                    open++;
                } catch (IOException closed) {
                    // the server gave up on it
                }
            }
            Thread.sleep(200);
        }
        assertEquals(0, open, "slowloris connections still open after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    @Test
    void connectionsOverTheCap_areClosedAtOnce() throws Exception {
        for (int i = 0; i < MAX_CONNECTIONS + 20; i++) open();
        int closedAtOnce = 0;
        for (Socket s : sockets.subList(MAX_CONNECTIONS, sockets.size())) {
            if (closedWithin(s, Duration.ofMillis(500))) closedAtOnce++;
        }
        assertTrue(closedAtOnce >= 19, closedAtOnce + " of the 20 connections over the cap were closed at once");
    }

    @Test
    void contentLengthWithoutABody_holdsNoMemory() throws Exception {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + CLIENT_KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n\r\n{";
        for (int i = 0; i < 40; i++) open().getOutputStream().write(head.getBytes(ISO_8859_1)); // 40 x 8 MiB announced
        // 320 MiB announced on a 64 MiB heap: a large real request still fits beside them.
        String big = "{\"model\":\"echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"" + "b".repeat(400_000) + "\"}]}";
        Response r = post(big, null);
        assertEquals(200, r.status(), r.body());
    }

    @Test
    void parsedBodiesOverTheBudget_get503WithRetryAfter() throws Exception {
        // One body of 1.5 MB of tiny messages parses to ~20 MB: two such streams, held open by an
        // upstream that has not answered yet, do not fit in the 32 MiB budget of a 64 MiB heap.
        upstream.respondWith(FakeUpstream.sse(FakeUpstream.DONE).delayFirst(Duration.ofSeconds(4)));
        StringBuilder b = new StringBuilder("{\"model\":\"gpt\",\"stream\":true,\"messages\":[");
        for (int i = 0; i < 40_000; i++) b.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"hi\"}");
        String body = b.append("]}").toString();
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Response>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) all.add(pool.submit(() -> post(body, null)));
            int busy = 0;
            for (Future<Response> f : all) {
                Response r = f.get();
                if (r.status() == 503) {
                    busy++;
                    assertEquals("1", r.header("retry-after"), r.head());
                    assertNull(r.header("x-should-retry"), "a busy gateway is worth retrying");
                    assertTrue(r.body().contains("\"code\":503"), r.body());
                } else {
                    assertEquals(200, r.status(), r.body());
                }
            }
            assertTrue(busy >= 1, "no request was refused");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void headerAndUrlFloods_getA431Or414WhileTheJdkLetsUs_andAreClosedBeyond() throws Exception {
        assertEquals(431, rawStatus("GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-A: b\r\n".repeat(150) + "\r\n"));
        assertEquals(431, rawStatus("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "c".repeat(20_000) + "\r\n\r\n"));
        assertEquals(414, rawStatus("GET /healthz?" + "q".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(-1, rawStatus("GET /healthz HTTP/1.1\r\nHost: x\r\n" + "X-A: b\r\n".repeat(1000) + "\r\n"));
        assertEquals(-1, rawStatus("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "c".repeat(1 << 20) + "\r\n\r\n"));
        assertEquals(-1, rawStatus("GET /healthz?" + "q".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    @Test
    void aHugeModelName_isClippedInTheErrorAndInTheAccessLine() throws Exception {
        String name = "m".repeat(3 << 20);
        Response r = post("{\"model\":\"" + name + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "huge-model");
        assertEquals(400, r.status());
        assertTrue(r.body().length() < 4096, "error body of " + r.body().length() + " chars");
        String line = accessLine("huge-model");
        assertTrue(line.length() < 8192, "access line of " + line.length() + " chars");
        assertTrue(line.contains("\"level\":\"info\""), line); // a 4xx is the client's: info, not warn
    }

    @Test
    void echo_isBoundedLikeAModel() throws Exception {
        Response n128 = post("{\"model\":\"echo\",\"n\":128,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "w ".repeat(400_000) + "\"}]}", null);
        assertEquals(400, n128.status(), "a prompt over echo's context window");
        assertTrue(n128.body().contains("context window of 131072 tokens"), n128.body());

        StringBuilder props = new StringBuilder();
        StringBuilder required = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            props.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"string\"}");
            required.append(i == 0 ? "" : ",").append("\"p").append(i).append('"');
        }
        String tools = "{\"model\":\"echo/any\",\"tool_choice\":\"required\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + "z".repeat(60_000) + "\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{" + props + "},\"required\":[" + required + "]}}}]}";
        Response r = post(tools, null);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.body().length() < 200_000, "an answer of " + r.body().length() + " chars");
        assertTrue(r.body().contains("\"finish_reason\":\"length\""), "cut at the output limit");
    }

    @Test
    void threeHugeUpstreamAnswersAtOnce_areRefusedNotHeld() throws Exception {
        byte[] huge = ("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"" + "y".repeat(50 << 20) + "\"},\"finish_reason\":\"stop\"}]}").getBytes(UTF_8);
        upstream.respondWith((ex, up) -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, huge.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(huge);
            } catch (IOException gatewayGaveUp) {
                // expected: the gateway stops reading once the budget is used
            }
        });
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<Response>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) all.add(pool.submit(() -> post(chat("gpt", false), null)));
            for (Future<Response> f : all) {
                Response r = f.get();
                assertEquals(503, r.status(), r.body());
                assertEquals("1", r.header("retry-after"));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void upstreamKeyEchoedInAnError_reachesNeitherTheClientNorTheLog() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"Bad request from 127.0.0.1 with "
                + "Authorization: Bearer sk-upstream-5ecret-0000\",\"type\":\"invalid_request_error\"}}"));
        Response r = post(chat("gpt", false), "echoed-key");
        assertEquals(400, r.status());
        assertTrue(!r.body().contains("5ecret") && !r.body().contains("127.0.0.1"), r.body());
        assertTrue(r.body().contains("[redacted]"), r.body());
        String line = accessLine("echoed-key");
        assertTrue(line.contains("[redacted]") && !line.contains("5ecret"), line);
        for (String out : gw.stdout()) assertTrue(!out.contains("5ecret"), out);
    }

    // ------------------------------------------------------------------ helpers

    private Socket open() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), gw.port());
        sockets.add(s);
        return s;
    }

    /** Whether the server closed (or reset) {@code s} within {@code within}. */
    private static boolean closedWithin(Socket s, Duration within) throws IOException {
        s.setSoTimeout((int) Math.max(1, within.toMillis()));
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // a response: read on to the close
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** The status of the answer to {@code request}, or -1 if the connection was closed without one. */
    private int rawStatus(String request) throws IOException {
        Socket s = open();
        s.setSoTimeout(10_000);
        try {
            s.getOutputStream().write(request.getBytes(ISO_8859_1));
        } catch (IOException closedWhileSending) {
            return -1;
        }
        try {
            byte[] head = s.getInputStream().readNBytes(12);
            if (head.length < 12) return -1;
            return Integer.parseInt(new String(head, 9, 3, ISO_8859_1));
        } catch (IOException reset) {
            return -1;
        }
    }

    record Response(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) return line.substring(colon + 1).strip();
            }
            return null;
        }
    }

    /** An authorized POST to /v1/chat/completions over a fresh connection, read to its end. */
    private Response post(String json, String requestId) throws IOException {
        try (RawHttp raw = new RawHttp(gw.port())) {
            List<String> headers = new ArrayList<>(List.of("Authorization: Bearer " + CLIENT_KEY, "Connection: close"));
            if (requestId != null) headers.add("X-Request-Id: " + requestId);
            raw.post("/v1/chat/completions", json, headers.toArray(String[]::new));
            RawHttp.Head head = raw.readHead();
            StringBuilder h = new StringBuilder(head.statusLine());
            head.headers().forEach((k, v) -> h.append("\r\n").append(k).append(": ").append(v));
            return new Response(head.status(), h.toString(), new String(raw.readToEof(), UTF_8));
        }
    }

    /** The access line of request {@code id}, waiting for the log writer. */
    private static String accessLine(String id) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            for (String line : gw.stdout()) {
                if (line.contains("\"event\":\"access\"") && line.contains("\"request_id\":\"" + id + "\"")) return line;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no access line for " + id);
    }

    /** Alive, and answering /healthz within a few seconds (closed connections may still count against the cap for a moment). */
    private static void assertServing() throws Exception {
        assertTrue(gw.alive(), gw::describe);
        IOException last = null;
        for (int attempt = 0; attempt < 30; attempt++) {
            try (RawHttp raw = new RawHttp(gw.port())) {
                raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertEquals(200, raw.readHead().status(), gw::describe);
                return;
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError("not serving: " + gw.describe(), last);
    }
}

package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/**
 * The opening handshake (RFC 6455 §4.2.1, §4.2.2, §4.4): the RFC's example, every refusal the
 * server makes itself with its status, headers and OpenAI-shaped body, the application's
 * accept/refuse, subprotocols, the head caps and the handshake timeout.
 */
class WsHandshakeTest {
    private static final int MAX_HEADER_BYTES = 2048;
    private static WsServer server;
    private static final BlockingQueue<String> SEEN = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws IOException {
        WsLimits limits = new WsLimits(1024 * 1024, MAX_HEADER_BYTES, Duration.ofMillis(500), Duration.ofSeconds(30),
                Duration.ofSeconds(20), Duration.ofSeconds(2), Duration.ofSeconds(5));
        server = WsServer.bind("127.0.0.1", 0, null, 100, limits, (req, up) -> {
            switch (req.path()) {
                case "/echo" -> Servers.echoLoop(up.accept(null, null));
                case "/proto" -> {
                    List<String> offered = req.subprotocols();
                    Servers.echoLoop(up.accept(offered.get(offered.size() - 1), null));
                }
                case "/unoffered" -> {
                    try {
                        up.accept("nope", null);
                        SEEN.add("accepted");
                    } catch (IllegalArgumentException e) {
                        SEEN.add("IllegalArgumentException");
                        up.refuse(400, List.of("x-why", "unoffered"), ErrorBody.render(GatewayException.invalid(null, "no")));
                    }
                }
                case "/refuse" -> up.refuse(401, List.of("www-authenticate", "Bearer"),
                        ErrorBody.render(new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "Incorrect API key provided.")));
                case "/silent" -> { }
                case "/throw" -> throw new IllegalStateException("handler bug (expected by the test)");
                case "/request" -> {
                    WsConnection c = up.accept(null, null);
                    c.sendText(req.method() + " " + req.path() + " " + req.rawQuery() + " " + req.header("x-custom")
                            + " " + req.headers().get("x-twice") + " " + req.subprotocols() + " "
                            + req.remote().getAddress().getHostAddress());
                    Servers.echoLoop(c);
                }
                default -> up.refuse(404, List.of(), ErrorBody.render(new GatewayException(ErrorKind.CALLER_NOT_FOUND, "no")));
            }
        });
        server.start();
    }

    @AfterAll
    static void stop() { server.close(); }

    private static RawClient.Response exchange(String request) throws IOException {
        try (RawClient c = RawClient.connect(server.port())) {
            c.write(request);
            RawClient.Response r = c.readResponse();
            if (r.status() != 101) c.expectEof();
            return r;
        }
    }

    private static String upgrade(String path, String extra) { return RawClient.upgradeRequest(path, extra); }

    /** A refusal by the server itself: status, JSON error body of that status and type, Connection: close. */
    private static Map<?, ?> refused(String request, int status, String type) throws IOException {
        RawClient.Response r = exchange(request);
        assertEquals(status, r.status(), r.statusLine() + " " + r.bodyText());
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals("close", r.headers().get("connection"));
        assertEquals(Integer.toString(r.body().length), r.headers().get("content-length"));
        Map<?, ?> error = (Map<?, ?>) ((Map<?, ?>) Json.parse(r.body())).get("error");
        assertEquals(type, error.get("type"));
        assertEquals((long) status, ((tollgate.json.JsonNumber) error.get("code")).longValue());
        assertTrue(error.containsKey("param"));
        assertFalse(((String) error.get("message")).isBlank());
        return r.headers();
    }

    @Test
    void theRfcExampleKeyGetsTheRfcAcceptValue() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Handshake.accept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void theSwitchingProtocolsResponseByteForByte() throws IOException {
        try (RawClient c = RawClient.connect(server.port())) {
            c.write(upgrade("/echo", ""));
            String expected = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
            byte[] got = c.in.readNBytes(expected.length());
            assertEquals(expected, new String(got, StandardCharsets.ISO_8859_1));
            c.sendText("then frames");
            c.expectText("then frames");
        }
    }

    @Test
    void theRequestAsTheHandlerSeesIt() throws IOException {
        try (RawClient c = RawClient.connect(server.port())) {
            c.write(upgrade("/request?model=gpt-realtime&x=%20y", "X-Custom: one\r\nx-twice: a\r\nX-Twice: b\r\n"
                    + "Sec-WebSocket-Protocol: realtime, openai-insecure-api-key.abc\r\n"));
            RawClient.Response r = c.readResponse();
            assertEquals(101, r.status());
            assertFalse(r.headers().containsKey("sec-websocket-protocol"), "none chosen, none sent");
            assertFalse(r.headers().containsKey("sec-websocket-extensions"));
            c.expectText("GET /request model=gpt-realtime&x=%20y one [a, b] [realtime, openai-insecure-api-key.abc] 127.0.0.1");
        }
    }

    @Test
    void aChosenSubprotocolIsSentBack() throws IOException {
        try (RawClient c = RawClient.connect(server.port())) {
            c.write(upgrade("/proto", "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: superchat, realtime\r\n"));
            RawClient.Response r = c.readResponse();
            assertEquals(101, r.status());
            assertEquals("realtime", r.headers().get("sec-websocket-protocol"));
        }
    }

    @Test
    void acceptingAnUnofferedSubprotocolIsRefusedByAccept() throws Exception {
        SEEN.clear();
        RawClient.Response r = exchange(upgrade("/unoffered", "Sec-WebSocket-Protocol: chat\r\n"));
        assertEquals("IllegalArgumentException", SEEN.poll(10, TimeUnit.SECONDS));
        assertEquals(400, r.status());
        assertEquals("unoffered", r.headers().get("x-why"));
    }

    @Test
    void theApplicationsRefusalByteForByte() throws IOException {
        try (RawClient c = RawClient.connect(server.port())) {
            c.write(upgrade("/refuse", ""));
            byte[] body = ErrorBody.render(new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "Incorrect API key provided."));
            String expected = "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Bearer\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n" + new String(body, StandardCharsets.UTF_8);
            assertEquals(expected, new String(c.in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aHandlerThatDecidesNothingMeans500() throws IOException {
        refused(upgrade("/silent", ""), 500, "server_error");
    }

    @Test
    void aHandlerThatThrowsBeforeDecidingMeans500() throws IOException {
        refused(upgrade("/throw", ""), 500, "server_error");
    }

    @Test
    void notGetIs405() throws IOException {
        Map<?, ?> h = refused(upgrade("/echo", "").replaceFirst("GET", "POST"), 405, "invalid_request_error");
        assertEquals("GET", h.get("allow"));
    }

    @Test
    void http10Is400() throws IOException {
        refused(upgrade("/echo", "").replace("HTTP/1.1", "HTTP/1.0"), 400, "invalid_request_error");
    }

    @Test
    void noHostIs400() throws IOException {
        refused(upgrade("/echo", "").replace("Host: 127.0.0.1\r\n", ""), 400, "invalid_request_error");
    }

    @Test
    void plainGetIs426WithItsJsonBodyByteForByte() throws IOException {
        RawClient.Response r = exchange("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals("HTTP/1.1 426 Upgrade Required", r.statusLine());
        assertEquals("websocket", r.headers().get("upgrade"));
        assertEquals("13", r.headers().get("sec-websocket-version"));
        assertEquals("{\"error\":{\"message\":\"This endpoint speaks WebSocket only: send an upgrade request (Upgrade: "
                + "websocket, Connection: Upgrade, Sec-WebSocket-Version: 13).\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":426}}", r.bodyText());
    }

    @Test
    void anotherUpgradeIs426() throws IOException {
        refused(upgrade("/echo", "").replace("Upgrade: websocket", "Upgrade: h2c"), 426, "invalid_request_error");
    }

    @Test
    void connectionWithoutUpgradeIs400() throws IOException {
        refused(upgrade("/echo", "").replace("Connection: Upgrade", "Connection: keep-alive"), 400, "invalid_request_error");
    }

    @Test
    void tokensAreCaseInsensitiveAndConnectionMayBeAList() throws IOException {
        RawClient.Response r = exchange(upgrade("/echo", "").replace("Upgrade: websocket", "Upgrade: WebSocket")
                .replace("Connection: Upgrade", "Connection: keep-alive, upgrade"));
        assertEquals(101, r.status());
    }

    @Test
    void wrongVersionIs426NamingVersion13() throws IOException {
        Map<?, ?> h = refused(upgrade("/echo", "").replace("Version: 13", "Version: 8"), 426, "invalid_request_error");
        assertEquals("13", h.get("sec-websocket-version"));
    }

    @Test
    void missingVersionIs426() throws IOException {
        refused(upgrade("/echo", "").replace("Sec-WebSocket-Version: 13\r\n", ""), 426, "invalid_request_error");
    }

    @Test
    void badKeysAre400() throws IOException {
        String base = upgrade("/echo", "");
        refused(base.replace("Sec-WebSocket-Key: " + RawClient.SAMPLE_KEY + "\r\n", ""), 400, "invalid_request_error");
        refused(base.replace(RawClient.SAMPLE_KEY, "abc"), 400, "invalid_request_error");
        refused(base.replace(RawClient.SAMPLE_KEY, "AAAAAAAAAAAAAAAAAAAA"), 400, "invalid_request_error"); // 15 bytes
        refused(base.replace(RawClient.SAMPLE_KEY, "AAAAAAAAAAAAAAAAAAAAAAA="), 400, "invalid_request_error"); // 17 bytes
        refused(base.replace(RawClient.SAMPLE_KEY, "!!!!!!!!!!!!!!!!!!!!!!=="), 400, "invalid_request_error");
        refused(base.replace("Sec-WebSocket-Version", "Sec-WebSocket-Key: " + RawClient.SAMPLE_KEY
                + "\r\nSec-WebSocket-Version"), 400, "invalid_request_error");                       // sent twice
    }

    @Test
    void malformedRequestLinesAre400() throws IOException {
        refused("GARBAGE\r\n\r\n", 400, "invalid_request_error");
        refused("GET /echo\r\nHost: x\r\n\r\n", 400, "invalid_request_error");
        refused("GET echo HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_request_error");
        refused("GET /echo HTTP/1.1\r\nno colon here\r\n\r\n", 400, "invalid_request_error");
    }

    @Test
    void aHeadOverTheByteCapIs431() throws IOException {
        refused(upgrade("/echo", "X-Big: " + "a".repeat(MAX_HEADER_BYTES) + "\r\n"), 431, "invalid_request_error");
    }

    @Test
    void aLongUrlCountsAgainstTheCapToo() throws IOException {
        refused(upgrade("/echo?" + "q".repeat(MAX_HEADER_BYTES), ""), 431, "invalid_request_error");
    }

    @Test
    void moreThan100HeaderFieldsIs431() throws IOException {
        StringBuilder extra = new StringBuilder();
        for (int i = 0; i < Handshake.MAX_HEADER_FIELDS - 5; i++) extra.append("x:").append(i % 10).append("\r\n");
        assertEquals(101, exchange(upgrade("/echo", extra.toString())).status());   // 95 + 5 = 100 fields: fine
        refused(upgrade("/echo", extra + "y:1\r\n"), 431, "invalid_request_error");
    }

    @Test
    void aClientThatNeverFinishesItsRequestIsClosedAfterTheHandshakeTimeout() throws IOException {
        try (RawClient c = RawClient.connect(server.port())) {
            c.write("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            c.expectEof();
        }
    }

    @Test
    void aClientThatTricklesItsRequestIsClosedAtTheDeadline() throws Exception {
        try (RawClient c = RawClient.connect(server.port())) {
            String request = upgrade("/echo", "");
            boolean closed = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            for (int i = 0; i < request.length() && System.nanoTime() < deadline; i++) {
                try {
                    c.write(request.substring(i, i + 1));
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                Thread.sleep(100);   // each byte well inside the per-read timeout, the whole far beyond the deadline
            }
            if (!closed) c.expectEof();
        }
    }
}

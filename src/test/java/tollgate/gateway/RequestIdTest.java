package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.GENERATED_REQUEST_ID;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code x-request-id}: honoured when sane, generated otherwise, on every response. */
class RequestIdTest {
    @TempDir Path dataDir;
    FakeUpstream upstream;
    GatewayHarness gw;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream().respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
        gw = GatewayHarness.start(upstream, dataDir);
    }

    @AfterEach
    void stop() {
        gw.close();
        upstream.close();
    }

    static String header(HttpResponse<?> r) { return r.headers().firstValue("x-request-id").orElseThrow(); }

    static String extensionRequestId(String body) { return (String) obj(obj(body).get("tollgate")).get("request_id"); }

    @Test
    void clientRequestId_isEchoedInTheHeaderTheExtensionAndSentUpstream() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false), "X-Request-Id", "abc-123_XYZ.~!");

        assertEquals("abc-123_XYZ.~!", header(r));
        assertEquals("abc-123_XYZ.~!", extensionRequestId(r.body()));
        assertEquals("abc-123_XYZ.~!", upstream.takeRequest().header("x-request-id"));
    }

    @Test
    void clientRequestId_isOnTheFirstChunkOfAStream() throws Exception {
        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions", chat("echo", true), "x-request-id", "s-42").body());

        assertEquals("s-42", extensionRequestId(sseData(body).get(0)));
        assertEquals(1, body.split("\"request_id\"", -1).length - 1, "only the first chunk carries the extension");
    }

    @Test
    void noClientRequestId_generatesOneUsedInHeaderAndExtension() throws Exception {
        HttpResponse<String> a = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));
        HttpResponse<String> b = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertTrue(GENERATED_REQUEST_ID.matcher(header(a)).matches(), header(a));
        assertEquals(header(a), extensionRequestId(a.body()));
        assertEquals(header(a), upstream.takeRequest().header("x-request-id"));
        assertNotEquals(header(a), header(b));
    }

    @Test
    void requestIdOf128Characters_isKept() throws Exception {
        String id = "r".repeat(128);
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("echo", false), "x-request-id", id);

        assertEquals(id, header(r));
        assertEquals(id, extensionRequestId(r.body()));
    }

    @Test
    void tooLongRequestId_isReplacedByAGeneratedOne() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("echo", false), "x-request-id", "r".repeat(129));

        assertTrue(GENERATED_REQUEST_ID.matcher(header(r)).matches(), header(r));
        assertEquals(header(r), extensionRequestId(r.body()));
    }

    @Test
    void requestIdWithSpaces_isReplacedByAGeneratedOne() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("echo", false), "x-request-id", "two words");

        assertTrue(GENERATED_REQUEST_ID.matcher(header(r)).matches(), header(r));
    }

    @Test
    void requestIdWithControlOrNonAsciiCharacters_isReplacedByAGeneratedOne() throws Exception {
        for (String bad : new String[] {"a\u0001b", "a\u007fb", "caf\u00e9"}) {
            try (RawHttp raw = gw.raw()) {
                raw.send(("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + bad + "\r\nConnection: close\r\n\r\n")
                        .getBytes(UTF_8));
                RawHttp.Head head = raw.readHead();
                assertEquals(200, head.status());
                assertTrue(GENERATED_REQUEST_ID.matcher(head.header("x-request-id")).matches(), head.header("x-request-id"));
            }
        }
    }

    @Test
    void metadataRequestId_winsInTheExtensionButNotInTheHeader() throws Exception {
        String req = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"metadata\":{\"request_id\":\"req_demo_001\"}}";

        HttpResponse<String> r = gw.post("/v1/chat/completions", req, "x-request-id", "from-header");

        assertEquals("from-header", header(r));
        assertEquals("req_demo_001", extensionRequestId(r.body()));
        assertEquals("from-header", upstream.takeRequest().header("x-request-id"));
    }

    @Test
    void everyResponse_hasARequestId() throws Exception {
        assertEquals("e-1", header(gw.get("/healthz", "x-request-id", "e-1")));
        assertEquals("e-2", header(gw.get("/readyz", "x-request-id", "e-2")));
        assertEquals("e-3", header(gw.get("/v1/models", "x-request-id", "e-3")));
        assertEquals("e-4", header(gw.get("/v1/nope", "x-request-id", "e-4")));
        assertEquals("e-5", header(gw.postAs("/v1/chat/completions", chat("echo", false), "x-request-id", "e-5")));
        assertEquals("e-6", header(gw.post("/v1/chat/completions", "{", "x-request-id", "e-6")));
        assertTrue(GENERATED_REQUEST_ID.matcher(header(gw.get("/v1/providers"))).matches());
    }

    @Test
    void errorStatus_keepsTheClientsRequestId() throws Exception {
        upstream.respondWith(FakeUpstream.json(500, "{}"));
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false), "x-request-id", "fail-1");

        assertEquals(502, r.statusCode());
        assertEquals("fail-1", header(r));
    }
}

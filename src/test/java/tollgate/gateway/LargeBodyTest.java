package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bodies past the usual 10 MiB limits of other servers pass; past the configured limit, a 413. */
class LargeBodyTest {
    static final int ELEVEN_MIB = 11 * 1024 * 1024;

    @TempDir Path dataDir;
    FakeUpstream upstream;
    GatewayHarness gw;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream().respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        upstream.close();
    }

    /** About {@code bytes} bytes of text with non-ASCII characters and escapes in it. */
    static String bigText(int bytes) {
        String unit = "Lorem ipsum dolor sit amet, ünïcödé 🚀 \\\"quoted\\\" \\\\ \\n line ";
        StringBuilder b = new StringBuilder(bytes + unit.length());
        while (b.length() < bytes) b.append(unit).append(b.length()).append(' ');
        return b.toString();
    }

    static String request(String model, String jsonEscapedText) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + jsonEscapedText + "\"}]}";
    }

    @Test
    void elevenMibBody_withDefaultLimits_arrivesUpstreamByteIdentical() throws Exception {
        gw = GatewayHarness.start(upstream, dataDir);
        String text = bigText(ELEVEN_MIB);
        // An ad-hoc provider/model id: no context window is configured for it, so the gateway's
        // estimate (some 2.9 M tokens) does not refuse the body before it is forwarded.
        byte[] body = request("openai/" + GatewayHarness.UPSTREAM_MODEL, text).getBytes(UTF_8);
        assertTrue(body.length > ELEVEN_MIB);

        HttpResponse<String> r = gw.send(gw.request("/v1/chat/completions", "Authorization", AUTH)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertEquals(200, r.statusCode(), r.body());
        byte[] received = upstream.takeRequest().body();
        assertArrayEquals(request(GatewayHarness.UPSTREAM_MODEL, text).getBytes(UTF_8), received);
    }

    @Test
    void elevenMibBody_overAOneMibLimit_is413AndNeverReachesTheUpstream() throws Exception {
        gw = GatewayHarness.builder(upstream.url(), dataDir).server("max_body_bytes", 1024 * 1024).start();
        byte[] body = request("gpt-4o-mini", bigText(ELEVEN_MIB)).getBytes(UTF_8);

        try (RawHttp raw = gw.raw()) {
            raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + AUTH
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n");
            raw.send(java.util.Arrays.copyOf(body, 64 * 1024));
            RawHttp.Head head = raw.readHead();
            assertEquals(413, head.status());
            assertEquals(errorJson("Request body is larger than the gateway's limit of 1048576 bytes.",
                    "invalid_request_error", null, 413), new String(raw.readBody(head), UTF_8));
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void elevenMibBody_overAOneMibLimit_is413ToAnHttpClientSendingItAll() throws Exception {
        gw = GatewayHarness.builder(upstream.url(), dataDir).server("max_body_bytes", 1024 * 1024).start();
        byte[] body = request("gpt-4o-mini", bigText(ELEVEN_MIB)).getBytes(UTF_8);

        HttpResponse<String> r = gw.send(gw.request("/v1/chat/completions", "Authorization", AUTH)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertEquals(413, r.statusCode(), r.body());
        assertEquals(0, upstream.requests().size());
    }
}

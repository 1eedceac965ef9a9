package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.ProviderKindsTestBase.byPath;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client's own provider key ({@code X-Provider-Key}) is in no line the gateway writes: the
 * gateway runs as its own process with its access log on, and every line of its stdout (access
 * lines with the upstream's error text as {@code detail} included) is searched for the key and
 * for any 12-character piece of it, after a success, a stream, an upstream error that quotes the
 * key, and an upstream that refuses it.
 */
@Timeout(60)
class FimOwnKeyLogTest {
    static final String CLIENT_KEY = "sk-test-0123456789abcdef";
    static final String OWN = "sk-own-mistral-91c4e7a2b8d3f605";

    @TempDir Path dir;

    @Test
    void theOwnKeyIsInNoLogLine() throws Exception {
        try (FakeUpstream upstream = new FakeUpstream()) {
            String config = """
                    {"server": {"access_log": true},
                     "keys": [{"name": "t", "key": "%s"}],
                     "router": {"retries": 0},
                     "providers": {"mistral": {"kind": "mistral", "base_url": "%s/mistral/v1", "api_key": "mk-configured-5ecret"}},
                     "models": [{"id": "codestral", "provider": "mistral", "upstream": "codestral-2405", "capabilities": ["fim"]}]}
                    """.formatted(CLIENT_KEY, upstream.url());
            try (GatewayProcess gw = GatewayProcess.start(dir, config, List.of("-Xmx128m"), Map.of());
                 HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                upstream.respondWith(byPath(CompletionsTestBase.FIM_PATH, FakeUpstream.json(200, FimGatewayTest.MISTRAL_ANSWER)));
                assertEquals(200, post(http, gw, "{\"model\":\"codestral\",\"prompt\":\"x\"}", "log-ok"));

                upstream.respondWith(byPath(CompletionsTestBase.FIM_PATH, FakeUpstream.sse(
                        data(FimGatewayTest.mistralChunk("codestral-2405", "{\"role\":\"assistant\",\"content\":\"x\"}", "null", null)),
                        data(FimGatewayTest.mistralChunk("codestral-2405", "{\"content\":\"\"}", "\"stop\"", FimGatewayTest.USAGE)),
                        DONE)));
                assertEquals(200, post(http, gw, "{\"model\":\"codestral\",\"prompt\":\"x\",\"stream\":true}", "log-stream"));

                upstream.respondWith(byPath(CompletionsTestBase.FIM_PATH, FakeUpstream.json(422, "{\"object\":\"error\",\"message\":"
                        + "\"no such suffix for " + OWN + "; header was Authorization: Bearer " + OWN + "\",\"type\":\"invalid_request\"}")));
                assertEquals(400, post(http, gw, "{\"model\":\"codestral\",\"prompt\":\"x\"}", "log-echoed"));

                upstream.respondWith(byPath(CompletionsTestBase.FIM_PATH, FakeUpstream.json(401, "{\"message\":\"Unauthorized: "
                        + OWN + "\"}")));
                assertEquals(400, post(http, gw, "{\"model\":\"codestral\",\"prompt\":\"x\"}", "log-refused"));

                for (String id : List.of("log-ok", "log-stream", "log-echoed", "log-refused")) {
                    String line = accessLine(gw, id);
                    assertTrue(line.contains("\"own_key\":true"), line);
                }
                assertTrue(accessLine(gw, "log-echoed").contains("[redacted]"), "the upstream's text is logged, scrubbed");
                for (String line : gw.stdout()) {
                    for (int i = 0; i + 12 <= OWN.length(); i++) {
                        assertFalse(line.contains(OWN.substring(i, i + 12)), line);
                    }
                }
                assertEquals(4, upstream.requests().size());
                for (FakeUpstream.Received r : upstream.requests()) assertEquals("Bearer " + OWN, r.header("authorization"));
            }
        }
    }

    private static int post(HttpClient http, GatewayProcess gw, String body, String requestId) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/fim/completions"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + CLIENT_KEY).header("X-Provider-Key", OWN)
                .header("x-request-id", requestId).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
        assertFalse(response.body().contains(OWN.substring(7, 19)), response.body());
        return response.statusCode();
    }

    /** The access line of request {@code id}, waiting for the log writer. */
    private static String accessLine(GatewayProcess gw, String id) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            for (String line : gw.stdout()) {
                if (line.contains("\"event\":\"access\"") && line.contains("\"request_id\":\"" + id + "\"")) return line;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no access line for " + id + ": " + gw.describe());
    }
}

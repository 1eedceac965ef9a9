package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.UPSTREAM_KEY;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the client sees when the upstream fails: the status is the gateway's (seed 002's table),
 * not the upstream's, and what the upstream said about the gateway's own key or billing stays
 * inside the gateway.
 */
class UpstreamErrorsTest extends GatewayTestBase {

    static String openAiError(String message, String type, String param, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":"
                + (param == null ? "null" : "\"" + param + "\"") + ",\"code\":" + (code == null ? "null" : "\"" + code + "\"") + "}}";
    }

    static Stream<Arguments> upstreamStatuses() {
        return Stream.of(
                Arguments.of(400, openAiError("Invalid 'messages[0].content': string too long.", "invalid_request_error",
                                "messages[0].content", "string_above_max_length"),
                        400, "invalid_request_error", "messages[0].content",
                        "Provider 'openai' rejected the request (HTTP 400): Invalid 'messages[0].content': string too long."),
                // Retold in seed 002's words, with the count the upstream named.
                Arguments.of(400, openAiError("This model's maximum context length is 128000 tokens. However, your messages "
                                + "resulted in 130012 tokens. Please reduce the length of the messages.", "invalid_request_error",
                                "messages", "context_length_exceeded"),
                        400, "invalid_request_error", "messages",
                        "This request exceeds the model's context window of 128000 tokens. Your request contains approximately 130012 tokens."),
                Arguments.of(401, openAiError("Incorrect API key provided: sk-upstr****0000.", "invalid_request_error", null,
                                "invalid_api_key"),
                        502, "upstream_error", null, "Provider 'openai' rejected the gateway's credentials (HTTP 401)"),
                Arguments.of(403, openAiError("Your organization org-secret is not allowed.", "permission_error", null, null),
                        502, "upstream_error", null, "Provider 'openai' rejected the gateway's credentials (HTTP 403)"),
                Arguments.of(402, openAiError("Billing hard limit reached for org-secret.", "billing_error", null, null),
                        503, "service_unavailable", null, "Provider 'openai' is unavailable"),
                Arguments.of(404, openAiError("The model does not exist.", "invalid_request_error", null, "model_not_found"),
                        502, "upstream_error", null, "Provider 'openai': model 'gpt-4o-mini-2024-07-18' not found (HTTP 404)"),
                Arguments.of(429, openAiError("Rate limit reached for org-secret on requests per min.", "requests", null,
                                "rate_limit_exceeded"),
                        429, "rate_limit_error", null, "Provider 'openai' is rate-limiting the gateway (HTTP 429)"),
                Arguments.of(429, openAiError("You exceeded your current quota.", "insufficient_quota", null, "insufficient_quota"),
                        503, "service_unavailable", null, "Provider 'openai' is unavailable"),
                Arguments.of(500, openAiError("The server had an error.", "server_error", null, null),
                        502, "upstream_error", null, "Provider 'openai' failed (HTTP 500): The server had an error."),
                Arguments.of(502, "<html><body>Bad gateway</body></html>",
                        502, "upstream_error", null, "Provider 'openai' failed (HTTP 502)"),
                Arguments.of(503, openAiError("The engine is currently overloaded.", "server_error", null, null),
                        503, "service_unavailable", null,
                        "Provider 'openai' is unavailable or overloaded (HTTP 503): The engine is currently overloaded."));
    }

    /** A 504 naming the provider and the configured idle time (the wording is the provider's). */
    static void assertIdleTimeout(HttpResponse<String> r) {
        assertEquals(504, r.statusCode(), r.body());
        Map<String, Object> error = GatewayHarness.obj(GatewayHarness.obj(r.body()).get("error"));
        String message = (String) error.get("message");
        assertTrue(message.startsWith("Provider 'openai' ") && message.contains("300 ms"), message);
        assertEquals(errorJson(message, "timeout_error", null, 504), r.body());
    }

    @ParameterizedTest(name = "upstream {0} -> {2}")
    @MethodSource("upstreamStatuses")
    void upstreamErrorStatus_becomesTheGatewaysStatus(int upstreamStatus, String upstreamBody, int status, String type,
                                                      String param, String message) throws Exception {
        upstream.respondWith(FakeUpstream.json(upstreamStatus, upstreamBody));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(status, r.statusCode(), r.body());
        assertEquals(errorJson(message, type, param, status), r.body());
    }

    @ParameterizedTest(name = "stream, upstream {0} -> {2}")
    @MethodSource("upstreamStatuses")
    void upstreamErrorStatusOnAStream_isARealHttpErrorNotAnEventStream(int upstreamStatus, String upstreamBody, int status,
                                                                      String type, String param, String message) throws Exception {
        upstream.respondWith(FakeUpstream.json(upstreamStatus, upstreamBody));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", true));

        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson(message, type, param, status), r.body());
    }

    @Test
    void upstream401_doesNotLeakTheUpstreamsMessageOrKey() throws Exception {
        upstream.respondWith(FakeUpstream.json(401, openAiError("Incorrect API key provided: " + UPSTREAM_KEY + ".",
                "invalid_request_error", null, "invalid_api_key")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(502, r.statusCode());
        assertFalse(r.body().contains("Incorrect"), r.body());
        assertFalse(r.body().contains(UPSTREAM_KEY), r.body());
        assertFalse(r.body().contains("invalid_api_key"), r.body());
    }

    @Test
    void upstream402_doesNotLeakBillingDetails() throws Exception {
        upstream.respondWith(FakeUpstream.json(402, openAiError("Billing hard limit reached for org-secret.", "billing_error",
                null, null)));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(503, r.statusCode());
        assertFalse(r.body().contains("org-secret"), r.body());
        assertFalse(r.body().contains("Billing"), r.body());
    }

    @Test
    void upstreamUnreachable_is503() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        gw.close();
        gw = GatewayHarness.builder("http://127.0.0.1:" + closedPort, dataDir).start();

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(503, r.statusCode(), r.body());
        assertEquals(errorJson("Provider 'openai' is unreachable", "service_unavailable", null, 503), r.body());
    }

    @Test
    void upstreamHeadersTimeout_is504() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).provider("openai", "timeout_ms", 300).start();
        upstream.respondWith(FakeUpstream.delayed(Duration.ofSeconds(3), FakeUpstream.json(200, "{}")));

        HttpResponse<String> r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> gw.post("/v1/chat/completions", chat("gpt-4o-mini", false)));

        assertEquals(504, r.statusCode(), r.body());
        assertEquals(errorJson("Provider 'openai' did not answer in time", "timeout_error", null, 504), r.body());
    }

    @Test
    void upstreamSilentAfterHeadersOnAStream_is504FromTheIdleTimeout() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).provider("openai", "idle_timeout_ms", 300).start();
        upstream.respondWith(FakeUpstream.sse(FakeUpstream.data(ChatStreamTest.C1), FakeUpstream.DONE)
                .delayFirst(Duration.ofSeconds(3)));

        HttpResponse<String> r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> gw.post("/v1/chat/completions", chat("gpt-4o-mini", true)));

        assertEquals(504, r.statusCode(), r.body());
        assertIdleTimeout(r);
    }

    @Test
    void upstreamSilentForeverAfterItsHeaders_is504FromTheIdleTimeout() throws Exception {
        try (SilentUpstream silent = new SilentUpstream(true)) {
            gw.close();
            gw = GatewayHarness.builder(silent.url(), dataDir).provider("openai", "idle_timeout_ms", 300).start();

            HttpResponse<String> r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> gw.post("/v1/chat/completions", chat("gpt-4o-mini", true)));

            assertEquals(504, r.statusCode(), r.body());
            assertIdleTimeout(r);
            assertTrue(silent.awaitPeerClosed(Duration.ofSeconds(4)), "the upstream connection was left open");
        }
    }

    @Test
    void upstreamStallingInsideANonStreamBody_is504FromTheIdleTimeout() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).provider("openai", "idle_timeout_ms", 300).start();
        upstream.respondWith(FakeUpstream.stallingJson(200, ChatPassThroughTest.UPSTREAM_COMPLETION, Duration.ofSeconds(3)));

        HttpResponse<String> r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> gw.post("/v1/chat/completions", chat("gpt-4o-mini", false)));

        assertEquals(504, r.statusCode(), r.body());
        assertIdleTimeout(r);
    }

    @Test
    void upstream200ThatIsNotACompletion_is502() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"hello\":\"world\"}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(502, r.statusCode(), r.body());
        assertEquals(errorJson("Provider 'openai' returned a response that is not a chat completion", "upstream_error", null, 502),
                r.body());
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;

import java.io.OutputStream;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The headers that tell a client what to do after an error: the upstream's {@code retry-after}
 * and rate-limit headers passed on (the OpenAI SDKs back off by them), {@code x-should-retry:
 * false} where retrying cannot help, and nothing else of the upstream's headers.
 */
class ErrorHeadersTest extends GatewayTestBase {

    /** An upstream error with headers of its own. */
    static FakeUpstream.Behaviour withHeaders(int status, String body, String... nameValues) {
        return (ex, up) -> {
            for (int i = 0; i < nameValues.length; i += 2) ex.getResponseHeaders().add(nameValues[i], nameValues[i + 1]);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    private static Optional<String> header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name);
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    void upstream429_relaysRetryAfterAndRateLimitHeadersOnly(boolean stream) throws Exception {
        upstream.respondWith(withHeaders(429, UpstreamErrorsTest.openAiError("Rate limit reached.", "requests", null,
                        "rate_limit_exceeded"),
                "retry-after", "7", "retry-after-ms", "6500", "x-ratelimit-limit-requests", "500",
                "x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "6.5s",
                "anthropic-ratelimit-tokens-remaining", "0", "x-internal-host", "10.0.0.5", "set-cookie", "s=1"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", stream));

        assertEquals(429, r.statusCode(), r.body());
        HttpHeaders h = r.headers();
        assertEquals(Optional.of("7"), h.firstValue("retry-after"));
        assertEquals(Optional.of("6500"), h.firstValue("retry-after-ms"));
        assertEquals(Optional.of("500"), h.firstValue("x-ratelimit-limit-requests"));
        assertEquals(Optional.of("0"), h.firstValue("x-ratelimit-remaining-requests"));
        assertEquals(Optional.of("6.5s"), h.firstValue("x-ratelimit-reset-requests"));
        assertEquals(Optional.of("0"), h.firstValue("anthropic-ratelimit-tokens-remaining"));
        assertEquals(Optional.empty(), h.firstValue("x-internal-host"));
        assertEquals(Optional.empty(), h.firstValue("set-cookie"));
        assertEquals(Optional.empty(), h.firstValue("x-should-retry"), "a rate limit passes: retry");
        assertEquals("application/json", h.firstValue("content-type").orElseThrow());
        assertEquals(GatewayHarness.errorJson("Provider 'openai' is rate-limiting the gateway (HTTP 429)", "rate_limit_error",
                null, 429), r.body());
    }

    @Test
    void upstream503WithRetryAfter_passesItOn() throws Exception {
        upstream.respondWith(withHeaders(503, "{\"error\":{\"message\":\"Overloaded\"}}", "Retry-After", "3"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(503, r.statusCode());
        assertEquals(Optional.of("3"), header(r, "retry-after"));
        assertEquals(Optional.empty(), header(r, "x-should-retry"));
    }

    @Test
    void errorsThatRetryingCannotFix_sayXShouldRetryFalse() throws Exception {
        upstream.respondWith(FakeUpstream.json(401, "{\"error\":{\"message\":\"bad key\"}}"));
        HttpResponse<String> credentials = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));
        assertEquals(502, credentials.statusCode());
        assertEquals(Optional.of("false"), header(credentials, "x-should-retry"));

        upstream.respondWith(FakeUpstream.json(404, "{\"error\":{\"message\":\"The model does not exist.\"}}"));
        HttpResponse<String> model = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));
        assertEquals(502, model.statusCode());
        assertEquals(Optional.of("false"), header(model, "x-should-retry"));

        HttpResponse<String> disabled = gw.post("/v1/chat/completions", chat("vault-model", false));
        assertEquals(503, disabled.statusCode());
        assertEquals(Optional.of("false"), header(disabled, "x-should-retry"));
        assertEquals(Optional.empty(), header(disabled, "retry-after"));

        HttpResponse<String> invalid = gw.post("/v1/chat/completions",
                "{\"model\":\"echo\",\"temperature\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, invalid.statusCode());
        assertEquals(Optional.of("false"), header(invalid, "x-should-retry"));
    }

    @Test
    void upstream500_isWorthRetrying() throws Exception {
        upstream.respondWith(FakeUpstream.json(500, "{\"error\":{\"message\":\"oops\"}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(502, r.statusCode());
        assertEquals(Optional.empty(), header(r, "x-should-retry"));
        assertTrue(r.headers().map().keySet().stream().noneMatch(k -> k.startsWith("x-ratelimit")), r.headers().toString());
        assertEquals(List.of(), r.headers().allValues("retry-after"));
    }
}

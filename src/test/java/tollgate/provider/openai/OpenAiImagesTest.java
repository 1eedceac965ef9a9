package tollgate.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.provider.FakeUpstream.json;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.provider.FakeUpstream;
import tollgate.provider.GeneratedImages;
import tollgate.provider.HttpChatProvider;
import tollgate.provider.ImagesCall;

/** OpenAI-compatible {@code POST /images/generations}: the request as sent, the answer as read, and every way it fails. */
class OpenAiImagesTest {
    static final String KEY = "sk-images-5ecret-0123";

    private FakeUpstream up;
    private HttpChatProvider provider;
    private final MemoryBudget budget = new MemoryBudget(256L * 1024 * 1024);

    @BeforeEach
    void start() throws IOException {
        up = new FakeUpstream();
        provider = Fixture.openAi(Fixture.config(up.baseUrl(), KEY, Map.of("X-Org", "acme-org"), Duration.ofSeconds(10),
                Duration.ofSeconds(10)), Fixture.UPSTREAM, Fixture.WATCHDOG);
    }

    @AfterEach
    void stop() {
        up.close();
    }

    private ImagesCall call(String model, ImagesCall.Request r, Cancellation c, long deadlineNanos) {
        return new ImagesCall(model, r, "req-img-1", c, budget.open(), deadlineNanos);
    }

    private ImagesCall call(String model, ImagesCall.Request r) {
        return call(model, r, new Cancellation(), 0);
    }

    private static ImagesCall.Request fox(String format) {
        return new ImagesCall.Request("a red fox", 0, null, null, format, Map.of());
    }

    @Test
    void theRequest_isOpenAisWithTheProviderKey_andTheAnswerIsParsed() throws Exception {
        up.handler = ex -> json(ex, 200, "{\"created\":1700000000,\"data\":[{\"url\":\"https://img.example/1.png\","
                + "\"revised_prompt\":\"A red fox in snow\"},{\"url\":\"https://img.example/2.png\"}]}");
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put("style", "vivid");
        extra.put("model", "not-this-one"); // the gateway's fields win
        GeneratedImages g = provider.generate(call("dall-e-3",
                new ImagesCall.Request("a red fox", 2, "1024x1024", "hd", "url", extra)));

        FakeUpstream.Recorded r = up.take();
        assertEquals("POST", r.method());
        assertEquals("/v1/images/generations", r.path());
        assertEquals("Bearer " + KEY, r.headers().get("authorization"));
        assertEquals("application/json", r.headers().get("content-type"));
        assertEquals("application/json", r.headers().get("accept"));
        assertEquals("req-img-1", r.headers().get("x-request-id"));
        assertEquals("acme-org", r.headers().get("x-org"));
        assertEquals("{\"model\":\"dall-e-3\",\"prompt\":\"a red fox\",\"n\":2,\"size\":\"1024x1024\",\"quality\":\"hd\","
                + "\"response_format\":\"url\",\"style\":\"vivid\"}", r.bodyText());

        assertEquals(List.of(new GeneratedImages.Image("https://img.example/1.png", null, "A red fox in snow"),
                new GeneratedImages.Image("https://img.example/2.png", null, null)), g.images());
        assertEquals("{\"created\":1700000000,\"data\":[{\"url\":\"https://img.example/1.png\",\"revised_prompt\":\"A red fox in snow\"},"
                + "{\"url\":\"https://img.example/2.png\"}]}", Json.toString(g.answer()));
    }

    @Test
    void gptImageModels_getNoResponseFormat_andAnswerBase64() throws Exception {
        up.handler = ex -> json(ex, 200, "{\"created\":1,\"data\":[{\"b64_json\":\"iVBORw0KGgoAAAA=\"}],\"output_format\":\"png\","
                + "\"usage\":{\"input_tokens\":10,\"output_tokens\":4160,\"total_tokens\":4170}}");
        GeneratedImages g = provider.generate(call("gpt-image-1", fox("url")));
        assertEquals("{\"model\":\"gpt-image-1\",\"prompt\":\"a red fox\"}", up.take().bodyText());
        assertEquals(List.of(new GeneratedImages.Image(null, "iVBORw0KGgoAAAA=", null)), g.images());
        assertEquals("png", g.answer().get("output_format"));
        assertEquals("image/png", GeneratedImages.mediaType(g.images().get(0).b64Json()));
    }

    @Test
    void anUpstream400_isTheCallersError_withItsMessageAndParam() {
        up.handler = ex -> json(ex, 400, "{\"error\":{\"message\":\"Your request was rejected as a result of our safety system.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"prompt\",\"code\":\"content_policy_violation\"}}");
        GatewayException e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null))));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals(400, e.httpStatus());
        assertEquals("prompt", e.param());
        assertTrue(e.getMessage().contains("Your request was rejected as a result of our safety system."), e.getMessage());
    }

    @Test
    void anUpstream429_isARateLimit_withItsRetryAfter() {
        up.handler = ex -> {
            ex.getResponseHeaders().set("retry-after", "7");
            json(ex, 429, "{\"error\":{\"message\":\"Rate limit reached for images per minute\",\"type\":\"requests\"}}");
        };
        GatewayException e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null))));
        assertEquals(ErrorKind.PROVIDER_RATE_LIMITED, e.kind());
        assertEquals(429, e.upstreamStatus());
        assertEquals(List.of("retry-after", "7"), List.of(e.headers()).subList(0, 2));
    }

    @Test
    void theProviderKey_isScrubbedFromErrorsAndAnswers() {
        up.handler = ex -> json(ex, 500, "{\"error\":{\"message\":\"internal error for key " + KEY + "\"}}");
        GatewayException e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null))));
        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertFalse(String.valueOf(e.detail()).contains(KEY), e.detail());
        assertTrue(e.getMessage().contains("[redacted]"), e.getMessage());

        up.handler = ex -> json(ex, 200, "{\"created\":1,\"data\":[{\"url\":\"https://img.example/x.png\",\"revised_prompt\":\"" + KEY + "\"}]}");
        GeneratedImages g = provider.generate(call("dall-e-3", fox(null)));
        assertEquals("[redacted]", g.images().get(0).revisedPrompt());
    }

    @Test
    void anAnswerWithoutImages_orNotJson_isAProviderError() {
        up.handler = ex -> json(ex, 200, "{\"created\":1,\"data\":[{\"revised_prompt\":\"nothing\"}]}");
        GatewayException e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null))));
        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertEquals("Provider 'acme' returned no image", e.getMessage());

        up.handler = ex -> json(ex, 200, "<html>not json</html>");
        e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null))));
        assertEquals("Provider 'acme' returned a response that is not an image generation", e.getMessage());

        up.handler = ex -> json(ex, 200, "{\"error\":{\"message\":\"content filtered\",\"code\":\"content_filter\"}}");
        e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null))));
        assertTrue(e.getMessage().contains("content filtered"), e.getMessage());
    }

    @Test
    void theCallsDeadline_endsAStalledUpstream_asATimeout() {
        up.handler = ex -> up.stall();
        long t0 = System.nanoTime();
        GatewayException e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null),
                new Cancellation(), System.nanoTime() + Duration.ofMillis(300).toNanos())));
        assertEquals(ErrorKind.PROVIDER_TIMEOUT, e.kind());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(8).toNanos(), "ended at the deadline, not the 10 s timeouts");

        int before = up.requests.size();
        e = assertThrows(GatewayException.class, () -> provider.generate(call("dall-e-3", fox(null), new Cancellation(),
                System.nanoTime() - 1)));
        assertEquals(ErrorKind.PROVIDER_TIMEOUT, e.kind());
        assertEquals(before, up.requests.size(), "no time left: nothing sent");
    }

    @Test
    void cancellation_endsTheWait() throws Exception {
        up.handler = ex -> up.stall();
        Cancellation c = new Cancellation();
        Thread.ofVirtual().start(() -> {
            try {
                up.take(); // the request is on its way: now the client leaves
            } catch (InterruptedException ignored) {
                return;
            }
            c.cancel();
        });
        assertThrows(ClientGoneException.class, () -> provider.generate(call("dall-e-3", fox(null), c, 0)));
    }

    @Test
    void theAnswer_isReservedInTheCallsMemory_andOverTheBudgetIsRefused() {
        String big = "A".repeat(2 * 1024 * 1024);
        up.handler = ex -> json(ex, 200, "{\"created\":1,\"data\":[{\"b64_json\":\"" + big + "\"}]}");
        MemoryBudget small = new MemoryBudget(1024 * 1024);
        try (Reservation memory = small.open()) {
            GatewayException e = assertThrows(GatewayException.class, () -> provider.generate(new ImagesCall("gpt-image-1", fox(null),
                    "r", new Cancellation(), memory, 0)));
            assertEquals(ErrorKind.GATEWAY_BUSY, e.kind());
        }
        assertEquals(0, small.used(), "everything given back");

        try (Reservation memory = budget.open()) {
            GeneratedImages g = provider.generate(new ImagesCall("gpt-image-1", fox(null), "r", new Cancellation(), memory, 0));
            assertEquals(big.length(), g.images().get(0).b64Json().length());
            assertTrue(memory.held() >= big.length(), "the parsed answer stays reserved while it is used: " + memory.held());
            assertTrue(memory.held() < 3L * big.length(), "the raw bytes were given back: " + memory.held());
        }
    }

    @Test
    void onlyTheOpenAiKind_servesImages() {
        HttpChatProvider mistral = new HttpChatProvider(new tollgate.config.ProviderConfig("mis", "mistral", up.baseUrl(), KEY, Map.of(),
                Duration.ofSeconds(1), Duration.ofSeconds(1), tollgate.config.ProviderConfig.DEFAULT_DEADLINE, true, null),
                new tollgate.provider.mistral.MistralDialect(), Fixture.UPSTREAM, Fixture.WATCHDOG, tollgate.provider.Secrets.NONE);
        GatewayException e = assertThrows(GatewayException.class, () -> mistral.generate(call("x", fox(null))));
        assertEquals("Provider 'mis' (kind mistral) does not serve image generation.", e.getMessage());
        assertFalse(mistral.capabilities().contains("images"));
        assertTrue(provider.capabilities().contains("images"));
        assertNull(up.requests.poll());
    }
}

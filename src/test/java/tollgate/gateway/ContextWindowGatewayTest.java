package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The context window: a request the gateway estimates above the model's {@code context_length}
 * is refused before it is sent, and an upstream's own context-window error (OpenAI, Anthropic,
 * Mistral wording) reaches the client in the same words.
 *
 * <p>The estimate (PromptEstimate): 3 tokens of reply priming, 4 per message, ASCII text at 4
 * characters per token rounded up per text.
 */
class ContextWindowGatewayTest extends ProviderKindsTestBase {

    static String exceeded(long window, long tokens) {
        return errorJson("This request exceeds the model's context window of " + window + " tokens. Your request contains "
                + "approximately " + tokens + " tokens.", "invalid_request_error", "messages", 400);
    }

    /** One user message of {@code chars} ASCII characters: 3 + 4 + ceil(chars / 4) estimated tokens. */
    static String requestOf(String model, int chars, boolean stream) {
        String text = "lorem ipsum dolor sit amet ".repeat(chars / 27 + 1).substring(0, chars);
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]"
                + (stream ? ",\"stream\":true" : "") + "}";
    }

    @Test
    void estimateAboveTheWindow_is400WithTheExactMessageAndNothingIsSent() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", requestOf("gpt-small", 1000, false));

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(exceeded(100, 257), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void estimateAboveTheWindow_onAStream_isAPlainHttp400() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", requestOf("gpt-small", 1000, true));

        assertEquals(400, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(exceeded(100, 257), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void estimateExactlyAtTheWindow_isSentOneAboveIsNot() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));

        // 3 + 4 + 372 / 4 = 100 tokens: fits.
        assertEquals(200, gw.post("/v1/chat/completions", requestOf("gpt-small", 372, false)).statusCode());
        assertEquals(1, upstream.requests().size());
        // 3 + 4 + ceil(373 / 4) = 101 tokens: does not.
        HttpResponse<String> r = gw.post("/v1/chat/completions", requestOf("gpt-small", 373, false));
        assertEquals(exceeded(100, 101), r.body());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void theSameRefusalWhicheverProviderServesTheModel() throws Exception {
        String big = "lorem ipsum ".repeat(70000); // 840000 chars: 210000 + 4 + 3 tokens
        for (String model : new String[] {"claude-sonnet", "mistral-large", "gpt-4o-mini"}) {
            HttpResponse<String> r = gw.post("/v1/chat/completions",
                    "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
            long window = model.startsWith("claude") ? 200000 : 128000;
            assertEquals(exceeded(window, 210007), r.body(), model);
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void openAiContextLengthExceeded_becomesTheSameMessageWithTheUpstreamsCount() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens. "
                + "However, your messages resulted in 130512 tokens. Please reduce the length of the messages.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("gpt-4o-mini", false));

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(exceeded(128000, 130512), r.body());
    }

    @Test
    void openAiContextLengthExceededWithoutACount_usesTheGatewaysEstimate() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("gpt-4o-mini", true));

        assertEquals(400, r.statusCode(), r.body());
        // "Hi": 3 + 4 + 1.
        assertEquals(exceeded(128000, 8), r.body());
    }

    @Test
    void anthropicPromptIsTooLong_becomesTheSameMessage() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"prompt is too long: 208310 tokens > 200000 maximum\"},\"request_id\":\"req_011CT7\"}"));

        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("claude-sonnet", stream));

            assertEquals(400, r.statusCode(), r.body());
            assertEquals(exceeded(200000, 208310), r.body());
        }
    }

    @Test
    void mistralTooLargeForTheModel_becomesTheSameMessage() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"object\":\"error\",\"message\":\"Prompt contains 140000 tokens and 0 draft "
                + "tokens, too large for model with 131072 maximum context length\",\"type\":\"invalid_request_message_error\","
                + "\"param\":null,\"code\":\"3051\"}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("mistral-large", false));

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(exceeded(128000, 140000), r.body());
    }
}

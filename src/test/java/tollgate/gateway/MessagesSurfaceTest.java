package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /v1/messages} through the offline echo provider: both ways of sending the key,
 * both SDK versions, the whole answer and the whole event stream as a client reads them;
 * {@code count_tokens}; and the errors, in Anthropic's shape with the status, headers and body
 * checked in full (protocols-2.md §10).
 */
class MessagesSurfaceTest extends MessagesTestBase {
    static final String HELLO = "{\"model\":\"echo\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    static final String HELLO_STREAM = "{\"model\":\"echo\",\"max_tokens\":50,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";

    @Test
    void nonStream_withXApiKey_asSdk0x() throws Exception {
        HttpResponse<String> r = gw.postAs(MESSAGES, HELLO, "x-api-key", CLIENT_KEY, "anthropic-version", "2023-06-01",
                "content-type", "application/json");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals(r.headers().firstValue("x-request-id").orElseThrow(), r.headers().firstValue("request-id").orElseThrow());
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElse(null));
        String id = messageId((String) obj(r.body()).get("id"));
        assertEquals("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"echo\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Echo: hello there\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}}",
                r.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages?beta=true", "/api/messages", "/api/gateway/messages"})
    void stream_withBearer_asSdk1x_everyPathLayout(String path) throws Exception {
        HttpResponse<String> r = gw.postAs(path, HELLO_STREAM, "Authorization", "Bearer " + CLIENT_KEY,
                "anthropic-version", "2026-10-21", "anthropic-beta", "fine-grained-tool-streaming-2025-05-14");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(null));
        assertEquals(r.headers().firstValue("x-request-id").orElseThrow(), r.headers().firstValue("request-id").orElseThrow());
        List<Event> events = events(r.body());
        String id = messageId((String) obj(obj(events.get(0).data()).get("message")).get("id"));
        String delta = "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":";
        assertEquals(List.of(
                new Event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"model\":\"echo\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}}}"),
                new Event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                new Event("content_block_delta", delta + "\"Echo:\"}}"),
                new Event("content_block_delta", delta + "\" hello\"}}"),
                new Event("content_block_delta", delta + "\" there\"}}"),
                new Event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                new Event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                        + "\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}}"),
                new Event("message_stop", "{\"type\":\"message_stop\"}")), events);
        assertTrue(r.body().endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), "no [DONE] after message_stop");
    }

    @Test
    void noVersionHeader_isAccepted() throws Exception {
        HttpResponse<String> r = gw.postAs(MESSAGES, HELLO, "x-api-key", CLIENT_KEY);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        String id = messageId((String) obj(r.body()).get("id"));
        assertEquals("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"echo\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Echo: hello there\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}}",
                r.body());
    }

    @Test
    void silentUpstream_getsAnthropicPings() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG_WITH_ECHO).server("heartbeat_ms", 50).start();
        upstream.respondWith(FakeUpstream.sse(
                data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"late\"},\"finish_reason\":\"stop\"}]}"),
                FakeUpstream.DONE).delayFirst(Duration.ofMillis(400)));
        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        List<Event> events = events(r.body());
        assertEquals(new Event("ping", "{\"type\": \"ping\"}"), events.get(0), r.body());
        assertTrue(r.body().startsWith("event: ping\ndata: {\"type\": \"ping\"}\n\n"), r.body());
        List<String> rest = names(events).stream().filter(n -> !n.equals("ping")).toList();
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta",
                "message_stop"), rest);
    }

    // ------------------------------------------------------------------ count_tokens

    @Test
    void countTokens_isTheEstimate_overMessagesSystemAndTools() throws Exception {
        String plain = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there, how are you today?\"}]}";
        HttpResponse<String> r = gw.postAs(MESSAGES + "/count_tokens", plain, "x-api-key", CLIENT_KEY, "anthropic-version", "2023-06-01");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        long base = ((tollgate.json.JsonNumber) obj(r.body()).get("input_tokens")).longValue();
        assertEquals("{\"input_tokens\":" + base + "}", r.body());
        assertTrue(base > 0, r.body());
        String withMore = "{\"model\":\"echo\",\"system\":[{\"type\":\"text\",\"text\":\"You are a careful assistant who answers briefly.\"}],"
                + "\"tools\":" + ANTHROPIC_TOOLS + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello there, how are you today?\"}]}";
        HttpResponse<String> more = gw.postAs(MESSAGES + "/count_tokens", withMore, "x-api-key", CLIENT_KEY);
        long counted = ((tollgate.json.JsonNumber) obj(more.body()).get("input_tokens")).longValue();
        assertTrue(counted > base + 20, "system and tools count: " + base + " then " + counted);
        assertEquals(0, upstream.requests().size(), "no upstream is asked");
    }

    @Test
    void countTokens_refusesMissingMessages_inAnthropicShape() throws Exception {
        HttpResponse<String> r = gw.postAs(MESSAGES + "/count_tokens", "{\"model\":\"echo\"}", "x-api-key", CLIENT_KEY);
        assertAnthropicError(r, 400, "invalid_request_error", "Missing required parameter: 'messages'.");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void missingKey_is401_inAnthropicShape() throws Exception {
        HttpResponse<String> r = gw.postAs(MESSAGES, HELLO, "anthropic-version", "2023-06-01");
        assertAnthropicError(r, 401, "authentication_error",
                "Missing API key: send it as \"x-api-key: <key>\" or \"Authorization: Bearer <key>\".");
        assertEquals("false", r.headers().firstValue("x-should-retry").orElse(null));
    }

    @Test
    void wrongXApiKey_is401() throws Exception {
        HttpResponse<String> r = gw.postAs(MESSAGES, HELLO, "x-api-key", "sk-nope-0000000000000000");
        assertAnthropicError(r, 401, "authentication_error", "Invalid API key.");
    }

    @Test
    void xApiKey_isNotTakenOnTheOpenAiSurface() throws Exception {
        HttpResponse<String> r = gw.postAs("/v1/chat/completions", GatewayHarness.chat("echo", false), "x-api-key", CLIENT_KEY);
        assertEquals(401, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals("Bearer", r.headers().firstValue("www-authenticate").orElse(null));
        assertEquals(GatewayHarness.errorJson("Missing API key: send it as \"Authorization: Bearer <key>\".", "authentication_error", null, 401),
                r.body(), "OpenAI's shape there, and x-api-key is not read");
    }

    @Test
    void junkVersion_is400_namingTheHeader() throws Exception {
        HttpResponse<String> r = gw.postAs(MESSAGES, HELLO, "x-api-key", CLIENT_KEY, "anthropic-version", "latest");
        assertAnthropicError(r, 400, "invalid_request_error",
                "anthropic-version: expected a date YYYY-MM-DD such as 2023-06-01, got 'latest'.");
    }

    @Test
    void missingMaxTokens_is400() throws Exception {
        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertAnthropicError(r, 400, "invalid_request_error", "Missing required parameter: 'max_tokens'.");
    }

    @Test
    void badBlocks_are400_namingTheField() throws Exception {
        assertAnthropicError(gw.post(MESSAGES, "{\"model\":\"echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"developer\",\"content\":\"x\"}]}"),
                400, "invalid_request_error", "Invalid value for 'messages.0.role': expected 'user', 'assistant' or 'system', got 'developer'.");
        assertAnthropicError(gw.post(MESSAGES, "{\"model\":\"echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                        + "{\"role\":\"system\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://x\"}}]}]}"),
                400, "invalid_request_error", "Invalid value for 'messages.1.content.0.type': expected 'text', got 'image'.");
        assertAnthropicError(gw.post(MESSAGES, "{\"model\":\"echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                        + "{\"role\":\"system\",\"content\":7}]}"),
                400, "invalid_request_error", "Invalid type for 'messages.1.content': expected a string or an array of text blocks, got a number.");
        assertAnthropicError(gw.post(MESSAGES, "{\"model\":\"echo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                        + "[{\"type\":\"tool_result\"}]}]}"),
                400, "invalid_request_error", "Missing required parameter: 'messages.0.content.0.tool_use_id'.");
        assertAnthropicError(gw.post(MESSAGES, "{\"model\":\"echo\",\"max_tokens\":5,\"temperature\":1.5,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "invalid_request_error", "Invalid value for 'temperature': expected a number between 0 and 1, got 1.5.");
        assertAnthropicError(gw.post(MESSAGES, "{\"model\":\"echo\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "invalid_request_error", "Invalid value for 'max_tokens': expected an integer of at least 1, got 0.");
        assertAnthropicError(gw.post(MESSAGES, "{\"model\":\"echo\",\"max_tokens\":5,\"tool_choice\":{\"type\":\"sometimes\"},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "invalid_request_error", "Invalid value for 'tool_choice.type': expected one of 'any', 'auto', 'none', 'tool', "
                        + "got 'sometimes'.");
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void keyOverItsRequestsPerMinute_is429_rateLimitError_withRetryAfter() throws Exception {
        String auth = new AccountsKeys(gw, dataDir).create(AccountsGatewayTest.fields("name", "slow", "rpm", 1L));
        String key = auth.substring("Bearer ".length());
        assertEquals(200, gw.postAs(MESSAGES, HELLO, "x-api-key", key).statusCode());
        HttpResponse<String> r = gw.postAs(MESSAGES, HELLO, "x-api-key", key);
        assertEquals(429, r.statusCode(), r.body());
        String message = (String) obj(obj(r.body()).get("error")).get("message");
        assertTrue(message.startsWith("Rate limit reached for this key: 1 requests per minute. Try again in "), message);
        assertAnthropicError(r, 429, "rate_limit_error", message);
        long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElse("0"));
        assertTrue(retryAfter >= 59 && retryAfter <= 60, "retry-after " + retryAfter);
        assertEquals("0", r.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
    }

    @Test
    void upstreamFailing_is502_apiError() throws Exception {
        upstream.respondWith(FakeUpstream.json(500, "{\"error\":{\"message\":\"upstream exploded\"}}"));
        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertAnthropicError(r, 502, "api_error", "Provider 'openai' failed (HTTP 500): upstream exploded");
    }

    @Test
    void unknownModel_is400_inAnthropicShape() throws Exception {
        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"no-such-model\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertAnthropicError(r, 400, "invalid_request_error",
                "The model 'no-such-model' does not exist on this gateway. GET /v1/models lists the models it serves.");
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.json.Json;

/**
 * {@code POST /v1/messages} on an Anthropic upstream: "the body through with minimal change".
 * The upstream receives the client's body byte for byte but the model (unknown fields, thinking
 * blocks, {@code cache_control} and server tools intact) with the client's {@code anthropic-beta}
 * and {@code anthropic-version}, and the gateway's own key; the client receives the upstream's
 * message and events unchanged but the model name (protocols-2.md §10).
 */
class MessagesPassThroughTest extends MessagesTestBase {
    static final String BETA = "interleaved-thinking-2025-05-14,context-management-2025-06-27";

    static final String TURN = "{\"model\":\"claude-sonnet\",\"max_tokens\":1024,"
            + "\"system\":[{\"type\":\"text\",\"text\":\"x-anthropic-billing-header: cc_version=2.1.200\"},"
            + "{\"type\":\"text\",\"text\":\"Be brief.\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
            + "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"Use the tool.\",\"signature\":\"EqQBCkYI\"},"
            + "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"},"
            + "{\"type\":\"tool_use\",\"id\":\"toolu_01A\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01A\",\"content\":\"18 C\","
            + "\"cache_control\":{\"type\":\"ephemeral\"}}]}],"
            + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},"
            + "\"strict\":true},{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":2}],"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},\"context_management\":{\"edits\":[{\"type\":\"clear_tool_uses_20250919\"}]},"
            + "\"output_config\":{\"effort\":\"high\"},\"metadata\":{\"user_id\":\"u-7\"}}";

    static final String UPSTREAM_ANSWER = "{\"id\":\"msg_01Up\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + UPSTREAM_MODEL_A() + "\","
            + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"It is 18 C.\",\"signature\":\"Sig2\"},{\"type\":\"text\",\"text\":\"18 C in Paris.\"}],"
            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":40,\"cache_creation_input_tokens\":12,"
            + "\"cache_read_input_tokens\":300,\"output_tokens\":25,\"service_tier\":\"standard\"}}";

    static String UPSTREAM_MODEL_A() { return AnthropicGatewayTest.UPSTREAM_MODEL; }

    @Test
    void nonStream_bodyAndBetaGoThrough_answerComesBack() throws Exception {
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.json(200, UPSTREAM_ANSWER)));

        HttpResponse<String> r = gw.postAs(MESSAGES + "?beta=true", TURN, "x-api-key", CLIENT_KEY, "anthropic-version", "2023-06-01",
                "anthropic-beta", BETA, "content-type", "application/json");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals("anthropic/claude-sonnet-4-20250514", r.headers().firstValue("x-tollgate-route").orElse(null));
        assertEquals(UPSTREAM_ANSWER.replace("\"model\":\"" + UPSTREAM_MODEL_A() + "\"", "\"model\":\"claude-sonnet\""), r.body());

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(ANTHROPIC_PATH, req.path());
        assertEquals(TURN.replace("\"model\":\"claude-sonnet\"", "\"model\":\"" + UPSTREAM_MODEL_A() + "\""), req.bodyText());
        assertEquals(BETA, req.header("anthropic-beta"));
        assertEquals("2023-06-01", req.header("anthropic-version"));
        assertEquals(ANTHROPIC_KEY, req.header("x-api-key"), "the gateway's key, never the client's");
        assertNull(req.header("authorization"));
    }

    @Test
    void stream_eventsComeBackUnchanged_butTheModel() throws Exception {
        List<String> upstreamEvents = List.of(
                event("message_start", "{\"type\":\"message_start\",\"message\":{\"model\":\"" + UPSTREAM_MODEL_A() + "\",\"id\":\"msg_01S\","
                        + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":28,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}"),
                event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"),
                event("ping", "{\"type\": \"ping\"}"),
                event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"Simple.\"}}"),
                event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"c3ludGhl\"}}"),
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi there.\"}}"),
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"),
                event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":106}}"),
                event("message_stop", "{\"type\":\"message_stop\"}"));
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.sse(upstreamEvents.toArray(String[]::new))));
        String body = TURN.replace("\"max_tokens\":1024,", "\"max_tokens\":1024,\"stream\":true,");

        HttpResponse<String> r = gw.postAs(MESSAGES, body, "Authorization", "Bearer " + CLIENT_KEY, "anthropic-version", "2026-10-21");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(null));
        List<Event> expected = new ArrayList<>();
        for (Event e : events(String.join("", upstreamEvents))) {
            // the same events, rendered by the gateway's writer (compact JSON), the model the client's
            expected.add(new Event(e.name(), Json.toString(Json.parse(e.data())).replace(UPSTREAM_MODEL_A(), "claude-sonnet")));
        }
        assertEquals(expected, events(r.body()));

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(body.replace("\"model\":\"claude-sonnet\"", "\"model\":\"" + UPSTREAM_MODEL_A() + "\""), req.bodyText());
        assertEquals("2026-10-21", req.header("anthropic-version"));
        assertNull(req.header("anthropic-beta"), "none sent, none made up");
        assertEquals("text/event-stream", req.header("accept"));
        // Metered from the upstream's usage, as any stream: the key's ledger has its counts.
        String usage = gw.get("/v1/usage", "Authorization", GatewayHarness.AUTH).body();
        assertTrue(usage.contains("\"totals\":{\"requests\":1,\"errors\":0,\"prompt_tokens\":28,\"completion_tokens\":106,"), usage);
    }

    @Test
    void stream_upstreamErrorEventAfterContent_isAnthropicErrorEvent() throws Exception {
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.sse(
                AnthropicGatewayTest.messageStart("msg_01E", "{\"input_tokens\":5,\"output_tokens\":1}"),
                AnthropicGatewayTest.textStart(0),
                AnthropicGatewayTest.textDelta(0, "Partial"),
                event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"))));

        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"claude-sonnet\",\"max_tokens\":9,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertEquals(200, r.statusCode());
        List<Event> events = events(r.body());
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "error"), names(events), r.body());
        Map<String, Object> error = obj(events.get(3).data());
        assertEquals("overloaded_error", obj(error.get("error")).get("type"), events.get(3).data());
        assertEquals(r.headers().firstValue("request-id").orElseThrow(), error.get("request_id"));
    }

    @Test
    void upstreamRefusal_isAnAnthropic400_withItsWording() throws Exception {
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.json(400, AnthropicGatewayTest.anthropicError("invalid_request_error",
                "context_management: Extra inputs are not permitted"))));

        HttpResponse<String> r = gw.post(MESSAGES, TURN);

        assertEquals(400, r.statusCode(), r.body());
        Map<String, Object> error = obj(obj(r.body()).get("error"));
        assertEquals("invalid_request_error", error.get("type"));
        assertEquals(true, ((String) error.get("message")).contains("context_management: Extra inputs are not permitted"), r.body());
    }

    /**
     * An upstream 529 stays a 529 on this surface, {@code overloaded_error}, with its retry-after:
     * the Anthropic SDKs raise their OverloadedError for 529 only (a 503 is an InternalServerError).
     */
    @ParameterizedTest(name = "stream {0}")
    @ValueSource(booleans = {false, true})
    void upstream529_isA529_overloadedError_withRetryAfter(boolean stream) throws Exception {
        byte[] overloaded = AnthropicGatewayTest.anthropicError("overloaded_error", "Overloaded").getBytes(StandardCharsets.UTF_8);
        upstream.respondWith(byPath(ANTHROPIC_PATH, (FakeUpstream.Behaviour) (ex, up) -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.getResponseHeaders().set("retry-after", "7");
            ex.sendResponseHeaders(529, overloaded.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(overloaded);
            }
        }));

        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"claude-sonnet\",\"max_tokens\":9,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertAnthropicError(r, 529, "overloaded_error", "Provider 'anthropic' is unavailable or overloaded (HTTP 529): Overloaded");
        assertEquals("7", r.headers().firstValue("retry-after").orElse(null));
    }

    /** A version the gateway has not heard of, date-shaped, is taken and goes up as sent (Claude Code's gateway doc). */
    @Test
    void laterVersion_isForwardedUnchanged() throws Exception {
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.json(200, UPSTREAM_ANSWER)));

        HttpResponse<String> r = gw.postAs(MESSAGES, TURN, "x-api-key", CLIENT_KEY, "anthropic-version", "2099-01-01");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals(UPSTREAM_ANSWER.replace("\"model\":\"" + UPSTREAM_MODEL_A() + "\"", "\"model\":\"claude-sonnet\""), r.body());
        assertEquals("2099-01-01", upstream.takeRequest().header("anthropic-version"));
    }
}

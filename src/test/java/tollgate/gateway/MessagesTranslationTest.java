package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/**
 * {@code POST /v1/messages} on an OpenAI-compatible upstream: what the upstream receives (the
 * chat request translated from Anthropic's), and what the Anthropic client gets back (the
 * completion or chunks translated into Anthropic's message and events); a tool round trip
 * (tool_use, then tool_result) both ways; a stream that breaks off after content.
 */
class MessagesTranslationTest extends MessagesTestBase {
    static final String CALL_ID = "call_Wx1aPZ3k";

    static final String TURN1 = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":300,"
            + "\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"},{\"type\":\"text\",\"text\":\"Use tools.\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":" + lit(QUESTION_TEXT()) + "}],"
            + "\"tools\":" + ANTHROPIC_TOOLS.replace("]}]", "]}},{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":2}]")
            + ",\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true},"
            + "\"stop_sequences\":[\"END\"],\"temperature\":0.2,\"top_k\":40,\"metadata\":{\"user_id\":\"u-42\"},"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},\"some_new_field\":{\"x\":1}}";

    static String QUESTION_TEXT() { return "What's the weather in Paris?"; }

    @Test
    void nonStream_toolUse_bothWays() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"Checking.\",\"tool_calls\":[{\"id\":\"" + CALL_ID + "\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":17,\"total_tokens\":137,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":100}}}"));

        HttpResponse<String> r = gw.postAs(MESSAGES, TURN1, "x-api-key", CLIENT_KEY, "anthropic-version", "2023-06-01",
                "anthropic-beta", "tools-2024-04-04");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals("openai/gpt-4o-mini-2024-07-18", r.headers().firstValue("x-tollgate-route").orElse(null));
        String id = messageId((String) obj(r.body()).get("id"));
        assertEquals("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"gpt-4o-mini\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"Checking.\"},"
                + "{\"type\":\"tool_use\",\"id\":\"" + CALL_ID + "\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}],"
                + "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":100,\"output_tokens\":17}}", r.body());

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(OPENAI_PATH, req.path());
        Map<String, Object> sent = obj(req.bodyText());
        assertEquals("gpt-4o-mini-2024-07-18", sent.get("model"));
        assertEquals("[{\"role\":\"system\",\"content\":\"Be brief.\\n\\nUse tools.\"},{\"role\":\"user\",\"content\":"
                + lit(QUESTION_TEXT()) + "}]", Json.toString(sent.get("messages")));
        assertEquals("[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Current weather in a city\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\","
                + "\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"]}}},{\"type\":\"function\",\"function\":{\"name\":\"get_time\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"tz\":{\"type\":\"string\"}},\"required\":[\"tz\"]}}}]",
                Json.toString(sent.get("tools")), "the server tool (web_search) exists only on Anthropic");
        assertEquals("required", sent.get("tool_choice"));
        assertEquals(Boolean.FALSE, sent.get("parallel_tool_calls"));
        assertEquals("[\"END\"]", Json.toString(sent.get("stop")));
        assertEquals("u-42", sent.get("user"));
        assertEquals("0.2", String.valueOf(sent.get("temperature")));
        assertEquals("300", String.valueOf(sent.containsKey("max_tokens") ? sent.get("max_tokens") : sent.get("max_completion_tokens")));
        for (String gone : List.of("top_k", "thinking", "some_new_field", "system", "stop_sequences", "metadata", "tools.0.input_schema")) {
            assertFalse(sent.containsKey(gone), gone + " has no OpenAI counterpart: " + req.bodyText());
        }
        assertNull(req.header("anthropic-beta"), "Anthropic's headers are for Anthropic upstreams");
        assertNull(req.header("x-api-key"));
    }

    @Test
    void toolResultTurn_becomesToolMessages_inOrder() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion\",\"created\":1,"
                + "\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"18 C and sunny.\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":200,\"completion_tokens\":6,\"total_tokens\":206}}"));
        String turn2 = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":300,\"tools\":" + ANTHROPIC_TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris, time in Tokyo?\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"two tools\",\"signature\":\"c2ln\"},"
                + "{\"type\":\"text\",\"text\":\"Checking.\"},"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_A1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}},"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_B2\",\"name\":\"get_time\",\"input\":{\"tz\":\"Asia/Tokyo\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_A1\",\"content\":\"18 C, sunny\"},"
                + "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_B2\",\"is_error\":true,"
                + "\"content\":[{\"type\":\"text\",\"text\":\"clock unavailable\"}]},"
                + "{\"type\":\"text\",\"text\":\"Answer with what you have.\"}]}]}";

        HttpResponse<String> r = gw.post(MESSAGES, turn2);

        assertEquals(200, r.statusCode(), r.body());
        String id = messageId((String) obj(r.body()).get("id"));
        assertEquals("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"gpt-4o-mini\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"18 C and sunny.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":200,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":6}}",
                r.body());
        Map<String, Object> sent = obj(upstream.takeRequest().bodyText());
        assertEquals("[{\"role\":\"user\",\"content\":\"Weather in Paris, time in Tokyo?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Checking.\",\"tool_calls\":["
                + "{\"id\":\"toolu_A1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"id\":\"toolu_B2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{\\\"tz\\\":\\\"Asia/Tokyo\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_A1\",\"content\":\"18 C, sunny\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_B2\",\"content\":\"Error: clock unavailable\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Answer with what you have.\"}]}]",
                Json.toString(sent.get("messages")));
    }

    /**
     * Claude Code's own shape (2.1.332, captured): a system message inside {@code messages} right
     * after the user turn (Anthropic's mid-conversation system messages), adaptive thinking with
     * {@code display}, {@code context_management}, {@code output_config}, and a tool marked
     * {@code defer_loading}. Before, the gateway refused it ("messages.1.role") and Claude Code
     * could not be used through it at all.
     */
    @Test
    void claudeCodesRequest_midConversationSystemMessage_staysInItsPlace() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"id\":\"chatcmpl-3\",\"object\":\"chat.completion\",\"created\":1,"
                + "\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello.\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":2,\"total_tokens\":32}}"));
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":32000,"
                + "\"system\":[{\"type\":\"text\",\"text\":\"You are a Claude agent.\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"say hello\"}]},"
                + "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"# Environment\"},{\"type\":\"text\",\"text\":\"cwd: /tmp\"}]},"
                + "{\"role\":\"assistant\",\"content\":\"Hi?\"},{\"role\":\"system\",\"content\":\"Be terse.\"},"
                + "{\"role\":\"user\",\"content\":\"again\"}],"
                + "\"tools\":[{\"name\":\"Bash\",\"description\":\"Runs a command\",\"input_schema\":{\"type\":\"object\"}},"
                + "{\"name\":\"DeferredToolPlaceholder\",\"description\":\"d\",\"input_schema\":{\"type\":\"object\"},\"defer_loading\":true}],"
                + "\"metadata\":{\"user_id\":\"{\\\"session_id\\\":\\\"s-1\\\"}\"},\"thinking\":{\"type\":\"adaptive\",\"display\":\"omitted\"},"
                + "\"context_management\":{\"edits\":[{\"type\":\"clear_thinking_20251015\",\"keep\":\"all\"}]},"
                + "\"output_config\":{\"effort\":\"high\"}}";

        HttpResponse<String> r = gw.postAs(MESSAGES + "?beta=true", body, "x-api-key", CLIENT_KEY, "anthropic-version", "2023-06-01",
                "anthropic-beta", "claude-code-20250219,mid-conversation-tool-changes-2026-07-01");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertTrue(r.headers().firstValue("request-id").orElse("").startsWith("req_"), r.headers().map().toString());
        String id = messageId((String) obj(r.body()).get("id"));
        assertEquals("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"gpt-4o-mini\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"Hello.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":30,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":2}}",
                r.body());
        Map<String, Object> sent = obj(upstream.takeRequest().bodyText());
        assertEquals("[{\"role\":\"system\",\"content\":\"You are a Claude agent.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"say hello\"}]},"
                + "{\"role\":\"system\",\"content\":\"# Environment\\n\\ncwd: /tmp\"},"
                + "{\"role\":\"assistant\",\"content\":\"Hi?\"},{\"role\":\"system\",\"content\":\"Be terse.\"},"
                + "{\"role\":\"user\",\"content\":\"again\"}]", Json.toString(sent.get("messages")));
        assertEquals("[\"Bash\",\"DeferredToolPlaceholder\"]", Json.toString(((List<?>) sent.get("tools")).stream()
                .map(t -> ((Map<?, ?>) ((Map<?, ?>) t).get("function")).get("name")).toList()));
        for (String gone : List.of("thinking", "context_management", "output_config")) {
            assertFalse(sent.containsKey(gone), gone + " has no OpenAI counterpart: " + sent);
        }
    }

    @Test
    void images_base64AndUrl_becomeImageUrls() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"A cat.\"},\"finish_reason\":\"length\"}],"
                + "\"usage\":{\"prompt_tokens\":900,\"completion_tokens\":2,\"total_tokens\":902}}"));
        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/cat.jpg\"}},"
                + "{\"type\":\"text\",\"text\":\"What is this?\"}]}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("max_tokens", obj(r.body()).get("stop_reason"));
        assertEquals("[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.jpg\"}},{\"type\":\"text\",\"text\":\"What is this?\"}]}]",
                Json.toString(obj(upstream.takeRequest().bodyText()).get("messages")));
    }

    static String chunk(String delta, String finish) {
        return data("{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}");
    }

    @Test
    void stream_textThenToolCall_asAnthropicEvents() throws Exception {
        upstream.respondWith(FakeUpstream.sse(
                chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"),
                chunk("{\"content\":\"Let me check.\"}", "null"),
                chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"" + CALL_ID + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", "null"),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", "null"),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", "null"),
                chunk("{}", "\"tool_calls\""),
                data("{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":80,\"completion_tokens\":21,\"total_tokens\":101}}"),
                DONE));

        HttpResponse<String> r = gw.postAs(MESSAGES, TURN1.replace("\"max_tokens\":300,", "\"max_tokens\":300,\"stream\":true,"),
                "Authorization", "Bearer " + CLIENT_KEY, "anthropic-version", "2026-10-21");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(null));
        List<Event> events = events(r.body());
        String id = messageId((String) obj(obj(events.get(0).data()).get("message")).get("id"));
        long estimate = ((tollgate.json.JsonNumber) obj(obj(obj(events.get(0).data()).get("message")).get("usage")).get("input_tokens")).longValue();
        assertEquals(List.of(
                new Event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"model\":\"gpt-4o-mini\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":" + estimate + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}}}"),
                new Event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                new Event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me check.\"}}"),
                new Event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                new Event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                        + "\"id\":\"" + CALL_ID + "\",\"name\":\"get_weather\",\"input\":{}}}"),
                new Event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\"}}"),
                new Event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}"),
                new Event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"),
                new Event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                        + "\"usage\":{\"input_tokens\":80,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":21}}"),
                new Event("message_stop", "{\"type\":\"message_stop\"}")), events);
    }

    @Test
    void streamBreakingOffAfterContent_endsWithAnErrorEvent() throws Exception {
        upstream.respondWith(FakeUpstream.sse(chunk("{\"role\":\"assistant\",\"content\":\"Hal\"}", "null"))
                .end(FakeUpstream.End.ABORT));

        HttpResponse<String> r = gw.post(MESSAGES, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":9,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertEquals(200, r.statusCode());
        List<Event> events = events(r.body());
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "error"), names(events), r.body());
        Map<String, Object> error = obj(events.get(3).data());
        assertEquals("error", error.get("type"));
        assertEquals("api_error", obj(error.get("error")).get("type"));
        assertEquals(r.headers().firstValue("request-id").orElseThrow(), error.get("request_id"));
        assertEquals("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":" + lit((String) obj(error.get("error")).get("message"))
                + "},\"request_id\":" + lit((String) error.get("request_id")) + "}", events.get(3).data());
    }

    @Test
    void stream_toolCallIdsRewrittenForTheUpstream_comeBackAsTheClientSentThem() throws Exception {
        // Mistral takes 9-character ids: the gateway sends it toolu_A1 as a digest and must answer with toolu_A1,
        // in a stream as in a non-streamed answer (ClientToolIds).
        String upstreamId = tollgate.provider.ToolIdHash.base62Sha256("toolu_A1", 9);
        upstream.respondWith(FakeUpstream.sse(
                chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"" + upstreamId + "\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]}", "null"),
                chunk("{}", "\"tool_calls\""), DONE));
        String turn = "{\"model\":\"mistral-large\",\"max_tokens\":300,\"stream\":true,\"tools\":" + ANTHROPIC_TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_A1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_A1\",\"content\":\"no data\"}]}]}";

        HttpResponse<String> r = gw.post(MESSAGES, turn);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(null));
        assertTrue(upstream.takeRequest().bodyText().contains("\"id\":\"" + upstreamId + "\""), "the upstream got the rewritten id");
        List<Event> events = events(r.body());
        assertEquals(new Event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"toolu_A1\",\"name\":\"get_weather\",\"input\":{}}}"), events.get(1), r.body());
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * The {@code anthropic} kind end to end: an OpenAI client talks to the gateway, the fake
 * upstream speaks Anthropic's Messages API (protocols.md §7) with recorded-style bodies, and the
 * client must not be able to tell: the same chunks, tool calls, finish reasons, usage and errors
 * as from OpenAI. Also what the upstream received, exactly.
 */
class AnthropicGatewayTest extends ProviderKindsTestBase {
    static final String UPSTREAM_MODEL = "claude-sonnet-4-20250514";
    static final String MSG_ID = "msg_01XFDUDYJgAACzvnptvVoYEL";
    static final String WEATHER_ID = "toolu_01T1x1fJ34qAmk2tNTrN7Up6";
    static final String TIME_ID = "toolu_01JbPqxKe7nK7GXmQKdLvdZ8";
    static final String SYSTEM = "You are a concise assistant.";
    static final String QUESTION = "What's the weather in Paris and the time in Tokyo?";

    // ------------------------------------------------------------------ Anthropic's wire format

    static String messageStart(String id, String usage) {
        return event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"" + UPSTREAM_MODEL + "\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":" + usage + "}}");
    }

    static String textStart(int index) {
        return event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    }

    static String textDelta(int index, String text) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                + ",\"delta\":{\"type\":\"text_delta\",\"text\":" + lit(text) + "}}");
    }

    static String toolStart(int index, String id, String name) {
        return event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"input\":{}}}");
    }

    static String inputDelta(int index, String partialJson) {
        return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":" + lit(partialJson) + "}}");
    }

    static String blockStop(int index) {
        return event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }

    static String messageDelta(String stopReason, int outputTokens) {
        return event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}");
    }

    static final String PING = event("ping", "{\"type\": \"ping\"}");
    static final String MESSAGE_STOP = event("message_stop", "{\"type\":\"message_stop\"}");

    /** Turn 1: some text, then two tool calls whose inputs arrive as fragments. */
    static final List<String> TOOL_STREAM = List.of(
            messageStart(MSG_ID, "{\"input_tokens\":472,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1200,"
                    + "\"output_tokens\":2,\"service_tier\":\"standard\"}"),
            textStart(0),
            PING,
            textDelta(0, "I'll check both"),
            textDelta(0, " at once."),
            blockStop(0),
            toolStart(1, WEATHER_ID, "get_weather"),
            inputDelta(1, ""),
            inputDelta(1, "{\"city\": \"Pa"),
            inputDelta(1, "ris\", \"unit\": \"c\"}"),
            blockStop(1),
            toolStart(2, TIME_ID, "get_time"),
            inputDelta(2, ""),
            inputDelta(2, "{\"tz\": \"Asia/"),
            inputDelta(2, "Tokyo\"}"),
            blockStop(2),
            messageDelta("tool_use", 97),
            MESSAGE_STOP);

    /** A non-streamed Anthropic message. */
    static String message(String id, String content, String stopReason, String usage) {
        return "{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + UPSTREAM_MODEL + "\","
                + "\"content\":" + content + ",\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,\"usage\":" + usage + "}";
    }

    static String anthropicError(String type, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":" + lit(message)
                + "},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
    }

    // ------------------------------------------------------------------ the client's side

    /** A chunk exactly as the gateway renders one translated from Anthropic. */
    static String chunk(String id, long created, String delta, String finish) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created + ",\"model\":\"claude-sonnet\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]}";
    }

    static String withExtension(String chunk, String extensionJson) {
        return chunk.substring(0, chunk.length() - 1) + ",\"tollgate\":" + extensionJson + "}";
    }

    static String toolStartDelta(int index, String id, String name) {
        return "{\"tool_calls\":[{\"index\":" + index + ",\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\""
                + name + "\",\"arguments\":\"\"}}]}";
    }

    static String argsDelta(int index, String fragment) {
        return "{\"tool_calls\":[{\"index\":" + index + ",\"function\":{\"arguments\":" + lit(fragment) + "}}]}";
    }

    static String turn1Request(boolean includeUsage) {
        return "{\"model\":\"claude-sonnet\",\"stream\":true" + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":" + messages(system(SYSTEM), user(QUESTION))
                + ",\"tools\":" + TOOLS + ",\"tool_choice\":\"auto\",\"parallel_tool_calls\":true}";
    }

    String stream(String request, String requestId) throws Exception {
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", request, "x-request-id", requestId);
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        return GatewayHarness.readAll(r.body());
    }

    static long created(List<String> chunks) {
        return ((JsonNumber) obj(chunks.get(0)).get("created")).longValue();
    }

    static String extensionJson(List<String> chunks) {
        return Json.toString(obj(chunks.get(0)).get("tollgate"));
    }

    // ------------------------------------------------------------------ core scenario

    @Test
    void stream_twoToolCalls_reachTheOpenAiClientExactly() throws Exception {
        upstream.respondWith(FakeUpstream.sse(TOOL_STREAM.toArray(String[]::new)));

        String body = stream(turn1Request(true), "anth-1");

        List<String> chunks = chunksBeforeDone(body);
        long created = created(chunks);
        String ext = extensionJson(chunks);
        assertEquals("{\"execution_id\":\"" + obj(obj(chunks.get(0)).get("tollgate")).get("execution_id")
                + "\",\"request_id\":\"anth-1\"}", ext, "no repairs: nothing needed repairing");
        String weatherArgs = "{\"city\": \"Paris\", \"unit\": \"c\"}";
        String expected = data(withExtension(chunk(MSG_ID, created, "{\"role\":\"assistant\",\"content\":\"\"}", "null"), ext))
                + data(chunk(MSG_ID, created, "{\"content\":\"I'll check both\"}", "null"))
                + data(chunk(MSG_ID, created, "{\"content\":\" at once.\"}", "null"))
                + data(chunk(MSG_ID, created, toolStartDelta(0, WEATHER_ID, "get_weather"), "null"))
                + data(chunk(MSG_ID, created, argsDelta(0, "{\"city\": \"Pa"), "null"))
                + data(chunk(MSG_ID, created, argsDelta(0, "ris\", \"unit\": \"c\"}"), "null"))
                + data(chunk(MSG_ID, created, toolStartDelta(1, TIME_ID, "get_time"), "null"))
                + data(chunk(MSG_ID, created, argsDelta(1, "{\"tz\": \"Asia/"), "null"))
                + data(chunk(MSG_ID, created, argsDelta(1, "Tokyo\"}"), "null"))
                + data(chunk(MSG_ID, created, "{}", "\"tool_calls\""))
                + data("{\"id\":\"" + MSG_ID + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                        + ",\"model\":\"claude-sonnet\",\"choices\":[],\"usage\":{\"prompt_tokens\":1672,\"completion_tokens\":97,"
                        + "\"total_tokens\":1769,\"prompt_tokens_details\":{\"cached_tokens\":1200,\"cache_creation_tokens\":0}},"
                        // claude-sonnet has no pricing: the cost is unknown, so no cost or savings, and 0 credits
                        + "\"tollgate\":{\"credits_charged\":0}}")
                + DONE;
        assertEquals(expected, body);

        // What an OpenAI SDK makes of it.
        Map<Long, ToolCallsTest.Call> calls = ToolCallsTest.reassemble(chunks);
        assertEquals(List.of(0L, 1L), new ArrayList<>(calls.keySet()));
        assertEquals(new ToolCallsTest.Call(WEATHER_ID, "get_weather", weatherArgs), calls.get(0L));
        assertEquals(new ToolCallsTest.Call(TIME_ID, "get_time", "{\"tz\": \"Asia/Tokyo\"}"), calls.get(1L));
        assertEquals("{\"city\":\"Paris\",\"unit\":\"c\"}", Json.toString(Json.parse(calls.get(0L).arguments())));
        assertEquals("{\"tz\":\"Asia/Tokyo\"}", Json.toString(Json.parse(calls.get(1L).arguments())));
        assertEquals("tool_calls", ToolCallsTest.finishReason(GatewayHarness.sseData(body)));

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("POST", req.method());
        assertEquals(ANTHROPIC_PATH, req.path());
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":8192,\"stream\":true,\"system\":" + lit(SYSTEM)
                + ",\"messages\":[{\"role\":\"user\",\"content\":" + lit(QUESTION) + "}],\"tools\":" + ANTHROPIC_TOOLS
                + ",\"tool_choice\":{\"type\":\"auto\"}}", req.bodyText());
        assertEquals(ANTHROPIC_KEY, req.header("x-api-key"));
        assertEquals("2023-06-01", req.header("anthropic-version"));
        assertEquals("text/event-stream", req.header("accept"));
        assertNull(req.header("authorization"), "neither the client's key nor a Bearer header goes to Anthropic");
    }

    @Test
    void stream_withoutIncludeUsage_hasNoUsageChunkAndNoUsageField() throws Exception {
        upstream.respondWith(FakeUpstream.sse(TOOL_STREAM.toArray(String[]::new)));

        String body = stream(turn1Request(false), "anth-2");

        List<String> chunks = chunksBeforeDone(body);
        assertEquals(10, chunks.size(), body);
        for (String c : chunks) {
            assertFalse(c.contains("\"usage\""), c);
            assertEquals(1, list(obj(c).get("choices")).size(), c);
        }
        assertEquals(chunk(MSG_ID, created(chunks), "{}", "\"tool_calls\""), chunks.get(9));
    }

    /** The client's turn 2: its ids (from some other provider) have '.' and ':', which Anthropic refuses. */
    static String turn2Request(boolean stream) {
        return "{\"model\":\"claude-sonnet\"" + (stream ? ",\"stream\":true" : "") + ",\"messages\":" + messages(
                system(SYSTEM), user(QUESTION),
                assistant("I'll check both at once.",
                        call("call_Ab1.x:0", "get_weather", "{\"city\": \"Paris\", \"unit\": \"c\"}"),
                        call("call_Ab1.x:1", "get_time", "{\"tz\": \"Asia/Tokyo\"}")),
                toolResult("call_Ab1.x:0", "18°C, sunny"),
                toolResult("call_Ab1.x:1", "21:04"))
                + ",\"tools\":" + TOOLS + "}";
    }

    /** What Anthropic must receive for {@link #turn2Request}: ids with '_', tool_results first in the user turn. */
    static String turn2Upstream(boolean stream) {
        return "{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":8192" + (stream ? ",\"stream\":true" : "")
                + ",\"system\":" + lit(SYSTEM) + ",\"messages\":[{\"role\":\"user\",\"content\":" + lit(QUESTION) + "},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"I'll check both at once.\"},"
                + "{\"type\":\"tool_use\",\"id\":\"call_Ab1_x_0\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\",\"unit\":\"c\"}},"
                + "{\"type\":\"tool_use\",\"id\":\"call_Ab1_x_1\",\"name\":\"get_time\",\"input\":{\"tz\":\"Asia/Tokyo\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_Ab1_x_0\",\"content\":"
                + lit("18°C, sunny") + "},{\"type\":\"tool_result\",\"tool_use_id\":\"call_Ab1_x_1\",\"content\":\"21:04\"}]}],"
                + "\"tools\":" + ANTHROPIC_TOOLS + "}";
    }

    @Test
    void stream_nextTurn_idsAreSanitizedConsistentlyAndTheAnswerStreamsBack() throws Exception {
        String id2 = "msg_01HCDu5LRGeP2o7s2xGmxyx8";
        upstream.respondWith(FakeUpstream.sse(
                messageStart(id2, "{\"input_tokens\":1890,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
                        + "\"output_tokens\":1}"),
                textStart(0), PING, textDelta(0, "Paris: 18°C"), textDelta(0, " and sunny. Tokyo: 21:04."), blockStop(0),
                messageDelta("end_turn", 21), MESSAGE_STOP));

        String body = stream(turn2Request(true), "anth-3");

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(turn2Upstream(true), req.bodyText());

        List<String> chunks = chunksBeforeDone(body);
        long created = created(chunks);
        Map<String, Object> ext = obj(obj(chunks.get(0)).get("tollgate"));
        assertEquals("{\"ids_normalized\":2}", repairs(ext));
        String extJson = extensionJson(chunks);
        assertEquals(data(withExtension(chunk(id2, created, "{\"role\":\"assistant\",\"content\":\"\"}", "null"), extJson))
                + data(chunk(id2, created, "{\"content\":" + lit("Paris: 18°C") + "}", "null"))
                + data(chunk(id2, created, "{\"content\":\" and sunny. Tokyo: 21:04.\"}", "null"))
                + data(chunk(id2, created, "{}", "\"stop\""))
                + DONE, body);
    }

    @Test
    void nonStream_nextTurn_sameTranslationAndRepairsReport() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01Y", "[{\"type\":\"text\",\"text\":\"Paris: 18°C and sunny.\"}]",
                "end_turn", "{\"input_tokens\":1890,\"output_tokens\":9}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", turn2Request(false));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(turn2Upstream(false), upstream.takeRequest().bodyText());
        assertEquals("{\"ids_normalized\":2}", repairs(extension(r)));
        Map<String, Object> choice = obj(list(obj(r.body()).get("choices")).get(0));
        assertEquals("Paris: 18°C and sunny.", obj(choice.get("message")).get("content"));
        assertEquals("stop", choice.get("finish_reason"));
    }

    @Test
    void stream_anIdTheGatewayRewroteComesBackAsTheClientsOwn() throws Exception {
        // Contrived but possible: the answer carries an id the gateway generated (call_Ab1_x_1).
        upstream.respondWith(FakeUpstream.sse(
                messageStart("msg_01Z", "{\"input_tokens\":1890,\"output_tokens\":1}"),
                toolStart(0, "call_Ab1_x_1", "get_time"), inputDelta(0, "{\"tz\": \"Europe/Paris\"}"), blockStop(0),
                toolStart(1, "toolu_01NewCallXyZ", "get_weather"), inputDelta(1, "{\"city\": \"Oslo\"}"), blockStop(1),
                messageDelta("tool_use", 40), MESSAGE_STOP));

        String body = stream(turn2Request(true), "anth-4");

        List<String> chunks = chunksBeforeDone(body);
        Map<Long, ToolCallsTest.Call> calls = ToolCallsTest.reassemble(chunks);
        assertEquals(new ToolCallsTest.Call("call_Ab1.x:1", "get_time", "{\"tz\": \"Europe/Paris\"}"), calls.get(0L));
        assertEquals(new ToolCallsTest.Call("toolu_01NewCallXyZ", "get_weather", "{\"city\": \"Oslo\"}"), calls.get(1L));
        assertFalse(body.contains("call_Ab1_x_"), body);
    }

    @Test
    void nonStream_anIdTheGatewayRewroteComesBackAsTheClientsOwn() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01Z",
                "[{\"type\":\"tool_use\",\"id\":\"call_Ab1_x_0\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]",
                "tool_use", "{\"input_tokens\":1890,\"output_tokens\":30}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", turn2Request(false));

        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> message = obj(obj(list(obj(r.body()).get("choices")).get(0)).get("message"));
        assertEquals(List.of("call_Ab1.x:0"), toolCallIds(List.of(message)));
        assertFalse(r.body().contains("call_Ab1_x_"), r.body());
    }

    // ------------------------------------------------------------------ non-streaming answers

    @Test
    void nonStream_textAndToolUse_becomeContentAndToolCallsWithUsage() throws Exception {
        String answer = message("msg_01Aq9w938a90dw8q",
                "[{\"type\":\"text\",\"text\":\"I'll look up the weather in Paris.\"},"
                        + "{\"type\":\"tool_use\",\"id\":\"toolu_01A09q90qw90lq917835lq9\",\"name\":\"get_weather\","
                        + "\"input\":{\"city\":\"Paris\",\"unit\":\"c\"}}]",
                "tool_use", "{\"input_tokens\":472,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":2000,"
                        + "\"output_tokens\":89,\"service_tier\":\"standard\"}");
        upstream.respondWith(FakeUpstream.json(200, answer));

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"claude-sonnet\",\"messages\":"
                + messages(user("Weather in Paris?")) + ",\"tools\":" + TOOLS + "}", "x-request-id", "anth-5");

        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> ext = extension(r);
        long created = ((JsonNumber) obj(r.body()).get("created")).longValue();
        assertEquals("{\"id\":\"msg_01Aq9w938a90dw8q\",\"object\":\"chat.completion\",\"created\":" + created
                + ",\"model\":\"claude-sonnet\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"I'll look up the weather in Paris.\",\"tool_calls\":[{\"id\":\"toolu_01A09q90qw90lq917835lq9\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + lit("{\"city\":\"Paris\",\"unit\":\"c\"}") + "}}],\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":2572,\"completion_tokens\":89,\"total_tokens\":2661,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":2000,\"cache_creation_tokens\":100}},"
                // claude-sonnet has no pricing: the cost is unknown, so no cost or savings, and 0 credits
                + "\"tollgate\":{\"execution_id\":\"" + ext.get("execution_id") + "\",\"request_id\":\"anth-5\","
                + "\"credits_charged\":0}}", r.body());

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("application/json", req.header("accept"));
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":8192,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Weather in Paris?\"}],\"tools\":" + ANTHROPIC_TOOLS + "}", req.bodyText());
    }

    @Test
    void request_systemDeveloperStopSamplingAndTheDefaultMaxTokens() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01B", "[{\"type\":\"text\",\"text\":\"Bonjour.\"}]", "end_turn",
                "{\"input_tokens\":30,\"output_tokens\":3}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"claude-haiku\",\"messages\":["
                + system("Answer in French.") + ",{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Be brief.\"}]},"
                + user("Say hello") + "],\"temperature\":0.7,\"top_p\":0.9,\"stop\":\"END\",\"user\":\"user-42\"}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Bonjour.", obj(obj(list(obj(r.body()).get("choices")).get(0)).get("message")).get("content"));
        assertEquals("{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":4096,\"system\":\"Answer in French.\\n\\nBe brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],\"temperature\":0.7,\"top_p\":0.9,"
                + "\"stop_sequences\":[\"END\"],\"metadata\":{\"user_id\":\"user-42\"}}", upstream.takeRequest().bodyText());
    }

    @Test
    void request_theClientsMaxTokensWinsOverTheConfiguredOne() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01B2", "[{\"type\":\"text\",\"text\":\"Hi.\"}]", "end_turn",
                "{\"input_tokens\":8,\"output_tokens\":2}")));

        gw.post("/v1/chat/completions", "{\"model\":\"claude-sonnet\",\"messages\":" + messages(user("Hi"))
                + ",\"max_tokens\":300,\"stop\":[\"\\n\\nHuman:\",\"END\"]}");

        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"stop_sequences\":[\"\\n\\nHuman:\",\"END\"]}", upstream.takeRequest().bodyText());
    }

    @Test
    void clientIdsThatSanitizeAlike_stayDistinctUpstreamAndComeBackAsTheirOwn() throws Exception {
        // "call.1" and "call:1" both become "call_1" by the character rule; and "call_1" itself is taken.
        String convo = messages(user(QUESTION),
                assistant(null, call("call.1", "get_weather", "{\"city\":\"Paris\"}"), call("call:1", "get_time", "{\"tz\":\"UTC\"}"),
                        call("call_1", "get_weather", "{\"city\":\"Rome\"}")),
                toolResult("call.1", "18C"), toolResult("call:1", "12:00"), toolResult("call_1", "24C"));
        upstream.respondWith((ex, up) -> {
            // Answers with a tool_use reusing each id it was sent, in order.
            List<FakeUpstream.Received> all = up.requests();
            List<Object> sent = list(obj(list(obj(all.get(all.size() - 1).bodyText()).get("messages")).get(1)).get("content"));
            StringBuilder blocks = new StringBuilder("[");
            for (Object b : sent) {
                if (blocks.length() > 1) blocks.append(',');
                blocks.append("{\"type\":\"tool_use\",\"id\":").append(lit((String) obj(b).get("id")))
                        .append(",\"name\":\"get_time\",\"input\":{}}");
            }
            FakeUpstream.json(200, message("msg_01H", blocks + "]", "tool_use", "{\"input_tokens\":50,\"output_tokens\":9}"))
                    .respond(ex, up);
        });

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"claude-sonnet\",\"messages\":" + convo
                + ",\"tools\":" + TOOLS + "}");

        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> sent = obj(upstream.takeRequest().bodyText());
        List<String> useIds = new ArrayList<>();
        for (Object b : list(obj(list(sent.get("messages")).get(1)).get("content"))) useIds.add((String) obj(b).get("id"));
        List<String> resultIds = new ArrayList<>();
        for (Object b : list(obj(list(sent.get("messages")).get(2)).get("content"))) resultIds.add((String) obj(b).get("tool_use_id"));
        assertEquals(useIds, resultIds);
        assertEquals(3, new java.util.HashSet<>(useIds).size(), "distinct upstream ids: " + useIds);
        for (String id : useIds) assertTrue(id.matches("[a-zA-Z0-9_-]+"), id);
        assertEquals("call_1", useIds.get(2), "an id Anthropic accepts is kept");
        assertEquals("{\"ids_normalized\":2}", repairs(extension(r)));
        Map<String, Object> message = obj(obj(list(obj(r.body()).get("choices")).get(0)).get("message"));
        assertEquals(List.of("call.1", "call:1", "call_1"), toolCallIds(List.of(message)));
    }

    @Test
    void jsonObject_isAForcedToolWithAnObjectSchema() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01J",
                "[{\"type\":\"tool_use\",\"id\":\"toolu_01J\",\"name\":\"json_response\",\"input\":{\"answer\":42}}]",
                "tool_use", "{\"input_tokens\":20,\"output_tokens\":12}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"claude-sonnet\",\"messages\":"
                + messages(user("The answer, as JSON")) + ",\"response_format\":{\"type\":\"json_object\"}}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"answer\":42}", obj(obj(list(obj(r.body()).get("choices")).get(0)).get("message")).get("content"));
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":8192,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"The answer, as JSON\"}],\"tools\":[{\"name\":\"json_response\",\"description\":"
                + "\"Give your complete answer as the input of this tool; the input must follow its schema.\","
                + "\"input_schema\":{\"type\":\"object\"}}],"
                + "\"tool_choice\":{\"type\":\"tool\",\"name\":\"json_response\",\"disable_parallel_tool_use\":true}}",
                upstream.takeRequest().bodyText());
    }

    static Stream<Arguments> toolChoices() {
        return Stream.of(
                Arguments.of(",\"tool_choice\":\"auto\"", ",\"tool_choice\":{\"type\":\"auto\"}"),
                Arguments.of(",\"tool_choice\":\"required\"", ",\"tool_choice\":{\"type\":\"any\"}"),
                Arguments.of(",\"tool_choice\":\"none\"", ",\"tool_choice\":{\"type\":\"none\"}"),
                Arguments.of(",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}",
                        ",\"tool_choice\":{\"type\":\"tool\",\"name\":\"get_time\"}"),
                Arguments.of(",\"parallel_tool_calls\":false",
                        ",\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"),
                Arguments.of("", ""));
    }

    @ParameterizedTest(name = "client{0} -> anthropic{1}")
    @MethodSource("toolChoices")
    void request_toolChoiceAndParallelCalls(String client, String anthropic) throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01K", "[{\"type\":\"text\",\"text\":\"OK\"}]", "end_turn",
                "{\"input_tokens\":8,\"output_tokens\":1}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"claude-sonnet\",\"messages\":"
                + messages(user("Time?")) + ",\"tools\":" + TOOLS + client + "}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":8192,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Time?\"}],\"tools\":" + ANTHROPIC_TOOLS + anthropic + "}", upstream.takeRequest().bodyText());
    }

    @Test
    void stream_aToolCallWithNoInputFragments_getsEmptyObjectArguments() throws Exception {
        upstream.respondWith(FakeUpstream.sse(messageStart("msg_01L", "{\"input_tokens\":12,\"output_tokens\":1}"),
                toolStart(0, "toolu_01NoArgs", "get_time"), inputDelta(0, ""), blockStop(0),
                messageDelta("tool_use", 9), MESSAGE_STOP));

        List<String> chunks = chunksBeforeDone(stream(GatewayHarness.chat("claude-sonnet", true), "anth-9"));

        assertEquals(Map.of(0L, new ToolCallsTest.Call("toolu_01NoArgs", "get_time", "{}")), ToolCallsTest.reassemble(chunks));
        assertEquals(chunk("msg_01L", created(chunks), "{}", "\"tool_calls\""), chunks.get(chunks.size() - 1));
    }

    static Stream<Arguments> stopReasons() {
        return Stream.of(
                Arguments.of("end_turn", "stop"),
                Arguments.of("stop_sequence", "stop"),
                Arguments.of("max_tokens", "length"),
                Arguments.of("refusal", "content_filter"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("stopReasons")
    void nonStream_stopReasonBecomesFinishReason(String stopReason, String finishReason) throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01C", "[{\"type\":\"text\",\"text\":\"Some text\"}]", stopReason,
                "{\"input_tokens\":10,\"output_tokens\":2}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("claude-sonnet", false));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(finishReason, obj(list(obj(r.body()).get("choices")).get(0)).get("finish_reason"));
    }

    @ParameterizedTest(name = "stream {0} -> {1}")
    @MethodSource("stopReasons")
    void stream_stopReasonBecomesFinishReason(String stopReason, String finishReason) throws Exception {
        upstream.respondWith(FakeUpstream.sse(messageStart("msg_01D", "{\"input_tokens\":10,\"output_tokens\":1}"),
                textStart(0), textDelta(0, "Some text"), blockStop(0), messageDelta(stopReason, 2), MESSAGE_STOP));

        List<String> chunks = chunksBeforeDone(stream(GatewayHarness.chat("claude-sonnet", true), "anth-6"));

        assertEquals(chunk("msg_01D", created(chunks), "{}", "\"" + finishReason + "\""), chunks.get(chunks.size() - 1));
    }

    // ------------------------------------------------------------------ errors

    static Stream<Arguments> anthropicErrors() {
        return Stream.of(
                Arguments.of(400, anthropicError("invalid_request_error", "messages: text content blocks must be non-empty"),
                        400, "invalid_request_error",
                        "Provider 'anthropic' rejected the request (HTTP 400): messages: text content blocks must be non-empty"),
                Arguments.of(401, anthropicError("authentication_error", "invalid x-api-key"),
                        502, "upstream_error", "Provider 'anthropic' rejected the gateway's credentials (HTTP 401)"),
                Arguments.of(403, anthropicError("permission_error",
                                "Your API key does not have permission to use the specified resource."),
                        502, "upstream_error", "Provider 'anthropic' rejected the gateway's credentials (HTTP 403)"),
                Arguments.of(404, anthropicError("not_found_error", "model: claude-sonnet-4-20250514"),
                        502, "upstream_error", "Provider 'anthropic': model 'claude-sonnet-4-20250514' not found (HTTP 404)"),
                Arguments.of(413, anthropicError("request_too_large", "Request exceeds the maximum allowed number of bytes."),
                        413, "invalid_request_error", "Provider 'anthropic' rejected the request as too large (HTTP 413)"),
                Arguments.of(429, anthropicError("rate_limit_error",
                                "Number of request tokens has exceeded your per-minute rate limit for org 8c1f."),
                        429, "rate_limit_error", "Provider 'anthropic' is rate-limiting the gateway (HTTP 429)"),
                Arguments.of(500, anthropicError("api_error", "Internal server error"),
                        502, "upstream_error", "Provider 'anthropic' failed (HTTP 500): Internal server error"),
                Arguments.of(529, anthropicError("overloaded_error", "Overloaded"),
                        503, "service_unavailable", "Provider 'anthropic' is unavailable or overloaded (HTTP 529): Overloaded"));
    }

    @ParameterizedTest(name = "anthropic {0} -> {2}")
    @MethodSource("anthropicErrors")
    void upstreamErrorStatus_becomesTheGatewaysStatus(int upstreamStatus, String upstreamBody, int status, String type,
                                                      String message) throws Exception {
        upstream.respondWith(FakeUpstream.json(upstreamStatus, upstreamBody));

        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("claude-sonnet", false));

        assertEquals(status, r.statusCode(), r.body());
        assertEquals(errorJson(message, type, null, status), r.body());
    }

    @ParameterizedTest(name = "stream, anthropic {0} -> {2}")
    @MethodSource("anthropicErrors")
    void upstreamErrorStatusOnAStream_isAPlainHttpError(int upstreamStatus, String upstreamBody, int status, String type,
                                                       String message) throws Exception {
        upstream.respondWith(FakeUpstream.json(upstreamStatus, upstreamBody));

        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("claude-sonnet", true));

        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson(message, type, null, status), r.body());
    }

    @Test
    void stream_overloadedErrorEventAfter200_becomesAnOpenAiErrorEventAndNoDone() throws Exception {
        upstream.respondWith(FakeUpstream.sse(
                messageStart("msg_01E", "{\"input_tokens\":25,\"output_tokens\":1}"),
                textStart(0), textDelta(0, "Let me"),
                event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));

        String body = stream(GatewayHarness.chat("claude-sonnet", true), "anth-7");

        List<String> events = GatewayHarness.sseData(body);
        long created = ((JsonNumber) obj(events.get(0)).get("created")).longValue();
        String ext = Json.toString(obj(events.get(0)).get("tollgate"));
        assertEquals(data(withExtension(chunk("msg_01E", created, "{\"role\":\"assistant\",\"content\":\"\"}", "null"), ext))
                + data(chunk("msg_01E", created, "{\"content\":\"Let me\"}", "null"))
                + data(errorJson("Provider 'anthropic' reported an error: Overloaded", "service_unavailable", null, 503)), body);
        assertFalse(body.contains("[DONE]"));
    }

    // ------------------------------------------------------------------ parameters Anthropic cannot honour

    @Test
    void temperatureAboveOne_is400NamingItAndNothingIsSent() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":1.5}");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("Provider 'anthropic' (kind anthropic) accepts 'temperature' from 0 to 1; got 1.5.",
                "invalid_request_error", "temperature", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"n\":2", "\"logit_bias\":{\"50256\":-100}", "\"seed\":42", "\"presence_penalty\":0.5",
            "\"frequency_penalty\":1", "\"logprobs\":true"})
    void unsupportedParameter_is400NamingItAndNothingIsSent(String member) throws Exception {
        String param = member.substring(1, member.indexOf('"', 1));
        for (boolean stream : new boolean[] {false, true}) {
            String req = "{\"model\":\"claude-sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                    + member + (stream ? ",\"stream\":true" : "") + "}";
            HttpResponse<String> r = gw.post("/v1/chat/completions", req);

            assertEquals(400, r.statusCode(), r.body());
            Map<String, Object> error = obj(obj(r.body()).get("error"));
            assertEquals(param, error.get("param"), r.body());
            assertEquals("invalid_request_error", error.get("type"));
            String message = (String) error.get("message");
            assertTrue(message.startsWith("Provider 'anthropic' ") && message.contains("'" + param + "'"), message);
        }
        assertEquals(0, upstream.requests().size());
    }

    // ------------------------------------------------------------------ JSON output

    static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
            + "\"temperature_c\":{\"type\":\"number\"},\"conditions\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\",\"temperature_c\",\"conditions\"],\"additionalProperties\":false}";

    static String jsonSchemaRequest(boolean stream) {
        return "{\"model\":\"claude-sonnet\"" + (stream ? ",\"stream\":true" : "") + ",\"messages\":"
                + messages(user("Weather in Paris as JSON")) + ",\"response_format\":{\"type\":\"json_schema\","
                + "\"json_schema\":{\"name\":\"weather_report\",\"strict\":true,\"schema\":" + SCHEMA + "}}}";
    }

    static String jsonSchemaUpstream(boolean stream) {
        return "{\"model\":\"" + UPSTREAM_MODEL + "\",\"max_tokens\":8192" + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris as JSON\"}],"
                + "\"tools\":[{\"name\":\"json_response\",\"description\":"
                + "\"Give your complete answer as the input of this tool; the input must follow its schema.\","
                + "\"input_schema\":" + SCHEMA + "}],"
                + "\"tool_choice\":{\"type\":\"tool\",\"name\":\"json_response\",\"disable_parallel_tool_use\":true}}";
    }

    @Test
    void jsonSchema_isAForcedToolUpstreamAndJsonContentForTheClient() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, message("msg_01F",
                "[{\"type\":\"tool_use\",\"id\":\"toolu_01QJson\",\"name\":\"json_response\","
                        + "\"input\":{\"city\":\"Paris\",\"temperature_c\":18.5,\"conditions\":\"sunny\"}}]",
                "tool_use", "{\"input_tokens\":420,\"output_tokens\":31}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", jsonSchemaRequest(false));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(jsonSchemaUpstream(false), upstream.takeRequest().bodyText());
        Map<String, Object> choice = obj(list(obj(r.body()).get("choices")).get(0));
        Map<String, Object> message = obj(choice.get("message"));
        assertEquals("{\"city\":\"Paris\",\"temperature_c\":18.5,\"conditions\":\"sunny\"}", message.get("content"));
        assertFalse(message.containsKey("tool_calls"), r.body());
        assertEquals("stop", choice.get("finish_reason"));
    }

    @Test
    void jsonSchema_streamed_theForcedToolsInputArrivesAsContent() throws Exception {
        upstream.respondWith(FakeUpstream.sse(
                messageStart("msg_01G", "{\"input_tokens\":420,\"output_tokens\":1}"),
                toolStart(0, "toolu_01QJson", "json_response"), inputDelta(0, ""),
                inputDelta(0, "{\"city\": \"Paris\", \"temperature_c\": 18"), inputDelta(0, ".5, \"conditions\": \"sunny\"}"),
                blockStop(0), messageDelta("tool_use", 31), MESSAGE_STOP));

        String body = stream(jsonSchemaRequest(true), "anth-8");

        assertEquals(jsonSchemaUpstream(true), upstream.takeRequest().bodyText());
        List<String> chunks = chunksBeforeDone(body);
        StringBuilder content = new StringBuilder();
        for (String c : chunks) {
            Map<String, Object> delta = obj(obj(list(obj(c).get("choices")).get(0)).get("delta"));
            assertFalse(delta.containsKey("tool_calls"), c);
            if (delta.get("content") != null) content.append(delta.get("content"));
        }
        assertEquals("{\"city\":\"Paris\",\"temperature_c\":18.5,\"conditions\":\"sunny\"}",
                Json.toString(Json.parse(content.toString())));
        assertEquals(chunk("msg_01G", created(chunks), "{}", "\"stop\""), chunks.get(chunks.size() - 1));
    }
}

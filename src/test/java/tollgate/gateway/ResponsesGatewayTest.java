package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.ChatStreamTest.C1;
import static tollgate.gateway.ChatStreamTest.C2;
import static tollgate.gateway.ChatStreamTest.C4;
import static tollgate.gateway.ChatStreamTest.USAGE;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;
import tollgate.provider.SseEvent;
import tollgate.provider.SseReader;

/**
 * {@code POST /v1/responses} (OpenAI's Responses API, protocols-2.md §9) end to end: the response
 * object, the exact stream of events, a function call continued with {@code previous_response_id},
 * the stored responses (retrieve, delete, another key's, {@code store: false}), the chat request an
 * OpenAI upstream gets, a stream that fails, and bad input answered in full.
 */
class ResponsesGatewayTest extends GatewayTestBase {
    static final String OTHER_KEY = "sk-test-other-0123456789";
    static final Pattern RESP = Pattern.compile("resp_[0-9a-f]{32}");
    static final Pattern MSG = Pattern.compile("msg_[0-9a-f]{32}");
    static final Pattern FC = Pattern.compile("fc_[0-9a-f]{32}");
    static final String WEATHER_TOOL = "{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}";

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir)
                .top("keys", "[{\"name\": \"t\", \"key\": \"" + GatewayHarness.CLIENT_KEY + "\"}, {\"name\": \"o\", \"key\": \"" + OTHER_KEY + "\"}]")
                .start();
    }

    HttpResponse<String> create(String body) throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", body);
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow(), r.body());
        return r;
    }

    HttpResponse<String> as(String key, String method, String path) throws Exception {
        return gw.send(gw.request(path).header("Authorization", "Bearer " + key).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    static List<SseEvent> events(String body) throws IOException {
        List<SseEvent> out = new ArrayList<>();
        try (SseReader r = new SseReader(new ByteArrayInputStream(body.getBytes(UTF_8)))) {
            SseEvent e;
            while ((e = r.next()) != null) out.add(e);
        }
        return out;
    }

    @Test
    void plainRequest_answersAResponseObjectWithTheParametersEchoed() throws Exception {
        HttpResponse<String> r = create("{\"model\":\"echo\",\"input\":\"hello there\",\"instructions\":\"Be brief.\","
                + "\"max_output_tokens\":100,\"temperature\":0.5,\"metadata\":{\"ticket\":\"T-1\"},\"user\":\"u-1\"}");

        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> resp = obj(Json.parse(r.body()));
        assertTrue(RESP.matcher((String) resp.get("id")).matches(), r.body());
        assertEquals("response", resp.get("object"));
        assertEquals("completed", resp.get("status"));
        assertNull(resp.get("error"));
        assertNull(resp.get("incomplete_details"));
        assertEquals("echo", resp.get("model"));
        List<Object> output = list(resp.get("output"));
        assertEquals(1, output.size(), r.body());
        Map<String, Object> msg = obj(output.get(0));
        assertTrue(MSG.matcher((String) msg.get("id")).matches(), r.body());
        assertEquals("{\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\","
                + "\"text\":\"Echo: hello there\",\"annotations\":[],\"logprobs\":[]}]}", Json.toString(without(msg, "id")));
        Map<String, Object> usage = obj(resp.get("usage"));
        long in = Long.parseLong(usage.get("input_tokens").toString());
        assertEquals("{\"cached_tokens\":0}", Json.toString(usage.get("input_tokens_details")));
        assertEquals("{\"reasoning_tokens\":0}", Json.toString(usage.get("output_tokens_details")));
        assertEquals(Long.parseLong(usage.get("input_tokens").toString()) + Long.parseLong(usage.get("output_tokens").toString()),
                Long.parseLong(usage.get("total_tokens").toString()));
        assertTrue(Long.parseLong(usage.get("output_tokens").toString()) > 0 && in >= 0, r.body());
        assertEquals("Be brief.", resp.get("instructions"));
        assertEquals("100", resp.get("max_output_tokens").toString());
        assertEquals("0.5", resp.get("temperature").toString());
        assertEquals("{\"ticket\":\"T-1\"}", Json.toString(resp.get("metadata")));
        assertEquals("u-1", resp.get("user"));
        assertEquals(true, resp.get("store"));
        assertEquals("disabled", resp.get("truncation"));
        assertEquals("auto", resp.get("tool_choice"));
        assertEquals("[]", Json.toString(resp.get("tools")));
        assertEquals("{\"format\":{\"type\":\"text\"}}", Json.toString(resp.get("text")));
        assertEquals(true, resp.get("parallel_tool_calls"));
        assertNull(resp.get("previous_response_id"));
        assertTrue(obj(resp.get("tollgate")).get("request_id") instanceof String, r.body());
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void openAiUpstream_getsTheTranslatedChatRequest() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));

        HttpResponse<String> r = create("{\"model\":\"gpt-4o-mini\",\"instructions\":\"Be brief.\",\"max_output_tokens\":50,"
                + "\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"What is this?\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"https://example.com/a.png\",\"detail\":\"low\"}]}],"
                + "\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":{\"type\":\"function\",\"name\":\"get_weather\"},"
                + "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"answer\",\"schema\":{\"type\":\"object\"},\"strict\":true}}}");

        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> sent = obj(Json.parse(upstream.takeRequest().body()));
        assertEquals("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\",\"detail\":\"low\"}}]}]",
                Json.toString(sent.get("messages")));
        assertEquals("[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\",\"properties\":"
                + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]},\"strict\":true}}]", Json.toString(sent.get("tools")));
        assertEquals("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}", Json.toString(sent.get("tool_choice")));
        assertEquals("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"schema\":{\"type\":\"object\"},\"strict\":true}}",
                Json.toString(sent.get("response_format")));
        assertEquals("50", sent.get("max_completion_tokens").toString());
        assertFalse(sent.containsKey("input") || sent.containsKey("instructions") || sent.containsKey("max_output_tokens"), Json.toString(sent));
    }

    @Test
    void stream_sendsTheEventsInOrderWithSequenceNumbersAndNoDone() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2), data(ChatStreamTest.C3), data(C4), data(USAGE), DONE));

        HttpResponse<InputStream> r = gw.postStream("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"stream\":true}");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        String body = GatewayHarness.readAll(r.body());
        assertFalse(body.contains("[DONE]"), body);
        List<SseEvent> events = events(body);
        List<String> types = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            SseEvent e = events.get(i);
            Map<String, Object> data = obj(Json.parse(e.text()));
            types.add(e.event());
            assertEquals(e.event(), data.get("type"), "the event line names the type");
            assertEquals(Integer.toString(i), data.get("sequence_number").toString());
        }
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed"), types);
        Map<String, Object> created = obj(obj(Json.parse(events.get(0).text())).get("response"));
        assertEquals("in_progress", created.get("status"));
        assertEquals("[]", Json.toString(created.get("output")));
        String id = (String) created.get("id");
        Map<String, Object> added = obj(Json.parse(events.get(2).text()));
        assertEquals("0", added.get("output_index").toString());
        Map<String, Object> item = obj(added.get("item"));
        String itemId = (String) item.get("id");
        assertTrue(MSG.matcher(itemId).matches(), body);
        assertEquals("{\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}", Json.toString(without(item, "id")));
        assertEquals("{\"type\":\"response.content_part.added\",\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
                + "\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],\"logprobs\":[]},\"sequence_number\":3}", events.get(3).text());
        assertEquals("{\"type\":\"response.output_text.delta\",\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
                + "\"delta\":\"Hel\",\"logprobs\":[],\"sequence_number\":4}", events.get(4).text());
        String text = "Hello \"ünï\"\n🚀";
        assertEquals("{\"type\":\"response.output_text.done\",\"item_id\":\"" + itemId + "\",\"output_index\":0,\"content_index\":0,"
                + "\"text\":" + Json.toString(text) + ",\"logprobs\":[],\"sequence_number\":6}", events.get(6).text());
        Map<String, Object> completed = obj(obj(Json.parse(events.get(9).text())).get("response"));
        assertEquals(id, completed.get("id"));
        assertEquals("completed", completed.get("status"));
        assertEquals("[{\"id\":\"" + itemId + "\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":"
                + "\"output_text\",\"text\":" + Json.toString(text) + ",\"annotations\":[],\"logprobs\":[]}]}]", Json.toString(completed.get("output")));
        assertEquals("{\"input_tokens\":9,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":3,\"output_tokens_details\":"
                + "{\"reasoning_tokens\":0},\"total_tokens\":12}", Json.toString(completed.get("usage")));
        // Stored before the end went out: retrievable at once.
        HttpResponse<String> got = gw.get("/v1/responses/" + id, "Authorization", GatewayHarness.AUTH);
        assertEquals(200, got.statusCode(), got.body());
        assertEquals(Json.toString(without(completed, "tollgate")), got.body());
    }

    @Test
    void functionCallRoundTrip_continuesWithPreviousResponseId() throws Exception {
        HttpResponse<String> first = create("{\"model\":\"echo\",\"input\":\"Please get_weather\",\"tools\":[" + WEATHER_TOOL + "]}");
        assertEquals(200, first.statusCode(), first.body());
        Map<String, Object> resp = obj(Json.parse(first.body()));
        List<Object> output = list(resp.get("output"));
        assertEquals(1, output.size(), first.body());
        Map<String, Object> call = obj(output.get(0));
        assertTrue(FC.matcher((String) call.get("id")).matches(), first.body());
        assertEquals("{\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":\"{\\\"city\\\":\\\"Please get_weather\\\"}\","
                + "\"call_id\":\"call_echo_0\",\"name\":\"get_weather\"}", Json.toString(without(call, "id")));
        assertEquals("[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":null,\"parameters\":{\"type\":\"object\",\"properties\":"
                + "{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]},\"strict\":true}]", Json.toString(resp.get("tools")));

        String id = (String) resp.get("id");
        HttpResponse<InputStream> r = gw.postStream("/v1/responses", "{\"model\":\"echo\",\"stream\":true,\"previous_response_id\":\"" + id
                + "\",\"tools\":[" + WEATHER_TOOL + "],\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"call_echo_0\",\"output\":\"sunny\"}]}");
        assertEquals(200, r.statusCode());
        List<SseEvent> events = events(GatewayHarness.readAll(r.body()));
        Map<String, Object> last = obj(obj(Json.parse(events.get(events.size() - 1).text())).get("response"));
        assertEquals("response.completed", events.get(events.size() - 1).event());
        assertEquals(id, last.get("previous_response_id"));
        Map<String, Object> content = obj(list(obj(list(last.get("output")).get(0)).get("content")).get(0));
        assertEquals("Echo: tool result: sunny", content.get("text"));
    }

    /**
     * A chat stream whose tool call index jumps (0, then 2) gives two function_call items, each
     * with its own call_id (the Node SDK rejects duplicates, protocols-2.md §9), no placeholder for 1.
     */
    @Test
    void streamedToolCallIndexJump_makesNoPlaceholder_andEveryCallIdIsUnique() throws Exception {
        upstream.respondWith(FakeUpstream.sse(
                data(ChatStreamTest.chunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_A\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", "null")),
                data(ChatStreamTest.chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}", "null")),
                data(ChatStreamTest.chunk("{\"tool_calls\":[{\"index\":2,\"id\":\"call_B\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]}", "null")),
                data(ChatStreamTest.chunk("{}", "\"tool_calls\"")), data(USAGE), DONE));

        HttpResponse<InputStream> r = gw.postStream("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"Weather?\","
                + "\"tools\":[" + WEATHER_TOOL + "]}");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        List<SseEvent> events = events(GatewayHarness.readAll(r.body()));
        assertEquals(List.of("response.created", "response.in_progress",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed"),
                events.stream().map(SseEvent::event).toList());
        Map<String, Object> completed = obj(obj(Json.parse(events.get(events.size() - 1).text())).get("response"));
        @SuppressWarnings("unchecked")
        List<Object> output = (List<Object>) completed.get("output");
        assertEquals(2, output.size(), Json.toString(output));
        Map<String, Object> a = obj(output.get(0));
        Map<String, Object> b = obj(output.get(1));
        assertTrue(FC.matcher((String) a.get("id")).matches() && FC.matcher((String) b.get("id")).matches(), Json.toString(output));
        assertFalse(a.get("id").equals(b.get("id")));
        assertEquals("{\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\","
                + "\"call_id\":\"call_A\",\"name\":\"get_weather\"}", Json.toString(without(a, "id")));
        assertEquals("{\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\","
                + "\"call_id\":\"call_B\",\"name\":\"get_weather\"}", Json.toString(without(b, "id")));
        Map<String, Object> secondDelta = obj(Json.parse(events.get(5).text()));
        assertEquals(b.get("id"), secondDelta.get("item_id"));
        assertEquals("1", secondDelta.get("output_index").toString());
    }

    /**
     * Codex 0.171.0's shape (captured): function tools, a namespace of function tools, OpenAI's
     * web_search, {@code client_metadata}, developer messages with item ids. Before, the gateway
     * refused it ("tools[4].type": namespace) and Codex could not be used through it. The
     * model sees every function by its own name and not the web search; a call of a namespaced
     * function comes back with its namespace, in the response and in the stream.
     */
    @Test
    void codexRequest_namespaceToolsFlattened_webSearchLeftOut_callsComeBackWithTheirNamespace() throws Exception {
        String tools = "\"tools\":[{\"type\":\"function\",\"name\":\"exec_command\",\"description\":\"Runs a command\",\"strict\":false,"
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"cmd\":{\"type\":\"string\"}},\"required\":[\"cmd\"]}},"
                + "{\"type\":\"namespace\",\"name\":\"multi_agent_v1\",\"description\":\"Sub-agents.\",\"tools\":[{\"type\":\"function\","
                + "\"name\":\"close_agent\",\"description\":\"Close an agent\",\"strict\":false,\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"target\":{\"type\":\"string\"}},\"required\":[\"target\"]}}]},"
                + "{\"type\":\"web_search\",\"external_web_access\":false}]";
        String input = "\"input\":[{\"type\":\"message\",\"id\":\"msg_78c025a7\",\"role\":\"developer\",\"content\":[{\"type\":"
                + "\"input_text\",\"text\":\"You are a coding agent.\"}]},{\"type\":\"message\",\"id\":\"msg_01a2\",\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"please close_agent\"}]}]";
        String extra = "\"tool_choice\":\"auto\",\"parallel_tool_calls\":true,\"reasoning\":{\"summary\":\"auto\"},\"store\":false,"
                + "\"include\":[\"reasoning.encrypted_content\"],\"prompt_cache_key\":\"01a235c9\","
                + "\"client_metadata\":{\"x-codex-turn-metadata\":\"{}\"}";

        HttpResponse<String> r = create("{\"model\":\"echo\"," + input + "," + tools + "," + extra + "}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        List<?> output = (List<?>) obj(r.body()).get("output");
        assertEquals(1, output.size(), r.body());
        Map<String, Object> call = obj(output.get(0));
        assertEquals("function_call", call.get("type"));
        assertEquals("close_agent", call.get("name"));
        assertEquals("multi_agent_v1", call.get("namespace"));
        assertEquals("{\"target\":\"please close_agent\"}", call.get("arguments"));

        HttpResponse<InputStream> s = gw.postStream("/v1/responses", "{\"model\":\"echo\",\"stream\":true," + input + "," + tools + ","
                + extra + "}");
        assertEquals(200, s.statusCode());
        assertEquals("text/event-stream", s.headers().firstValue("content-type").orElseThrow());
        List<SseEvent> events = events(GatewayHarness.readAll(s.body()));
        Map<String, Object> added = obj(obj(Json.parse(events.get(2).text())).get("item"));
        assertEquals("response.output_item.added", events.get(2).event());
        assertEquals("close_agent", added.get("name"));
        assertEquals("multi_agent_v1", added.get("namespace"));
        Map<String, Object> completed = obj(obj(Json.parse(events.get(events.size() - 1).text())).get("response"));
        assertEquals("multi_agent_v1", obj(((List<?>) completed.get("output")).get(0)).get("namespace"));

        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
        assertEquals(200, create("{\"model\":\"gpt-4o-mini\"," + input + "," + tools + "," + extra + "}").statusCode());
        Map<String, Object> sent = obj(Json.parse(upstream.takeRequest().body()));
        assertEquals("[\"exec_command\",\"close_agent\"]", Json.toString(((List<?>) sent.get("tools")).stream()
                .map(t -> ((Map<?, ?>) ((Map<?, ?>) t).get("function")).get("name")).toList()), "web_search is left out");
        assertEquals("[\"developer\",\"user\"]", Json.toString(((List<?>) sent.get("messages")).stream()
                .map(m -> ((Map<?, ?>) m).get("role")).toList()));
    }

    @Test
    void streamedToolCalls_areFunctionCallItemsWithArgumentEvents() throws Exception {
        HttpResponse<InputStream> r = gw.postStream("/v1/responses", "{\"model\":\"echo\",\"stream\":true,\"input\":\"Please get_weather\","
                + "\"tools\":[" + WEATHER_TOOL + "]}");
        List<SseEvent> events = events(GatewayHarness.readAll(r.body()));
        List<String> types = events.stream().map(SseEvent::event).toList();
        assertEquals("response.created,response.in_progress,response.output_item.added", String.join(",", types.subList(0, 3)));
        assertEquals("response.function_call_arguments.done,response.output_item.done,response.completed",
                String.join(",", types.subList(types.size() - 3, types.size())));
        assertTrue(types.subList(3, types.size() - 3).stream().allMatch("response.function_call_arguments.delta"::equals), types.toString());
        Map<String, Object> item = obj(obj(Json.parse(events.get(2).text())).get("item"));
        assertEquals("in_progress", item.get("status"));
        assertEquals("", item.get("arguments"));
        StringBuilder args = new StringBuilder();
        for (SseEvent e : events.subList(3, events.size() - 3)) {
            Map<String, Object> d = obj(Json.parse(e.text()));
            assertEquals(item.get("id"), d.get("item_id"));
            assertEquals("0", d.get("output_index").toString());
            args.append(d.get("delta"));
        }
        assertEquals("{\"city\":\"Please get_weather\"}", args.toString());
        Map<String, Object> done = obj(Json.parse(events.get(events.size() - 3).text()));
        assertEquals(args.toString(), done.get("arguments"));
        assertEquals("get_weather", done.get("name"));
    }

    @Test
    void storedResponses_retrieveDeleteAndOtherKeys() throws Exception {
        String id = (String) obj(Json.parse(create("{\"model\":\"echo\",\"input\":\"keep me\"}").body())).get("id");

        HttpResponse<String> other = as(OTHER_KEY, "GET", "/v1/responses/" + id);
        assertEquals(404, other.statusCode());
        assertEquals("application/json", other.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Response with id '" + id + "' not found.", "not_found_error", "response_id", 404), other.body());
        assertEquals(404, as(OTHER_KEY, "DELETE", "/v1/responses/" + id).statusCode());
        HttpResponse<String> cont = gw.postAs("/v1/responses", "{\"model\":\"echo\",\"previous_response_id\":\"" + id + "\",\"input\":\"x\"}",
                "Authorization", "Bearer " + OTHER_KEY);
        assertEquals(400, cont.statusCode());
        assertEquals("application/json", cont.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"error\":{\"message\":\"Previous response with id '" + id + "' not found.\",\"type\":\"invalid_request_error\","
                + "\"param\":\"previous_response_id\",\"code\":\"previous_response_not_found\"}}", cont.body());

        HttpResponse<String> got = as(GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id);
        assertEquals(200, got.statusCode(), got.body());
        assertEquals(id, obj(Json.parse(got.body())).get("id"));
        // Owner-only files: they hold conversations.
        Path dir = dataDir.resolve("responses");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> stored = files.filter(p -> p.toString().endsWith(id + ".json")).toList();
            assertEquals(1, stored.size());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stored.get(0))));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stored.get(0).getParent())));
        }

        HttpResponse<String> deleted = as(GatewayHarness.CLIENT_KEY, "DELETE", "/v1/responses/" + id);
        assertEquals(200, deleted.statusCode());
        assertEquals("{\"id\":\"" + id + "\",\"object\":\"response\",\"deleted\":true}", deleted.body());
        assertEquals(404, as(GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id).statusCode());
        assertEquals(404, as(GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/not-an-id").statusCode());
    }

    @Test
    void maxOutputTokensReached_isIncomplete() throws Exception {
        String body = "{\"model\":\"echo\",\"input\":\"a rather long sentence that the echo model cannot finish\",\"max_output_tokens\":2";
        Map<String, Object> resp = obj(Json.parse(create(body + "}").body()));
        assertEquals("incomplete", resp.get("status"));
        assertEquals("{\"reason\":\"max_output_tokens\"}", Json.toString(resp.get("incomplete_details")));
        assertEquals("incomplete", obj(list(resp.get("output")).get(0)).get("status"));

        HttpResponse<InputStream> r = gw.postStream("/v1/responses", body + ",\"stream\":true}");
        List<SseEvent> events = events(GatewayHarness.readAll(r.body()));
        SseEvent last = events.get(events.size() - 1);
        assertEquals("response.incomplete", last.event());
        Map<String, Object> streamed = obj(obj(Json.parse(last.text())).get("response"));
        assertEquals("incomplete", streamed.get("status"));
        assertEquals("{\"reason\":\"max_output_tokens\"}", Json.toString(streamed.get("incomplete_details")));
    }

    @Test
    void storeFalse_keepsNothing() throws Exception {
        Map<String, Object> resp = obj(Json.parse(create("{\"model\":\"echo\",\"input\":\"forget me\",\"store\":false}").body()));
        assertEquals(false, resp.get("store"));
        HttpResponse<String> got = gw.get("/v1/responses/" + resp.get("id"), "Authorization", GatewayHarness.AUTH);
        assertEquals(404, got.statusCode(), got.body());
        assertEquals("application/json", got.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Response with id '" + resp.get("id") + "' not found.", "not_found_error", "response_id", 404), got.body());
        assertFalse(Files.exists(dataDir.resolve("responses")), "nothing written");
    }

    @Test
    void upstreamFailingMidStream_isResponseFailed() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2)));

        HttpResponse<InputStream> r = gw.postStream("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"stream\":true}");
        assertEquals(200, r.statusCode());
        List<SseEvent> events = events(GatewayHarness.readAll(r.body()));
        SseEvent last = events.get(events.size() - 1);
        assertEquals("response.failed", last.event());
        Map<String, Object> resp = obj(obj(Json.parse(last.text())).get("response"));
        assertEquals("failed", resp.get("status"));
        assertEquals("{\"code\":\"server_error\",\"message\":\"Provider 'openai' stream ended without its end-of-stream event\"}",
                Json.toString(resp.get("error")));
        assertEquals(Integer.toString(events.size() - 1), obj(Json.parse(last.text())).get("sequence_number").toString());
    }

    @Test
    void upstreamFailingBeforeContent_isAPlainHttpError() throws Exception {
        upstream.respondWith(FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));

        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"stream\":true}");
        assertEquals(502, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Provider 'openai' failed (HTTP 500): boom", "upstream_error", null, 502), r.body());
    }

    @Test
    void badInput_isA400NamingTheField() throws Exception {
        bad("{\"input\":\"x\"}", "Missing required parameter: 'model'.", "model");
        bad("{\"model\":\"echo\"}", "Missing required parameter: 'input'.", "input");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"messages\":[]}",
                "'messages' is a Chat Completions parameter with no equivalent on /responses: use 'input' (and 'instructions') instead.", "messages");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"frobnicate\":1}", "Unknown parameter: 'frobnicate'.", "frobnicate");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"temperature\":3}", "Invalid value for 'temperature': expected a number between 0 and 2, got 3.",
                "temperature");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"tools\":[{\"type\":\"file_search\"}]}", "The tool type 'file_search' is not supported on "
                + "/responses: function tools ({\"type\": \"function\", \"name\": ..., \"parameters\": {...}}), namespaces of them, "
                + "and web_search (left out: no upstream here can run it) are.", "tools[0].type");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"tools\":[{\"type\":\"namespace\",\"name\":\"crm\",\"tools\":[{\"type\":\"custom\","
                + "\"name\":\"patch\"}]}]}", "The tool type 'custom' is not supported on /responses: function tools ({\"type\": \"function\", "
                + "\"name\": ..., \"parameters\": {...}}), namespaces of them, and web_search (left out: no upstream here can run it) are.",
                "tools[0].tools[0].type");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}],\"tool_choice\":\"required\"}",
                "'tool_choice': \"required\" needs at least one function in 'tools' (web_search is left out here).", "tool_choice");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"namespace\",\"name\":\"crm\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"f\"}]}]}", "Duplicate function name 'f' in 'tools'.", "tools[1].tools[0].name");
        bad("{\"model\":\"echo\",\"input\":[{\"type\":\"input_file\"}]}", "The input item type 'input_file' is not supported on /responses: "
                + "messages, 'function_call', 'function_call_output', 'item_reference' and 'reasoning' are.", "input[0].type");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"bad name\",\"schema\":{}}}}",
                "Invalid value for 'text.format.name': expected 1 to 64 characters of a-z, A-Z, 0-9, underscores and dashes, got 'bad name'.",
                "text.format.name");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"metadata\":{\"k\":1}}", "Invalid type for 'metadata.k': expected a string, got a number.",
                "metadata.k");
        bad("{\"model\":\"echo\",\"input\":\"x\",\"background\":true}", "Background responses are not supported here; send 'background': false.",
                "background");
        bad("{\"model\":\"echo\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}", "Item with id 'msg_1' not found: an "
                + "'item_reference' names an item of the response in 'previous_response_id' (its input or output).", "input[0].id");
    }

    void bad(String body, String message, String param) throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", body);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson(message, "invalid_request_error", param, 400), r.body());
    }

    static Map<String, Object> without(Map<String, Object> m, String key) {
        Map<String, Object> c = new java.util.LinkedHashMap<>(m);
        c.remove(key);
        return c;
    }
}

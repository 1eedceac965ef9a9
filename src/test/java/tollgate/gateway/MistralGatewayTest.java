package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.json.Json;

/**
 * The {@code mistral} kind end to end: OpenAI's format, but Mistral's parameter set, no
 * {@code stream_options}, and tool call ids of exactly 9 alphanumerics, which the gateway makes
 * from the client's ids on the way up and turns back into the client's ids on the way down.
 * The upstream bodies are shaped after recorded Mistral streams (src/test/resources/mistral).
 */
class MistralGatewayTest extends ProviderKindsTestBase {
    static final Pattern MISTRAL_ID = Pattern.compile("[a-zA-Z0-9]{9}");
    static final String UPSTREAM_MODEL = "mistral-large-2411";
    static final String CMPL_ID = "cmpl-e5cc70bb28c444948073e77776eb30ef";
    static final String SYSTEM = "You are a concise assistant.";
    static final String QUESTION = "What's the weather in Paris and the time in Tokyo?";
    static final String WEATHER_ARGS = "{\"city\": \"Paris\", \"unit\": \"c\"}";
    static final String TIME_ARGS = "{\"tz\": \"Asia/Tokyo\"}";

    /** A Mistral chunk: no {@code logprobs}, no {@code type} on tool calls (protocols.md §6). */
    static String mistralChunk(String id, String model, String delta, String finish, String usage) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1702256327,\"model\":\"" + model + "\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]"
                + (usage == null ? "" : ",\"usage\":" + usage) + "}";
    }

    static final String USAGE = "{\"prompt_tokens\":91,\"total_tokens\":128,\"completion_tokens\":37}";

    /** Mistral's parallel tool calls: whole, in one delta, each with its index last and no type. */
    static String toolCallsDelta(String weatherId, String timeId, String type) {
        return "{\"tool_calls\":[{\"id\":\"" + weatherId + "\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + lit(WEATHER_ARGS) + "},\"index\":0" + type + "},{\"id\":\"" + timeId + "\",\"function\":{\"name\":\"get_time\","
                + "\"arguments\":" + lit(TIME_ARGS) + "},\"index\":1" + type + "}]}";
    }

    static final List<String> TOOL_STREAM = List.of(
            data(mistralChunk(CMPL_ID, UPSTREAM_MODEL, "{\"role\":\"assistant\",\"content\":\"\"}", "null", null)),
            data(mistralChunk(CMPL_ID, UPSTREAM_MODEL, toolCallsDelta("aB3dE5gH7", "D681PevKs", ""), "null", null)),
            data(mistralChunk(CMPL_ID, UPSTREAM_MODEL, "{\"content\":\"\"}", "\"tool_calls\"", USAGE)),
            DONE);

    static String turn1Request(boolean includeUsage) {
        return "{\"model\":\"mistral-large\",\"stream\":true" + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":" + messages(system(SYSTEM), user(QUESTION))
                + ",\"tools\":" + TOOLS + ",\"tool_choice\":\"auto\",\"parallel_tool_calls\":true}";
    }

    String stream(String request, String requestId) throws Exception {
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", request, "x-request-id", requestId);
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        return GatewayHarness.readAll(r.body());
    }

    static String withExtension(String chunk, List<String> clientChunks) {
        return chunk.substring(0, chunk.length() - 1) + ",\"tollgate\":"
                + Json.toString(obj(clientChunks.get(0)).get("tollgate")) + "}";
    }

    // ------------------------------------------------------------------ core scenario

    @Test
    void stream_twoParallelToolCalls_reachTheOpenAiClientExactly() throws Exception {
        upstream.respondWith(FakeUpstream.sse(TOOL_STREAM.toArray(String[]::new)));

        String body = stream(turn1Request(true), "mis-1");

        List<String> chunks = chunksBeforeDone(body);
        assertEquals("{\"execution_id\":\"" + obj(obj(chunks.get(0)).get("tollgate")).get("execution_id")
                + "\",\"request_id\":\"mis-1\"}", Json.toString(obj(chunks.get(0)).get("tollgate")));
        String finish = mistralChunk(CMPL_ID, "mistral-large", "{\"content\":\"\"}", "\"tool_calls\"", "null");
        String usageChunk = finish.replace("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"tool_calls\"}]",
                "\"choices\":[]").replace("\"usage\":null", "\"usage\":" + USAGE);
        // mistral-large has no pricing: the cost is unknown, so no cost or savings, and 0 credits
        usageChunk = usageChunk.substring(0, usageChunk.length() - 1) + ",\"tollgate\":{\"credits_charged\":0}}";
        assertEquals(data(withExtension(mistralChunk(CMPL_ID, "mistral-large", "{\"role\":\"assistant\",\"content\":\"\"}", "null",
                        null), chunks))
                + data(mistralChunk(CMPL_ID, "mistral-large", toolCallsDelta("aB3dE5gH7", "D681PevKs", ",\"type\":\"function\""),
                        "null", null))
                + data(finish)
                + data(usageChunk)
                + DONE, body);

        Map<Long, ToolCallsTest.Call> calls = ToolCallsTest.reassemble(chunks);
        assertEquals(new ToolCallsTest.Call("aB3dE5gH7", "get_weather", WEATHER_ARGS), calls.get(0L));
        assertEquals(new ToolCallsTest.Call("D681PevKs", "get_time", TIME_ARGS), calls.get(1L));
        assertEquals(2, calls.size());
        assertEquals("{\"city\":\"Paris\",\"unit\":\"c\"}", Json.toString(Json.parse(calls.get(0L).arguments())));
        assertEquals("tool_calls", ToolCallsTest.finishReason(GatewayHarness.sseData(body)));
        Object usage = obj(chunks.get(chunks.size() - 1)).get("usage");
        assertEquals("{\"prompt_tokens\":91,\"total_tokens\":128,\"completion_tokens\":37}", Json.toString(usage));

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(MISTRAL_PATH, req.path());
        assertEquals("Bearer " + MISTRAL_KEY, req.header("authorization"));
        assertEquals("text/event-stream", req.header("accept"));
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"stream\":true,\"messages\":" + messages(system(SYSTEM), user(QUESTION))
                + ",\"tools\":" + TOOLS + ",\"tool_choice\":\"auto\",\"parallel_tool_calls\":true}", req.bodyText(),
                "no stream_options: Mistral refuses it");
    }

    @Test
    void stream_withoutIncludeUsage_theUsageStaysInsideTheGateway() throws Exception {
        upstream.respondWith(FakeUpstream.sse(TOOL_STREAM.toArray(String[]::new)));

        String body = stream(turn1Request(false), "mis-2");

        List<String> chunks = chunksBeforeDone(body);
        assertEquals(3, chunks.size(), body);
        for (String c : chunks) assertFalse(c.contains("usage"), c);
        assertEquals(mistralChunk(CMPL_ID, "mistral-large", "{\"content\":\"\"}", "\"tool_calls\"", null), chunks.get(2));
    }

    /** Turn 2 with ids Mistral refuses (not 9 alphanumerics). */
    static String turn2Request(String model, boolean stream) {
        return "{\"model\":\"" + model + "\"" + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":" + turn2Messages("call_Ab1.x:0", "call_Ab1.x:1") + ",\"tools\":" + TOOLS + "}";
    }

    static String turn2Messages(String weatherId, String timeId) {
        return messages(system(SYSTEM), user(QUESTION),
                assistant(null, call(weatherId, "get_weather", WEATHER_ARGS), call(timeId, "get_time", TIME_ARGS)),
                toolResult(weatherId, "18°C, sunny"),
                toolResult(timeId, "21:04"));
    }

    /** The ids the upstream got, checked: 9 alphanumerics, distinct, the same in calls and results. */
    static List<String> mistralIds(FakeUpstream.Received req) {
        Object messages = obj(req.bodyText()).get("messages");
        List<String> callIds = toolCallIds(messages);
        assertEquals(2, callIds.size(), req.bodyText());
        for (String id : callIds) assertTrue(MISTRAL_ID.matcher(id).matches(), id);
        assertEquals(2, new HashSet<>(callIds).size(), "distinct ids: " + callIds);
        assertEquals(callIds, toolMessageIds(messages), "tool messages answer the calls by the same ids");
        return callIds;
    }

    static final String TEXT_STREAM_ID = "cmpl-7f3c2a9d1e6b4c0f8a5d2e1b9c7a6f30";

    static List<String> textAnswer() {
        return List.of(
                data(mistralChunk(TEXT_STREAM_ID, UPSTREAM_MODEL, "{\"role\":\"assistant\",\"content\":\"\"}", "null", null)),
                data(mistralChunk(TEXT_STREAM_ID, UPSTREAM_MODEL, "{\"content\":" + lit("Paris: 18°C and sunny.") + "}", "null", null)),
                data(mistralChunk(TEXT_STREAM_ID, UPSTREAM_MODEL, "{\"content\":\" Tokyo: 21:04.\"}", "null", null)),
                data(mistralChunk(TEXT_STREAM_ID, UPSTREAM_MODEL, "{\"content\":\"\"}", "\"stop\"",
                        "{\"prompt_tokens\":160,\"total_tokens\":172,\"completion_tokens\":12}")),
                DONE);
    }

    @Test
    void stream_nextTurn_idsBecomeNineAlphanumericsConsistentlyAndTheAnswerStreamsBack() throws Exception {
        upstream.respondWith(FakeUpstream.sse(textAnswer().toArray(String[]::new)));

        String body = stream(turn2Request("mistral-large", true), "mis-3");

        FakeUpstream.Received req = upstream.takeRequest();
        List<String> ids = mistralIds(req);
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"stream\":true,\"messages\":" + turn2Messages(ids.get(0), ids.get(1))
                + ",\"tools\":" + TOOLS + "}", req.bodyText());

        List<String> chunks = chunksBeforeDone(body);
        assertEquals("{\"ids_normalized\":2}", repairs(obj(obj(chunks.get(0)).get("tollgate"))));
        StringBuilder text = new StringBuilder();
        for (String c : chunks) {
            for (Object choice : list(obj(c).get("choices"))) {
                Object content = obj(obj(choice).get("delta")).get("content");
                if (content != null) text.append(content);
            }
        }
        assertEquals("Paris: 18°C and sunny. Tokyo: 21:04.", text.toString());
        assertEquals("stop", ToolCallsTest.finishReason(GatewayHarness.sseData(body)));
        assertEquals("{\"prompt_tokens\":160,\"total_tokens\":172,\"completion_tokens\":12}",
                Json.toString(obj(chunks.get(chunks.size() - 1)).get("usage")));
        for (String id : ids) assertFalse(body.contains(id), "the client never sees the gateway's id " + id);
    }

    @Test
    void theRewrittenIdsAreTheSameForTheSameClientIdsEveryTime() throws Exception {
        upstream.respondWith(FakeUpstream.sse(textAnswer().toArray(String[]::new)));

        GatewayHarness.readAll(gw.postStream("/v1/chat/completions", turn2Request("mistral-large", true)).body());
        GatewayHarness.readAll(gw.postStream("/v1/chat/completions", turn2Request("mistral-large", true)).body());
        gw.close();
        gw = startGateway(upstream); // a fresh gateway: no state carries the mapping
        GatewayHarness.readAll(gw.postStream("/v1/chat/completions", turn2Request("mistral-large", true)).body());

        List<FakeUpstream.Received> reqs = upstream.requests();
        assertEquals(3, reqs.size());
        assertEquals(mistralIds(reqs.get(0)), mistralIds(reqs.get(1)));
        assertEquals(mistralIds(reqs.get(0)), mistralIds(reqs.get(2)));
        assertEquals(reqs.get(0).bodyText(), reqs.get(2).bodyText());
    }

    @Test
    void idsAlreadyValidForMistral_areSentAsTheyAreWithNoRepairsReport() throws Exception {
        upstream.respondWith(FakeUpstream.sse(textAnswer().toArray(String[]::new)));
        String messages = turn2Messages("aB3dE5gH7", "D681PevKs");

        String body = stream("{\"model\":\"mistral-large\",\"stream\":true,\"messages\":" + messages + ",\"tools\":" + TOOLS + "}",
                "mis-4");

        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"stream\":true,\"messages\":" + messages + ",\"tools\":" + TOOLS + "}",
                upstream.takeRequest().bodyText());
        assertFalse(obj(chunksBeforeDone(body).get(0)).get("tollgate").toString().contains("repairs"), body);
    }

    /**
     * An upstream that answers with tool calls reusing the ids it was sent (contrived, but the
     * contract is that the client only ever sees its own ids).
     */
    static FakeUpstream.Behaviour echoIds(boolean stream) {
        return (ex, up) -> {
            List<FakeUpstream.Received> all = up.requests();
            List<String> ids = toolCallIds(obj(all.get(all.size() - 1).bodyText()).get("messages"));
            String calls = "[{\"id\":\"" + ids.get(1) + "\",\"function\":{\"name\":\"get_time\",\"arguments\":"
                    + lit("{\"tz\": \"Europe/Paris\"}") + "},\"index\":0},{\"id\":\"Zz9Yy8Xx7\",\"function\":{\"name\":\"get_weather\","
                    + "\"arguments\":" + lit("{\"city\": \"Oslo\"}") + "},\"index\":1}]";
            String text;
            if (stream) {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                text = data(mistralChunk(CMPL_ID, UPSTREAM_MODEL, "{\"role\":\"assistant\",\"content\":\"\"}", "null", null))
                        + data(mistralChunk(CMPL_ID, UPSTREAM_MODEL, "{\"tool_calls\":" + calls + "}", "null", null))
                        + data(mistralChunk(CMPL_ID, UPSTREAM_MODEL, "{\"content\":\"\"}", "\"tool_calls\"", USAGE)) + DONE;
            } else {
                ex.getResponseHeaders().set("Content-Type", "application/json");
                text = "{\"id\":\"" + CMPL_ID + "\",\"object\":\"chat.completion\",\"created\":1702256327,\"model\":\"" + UPSTREAM_MODEL
                        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
                        + calls.replace(",\"index\":0", "").replace(",\"index\":1", "")
                        + ",\"prefix\":false},\"finish_reason\":\"tool_calls\"}],\"usage\":" + USAGE + "}";
            }
            byte[] bytes = text.getBytes(UTF_8);
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    @Test
    void stream_anIdTheGatewayRewroteComesBackAsTheClientsOwn() throws Exception {
        upstream.respondWith(echoIds(true));

        String body = stream(turn2Request("mistral-large", true), "mis-5");

        Map<Long, ToolCallsTest.Call> calls = ToolCallsTest.reassemble(chunksBeforeDone(body));
        assertEquals(new ToolCallsTest.Call("call_Ab1.x:1", "get_time", "{\"tz\": \"Europe/Paris\"}"), calls.get(0L));
        assertEquals(new ToolCallsTest.Call("Zz9Yy8Xx7", "get_weather", "{\"city\": \"Oslo\"}"), calls.get(1L),
                "an id the upstream made up itself passes as it is");
        for (String id : mistralIds(upstream.takeRequest())) assertFalse(body.contains(id), body);
    }

    @Test
    void nonStream_anIdTheGatewayRewroteComesBackAsTheClientsOwn() throws Exception {
        upstream.respondWith(echoIds(false));

        HttpResponse<String> r = gw.post("/v1/chat/completions", turn2Request("mistral-large", false));

        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> message = obj(obj(list(obj(r.body()).get("choices")).get(0)).get("message"));
        assertEquals(List.of("call_Ab1.x:1", "Zz9Yy8Xx7"), toolCallIds(List.of(message)));
        assertEquals("{\"ids_normalized\":2}", repairs(extension(r)));
        List<String> ids = mistralIds(upstream.takeRequest());
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"messages\":" + turn2Messages(ids.get(0), ids.get(1))
                + ",\"tools\":" + TOOLS + "}", upstream.requests().get(0).bodyText());
        for (String id : ids) assertFalse(r.body().contains(id), r.body());
    }

    // ------------------------------------------------------------------ parameters

    @Test
    void seedAndMaxCompletionTokens_areSentUnderMistralsNames() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"id\":\"cmpl-1\",\"object\":\"chat.completion\",\"created\":1702256327,"
                + "\"model\":\"mistral-large-2411\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi!\","
                + "\"tool_calls\":null,\"prefix\":false},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"total_tokens\":7,\"completion_tokens\":2}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"mistral-large\",\"messages\":"
                + messages(user("Hi")) + ",\"seed\":42,\"max_completion_tokens\":256,\"temperature\":0.3}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Hi!", obj(obj(list(obj(r.body()).get("choices")).get(0)).get("message")).get("content"));
        assertEquals("mistral-large", obj(r.body()).get("model"));
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"messages\":" + messages(user("Hi"))
                + ",\"random_seed\":42,\"max_tokens\":256,\"temperature\":0.3}", upstream.takeRequest().bodyText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"logit_bias\":{\"50256\":-100}", "\"logprobs\":true", "\"x_custom_option\":\"on\""})
    void parameterMistralDoesNotTake_is400NamingItAndNothingIsSent(String member) throws Exception {
        String param = member.substring(1, member.indexOf('"', 1));
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"mistral-large\",\"messages\":"
                    + messages(user("Hi")) + "," + member + (stream ? ",\"stream\":true" : "") + "}");

            assertEquals(400, r.statusCode(), r.body());
            assertEquals(errorJson("The parameter '" + param + "' is not supported by provider 'mistral', which serves the model "
                    + "'mistral-large'. Remove it, or choose a model from another provider.", "invalid_request_error", param, 400),
                    r.body());
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void theSameClientIdMapsToTheSameUpstreamIdInEveryConversation() throws Exception {
        upstream.respondWith(FakeUpstream.sse(textAnswer().toArray(String[]::new)));
        List<String> seen = new ArrayList<>();
        for (String[] pair : new String[][] {{"call_1", "call_2"}, {"call_2", "call_3"}}) {
            String req = "{\"model\":\"mistral-large\",\"stream\":true,\"messages\":" + turn2Messages(pair[0], pair[1])
                    + ",\"tools\":" + TOOLS + "}";
            GatewayHarness.readAll(gw.postStream("/v1/chat/completions", req).body());
            seen.addAll(mistralIds(upstream.takeRequest()));
        }
        assertEquals(seen.get(1), seen.get(2), "call_2 maps to the same id in both conversations");
        assertNotEquals(seen.get(0), seen.get(3));
    }
}

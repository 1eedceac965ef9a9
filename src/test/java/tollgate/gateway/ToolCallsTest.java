package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** Tool calls, whole and as streamed deltas, through the fake upstream and the echo provider. */
class ToolCallsTest extends GatewayTestBase {
    static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"integer\"},"
            + "\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\",\"days\",\"unit\"]}}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"tz\":{\"type\":\"string\"}},\"required\":[\"tz\"]}}}]";

    static String request(String model, String userText, boolean stream) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + userText + "\"}],"
                + "\"tools\":" + TOOLS + ",\"tool_choice\":\"auto\"" + (stream ? ",\"stream\":true" : "") + "}";
    }

    static final String WEATHER_ARGS = "{\"city\":\"Paris\",\"unit\":\"c\",\"note\":\"say \\\"hi\\\" ünï\"}";
    static final String TIME_ARGS = "{\"tz\":\"Europe/Paris\"}";

    /** A JSON string literal of {@code s} (as the gateway's writer renders it). */
    static String lit(String s) { return Json.toString(s); }

    static final String COMPLETION = "{\"id\":\"chatcmpl-t1\",\"object\":\"chat.completion\",\"created\":1700000002,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
            + "\"tool_calls\":[{\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
            + lit(WEATHER_ARGS) + "}},{\"id\":\"call_def\",\"type\":\"function\",\"function\":{\"name\":\"get_time\","
            + "\"arguments\":" + lit(TIME_ARGS) + "}}],\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
            + "\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":20,\"total_tokens\":70}}";

    static String toolChunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-t2\",\"object\":\"chat.completion.chunk\",\"created\":1700000003,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]}";
    }

    static String fragment(int index, String args) {
        return toolChunk("{\"tool_calls\":[{\"index\":" + index + ",\"function\":{\"arguments\":" + lit(args) + "}}]}", "null");
    }

    /** Two parallel calls, their argument fragments interleaved. */
    static final List<String> TOOL_STREAM = List.of(
            toolChunk("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", "null"),
            fragment(0, WEATHER_ARGS.substring(0, 9)),
            toolChunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_def\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}", "null"),
            fragment(0, WEATHER_ARGS.substring(9, 30)),
            fragment(1, TIME_ARGS.substring(0, 6)),
            fragment(0, WEATHER_ARGS.substring(30)),
            fragment(1, TIME_ARGS.substring(6)),
            toolChunk("{}", "\"tool_calls\""));

    @Test
    void nonStream_toolCallsPassThroughExactly() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, COMPLETION));

        HttpResponse<String> r = gw.post("/v1/chat/completions", request("gpt-4o-mini", "weather?", false));

        assertEquals(200, r.statusCode());
        String executionId = (String) obj(obj(r.body()).get("tollgate")).get("execution_id");
        String requestId = r.headers().firstValue("x-request-id").orElseThrow();
        String cost = "0.0000195"; // 50 × 0.00000015 + 20 × 0.0000006 USD
        // credits charged (issue 9): ceil(cost × 1000), 1000 being the default accounts.credits_per_usd;
        // the test key has no credit balance, so no balance follows
        long credits = new BigDecimal(cost).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
        assertEquals(COMPLETION.replace("\"gpt-4o-mini-2024-07-18\"", "\"gpt-4o-mini\"")
                .replaceFirst("}$", ",\"tollgate\":{\"execution_id\":\"" + executionId + "\",\"request_id\":\"" + requestId + "\","
                        + "\"cost\":" + cost + ",\"savings\":0,\"credits_charged\":" + credits + "}}"),
                r.body());
        assertEquals(request("gpt-4o-mini-2024-07-18", "weather?", false), upstream.takeRequest().bodyText());
    }

    @Test
    void stream_parallelToolCallDeltasArriveIntactAndReassemble() throws Exception {
        List<String> script = new ArrayList<>();
        for (String c : TOOL_STREAM) script.add(data(c));
        script.add(DONE);
        upstream.respondWith(FakeUpstream.sse(script.toArray(String[]::new)));

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                request("gpt-4o-mini", "weather and time?", true)).body());

        List<String> events = sseData(body);
        assertEquals(TOOL_STREAM.size() + 1, events.size());
        for (int i = 1; i < TOOL_STREAM.size(); i++) {
            assertEquals(TOOL_STREAM.get(i).replace("\"gpt-4o-mini-2024-07-18\"", "\"gpt-4o-mini\""), events.get(i));
        }
        assertEquals("[DONE]", events.get(events.size() - 1));
        Map<Long, Call> calls = reassemble(events.subList(0, events.size() - 1));
        assertEquals(new Call("call_abc", "get_weather", WEATHER_ARGS), calls.get(0L));
        assertEquals(new Call("call_def", "get_time", TIME_ARGS), calls.get(1L));
        assertEquals(2, calls.size());
        assertEquals("tool_calls", finishReason(events));
    }

    @Test
    void echo_nonStream_callsTheToolNamedInTheUserText() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", request("echo", "use get_weather", false));

        assertEquals(200, r.statusCode());
        Map<String, Object> body = obj(r.body());
        assertEquals("echo", body.get("model"));
        assertEquals("chat.completion", body.get("object"));
        Map<String, Object> choice = obj(list(body.get("choices")).get(0));
        assertEquals("tool_calls", choice.get("finish_reason"));
        Map<String, Object> message = obj(choice.get("message"));
        assertNull(message.get("content"));
        assertEquals("[{\"id\":\"call_echo_0\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + lit("{\"city\":\"use get_weather\",\"days\":0,\"unit\":\"c\"}") + "}}]", Json.toString(message.get("tool_calls")));
        assertNotNull(obj(body.get("tollgate")).get("execution_id"));
    }

    @Test
    void echo_stream_parallelToolCallsReassembleToTheSameArguments() throws Exception {
        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                request("echo", "get_weather then get_time", true)).body());

        List<String> events = sseData(body);
        assertEquals("[DONE]", events.get(events.size() - 1));
        Map<Long, Call> calls = reassemble(events.subList(0, events.size() - 1));
        assertEquals(new Call("call_echo_0", "get_weather",
                "{\"city\":\"get_weather then get_time\",\"days\":0,\"unit\":\"c\"}"), calls.get(0L));
        assertEquals(new Call("call_echo_1", "get_time", "{\"tz\":\"get_weather then get_time\"}"), calls.get(1L));
        assertEquals(2, calls.size());
        assertEquals("tool_calls", finishReason(events));
        assertTrue(fragmentsOf(events, 0) >= 2, "arguments of call 0 come in several fragments");
    }

    @Test
    void echo_toolChoiceNone_answersWithText() throws Exception {
        String req = request("echo", "get_weather", false).replace("\"tool_choice\":\"auto\"", "\"tool_choice\":\"none\"");
        Map<String, Object> choice = obj(list(obj(gw.post("/v1/chat/completions", req).body()).get("choices")).get(0));

        assertEquals("stop", choice.get("finish_reason"));
        assertEquals("Echo: get_weather", obj(choice.get("message")).get("content"));
    }

    record Call(String id, String name, String arguments) {}

    /** Accumulates tool-call deltas by index, as an OpenAI SDK does. */
    static Map<Long, Call> reassemble(List<String> chunks) {
        Map<Long, String[]> parts = new TreeMap<>();
        for (String c : chunks) {
            for (Object choice : list(obj(c).get("choices"))) {
                Object tcs = obj(obj(choice).get("delta")).get("tool_calls");
                if (tcs == null) continue;
                for (Object o : list(tcs)) {
                    Map<String, Object> tc = obj(o);
                    long index = ((tollgate.json.JsonNumber) tc.get("index")).longValue();
                    String[] p = parts.computeIfAbsent(index, k -> new String[] {null, null, ""});
                    if (tc.get("id") != null) p[0] = (String) tc.get("id");
                    Map<String, Object> fn = obj(tc.get("function"));
                    if (fn.get("name") != null) p[1] = (String) fn.get("name");
                    if (fn.get("arguments") != null) p[2] += (String) fn.get("arguments");
                }
            }
        }
        Map<Long, Call> out = new TreeMap<>();
        parts.forEach((k, p) -> out.put(k, new Call(p[0], p[1], p[2])));
        return out;
    }

    static int fragmentsOf(List<String> events, long index) {
        int n = 0;
        for (String e : events.subList(0, events.size() - 1)) {
            for (Object choice : list(obj(e).get("choices"))) {
                Object tcs = obj(obj(choice).get("delta")).get("tool_calls");
                if (tcs == null) continue;
                for (Object o : list(tcs)) {
                    if (((tollgate.json.JsonNumber) obj(o).get("index")).longValue() == index
                            && !"".equals(obj(obj(o).get("function")).get("arguments"))) n++;
                }
            }
        }
        return n;
    }

    static String finishReason(List<String> events) {
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            for (Object choice : list(obj(e).get("choices"))) {
                Object f = obj(choice).get("finish_reason");
                if (f != null) finish = (String) f;
            }
        }
        return finish;
    }
}

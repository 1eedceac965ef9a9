package tollgate.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.provider.anthropic.Fixtures.call;
import static tollgate.provider.anthropic.Fixtures.canonical;
import static tollgate.provider.anthropic.Fixtures.object;
import static tollgate.provider.anthropic.Fixtures.withoutCreated;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.SseEvent;
import tollgate.provider.StreamDecoder;
import tollgate.provider.Usage;

/**
 * Anthropic event stream → OpenAI chunks, against fixture pairs
 * {@code stream-<case>.anthropic.sse} (raw SSE, read with the gateway's {@code SseReader}) /
 * {@code stream-<case>.openai.jsonl} (expected chunks without {@code created}, one per line).
 */
class AnthropicStreamTest {

    private static final AnthropicDialect DIALECT = new AnthropicDialect();

    /** Runs a recorded stream through a decoder; the last event must, and only it may, end it. */
    private static List<Map<String, Object>> decodeAll(StreamDecoder d, List<SseEvent> events) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            boolean done = d.decode(events.get(i), out);
            assertEquals(i == events.size() - 1, done, "done after event " + i + " " + events.get(i));
        }
        return out;
    }

    private static StreamDecoder decoder(String request) {
        return DIALECT.decoder(call(object("request-" + request + ".openai.json"), true, 0), Fixtures.PROVIDER);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // stream, request it answers, prompt, completion, total
            "text,     simple,             25,  15, 40",
            "tools,    tools,              260, 80, 340",
            "json,     json-schema,        34,  9,  43",
    })
    void translatesFixture(String name, String request, long prompt, long completion, long total) {
        StreamDecoder d = decoder(request);
        List<Map<String, Object>> chunks = decodeAll(d, Fixtures.sse("stream-" + name + ".anthropic.sse"));
        List<Object> expected = Fixtures.jsonLines("stream-" + name + ".openai.jsonl");
        List<String> want = new ArrayList<>(), got = new ArrayList<>();
        for (Object e : expected) want.add(canonical(e));
        for (Map<String, Object> c : chunks) got.add(canonical(withoutCreated(c)));
        assertEquals(String.join("\n", want), String.join("\n", got));

        Object created = chunks.get(0).get("created");
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(((Number) created).longValue() - now) <= 5, "created " + created);
        for (Map<String, Object> c : chunks) assertEquals(created, c.get("created"), "one created for all chunks");
        assertEquals(new Usage(prompt, completion, total), d.usage());
    }

    @Test
    void toolCallFragmentsConcatenateToTheArguments() {
        List<Map<String, Object>> chunks = decodeAll(decoder("tools"), Fixtures.sse("stream-tools.anthropic.sse"));
        StringBuilder[] args = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        String[] ids = new String[3], names = new String[3];
        for (Map<String, Object> c : chunks) {
            List<?> choices = (List<?>) c.get("choices");
            if (choices.isEmpty()) continue;
            Map<?, ?> delta = (Map<?, ?>) ((Map<?, ?>) choices.get(0)).get("delta");
            if (!(delta.get("tool_calls") instanceof List<?> calls)) continue;
            assertEquals(1, calls.size());
            Map<?, ?> call = (Map<?, ?>) calls.get(0);
            int k = ((Number) call.get("index")).intValue();
            Map<?, ?> fn = (Map<?, ?>) call.get("function");
            if (call.containsKey("id")) {
                assertEquals(null, ids[k], "id sent twice for index " + k);
                assertEquals(0, args[k].length(), "id after arguments for index " + k);
                ids[k] = (String) call.get("id");
                names[k] = (String) fn.get("name");
                assertEquals("function", call.get("type"));
            }
            args[k].append((String) fn.get("arguments"));
        }
        assertEquals(List.of("toolu_01W", "toolu_01T", "toolu_01E"), List.of(ids));
        assertEquals(List.of("get_weather", "get_time", "get_time"), List.of(names));
        assertEquals("{\"city\":\"Paris\"}", Json.toString(Json.parse(args[0].toString())));
        assertEquals("{\"tz\":\"Asia/Tokyo\"}", args[1].toString());
        assertEquals("{}", args[2].toString());
    }

    @Test
    void jsonEmulationStreamsTheJsonAsContent() {
        List<Map<String, Object>> chunks = decodeAll(decoder("json-schema"), Fixtures.sse("stream-json.anthropic.sse"));
        StringBuilder content = new StringBuilder();
        for (Map<String, Object> c : chunks) {
            List<?> choices = (List<?>) c.get("choices");
            if (choices.isEmpty()) continue;
            Map<?, ?> delta = (Map<?, ?>) ((Map<?, ?>) choices.get(0)).get("delta");
            assertFalse(delta.containsKey("tool_calls"));
            if (delta.get("content") instanceof String s) content.append(s);
        }
        assertEquals("{\"name\":\"Paris\",\"country\":\"France\"}", Json.toString(Json.parse(content.toString())));
    }

    @Test
    void withoutJsonModeTheSameToolIsAToolCall() {
        List<Map<String, Object>> chunks = decodeAll(decoder("simple"), Fixtures.sse("stream-json.anthropic.sse"));
        assertEquals("{\"tool_calls\":[{\"function\":{\"arguments\":\"\",\"name\":\"json_response\"},"
                + "\"id\":\"toolu_01J\",\"index\":0,\"type\":\"function\"}]}", canonical(delta(chunks.get(1))));
        assertEquals("tool_calls", ((Map<?, ?>) ((List<?>) chunks.get(4).get("choices")).get(0)).get("finish_reason"));
    }

    @Test
    void errorEventThrowsClassifiedAfterTheChunksSoFar() {
        StreamDecoder d = decoder("simple");
        List<SseEvent> events = Fixtures.sse("stream-error.anthropic.sse");
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < events.size() - 1; i++) assertFalse(d.decode(events.get(i), out));
        assertEquals(2, out.size());
        assertEquals("{\"content\":\"Hel\"}", canonical(delta(out.get(1))));
        GatewayException e = assertThrows(GatewayException.class, () -> d.decode(events.get(events.size() - 1), out));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertEquals("Provider 'anthropic' reported an error: Overloaded", e.getMessage());
        assertEquals(2, out.size());
        assertEquals(new Usage(8, 1, 9), d.usage());
    }

    @Test
    void unnamedEventsAreTypedByTheirData() {
        StreamDecoder d = decoder("simple");
        List<Map<String, Object>> out = new ArrayList<>();
        assertFalse(d.decode(event(SseEvent.DEFAULT_TYPE, "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"model\":\"m\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}"), out));
        assertFalse(d.decode(event(SseEvent.DEFAULT_TYPE, "{\"type\":\"ping\"}"), out));
        assertFalse(d.decode(event(SseEvent.DEFAULT_TYPE, "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"), out));
        assertFalse(d.decode(event(SseEvent.DEFAULT_TYPE, "{\"type\":\"something_new\"}"), out));
        assertTrue(d.decode(event(SseEvent.DEFAULT_TYPE, "{\"type\":\"message_stop\"}"), out));
        // role, "x", the finish chunk message_stop adds when no message_delta came, usage
        assertEquals(4, out.size());
        assertEquals("msg_1", out.get(0).get("id"));
        assertEquals("{\"content\":\"x\"}", canonical(delta(out.get(1))));
        assertEquals("stop", ((Map<?, ?>) ((List<?>) out.get(2).get("choices")).get(0)).get("finish_reason"));
        assertEquals(new Usage(3, 1, 4), d.usage());
    }

    @Test
    void eventThatIsNotAJsonObjectIsAProviderError() {
        for (String data : List.of("not json", "[1,2]", "\"text\"")) {
            StreamDecoder d = decoder("simple");
            GatewayException e = assertThrows(GatewayException.class,
                    () -> d.decode(event("content_block_delta", data), new ArrayList<>()));
            assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
            assertEquals("Provider 'anthropic' sent a stream event that is not a JSON object", e.getMessage());
            assertEquals(200, e.upstreamStatus());
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "end_turn, stop",
            "stop_sequence, stop",
            "pause_turn, stop",
            "max_tokens, length",
            "model_context_window_exceeded, length",
            "refusal, content_filter",
            "tool_use, stop", // no client tool call was streamed
            "some_future_reason, stop",
            "null, stop",
    })
    void mapsStopReason(String stopReason, String finishReason) {
        StreamDecoder d = decoder("simple");
        List<Map<String, Object>> out = new ArrayList<>();
        d.decode(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\","
                + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}"), out);
        String reason = "null".equals(stopReason) ? "null" : "\"" + stopReason + "\"";
        d.decode(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":" + reason
                + "},\"usage\":{\"output_tokens\":7}}"), out);
        assertEquals(2, out.size());
        Map<?, ?> choice = (Map<?, ?>) ((List<?>) out.get(1).get("choices")).get(0);
        assertEquals("{}", canonical(choice.get("delta")));
        assertEquals(finishReason, choice.get("finish_reason"));
        assertEquals(new Usage(3, 7, 10), d.usage());
    }

    @Test
    void usageIsNoneBeforeMessageStart() {
        assertEquals(Usage.NONE, decoder("simple").usage());
    }

    private static SseEvent event(String name, String data) {
        return new SseEvent(name, data.getBytes(StandardCharsets.UTF_8));
    }

    private static Object delta(Map<String, Object> chunk) {
        return ((Map<?, ?>) ((List<?>) chunk.get("choices")).get(0)).get("delta");
    }
}

package tollgate.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.provider.anthropic.Fixtures.call;
import static tollgate.provider.anthropic.Fixtures.canonical;
import static tollgate.provider.anthropic.Fixtures.object;
import static tollgate.provider.anthropic.Fixtures.with;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.ChatCall;

/**
 * OpenAI request → Anthropic request, against fixture pairs
 * {@code request-<case>.openai.json} / {@code request-<case>.anthropic.json}.
 */
class AnthropicRequestTest {

    private static final AnthropicDialect DIALECT = new AnthropicDialect();

    /** The dialect's body for {@code call}, parsed; also checks that the client's body is untouched. */
    private static Map<String, Object> translate(ChatCall call) {
        String before = canonical(call.body());
        byte[] written = DIALECT.body(call).toByteArray();
        assertEquals(before, canonical(call.body()), "the client's body was modified");
        return Json.asObject(Json.parse(written));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // case,            stream, model max_output_tokens
            "simple,            false, 0",
            "model-max-tokens,  false, 8192",
            "system-merge,      false, 0",
            "params,            true,  8192",
            "stop-array,        false, 0",
            "images,            false, 0",
            "tools,             false, 0",
            "json-schema,       false, 0",
            "json-object-tools, false, 0",
    })
    void translatesFixture(String name, boolean stream, long maxOutputTokens) {
        ChatCall call = call(object("request-" + name + ".openai.json"), stream, maxOutputTokens);
        Map<String, Object> expected = object("request-" + name + ".anthropic.json");
        assertEquals(canonical(expected), canonical(translate(call)));
    }

    @Test
    void writesMembersInAFixedOrderAndNumbersVerbatim() {
        ChatCall call = call(object("request-params.openai.json"), true, 0);
        String written = new String(DIALECT.body(call).toByteArray(), StandardCharsets.UTF_8);
        assertEquals("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":0.70,\"top_p\":0.9,"
                + "\"top_k\":40,\"stop_sequences\":[\"END\"],\"metadata\":{\"user_id\":\"user-42\"}}", written);
    }

    @Test
    void maxTokensPrefersMaxCompletionTokensThenMaxTokensThenModelThenDefault() {
        Map<String, Object> simple = object("request-simple.openai.json");
        Map<String, Object> both = with(simple, Map.of("max_tokens", Json.parse("500"),
                "max_completion_tokens", Json.parse("700")));
        assertEquals("700", translate(call(both, false, 8192)).get("max_tokens").toString());
        Map<String, Object> legacy = with(simple, Map.of("max_tokens", Json.parse("500")));
        assertEquals("500", translate(call(legacy, false, 8192)).get("max_tokens").toString());
        assertEquals("8192", translate(call(simple, false, 8192)).get("max_tokens").toString());
        assertEquals(Long.toString(AnthropicRequest.DEFAULT_MAX_TOKENS),
                translate(call(simple, false, 0)).get("max_tokens").toString());
        assertEquals(4096, AnthropicRequest.DEFAULT_MAX_TOKENS);
    }

    @Test
    void streamIsSentOnlyForAStreamingCall() {
        Map<String, Object> body = with(object("request-simple.openai.json"), Map.of("stream", Boolean.TRUE));
        assertFalse(translate(call(body, false, 0)).containsKey("stream"));
        assertEquals(Boolean.TRUE, translate(call(body, true, 0)).get("stream"));
    }

    static Stream<Arguments> toolChoiceCases() {
        return Fixtures.jsonLines("request-tool-choice.cases.jsonl").stream()
                .map(Json::asObject)
                .map(c -> Arguments.of(c.get("case"), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("toolChoiceCases")
    void translatesToolChoice(String name, Map<String, Object> c) {
        Map<String, Object> body = with(object("request-tool-choice.base.openai.json"), Json.asObject(c.get("set")));
        Map<String, Object> out = translate(call(body));
        Object expect = c.get("expect");
        if (expect == null) {
            assertFalse(out.containsKey("tool_choice"), () -> "tool_choice sent: " + out.get("tool_choice"));
        } else {
            assertEquals(canonical(expect), canonical(out.get("tool_choice")));
        }
        assertEquals(Boolean.TRUE.equals(c.get("noTools")), !out.containsKey("tools"));
    }

    static Stream<Arguments> refusedCases() {
        return Fixtures.jsonLines("request-refused.jsonl").stream()
                .map(Json::asObject)
                .map(c -> Arguments.of(c.get("param"), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedCases")
    void refusesWhatAnthropicCannotHonour(String param, Map<String, Object> c) {
        Map<String, Object> body = with(object("request-simple.openai.json"), Json.asObject(c.get("set")));
        GatewayException e = assertThrows(GatewayException.class, () -> DIALECT.body(call(body)));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals(400, e.httpStatus());
        assertEquals(param, e.param());
        if (c.get("message") instanceof String exact) assertEquals(exact, e.getMessage());
        if (c.get("contains") instanceof String part) {
            assertTrue(e.getMessage().contains(part), () -> "message: " + e.getMessage());
        }
        assertTrue(e.getMessage().startsWith("Provider 'anthropic' (kind anthropic) "), e.getMessage());
    }

    @Test
    void temperatureUpToOneIsSentAsWritten() {
        for (String t : List.of("0", "0.0", "1", "1.0", "1e0", "0.25")) {
            Map<String, Object> body = with(object("request-simple.openai.json"), Map.of("temperature", Json.parse(t)));
            assertEquals(t, translate(call(body)).get("temperature").toString());
        }
    }

    @Test
    void explicitNullsAreAbsent() {
        Map<String, Object> body = Json.asObject(Json.parse("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hello\"}],\"seed\":null,\"n\":null,\"temperature\":null,\"stop\":null,\"tools\":null,"
                + "\"audio\":null,\"made_up\":null,\"user\":null}"));
        assertEquals(canonical(object("request-simple.anthropic.json")), canonical(translate(call(body))));
    }

    @Test
    void jsonToolNameIsDerivedFromTheRequestBody() {
        assertEquals(null, JsonMode.toolName(object("request-simple.openai.json")));
        assertEquals("json_response", JsonMode.toolName(object("request-json-schema.openai.json")));
        assertEquals("json_response_1", JsonMode.toolName(object("request-json-object-tools.openai.json")));
        Map<String, Object> twoClashes = with(object("request-json-object-tools.openai.json"), Map.of("tools",
                Json.parse("[{\"type\":\"function\",\"function\":{\"name\":\"json_response_1\"}},"
                        + "{\"type\":\"function\",\"function\":{\"name\":\"json_response\"}}]")));
        assertEquals("json_response_2", JsonMode.toolName(twoClashes));
        Map<String, Object> text = with(object("request-simple.openai.json"),
                Map.of("response_format", Json.parse("{\"type\":\"text\"}")));
        assertEquals(null, JsonMode.toolName(text));
    }

    @Test
    void jsonSchemaWithoutSchemaAsksForAnyObject() {
        Map<String, Object> body = with(object("request-simple.openai.json"), Map.of("response_format",
                Json.parse("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"anything\"}}")));
        Map<String, Object> out = translate(call(body));
        assertEquals("[{\"description\":\"" + JsonMode.TOOL_DESCRIPTION + "\",\"input_schema\":{\"type\":\"object\"},"
                + "\"name\":\"json_response\"}]", canonical(out.get("tools")));
        assertEquals("{\"disable_parallel_tool_use\":true,\"name\":\"json_response\",\"type\":\"tool\"}",
                canonical(out.get("tool_choice")));
    }

    @Test
    void toolResultsGoFirstInTheirUserTurn() {
        // A user message between the tool call and its results (not what OpenAI clients send,
        // but repair may leave it): the results still lead the merged user turn.
        Map<String, Object> body = Json.asObject(Json.parse("{\"model\":\"claude\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"go\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"user\",\"content\":\"also this\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"r1\"}]}"));
        Object messages = translate(call(body)).get("messages");
        assertEquals(canonical(Json.parse("[{\"role\":\"user\",\"content\":\"go\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"c1\",\"name\":\"f\",\"input\":{}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"c1\",\"content\":\"r1\"},"
                + "{\"type\":\"text\",\"text\":\"also this\"}]}]")), canonical(messages));
    }
}

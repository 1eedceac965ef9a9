package tollgate.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.provider.anthropic.Fixtures.call;
import static tollgate.provider.anthropic.Fixtures.canonical;
import static tollgate.provider.anthropic.Fixtures.object;
import static tollgate.provider.anthropic.Fixtures.withoutCreated;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.Usage;

/**
 * Anthropic message → OpenAI {@code chat.completion}, against fixture pairs
 * {@code response-<case>.anthropic.json} / {@code response-<case>.openai.json} ({@code created}
 * is a clock reading, checked apart).
 */
class AnthropicResponseTest {

    private static final AnthropicDialect DIALECT = new AnthropicDialect();

    private static ChatResult complete(String answer, String request) {
        ChatCall call = call(object("request-" + request + ".openai.json"));
        return DIALECT.completion(object("response-" + answer + ".anthropic.json"), call, Fixtures.PROVIDER);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // answer,        request it answers,  prompt, completion, total
            "text,            simple,              12,  5,  17",
            "tools,           tools,               420, 40, 460",
            "json,            json-schema,         30,  9,  39",
            "json-and-tool,   json-object-tools,   30,  9,  39",
    })
    void translatesFixture(String answer, String request, long prompt, long completion, long total) {
        long before = System.currentTimeMillis() / 1000;
        ChatResult r = complete(answer, request);
        long after = System.currentTimeMillis() / 1000;
        Map<String, Object> expected = object("response-" + answer + ".openai.json");
        assertEquals(canonical(expected), canonical(withoutCreated(r.completion())));
        long created = ((Number) r.completion().get("created")).longValue();
        assertTrue(created >= before && created <= after, "created " + created);
        assertEquals(new Usage(prompt, completion, total), r.usage());
    }

    @Test
    void completionIsMutableForTheGateway() {
        ChatResult r = complete("text", "simple");
        r.completion().put("model", "claude");
        assertEquals("claude", r.completion().get("model"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "end_turn, stop",
            "stop_sequence, stop",
            "pause_turn, stop",
            "max_tokens, length",
            "model_context_window_exceeded, length",
            "refusal, content_filter",
            "tool_use, stop", // no client tool call in the answer
            "some_future_reason, stop",
    })
    void mapsStopReason(String stopReason, String finishReason) {
        Map<String, Object> answer = object("response-text.anthropic.json");
        answer.put("stop_reason", stopReason);
        ChatResult r = DIALECT.completion(answer, call(object("request-simple.openai.json")), Fixtures.PROVIDER);
        assertEquals(finishReason, finishReason(r));
    }

    @Test
    void nullStopReasonIsStopAndToolUseWithToolCallsIsToolCalls() {
        Map<String, Object> answer = object("response-text.anthropic.json");
        answer.put("stop_reason", null);
        assertEquals("stop", finishReason(DIALECT.completion(answer, call(object("request-simple.openai.json")), "p")));
        assertEquals("tool_calls", finishReason(complete("tools", "tools")));
    }

    @Test
    void noTextIsNullContent() {
        Map<String, Object> answer = object("response-tools.anthropic.json");
        List<?> blocks = (List<?>) answer.get("content");
        blocks.removeIf(b -> "text".equals(((Map<?, ?>) b).get("type")));
        ChatResult r = DIALECT.completion(answer, call(object("request-tools.openai.json")), Fixtures.PROVIDER);
        Map<?, ?> message = (Map<?, ?>) choice(r).get("message");
        assertTrue(message.containsKey("content"));
        assertEquals(null, message.get("content"));
        assertEquals(2, ((List<?>) message.get("tool_calls")).size());
    }

    @Test
    void errorObjectIsClassified() {
        Map<String, Object> answer = Json.asObject(Json.parse(
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        GatewayException e = assertThrows(GatewayException.class,
                () -> DIALECT.completion(answer, call(object("request-simple.openai.json")), "claude-eu"));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertEquals("Provider 'claude-eu' reported an error: Overloaded", e.getMessage());

        Map<String, Object> invalid = Json.asObject(Json.parse(
                "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}"));
        GatewayException e2 = assertThrows(GatewayException.class,
                () -> DIALECT.completion(invalid, call(object("request-simple.openai.json")), "claude-eu"));
        assertEquals(ErrorKind.PROVIDER_ERROR, e2.kind());
    }

    @Test
    void somethingElseIsAProviderError() {
        for (String body : List.of("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}",
                "{\"type\":\"message\",\"content\":\"not a list\"}")) {
            GatewayException e = assertThrows(GatewayException.class, () -> DIALECT.completion(
                    Json.asObject(Json.parse(body)), call(object("request-simple.openai.json")), "claude-eu"));
            assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
            assertEquals("Provider 'claude-eu' sent an answer that is not an Anthropic message", e.getMessage());
        }
    }

    @Test
    void missingUsageIsUnknown() {
        Map<String, Object> answer = object("response-text.anthropic.json");
        answer.remove("usage");
        ChatResult r = DIALECT.completion(answer, call(object("request-simple.openai.json")), Fixtures.PROVIDER);
        assertEquals(Usage.NONE, r.usage());
        assertTrue(!r.completion().containsKey("usage"));
    }

    private static Map<?, ?> choice(ChatResult r) {
        return (Map<?, ?>) ((List<?>) r.completion().get("choices")).get(0);
    }

    private static String finishReason(ChatResult r) {
        return (String) choice(r).get("finish_reason");
    }
}

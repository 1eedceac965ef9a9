package tollgate.api;

import tollgate.route.ChatRequest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;

/**
 * Bodies are built as the parser's value model (LinkedHashMap, ArrayList, JsonNumber, Boolean,
 * String, null) so that these tests do not depend on the JSON parser.
 */
class ChatRequestValidatorTest {

    // ---------------------------------------------------------------- value-model helpers

    /** Marks a key to remove from the base body. */
    private static final Object ABSENT = new Object();

    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static List<Object> arr(Object... items) { return new ArrayList<>(Arrays.asList(items)); }

    static JsonNumber num(String text) { return new JsonNumber(text); }

    static Map<String, Object> user(Object content) { return obj("role", "user", "content", content); }

    static Map<String, Object> text(String t) { return obj("type", "text", "text", t); }

    static Map<String, Object> image(String url) { return obj("type", "image_url", "image_url", obj("url", url)); }

    static Map<String, Object> fnTool(String name) {
        return obj("type", "function", "function", obj("name", name));
    }

    static Map<String, Object> toolCall(String id, String name, String args) {
        return obj("id", id, "type", "function", "function", obj("name", name, "arguments", args));
    }

    /** A minimal valid body with the given fields put over it ({@link #ABSENT} removes one). */
    static Map<String, Object> body(Object... kv) {
        Map<String, Object> b = obj("model", "gpt-4o", "messages", arr(user("hi")));
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == ABSENT) b.remove((String) kv[i]);
            else b.put((String) kv[i], kv[i + 1]);
        }
        return b;
    }

    /** A valid body whose messages are the given ones, after a leading user message. */
    static Map<String, Object> conversation(Object... messages) {
        List<Object> list = arr(user("hi"));
        list.addAll(Arrays.asList(messages));
        return body("messages", list);
    }

    static String repeat(char c, int n) { return String.valueOf(c).repeat(n); }

    /** Asserts a 400 CALLER_INVALID_REQUEST at {@code param} whose message names the field. */
    static GatewayException rejects(Object body, String param) {
        GatewayException e = assertThrows(GatewayException.class, () -> ChatRequestValidator.validate(body));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals(400, e.httpStatus());
        assertEquals(param, e.param(), () -> "message was: " + e.getMessage());
        if (param != null) {
            assertTrue(e.getMessage().contains("'" + param + "'"),
                    () -> "message does not name the field: " + e.getMessage());
        }
        return e;
    }

    /** As above, and when {@code message} is not null the message must be exactly that. */
    static void rejects(Object body, String param, String message) {
        GatewayException e = rejects(body, param);
        if (message != null) assertEquals(message, e.getMessage());
    }

    static Arguments bad(Map<String, Object> body, String param) { return Arguments.of(body, param, null); }

    static Arguments bad(Map<String, Object> body, String param, String message) {
        return Arguments.of(body, param, message);
    }

    // ---------------------------------------------------------------- the body and model

    @ParameterizedTest
    @MethodSource("notObjects")
    void bodyMustBeAnObject(Object body) {
        GatewayException e = rejects(body, null);
        assertTrue(e.getMessage().contains("must be a JSON object"), e.getMessage());
    }

    static Stream<Object> notObjects() {
        return Stream.of(arr(), "text", num("1"), Boolean.TRUE, null);
    }

    @ParameterizedTest
    @MethodSource("badModels")
    void modelIsARequiredNonEmptyString(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badModels() {
        return Stream.of(
                bad(body("model", ABSENT), "model", "Missing required parameter: 'model'."),
                bad(body("model", null), "model", "Invalid type for 'model': expected a string, got null."),
                bad(body("model", num("4")), "model", "Invalid type for 'model': expected a string, got a number."),
                bad(body("model", ""), "model",
                        "Invalid value for 'model': expected a non-empty string, got an empty string."));
    }

    // ---------------------------------------------------------------- messages

    @ParameterizedTest
    @MethodSource("badMessageLists")
    void messagesIsANonEmptyArrayWithAUserMessage(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badMessageLists() {
        return Stream.of(
                bad(body("messages", ABSENT), "messages", "Missing required parameter: 'messages'."),
                bad(body("messages", "hi"), "messages",
                        "Invalid type for 'messages': expected an array of messages, got a string."),
                bad(body("messages", arr()), "messages",
                        "Invalid value for 'messages': expected an array of at least 1 message, got an empty array."),
                bad(body("messages", arr(obj("role", "system", "content", "be brief"))), "messages",
                        "Invalid value for 'messages': expected at least one message with role 'user', got none."),
                bad(body("messages", arr(user("hi"), "hello")), "messages[1]",
                        "Invalid type for 'messages[1]': expected an object, got a string."),
                bad(body("messages", arr(obj("content", "hi"))), "messages[0].role",
                        "Missing required parameter: 'messages[0].role'."),
                bad(body("messages", arr(user("hi"), obj("role", "robot", "content", "x"))), "messages[1].role",
                        "Invalid value for 'messages[1].role': expected one of 'system', 'developer', 'user', "
                                + "'assistant', 'tool', got 'robot'."),
                bad(body("messages", arr(obj("role", "user", "content", "hi", "name", num("1")))),
                        "messages[0].name", "Invalid type for 'messages[0].name': expected a string, got a number."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"system", "developer"})
    void systemAndDeveloperContentIsTextOnly(String role) {
        rejects(conversation(obj("role", role)), "messages[1].content");
        rejects(conversation(obj("role", role, "content", null)), "messages[1].content");
        rejects(conversation(obj("role", role, "content", num("1"))), "messages[1].content");
        rejects(conversation(obj("role", role, "content", arr())), "messages[1].content");
        rejects(conversation(obj("role", role, "content", arr(text("a"), image("http://x/i.png")))),
                "messages[1].content[1].type",
                "Invalid value for 'messages[1].content[1].type': expected 'text' (the only content part type "
                        + "this role accepts), got 'image_url'.");
        ChatRequestValidator.validate(conversation(obj("role", role, "content", arr(text("a"), text("b")))));
    }

    @ParameterizedTest
    @MethodSource("badUserContent")
    void userContentIsTextOrImageParts(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badUserContent() {
        return Stream.of(
                bad(body("messages", arr(user(num("1")))), "messages[0].content",
                        "Invalid type for 'messages[0].content': expected a string or an array of content parts, "
                                + "got a number."),
                bad(body("messages", arr(obj("role", "user"))), "messages[0].content",
                        "Missing required parameter: 'messages[0].content'."),
                bad(body("messages", arr(user(arr()))), "messages[0].content"),
                bad(body("messages", arr(user(arr("hi")))), "messages[0].content[0]"),
                bad(body("messages", arr(user(arr(obj("text", "hi"))))), "messages[0].content[0].type"),
                bad(body("messages", arr(user(arr(text("a"), obj("type", "input_audio", "input_audio", obj()))))),
                        "messages[0].content[1].type",
                        "Invalid value for 'messages[0].content[1].type': expected one of the supported content "
                                + "part types 'text', 'image_url', got 'input_audio'."),
                bad(body("messages", arr(user(arr(obj("type", "text"))))), "messages[0].content[0].text",
                        "Missing required parameter: 'messages[0].content[0].text'."),
                bad(body("messages", arr(user(arr(obj("type", "text", "text", num("2")))))),
                        "messages[0].content[0].text"),
                bad(body("messages", arr(user(arr(obj("type", "image_url"))))), "messages[0].content[0].image_url"),
                bad(body("messages", arr(user(arr(obj("type", "image_url", "image_url", "http://x"))))),
                        "messages[0].content[0].image_url"),
                bad(body("messages", arr(user(arr(obj("type", "image_url", "image_url", obj()))))),
                        "messages[0].content[0].image_url.url"),
                bad(body("messages", arr(user(arr(text("look"), image(""))))), "messages[0].content[1].image_url.url",
                        "Invalid value for 'messages[0].content[1].image_url.url': expected a non-empty string, "
                                + "got an empty string."),
                bad(body("messages", arr(user(arr(obj("type", "image_url",
                        "image_url", obj("url", "http://x/a.png", "detail", "ultra")))))),
                        "messages[0].content[0].image_url.detail"),
                bad(body("messages", arr(user(arr(obj("type", "refusal", "refusal", "no"))))),
                        "messages[0].content[0].type"));
    }

    @ParameterizedTest
    @MethodSource("badAssistantMessages")
    void assistantMessages(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badAssistantMessages() {
        return Stream.of(
                bad(conversation(obj("role", "assistant")), "messages[1].content"),
                bad(conversation(obj("role", "assistant", "content", null)), "messages[1].content"),
                bad(conversation(obj("role", "assistant", "content", null, "tool_calls", arr())), "messages[1].content"),
                bad(conversation(obj("role", "assistant", "content", num("3"))), "messages[1].content"),
                bad(conversation(obj("role", "assistant", "content", arr(image("http://x")))),
                        "messages[1].content[0].type"),
                bad(conversation(obj("role", "assistant", "content", arr(obj("type", "refusal")))),
                        "messages[1].content[0].refusal"),
                bad(conversation(obj("role", "assistant", "content", "x", "refusal", Boolean.TRUE)),
                        "messages[1].refusal"),
                bad(conversation(obj("role", "assistant", "tool_calls", "call")), "messages[1].tool_calls"),
                bad(conversation(obj("role", "assistant", "tool_calls", arr(toolCall("", "f", "{}")))),
                        "messages[1].tool_calls[0].id",
                        "Invalid value for 'messages[1].tool_calls[0].id': expected a non-empty string, "
                                + "got an empty string."),
                bad(conversation(obj("role", "assistant", "tool_calls", arr(toolCall("c1", "f", "{}"),
                        obj("id", "c2", "type", "custom", "function", obj("name", "f", "arguments", "{}"))))),
                        "messages[1].tool_calls[1].type"),
                bad(conversation(obj("role", "assistant", "tool_calls", arr(obj("id", "c", "type", "function")))),
                        "messages[1].tool_calls[0].function"),
                bad(conversation(obj("role", "assistant", "tool_calls", arr(toolCall("c", "", "{}")))),
                        "messages[1].tool_calls[0].function.name"),
                bad(conversation(obj("role", "assistant", "tool_calls", arr(
                        obj("id", "c", "type", "function", "function", obj("name", "f", "arguments", obj()))))),
                        "messages[1].tool_calls[0].function.arguments"),
                bad(conversation(obj("role", "assistant", "tool_calls", arr(
                        obj("id", "c", "type", "function", "function", obj("name", "f"))))),
                        "messages[1].tool_calls[0].function.arguments"));
    }

    @Test
    void assistantContentMayBeTextAndRefusalParts() {
        ChatRequestValidator.validate(conversation(obj("role", "assistant",
                "content", arr(text("partial"), obj("type", "refusal", "refusal", "I can't")), "refusal", "I can't")));
        ChatRequestValidator.validate(conversation(obj("role", "assistant", "content", "ok", "tool_calls", arr())));
    }

    @Test
    void toolMessages() {
        rejects(conversation(obj("role", "tool", "content", "42")), "messages[1].tool_call_id",
                "Missing required parameter: 'messages[1].tool_call_id'.");
        rejects(conversation(obj("role", "tool", "tool_call_id", "", "content", "42")), "messages[1].tool_call_id");
        rejects(conversation(obj("role", "tool", "tool_call_id", num("7"), "content", "42")),
                "messages[1].tool_call_id");
        rejects(conversation(obj("role", "tool", "tool_call_id", "c1")), "messages[1].content");
        rejects(conversation(obj("role", "tool", "tool_call_id", "c1", "content", arr(image("http://x")))),
                "messages[1].content[0].type");
        ChatRequestValidator.validate(conversation(obj("role", "tool", "tool_call_id", "c1", "content", arr(text("42")))));
    }

    // ---------------------------------------------------------------- numeric parameters

    @ParameterizedTest
    @MethodSource("numbers")
    void numericRanges(String field, String value, boolean valid) {
        Map<String, Object> b = body(field, num(value));
        if (valid) {
            ChatRequestValidator.validate(b);
        } else {
            GatewayException e = rejects(b, field);
            assertTrue(e.getMessage().startsWith("Invalid value for '" + field + "': expected "), e.getMessage());
            assertTrue(e.getMessage().endsWith(", got " + value + "."), e.getMessage());
        }
    }

    static Stream<Arguments> numbers() {
        return Stream.of(
                Arguments.of("temperature", "0", true), Arguments.of("temperature", "2", true),
                Arguments.of("temperature", "2.0", true), Arguments.of("temperature", "3.5", false), Arguments.of("temperature", "2.5", false),
                Arguments.of("temperature", "-0.1", false), Arguments.of("temperature", "1e400", false),
                Arguments.of("top_p", "1", true), Arguments.of("top_p", "0", true), Arguments.of("top_p", "1.01", false),
                Arguments.of("frequency_penalty", "-2", true), Arguments.of("frequency_penalty", "2.5", false),
                Arguments.of("presence_penalty", "2", true), Arguments.of("presence_penalty", "-2.01", false),
                Arguments.of("max_tokens", "1", true), Arguments.of("max_tokens", "0", false),
                Arguments.of("max_tokens", "1.5", false), Arguments.of("max_tokens", "99999999999999999999", false),
                Arguments.of("max_completion_tokens", "4096", true), Arguments.of("max_completion_tokens", "-1", false),
                Arguments.of("n", "1", true), Arguments.of("n", "128", true), Arguments.of("n", "0", false),
                Arguments.of("n", "129", false), Arguments.of("n", "2.0", false),
                Arguments.of("seed", "9223372036854775807", true), Arguments.of("seed", "-9223372036854775808", true),
                Arguments.of("seed", "9223372036854775808", false), Arguments.of("seed", "-9223372036854775809", false),
                Arguments.of("seed", "12345678901234567890123", false), Arguments.of("seed", "1e3", false),
                Arguments.of("top_logprobs", "21", false), Arguments.of("top_logprobs", "-1", false));
    }

    @Test
    void temperatureMessageIsOpenAiStyle() {
        rejects(body("temperature", num("3.5")), "temperature",
                "Invalid value for 'temperature': expected a number between 0 and 2, got 3.5.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"temperature", "top_p", "frequency_penalty", "presence_penalty", "max_tokens",
            "max_completion_tokens", "n", "seed", "top_logprobs"})
    void numericFieldsRejectNonNumbers(String field) {
        GatewayException e = rejects(body(field, "1", "logprobs", Boolean.TRUE), field);
        assertTrue(e.getMessage().startsWith("Invalid type for '" + field + "'"), e.getMessage());
        assertTrue(e.getMessage().endsWith("got a string."), e.getMessage());
    }

    @Test
    void logitBias() {
        rejects(body("logit_bias", arr()), "logit_bias");
        rejects(body("logit_bias", obj("50256", num("101"))), "logit_bias.50256",
                "Invalid value for 'logit_bias.50256': expected a number between -100 and 100, got 101.");
        rejects(body("logit_bias", obj("1", num("-100"), "2", "5")), "logit_bias.2");
        rejects(body("logit_bias", obj("-1", num("5"))), "logit_bias.-1");
        rejects(body("logit_bias", obj("abc", num("5"))), "logit_bias.abc");
        rejects(body("logit_bias", obj("", num("5"))), "logit_bias.");
        ChatRequestValidator.validate(body("logit_bias", obj("50256", num("-100"), "15", num("100"), "7", num("0.5"))));
    }

    // ---------------------------------------------------------------- stream, stop, booleans, strings

    @Test
    void streamAndStreamOptions() {
        rejects(body("stream", "true"), "stream", "Invalid type for 'stream': expected a boolean, got a string.");
        rejects(body("stream_options", obj("include_usage", Boolean.TRUE)), "stream_options",
                "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        rejects(body("stream", Boolean.FALSE, "stream_options", obj()), "stream_options");
        rejects(body("stream", Boolean.TRUE, "stream_options", Boolean.TRUE), "stream_options");
        rejects(body("stream", Boolean.TRUE, "stream_options", obj("include_usage", "yes")),
                "stream_options.include_usage");
        rejects(body("stream", Boolean.TRUE, "stream_options", obj("include_obfuscation", num("0"))),
                "stream_options.include_obfuscation");
        // stream_options may come before stream in the body
        Map<String, Object> b = obj("stream_options", obj("include_usage", Boolean.TRUE, "future_key", num("1")),
                "model", "m", "messages", arr(user("hi")), "stream", Boolean.TRUE);
        ChatRequest r = ChatRequestValidator.validate(b);
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
        ChatRequest noUsage = ChatRequestValidator.validate(body("stream", Boolean.TRUE,
                "stream_options", obj("include_usage", Boolean.FALSE)));
        assertTrue(noUsage.stream());
        assertFalse(noUsage.includeUsage());
        assertFalse(ChatRequestValidator.validate(body("stream", Boolean.TRUE)).includeUsage());
        assertFalse(ChatRequestValidator.validate(body("stream", Boolean.FALSE, "stream_options", null)).stream());
    }

    @ParameterizedTest
    @MethodSource("badStops")
    void stop(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badStops() {
        return Stream.of(
                bad(body("stop", num("1")), "stop"),
                bad(body("stop", arr()), "stop"),
                bad(body("stop", arr("a", "b", "c", "d", "e")), "stop",
                        "Invalid value for 'stop': expected an array of 1 to 4 strings, got 5 items."),
                bad(body("stop", arr("a", num("1"))), "stop[1]",
                        "Invalid type for 'stop[1]': expected a string, got a number."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"parallel_tool_calls", "logprobs"})
    void booleanFields(String field) {
        rejects(body(field, "yes"), field, "Invalid type for '" + field + "': expected a boolean, got a string.");
        ChatRequestValidator.validate(body(field, Boolean.FALSE));
    }

    @Test
    void userIsAString() {
        rejects(body("user", num("42")), "user", "Invalid type for 'user': expected a string, got a number.");
    }

    @Test
    void topLogprobsNeedsLogprobs() {
        rejects(body("top_logprobs", num("5")), "top_logprobs");
        rejects(body("top_logprobs", num("5"), "logprobs", Boolean.FALSE), "top_logprobs");
        ChatRequestValidator.validate(body("top_logprobs", num("20"), "logprobs", Boolean.TRUE));
        ChatRequestValidator.validate(body("logprobs", Boolean.TRUE, "top_logprobs", num("0")));
    }

    // ---------------------------------------------------------------- tools

    @ParameterizedTest
    @MethodSource("badTools")
    void tools(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badTools() {
        Map<String, Object> withParams = fnTool("f");
        @SuppressWarnings("unchecked") Map<String, Object> fn = (Map<String, Object>) withParams.get("function");
        fn.put("parameters", "{}");
        return Stream.of(
                bad(body("tools", obj()), "tools"),
                bad(body("tools", arr()), "tools"),
                bad(body("tools", arr("f")), "tools[0]"),
                bad(body("tools", arr(obj("function", obj("name", "f")))), "tools[0].type"),
                bad(body("tools", arr(obj("type", "code_interpreter"))), "tools[0].type"),
                bad(body("tools", arr(obj("type", "function"))), "tools[0].function"),
                bad(body("tools", arr(obj("type", "function", "function", obj()))), "tools[0].function.name"),
                bad(body("tools", arr(fnTool("ok"), fnTool("get weather"))), "tools[1].function.name",
                        "Invalid value for 'tools[1].function.name': expected 1 to 64 characters of a-z, A-Z, 0-9, "
                                + "underscores and dashes, got 'get weather'."),
                bad(body("tools", arr(fnTool(""))), "tools[0].function.name"),
                bad(body("tools", arr(fnTool(repeat('a', 65)))), "tools[0].function.name"),
                bad(body("tools", arr(fnTool("héllo"))), "tools[0].function.name"),
                bad(body("tools", arr(fnTool("get_weather"), fnTool("other"), fnTool("get_weather"))),
                        "tools[2].function.name"),
                bad(body("tools", arr(withParams)), "tools[0].function.parameters"),
                bad(body("tools", arr(obj("type", "function", "function", obj("name", "f", "strict", "yes")))),
                        "tools[0].function.strict"),
                bad(body("tools", arr(obj("type", "function", "function", obj("name", "f", "description", num("1"))))),
                        "tools[0].function.description"));
    }

    @Test
    void toolNameCharset() {
        ChatRequestValidator.validate(body("tools", arr(fnTool(repeat('z', 64)), fnTool("A-z_0-9"), fnTool("x"))));
    }

    @ParameterizedTest
    @MethodSource("badToolChoices")
    void toolChoice(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badToolChoices() {
        Object named = obj("type", "function", "function", obj("name", "get_weather"));
        return Stream.of(
                bad(body("tool_choice", "auto"), "tool_choice",
                        "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified."),
                bad(body("tool_choice", "required"), "tool_choice"),
                bad(body("tool_choice", named), "tool_choice"),
                bad(body("tool_choice", "sometimes", "tools", arr(fnTool("f"))), "tool_choice"),
                bad(body("tool_choice", num("1"), "tools", arr(fnTool("f"))), "tool_choice"),
                bad(body("tool_choice", obj("type", "tool", "function", obj("name", "f")), "tools", arr(fnTool("f"))),
                        "tool_choice.type"),
                bad(body("tool_choice", obj("type", "function"), "tools", arr(fnTool("f"))), "tool_choice.function"),
                bad(body("tool_choice", obj("type", "function", "function", obj()), "tools", arr(fnTool("f"))),
                        "tool_choice.function.name"),
                bad(body("tool_choice", named, "tools", arr(fnTool("f"))), "tool_choice.function.name",
                        "Invalid value for 'tool_choice.function.name': expected the name of a function declared "
                                + "in 'tools', got 'get_weather'."));
    }

    @Test
    void toolChoiceNoneNeedsNoTools() {
        ChatRequestValidator.validate(body("tool_choice", "none"));
        // tool_choice may precede tools in the body
        ChatRequestValidator.validate(obj("tool_choice", obj("type", "function", "function", obj("name", "f")),
                "model", "m", "messages", arr(user("hi")), "tools", arr(fnTool("f"))));
    }

    // ---------------------------------------------------------------- response_format, metadata, taskHint

    @ParameterizedTest
    @MethodSource("badResponseFormats")
    void responseFormat(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badResponseFormats() {
        return Stream.of(
                bad(body("response_format", "json"), "response_format"),
                bad(body("response_format", obj()), "response_format.type"),
                bad(body("response_format", obj("type", "yaml")), "response_format.type",
                        "Invalid value for 'response_format.type': expected one of 'text', 'json_object', "
                                + "'json_schema', got 'yaml'."),
                bad(body("response_format", obj("type", "json_schema")), "response_format.json_schema"),
                bad(body("response_format", obj("type", "json_schema", "json_schema", obj())),
                        "response_format.json_schema.name"),
                bad(body("response_format", obj("type", "json_schema", "json_schema", obj("name", "my schema"))),
                        "response_format.json_schema.name"),
                bad(body("response_format", obj("type", "json_schema", "json_schema", obj("name", "s", "schema", arr()))),
                        "response_format.json_schema.schema"),
                bad(body("response_format", obj("type", "json_schema", "json_schema", obj("name", "s", "strict", "y"))),
                        "response_format.json_schema.strict"),
                bad(body("response_format", obj("type", "json_schema",
                        "json_schema", obj("name", "s", "description", Boolean.TRUE))),
                        "response_format.json_schema.description"));
    }

    @Test
    void responseFormatsAccepted() {
        ChatRequestValidator.validate(body("response_format", obj("type", "text")));
        ChatRequestValidator.validate(body("response_format", obj("type", "json_object")));
        ChatRequestValidator.validate(body("response_format", obj("type", "json_schema", "json_schema",
                obj("name", "answer", "description", "d", "strict", Boolean.TRUE, "schema", obj("type", "object")))));
    }

    @ParameterizedTest
    @MethodSource("badMetadata")
    void metadata(Map<String, Object> body, String param, String message) {
        rejects(body, param, message);
    }

    static Stream<Arguments> badMetadata() {
        Map<String, Object> seventeen = obj();
        for (int i = 0; i < 17; i++) seventeen.put("k" + i, "v");
        return Stream.of(
                bad(body("metadata", "req-1"), "metadata"),
                bad(body("metadata", seventeen), "metadata"),
                bad(body("metadata", obj(repeat('k', 65), "v")), "metadata"),
                bad(body("metadata", obj("request_id", "")), "metadata.request_id"),
                bad(body("metadata", obj("request_id", repeat('r', 129))), "metadata.request_id"),
                bad(body("metadata", obj("request_id", num("1"))), "metadata.request_id",
                        "Invalid type for 'metadata.request_id': expected a string, got a number."),
                bad(body("metadata", obj("mode", Boolean.TRUE)), "metadata.mode"),
                bad(body("metadata", obj("team", null)), "metadata.team"),
                bad(body("metadata", obj("note", repeat('n', 513))), "metadata.note"));
    }

    @Test
    void metadataLimitsAreInclusive() {
        Map<String, Object> sixteen = obj("request_id", repeat('r', 128), "mode", "fast");
        for (int i = 0; i < 13; i++) sixteen.put("k" + i, "v");
        sixteen.put(repeat('k', 64), repeat('v', 512));
        ChatRequest r = ChatRequestValidator.validate(body("metadata", sixteen));
        assertEquals(repeat('r', 128), r.metadataRequestId());
        assertEquals("fast", r.mode());
        // 512 characters counted as code points, not UTF-16 units
        ChatRequestValidator.validate(body("metadata", obj("emoji", "\uD83D\uDE00".repeat(512))));
    }

    @Test
    void taskHint() {
        rejects(body("taskHint", "poetry"), "taskHint",
                "Invalid value for 'taskHint': expected one of 'writing', 'code-generation', 'reasoning', 'vision', "
                        + "'general', got 'poetry'.");
        rejects(body("taskHint", num("1")), "taskHint");
        for (String hint : List.of("writing", "code-generation", "reasoning", "vision", "general")) {
            assertEquals(hint, ChatRequestValidator.validate(body("taskHint", hint)).taskHint());
        }
    }

    // ---------------------------------------------------------------- valid requests

    @Test
    void minimal() {
        Map<String, Object> b = body();
        ChatRequest r = ChatRequestValidator.validate(b);
        assertEquals("gpt-4o", r.model());
        assertSame(b, r.body());
        assertFalse(r.stream());
        assertFalse(r.includeUsage());
        assertNull(r.metadataRequestId());
        assertNull(r.mode());
        assertNull(r.taskHint());
    }

    @Test
    void fullFeatured() {
        Map<String, Object> b = obj(
                "model", "neo-mode/balanced",
                "messages", arr(
                        obj("role", "system", "content", "be brief", "name", "sys"),
                        obj("role", "developer", "content", arr(text("use tools"))),
                        obj("role", "user", "name", "ann", "content", arr(text("what is this?"),
                                obj("type", "image_url", "image_url", obj("url", "data:image/png;base64,AAAA",
                                        "detail", "high")))),
                        obj("role", "assistant", "content", null, "tool_calls", arr(
                                toolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                        obj("role", "tool", "tool_call_id", "call_1", "content", "sunny"),
                        obj("role", "assistant", "content", "It is sunny.", "refusal", null),
                        user("thanks")),
                "max_tokens", num("1"), "max_completion_tokens", num("8192"),
                "stream", Boolean.TRUE, "stream_options", obj("include_usage", Boolean.TRUE,
                        "include_obfuscation", Boolean.FALSE),
                "temperature", num("0"), "top_p", num("1"),
                "frequency_penalty", num("-2"), "presence_penalty", num("2"),
                "logit_bias", obj("50256", num("-100"), "1", num("100")),
                "n", num("128"), "seed", num("-9223372036854775808"),
                "stop", arr("a", "b", "c", "d"),
                "tools", arr(obj("type", "function", "function", obj("name", "get_weather", "description", "d",
                        "parameters", obj("type", "object"), "strict", Boolean.TRUE)), fnTool("search-web")),
                "tool_choice", obj("type", "function", "function", obj("name", "search-web")),
                "parallel_tool_calls", Boolean.FALSE,
                "response_format", obj("type", "json_schema", "json_schema", obj("name", "reply")),
                "user", "user-123", "logprobs", Boolean.TRUE, "top_logprobs", num("20"),
                "metadata", obj("request_id", "req_demo_001", "mode", "careful"),
                "taskHint", "vision");
        ChatRequest r = ChatRequestValidator.validate(b);
        assertEquals(new ChatRequest("neo-mode/balanced", b, true, true, "req_demo_001", "careful", "vision", null, List.of()), r);
        assertSame(b, r.body());

        b.put("temperature", num("2"));
        b.put("top_p", num("0"));
        assertEquals("neo-mode/balanced", ChatRequestValidator.validate(b).model());
    }

    @Test
    void unknownFieldsPassThrough() {
        Map<String, Object> b = body("provider", obj("order", arr("x")), "reasoning_effort", "high",
                "repetition_penalty", num("99"), "web_search_options", obj(), "extra", null);
        assertSame(b, ChatRequestValidator.validate(b).body());
        // unknown fields inside messages pass through too
        ChatRequestValidator.validate(body("messages", arr(obj("role", "user", "content", "hi", "cache", obj()))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"max_tokens", "max_completion_tokens", "stream", "stream_options", "temperature",
            "top_p", "frequency_penalty", "presence_penalty", "logit_bias", "n", "seed", "stop", "tools",
            "tool_choice", "parallel_tool_calls", "response_format", "user", "logprobs", "top_logprobs",
            "metadata", "taskHint"})
    void explicitNullOptionalFieldIsAbsent(String field) {
        ChatRequest r = ChatRequestValidator.validate(body(field, null));
        assertFalse(r.stream());
        assertNull(r.taskHint());
    }

    @Test
    void firstProblemWins() {
        // required fields are checked first, then messages, then the rest in body order
        rejects(obj("temperature", num("9"), "messages", arr()), "model");
        rejects(obj("temperature", num("9"), "model", "m", "messages", arr()), "messages");
        rejects(body("temperature", num("9"), "top_p", num("9")), "temperature");
        rejects(body("top_p", num("9"), "temperature", num("9")), "top_p");
    }
}

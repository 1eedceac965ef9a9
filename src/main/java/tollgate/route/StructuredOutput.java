package tollgate.route;

import java.util.List;
import java.util.Map;

/** Where a request's JSON schema and an answer's text are (OpenAI structured outputs). */
final class StructuredOutput {
    private StructuredOutput() { throw new AssertionError(); }

    /** {@code response_format.json_schema.schema} of a {@code json_schema} response format, or null. */
    static Object schema(Map<String, Object> body) {
        if (body.get("response_format") instanceof Map<?, ?> f && "json_schema".equals(f.get("type"))
                && f.get("json_schema") instanceof Map<?, ?> js) {
            return js.get("schema");
        }
        return null;
    }

    /** The text of the first choice's message, or null (tool calls, refusals). */
    static String content(Map<String, Object> completion) {
        if (completion.get("choices") instanceof List<?> choices && !choices.isEmpty()
                && choices.get(0) instanceof Map<?, ?> c && c.get("message") instanceof Map<?, ?> m
                && m.get("content") instanceof String s) {
            return s;
        }
        return null;
    }
}

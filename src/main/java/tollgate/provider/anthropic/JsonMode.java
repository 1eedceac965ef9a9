package tollgate.provider.anthropic;

import java.util.List;
import java.util.Map;

/**
 * JSON output emulation. Anthropic's Messages API has no {@code response_format}; the gateway
 * asks for JSON by declaring one extra tool whose {@code input_schema} is the wanted schema and
 * forcing the model to call it: the Anthropic docs ("Tool use", JSON output) suggest exactly
 * this whenever the model should return JSON that follows a schema. The call's {@code input} is
 * the answer; the response side turns it back into message content.
 *
 * <p>Contract: request and response side both derive the tool's name from the client's request
 * body with {@link #toolName}, so they agree on it without sharing state: a pure function of
 * {@code response_format} and the client's tool names.
 */
final class JsonMode {
    private JsonMode() { throw new AssertionError(); }

    /** The forced tool's name, unless a client tool already has it ({@link #toolName}). */
    static final String TOOL_NAME = "json_response";
    /** The forced tool's description when the client's {@code json_schema} has none. */
    static final String TOOL_DESCRIPTION =
            "Give your complete answer as the input of this tool; the input must follow its schema.";
    /** The schema for {@code json_object}: any JSON object (OpenAI's JSON mode answers an object). */
    static final Map<String, Object> OBJECT_SCHEMA = Map.of("type", "object");

    /**
     * The schema the client asked the answer to follow: {@code response_format.json_schema.schema}
     * for {@code json_schema} ({@link #OBJECT_SCHEMA} when it gives none), {@link #OBJECT_SCHEMA}
     * for {@code json_object}; null when the client asked for no JSON ({@code text}, or no
     * {@code response_format}). The returned map is the client's own: read-only.
     */
    static Map<String, Object> schema(Map<String, Object> body) {
        if (!(body.get("response_format") instanceof Map<?, ?> rf)) return null;
        Object type = rf.get("type");
        if ("json_object".equals(type)) return OBJECT_SCHEMA;
        if (!"json_schema".equals(type)) return null;
        if (rf.get("json_schema") instanceof Map<?, ?> js && js.get("schema") instanceof Map<?, ?> s) {
            @SuppressWarnings("unchecked")
            Map<String, Object> schema = (Map<String, Object>) s;
            return schema;
        }
        return OBJECT_SCHEMA;
    }

    /** The client's {@code response_format.json_schema.description}, or {@link #TOOL_DESCRIPTION}. */
    static String description(Map<String, Object> body) {
        if (body.get("response_format") instanceof Map<?, ?> rf
                && rf.get("json_schema") instanceof Map<?, ?> js
                && js.get("description") instanceof String d && !d.isEmpty()) {
            return d;
        }
        return TOOL_DESCRIPTION;
    }

    /**
     * The name of the forced JSON tool for this request body, or null when the client asked for
     * no JSON output. It is {@link #TOOL_NAME}, or, if a client tool is already named so,
     * {@code json_response_1}, {@code json_response_2}, … — the first that no client tool has.
     * Deterministic, so the request and the response side compute the same name.
     */
    static String toolName(Map<String, Object> body) {
        if (schema(body) == null) return null;
        List<?> tools = body.get("tools") instanceof List<?> l ? l : List.of();
        String name = TOOL_NAME;
        for (int n = 1; clientHas(tools, name); n++) {
            name = TOOL_NAME + "_" + n;
        }
        return name;
    }

    private static boolean clientHas(List<?> tools, String name) {
        for (Object t : tools) {
            if (t instanceof Map<?, ?> tool && tool.get("function") instanceof Map<?, ?> fn
                    && name.equals(fn.get("name"))) {
                return true;
            }
        }
        return false;
    }
}

package tollgate.provider.anthropic;

import static tollgate.provider.anthropic.AnthropicRequest.refuse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;

/**
 * Translates OpenAI {@code tools}, {@code tool_choice}, {@code parallel_tool_calls} and the
 * JSON {@code response_format}s into Anthropic's {@code tools} and {@code tool_choice}
 * (protocols.md §7; Anthropic docs, "Tool use").
 *
 * <ul>
 *   <li>Each function becomes {@code {"name","description"?,"input_schema"}}; a function without
 *       (or with empty) {@code parameters} gets {@link #EMPTY_INPUT_SCHEMA}, since Anthropic
 *       requires an object schema. {@code function.strict} is dropped: Anthropic has no strict
 *       mode for client tools, and the schema is still sent.</li>
 *   <li>{@code tool_choice}: {@code auto}→{@code auto}, {@code none}→{@code none},
 *       {@code required}→{@code any}, a named function→{@code {"type":"tool","name"}}.
 *       {@code parallel_tool_calls: false} becomes {@code disable_parallel_tool_use: true}
 *       (not with {@code none}, which calls no tool). No tools, no {@code tool_choice}.</li>
 *   <li>JSON output ({@link JsonMode}): one more tool, forced with {@code {"type":"tool"}} and
 *       {@code disable_parallel_tool_use} (so exactly one JSON answer comes back); when the
 *       client declared tools too, {@code {"type":"any"}} instead, so the model may call the
 *       client's tools or answer through the JSON tool — except that a client {@code none}
 *       still forces the JSON tool, and a client's named function is forced as asked.</li>
 * </ul>
 */
final class AnthropicTools {
    private AnthropicTools() { throw new AssertionError(); }

    /** The input schema of a function declared without parameters: an object with none. */
    static final Map<String, Object> EMPTY_INPUT_SCHEMA;
    static {
        Map<String, Object> m = new LinkedHashMap<>(4);
        m.put("type", "object");
        m.put("properties", Map.of());
        EMPTY_INPUT_SCHEMA = Collections.unmodifiableMap(m);
    }

    /** Anthropic's {@code tools} and {@code tool_choice}; either may be null (not sent). */
    record Translated(List<Object> tools, Map<String, Object> toolChoice) {}

    private static final Translated NONE = new Translated(null, null);

    /**
     * @param body        the client's request body (for {@code response_format})
     * @param clientTools the client's {@code tools}, or null
     * @param toolChoice  the client's {@code tool_choice}, or null
     * @param parallel    false when the client sent {@code parallel_tool_calls: false}
     * @throws tollgate.error.GatewayException {@code CALLER_INVALID_REQUEST} when the JSON
     *         schema is not an object schema, which a tool's input schema must be
     */
    static Translated translate(Map<String, Object> body, List<?> clientTools, Object toolChoice,
                                boolean parallel, String provider) {
        Map<String, Object> schema = JsonMode.schema(body);
        String jsonTool = schema == null ? null : JsonMode.toolName(body);
        boolean clientHasTools = clientTools != null && !clientTools.isEmpty();
        if (!clientHasTools && jsonTool == null) return NONE;

        List<Object> tools = new ArrayList<>((clientHasTools ? clientTools.size() : 0) + 1);
        if (clientHasTools) {
            for (Object t : clientTools) tools.add(tool(Json.asObject(Json.asObject(t).get("function"))));
        }
        if (jsonTool != null) {
            Object type = schema.get("type");
            if (!"object".equals(type)) {
                throw refuse("response_format.json_schema.schema", provider, "emulates 'response_format' with a "
                        + "tool, and Anthropic requires a tool's input schema to have \"type\": \"object\" at its "
                        + "root; got " + (type == null ? "no \"type\"" : "\"type\": " + Json.toString(type)) + ".");
            }
            Map<String, Object> t = new LinkedHashMap<>(4);
            t.put("name", jsonTool);
            t.put("description", JsonMode.description(body));
            t.put("input_schema", schema);
            tools.add(t);
        }
        return new Translated(tools, choice(toolChoice, clientHasTools, jsonTool, parallel));
    }

    private static Map<String, Object> tool(Map<String, Object> fn) {
        Map<String, Object> t = new LinkedHashMap<>(4);
        t.put("name", fn.get("name"));
        if (fn.get("description") instanceof String d) t.put("description", d);
        Object params = fn.get("parameters");
        t.put("input_schema", params instanceof Map<?, ?> p && !p.isEmpty() ? params : EMPTY_INPUT_SCHEMA);
        return t;
    }

    private static Map<String, Object> choice(Object toolChoice, boolean clientHasTools, String jsonTool, boolean parallel) {
        String type;
        Object name = null;
        boolean single = !parallel;
        if (jsonTool != null && (!clientHasTools || "none".equals(toolChoice))) {
            type = "tool";
            name = jsonTool;
            single = true;
        } else if (toolChoice instanceof Map<?, ?> m) {
            type = "tool";
            name = Json.asObject(m.get("function")).get("name");
        } else if ("none".equals(toolChoice)) {
            type = "none";
            single = false; // no tool is called; Anthropic's "none" takes no such option
        } else if ("required".equals(toolChoice) || jsonTool != null) {
            type = "any";
        } else if ("auto".equals(toolChoice) || !parallel) {
            type = "auto";
        } else {
            return null; // Anthropic's default is auto with parallel calls, as OpenAI's
        }
        Map<String, Object> c = new LinkedHashMap<>(4);
        c.put("type", type);
        if (name != null) c.put("name", name);
        if (single) c.put("disable_parallel_tool_use", Boolean.TRUE);
        return c;
    }
}

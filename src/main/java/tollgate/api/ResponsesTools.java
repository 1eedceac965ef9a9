package tollgate.api;

import static tollgate.api.Validation.NAME_RULE;
import static tollgate.api.Validation.bool;
import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.invalidValue;
import static tollgate.api.Validation.isName;
import static tollgate.api.Validation.object;
import static tollgate.api.Validation.requiredString;
import static tollgate.api.Validation.string;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;

/**
 * The {@code tools} and {@code tool_choice} of a Responses request ({@link ResponsesRequest};
 * protocols-2.md §9, and the OpenAI SDK's {@code NamespaceTool} for namespaces): checked, echoed
 * in the response, and flattened into the functions a chat model sees.
 */
final class ResponsesTools {
    private ResponsesTools() { throw new AssertionError(); }

    /** Tool types left out of what the model sees (see {@link #tools}). */
    private static final Set<String> HOSTED_SEARCH = Set.of("web_search", "web_search_preview");
    private static final Set<String> FUNCTION_KEYS = Set.of("type", "name", "description", "parameters", "strict");
    /** A function inside a namespace may also say how it is called and found (OpenAI SDK's NamespaceTool.Function); not used here. */
    private static final Set<String> NESTED_FUNCTION_KEYS = Set.of("type", "name", "description", "parameters", "strict",
            "allowed_callers", "defer_loading", "output_schema");

    /**
     * The tools, as the response echoes them: flat function tools ({@code strict} defaults to
     * true, §9, inferred); namespaces of function tools ({@code {"type":"namespace","name",
     * "description","tools":[...]}}, which Codex sends: the model sees each function by its own
     * name, and its calls come back with {@code namespace}); and OpenAI's hosted web search
     * ({@code web_search}, {@code web_search_preview}), which no upstream of a chat request can
     * run: it is left out of what the model sees, as the Messages surface leaves out Anthropic's
     * server tools. Other tool types are a 400 naming them.
     */
    static List<Object> tools(Object v) {
        if (!(v instanceof List<?> list)) throw invalidType("tools", "an array", v);
        List<Object> out = new ArrayList<>(list.size());
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "tools[" + i + "]";
            Map<String, Object> t = object(at, list.get(i));
            Object type = t.get("type");
            if ("namespace".equals(type)) {
                out.add(namespace(t, at, names));
            } else if (HOSTED_SEARCH.contains(type)) {
                out.add(new LinkedHashMap<>(t));
            } else {
                out.add(function(t, at, names, FUNCTION_KEYS));
            }
        }
        return out;
    }

    private static Map<String, Object> namespace(Map<String, Object> t, String at, Set<String> names) {
        for (String key : t.keySet()) {
            if (!Set.of("type", "name", "description", "tools").contains(key)) {
                throw GatewayException.invalid(at + "." + key, "Unknown parameter: '" + at + "." + key + "'.");
            }
        }
        String name = requiredString(t, "name", at + ".name");
        if (!isName(name)) throw invalidValue(at + ".name", NAME_RULE, name);
        if (t.get("description") != null) string(at + ".description", t.get("description"));
        if (!(t.get("tools") instanceof List<?> nested)) {
            throw t.get("tools") == null ? Validation.missing(at + ".tools") : invalidType(at + ".tools", "an array", t.get("tools"));
        }
        List<Object> functions = new ArrayList<>(nested.size());
        for (int j = 0; j < nested.size(); j++) {
            functions.add(function(object(at + ".tools[" + j + "]", nested.get(j)), at + ".tools[" + j + "]", names, NESTED_FUNCTION_KEYS));
        }
        Map<String, Object> echo = new LinkedHashMap<>();
        echo.put("type", "namespace");
        echo.put("name", name);
        echo.put("description", t.get("description"));
        echo.put("tools", functions);
        return echo;
    }

    private static Map<String, Object> function(Map<String, Object> t, String at, Set<String> names, Set<String> keys) {
        Object type = t.get("type");
        if (!"function".equals(type)) {
            if (type instanceof String s) {
                throw GatewayException.invalid(at + ".type", "The tool type '" + s + "' is not supported on /responses: "
                        + "function tools ({\"type\": \"function\", \"name\": ..., \"parameters\": {...}}), namespaces of them, "
                        + "and web_search (left out: no upstream here can run it) are.");
            }
            throw type == null ? Validation.missing(at + ".type") : invalidType(at + ".type", "a string", type);
        }
        for (String key : t.keySet()) {
            if (!keys.contains(key)) throw GatewayException.invalid(at + "." + key, "Unknown parameter: '" + at + "." + key + "'.");
        }
        String name = requiredString(t, "name", at + ".name");
        if (!isName(name)) throw invalidValue(at + ".name", NAME_RULE, name);
        if (!names.add(name)) throw GatewayException.invalid(at + ".name", "Duplicate function name '" + name + "' in 'tools'.");
        if (t.get("description") != null) string(at + ".description", t.get("description"));
        if (t.get("parameters") != null) object(at + ".parameters", t.get("parameters"));
        if (t.get("strict") != null) bool(at + ".strict", t.get("strict"));
        Map<String, Object> echo = new LinkedHashMap<>();
        echo.put("type", "function");
        echo.put("name", name);
        echo.put("description", t.get("description"));
        echo.put("parameters", t.get("parameters"));
        echo.put("strict", t.get("strict") != null ? t.get("strict") : Boolean.TRUE);
        return echo;
    }

    /** The functions the model sees: the flat ones and those of namespaces, in order (hosted tools left out). */
    static List<Map<?, ?>> functions(List<?> tools) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object o : tools) {
            Map<?, ?> t = (Map<?, ?>) o;
            if ("function".equals(t.get("type"))) out.add(t);
            else if ("namespace".equals(t.get("type"))) for (Object f : (List<?>) t.get("tools")) out.add((Map<?, ?>) f);
        }
        return out;
    }

    /** The namespace of the function {@code name} among the echoed {@code tools}, or null when it is a flat one. */
    static String namespaceOf(Object tools, String name) {
        if (!(tools instanceof List<?> list) || name == null) return null;
        for (Object o : list) {
            if (o instanceof Map<?, ?> t && "namespace".equals(t.get("type"))) {
                for (Object f : (List<?>) t.get("tools")) {
                    if (name.equals(((Map<?, ?>) f).get("name"))) return (String) t.get("name");
                }
            }
        }
        return null;
    }

    /** {@code tool_choice}: none, auto, required (needs a function), or one declared function by name. */
    static void toolChoice(Object v, List<Object> tools) {
        if (v instanceof String s) {
            if (!s.equals("none") && !s.equals("auto") && !s.equals("required")) {
                throw invalidValue("tool_choice", "'none', 'auto', 'required' or {\"type\": \"function\", \"name\": ...}", v);
            }
            if (s.equals("required") && functions(tools).isEmpty()) {
                throw GatewayException.invalid("tool_choice",
                        "'tool_choice': \"required\" needs at least one function in 'tools' (web_search is left out here).");
            }
            return;
        }
        Map<String, Object> m = object("tool_choice", v);
        if (!"function".equals(m.get("type"))) {
            throw GatewayException.invalid("tool_choice.type", "Only {\"type\": \"function\", \"name\": ...} or 'none', 'auto', "
                    + "'required' are supported for 'tool_choice' on /responses, got type " + Validation.show(m.get("type")) + ".");
        }
        String name = requiredString(m, "name", "tool_choice.name");
        for (Map<?, ?> t : functions(tools)) {
            if (name.equals(t.get("name"))) return;
        }
        throw GatewayException.invalid("tool_choice.name", "Invalid value for 'tool_choice.name': no function named '"
                + Validation.show(name).replace("'", "") + "' is declared in 'tools'.");
    }
}

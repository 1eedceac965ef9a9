package tollgate.provider.echo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * What the echo provider answers to a request body, decided once and rendered by
 * {@link EchoProvider} as a completion or as chunks. See {@link EchoProvider} for the rules.
 *
 * @param text             the reply text, or null when the reply is tool calls
 * @param toolCalls        the tool calls (empty for a text reply)
 * @param promptTokens     the estimated prompt size
 * @param completionTokens the estimated reply size
 * @param truncated        whether the reply was cut at the output limit (finish_reason {@code length})
 */
record EchoReply(String text, List<ToolCall> toolCalls, long promptTokens, long completionTokens, boolean truncated) {

    /** Characters per token in the prompt estimate (the usual rule of thumb for English). */
    static final int CHARS_PER_TOKEN = 4;

    /** One tool call: {@code arguments} is compact JSON text. */
    record ToolCall(String id, String name, String arguments) {}

    boolean isToolCall() {
        return !toolCalls.isEmpty();
    }

    String finishReason() {
        if (truncated) return "length";
        return isToolCall() ? "tool_calls" : "stop";
    }

    /**
     * @param maxChars the most characters of reply text, or of string values in tool-call
     *                 arguments together: like a model's output limit, what is over it is cut
     */
    static EchoReply of(Map<String, Object> body, int maxChars) {
        List<Map<String, Object>> messages = objects(body.get("messages"));
        long chars = 0;
        for (Map<String, Object> m : messages) chars += text(m.get("content")).length();
        long prompt = Math.max(1, (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);

        // Who spoke last: a system message after the turn (OpenAI allows them anywhere; Anthropic's
        // mid-conversation ones follow the user turn, as Claude Code sends) does not change that.
        Map<String, Object> last = Map.of();
        for (int i = messages.size() - 1; i >= 0; i--) {
            Object role = messages.get(i).get("role");
            if (!"system".equals(role) && !"developer".equals(role)) {
                last = messages.get(i);
                break;
            }
        }
        if ("tool".equals(last.get("role"))) {
            return textReply("Echo: tool result: " + text(last.get("content")), prompt, maxChars);
        }
        String userText = "";
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).get("role"))) {
                userText = text(messages.get(i).get("content"));
                break;
            }
        }
        if ("user".equals(last.get("role"))) {
            int[] budget = {maxChars};
            List<ToolCall> calls = toolCalls(body, userText, budget);
            if (!calls.isEmpty()) {
                long completion = 0;
                for (ToolCall c : calls) completion += 1 + c.arguments().length() / CHARS_PER_TOKEN;
                return new EchoReply(null, calls, prompt, completion, budget[0] < 0);
            }
        }
        return textReply("Echo: " + userText, prompt, maxChars);
    }

    private static EchoReply textReply(String reply, long prompt, int maxChars) {
        boolean cut = reply.length() > maxChars;
        if (cut) reply = reply.substring(0, Character.isHighSurrogate(reply.charAt(maxChars - 1)) ? maxChars - 1 : maxChars);
        return new EchoReply(reply, List.of(), prompt, words(reply), cut);
    }

    /** {@code text} cut to what is left of {@code budget[0]} chars; a cut leaves the budget negative. */
    private static String spend(String text, int[] budget) {
        int left = Math.max(0, budget[0]);
        if (text.length() <= left) {
            budget[0] -= text.length();
            return text;
        }
        budget[0] = -1;
        int end = left > 0 && Character.isHighSurrogate(text.charAt(left - 1)) ? left - 1 : left;
        return text.substring(0, end);
    }

    /**
     * The tools to call: the named one for a named {@code tool_choice}; else every declared tool
     * whose name occurs in the text (only the first if {@code parallel_tool_calls} is false);
     * else, for {@code "required"}, the first declared tool; else none.
     */
    private static List<ToolCall> toolCalls(Map<String, Object> body, String userText, int[] budget) {
        List<Map<String, Object>> functions = new ArrayList<>();
        for (Map<String, Object> tool : objects(body.get("tools"))) {
            Map<String, Object> f = Json.asObject(tool.get("function"));
            if (f != null && f.get("name") instanceof String) functions.add(f);
        }
        Object choice = body.get("tool_choice");
        if (functions.isEmpty() || "none".equals(choice)) return List.of();

        List<Map<String, Object>> chosen = new ArrayList<>();
        Map<String, Object> named = Json.asObject(choice);
        if (named != null) {
            Map<String, Object> f = Json.asObject(named.get("function"));
            String name = f != null && f.get("name") instanceof String s ? s : null;
            for (Map<String, Object> fn : functions) {
                if (fn.get("name").equals(name)) chosen.add(fn);
            }
            if (chosen.isEmpty() && name != null) chosen.add(Map.of("name", name));
        } else {
            boolean parallel = !Boolean.FALSE.equals(body.get("parallel_tool_calls"));
            for (Map<String, Object> fn : functions) {
                if (userText.contains((String) fn.get("name")) && (parallel || chosen.isEmpty())) chosen.add(fn);
            }
            if (chosen.isEmpty() && "required".equals(choice)) chosen.add(functions.get(0));
        }
        List<ToolCall> calls = new ArrayList<>(chosen.size());
        for (Map<String, Object> fn : chosen) {
            calls.add(new ToolCall("call_echo_" + calls.size(), (String) fn.get("name"),
                    Json.toString(arguments(Json.asObject(fn.get("parameters")), userText, budget))));
        }
        return calls;
    }

    /** A value of the declared type for each {@code required} property of the schema. */
    private static Map<String, Object> arguments(Map<String, Object> schema, String userText, int[] budget) {
        Map<String, Object> args = new LinkedHashMap<>();
        if (schema == null || !(schema.get("required") instanceof List<?> required)) return args;
        Map<String, Object> properties = Json.asObject(schema.get("properties"));
        for (Object r : required) {
            if (!(r instanceof String name)) continue;
            Map<String, Object> prop = properties == null ? null : Json.asObject(properties.get(name));
            args.put(name, sample(prop, userText, budget));
        }
        return args;
    }

    private static Object sample(Map<String, Object> prop, String userText, int[] budget) {
        if (prop == null) return null;
        if (prop.get("enum") instanceof List<?> values && !values.isEmpty()) return values.get(0);
        String type = null;
        if (prop.get("type") instanceof String t) {
            type = t;
        } else if (prop.get("type") instanceof List<?> types) { // e.g. ["string", "null"]
            for (Object t : types) {
                if (t instanceof String s && !s.equals("null")) {
                    type = s;
                    break;
                }
            }
        }
        if (type == null) return null;
        return switch (type) {
            case "string" -> spend(userText, budget);
            case "number", "integer" -> JsonNumber.of(0);
            case "boolean" -> Boolean.FALSE;
            case "array" -> new ArrayList<>();
            case "object" -> new LinkedHashMap<String, Object>();
            default -> null;
        };
    }

    /** A message's text: the string, or its text parts joined with \n ([image] for images). */
    static String text(Object content) {
        if (content instanceof String s) return s;
        StringJoiner j = new StringJoiner("\n");
        for (Map<String, Object> part : objects(content)) {
            Object type = part.get("type");
            if ("text".equals(type) && part.get("text") instanceof String t) j.add(t);
            else if ("image_url".equals(type)) j.add("[image]");
            else if ("input_audio".equals(type)) j.add("[audio]");
            else if ("file".equals(type)) j.add("[file]");
        }
        return j.toString();
    }

    /** Whitespace-separated words. */
    static long words(String s) {
        long n = 0;
        for (String piece : pieces(s)) if (!piece.isBlank()) n++;
        return n;
    }

    /**
     * The text cut before each run of whitespace that follows a word, so that every piece but
     * a trailing blank one holds one word with its leading spaces, and the pieces concatenate
     * to the text.
     */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int start = i;
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            while (i < n && !Character.isWhitespace(text.charAt(i))) i++;
            out.add(text.substring(start, i));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> objects(Object list) {
        if (!(list instanceof List<?> l)) return List.of();
        List<Map<String, Object>> out = new ArrayList<>(l.size());
        for (Object o : l) if (o instanceof Map<?, ?> m) out.add((Map<String, Object>) m);
        return out;
    }
}

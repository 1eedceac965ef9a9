package tollgate.route;

import java.util.List;
import java.util.Map;
import tollgate.catalog.Model;
import tollgate.conversation.Capabilities;
import tollgate.json.JsonNumber;

/**
 * What a request needs from a model, worked out once per request so that filtering hundreds of
 * candidates is a few field reads each.
 *
 * @param tools         non-empty {@code tools}
 * @param vision        an image part in the messages (its path, for messages), or null
 * @param json          a JSON {@code response_format}
 * @param stream        {@code stream: true}
 * @param promptTokens  the gateway's estimate of the prompt
 * @param outputTokens  {@code max_completion_tokens} or {@code max_tokens}; 0 when not given
 */
record Needs(boolean tools, String vision, boolean json, boolean stream, long promptTokens, long outputTokens) {

    static Needs of(Map<String, Object> body, boolean stream, long promptTokens) {
        boolean tools = body.get("tools") instanceof List<?> t && !t.isEmpty();
        boolean json = body.get("response_format") instanceof Map<?, ?> f && f.get("type") instanceof String type
                && (type.equals("json_object") || type.equals("json_schema"));
        long out = tokens(body.get("max_completion_tokens"));
        if (out == 0) out = tokens(body.get("max_tokens"));
        return new Needs(tools, Capabilities.firstImage(body), json, stream, promptTokens, out);
    }

    private static long tokens(Object v) {
        if (!(v instanceof JsonNumber n) || !n.isInteger()) return 0;
        try {
            return Math.max(0, Long.parseLong(n.text()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whether {@code m} can take the request: capabilities, and the prompt fits its window. */
    boolean metBy(Model m) {
        if (tools && !m.has("tools")) return false;
        if (vision != null && !m.has("vision")) return false;
        if (json && !m.has("json")) return false;
        if (stream && !m.has("stream")) return false;
        return m.contextLength() == 0 || promptTokens <= m.contextLength();
    }

    /** What no candidate offered, for the 400: e.g. "tools, vision". */
    String describe() {
        StringBuilder b = new StringBuilder();
        if (tools) b.append("tools");
        if (vision != null) b.append(b.isEmpty() ? "" : ", ").append("vision");
        if (json) b.append(b.isEmpty() ? "" : ", ").append("json");
        if (stream) b.append(b.isEmpty() ? "" : ", ").append("stream");
        b.append(b.isEmpty() ? "" : ", ").append("a context window of at least ").append(promptTokens).append(" tokens");
        return b.toString();
    }

    /** Estimated cost of the request on {@code m} in USD, for ranking. */
    double cost(Model m, long defaultOutputTokens) {
        long out = outputTokens > 0 ? outputTokens : defaultOutputTokens;
        return promptTokens * m.pricing().promptPerToken() + out * m.pricing().completionPerToken();
    }
}

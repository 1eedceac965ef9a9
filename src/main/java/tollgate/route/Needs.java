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
    static final int TOOLS = 1, VISION = 2, JSON = 4, STREAM = 8;

    /** A model's capabilities as bits. */
    static int bits(Model m) {
        return (m.has("tools") ? TOOLS : 0) | (m.has("vision") ? VISION : 0) | (m.has("json") ? JSON : 0)
                | (m.has("stream") ? STREAM : 0);
    }

    /** The capabilities the request needs, as bits. */
    int required() {
        return (tools ? TOOLS : 0) | (vision != null ? VISION : 0) | (json ? JSON : 0) | (stream ? STREAM : 0);
    }

    /** Whether {@code d} can take the request: its capabilities (precomputed bits), and the prompt fits its window. */
    boolean metBy(Deployment d, int required) {
        if ((d.capabilityBits & required) != required) return false;
        long window = d.model().contextLength();
        return window == 0 || promptTokens <= window;
    }

    /** Estimated cost on {@code d} in USD, from its cached per-token doubles; unknown prices cost infinitely much. */
    double cost(Deployment d, long defaultOutputTokens) {
        if (!d.priced) return Double.POSITIVE_INFINITY;
        long out = outputTokens > 0 ? outputTokens : defaultOutputTokens;
        return promptTokens * d.promptUsd + out * d.completionUsd;
    }

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

}

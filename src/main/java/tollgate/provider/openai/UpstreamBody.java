package tollgate.provider.openai;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.provider.ChatCall;

/**
 * Writes an OpenAI-format upstream body straight from the client's body, without copying it:
 * the top-level members are written in the client's order, each value by {@link Json#write} as
 * it is (so unknown fields and the exact text of numbers pass through), except:
 * <ul>
 *   <li>{@code model} becomes {@link ChatCall#upstreamModel()};</li>
 *   <li>{@link ChatCall#GATEWAY_FIELDS} are left out;</li>
 *   <li>{@code stream} is {@link ChatCall#stream()};</li>
 *   <li>when streaming and {@link Rules#streamUsageOption}, {@code stream_options.include_usage}
 *       is forced to {@code true}, keeping the client's other {@code stream_options} keys: the
 *       gateway needs the usage to meter the call (OpenAI: "an additional chunk will be streamed
 *       before the data: [DONE] message");</li>
 *   <li>and what the {@link Rules} of an OpenAI-like upstream rename, drop or refuse.</li>
 * </ul>
 */
public final class UpstreamBody {
    private UpstreamBody() { throw new AssertionError(); }

    /** First buffer size, in bytes; it grows as needed. */
    static final int INITIAL_BYTES = 4096;

    /**
     * What an OpenAI-like upstream accepts.
     *
     * @param streamUsageOption whether the upstream takes {@code stream_options} (else the field is
     *                          dropped: such upstreams report usage on their own)
     * @param accepted          the top-level fields the upstream accepts (after renaming), or null
     *                          for "anything" (OpenAI-compatible servers ignore what they don't know)
     * @param renamed           client field → the upstream's name for it
     * @param dropped           fields left out because they change nothing in the answer
     */
    public record Rules(boolean streamUsageOption, Set<String> accepted, Map<String, String> renamed, Set<String> dropped) {
        /** OpenAI itself: everything passes. */
        public static final Rules OPENAI = new Rules(true, null, Map.of(), Set.of());
    }

    /**
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} naming a field the rules do not
     *                          accept (unless its value asks for nothing: false, {}, [])
     */
    public static JsonBuffer write(ChatCall call, Rules rules) {
        Map<String, Object> body = call.body();
        JsonBuffer out = new JsonBuffer(INITIAL_BYTES, call.memory());
        out.append((byte) '{');
        boolean first = true;
        boolean sawModel = false;
        boolean sawStream = false;
        boolean sawStreamOptions = false;
        for (Map.Entry<String, Object> e : body.entrySet()) {
            String key = e.getKey();
            if (ChatCall.GATEWAY_FIELDS.contains(key)) continue;
            Object value = e.getValue();
            switch (key) {
                case "model" -> {
                    value = call.upstreamModel();
                    sawModel = true;
                }
                case "stream" -> {
                    value = call.stream();
                    sawStream = true;
                }
                case "stream_options" -> {
                    sawStreamOptions = true;
                    if (!rules.streamUsageOption()) continue;
                    if (call.stream()) value = withUsage(value);
                }
                default -> {
                    if (rules.dropped().contains(key)) continue;
                    String renamed = rules.renamed().get(key);
                    if (renamed != null) {
                        if (body.containsKey(renamed)) continue; // the upstream's own name wins
                        key = renamed;
                    }
                    if (rules.accepted() != null && !rules.accepted().contains(key)) {
                        if (asksNothing(value)) continue;
                        throw unsupported(call, e.getKey());
                    }
                }
            }
            first = member(out, first, key, value);
        }
        if (!sawModel) first = member(out, first, "model", call.upstreamModel());
        if (call.stream() && !sawStream) first = member(out, first, "stream", Boolean.TRUE);
        if (call.stream() && !sawStreamOptions && rules.streamUsageOption()) {
            member(out, first, "stream_options", withUsage(null));
        }
        out.append((byte) '}');
        return out;
    }

    /** JSON null, false, {} or []: a parameter that requests nothing can be left out. */
    private static boolean asksNothing(Object value) {
        return value == null || Boolean.FALSE.equals(value)
                || (value instanceof Map<?, ?> m && m.isEmpty()) || (value instanceof List<?> l && l.isEmpty());
    }

    private static GatewayException unsupported(ChatCall call, String key) {
        return GatewayException.invalid(key, "The parameter '" + key + "' is not supported by provider '"
                + call.model().provider() + "', which serves the model '" + call.model().id()
                + "'. Remove it, or choose a model from another provider.");
    }

    private static boolean member(JsonBuffer out, boolean first, String key, Object value) {
        if (!first) out.append((byte) ',');
        Json.write(key, out);
        out.append((byte) ':');
        Json.write(value, out);
        return false;
    }

    /** The client's stream_options (a small object) with include_usage set, in its place. */
    private static Map<String, Object> withUsage(Object streamOptions) {
        Map<String, Object> copy = new LinkedHashMap<>();
        if (streamOptions instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) copy.put((String) e.getKey(), e.getValue());
        }
        copy.put("include_usage", Boolean.TRUE);
        return copy;
    }
}

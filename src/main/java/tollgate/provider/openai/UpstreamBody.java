package tollgate.provider.openai;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.provider.ChatCall;

/**
 * Writes the upstream request body straight from the client's body, without copying it: the
 * top-level members are written in the client's order, each value by {@link Json#write} as it
 * is (so unknown fields and the exact text of numbers pass through), except:
 * <ul>
 *   <li>{@code model} becomes {@link ChatCall#upstreamModel()};</li>
 *   <li>{@link ChatCall#GATEWAY_FIELDS} are left out;</li>
 *   <li>{@code stream} is {@link ChatCall#stream()};</li>
 *   <li>when streaming, {@code stream_options.include_usage} is forced to {@code true}, keeping
 *       the client's other {@code stream_options} keys: the gateway needs the usage to meter
 *       the call (OpenAI: "an additional chunk will be streamed before the data: [DONE]
 *       message").</li>
 * </ul>
 */
final class UpstreamBody {
    private UpstreamBody() { throw new AssertionError(); }

    /** First buffer size, in bytes; it grows as needed. */
    static final int INITIAL_BYTES = 4096;

    static JsonBuffer write(ChatCall call) {
        JsonBuffer out = new JsonBuffer(INITIAL_BYTES);
        out.append((byte) '{');
        boolean first = true;
        boolean sawModel = false;
        boolean sawStream = false;
        boolean sawStreamOptions = false;
        for (Map.Entry<String, Object> e : call.body().entrySet()) {
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
                    if (call.stream()) value = withUsage(value);
                    sawStreamOptions = true;
                }
                default -> { }
            }
            first = member(out, first, key, value);
        }
        if (!sawModel) first = member(out, first, "model", call.upstreamModel());
        if (call.stream() && !sawStream) first = member(out, first, "stream", Boolean.TRUE);
        if (call.stream() && !sawStreamOptions) member(out, first, "stream_options", withUsage(null));
        out.append((byte) '}');
        return out;
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

package tollgate.provider.anthropic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.NativeMessages;
import tollgate.provider.SseEvent;
import tollgate.provider.StreamDecoder;
import tollgate.provider.Usage;

/**
 * A native Messages call ({@link NativeMessages}) on an Anthropic upstream: the client's body
 * goes up with only {@code model} (the upstream's name) and {@code stream} (this call's) set, and
 * what comes back is translated as for any call ({@link AnthropicResponse}, {@link AnthropicStream}:
 * what the gateway routes, meters and charges on) and also kept as it came, for the surface to
 * relay: the message under {@link NativeMessages#ANSWER}, each event under
 * {@link NativeMessages#EVENTS} on the first chunk it yielded, or on an empty carrier chunk
 * ({@code "choices":[]}) when it yielded none (a ping, a thinking delta, a block's stop).
 */
final class AnthropicNative {
    private AnthropicNative() { throw new AssertionError(); }

    /** Initial size of the upstream body buffer, in bytes (it grows as needed). */
    static final int INITIAL_BYTES = 4096;

    /** The client's body with the upstream's model and this call's {@code stream}, charged to the call's memory. */
    static JsonBuffer body(ChatCall call) {
        Map<String, Object> body = new LinkedHashMap<>(call.messages().body()); // shallow: the values are only read
        body.put("model", call.upstreamModel());
        if (call.stream()) body.put("stream", Boolean.TRUE);
        else body.remove("stream");
        JsonBuffer out = new JsonBuffer(INITIAL_BYTES, call.memory());
        Json.write(body, out);
        return out;
    }

    /**
     * The client's {@code anthropic-version} (the dialect's own when it sent none) and its
     * {@code anthropic-beta} verbatim: "forward the header verbatim; don't allowlist individual
     * values" (protocols-2.md §10, Claude Code behind a gateway). An {@code anthropic-beta} the
     * operator configured in the provider's {@code headers} is kept: the client's betas are joined
     * to it (comma-separated, each once), since these call headers replace configured ones by name.
     */
    static List<String> headers(NativeMessages m, Map<String, String> configured) {
        String version = m.version() != null ? m.version() : AnthropicDialect.API_VERSION;
        if (m.beta() == null) return List.of("anthropic-version", version);
        return List.of("anthropic-version", version, "anthropic-beta", joinBeta(configuredBeta(configured), m.beta()));
    }

    /** The operator's {@code anthropic-beta} (header names are case-insensitive), or null. */
    private static String configuredBeta(Map<String, String> configured) {
        if (configured == null) return null;
        for (Map.Entry<String, String> h : configured.entrySet()) {
            if ("anthropic-beta".equalsIgnoreCase(h.getKey())) return h.getValue();
        }
        return null;
    }

    /** The operator's betas then the client's, comma-separated, each once, empty items dropped. */
    static String joinBeta(String operator, String client) {
        if (operator == null || operator.isBlank()) return client;
        LinkedHashSet<String> betas = new LinkedHashSet<>();
        for (String list : new String[] {operator, client}) {
            for (String b : list.split(",", -1)) {
                String t = b.trim();
                if (!t.isEmpty()) betas.add(t);
            }
        }
        return String.join(",", betas);
    }

    /** The translated completion, carrying the upstream's own answer. */
    static ChatResult completion(Map<String, Object> answer, ChatCall call, String providerId) {
        ChatResult r = AnthropicResponse.completion(answer, call, providerId);
        r.completion().put(NativeMessages.ANSWER, answer);
        return r;
    }

    /** {@link AnthropicStream}'s chunks, each upstream event riding on the first chunk it yields. */
    static final class Decoder implements StreamDecoder {
        private final AnthropicStream translation;

        Decoder(AnthropicStream translation) { this.translation = translation; }

        @Override
        public boolean decode(SseEvent event, List<Map<String, Object>> out) {
            int before = out.size();
            // Parsed once: the translation only reads the tree, and the client's event is written from it.
            Map<String, Object> data = translation.parse(event);
            boolean end = translation.decode(event, data, out); // throws for an error event: the dispatcher answers it
            String type = event.event();
            if (SseEvent.DEFAULT_TYPE.equals(type) && data.get("type") instanceof String t) type = t;
            Map<String, Object> carrier;
            if (out.size() > before) {
                carrier = out.get(before);
            } else {
                carrier = new LinkedHashMap<>(4);
                carrier.put("object", "chat.completion.chunk");
                carrier.put("choices", new ArrayList<>(0));
                out.add(before, carrier);
            }
            List<Object> events = new ArrayList<>(1);
            events.add(new NativeMessages.Event(type, data));
            carrier.put(NativeMessages.EVENTS, events);
            return end;
        }

        @Override
        public Usage usage() { return translation.usage(); }
    }
}

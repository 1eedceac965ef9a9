package tollgate.conversation;

import java.util.List;
import java.util.Map;

/**
 * Puts the client's own tool call ids back into what the client receives, where the gateway
 * rewrote them for the provider (Mistral's 9-character ids, Anthropic's character set; seed 002
 * "ID normalization"). Only ids the gateway generated are touched: new ids the provider made
 * up for new calls pass as they are.
 */
public final class ClientToolIds {
    /** Nothing rewritten. */
    public static final ClientToolIds NONE = new ClientToolIds(Map.of());

    private final Map<String, String> upstreamToClient;

    /** @param upstreamToClient generated id → the client's id; empty when nothing was rewritten */
    public ClientToolIds(Map<String, String> upstreamToClient) {
        this.upstreamToClient = upstreamToClient;
    }

    public boolean none() {
        return upstreamToClient.isEmpty();
    }

    /** Restores {@code choices[].message.tool_calls[].id} of a {@code chat.completion}. */
    public void restoreCompletion(Map<String, Object> completion) {
        if (none()) return;
        for (Object choice : list(completion.get("choices"))) {
            if (choice instanceof Map<?, ?> c && c.get("message") instanceof Map<?, ?> message) {
                restoreCalls(message.get("tool_calls"));
            }
        }
    }

    /** Restores {@code choices[].delta.tool_calls[].id} of a {@code chat.completion.chunk}. */
    public void restoreChunk(Map<String, Object> chunk) {
        if (none()) return;
        for (Object choice : list(chunk.get("choices"))) {
            if (choice instanceof Map<?, ?> c && c.get("delta") instanceof Map<?, ?> delta) {
                restoreCalls(delta.get("tool_calls"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void restoreCalls(Object calls) {
        for (Object call : list(calls)) {
            if (call instanceof Map<?, ?> m && m.get("id") instanceof String id) {
                String original = upstreamToClient.get(id);
                if (original != null) ((Map<String, Object>) m).put("id", original);
            }
        }
    }

    private static List<?> list(Object v) {
        return v instanceof List<?> l ? l : List.of();
    }
}

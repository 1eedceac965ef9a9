package tollgate.conversation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.provider.ToolIdRule;

/**
 * Id normalization (seed 002, "ID normalization"): rewrites every tool call id and
 * {@code tool_call_id} an upstream's {@link ToolIdRule} refuses, into what the rule derives
 * (each dialect owns its rule: {@code provider.anthropic.AnthropicToolIds},
 * {@code provider.mistral.MistralToolIds}).
 *
 * <p>The new id depends only on the client's id, so it is the same in every message and in every
 * later request of the conversation, with no state kept. If it is already used in the
 * conversation (a client id the rule accepts, or the new id of another client id met earlier in
 * the conversation), the rule's next derivation is taken. So a mapping can only change between
 * requests if the client later sends, as its own, an id equal to one the gateway generated.
 */
final class ToolIds {
    private ToolIds() { throw new AssertionError(); }

    /** Derivations tried for one id before giving up; a collision is already astronomically rare. */
    static final int MAX_DERIVATIONS = 1000;

    /**
     * The outcome of {@link #normalize}.
     *
     * @param messages         the messages with new ids (a new list)
     * @param upstreamToClient generated id → client id, in order of first appearance; unmodifiable
     */
    record Normalized(List<Object> messages, Map<String, String> upstreamToClient) {}

    /** Rewrites the refused ids of {@code messages} (read only) into a new list. */
    static Normalized normalize(List<?> messages, ToolIdRule rule) {
        // 1. every id in use: those the rule accepts are taken, the others need a new id
        Set<String> taken = new HashSet<>();
        Set<String> refused = new LinkedHashSet<>();
        for (Object m : messages) {
            if (!(m instanceof Map<?, ?> msg)) continue;
            if (msg.get("tool_calls") instanceof List<?> list) {
                for (Object call : list) note(ToolCallRepair.callId(call), rule, taken, refused);
            }
            if ("tool".equals(msg.get("role")) && msg.get("tool_call_id") instanceof String id) {
                note(id, rule, taken, refused);
            }
        }
        // 2. a new id per refused id, in order of first appearance
        Map<String, String> clientToUpstream = new LinkedHashMap<>();
        Map<String, String> upstreamToClient = new LinkedHashMap<>();
        for (String id : refused) {
            String upstream = unique(id, rule, taken);
            clientToUpstream.put(id, upstream);
            upstreamToClient.put(upstream, id);
        }
        // 3. copy the messages that carry one
        List<Object> out = new ArrayList<>(messages.size());
        for (Object m : messages) out.add(rewrite(m, clientToUpstream));
        return new Normalized(out, Collections.unmodifiableMap(upstreamToClient));
    }

    private static void note(String id, ToolIdRule rule, Set<String> taken, Set<String> refused) {
        if (id == null) return;
        if (rule.accepts(id)) taken.add(id); else refused.add(id);
    }

    /** The first derivation of {@code id} not in {@code taken}, which it then joins. */
    static String unique(String id, ToolIdRule rule, Set<String> taken) {
        for (int n = 0; n < MAX_DERIVATIONS; n++) {
            String candidate = rule.derive(id, n);
            if (taken.add(candidate)) return candidate;
        }
        throw new IllegalStateException("no free tool call id for " + id); // 1000 SHA-256 collisions
    }

    /** {@code m} itself, or a copy with its ids rewritten (calls copied only when they change). */
    private static Object rewrite(Object m, Map<String, String> ids) {
        if (!(m instanceof Map<?, ?> msg)) return m;
        if ("tool".equals(msg.get("role"))) {
            String upstream = msg.get("tool_call_id") instanceof String id ? ids.get(id) : null;
            if (upstream == null) return m;
            Map<String, Object> copy = new LinkedHashMap<>(ToolCallRepair.cast(msg));
            copy.put("tool_call_id", upstream);
            return copy;
        }
        if (!(msg.get("tool_calls") instanceof List<?> list)) return m;
        List<Object> calls = null; // null while no call changes
        for (int k = 0, n = list.size(); k < n; k++) {
            Object call = list.get(k);
            String id = ToolCallRepair.callId(call);
            String upstream = id == null ? null : ids.get(id);
            if (upstream != null) {
                if (calls == null) calls = new ArrayList<>(list.subList(0, k));
                Map<String, Object> c = new LinkedHashMap<>(ToolCallRepair.cast(call));
                c.put("id", upstream);
                calls.add(c);
            } else if (calls != null) {
                calls.add(call);
            }
        }
        if (calls == null) return m;
        Map<String, Object> copy = new LinkedHashMap<>(ToolCallRepair.cast(msg));
        copy.put("tool_calls", calls);
        return copy;
    }
}

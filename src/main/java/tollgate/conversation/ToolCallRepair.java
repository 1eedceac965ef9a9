package tollgate.conversation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tollgate.provider.ToolIdRule;

/**
 * Repairs the tool-calling structure of a validated OpenAI chat request before it is dispatched
 * (seed 002, "Tool call repair": deduplication, orphan cleanup, missing results, id
 * normalization), so that an upstream does not refuse a conversation a client library got
 * slightly wrong. The rule enforced is OpenAI's own: the tool messages answering an assistant
 * message's {@code tool_calls} directly follow it, one per call.
 *
 * <p>Rules, applied in one walk over {@code messages} in order, each decision taken on the
 * conversation as already repaired up to that point:
 * <ol>
 *   <li><b>Duplicates.</b> A tool call whose id an earlier call (same or earlier message) used is
 *       removed; a tool message for an id that a client tool message already answered is removed.
 *       An assistant message left with no calls loses its {@code tool_calls} key; if it has no
 *       {@code content} either it is removed, and is then transparent: the tool messages after it
 *       still belong to the assistant message before it.
 *   <li><b>Orphans.</b> A tool message whose {@code tool_call_id} is not an unanswered call of the
 *       assistant message it follows (with only tool messages in between), or that follows no
 *       such message, is removed.
 *   <li><b>Missing results.</b> When the tool messages after an assistant message with calls end
 *       (at the next other message, or the end), a tool message with
 *       {@link #INTERRUPTED_RESULT} is inserted for each unanswered call, in call order, right
 *       after the existing ones.
 *   <li><b>Id normalization</b> ({@link ToolIds}): ids the upstream's {@link ToolIdRule} refuses
 *       are rewritten the same way everywhere (protocols.md §6 Mistral, §7 Anthropic).
 * </ol>
 *
 * <p>Cost: a conversation that needs nothing is walked once and returned as it is; besides two
 * small objects the walk allocates only a hash map of the tool call ids, when there are any. Never
 * modifies the client's body or anything inside it: changed messages are copied, the others are
 * shared with the result.
 */
public final class ToolCallRepair {
    private ToolCallRepair() { throw new AssertionError(); }

    /** The {@code content} of a tool message inserted for a call that got no result. */
    public static final String INTERRUPTED_RESULT = "Tool execution was interrupted before completion.";

    /** Spare room, in messages, when the repaired list is allocated (for placeholders). */
    private static final int SPARE_MESSAGES = 4;

    /** Call states in {@link Walk#calls}, besides the group token of an unanswered call. */
    private static final Object ANSWERED = new Object(), INTERRUPTED = new Object();

    /**
     * The outcome of {@link #repair}.
     *
     * @param body                the request to dispatch: the client's own body when
     *                            {@code repairs} is {@link Repairs#NONE}, else a shallow copy with
     *                            a new {@code messages} list
     * @param repairs             what was changed
     * @param upstreamToClientIds rewritten id → the client's id, to map ids in the upstream's
     *                            answer back (the client only ever sees its own ids); empty when no
     *                            id was rewritten. Unmodifiable.
     */
    public record Repaired(Map<String, Object> body, Repairs repairs, Map<String, String> upstreamToClientIds) {}

    /**
     * @param body a request that passed {@code ChatRequestValidator}; read only
     * @param rule which tool call ids the upstream accepts
     * @return {@code body} itself with {@link Repairs#NONE} when the conversation is already
     *         valid, else the repaired copy
     */
    public static Repaired repair(Map<String, Object> body, ToolIdRule rule) {
        if (!(body.get("messages") instanceof List<?> messages)) return new Repaired(body, Repairs.NONE, Map.of());
        Walk w = new Walk(messages, rule);
        w.run();
        if (w.out == null && !w.badIds) return new Repaired(body, Repairs.NONE, Map.of());

        List<?> repaired = w.out == null ? messages : w.out;
        Map<String, String> upstreamToClient = Map.of();
        if (w.badIds) {
            ToolIds.Normalized n = ToolIds.normalize(repaired, rule);
            repaired = n.messages();
            upstreamToClient = n.upstreamToClient();
        }
        Map<String, Object> copy = new LinkedHashMap<>(body);
        copy.put("messages", repaired); // an existing key keeps its place
        return new Repaired(copy,
                new Repairs(w.duplicates, w.orphans, w.placeholders, upstreamToClient.size()),
                upstreamToClient);
    }

    /** The structural rules (1-3) in one walk; builds {@link #out} only from the first change on. */
    private static final class Walk {
        final List<?> in;
        final ToolIdRule rule;
        /** The repaired messages, or null while every message so far is kept as it is. */
        List<Object> out;
        /** Call id → the group token of its assistant message while unanswered, or a call state. */
        HashMap<String, Object> calls;
        /** The assistant message whose results are being read, or null. */
        Object group;
        /** That message's calls (as kept), and how many of them are unanswered. */
        List<?> groupCalls;
        int pending;
        int duplicates, orphans, placeholders;
        /** Whether a kept id is refused by {@link #rule}. */
        boolean badIds;

        Walk(List<?> in, ToolIdRule rule) {
            this.in = in;
            this.rule = rule;
        }

        void run() {
            int n = in.size();
            for (int i = 0; i < n; i++) {
                Object raw = in.get(i);
                if (raw instanceof Map<?, ?> m) {
                    Object role = m.get("role");
                    if ("tool".equals(role)) {
                        tool(m, i);
                        continue;
                    }
                    if ("assistant".equals(role)) {
                        assistant(cast(m), i);
                        continue;
                    }
                }
                closeGroup(i);
                keep(raw);
            }
            closeGroup(n);
        }

        private void assistant(Map<String, Object> m, int i) {
            if (!(m.get("tool_calls") instanceof List<?> list)) {
                closeGroup(i);
                keep(m);
                return;
            }
            List<Object> kept = null; // null while no call is a duplicate
            for (int k = 0, n = list.size(); k < n; k++) {
                Object call = list.get(k);
                String id = callId(call);
                if (id != null) {
                    if (calls == null) calls = new HashMap<>();
                    if (calls.putIfAbsent(id, m) != null) {
                        duplicates++;
                        if (kept == null) kept = new ArrayList<>(list.subList(0, k));
                        continue;
                    }
                    if (!rule.accepts(id)) badIds = true;
                }
                if (kept != null) kept.add(call);
            }
            if (kept == null) {
                closeGroup(i);
                keep(m);
                openGroup(m, list);
                return;
            }
            startCopy(i);
            if (kept.isEmpty() && m.get("content") == null) return; // removed, and transparent
            closeGroup(i);
            Map<String, Object> copy = new LinkedHashMap<>(m);
            if (kept.isEmpty()) {
                copy.remove("tool_calls");
            } else {
                copy.put("tool_calls", kept);
                openGroup(m, kept);
            }
            out.add(copy);
        }

        private void tool(Map<?, ?> m, int i) {
            Object id = m.get("tool_call_id");
            Object state = calls == null || !(id instanceof String) ? null : calls.get(id);
            if (state == ANSWERED) {
                duplicates++;
                startCopy(i);
            } else if (state != null && state == group) {
                calls.put((String) id, ANSWERED);
                pending--;
                if (!rule.accepts((String) id)) badIds = true;
                keep(m);
            } else {
                orphans++;
                startCopy(i);
            }
        }

        private void openGroup(Object token, List<?> kept) {
            group = token;
            groupCalls = kept;
            pending = kept.size(); // the kept calls have distinct ids
        }

        /** Ends the current group before message {@code i}: placeholders for unanswered calls. */
        private void closeGroup(int i) {
            Object g = group;
            group = null;
            if (g == null || pending == 0) return;
            startCopy(i);
            for (Object call : groupCalls) {
                String id = callId(call);
                if (id != null && calls.get(id) == g) {
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("role", "tool");
                    result.put("tool_call_id", id);
                    result.put("content", INTERRUPTED_RESULT);
                    out.add(result);
                    calls.put(id, INTERRUPTED);
                    placeholders++;
                }
            }
            pending = 0;
        }

        /** Keeps message {@code m} unchanged. */
        private void keep(Object m) {
            if (out != null) out.add(m);
        }

        /** Before the first change, at message {@code i}: the messages before it are kept. */
        private void startCopy(int i) {
            if (out != null) return;
            out = new ArrayList<>(in.size() + SPARE_MESSAGES);
            for (int k = 0; k < i; k++) out.add(in.get(k));
        }
    }

    /** The {@code id} of a tool call, or null if it has none (not after validation). */
    static String callId(Object call) {
        return call instanceof Map<?, ?> c && c.get("id") instanceof String s ? s : null;
    }

    /** The parser's objects are {@code Map<String, Object>}; callers check with instanceof. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object map) { return (Map<String, Object>) map; }
}

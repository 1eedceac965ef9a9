package tollgate.agent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.route.ChatRequest;

/**
 * The messages the loop adds to an execution's conversation, the answers it builds, and each
 * model call's request: the execution's body with the conversation so far, as a chat request the
 * {@code Dispatcher} takes like any client's.
 */
final class Conversation {
    private Conversation() { throw new AssertionError(); }

    /** OpenAI's values of {@code tool_choice} that do not force a call. */
    private static final Set<String> UNFORCED = Set.of("auto", "none");

    /**
     * The request of the next model call.
     *
     * @param last a call that must answer (the step or time limit): {@code tool_choice: "none"}
     */
    @SuppressWarnings("unchecked")
    static ChatRequest request(Execution ex, boolean stream, boolean last) {
        Map<String, Object> body = new LinkedHashMap<>(ex.body());
        body.remove("stream_options");
        body.put("messages", ex.messages());
        if (stream) {
            body.put("stream", Boolean.TRUE);
            body.put("stream_options", Map.of("include_usage", Boolean.TRUE)); // what each step is charged
        }
        Object choice = body.get("tool_choice");
        if (last) {
            if (body.containsKey("tools")) body.put("tool_choice", "none"); // OpenAI refuses a tool_choice without tools
        } else if (choice != null && ex.modelCalls() > 0 && !(choice instanceof String s && UNFORCED.contains(s))) {
            // A forced call ("required", or a named function) applies to the first call only: forced
            // on every call, the model could never answer (OpenAI's Agents SDK resets it the same way).
            body.put("tool_choice", "auto");
        }
        Map<String, Object> metadata = body.get("metadata") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        return new ChatRequest(ex.model(), body, stream, false, (String) metadata.get("request_id"), (String) metadata.get("mode"),
                body.get("taskHint") instanceof String h ? h : null, body.get("policy") instanceof String p ? p : null,
                body.get("models") instanceof List<?> l ? (List<String>) l : List.of(), false);
    }

    /**
     * The assistant message as the next request carries it: role, content, refusal, tool calls
     * ({@code id}, {@code type}, {@code function} name and arguments), nothing a provider added that
     * an upstream might refuse on the way back in (annotations, audio, reasoning).
     */
    static Map<String, Object> assistant(Object content, Object refusal, List<Map<String, Object>> calls) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "assistant");
        m.put("content", content instanceof String s ? s : null);
        if (refusal instanceof String r) m.put("refusal", r);
        if (calls != null && !calls.isEmpty()) m.put("tool_calls", calls);
        return m;
    }

    /** The tool calls of a completion's message, each as {@code {id, type, function: {name, arguments}}}. */
    static List<Map<String, Object>> calls(Object toolCalls) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!(toolCalls instanceof List<?> list)) return out;
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> c) || !(c.get("function") instanceof Map<?, ?> f)) continue;
            out.add(call(c.get("id") instanceof String id ? id : "", f.get("name") instanceof String n ? n : "",
                    f.get("arguments") instanceof String a ? a : "{}"));
        }
        return out;
    }

    static Map<String, Object> call(String id, String name, String arguments) {
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", name);
        fn.put("arguments", arguments);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("type", "function");
        c.put("function", fn);
        return c;
    }

    /** Characters of text, refusal and tool arguments in an assistant message (its {@code calls} as {@link #calls} read them). */
    static long chars(Map<String, Object> message, List<Map<String, Object>> calls) {
        long n = 0;
        if (message.get("content") instanceof String s) n += s.length();
        if (message.get("refusal") instanceof String s) n += s.length();
        for (Map<String, Object> c : calls) n += arguments(c).length() + name(c).length();
        return n;
    }

    /**
     * Heap that {@code chars} characters of the conversation's strings take at most (UTF-16, and a
     * String's header: {@code JsonParser}'s reckoning), for the memory budget.
     */
    static long heldBytes(long chars) { return STRING_BYTES + 2 * chars; }

    private static final int STRING_BYTES = 40;

    static String id(Map<String, Object> call) { return (String) call.get("id"); }

    @SuppressWarnings("unchecked")
    static String name(Map<String, Object> call) { return (String) ((Map<String, Object>) call.get("function")).get("name"); }

    @SuppressWarnings("unchecked")
    static String arguments(Map<String, Object> call) {
        return (String) ((Map<String, Object>) call.get("function")).get("arguments");
    }

    static Map<String, Object> toolMessage(String callId, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "tool");
        m.put("tool_call_id", callId);
        m.put("content", content);
        return m;
    }

    /** The last assistant message, when the loop has made a model call (else the conversation is the client's), or null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> lastAssistant(Execution ex) {
        if (ex.modelCalls() == 0) return null;
        List<Object> messages = ex.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            Map<String, Object> m = (Map<String, Object>) messages.get(i);
            if ("assistant".equals(m.get("role"))) return m;
        }
        return null;
    }

    /** The calls of {@code assistant} (the last one) that no tool message after it answers; empty when none or no such message. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> unanswered(Execution ex, Map<String, Object> assistant) {
        if (assistant == null) return List.of();
        List<Map<String, Object>> calls = calls(assistant.get("tool_calls"));
        if (calls.isEmpty()) return calls;
        Set<String> answered = new HashSet<>();
        List<Object> messages = ex.messages();
        for (int j = messages.size() - 1; j >= 0 && messages.get(j) != assistant; j--) {
            if (((Map<String, Object>) messages.get(j)).get("tool_call_id") instanceof String id) answered.add(id);
        }
        calls.removeIf(c -> answered.contains(id(c)));
        return calls;
    }

    /** Whether the conversation ends with {@code assistant}, an answer (no tool calls): the execution is done. */
    static boolean isAnswer(Execution ex, Map<String, Object> assistant) {
        List<Object> messages = ex.messages();
        return assistant != null && assistant.get("tool_calls") == null && messages.get(messages.size() - 1) == assistant;
    }

    /** A {@code chat.completion} of one message (usage, model and the extension are the surface's). */
    static Map<String, Object> completion(String id, long createdSeconds, String model, Map<String, Object> message,
                                          String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("finish_reason", finishReason);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("object", "chat.completion");
        c.put("created", createdSeconds);
        c.put("model", model);
        c.put("choices", new ArrayList<>(List.of(choice)));
        return c;
    }

    /** The first choice's message of a completion, or an empty one. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> message(Map<String, Object> completion) {
        if (completion.get("choices") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> c
                && c.get("message") instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        return new LinkedHashMap<>();
    }
}

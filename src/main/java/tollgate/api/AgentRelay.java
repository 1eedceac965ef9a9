package tollgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.agent.AgentListener;
import tollgate.agent.AgentStream;
import tollgate.agent.Execution;
import tollgate.agent.Outcome;
import tollgate.http.SseWriter;

/**
 * One SSE stream for a whole agent execution's run. The text of each model call goes to the
 * client as it arrives, as one completion's chunks (one {@code id}, one {@code created}, the
 * model as asked, the extension ids on the first chunk, the assistant role once); between
 * steps, a progress chunk with no choices (as the usage chunk has, which the OpenAI SDKs take)
 * and the step in the extension object: {@code {"choices": [], "<ext>": {"step": {...}}}}.
 * The end ({@link #finish}): the answer's finish reason, or the client's tool calls, or seed
 * 003's approval chunk; then the usage chunk with the run's totals when the client asked for
 * usage; the caller then ends the stream with {@code [DONE]}.
 */
final class AgentRelay implements AgentStream, AgentListener {
    private final SseWriter sse;
    private final String id;
    private final long created;
    private final String model;
    private final String extensionField;
    private final Map<String, Object> ids;
    private boolean first = true;
    private boolean role;

    /**
     * @param id      the stream's completion id
     * @param ids     the extension object of the first chunk ({@code execution_id}, {@code request_id})
     */
    AgentRelay(SseWriter sse, String id, long createdSeconds, String model, String extensionField, Map<String, Object> ids) {
        this.sse = sse;
        this.id = id;
        this.created = createdSeconds;
        this.model = model;
        this.extensionField = extensionField;
        this.ids = ids;
    }

    @Override
    public void begin(Begin begin) {
        sse.header(Extension.ROUTE_HEADER, begin.chosen().id()); // the first call's, unless a heartbeat opened the stream
        if (first) Extension.begin(ids, begin);
    }

    @Override
    public void chunk(Map<String, Object> chunk) {
        chunk(chunk, false);
    }

    @Override
    public void chunk(Map<String, Object> chunk, boolean moreReady) {
        if (role && !hasText(chunk)) { // a later call's role: the client has had it
            if (!moreReady) sse.flush();
            return;
        }
        withRole(chunk);
        chunk.put("id", id);
        chunk.put("created", created);
        chunk.put("model", model);
        if (first) {
            chunk.put(extensionField, ids);
            first = false;
        }
        sse.send(chunk, !moreReady);
    }

    @Override
    public void flush() {
        sse.flush();
    }

    @Override
    public void step(Execution execution, Map<String, Object> step) {
        // A model call that failed ends the run: its error is the answer (a plain HTTP error while
        // nothing was sent, else the stream's error event), not a step to show first.
        if ("model".equals(step.get("type")) && !"ok".equals(step.get("outcome"))) return;
        Map<String, Object> chunk = frame(List.of());
        Map<String, Object> ext = first ? new LinkedHashMap<>(ids) : new LinkedHashMap<>();
        ext.put("step", step);
        chunk.put(extensionField, ext);
        first = false;
        sse.send(chunk, true);
    }

    @Override
    public void rateLimits(List<String> headers) {
        for (int i = 0; i + 1 < headers.size(); i += 2) sse.header(headers.get(i), headers.get(i + 1));
    }

    /**
     * The stream's last chunks: how it ended, then (when {@code usage} is not null) the usage
     * chunk carrying {@code summary}.
     *
     * @param approvalExt the approval chunk's extension (seed 003), for a pause
     */
    @SuppressWarnings("unchecked")
    void finish(Outcome outcome, Map<String, Object> approvalExt, Map<String, Object> usage, Map<String, Object> summary) {
        Map<String, Object> delta = new LinkedHashMap<>();
        String finish;
        if (outcome instanceof Outcome.Answered) {
            finish = finishReason(outcome.completion());
        } else {
            List<Object> calls = new ArrayList<>();
            int index = 0;
            for (Object o : toolCalls(outcome.completion())) {
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("index", index++); // the OpenAI SDKs assemble tool call deltas by index
                call.putAll((Map<String, Object>) o);
                calls.add(call);
            }
            delta.put("tool_calls", calls);
            finish = "tool_calls";
        }
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("finish_reason", finish);
        Map<String, Object> last = frame(List.of(choice));
        withRole(last);
        if (approvalExt != null) last.put(extensionField, approvalExt);
        else if (first) last.put(extensionField, ids);
        first = false;
        sse.send(last, usage == null);
        if (usage == null) return;
        Map<String, Object> u = frame(List.of());
        u.put("usage", usage);
        u.put(extensionField, summary);
        sse.send(u, true);
    }

    /**
     * The first chunk with a choice carries the assistant's role, as OpenAI's first chunk does
     * (the SDKs build the message from it): a resumed stream's first text, or an end that
     * follows no text, gets it added.
     */
    @SuppressWarnings("unchecked")
    private void withRole(Map<String, Object> chunk) {
        if (role) return;
        role = true;
        if (!(chunk.get("choices") instanceof List<?> l) || l.isEmpty() || !(l.get(0) instanceof Map<?, ?> c)
                || !(c.get("delta") instanceof Map<?, ?> d) || d.containsKey("role")) {
            return;
        }
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("role", "assistant");
        delta.putAll((Map<String, Object>) d);
        ((Map<String, Object>) c).put("delta", delta);
    }

    private Map<String, Object> frame(List<Object> choices) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        c.put("choices", choices);
        return c;
    }

    private static boolean hasText(Map<String, Object> chunk) {
        if (!(chunk.get("choices") instanceof List<?> choices)) return false;
        for (Object o : choices) {
            if (o instanceof Map<?, ?> c && c.get("delta") instanceof Map<?, ?> d
                    && (d.get("content") instanceof String s && !s.isEmpty() || d.get("refusal") instanceof String r && !r.isEmpty())) {
                return true;
            }
        }
        return false;
    }

    private static String finishReason(Map<String, Object> completion) {
        if (completion.get("choices") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> c
                && c.get("finish_reason") instanceof String f) {
            return f;
        }
        return "stop";
    }

    private static List<?> toolCalls(Map<String, Object> completion) {
        if (completion.get("choices") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> c
                && c.get("message") instanceof Map<?, ?> m && m.get("tool_calls") instanceof List<?> calls) {
            return calls;
        }
        return List.of();
    }
}

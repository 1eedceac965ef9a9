package tollgate.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.conversation.ClientToolIds;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;
import tollgate.route.ChatSink;

/**
 * One streamed model call of an execution: its text goes on to the client as it arrives (an
 * {@link AgentStream}); its tool call deltas, finish reason and usage are kept back, and the
 * message they make is assembled for the conversation. Chunks come parsed (a provider's raw
 * bytes are parsed by {@link ChatSink#raw}'s default): the loop needs the objects.
 */
final class StepStream implements ChatSink {
    /** Most characters of text and tool arguments one model call may stream: the message goes into every later prompt. */
    static final int MAX_ASSEMBLED_CHARS = AgentLoop.MAX_STEP_CHARS;
    /**
     * Most tool calls assembled: one past what a step keeps ({@link AgentLoop#MAX_CALLS_PER_STEP}),
     * so that the loop still sees (and logs) that some were dropped. Deltas of further calls are
     * ignored: a call with no arguments adds no characters, so the character cap does not bound them.
     */
    static final int MAX_ASSEMBLED_CALLS = AgentLoop.MAX_CALLS_PER_STEP + 1;

    private final AgentStream out;
    private ClientToolIds toolIds = ClientToolIds.NONE;
    private final StringBuilder content = new StringBuilder();
    private StringBuilder refusal;
    private final List<Call> calls = new ArrayList<>(2);
    private String finishReason;
    private String id;
    private Object created;
    private String model;
    private long chars;
    private boolean content0;
    private boolean unflushed;

    /** A tool call as its deltas build it, by {@code index}. */
    private static final class Call {
        final long index;
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();

        Call(long index) { this.index = index; }
    }

    StepStream(AgentStream out) {
        this.out = out;
    }

    @Override
    public void begin(Begin begin) {
        toolIds = begin.toolIds();
        out.begin(begin);
    }

    @Override
    public void chunk(Map<String, Object> chunk) {
        chunk(chunk, false);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void chunk(Map<String, Object> chunk, boolean moreReady) {
        toolIds.restoreChunk(chunk);
        chunk.remove("usage"); // the dispatcher has it; the surface sends the execution's total
        if (id == null && chunk.get("id") instanceof String s) id = s;
        if (created == null) created = chunk.get("created");
        if (model == null && chunk.get("model") instanceof String s) model = s;
        boolean forward = false;
        if (chunk.get("choices") instanceof List<?> choices) {
            for (Object o : choices) {
                if (!(o instanceof Map<?, ?> m) || index(((Map<String, Object>) m).get("index")) != 0) continue; // n is 1
                Map<String, Object> choice = (Map<String, Object>) m;
                if (choice.get("finish_reason") instanceof String f) {
                    finishReason = f;
                    choice.put("finish_reason", null);
                }
                if (!(choice.get("delta") instanceof Map<?, ?> d)) continue;
                Map<String, Object> delta = (Map<String, Object>) d;
                if (delta.remove("tool_calls") instanceof List<?> deltas) toolCalls(deltas);
                delta.remove("function_call"); // the deprecated form: tools only here
                if (delta.get("content") instanceof String s && !s.isEmpty()) {
                    add(content, s);
                    content0 = true;
                    forward = true;
                }
                if (delta.get("refusal") instanceof String r && !r.isEmpty()) {
                    if (refusal == null) refusal = new StringBuilder();
                    add(refusal, r);
                    forward = true;
                }
                if (delta.get("role") != null) forward = true; // the surface keeps the first only
            }
        }
        if (forward) {
            out.chunk(chunk, moreReady);
            unflushed = moreReady;
        } else if (!moreReady && unflushed) {
            out.flush(); // what the last forwarded chunk left waiting must not wait for a tool call's arguments
            unflushed = false;
        }
    }

    @SuppressWarnings("unchecked")
    private void toolCalls(List<?> deltas) {
        for (Object o : deltas) {
            if (!(o instanceof Map<?, ?> raw)) continue;
            Map<String, Object> d = (Map<String, Object>) raw;
            long index = index(d.get("index"));
            Call call = null;
            for (Call c : calls) if (c.index == index) call = c;
            if (call == null) {
                if (calls.size() == MAX_ASSEMBLED_CALLS) continue;
                calls.add(call = new Call(index));
            }
            if (call.id == null && d.get("id") instanceof String s && !s.isEmpty()) call.id = s;
            if (d.get("function") instanceof Map<?, ?> f) {
                if (call.name == null && f.get("name") instanceof String n && !n.isEmpty()) call.name = n;
                if (f.get("arguments") instanceof String a) add(call.arguments, a);
            }
        }
    }

    private void add(StringBuilder to, String s) {
        chars += s.length();
        if (chars > MAX_ASSEMBLED_CHARS) throw tooLong();
        to.append(s);
    }

    /** The error of a model call whose answer is longer than {@link AgentLoop#MAX_STEP_CHARS}. */
    static GatewayException tooLong() {
        return new GatewayException(ErrorKind.PROVIDER_ERROR, "The model's answer in one step of the agent loop is longer than "
                + "the gateway's limit of " + MAX_ASSEMBLED_CHARS + " characters.").noRetry();
    }

    private static long index(Object v) {
        if (v instanceof JsonNumber n && n.isInteger()) return n.longValue();
        if (v instanceof Number n) return n.longValue();
        return 0;
    }

    /** The upstream's id of this call's answer, or null. */
    String id() { return id; }

    /** The answer the chunks made, as a {@code chat.completion} (without usage). */
    Map<String, Object> completion(String fallbackModel, long nowSeconds) {
        List<Map<String, Object>> list = new ArrayList<>(calls.size());
        calls.sort((a, b) -> Long.compare(a.index, b.index));
        for (Call c : calls) list.add(Conversation.call(c.id == null ? "" : c.id, c.name == null ? "" : c.name, c.arguments.toString()));
        Map<String, Object> message = Conversation.assistant(content0 ? content.toString() : null,
                refusal == null ? null : refusal.toString(), list);
        String finish = finishReason != null ? finishReason : list.isEmpty() ? "stop" : "tool_calls";
        Map<String, Object> c = Conversation.completion(id != null ? id : "chatcmpl-agent", nowSeconds,
                model != null ? model : fallbackModel, message, finish);
        if (created instanceof JsonNumber || created instanceof Number) c.put("created", created);
        return c;
    }
}

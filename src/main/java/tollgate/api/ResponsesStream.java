package tollgate.api;

import static tollgate.api.ResponsesRequest.map;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;
import tollgate.conversation.ClientToolIds;
import tollgate.http.SseWriter;
import tollgate.route.ChatSink;

/**
 * A streamed chat answer as the Responses API's events (protocols-2.md §9, "Streaming"), each
 * {@code event: <type>} with {@code sequence_number} from 0:
 * {@code response.created}, {@code response.in_progress} when the answering attempt begins
 * (so a request that fails before any content still gets a plain HTTP error); per text item
 * {@code output_item.added}, {@code content_part.added}, {@code output_text.delta}…,
 * {@code output_text.done}, {@code content_part.done}, {@code output_item.done}; per tool call
 * {@code output_item.added}, {@code function_call_arguments.delta}…,
 * {@code function_call_arguments.done}, {@code output_item.done}; then
 * {@code response.completed} or {@code response.incomplete} ({@link #complete}) or
 * {@code response.failed} ({@link #fail}), each with the whole response. No {@code [DONE]}.
 * While the upstream is silent the writer's heartbeat sends {@code : ping} comments (the keep-alive
 * §9 calls safest: the SDKs skip comments, and reject unknown event types).
 *
 * <p>What the OpenAI Node SDK checks holds by construction: an item's {@code output_index} is
 * the output array's length when it is added, {@code content_index} 0 is the one part of a
 * message item, every delta names its item's id, ids are unique. The text item is closed when
 * the first tool call starts (an item's events are never interleaved with another's, except the
 * arguments of parallel calls, each naming its own item).
 */
final class ResponsesStream implements ChatSink {
    /** Most tool calls of one answer taken from a stream (OpenAI's chat allows 128 tools). */
    static final int MAX_TOOL_CALLS = 128;

    private final SseWriter sse;
    private final Map<String, Object> response;
    private final List<Object> output;
    private ClientToolIds toolIds = ClientToolIds.NONE;
    private long sequence;
    private boolean begun;
    /** The open message item and its index, or null; its text so far. */
    private Map<String, Object> message;
    private int messageIndex;
    private final StringBuilder text = new StringBuilder();
    /** The tool call items in the order they began, their output indexes and arguments. */
    private final List<Map<String, Object>> calls = new ArrayList<>();
    private final List<Integer> callIndexes = new ArrayList<>();
    private final List<StringBuilder> arguments = new ArrayList<>();
    /** Position in {@link #calls} by the chat stream's tool call index ({@link #slots()}). */
    private Map<Integer, Integer> slots;
    private String finishReason;
    private Object usage;
    /**
     * The request's share of the memory budget: the text and arguments gathered for the final
     * events grow with what the upstream sends, so they are held in it as they grow.
     */
    private final Reservation memory;

    /**
     * @param response the skeleton ({@link ResponsesOutput#skeleton}), filled in as the stream goes
     * @param memory   the request's reservation, charged with the gathered text and arguments
     */
    @SuppressWarnings("unchecked")
    ResponsesStream(SseWriter sse, Map<String, Object> response, Reservation memory) {
        this.sse = sse;
        this.memory = memory;
        this.response = response;
        this.output = (List<Object>) response.get("output");
    }

    /** Whether {@code response.created} went out (the client has a response to end). */
    boolean begun() { return begun; }

    /** Any events sent, pings aside. */
    long events() { return sequence; }

    @Override
    public void begin(Begin begin) {
        sse.header(Extension.ROUTE_HEADER, begin.chosen().id()); // lost if a heartbeat already opened the stream
        toolIds = begin.toolIds();
        begun = true;
        send("response.created", map("response", response));
        send("response.in_progress", map("response", response));
    }

    @Override
    public void chunk(Map<String, Object> chunk) {
        toolIds.restoreChunk(chunk);
        if (chunk.get("usage") != null) usage = chunk.get("usage");
        if (!(chunk.get("choices") instanceof List<?> choices) || choices.isEmpty() || !(choices.get(0) instanceof Map<?, ?> choice)) {
            return;
        }
        if (choice.get("finish_reason") instanceof String f) finishReason = f;
        if (!(choice.get("delta") instanceof Map<?, ?> delta)) return;
        Object content = delta.get("content") != null ? delta.get("content") : delta.get("refusal");
        if (content instanceof String s && !s.isEmpty()) text(s);
        if (delta.get("tool_calls") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> call) toolCall(call);
            }
        }
    }

    private void text(String delta) {
        if (message == null) {
            closeMessage(); // nothing open: no-op
            message = ResponsesOutput.messageItem(ResponsesOutput.newId("msg_"), "in_progress");
            messageIndex = output.size();
            output.add(message);
            text.setLength(0);
            send("response.output_item.added", map("output_index", messageIndex, "item", copy(message)));
            send("response.content_part.added", map("item_id", message.get("id"), "output_index", messageIndex, "content_index", 0,
                    "part", ResponsesOutput.textPart("")));
        }
        hold(delta);
        text.append(delta);
        send("response.output_text.delta", map("item_id", message.get("id"), "output_index", messageIndex, "content_index", 0,
                "delta", delta, "logprobs", new ArrayList<>()));
    }

    /**
     * Holds {@code piece} (two bytes a char, as a builder may keep it) in the memory budget before
     * it is gathered; a full budget ends the stream as {@code response.failed} (a 503's message).
     */
    private void hold(String piece) {
        try {
            memory.reserve(2L * piece.length());
        } catch (BudgetExceededException full) {
            throw full.toGatewayException();
        }
    }

    /**
     * One tool call delta. A call's item is made on its first delta and found again by its chat
     * index; an index that jumps (0 then 2) makes no placeholder for the ones skipped: a
     * placeholder would be a call of no name, and every item must have its own {@code call_id}
     * (the Node SDK rejects duplicates, protocols-2.md §9). A delta without an index is a call of its own.
     */
    private void toolCall(Map<?, ?> delta) {
        boolean indexed = delta.get("index") instanceof tollgate.json.JsonNumber n && n.isInteger();
        long index = indexed ? ((tollgate.json.JsonNumber) delta.get("index")).longValue() : -1;
        if (indexed && (index < 0 || index >= MAX_TOOL_CALLS)) return; // no chat stream indexes calls beyond that
        if (!indexed && calls.size() >= MAX_TOOL_CALLS) return;
        Map<?, ?> fn = delta.get("function") instanceof Map<?, ?> f ? f : Map.of();
        int i = indexed ? slots().getOrDefault((int) index, -1) : -1;
        if (i < 0) {
            closeMessage();
            String callId = delta.get("id") instanceof String s ? s : ResponsesOutput.newId("call_");
            String name = fn.get("name") instanceof String s ? s : "";
            Map<String, Object> item = ResponsesOutput.functionCall(ResponsesOutput.newId("fc_"), callId, name,
                    ResponsesTools.namespaceOf(response.get("tools"), name), "", "in_progress");
            i = calls.size();
            if (indexed) slots.put((int) index, i);
            calls.add(item);
            callIndexes.add(output.size());
            arguments.add(new StringBuilder());
            output.add(item);
            send("response.output_item.added", map("output_index", output.size() - 1, "item", copy(item)));
        }
        if (fn.get("arguments") instanceof String a && !a.isEmpty()) {
            hold(a);
            arguments.get(i).append(a);
            send("response.function_call_arguments.delta", map("item_id", calls.get(i).get("id"), "output_index",
                    callIndexes.get(i), "delta", a));
        }
    }

    /** The chat index to position in {@link #calls} map, made on the first tool call. */
    private Map<Integer, Integer> slots() {
        if (slots == null) slots = new java.util.HashMap<>();
        return slots;
    }

    /** Closes the open message item, if any: its done events. */
    private void closeMessage() {
        if (message == null) return;
        String t = text.toString();
        Object id = message.get("id");
        send("response.output_text.done", map("item_id", id, "output_index", messageIndex, "content_index", 0, "text", t,
                "logprobs", new ArrayList<>()));
        Map<String, Object> part = ResponsesOutput.textPart(t);
        send("response.content_part.done", map("item_id", id, "output_index", messageIndex, "content_index", 0, "part", part));
        @SuppressWarnings("unchecked")
        List<Object> content = (List<Object>) message.get("content");
        content.add(part);
        message.put("status", status());
        send("response.output_item.done", map("output_index", messageIndex, "item", message));
        message = null;
    }

    private void closeCalls() {
        for (int i = 0; i < calls.size(); i++) {
            Map<String, Object> item = calls.get(i);
            if (!"in_progress".equals(item.get("status"))) continue;
            String args = arguments.get(i).toString();
            item.put("arguments", args);
            item.put("status", status());
            send("response.function_call_arguments.done", map("item_id", item.get("id"), "output_index", callIndexes.get(i),
                    "name", item.get("name"), "arguments", args));
            send("response.output_item.done", map("output_index", callIndexes.get(i), "item", item));
        }
    }

    private String status() {
        return ResponsesOutput.itemStatus(finishReason);
    }

    /**
     * The end of an answered stream: the open items closed and the response finished (status,
     * usage), ready to be stored before {@link #complete} sends it.
     *
     * @param known the dispatcher's usage, for an upstream that reported none in the stream
     */
    void close(tollgate.provider.Usage known) {
        if (output.isEmpty()) text(""); // an empty answer is still one message with its text
        closeMessage();
        closeCalls();
        ResponsesOutput.end(response, finishReason, ResponsesOutput.usage(usage, known));
    }

    /** {@code response.completed} (or {@code response.incomplete}) with the whole response; the end of the stream. */
    void complete() {
        send("completed".equals(response.get("status")) ? "response.completed" : "response.incomplete", map("response", response));
        sse.end();
    }

    /** A failure after {@code response.created}: {@code response.failed} with the error. */
    void fail(String code, String message) {
        response.put("status", "failed");
        response.put("error", map("code", code, "message", message));
        send("response.failed", map("response", response));
        sse.end();
    }

    private void send(String type, Map<String, Object> event) {
        Map<String, Object> e = map("type", type);
        e.putAll(event);
        e.put("sequence_number", sequence);
        sse.send(sequence, type, e);
        sequence++;
    }

    /** An item as it is now: later events change the live one (its status, its content). */
    private static Map<String, Object> copy(Map<String, Object> item) {
        Map<String, Object> c = new java.util.LinkedHashMap<>(item);
        if (c.get("content") instanceof List<?> l) c.put("content", new ArrayList<>(l));
        return c;
    }
}

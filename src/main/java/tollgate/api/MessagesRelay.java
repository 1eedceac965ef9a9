package tollgate.api;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.conversation.ClientToolIds;
import tollgate.http.SseWriter;
import tollgate.provider.NativeMessages;
import tollgate.provider.Usage;
import tollgate.route.ChatSink;

/**
 * A streamed answer on Anthropic's surface: the exact event sequence of protocols-2.md §10,
 * every event named ({@code event:} line), since the SDKs drop unnamed ones.
 *
 * <ul>
 *   <li>From an Anthropic upstream (chunks carrying {@link NativeMessages#EVENTS}): its events
 *       as they came, {@code message_start}'s model replaced by the one the client asked for.</li>
 *   <li>From any other provider, OpenAI chunks translated: {@code message_start} (the
 *       gateway's input estimate; the real counts follow in {@code message_delta}), then per
 *       block {@code content_block_start}, deltas ({@code text_delta}, {@code input_json_delta})
 *       and {@code content_block_stop}, numbered 0, 1, 2… in order (the SDK's accumulator
 *       appends blocks without checking the index); text and each tool call are blocks of their
 *       own. {@link #finish} closes the last block and sends {@code message_delta} (stop
 *       reason, cumulative usage with {@code output_tokens}) and {@code message_stop}.</li>
 * </ul>
 * The heartbeat sends {@link #PING} events while the upstream is silent (Claude Code aborts a
 * stream silent for 300 s); a failure after the stream started is an {@code event: error}
 * ({@link MessagesErrors}). One thread writes (the request's), except the heartbeat.
 */
final class MessagesRelay implements ChatSink {
    /** Anthropic's keep-alive, as its API sends it (protocols-2.md §10). */
    static final byte[] PING = "event: ping\ndata: {\"type\": \"ping\"}\n\n".getBytes(StandardCharsets.US_ASCII);

    private final SseWriter sse;
    private final String clientModel;
    private final String messageId;
    private final long inputEstimate;
    /** Tool call ids the gateway rewrote for the upstream, to put the client's back (as the chat and Responses streams do). */
    private ClientToolIds toolIds = ClientToolIds.NONE;
    /** OpenAI tool call index → its block's index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private boolean nativeEvents;
    private boolean started;
    /** The open block's index, -1 when none; {@code textOpen} when it is a text block. */
    private int open = -1;
    private boolean textOpen;
    private int blocks;
    private Object finishReason;
    private Object usage;

    MessagesRelay(SseWriter sse, String clientModel, String messageId, long inputEstimate) {
        this.sse = sse;
        this.clientModel = clientModel;
        this.messageId = messageId;
        this.inputEstimate = inputEstimate;
    }

    @Override
    public void begin(Begin begin) {
        sse.header(Extension.ROUTE_HEADER, begin.chosen().id()); // lost if a heartbeat already opened the stream
        toolIds = begin.toolIds();
    }

    @Override
    public void chunk(Map<String, Object> chunk) {
        chunk(chunk, false);
    }

    @Override
    public void chunk(Map<String, Object> chunk, boolean moreReady) {
        if (chunk.get(NativeMessages.EVENTS) instanceof List<?> events) {
            nativeEvents = true;
            for (int i = 0; i < events.size(); i++) {
                NativeMessages.Event e = (NativeMessages.Event) events.get(i);
                if ("message_start".equals(e.type()) && e.data().get("message") instanceof Map<?, ?> m) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> message = (Map<String, Object>) m;
                    message.put("model", clientModel);
                }
                sse.send(e.type(), e.data(), !moreReady && i == events.size() - 1);
            }
            return;
        }
        if (chunk.get("usage") instanceof Map<?, ?> u) usage = u;
        toolIds.restoreChunk(chunk);
        start();
        if (chunk.get("choices") instanceof List<?> choices && !choices.isEmpty() && choices.get(0) instanceof Map<?, ?> choice) {
            if (choice.get("delta") instanceof Map<?, ?> delta) {
                if (delta.get("content") instanceof String s && !s.isEmpty()) text(s);
                if (delta.get("tool_calls") instanceof List<?> calls) {
                    for (Object c : calls) {
                        if (c instanceof Map<?, ?> call) toolCall(call);
                    }
                }
            }
            if (choice.get("finish_reason") != null) finishReason = choice.get("finish_reason");
        }
        if (!moreReady) sse.flush();
    }

    /** After a translated stream ended cleanly: the last block's stop, {@code message_delta} and {@code message_stop}. */
    void finish(Usage dispatched) {
        if (nativeEvents) return; // the upstream's own message_stop went out
        start();
        closeBlock();
        Map<String, Object> delta = new LinkedHashMap<>();
        delta.put("stop_reason", MessagesAnswer.stopReason(finishReason));
        delta.put("stop_sequence", null);
        Map<String, Object> md = event("message_delta");
        md.put("delta", delta);
        md.put("usage", MessagesAnswer.usage(usage, dispatched));
        sse.send("message_delta", md, false);
        sse.send("message_stop", event("message_stop"), true);
    }

    private void start() {
        if (started) return;
        started = true;
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("input_tokens", inputEstimate);
        u.put("cache_creation_input_tokens", 0);
        u.put("cache_read_input_tokens", 0);
        u.put("output_tokens", 0);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", messageId);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", clientModel);
        message.put("content", List.of());
        message.put("stop_reason", null);
        message.put("stop_sequence", null);
        message.put("usage", u);
        Map<String, Object> e = event("message_start");
        e.put("message", message);
        sse.send("message_start", e, false);
    }

    private void text(String s) {
        if (!textOpen) {
            closeBlock();
            openBlock(MessagesAnswer.text(""));
            textOpen = true;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", "text_delta");
        d.put("text", s);
        delta(open, d);
    }

    /** A tool call fragment: its first (with the id) opens a tool_use block, the rest are its input. */
    private void toolCall(Map<?, ?> call) {
        int index = call.get("index") instanceof Number n ? n.intValue()
                : call.get("index") instanceof tollgate.json.JsonNumber n && n.isInteger() ? (int) n.longValue() : 0;
        Map<?, ?> fn = call.get("function") instanceof Map<?, ?> f ? f : Map.of();
        if (call.get("id") != null && !toolBlocks.containsKey(index)) {
            closeBlock();
            openBlock(MessagesAnswer.toolUse(call.get("id"), fn.get("name"), new LinkedHashMap<>()));
            toolBlocks.put(index, open);
        }
        Integer block = toolBlocks.get(index);
        if (block != null && fn.get("arguments") instanceof String args && !args.isEmpty()) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("type", "input_json_delta");
            d.put("partial_json", args);
            delta(block, d);
        }
    }

    private void openBlock(Map<String, Object> block) {
        open = blocks++;
        textOpen = false;
        Map<String, Object> e = event("content_block_start");
        e.put("index", open);
        e.put("content_block", block);
        sse.send("content_block_start", e, false);
    }

    private void closeBlock() {
        if (open < 0) return;
        Map<String, Object> e = event("content_block_stop");
        e.put("index", open);
        sse.send("content_block_stop", e, false);
        open = -1;
        textOpen = false;
    }

    private void delta(int index, Map<String, Object> delta) {
        Map<String, Object> e = event("content_block_delta");
        e.put("index", index);
        e.put("delta", delta);
        sse.send("content_block_delta", e, false);
    }

    private static Map<String, Object> event(String type) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        return e;
    }
}

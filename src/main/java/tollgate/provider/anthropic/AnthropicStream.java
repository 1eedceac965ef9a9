package tollgate.provider.anthropic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.json.JsonNumber;
import tollgate.provider.ChatCall;
import tollgate.provider.SseEvent;
import tollgate.provider.StreamDecoder;
import tollgate.provider.Usage;
import tollgate.provider.UpstreamErrors;

/**
 * Decodes one Anthropic Messages stream into OpenAI {@code chat.completion.chunk}s
 * (protocols.md §7 "Streaming SSE" → §2). Every chunk has the message's {@code id}, one
 * {@code created}, and the message's {@code model}.
 *
 * <ul>
 *   <li>{@code message_start} → the first chunk, {@code delta: {"role":"assistant","content":""}};
 *       its usage is read (input and cache tokens).</li>
 *   <li>{@code text} block start (with text) and {@code text_delta} → {@code delta.content}.</li>
 *   <li>{@code tool_use} block start → the tool call's first fragment, {@code id}, {@code type},
 *       {@code function.name} and empty {@code arguments}; {@code input_json_delta} →
 *       {@code arguments} fragments. A tool call's {@code index} is its ordinal among the
 *       message's tool calls (0, 1, …), not Anthropic's block index, which also counts text and
 *       thinking blocks. A tool call whose input came as no fragment gets {@code "{}"} at its
 *       block's end, as the non-streaming answer has.</li>
 *   <li>The forced JSON tool ({@link JsonMode}): its fragments are {@code delta.content}.</li>
 *   <li>{@code message_delta} → {@code delta: {}} with the mapped {@code finish_reason}
 *       ({@link AnthropicResponse#finishReason}); its usage counts are cumulative and replace
 *       earlier ones.</li>
 *   <li>{@code message_stop} → OpenAI's usage chunk ({@code "choices":[]}); the stream is done.</li>
 *   <li>{@code error} → thrown, classified by {@link UpstreamErrors#fromErrorObject}.</li>
 *   <li>{@code ping}, {@code content_block_stop}, thinking and signature deltas, and event types
 *       added later yield nothing (Anthropic: "handle unknown event types gracefully").</li>
 * </ul>
 * The event type is the SSE {@code event:} name, or the data's {@code type} when the stream
 * named none. One decoder per stream, one thread.
 */
final class AnthropicStream implements StreamDecoder {
    private final String providerId;
    /** The forced JSON tool's name, or null when the client asked for no JSON. */
    private final String jsonTool;
    private final long created;
    private final AnthropicUsage usage = new AnthropicUsage();
    /** Anthropic block index → the tool_use block it started; other blocks are not kept. */
    private final Map<Integer, ToolBlock> toolBlocks = new HashMap<>();
    private String id;
    private String model;
    /** Client tool calls started so far: the next call's OpenAI index. */
    private int toolCalls;
    private boolean finished;

    /** A tool_use block: the OpenAI index of its call, or {@link #JSON} for the JSON tool. */
    private static final class ToolBlock {
        static final int JSON = -1;
        final int ordinal;
        boolean sentInput;

        ToolBlock(int ordinal) { this.ordinal = ordinal; }
    }

    AnthropicStream(ChatCall call, String providerId) {
        this.providerId = providerId;
        this.jsonTool = JsonMode.toolName(call.body());
        this.created = AnthropicResponse.nowSeconds();
        this.model = call.upstreamModel();
    }

    @Override
    public boolean decode(SseEvent event, List<Map<String, Object>> out) {
        return decode(event, parse(event), out);
    }

    /** {@link #decode(SseEvent, List)} of an event already {@link #parse parsed}; {@code data} is only read. */
    boolean decode(SseEvent event, Map<String, Object> data, List<Map<String, Object>> out) {
        String type = event.event();
        if (SseEvent.DEFAULT_TYPE.equals(type) && data.get("type") instanceof String t) type = t;
        switch (type) {
            case "message_start" -> messageStart(data, out);
            case "content_block_start" -> blockStart(data, out);
            case "content_block_delta" -> blockDelta(data, out);
            case "content_block_stop" -> blockStop(data, out);
            case "message_delta" -> messageDelta(data, out);
            case "message_stop" -> {
                if (!finished) out.add(chunk(new LinkedHashMap<>(), "stop"));
                out.add(usageChunk());
                return true;
            }
            case "error" -> throw UpstreamErrors.fromErrorObject(providerId, data.get("error"));
            default -> { } // ping, and event types Anthropic may add
        }
        return false;
    }

    @Override
    public Usage usage() { return usage.toUsage(); }

    /** The event's data as an object; a {@code PROVIDER_ERROR} when it is not one. */
    Map<String, Object> parse(SseEvent event) {
        Object parsed;
        try {
            parsed = Json.parse(event.data());
        } catch (JsonException e) {
            parsed = null;
        }
        Map<String, Object> data = Json.asObject(parsed);
        if (data == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR,
                    "Provider '" + providerId + "' sent a stream event that is not a JSON object", null, 200, null);
        }
        return data;
    }

    private void messageStart(Map<String, Object> data, List<Map<String, Object>> out) {
        Map<String, Object> message = Json.asObject(data.get("message"));
        if (message != null) {
            if (message.get("id") instanceof String s) id = s;
            if (message.get("model") instanceof String s) model = s;
            usage.read(message.get("usage"));
        }
        Map<String, Object> delta = new LinkedHashMap<>(4);
        delta.put("role", "assistant");
        delta.put("content", "");
        out.add(chunk(delta, null));
    }

    private void blockStart(Map<String, Object> data, List<Map<String, Object>> out) {
        Map<String, Object> block = Json.asObject(data.get("content_block"));
        if (block == null) return;
        Object type = block.get("type");
        if ("text".equals(type)) {
            if (block.get("text") instanceof String s && !s.isEmpty()) out.add(content(s));
        } else if ("tool_use".equals(type)) {
            int index = index(data);
            ToolBlock tb;
            if (jsonTool != null && jsonTool.equals(block.get("name"))) {
                tb = new ToolBlock(ToolBlock.JSON);
            } else {
                tb = new ToolBlock(toolCalls++);
                Map<String, Object> fn = new LinkedHashMap<>(4);
                fn.put("name", block.get("name"));
                fn.put("arguments", "");
                Map<String, Object> call = new LinkedHashMap<>(8);
                call.put("index", tb.ordinal);
                call.put("id", block.get("id"));
                call.put("type", "function");
                call.put("function", fn);
                out.add(toolCallChunk(call));
            }
            toolBlocks.put(index, tb);
            // Anthropic starts a tool_use with "input": {} and streams the input as fragments;
            // should a whole input ever come here instead, pass it on as one fragment.
            if (block.get("input") instanceof Map<?, ?> input && !input.isEmpty()) {
                out.add(input(tb, Json.toString(input)));
            }
        }
    }

    private void blockDelta(Map<String, Object> data, List<Map<String, Object>> out) {
        Map<String, Object> delta = Json.asObject(data.get("delta"));
        if (delta == null) return;
        Object type = delta.get("type");
        if ("text_delta".equals(type)) {
            if (delta.get("text") instanceof String s && !s.isEmpty()) out.add(content(s));
        } else if ("input_json_delta".equals(type)) {
            ToolBlock tb = toolBlocks.get(index(data));
            if (tb != null && delta.get("partial_json") instanceof String s && !s.isEmpty()) out.add(input(tb, s));
        }
        // thinking_delta, signature_delta: OpenAI chunks have no place for them
    }

    private void blockStop(Map<String, Object> data, List<Map<String, Object>> out) {
        ToolBlock tb = toolBlocks.get(index(data));
        if (tb != null && !tb.sentInput) out.add(input(tb, "{}"));
    }

    private void messageDelta(Map<String, Object> data, List<Map<String, Object>> out) {
        usage.read(data.get("usage"));
        if (finished) return;
        finished = true;
        Map<String, Object> delta = Json.asObject(data.get("delta"));
        Object stopReason = delta == null ? null : delta.get("stop_reason");
        out.add(chunk(new LinkedHashMap<>(), AnthropicResponse.finishReason(stopReason, toolCalls > 0)));
    }

    /** An input fragment of a tool_use block: tool call arguments, or content for the JSON tool. */
    private Map<String, Object> input(ToolBlock tb, String fragment) {
        tb.sentInput = true;
        if (tb.ordinal == ToolBlock.JSON) return content(fragment);
        Map<String, Object> fn = new LinkedHashMap<>(2);
        fn.put("arguments", fragment);
        Map<String, Object> call = new LinkedHashMap<>(4);
        call.put("index", tb.ordinal);
        call.put("function", fn);
        return toolCallChunk(call);
    }

    private Map<String, Object> toolCallChunk(Map<String, Object> call) {
        List<Object> calls = new ArrayList<>(1);
        calls.add(call);
        Map<String, Object> delta = new LinkedHashMap<>(2);
        delta.put("tool_calls", calls);
        return chunk(delta, null);
    }

    private Map<String, Object> content(String text) {
        Map<String, Object> delta = new LinkedHashMap<>(2);
        delta.put("content", text);
        return chunk(delta, null);
    }

    private Map<String, Object> chunk(Map<String, Object> delta, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>(8);
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        List<Object> choices = new ArrayList<>(1);
        choices.add(choice);
        Map<String, Object> c = head();
        c.put("choices", choices);
        return c;
    }

    /** OpenAI's usage chunk: "the choices field will always be an empty array" (protocols.md §2). */
    private Map<String, Object> usageChunk() {
        Map<String, Object> c = head();
        c.put("choices", new ArrayList<>(0));
        c.put("usage", usage.toOpenAi());
        return c;
    }

    private Map<String, Object> head() {
        Map<String, Object> c = new LinkedHashMap<>(8);
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        return c;
    }

    /** The event's block {@code index}, or -1 when it has none usable. */
    private static int index(Map<String, Object> data) {
        if (data.get("index") instanceof JsonNumber n && n.isInteger()) {
            try {
                return Integer.parseInt(n.text());
            } catch (NumberFormatException tooBig) {
                return -1;
            }
        }
        return -1;
    }
}

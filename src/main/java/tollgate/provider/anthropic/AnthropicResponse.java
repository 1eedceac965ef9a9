package tollgate.provider.anthropic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.UpstreamErrors;

/**
 * Translates a non-streaming Anthropic message into an OpenAI {@code chat.completion}
 * (protocols.md §7 → §2's object shapes):
 * <ul>
 *   <li>{@code text} blocks are joined into {@code message.content} (null when there is none);</li>
 *   <li>{@code tool_use} blocks become {@code message.tool_calls}, their {@code input} written as
 *       compact JSON text in {@code function.arguments};</li>
 *   <li>the forced JSON tool's {@code tool_use} ({@link JsonMode}) becomes content instead: the
 *       JSON text of its {@code input}, in block order;</li>
 *   <li>{@code thinking} and {@code redacted_thinking} blocks (and any other kind) are left out:
 *       OpenAI's message has no place for them;</li>
 *   <li>{@code stop_reason} → {@code finish_reason} by {@link #finishReason}; usage by
 *       {@link AnthropicUsage}.</li>
 * </ul>
 */
final class AnthropicResponse {
    private AnthropicResponse() { throw new AssertionError(); }

    /**
     * @throws GatewayException classified by {@link UpstreamErrors#fromErrorObject} for an
     *         Anthropic error object; {@code PROVIDER_ERROR} for anything else that is not a message
     */
    static ChatResult completion(Map<String, Object> answer, ChatCall call, String providerId) {
        if ("error".equals(answer.get("type")) || answer.get("error") != null) {
            throw UpstreamErrors.fromErrorObject(providerId, answer.get("error"));
        }
        if (!"message".equals(answer.get("type")) || !(answer.get("content") instanceof List<?> blocks)) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR,
                    "Provider '" + providerId + "' sent an answer that is not an Anthropic message", null, 200, null);
        }
        String jsonTool = JsonMode.toolName(call.body());
        StringBuilder text = null;
        List<Object> toolCalls = null;
        for (Object b : blocks) {
            if (!(b instanceof Map<?, ?> block)) continue;
            Object type = block.get("type");
            if ("text".equals(type) && block.get("text") instanceof String s) {
                text = text == null ? new StringBuilder(s) : text.append(s);
            } else if ("tool_use".equals(type)) {
                Object input = block.get("input") == null ? Map.of() : block.get("input");
                if (jsonTool != null && jsonTool.equals(block.get("name"))) {
                    String json = Json.toString(input);
                    text = text == null ? new StringBuilder(json) : text.append(json);
                } else {
                    if (toolCalls == null) toolCalls = new ArrayList<>();
                    toolCalls.add(toolCall(block.get("id"), block.get("name"), Json.toString(input)));
                }
            }
        }

        Map<String, Object> message = new LinkedHashMap<>(8);
        message.put("role", "assistant");
        message.put("content", text == null ? null : text.toString());
        if (toolCalls != null) message.put("tool_calls", toolCalls);
        message.put("refusal", null);
        Map<String, Object> choice = new LinkedHashMap<>(8);
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason(answer.get("stop_reason"), toolCalls != null));

        AnthropicUsage usage = new AnthropicUsage();
        usage.read(answer.get("usage"));
        Map<String, Object> completion = new LinkedHashMap<>(8);
        completion.put("id", answer.get("id"));
        completion.put("object", "chat.completion");
        completion.put("created", nowSeconds());
        completion.put("model", answer.get("model") instanceof String m ? m : call.upstreamModel());
        List<Object> choices = new ArrayList<>(1);
        choices.add(choice);
        completion.put("choices", choices);
        if (usage.known()) completion.put("usage", usage.toOpenAi());
        return new ChatResult(completion, usage.toUsage());
    }

    /** An OpenAI tool call: {@code {"id","type":"function","function":{"name","arguments"}}}. */
    static Map<String, Object> toolCall(Object id, Object name, String arguments) {
        Map<String, Object> fn = new LinkedHashMap<>(4);
        fn.put("name", name);
        fn.put("arguments", arguments);
        Map<String, Object> call = new LinkedHashMap<>(4);
        call.put("id", id);
        call.put("type", "function");
        call.put("function", fn);
        return call;
    }

    /**
     * Anthropic {@code stop_reason} → OpenAI {@code finish_reason} (protocols.md §7, after
     * litellm's {@code map_finish_reason}): {@code end_turn}, {@code stop_sequence},
     * {@code pause_turn} → {@code stop}; {@code max_tokens}, {@code model_context_window_exceeded}
     * → {@code length}; {@code refusal} → {@code content_filter}; {@code tool_use} →
     * {@code tool_calls} when the answer has client tool calls, else {@code stop} (the forced
     * JSON tool's call is content); null or unknown → {@code stop}.
     */
    static String finishReason(Object stopReason, boolean clientToolCalls) {
        if (!(stopReason instanceof String s)) return "stop";
        return switch (s) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> clientToolCalls ? "tool_calls" : "stop";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn, and kinds added later
        };
    }

    /** OpenAI's {@code created}: the Unix time in seconds. */
    static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}

package tollgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.json.JsonNumber;
import tollgate.provider.NativeMessages;
import tollgate.provider.Usage;

/**
 * A non-streamed answer on Anthropic's surface (protocols-2.md §10, "Non-stream reply"): the
 * Anthropic upstream's own message with the model the client asked for, or the OpenAI completion
 * of any other provider translated ({@code choices[0].message} → text and {@code tool_use}
 * blocks, {@code finish_reason} → {@code stop_reason} by {@link #stopReason}, usage → Anthropic's
 * four counts by {@link #usage}).
 */
final class MessagesAnswer {
    private MessagesAnswer() { throw new AssertionError(); }

    /** The message for a dispatched completion. */
    static Map<String, Object> of(Map<String, Object> completion, Usage usage, String clientModel, String id) {
        if (completion.get(NativeMessages.ANSWER) instanceof Map<?, ?> answer) {
            @SuppressWarnings("unchecked")
            Map<String, Object> message = (Map<String, Object>) answer;
            message.put("model", clientModel);
            return message;
        }
        List<Object> content = new ArrayList<>();
        Object finish = null;
        if (completion.get("choices") instanceof List<?> choices && !choices.isEmpty() && choices.get(0) instanceof Map<?, ?> choice) {
            finish = choice.get("finish_reason");
            if (choice.get("message") instanceof Map<?, ?> m) {
                if (m.get("content") instanceof String s && !s.isEmpty()) content.add(text(s));
                if (m.get("tool_calls") instanceof List<?> calls) {
                    for (Object c : calls) {
                        if (c instanceof Map<?, ?> call && call.get("function") instanceof Map<?, ?> fn) {
                            content.add(toolUse(call.get("id"), fn.get("name"), input(fn.get("arguments"))));
                        }
                    }
                }
            }
        }
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", clientModel);
        message.put("content", content);
        message.put("stop_reason", stopReason(finish));
        message.put("stop_sequence", null);
        message.put("usage", usage(completion.get("usage"), usage));
        return message;
    }

    /** OpenAI's {@code finish_reason} as Anthropic's {@code stop_reason} (protocols.md §7, read backwards). */
    static String stopReason(Object finish) {
        if (finish == null) return "end_turn";
        return switch (finish.toString()) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn"; // stop: OpenAI does not say whether a stop sequence ended it
        };
    }

    /**
     * Anthropic's usage from OpenAI's {@code usage} object (or, without one, the dispatcher's
     * counts): cached prompt tokens ({@code prompt_tokens_details.cached_tokens}) are
     * {@code cache_read_input_tokens} and the rest {@code input_tokens}, since Anthropic's total
     * input is the sum of the three (protocols-2.md §10).
     */
    static Map<String, Object> usage(Object openAi, Usage fallback) {
        long prompt = fallback.known() ? fallback.promptTokens() : 0;
        long completion = fallback.known() ? fallback.completionTokens() : 0;
        long cached = 0;
        if (openAi instanceof Map<?, ?> u) {
            prompt = count(u.get("prompt_tokens"), prompt);
            completion = count(u.get("completion_tokens"), completion);
            if (u.get("prompt_tokens_details") instanceof Map<?, ?> d) cached = Math.min(prompt, count(d.get("cached_tokens"), 0));
        }
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("input_tokens", prompt - cached);
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", cached);
        usage.put("output_tokens", completion);
        return usage;
    }

    private static long count(Object v, long otherwise) {
        return v instanceof JsonNumber n && n.isInteger() ? n.longValue() : v instanceof Number n ? n.longValue() : otherwise;
    }

    /** A tool call's arguments as the {@code input} object; {@code {}} when they are not a JSON object. */
    static Object input(Object arguments) {
        if (arguments instanceof String s && !s.isBlank()) {
            try {
                Object parsed = Json.parse(s);
                if (parsed instanceof Map<?, ?>) return parsed;
            } catch (JsonException notJson) {
                // below
            }
        }
        return new LinkedHashMap<>();
    }

    static Map<String, Object> text(String s) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", "text");
        b.put("text", s);
        return b;
    }

    static Map<String, Object> toolUse(Object id, Object name, Object input) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("type", "tool_use");
        b.put("id", id);
        b.put("name", name);
        b.put("input", input);
        return b;
    }
}

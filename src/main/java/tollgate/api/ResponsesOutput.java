package tollgate.api;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.provider.Usage;

import static tollgate.api.ResponsesRequest.map;

/**
 * The Responses API's objects (protocols-2.md §9, "Response object"): the response with the
 * request's parameters echoed, its output items made from a chat answer, and its usage in
 * Responses' names.
 */
final class ResponsesOutput {
    private ResponsesOutput() { throw new AssertionError(); }

    /** Random bytes in an id ({@code resp_}, {@code msg_}, {@code fc_} and 32 hex digits): unguessable, never repeated. */
    static final int ID_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    static String newId(String prefix) {
        byte[] b = new byte[ID_BYTES];
        RANDOM.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    /** Whether {@code s} is an id {@link #newId} makes with {@code resp_}: only such a string becomes part of a path. */
    static boolean isResponseId(String s) {
        if (s == null || s.length() != 5 + 2 * ID_BYTES || !s.startsWith("resp_")) return false;
        for (int i = 5; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    /** A response in {@code status} with no output and no usage yet: the request's parameters echoed. */
    static Map<String, Object> skeleton(String id, long createdAtSeconds, String model, ResponsesRequest r, String status) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", "response");
        m.put("created_at", createdAtSeconds);
        m.put("status", status);
        m.put("error", null);
        m.put("incomplete_details", null);
        m.put("instructions", r.instructions());
        m.put("max_output_tokens", r.maxOutputTokens());
        m.put("model", model);
        m.put("output", new ArrayList<>());
        m.put("parallel_tool_calls", r.parallelToolCalls());
        m.put("previous_response_id", r.previousResponseId());
        Map<String, Object> reasoning = map("effort", null, "summary", null);
        if (r.reasoning() instanceof Map<?, ?> given) {
            for (Map.Entry<?, ?> e : given.entrySet()) reasoning.put(String.valueOf(e.getKey()), e.getValue());
        }
        m.put("reasoning", reasoning);
        m.put("store", r.store());
        m.put("temperature", r.temperature() != null ? r.temperature() : new tollgate.json.JsonNumber("1.0"));
        m.put("text", r.text());
        m.put("tool_choice", r.toolChoice());
        m.put("tools", r.tools());
        m.put("top_p", r.topP() != null ? r.topP() : new tollgate.json.JsonNumber("1.0"));
        m.put("truncation", "disabled");
        m.put("usage", null);
        m.put("user", r.user());
        m.put("metadata", r.metadata());
        return m;
    }

    /** {@code response} finished from a non-streamed chat completion: its output items, status and usage. */
    static void finish(Map<String, Object> response, Map<String, Object> completion, Usage known) {
        Map<?, ?> choice = completion.get("choices") instanceof List<?> c && !c.isEmpty() && c.get(0) instanceof Map<?, ?> m ? m : Map.of();
        Map<?, ?> message = choice.get("message") instanceof Map<?, ?> m ? m : Map.of();
        String finish = choice.get("finish_reason") instanceof String s ? s : null;
        String itemStatus = itemStatus(finish);
        @SuppressWarnings("unchecked")
        List<Object> output = (List<Object>) response.get("output");
        String text = message.get("content") instanceof String s ? s : null;
        String refusal = message.get("refusal") instanceof String s ? s : null;
        List<?> calls = message.get("tool_calls") instanceof List<?> l ? l : List.of();
        if (text != null && !text.isEmpty() || refusal != null || calls.isEmpty()) {
            Map<String, Object> item = messageItem(newId("msg_"), itemStatus);
            @SuppressWarnings("unchecked")
            List<Object> content = (List<Object>) item.get("content");
            if (text != null && !text.isEmpty() || refusal == null) content.add(textPart(text == null ? "" : text));
            if (refusal != null) content.add(map("type", "refusal", "refusal", refusal));
            output.add(item);
        }
        for (Object o : calls) {
            Map<?, ?> call = (Map<?, ?>) o;
            Map<?, ?> fn = call.get("function") instanceof Map<?, ?> f ? f : Map.of();
            String name = (String) fn.get("name");
            output.add(functionCall(newId("fc_"), (String) call.get("id"), name, ResponsesTools.namespaceOf(response.get("tools"), name),
                    fn.get("arguments") instanceof String a ? a : "", "completed"));
        }
        end(response, finish, usage(completion.get("usage"), known));
    }

    /** Status, {@code incomplete_details} and usage from the chat answer's finish reason and usage. */
    static void end(Map<String, Object> response, String finishReason, Map<String, Object> usage) {
        if (itemStatus(finishReason).equals("incomplete")) {
            response.put("status", "incomplete");
            response.put("incomplete_details", map("reason", "length".equals(finishReason) ? "max_output_tokens" : "content_filter"));
        } else {
            response.put("status", "completed");
        }
        response.put("usage", usage);
    }

    /** An output item's status for the chat answer's finish reason: cut short by the token limit or a filter, or done. */
    static String itemStatus(String finishReason) {
        return "length".equals(finishReason) || "content_filter".equals(finishReason) ? "incomplete" : "completed";
    }

    static Map<String, Object> messageItem(String id, String status) {
        return map("id", id, "type", "message", "status", status, "role", "assistant", "content", new ArrayList<>());
    }

    static Map<String, Object> textPart(String text) {
        return map("type", "output_text", "text", text, "annotations", new ArrayList<>(), "logprobs", new ArrayList<>());
    }

    /** A function_call item; {@code namespace} (a function of a namespace tool, {@link ResponsesTools#namespaceOf}) or null. */
    static Map<String, Object> functionCall(String id, String callId, String name, String namespace, String arguments, String status) {
        Map<String, Object> item = map("id", id, "type", "function_call", "status", status, "arguments", arguments, "call_id", callId,
                "name", name);
        if (namespace != null) item.put("namespace", namespace);
        return item;
    }

    /** Chat's usage in Responses' names; {@code known} (the dispatcher's) when the answer carried none. */
    static Map<String, Object> usage(Object chat, Usage known) {
        Map<?, ?> u = chat instanceof Map<?, ?> m ? m : Map.of();
        long in = number(u.get("prompt_tokens"), known.known() ? known.promptTokens() : 0);
        long out = number(u.get("completion_tokens"), known.known() ? known.completionTokens() : 0);
        long cached = u.get("prompt_tokens_details") instanceof Map<?, ?> d ? number(d.get("cached_tokens"), 0) : 0;
        long reasoning = u.get("completion_tokens_details") instanceof Map<?, ?> d ? number(d.get("reasoning_tokens"), 0) : 0;
        return map("input_tokens", in, "input_tokens_details", map("cached_tokens", cached), "output_tokens", out,
                "output_tokens_details", map("reasoning_tokens", reasoning), "total_tokens", in + out);
    }

    private static long number(Object v, long otherwise) {
        return v instanceof tollgate.json.JsonNumber n && n.isInteger() ? n.longValue() : otherwise;
    }
}

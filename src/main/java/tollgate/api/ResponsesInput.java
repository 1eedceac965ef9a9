package tollgate.api;

import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.invalidValue;
import static tollgate.api.Validation.object;
import static tollgate.api.Validation.requiredString;
import static tollgate.api.Validation.string;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;

/**
 * The {@code input} of a Responses request (protocols-2.md §9, "Input items"), validated, and
 * its translation into chat messages:
 * <ul>
 *   <li>a message ({@code user}, {@code assistant}, {@code system}, {@code developer}; a string
 *       or {@code input_text}, {@code input_image}, {@code output_text}, {@code refusal} parts)
 *       is the chat message of that role, its parts as chat's {@code text} and {@code image_url};</li>
 *   <li>{@code function_call} items are the {@code tool_calls} of an assistant message (the
 *       assistant message just before them, when there is one: chat has one message per turn);</li>
 *   <li>{@code function_call_output} is chat's {@code role: "tool"} message;</li>
 *   <li>{@code item_reference} is the item of the previous response's conversation with that id
 *       ({@link #resolve});</li>
 *   <li>{@code reasoning} items are dropped: no chat model takes them back.</li>
 * </ul>
 * Other item and part types ({@code input_file}, built-in tools' items) are refused with a 400
 * naming them. Keys of an item or part beyond those read here (an output item's {@code status},
 * an {@code output_text}'s {@code annotations}) are ignored, so that a client may send the
 * output of a response back as input, as OpenAI's own examples do.
 */
final class ResponsesInput {
    private ResponsesInput() { throw new AssertionError(); }

    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

    /** The items of {@code input}: a string is one user message. */
    static List<Map<String, Object>> items(Object v) {
        if (v instanceof String s) {
            List<Map<String, Object>> one = new ArrayList<>(1);
            one.add(ResponsesRequest.map("type", "message", "role", "user", "content", s));
            return one;
        }
        if (!(v instanceof List<?> list)) throw invalidType("input", "a string or an array of input items", v);
        List<Map<String, Object>> items = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String at = "input[" + i + "]";
            Map<String, Object> item = object(at, list.get(i));
            Object type = item.get("type");
            if (type == null && item.containsKey("role")) type = "message";
            if (type == null) throw Validation.missing(at + ".type");
            switch (string(at + ".type", type)) {
                case "message" -> message(item, at);
                case "function_call" -> {
                    requiredString(item, "call_id", at + ".call_id");
                    String name = requiredString(item, "name", at + ".name");
                    if (!Validation.isName(name)) throw invalidValue(at + ".name", Validation.NAME_RULE, name);
                    requiredString(item, "arguments", at + ".arguments");
                }
                case "function_call_output" -> {
                    requiredString(item, "call_id", at + ".call_id");
                    Object out = item.get("output");
                    if (out == null) throw Validation.missing(at + ".output");
                    if (!(out instanceof String)) parts(out, at + ".output", false);
                }
                case "item_reference" -> requiredString(item, "id", at + ".id");
                case "reasoning" -> { } // dropped when translated
                default -> throw GatewayException.invalid(at + ".type", "The input item type " + Validation.show(type)
                        + " is not supported on /responses: messages, 'function_call', 'function_call_output', 'item_reference' "
                        + "and 'reasoning' are.");
            }
            items.add(item);
        }
        return items;
    }

    private static void message(Map<String, Object> m, String at) {
        String role = requiredString(m, "role", at + ".role");
        if (!ROLES.contains(role)) throw invalidValue(at + ".role", "one of 'user', 'assistant', 'system', 'developer'", role);
        Object content = m.get("content");
        if (content == null) throw Validation.missing(at + ".content");
        if (!(content instanceof String)) parts(content, at + ".content", role.equals("assistant"));
    }

    private static void parts(Object v, String at, boolean assistant) {
        if (!(v instanceof List<?> list)) throw invalidType(at, "a string or an array of content parts", v);
        for (int j = 0; j < list.size(); j++) {
            String p = at + "[" + j + "]";
            Map<String, Object> part = object(p, list.get(j));
            Object type = part.get("type");
            switch (type instanceof String s ? s : "") {
                case "input_text", "output_text" -> requiredString(part, "text", p + ".text");
                case "refusal" -> requiredString(part, "refusal", p + ".refusal");
                case "input_image" -> {
                    if (assistant) throw GatewayException.invalid(p + ".type", "An assistant message cannot hold 'input_image' parts.");
                    if (part.get("image_url") == null) {
                        throw GatewayException.invalid(p + ".image_url", part.get("file_id") != null
                                ? "Images by 'file_id' are not supported here: send the image as 'image_url' (a URL or a data: URL)."
                                : "Missing required parameter: '" + p + ".image_url'.");
                    }
                    string(p + ".image_url", part.get("image_url"));
                    Object detail = part.get("detail");
                    if (detail != null && !Set.of("auto", "low", "high", "original").contains(detail)) {
                        throw invalidValue(p + ".detail", "'auto', 'low', 'high' or 'original'", detail);
                    }
                }
                default -> throw type == null ? Validation.missing(p + ".type") : GatewayException.invalid(p + ".type",
                        "The content part type " + Validation.show(type) + " is not supported on /responses: 'input_text', "
                                + "'input_image', 'output_text' and 'refusal' are.");
            }
        }
    }

    /**
     * {@code input} with each {@code item_reference} replaced by the item of {@code previous}
     * (the stored conversation and output, oldest first) with that id.
     *
     * @throws GatewayException 400 naming the reference when no such item is known
     */
    static List<Map<String, Object>> resolve(List<Map<String, Object>> input, List<Map<String, Object>> previous) {
        List<Map<String, Object>> out = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            Map<String, Object> item = input.get(i);
            if (!"item_reference".equals(item.get("type"))) {
                out.add(item);
                continue;
            }
            Object id = item.get("id");
            Map<String, Object> found = null;
            for (Map<String, Object> p : previous) {
                if (id.equals(p.get("id"))) found = p;
            }
            if (found == null) {
                throw GatewayException.invalid("input[" + i + "].id", "Item with id " + Validation.show(id) + " not found: an "
                        + "'item_reference' names an item of the response in 'previous_response_id' (its input or output).");
            }
            out.add(found);
        }
        return out;
    }

    /** Appends the chat messages for {@code items} (validated, references resolved) to {@code messages}. */
    static void messages(List<Map<String, Object>> items, List<Object> messages) {
        for (Map<String, Object> item : items) {
            Object type = item.get("type") != null ? item.get("type") : "message";
            switch ((String) type) {
                case "message" -> {
                    String role = (String) item.get("role");
                    Object content = item.get("content");
                    messages.add(ResponsesRequest.map("role", role, "content",
                            content instanceof String s ? s : role.equals("assistant") ? text(content) : chatParts(content)));
                }
                case "function_call" -> {
                    Map<String, Object> call = ResponsesRequest.map("id", item.get("call_id"), "type", "function", "function",
                            ResponsesRequest.map("name", item.get("name"), "arguments", item.get("arguments")));
                    Object last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
                    Map<String, Object> assistant;
                    if (last instanceof Map<?, ?> m && "assistant".equals(m.get("role"))) {
                        assistant = Validation.cast(m);
                    } else {
                        assistant = ResponsesRequest.map("role", "assistant", "content", null);
                        messages.add(assistant);
                    }
                    @SuppressWarnings("unchecked")
                    List<Object> calls = (List<Object>) assistant.computeIfAbsent("tool_calls", k -> new ArrayList<>());
                    calls.add(call);
                }
                case "function_call_output" -> {
                    Object output = item.get("output");
                    messages.add(ResponsesRequest.map("role", "tool", "tool_call_id", item.get("call_id"), "content",
                            output instanceof String s ? s : text(output)));
                }
                default -> { } // reasoning: dropped
            }
        }
    }

    /** The text of {@code parts} joined (an assistant turn or a tool result: chat takes text only there). */
    private static String text(Object parts) {
        StringBuilder b = new StringBuilder();
        for (Object o : (List<?>) parts) {
            Map<?, ?> p = (Map<?, ?>) o;
            Object t = p.get("text") != null ? p.get("text") : p.get("refusal");
            if (t == null) {
                throw GatewayException.invalid("input", "An image cannot be part of an assistant message or a function call output "
                        + "when it is sent on to a chat model; send it in a user message.");
            }
            b.append(t);
        }
        return b.toString();
    }

    private static List<Object> chatParts(Object parts) {
        List<Object> out = new ArrayList<>();
        for (Object o : (List<?>) parts) {
            Map<?, ?> p = (Map<?, ?>) o;
            if ("input_image".equals(p.get("type"))) {
                Map<String, Object> url = ResponsesRequest.map("url", p.get("image_url"));
                Object detail = p.get("detail");
                if (detail != null) url.put("detail", "original".equals(detail) ? "high" : detail); // chat has no "original"
                out.add(ResponsesRequest.map("type", "image_url", "image_url", url));
            } else {
                Object t = p.get("text") != null ? p.get("text") : p.get("refusal");
                out.add(ResponsesRequest.map("type", "text", "text", t));
            }
        }
        return out;
    }
}

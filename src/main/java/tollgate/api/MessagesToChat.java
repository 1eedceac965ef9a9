package tollgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/**
 * Translates a checked Anthropic Messages request ({@link MessagesRequest}) into the OpenAI chat
 * body every provider is dispatched with (protocols.md §7 read backwards), so that routing,
 * policies, groups, fallbacks, limits and credits apply to it as to any chat request. An
 * Anthropic upstream is sent the client's own body instead ({@link tollgate.provider.NativeMessages});
 * this translation is what every other provider gets, and what the gateway estimates and checks.
 *
 * <ul>
 *   <li>{@code system} (a string or text blocks) → one system message first; a system message
 *       in {@code messages} (Anthropic's mid-conversation system messages, which Claude Code
 *       sends) → a system message in its place.</li>
 *   <li>A user turn: its {@code tool_result} blocks → {@code tool} messages (in their order,
 *       right after the assistant's tool calls, where OpenAI wants them), then the rest → one
 *       user message: text, and images as {@code image_url} ({@code data:} URLs for base64
 *       sources). A result marked {@code is_error} is prefixed {@link #ERROR_PREFIX}: OpenAI's
 *       tool message has no such flag. Images inside a result, which a tool message cannot
 *       hold, are left out.</li>
 *   <li>An assistant turn: its text → {@code content}, its {@code tool_use} blocks →
 *       {@code tool_calls} (the input as JSON text). Thinking blocks are Anthropic's alone and
 *       are left out; a turn left with nothing is dropped.</li>
 *   <li>Custom tools → functions ({@code input_schema} → {@code parameters}); server tools
 *       (a {@code type} other than {@code custom}) exist only on Anthropic and are left out.
 *       {@code tool_choice}: auto → auto, any → required, tool → that function, none → none;
 *       {@code disable_parallel_tool_use} → {@code parallel_tool_calls: false}.</li>
 *   <li>{@code max_tokens}, {@code temperature}, {@code top_p} as they are;
 *       {@code stop_sequences} → {@code stop}; {@code metadata.user_id} → {@code user}; a
 *       stream asks for usage ({@code stream_options.include_usage}). {@code top_k},
 *       {@code thinking} and fields the gateway does not know have no OpenAI counterpart and are
 *       left out.</li>
 * </ul>
 */
final class MessagesToChat {
    private MessagesToChat() { throw new AssertionError(); }

    /** Put before the text of a tool result marked {@code is_error}. */
    static final String ERROR_PREFIX = "Error: ";
    /** Most stop sequences an OpenAI upstream takes ({@code stop}: "up to 4 sequences"). */
    static final int MAX_STOP_SEQUENCES = ChatRequestValidator.MAX_STOP;

    /** A tool the client runs ({@code type} absent or {@code custom}), as opposed to one of Anthropic's server tools. */
    static boolean isCustomTool(Map<?, ?> tool) {
        Object type = tool.get("type");
        return type == null || "custom".equals(type);
    }

    /** The OpenAI chat body for {@code body} (already checked); {@code count_tokens} bodies have no {@code max_tokens}. */
    static Map<String, Object> translate(Map<String, Object> body) {
        Map<String, Object> chat = new LinkedHashMap<>();
        chat.put("model", body.get("model"));
        List<Object> messages = new ArrayList<>();
        String system = text(body.get("system"));
        if (system != null && !system.isEmpty()) messages.add(message("system", system));
        for (Object m : (List<?>) body.get("messages")) {
            Map<?, ?> turn = (Map<?, ?>) m;
            Object role = turn.get("role");
            if ("user".equals(role)) user(turn.get("content"), messages);
            else if ("system".equals(role)) messages.add(message("system", text(turn.get("content"))));
            else assistant(turn.get("content"), messages);
        }
        chat.put("messages", messages);
        if (body.get("max_tokens") != null) chat.put("max_tokens", body.get("max_tokens"));
        if (Boolean.TRUE.equals(body.get("stream"))) {
            chat.put("stream", Boolean.TRUE);
            chat.put("stream_options", new LinkedHashMap<>(Map.of("include_usage", Boolean.TRUE)));
        }
        if (body.get("temperature") != null) chat.put("temperature", body.get("temperature"));
        if (body.get("top_p") != null) chat.put("top_p", body.get("top_p"));
        if (body.get("stop_sequences") instanceof List<?> stop && !stop.isEmpty()) {
            if (stop.size() > MAX_STOP_SEQUENCES) {
                throw GatewayException.invalid("stop_sequences", "stop_sequences: this gateway takes at most "
                        + MAX_STOP_SEQUENCES + " stop sequences (the most its OpenAI-compatible upstreams take), got " + stop.size() + ".");
            }
            chat.put("stop", stop);
        }
        if (body.get("metadata") instanceof Map<?, ?> md && md.get("user_id") instanceof String u && !u.isEmpty()) chat.put("user", u);
        tools(body, chat);
        return chat;
    }

    private static void user(Object content, List<Object> out) {
        if (content instanceof String s) {
            out.add(message("user", s));
            return;
        }
        List<Object> parts = new ArrayList<>();
        boolean results = false;
        for (Object o : (List<?>) content) {
            Map<?, ?> b = (Map<?, ?>) o;
            switch (String.valueOf(b.get("type"))) {
                case "tool_result" -> {
                    results = true;
                    Map<String, Object> tool = new LinkedHashMap<>();
                    tool.put("role", "tool");
                    tool.put("tool_call_id", b.get("tool_use_id"));
                    String text = text(b.get("content"));
                    tool.put("content", (Boolean.TRUE.equals(b.get("is_error")) ? ERROR_PREFIX : "") + (text == null ? "" : text));
                    out.add(tool);
                }
                case "text" -> parts.add(textPart((String) b.get("text")));
                case "image" -> parts.add(imagePart((Map<?, ?>) b.get("source")));
                case "document" -> {
                    // A plain-text document reads as text anywhere; a PDF only on Anthropic.
                    if (b.get("source") instanceof Map<?, ?> s && "text".equals(s.get("type")) && s.get("data") instanceof String d) {
                        parts.add(textPart(d));
                    }
                }
                default -> { } // Anthropic's alone
            }
        }
        if (!parts.isEmpty()) out.add(message("user", parts));
        else if (!results) out.add(message("user", ""));
    }

    private static void assistant(Object content, List<Object> out) {
        if (content instanceof String s) {
            out.add(message("assistant", s));
            return;
        }
        StringBuilder text = new StringBuilder();
        List<Object> calls = new ArrayList<>();
        for (Object o : (List<?>) content) {
            Map<?, ?> b = (Map<?, ?>) o;
            if ("text".equals(b.get("type"))) {
                text.append((String) b.get("text"));
            } else if ("tool_use".equals(b.get("type"))) {
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", b.get("name"));
                fn.put("arguments", Json.toString(b.get("input")));
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("id", b.get("id"));
                call.put("type", "function");
                call.put("function", fn);
                calls.add(call);
            }
        }
        if (text.isEmpty() && calls.isEmpty()) return; // thinking only: nothing another provider can read
        Map<String, Object> m = message("assistant", text.isEmpty() ? null : text.toString());
        if (!calls.isEmpty()) m.put("tool_calls", calls);
        out.add(m);
    }

    private static void tools(Map<String, Object> body, Map<String, Object> chat) {
        if (!(body.get("tools") instanceof List<?> tools)) return;
        List<Object> functions = new ArrayList<>();
        for (Object o : tools) {
            Map<?, ?> t = (Map<?, ?>) o;
            if (!isCustomTool(t)) continue;
            Map<String, Object> fn = new LinkedHashMap<>();
            fn.put("name", t.get("name"));
            if (t.get("description") != null) fn.put("description", t.get("description"));
            fn.put("parameters", t.get("input_schema"));
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("type", "function");
            f.put("function", fn);
            functions.add(f);
        }
        if (functions.isEmpty()) return;
        chat.put("tools", functions);
        if (!(body.get("tool_choice") instanceof Map<?, ?> choice)) return;
        switch (String.valueOf(choice.get("type"))) {
            case "auto" -> chat.put("tool_choice", "auto");
            case "any" -> chat.put("tool_choice", "required");
            case "none" -> chat.put("tool_choice", "none");
            default -> { // tool
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", choice.get("name"));
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("type", "function");
                c.put("function", fn);
                chat.put("tool_choice", c);
            }
        }
        if (Boolean.TRUE.equals(choice.get("disable_parallel_tool_use"))) chat.put("parallel_tool_calls", Boolean.FALSE);
    }

    /** A string, or the texts of text blocks joined with a blank line; null for none. */
    static String text(Object v) {
        if (v == null || v instanceof String) return (String) v;
        StringBuilder b = new StringBuilder();
        for (Object o : (List<?>) v) {
            if (o instanceof Map<?, ?> m && "text".equals(m.get("type")) && m.get("text") instanceof String s) {
                if (!b.isEmpty()) b.append("\n\n");
                b.append(s);
            }
        }
        return b.toString();
    }

    private static Map<String, Object> message(String role, Object content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static Map<String, Object> textPart(String text) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "text");
        p.put("text", text);
        return p;
    }

    private static Map<String, Object> imagePart(Map<?, ?> source) {
        String url = "url".equals(source.get("type")) ? (String) source.get("url")
                : "data:" + source.get("media_type") + ";base64," + source.get("data");
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("url", url);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "image_url");
        p.put("image_url", image);
        return p;
    }
}

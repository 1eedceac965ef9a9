package tollgate.api;

import static tollgate.api.Validation.cast;
import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.invalidValue;
import static tollgate.api.Validation.missing;
import static tollgate.api.Validation.typeName;

import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;

/**
 * Checks an Anthropic Messages request ({@code POST /v1/messages} and its {@code count_tokens};
 * protocols-2.md §10, protocols.md §7) before it is translated ({@link MessagesToChat}): every
 * field the gateway reads or translates must have Anthropic's type and range, so that a client
 * gets Anthropic's kind of 400 naming the field ({@code messages.1.content.0.tool_use_id}) rather
 * than an error about the translation. Fields it does not know are left alone: they reach an
 * Anthropic upstream as sent ("open lists", [CCGW]) and are ignored for the others. The body is
 * only read.
 */
final class MessagesRequest {
    private MessagesRequest() { throw new AssertionError(); }

    /** Length of an {@code anthropic-version}, a date {@code YYYY-MM-DD}, in chars. */
    static final int VERSION_CHARS = 10;
    /** Image media types Anthropic accepts in a base64 source (Anthropic docs, "Vision"). */
    static final Set<String> IMAGE_MEDIA_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
    /** {@code tool_choice.type} values (protocols-2.md §10). */
    static final Set<String> TOOL_CHOICES = Set.of("auto", "any", "tool", "none");
    /** {@code thinking.type} values (protocols-2.md §10). */
    static final Set<String> THINKING = Set.of("enabled", "disabled", "adaptive");

    /**
     * @param countTokens true for {@code count_tokens}, which takes no {@code max_tokens} and no {@code stream}
     * @return the body as an object
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} naming the first bad field
     */
    static Map<String, Object> check(Object parsed, boolean countTokens) {
        if (!(parsed instanceof Map<?, ?>)) {
            throw GatewayException.invalid(null, "The request body must be a JSON object, got " + typeName(parsed) + ".");
        }
        Map<String, Object> body = cast(parsed);
        Validation.depth(body, Validation.MAX_TRANSLATED_DEPTH);
        Object model = body.get("model");
        if (model == null) throw missing("model");
        if (!(model instanceof String m) || m.isEmpty()) throw invalidValue("model", "a non-empty string", model);
        if (!countTokens) {
            Object max = body.get("max_tokens");
            if (max == null) throw missing("max_tokens");
            positiveInteger("max_tokens", max, 1);
            Object stream = body.get("stream");
            if (stream != null && !(stream instanceof Boolean)) throw invalidType("stream", "a boolean", stream);
        }
        messages(body.get("messages"));
        system(body.get("system"));
        Object stop = body.get("stop_sequences");
        if (stop != null) {
            if (!(stop instanceof List<?> list)) throw invalidType("stop_sequences", "an array of strings", stop);
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String)) throw invalidType("stop_sequences." + i, "a string", list.get(i));
            }
        }
        range(body, "temperature", 1);
        range(body, "top_p", 1);
        Object topK = body.get("top_k");
        if (topK != null) positiveInteger("top_k", topK, 0);
        tools(body.get("tools"));
        toolChoice(body.get("tool_choice"));
        Object metadata = body.get("metadata");
        if (metadata != null) {
            if (!(metadata instanceof Map<?, ?> md)) throw invalidType("metadata", "an object", metadata);
            Object user = md.get("user_id");
            if (user != null && !(user instanceof String)) throw invalidType("metadata.user_id", "a string", user);
        }
        Object thinking = body.get("thinking");
        if (thinking != null) {
            if (!(thinking instanceof Map<?, ?> t)) throw invalidType("thinking", "an object", thinking);
            oneOf("thinking.type", t.get("type"), THINKING);
            if ("enabled".equals(t.get("type"))) positiveInteger("thinking.budget_tokens", t.get("budget_tokens"), 1);
        }
        return body;
    }

    /**
     * The client's {@code anthropic-version}: any date-shaped value ({@code YYYY-MM-DD}) is taken
     * and goes to an Anthropic upstream as sent (Claude Code's gateway doc: forward the version
     * headers unchanged, protocols-2.md §10; the SDKs send 2023-06-01 before 1.0, 2026-10-21 from
     * 1.0 on, and later ones will come). Anything else is a 400 naming the header.
     */
    static void version(String version) {
        if (version == null || isDate(version)) return;
        throw GatewayException.invalid(null, "anthropic-version: expected a date YYYY-MM-DD such as 2023-06-01, got "
                + Validation.show(version) + ".");
    }

    /** {@code DDDD-DD-DD}, digits and dashes only (a check, not a calendar: the upstream judges the date). */
    private static boolean isDate(String v) {
        if (v.length() != VERSION_CHARS) return false;
        for (int i = 0; i < VERSION_CHARS; i++) {
            char c = v.charAt(i);
            boolean ok = i == 4 || i == 7 ? c == '-' : c >= '0' && c <= '9';
            if (!ok) return false;
        }
        return true;
    }

    private static void messages(Object v) {
        if (v == null) throw missing("messages");
        if (!(v instanceof List<?> list)) throw invalidType("messages", "an array of messages", v);
        if (list.isEmpty()) throw GatewayException.invalid("messages", "messages: at least one message is required.");
        for (int i = 0; i < list.size(); i++) {
            String at = "messages." + i;
            if (!(list.get(i) instanceof Map<?, ?> m)) throw invalidType(at, "an object", list.get(i));
            Object role = m.get("role");
            if (role == null) throw missing(at + ".role");
            if (!"user".equals(role) && !"assistant".equals(role) && !"system".equals(role)) {
                throw invalidValue(at + ".role", "'user', 'assistant' or 'system'", role);
            }
            Object content = m.get("content");
            if (content == null) throw missing(at + ".content");
            if (content instanceof String) continue;
            if ("system".equals(role)) { // a mid-conversation system message: text only (SystemMessageParam)
                textBlocks(content, at + ".content");
                continue;
            }
            if (!(content instanceof List<?> blocks)) throw invalidType(at + ".content", "a string or an array of content blocks", content);
            for (int j = 0; j < blocks.size(); j++) block(blocks.get(j), at + ".content." + j, (String) role);
        }
    }

    /** One content block; types the gateway does not translate are accepted as they are (for an Anthropic upstream). */
    private static void block(Object raw, String at, String role) {
        if (!(raw instanceof Map<?, ?>)) throw invalidType(at, "an object", raw);
        Map<String, Object> b = cast(raw);
        Object type = b.get("type");
        if (type == null) throw missing(at + ".type");
        if (!(type instanceof String t)) throw invalidType(at + ".type", "a string", type);
        switch (t) {
            case "text" -> string(b, "text", at);
            case "image" -> image(b, at);
            case "tool_use" -> {
                if (!"assistant".equals(role)) throw invalidValue(at + ".type", "a block a user turn may hold ('tool_use' is the assistant's)", t);
                nonEmpty(b, "id", at);
                nonEmpty(b, "name", at);
                Object input = b.get("input");
                if (input == null) throw missing(at + ".input");
                if (!(input instanceof Map<?, ?>)) throw invalidType(at + ".input", "an object", input);
            }
            case "tool_result" -> {
                if (!"user".equals(role)) throw invalidValue(at + ".type", "a block an assistant turn may hold ('tool_result' is the user's)", t);
                nonEmpty(b, "tool_use_id", at);
                Object c = b.get("content");
                if (c instanceof List<?> inner) {
                    for (int k = 0; k < inner.size(); k++) {
                        String in = at + ".content." + k;
                        if (!(inner.get(k) instanceof Map<?, ?> ib)) throw invalidType(in, "an object", inner.get(k));
                        if ("text".equals(ib.get("type"))) string(cast(ib), "text", in);
                        else if ("image".equals(ib.get("type"))) image(cast(ib), in);
                        else if (!(ib.get("type") instanceof String)) throw missing(in + ".type");
                    }
                } else if (c != null && !(c instanceof String)) {
                    throw invalidType(at + ".content", "a string or an array of content blocks", c);
                }
                Object isError = b.get("is_error");
                if (isError != null && !(isError instanceof Boolean)) throw invalidType(at + ".is_error", "a boolean", isError);
            }
            case "thinking" -> {
                string(b, "thinking", at);
                string(b, "signature", at);
            }
            case "redacted_thinking" -> string(b, "data", at);
            default -> { } // document, search_result, server tool blocks...: an Anthropic upstream's to judge
        }
    }

    private static void image(Map<String, Object> b, String at) {
        Object s = b.get("source");
        if (s == null) throw missing(at + ".source");
        if (!(s instanceof Map<?, ?>)) throw invalidType(at + ".source", "an object", s);
        Map<String, Object> source = cast(s);
        Object type = source.get("type");
        if ("base64".equals(type)) {
            oneOf(at + ".source.media_type", source.get("media_type"), IMAGE_MEDIA_TYPES);
            nonEmpty(source, "data", at + ".source");
        } else if ("url".equals(type)) {
            nonEmpty(source, "url", at + ".source");
        } else {
            throw invalidValue(at + ".source.type", "'base64' or 'url'", type);
        }
    }

    private static void system(Object v) {
        if (v == null || v instanceof String) return;
        textBlocks(v, "system");
    }

    /** An array of text blocks at {@code path} (the top-level system prompt, a system message's content). */
    private static void textBlocks(Object v, String path) {
        if (!(v instanceof List<?> blocks)) throw invalidType(path, "a string or an array of text blocks", v);
        for (int i = 0; i < blocks.size(); i++) {
            String at = path + "." + i;
            if (!(blocks.get(i) instanceof Map<?, ?> b)) throw invalidType(at, "an object", blocks.get(i));
            if (!"text".equals(b.get("type"))) throw invalidValue(at + ".type", "'text'", b.get("type"));
            string(cast(b), "text", at);
        }
    }

    private static void tools(Object v) {
        if (v == null) return;
        if (!(v instanceof List<?> list)) throw invalidType("tools", "an array of tools", v);
        for (int i = 0; i < list.size(); i++) {
            String at = "tools." + i;
            if (!(list.get(i) instanceof Map<?, ?> raw)) throw invalidType(at, "an object", list.get(i));
            Map<String, Object> t = cast(raw);
            Object name = t.get("name");
            if (name == null) throw missing(at + ".name");
            if (!(name instanceof String n) || !Validation.isName(n)) throw invalidValue(at + ".name", Validation.NAME_RULE, name);
            if (!MessagesToChat.isCustomTool(t)) continue; // a server tool (web search, bash...): Anthropic's to judge
            Object schema = t.get("input_schema");
            if (schema == null) throw missing(at + ".input_schema");
            if (!(schema instanceof Map<?, ?>)) throw invalidType(at + ".input_schema", "an object (a JSON Schema)", schema);
            Object d = t.get("description");
            if (d != null && !(d instanceof String)) throw invalidType(at + ".description", "a string", d);
        }
    }

    private static void toolChoice(Object v) {
        if (v == null) return;
        if (!(v instanceof Map<?, ?> raw)) throw invalidType("tool_choice", "an object", v);
        Map<String, Object> c = cast(raw);
        oneOf("tool_choice.type", c.get("type"), TOOL_CHOICES);
        if ("tool".equals(c.get("type"))) nonEmpty(c, "name", "tool_choice");
        Object d = c.get("disable_parallel_tool_use");
        if (d != null && !(d instanceof Boolean)) throw invalidType("tool_choice.disable_parallel_tool_use", "a boolean", d);
    }

    // ---------------------------------------------------------------- primitives

    private static void string(Map<String, Object> m, String key, String at) {
        Object v = m.get(key);
        if (v == null) throw missing(at + "." + key);
        if (!(v instanceof String)) throw invalidType(at + "." + key, "a string", v);
    }

    private static void nonEmpty(Map<String, Object> m, String key, String at) {
        string(m, key, at);
        if (((String) m.get(key)).isEmpty()) throw invalidValue(at + "." + key, "a non-empty string", "");
    }

    private static void oneOf(String path, Object v, Set<String> values) {
        if (v == null) throw missing(path);
        if (!(v instanceof String s) || !values.contains(s)) {
            throw invalidValue(path, "one of " + String.join(", ", values.stream().sorted().map(x -> "'" + x + "'").toList()), v);
        }
    }

    private static void range(Map<String, Object> body, String key, long max) {
        Object v = body.get(key);
        if (v != null) Validation.number(key, v, 0, max);
    }

    private static void positiveInteger(String path, Object v, long min) {
        if (v == null) throw missing(path);
        if (!(v instanceof JsonNumber n) || !n.isInteger() || !Validation.fitsLong(n.text()) || n.longValue() < min) {
            throw invalidValue(path, "an integer of at least " + min, v);
        }
    }
}

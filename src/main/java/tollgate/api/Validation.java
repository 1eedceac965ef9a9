package tollgate.api;

import java.util.List;
import java.util.Map;

import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;

/**
 * The package-private half of {@link ChatRequestValidator}: the {@code messages} array (roles,
 * content shapes, content parts, assistant tool calls), then the type and range checks and the
 * OpenAI-style error wording both halves share. Paths such as
 * {@code messages[2].content[0].image_url.url} are built only when a check fails, so a valid
 * conversation costs no string building.
 */
final class Validation {
    private Validation() { throw new AssertionError(); }

    static final int MAX_NAME_CHARS = 64;
    static final String NAME_RULE = "1 to 64 characters of a-z, A-Z, 0-9, underscores and dashes";

    /** Content part types, as a bit set of what a role accepts. */
    private static final int TEXT = 1, IMAGE = 2, REFUSAL = 4;

    private static final String CONTENT = "a string or an array of content parts";
    private static final String ROLES = "one of 'system', 'developer', 'user', 'assistant', 'tool'";

    static void messages(Map<String, Object> body) {
        Object v = body.get("messages");
        if (v == null && !body.containsKey("messages")) throw missing("messages");
        if (!(v instanceof List<?> list)) throw invalidType("messages", "an array of messages", v);
        if (list.isEmpty()) {
            throw GatewayException.invalid("messages",
                    "Invalid value for 'messages': expected an array of at least 1 message, got an empty array.");
        }
        boolean sawUser = false;
        int i = 0;
        for (Object m : list) {
            sawUser |= message(m, i++);
        }
        if (!sawUser) {
            throw GatewayException.invalid("messages",
                    "Invalid value for 'messages': expected at least one message with role 'user', got none.");
        }
    }

    /** @return whether the message is a user message */
    private static boolean message(Object raw, int i) {
        if (!(raw instanceof Map<?, ?>)) throw invalidType(at(i, ""), "an object", raw);
        Map<String, Object> m = cast(raw);
        Object role = m.get("role");
        if (role == null && !m.containsKey("role")) throw missing(at(i, ".role"));
        if (!(role instanceof String r)) throw invalidType(at(i, ".role"), "a string", role);
        Object name = m.get("name");
        if (name != null && !(name instanceof String)) throw invalidType(at(i, ".name"), "a string", name);
        switch (r) {
            case "user" -> {
                requiredContent(m, i, TEXT | IMAGE);
                return true;
            }
            case "system", "developer" -> requiredContent(m, i, TEXT);
            case "assistant" -> assistant(m, i);
            case "tool" -> {
                nonEmptyString(m, "tool_call_id", i, "", -1, ".tool_call_id");
                requiredContent(m, i, TEXT);
            }
            default -> throw invalidValue(at(i, ".role"), ROLES, r);
        }
        return false;
    }

    private static void requiredContent(Map<String, Object> m, int i, int accepted) {
        Object c = m.get("content");
        if (c == null) {
            if (!m.containsKey("content")) throw missing(at(i, ".content"));
            throw invalidType(at(i, ".content"), CONTENT, null);
        }
        content(c, i, accepted);
    }

    private static void content(Object c, int i, int accepted) {
        if (c instanceof String) return;
        if (!(c instanceof List<?> parts)) throw invalidType(at(i, ".content"), CONTENT, c);
        if (parts.isEmpty()) {
            throw GatewayException.invalid(at(i, ".content"), "Invalid value for '" + at(i, ".content")
                    + "': expected a string or at least 1 content part, got an empty array.");
        }
        int j = 0;
        for (Object p : parts) {
            part(p, i, j++, accepted);
        }
    }

    private static void part(Object raw, int i, int j, int accepted) {
        if (!(raw instanceof Map<?, ?>)) throw invalidType(at(i, ".content", j, ""), "an object", raw);
        Map<String, Object> p = cast(raw);
        Object type = p.get("type");
        if (type == null && !p.containsKey("type")) throw missing(at(i, ".content", j, ".type"));
        if (!(type instanceof String t)) throw invalidType(at(i, ".content", j, ".type"), "a string", type);
        switch (t) {
            case "text" -> {
                if ((accepted & TEXT) == 0) throw unsupportedPart(i, j, accepted, t);
                requiredString(p, "text", i, j, ".text");
            }
            case "image_url" -> {
                if ((accepted & IMAGE) == 0) throw unsupportedPart(i, j, accepted, t);
                Object img = p.get("image_url");
                if (img == null && !p.containsKey("image_url")) throw missing(at(i, ".content", j, ".image_url"));
                if (!(img instanceof Map<?, ?>)) throw invalidType(at(i, ".content", j, ".image_url"), "an object", img);
                Map<String, Object> im = cast(img);
                nonEmptyString(im, "url", i, ".content", j, ".image_url.url");
                Object detail = im.get("detail");
                if (detail != null && !"auto".equals(detail) && !"low".equals(detail) && !"high".equals(detail)) {
                    String path = at(i, ".content", j, ".image_url.detail");
                    if (!(detail instanceof String)) throw invalidType(path, "a string", detail);
                    throw invalidValue(path, "one of 'auto', 'low', 'high'", detail);
                }
            }
            case "refusal" -> {
                if ((accepted & REFUSAL) == 0) throw unsupportedPart(i, j, accepted, t);
                requiredString(p, "refusal", i, j, ".refusal");
            }
            default -> throw unsupportedPart(i, j, accepted, t);
        }
    }

    private static GatewayException unsupportedPart(int i, int j, int accepted, String got) {
        String expected = switch (accepted) {
            case TEXT -> "'text' (the only content part type this role accepts)";
            case TEXT | IMAGE -> "one of the supported content part types 'text', 'image_url'";
            default -> "one of the supported content part types 'text', 'refusal'";
        };
        return invalidValue(at(i, ".content", j, ".type"), expected, got);
    }

    private static void assistant(Map<String, Object> m, int i) {
        Object c = m.get("content");
        if (c != null) content(c, i, TEXT | REFUSAL);
        Object refusal = m.get("refusal");
        if (refusal != null && !(refusal instanceof String)) throw invalidType(at(i, ".refusal"), "a string", refusal);
        int calls = 0;
        Object tc = m.get("tool_calls");
        if (tc != null) {
            if (!(tc instanceof List<?> list)) throw invalidType(at(i, ".tool_calls"), "an array of tool calls", tc);
            for (Object call : list) {
                toolCall(call, i, calls++);
            }
        }
        if (c == null && calls == 0) {
            String path = at(i, ".content");
            if (!m.containsKey("content")) {
                throw GatewayException.invalid(path, "Missing required parameter: '" + path
                        + "' (an assistant message needs content unless it has 'tool_calls').");
            }
            throw GatewayException.invalid(path, "Invalid type for '" + path
                    + "': expected a string or an array of content parts (null only with non-empty 'tool_calls'), got null.");
        }
    }

    private static void toolCall(Object raw, int i, int k) {
        if (!(raw instanceof Map<?, ?>)) throw invalidType(at(i, ".tool_calls", k, ""), "an object", raw);
        Map<String, Object> call = cast(raw);
        nonEmptyString(call, "id", i, ".tool_calls", k, ".id");
        if (!"function".equals(call.get("type"))) throw notFunction(call, at(i, ".tool_calls", k, ".type"));
        Object fn = call.get("function");
        if (fn == null && !call.containsKey("function")) throw missing(at(i, ".tool_calls", k, ".function"));
        if (!(fn instanceof Map<?, ?>)) throw invalidType(at(i, ".tool_calls", k, ".function"), "an object", fn);
        Map<String, Object> f = cast(fn);
        nonEmptyString(f, "name", i, ".tool_calls", k, ".function.name");
        Object args = f.get("arguments");
        if (!(args instanceof String)) {
            String path = at(i, ".tool_calls", k, ".function.arguments");
            if (args == null && !f.containsKey("arguments")) throw missing(path);
            throw invalidType(path, "a string (JSON-encoded arguments)", args);
        }
    }

    // ---------------------------------------------------------------- message fields, lazy paths

    private static void requiredString(Map<String, Object> m, String key, int i, int j, String suffix) {
        Object v = m.get(key);
        if (v instanceof String) return;
        String path = at(i, ".content", j, suffix);
        if (v == null && !m.containsKey(key)) throw missing(path);
        throw invalidType(path, "a string", v);
    }

    /** {@code m[key]} must be a non-empty string; its path is {@code at(i, mid, j, suffix)}, or {@code at(i, suffix)} when j < 0. */
    private static void nonEmptyString(Map<String, Object> m, String key, int i, String mid, int j, String suffix) {
        Object v = m.get(key);
        if (v instanceof String s && !s.isEmpty()) return;
        String path = j < 0 ? at(i, suffix) : at(i, mid, j, suffix);
        if (v == null && !m.containsKey(key)) throw missing(path);
        if (!(v instanceof String)) throw invalidType(path, "a non-empty string", v);
        throw invalidValue(path, "a non-empty string", v);
    }

    private static String at(int i, String suffix) {
        return "messages[" + i + "]" + suffix;
    }

    private static String at(int i, String mid, int j, String suffix) {
        return "messages[" + i + "]" + mid + "[" + j + "]" + suffix;
    }

    // ---------------------------------------------------------------- primitives (shared)

    static String string(String path, Object v) {
        if (v instanceof String s) return s;
        throw invalidType(path, "a string", v);
    }

    static boolean bool(String path, Object v) {
        if (v instanceof Boolean b) return b;
        throw invalidType(path, "a boolean", v);
    }

    /** The parser's objects are {@code Map<String, Object>}: checked with instanceof by callers. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object map) { return (Map<String, Object>) map; }

    static Map<String, Object> object(String path, Object v) {
        if (v instanceof Map<?, ?>) return cast(v);
        throw invalidType(path, "an object", v);
    }

    /** A number in [min, max]; the bounds are whole numbers in every caller. */
    static void number(String path, Object v, long min, long max) {
        if (!(v instanceof JsonNumber num)) throw invalidType(path, "a number", v);
        double d = num.doubleValue();
        if (!(d >= min && d <= max)) {
            throw invalidValue(path, "a number between " + min + " and " + max, v);
        }
    }

    /** An integer (no fraction, no exponent) in [min, max], range-checked without overflow. */
    static void integer(String path, Object v, long min, long max) {
        if (!(v instanceof JsonNumber num)) throw invalidType(path, "an integer", v);
        String text = num.text();
        if (!num.isInteger() || !fitsLong(text)) throw invalidValue(path, integerRange(min, max), v);
        long l = Long.parseLong(text); // cannot throw: fitsLong
        if (l < min || l > max) throw invalidValue(path, integerRange(min, max), v);
    }

    private static String integerRange(long min, long max) {
        if (min == Long.MIN_VALUE && max == Long.MAX_VALUE) return "an integer that fits in 64 bits";
        if (max == Long.MAX_VALUE) return "an integer of at least " + min + " that fits in 64 bits";
        return "an integer between " + min + " and " + max;
    }

    /** True when {@code text} is {@code -?digits} and within the signed 64-bit range. */
    static boolean fitsLong(String text) {
        int n = text.length();
        boolean negative = n > 0 && text.charAt(0) == '-';
        int start = negative ? 1 : 0;
        if (start == n) return false;
        for (int i = start; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        while (start < n - 1 && text.charAt(start) == '0') start++;
        int digits = n - start;
        if (digits != 19) return digits < 19;
        String limit = negative ? "9223372036854775808" : "9223372036854775807";
        for (int i = 0; i < 19; i++) {
            char c = text.charAt(start + i), l = limit.charAt(i);
            if (c != l) return c < l;
        }
        return true;
    }

    static String requiredString(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v == null && !m.containsKey(key)) throw missing(path);
        return string(path, v);
    }

    /** The error for {@code m.type} (at {@code path}) not being {@code "function"}. */
    static GatewayException notFunction(Map<String, Object> m, String path) {
        return m.containsKey("type") ? invalidValue(path, "'function'", m.get("type")) : missing(path);
    }

    static Map<String, Object> requiredObject(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v == null && !m.containsKey(key)) throw missing(path);
        return object(path, v);
    }

    static void optionalString(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v != null && !(v instanceof String)) throw invalidType(path, "a string", v);
    }

    static void optionalObject(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v != null && !(v instanceof Map<?, ?>)) throw invalidType(path, "an object (a JSON Schema)", v);
    }

    static void optionalBool(Map<String, Object> m, String key, String path) {
        Object v = m.get(key);
        if (v != null && !(v instanceof Boolean)) throw invalidType(path, "a boolean", v);
    }

    /** Function and schema names: 1 to 64 of {@code [a-zA-Z0-9_-]}. */
    static boolean isName(String s) {
        int n = s.length();
        if (n < 1 || n > MAX_NAME_CHARS) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static boolean isDigits(String s) {
        int n = s.length();
        if (n == 0) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }

    /** More than {@code max} Unicode code points (what a person calls characters)? */
    static boolean longerThan(String s, int max) {
        int n = s.length(); // UTF-16 units >= code points: short strings need no scan
        return n > max && s.codePointCount(0, n) > max;
    }

    /**
     * Most levels of arrays and objects the body of a translating surface ({@code /messages},
     * {@code /responses}) may nest: one less than the parser takes and the writer writes
     * ({@link tollgate.json.Json#MAX_DEPTH}), since what the gateway writes from it nests one
     * level more (a tool's schema moves into chat's {@code function}; a stored response sits in
     * its file's {@code response}), and a body the gateway cannot write would be a 500.
     */
    static final int MAX_TRANSLATED_DEPTH = tollgate.json.Json.MAX_DEPTH - 1;

    /** A 400 when {@code body} nests arrays and objects more than {@code max} levels deep (the body itself is level 1). */
    static void depth(Object body, int max) {
        if (deeper(body, max)) {
            throw GatewayException.invalid(null, "The request body nests arrays and objects more than " + max + " levels deep.");
        }
    }

    private static boolean deeper(Object v, int levels) {
        if (v instanceof Map<?, ?> m) {
            if (levels == 0) return true;
            for (Object x : m.values()) if (deeper(x, levels - 1)) return true;
        } else if (v instanceof List<?> l) {
            if (levels == 0) return true;
            for (Object x : l) if (deeper(x, levels - 1)) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- error construction

    static GatewayException missing(String path) {
        return GatewayException.invalid(path, "Missing required parameter: '" + path + "'.");
    }

    static GatewayException invalidType(String path, String expected, Object got) {
        return GatewayException.invalid(path,
                "Invalid type for '" + path + "': expected " + expected + ", got " + typeName(got) + ".");
    }

    static GatewayException invalidValue(String path, String expected, Object got) {
        return GatewayException.invalid(path,
                "Invalid value for '" + path + "': expected " + expected + ", got " + show(got) + ".");
    }

    static String typeName(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return "a string";
        if (v instanceof JsonNumber) return "a number";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Map<?, ?>) return "an object";
        if (v instanceof List<?>) return "an array";
        return "a " + v.getClass().getSimpleName();
    }

    /** The value as it may appear in a message: short, quoted when a string. */
    static String show(Object v) {
        if (v instanceof JsonNumber n) return clip(n.text());
        if (v instanceof String s) return s.isEmpty() ? "an empty string" : "'" + clip(s) + "'";
        return typeName(v);
    }

    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}

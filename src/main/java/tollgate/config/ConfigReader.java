package tollgate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import tollgate.config.Substitution.Text;
import tollgate.json.JsonNumber;

/**
 * Typed, path-aware getters over parsed config JSON. Every failure is a {@link ConfigException}
 * reading {@code <source>: <path>: <problem>, got <value>}, e.g.
 * {@code conf/tollgate.json: server.port: expected an integer 0-65535, got "80800"}.
 *
 * <p>Getters take the parent object, its path and the key. A key that is absent or JSON
 * {@code null} counts as absent. String values come back with {@code ${VAR}} references expanded
 * ({@link Substitution}); plain string getters reject a reference to an unset variable, the
 * {@link #text} getter leaves that decision to the caller (keys, providers).
 *
 * <p>A collecting reader (the config file's) does not stop at the first problem: the loader
 * reads each section and each entry of a list through {@link #attempt}, which records a failure
 * and goes on with a fallback; the loader throws
 * them all at the end ({@link #problems()}). An entry that fails is remembered as broken by kind
 * and name, and a reference to it elsewhere ({@link #missing}) is then not reported again.
 */
final class ConfigReader {
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,19}");
    /** Longest string quoted back in an error message; the rest is elided. */
    private static final int MAX_QUOTED_CHARS = 120;

    /** Kind and name of a broken entry that stands for every entry of the kind (the section itself failed). */
    private static final String ALL = "*";

    private final String source;
    private final Map<String, String> env;
    /** Problems recorded so far; null when the first problem is thrown. */
    private final List<ConfigException> problems;
    /** {@code kind:name} of the entries that failed. */
    private final Set<String> broken = new HashSet<>();

    /**
     * @param source what the paths are relative to, e.g. the file name, "environment", "override"
     * @param env    variables for {@code ${VAR}} expansion
     */
    ConfigReader(String source, Map<String, String> env) {
        this(source, env, false);
    }

    /** @param collect record problems and go on ({@link #attempt}) rather than throw the first */
    ConfigReader(String source, Map<String, String> env, boolean collect) {
        this.source = source;
        this.env = env;
        this.problems = collect ? new ArrayList<>() : null;
    }

    String source() { return source; }

    // ---- collecting problems

    /**
     * {@code read}'s value; when collecting and it fails, the problem is recorded, the entry
     * {@code kind}/{@code name} is marked broken (a null name: every entry of the kind) and
     * {@code fallback} is returned. A reader that does not collect lets the problem through.
     *
     * @param kind "provider", "model", ... or null to mark nothing
     * @param name the entry's name as written (any value; only a string marks it)
     */
    <T> T attempt(String kind, Object name, Supplier<T> read, T fallback) {
        if (problems == null) return read.get();
        try {
            return read.get();
        } catch (ConfigException e) {
            report(e);
            if (kind != null && (name == null || name instanceof String)) broken.add(kind + ":" + (name == null ? ALL : name));
            return fallback;
        }
    }

    /** As {@link #attempt(String, Object, Supplier, Object)} for a section no other one refers to. */
    <T> T attempt(Supplier<T> read, T fallback) { return attempt(null, null, read, fallback); }

    /** Records {@code e} (throws it when not collecting); a mere consequence of another problem is dropped. */
    void report(ConfigException e) {
        if (e.consequence()) return;
        if (problems == null) throw e;
        for (ConfigException p : problems) if (p.getMessage().equals(e.getMessage())) return;
        problems.add(e);
    }

    /** The problems recorded, in the order found. */
    List<ConfigException> problems() { return problems == null ? List.of() : List.copyOf(problems); }

    /**
     * The failure for a reference to a {@code kind} named {@code name} that does not exist: a mere
     * consequence, not reported, when that entry (or its whole section) is broken.
     */
    ConfigException missing(String path, String kind, String name, String problem) {
        ConfigException e = fail(path, problem);
        return broken.contains(kind + ":" + name) || broken.contains(kind + ":" + ALL) ? e.asConsequence() : e;
    }

    /** Whether any entry of {@code kind} is broken (a check over all of them would be a consequence). */
    boolean anyBroken(String kind) {
        for (String b : broken) if (b.startsWith(kind + ":")) return true;
        return false;
    }

    static String child(String path, String key) { return path.isEmpty() ? key : path + "." + key; }

    static String index(String path, int i) { return path + "[" + i + "]"; }

    /** The environment variable {@code name}, or null: for values the environment gives beside the file. */
    String variable(String name) { return env.get(name); }

    ConfigException fail(String path, String problem) {
        return new ConfigException(source, path, problem);
    }

    ConfigException expected(String path, String what, Object value) {
        return fail(path, "expected " + what + ", got " + describe(value));
    }

    // ---- objects and arrays

    /**
     * {@code value} as an object whose keys are all in {@code known} (null: any key allowed).
     * An unknown key is an error naming it, so that typos do not pass silently.
     */
    Map<String, Object> object(String path, Object value, List<String> known) {
        if (!(value instanceof Map<?, ?>)) throw expected(path, "an object", value);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) value;
        if (known != null) {
            List<String> unknown = new ArrayList<>();
            for (String k : map.keySet()) if (!known.contains(k)) unknown.add(quote(k));
            if (!unknown.isEmpty()) {
                throw fail(path, "unknown key" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown)
                        + " (known keys: " + String.join(", ", known) + ")");
            }
        }
        return map;
    }

    /** The object at {@code parent[key]}, or an empty map when absent. */
    Map<String, Object> object(Map<String, Object> parent, String path, String key, List<String> known) {
        Object v = parent.get(key);
        return v == null ? Map.of() : object(child(path, key), v, known);
    }

    /** The array at {@code parent[key]}, or null when absent. */
    List<Object> array(Map<String, Object> parent, String path, String key) {
        Object v = parent.get(key);
        if (v == null) return null;
        if (!(v instanceof List<?>)) throw expected(child(path, key), "an array", v);
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) v;
        return list;
    }

    // ---- strings

    /** The string at {@code parent[key]} after expansion, or null when absent. Unset variables are allowed. */
    Text text(Map<String, Object> parent, String path, String key) {
        Object v = parent.get(key);
        if (v == null) return null;
        return text(child(path, key), v);
    }

    Text text(String path, Object value) {
        if (!(value instanceof String raw)) throw expected(path, "a string", value);
        try {
            return Substitution.expand(raw, env);
        } catch (IllegalArgumentException e) {
            throw fail(path, e.getMessage() + " in " + quote(raw));
        }
    }

    /**
     * The secret at {@code parent[key]} (an API key, a token) as {@link #text(Map, String, String)},
     * unset variables allowed, but a message never quotes any part of it; null when absent.
     */
    Text secretText(Map<String, Object> parent, String path, String key) {
        Object v = parent.get(key);
        if (v == null) return null;
        String p = child(path, key);
        if (!(v instanceof String raw)) throw fail(p, "expected a string");
        try {
            return Substitution.expand(raw, env);
        } catch (IllegalArgumentException e) {
            throw fail(p, MALFORMED_SECRET);
        }
    }

    private static final String MALFORMED_SECRET =
            "has a malformed ${...} reference (expected ${NAME} or ${NAME:-default}; write \"$${\" for a literal \"${\")";

    /**
     * A secret string (a password): as {@link #text(String, Object)}, but a message never quotes
     * any part of it, and every referenced variable must be set.
     */
    String secret(String path, Object value) {
        if (!(value instanceof String raw)) throw fail(path, "expected a string");
        Text t;
        try {
            t = Substitution.expand(raw, env);
        } catch (IllegalArgumentException e) {
            throw fail(path, MALFORMED_SECRET);
        }
        if (t.hasUnset()) throw fail(path, t.unsetReason());
        return t.value();
    }

    /** A string with every referenced variable set; {@code def} when absent. */
    String string(Map<String, Object> parent, String path, String key, String def) {
        Object v = parent.get(key);
        return v == null ? def : string(child(path, key), v);
    }

    String string(String path, Object value) {
        if (!(value instanceof String)) throw expected(path, "a string", value);
        return ((Text) scalar(path, value)).value();
    }

    String requiredString(Map<String, Object> parent, String path, String key) {
        String s = string(parent, path, key, null);
        if (s == null) throw fail(child(path, key), "required");
        return s;
    }

    // ---- numbers and booleans

    /** A string expanded to a {@link Text} (every variable set); any other value as is. */
    Object scalar(String path, Object value) {
        if (!(value instanceof String)) return value;
        Text t = text(path, value);
        if (t.hasUnset()) throw fail(path, t.unsetReason() + " (in " + quote(t.raw()) + ")");
        return t;
    }

    /** An integer in [min, max], given as a JSON number or a string of digits; {@code def} when absent. */
    long integer(Map<String, Object> parent, String path, String key, long def, long min, long max) {
        Object v = parent.get(key);
        if (v == null) return def;
        String p = child(path, key);
        return integer(p, scalar(p, v), min, max);
    }

    /** {@code value} is a JsonNumber, a {@link Text} or an Integer/Long (overrides). */
    long integer(String path, Object value, long min, long max) {
        String what = "an integer " + (max == Long.MAX_VALUE ? ">= " + min : min + "-" + max);
        String digits = switch (value) {
            case JsonNumber n when n.isInteger() -> n.text();
            case Text t -> t.value();
            case Integer i -> i.toString();
            case Long l -> l.toString();
            default -> throw expected(path, what, value);
        };
        // A string must be plain digits; a JSON number may carry a sign.
        String magnitude = digits.startsWith("-") && !(value instanceof Text) ? digits.substring(1) : digits;
        if (!DIGITS.matcher(magnitude).matches()) throw expected(path, what, value);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw expected(path, what, value);
        }
        if (n < min || n > max) throw expected(path, what, value);
        return n;
    }

    /** A duration given in whole milliseconds ({@code *_ms} keys). */
    Duration millis(Map<String, Object> parent, String path, String key, long defMs, long minMs, long maxMs) {
        return Duration.ofMillis(integer(parent, path, key, defMs, minMs, maxMs));
    }

    /** A JSON boolean, or the string {@code "true"}/{@code "false"} (so {@code "${VAR:-true}"} works). */
    boolean bool(Map<String, Object> parent, String path, String key, boolean def) {
        Object v = parent.get(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        String p = child(path, key);
        Object value = scalar(p, v);
        if (value instanceof Text t && t.value().equals("true")) return true;
        if (value instanceof Text t && t.value().equals("false")) return false;
        throw expected(p, "true or false", value);
    }

    // ---- messages

    /** The value as shown in an error: strings quoted (with what they expanded from), numbers as written. */
    static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case Text t when t.references() -> quote(t.value()) + " (from " + quote(t.raw()) + ")";
            case Text t -> quote(t.value());
            case String s -> quote(s);
            case Map<?, ?> m -> "an object";
            case List<?> l -> "an array";
            default -> value.toString();
        };
    }

    /** JSON-style quoting, with control characters escaped and long strings cut. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_QUOTED_CHARS) + 8).append('"');
        for (int i = 0; i < s.length() && i < MAX_QUOTED_CHARS; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        if (s.length() > MAX_QUOTED_CHARS) b.append("...");
        return b.append('"').toString();
    }
}

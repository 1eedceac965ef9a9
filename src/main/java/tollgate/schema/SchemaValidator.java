package tollgate.schema;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import tollgate.json.Json;
import tollgate.json.JsonException;

/**
 * Checks a JSON value against a JSON Schema in the subset that OpenAI Structured Outputs accept
 * ({@code response_format {"type":"json_schema","json_schema":{"schema":...,"strict":true}}}),
 * <a href="https://platform.openai.com/docs/guides/structured-outputs#supported-schemas">supported
 * schemas</a>, with the keyword meanings of the
 * <a href="https://json-schema.org/draft/2020-12/json-schema-validation">JSON Schema 2020-12
 * validation vocabulary</a> and core {@code $ref}/{@code $defs}. Premium routing uses it to decide
 * whether a model's answer conforms, and to retry elsewhere if not.
 *
 * <p>Keywords: type (incl. "integer": a number with no fractional part, 1.0 is one), properties,
 * required, additionalProperties, items, enum, const (numbers compare by value), anyOf, $ref to
 * "#" or a pointer such as "#/$defs/x" (also $defs/definitions), pattern, format, minLength and
 * maxLength (code points), minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf
 * (exact), minItems, maxItems. Boolean schemas: true accepts all, false nothing. Other keywords
 * (description, title, default, ...) are ignored here, as are supported keywords with a malformed
 * value; {@link #check} reports both.
 *
 * <p>Bounded on any input: {@link #MAX_DEPTH} levels, {@link #MAX_STEPS} steps, pattern matching
 * metered; hitting a bound is a violation (the answer is not shown to conform), never an exception.
 */
public final class SchemaValidator {

    /** Most violations one call returns (count); enough to tell a model what to fix, bounded for logs. */
    public static final int MAX_VIOLATIONS = 10;
    /**
     * Deepest nesting followed (levels): each property, item, anyOf branch and $ref hop is one.
     * Deeper is a violation, never a StackOverflowError, also for recursive $ref and cyclic values.
     */
    public static final int MAX_DEPTH = 64;
    /**
     * Most subschema applications in one call (count). anyOf over recursive $refs can branch
     * exponentially within MAX_DEPTH; this caps the work at a few milliseconds' worth.
     */
    static final int MAX_STEPS = 1_000_000;
    /**
     * Most characters one pattern match may read (count): schema patterns come from the client and
     * strings from the model, so a backtracking pattern such as (a+)+$ must not pin a thread.
     */
    static final int MAX_PATTERN_READS = 1_000_000;

    private final Object root;
    /** Compiled pattern (or why it does not compile) per schema object: patterns repeat across array items. */
    private final IdentityHashMap<Object, Object> patterns = new IdentityHashMap<>();
    /** Resolved $ref targets, or Values.MISSING. */
    private final HashMap<String, Object> refs = new HashMap<>();
    private int steps;
    /** A bound that was hit; it ends the whole call, since nothing past it was checked. */
    private String fatal;

    private SchemaValidator(Object root) { this.root = root; }

    /**
     * The violations of {@code schema} (a parsed JSON Schema: Map, or Boolean) by {@code value} (as
     * produced by {@link Json#parse(String)}), at most {@link #MAX_VIOLATIONS}, each
     * "{@code <path>: <what>}" such as {@code "$.items[2].price: expected number, got string"}, or
     * "{@code schema <pointer>: <what>}" where the schema itself stops the check (an invalid
     * pattern, an unresolvable $ref). Empty means valid. Never throws.
     */
    public static List<String> validate(Object schema, Object value) {
        if (!(schema instanceof Map || schema instanceof Boolean)) {
            return List.of("schema #: not a schema (expected an object or a boolean)");
        }
        SchemaValidator v = new SchemaValidator(schema);
        Sink out = new Sink(MAX_VIOLATIONS);
        try {
            v.apply(schema, value, Loc.VALUE_ROOT, Loc.SCHEMA_ROOT, 0, out);
        } catch (RuntimeException e) {
            // Fail closed on anything unforeseen (a map with non-String keys, one that changes
            // under us): an answer that could not be checked has not been shown to conform.
            v.fatal = "$: could not be validated (" + e + ")";
        }
        List<String> result = out.list;
        if (v.fatal != null) {
            if (result.size() >= MAX_VIOLATIONS) result.remove(result.size() - 1);
            result.add(v.fatal);
        }
        return List.copyOf(result);
    }

    /**
     * Whether a model's answer text (the message content) is JSON (RFC 8259, no code fences) that
     * conforms to {@code schema}: the violations as {@link #validate}, or the single violation
     * "{@code $: not valid JSON (...)}".
     */
    public static List<String> validateText(Object schema, String text) {
        if (text == null) return List.of("$: not valid JSON (no text)");
        Object value;
        try {
            value = Json.parse(text);
        } catch (JsonException e) {
            return List.of("$: not valid JSON (" + e.getMessage() + ")");
        }
        return validate(schema, value);
    }

    /**
     * Strict reading of a schema itself, for a request's response_format before it is sent: each
     * keyword outside the structured-outputs subset ("{@code schema <pointer>: unsupported keyword
     * 'x'}", annotations such as description excepted), each supported keyword with a malformed
     * value, unresolvable $ref or invalid pattern. At most {@link #MAX_VIOLATIONS}; empty means
     * usable. Never throws.
     */
    public static List<String> check(Object schema) { return SchemaCheck.check(schema); }

    private void apply(Object schema, Object value, Loc at, Loc where, int depth, Sink out) {
        if (fatal != null || out.full()) return;
        if (depth > MAX_DEPTH) {
            fatal = at.valuePath() + ": nested deeper than " + MAX_DEPTH + " levels";
            return;
        }
        if (++steps > MAX_STEPS) {
            fatal = at.valuePath() + ": needs more than " + MAX_STEPS + " validation steps";
            return;
        }
        if (schema instanceof Boolean b) {
            if (!b) out.add(at, "no value is allowed here (schema false)");
            return;
        }
        if (!(schema instanceof Map<?, ?> s)) return; // a malformed subschema: ignored here, check() reports it
        // 2020-12 core §8.2.3.1: $ref applies alongside its sibling keywords.
        if (s.get("$ref") instanceof String ref) {
            Object target = refs.computeIfAbsent(ref, r -> Values.resolve(root, r));
            if (target == Values.MISSING) out.add("schema " + where.pointer() + ": unresolvable $ref '" + ref + "'");
            else apply(target, value, at, Loc.root(ref), depth + 1, out);
        }
        Object type = s.get("type");
        if (type != null && !typeMatches(type, value)) {
            // The remaining keywords would only restate the mismatch.
            out.add(at, "expected " + expected(type) + ", got " + Values.typeOf(value));
            return;
        }
        if (s.get("enum") instanceof List<?> options && !inEnum(options, value)) {
            out.add(at, "not one of the enum values " + quote(options));
        }
        if (s.containsKey("const") && !Values.same(s.get("const"), value, 0)) {
            out.add(at, "not equal to const " + quote(s.get("const")));
        }
        if (s.get("anyOf") instanceof List<?> branches && !branches.isEmpty()) anyOf(branches, value, at, where, depth, out);
        // An instanceof chain rather than a type switch, as in JsonWriter: this runs once per step.
        if (value instanceof String str) {
            string(s, str, at, where, out);
        } else if (value instanceof Map<?, ?> map) {
            object(s, map, at, where, depth, out);
        } else if (value instanceof List<?> list) {
            array(s, list, at, where, depth, out);
        } else if (Values.isNumber(value)) {
            number(s, value, at, out);
        }
    }

    private void anyOf(List<?> branches, Object value, Loc at, Loc where, int depth, Sink out) {
        Loc any = where.key("anyOf");
        for (int i = 0; i < branches.size(); i++) {
            // One violation is enough to rule a branch out; a branch's own messages are not shown.
            Sink probe = new Sink(1);
            apply(branches.get(i), value, at, any.at(i), depth + 1, probe);
            if (fatal != null || probe.list.isEmpty()) return;
        }
        out.add(at, "matches none of the " + branches.size() + " anyOf schemas");
    }

    private static boolean typeMatches(Object type, Object value) {
        if (type instanceof String t) return !Values.TYPES.contains(t) || isType(t, value);
        if (!(type instanceof List<?> names)) return true;
        boolean known = false;
        for (Object o : names) {
            if (o instanceof String t && Values.TYPES.contains(t)) {
                known = true;
                if (isType(t, value)) return true;
            }
        }
        return !known; // no known type name: a malformed keyword, ignored
    }

    private static boolean isType(String type, Object v) {
        return switch (type) {
            case "string" -> v instanceof String;
            case "number" -> Values.isNumber(v);
            case "integer" -> Values.isNumber(v) && Values.isInteger(v);
            case "boolean" -> v instanceof Boolean;
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            default -> v == null; // "null"
        };
    }

    private static String expected(Object type) {
        if (type instanceof String t) return t;
        StringBuilder sb = new StringBuilder();
        for (Object o : (List<?>) type) {
            if (o instanceof String t && Values.TYPES.contains(t)) sb.append(sb.isEmpty() ? "" : " or ").append(t);
        }
        return sb.toString();
    }

    private static boolean inEnum(List<?> options, Object value) {
        for (Object o : options) if (Values.same(o, value, 0)) return true;
        return false;
    }

    private void string(Map<?, ?> s, String str, Loc at, Loc where, Sink out) {
        long min = Values.count(s.get("minLength"));
        long max = Values.count(s.get("maxLength"));
        if (min > 0 || max >= 0) {
            // Validation §6.3.1: length in characters as RFC 8259 counts them, i.e. code points.
            int n = str.codePointCount(0, str.length());
            if (n < min) out.add(at, "shorter than minLength " + min + " (" + n + " characters)");
            if (max >= 0 && n > max) out.add(at, "longer than maxLength " + max + " (" + n + " characters)");
        }
        if (s.get("pattern") instanceof String p) {
            Object compiled = patterns.computeIfAbsent(s, k -> Values.compile(p));
            if (!(compiled instanceof Pattern re)) {
                out.add("schema " + where.pointer() + ": invalid pattern '" + p + "' (" + compiled + ")");
            } else {
                // Validation §6.3.3: patterns are not anchored, hence find() rather than matches().
                try {
                    if (!re.matcher(new Metered(str)).find()) out.add(at, "does not match pattern '" + p + "'");
                } catch (Metered.Exhausted | StackOverflowError e) {
                    // java.util.regex recurses per repetition, so a long string can overflow the stack.
                    out.add(at, "pattern '" + p + "' is too costly to evaluate");
                }
            }
        }
        if (s.get("format") instanceof String f && !Formats.valid(f, str)) out.add(at, "not a valid " + f);
    }

    private static void number(Map<?, ?> s, Object value, Loc at, Sink out) {
        Object min = s.get("minimum");
        Object max = s.get("maximum");
        Object xmin = s.get("exclusiveMinimum");
        Object xmax = s.get("exclusiveMaximum");
        Object step = s.get("multipleOf");
        if (min == null && max == null && xmin == null && xmax == null && step == null) return;
        BigDecimal d = Values.decimal(value);
        if (d == null) {
            out.add(at, "number " + value + " is out of the range that can be checked");
            return;
        }
        BigDecimal bound;
        if ((bound = Values.decimal(min)) != null && d.compareTo(bound) < 0) out.add(at, "less than minimum " + min);
        if ((bound = Values.decimal(max)) != null && d.compareTo(bound) > 0) out.add(at, "greater than maximum " + max);
        if ((bound = Values.decimal(xmin)) != null && d.compareTo(bound) <= 0) {
            out.add(at, "not greater than exclusiveMinimum " + xmin);
        }
        if ((bound = Values.decimal(xmax)) != null && d.compareTo(bound) >= 0) {
            out.add(at, "not less than exclusiveMaximum " + xmax);
        }
        if ((bound = Values.decimal(step)) != null && bound.signum() > 0 && !Values.isMultiple(d, bound)) {
            out.add(at, "not a multiple of " + step);
        }
    }

    private void array(Map<?, ?> s, List<?> list, Loc at, Loc where, int depth, Sink out) {
        long min = Values.count(s.get("minItems"));
        long max = Values.count(s.get("maxItems"));
        if (list.size() < min) out.add(at, "fewer than minItems " + min + " (" + list.size() + " items)");
        if (max >= 0 && list.size() > max) out.add(at, "more than maxItems " + max + " (" + list.size() + " items)");
        Object items = s.get("items");
        if (!(items instanceof Map || items instanceof Boolean)) return; // absent, or the pre-2020 tuple form
        Loc sub = where.key("items");
        for (int i = 0; i < list.size() && !out.full() && fatal == null; i++) {
            apply(items, list.get(i), at.at(i), sub, depth + 1, out);
        }
    }

    private void object(Map<?, ?> s, Map<?, ?> map, Loc at, Loc where, int depth, Sink out) {
        if (s.get("required") instanceof List<?> required) {
            for (Object name : required) {
                if (name instanceof String n && !map.containsKey(n)) out.add(at.key(n), "required property missing");
            }
        }
        Map<?, ?> props = s.get("properties") instanceof Map<?, ?> p ? p : Map.of();
        Object extra = s.get("additionalProperties");
        Loc propsAt = where.key("properties");
        // In the answer's order, so that violations read top to bottom like the answer.
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (out.full() || fatal != null) return;
            String name = String.valueOf(e.getKey());
            if (props.containsKey(name)) {
                apply(props.get(name), e.getValue(), at.key(name), propsAt.key(name), depth + 1, out);
            } else if (Boolean.FALSE.equals(extra)) {
                out.add(at.key(name), "property not allowed (additionalProperties false)");
            } else if (extra instanceof Map) {
                apply(extra, e.getValue(), at.key(name), where.key("additionalProperties"), depth + 1, out);
            }
        }
    }

    /** Compact JSON of a schema value for a message, cut at MAX_QUOTE characters. */
    private static String quote(Object v) {
        String text;
        try {
            text = Json.toString(v);
        } catch (RuntimeException e) {
            text = String.valueOf(v); // built in code with something JsonWriter refuses
        }
        return text.length() <= Sink.MAX_QUOTE ? text : text.substring(0, Sink.MAX_QUOTE) + "...";
    }

    /** Collects violations up to a limit, dropping exact repeats (the same schema error per array item). */
    private static final class Sink {
        /** Longest schema excerpt quoted in a violation (characters), so a huge enum cannot flood the log. */
        static final int MAX_QUOTE = 80;

        final List<String> list = new ArrayList<>();
        private final int limit;

        Sink(int limit) { this.limit = limit; }

        boolean full() { return list.size() >= limit; }

        void add(Loc at, String what) { add(at.valuePath() + ": " + what); }

        void add(String violation) {
            if (!full() && !list.contains(violation)) list.add(violation);
        }
    }

    /** The string a pattern reads, counting reads so that a backtracking pattern gives up instead of running for hours. */
    private static final class Metered implements CharSequence {
        /** Thrown past MAX_PATTERN_READS; no stack trace, it is only a signal. */
        static final class Exhausted extends RuntimeException {
            Exhausted() { super(null, null, false, false); }
        }

        private final String s;
        private int reads;

        Metered(String s) { this.s = s; }

        @Override public int length() { return s.length(); }

        @Override public char charAt(int i) {
            if (++reads > MAX_PATTERN_READS) throw new Exhausted();
            return s.charAt(i);
        }

        // Matcher asks for subsequences only for group text, which find() alone never builds.
        @Override public CharSequence subSequence(int from, int to) { return s.subSequence(from, to); }

        @Override public String toString() { return s; }
    }
}

package tollgate.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@link SchemaValidator#check}: reads a schema strictly against the structured-outputs subset,
 * where validation itself ignores what it does not understand (a schema keyword the model was
 * never told about should not fail its answer).
 */
final class SchemaCheck {

    /**
     * Keywords that carry no assertion (2020-12 meta-data vocabulary, core identifiers) plus the
     * "name" and "strict" that clients put inside schemas by mistake; OpenAI accepts them all.
     */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples",
            "deprecated", "readOnly", "writeOnly", "$schema", "$id", "$comment", "name", "strict");

    private final Object root;
    private final List<String> out = new ArrayList<>();

    private SchemaCheck(Object root) { this.root = root; }

    static List<String> check(Object schema) {
        SchemaCheck c = new SchemaCheck(schema);
        try {
            c.schema(schema, Loc.SCHEMA_ROOT, 0);
        } catch (RuntimeException e) {
            c.add(Loc.SCHEMA_ROOT, "could not be read (" + e + ")"); // never throws, as validate
        }
        return List.copyOf(c.out);
    }

    private void schema(Object s, Loc where, int depth) {
        if (out.size() >= SchemaValidator.MAX_VIOLATIONS || s instanceof Boolean) return;
        if (depth > SchemaValidator.MAX_DEPTH) {
            add(where, "nested deeper than " + SchemaValidator.MAX_DEPTH + " levels");
            return;
        }
        if (!(s instanceof Map<?, ?> m)) {
            add(where, "not a schema (expected an object or a boolean)");
            return;
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = String.valueOf(e.getKey());
            Object v = e.getValue();
            switch (k) {
                case "type" -> {
                    if (!typeOk(v)) malformed(where, k, "a type name or an array of them");
                }
                case "properties", "$defs", "definitions" -> {
                    if (v instanceof Map<?, ?> named) {
                        Loc at = where.key(k);
                        for (Map.Entry<?, ?> n : named.entrySet()) schema(n.getValue(), at.key(String.valueOf(n.getKey())), depth + 1);
                    } else {
                        malformed(where, k, "an object of schemas");
                    }
                }
                case "items", "additionalProperties" -> schema(v, where.key(k), depth + 1);
                case "anyOf" -> {
                    if (v instanceof List<?> l && !l.isEmpty()) {
                        for (int i = 0; i < l.size(); i++) schema(l.get(i), where.key(k).at(i), depth + 1);
                    } else {
                        malformed(where, k, "a non-empty array of schemas");
                    }
                }
                case "required" -> {
                    if (!(v instanceof List<?> l) || !l.stream().allMatch(String.class::isInstance)) {
                        malformed(where, k, "an array of strings");
                    }
                }
                case "enum" -> {
                    if (!(v instanceof List<?> l) || l.isEmpty()) malformed(where, k, "a non-empty array");
                }
                case "const" -> { } // any value
                case "$ref" -> {
                    if (!(v instanceof String r)) malformed(where, k, "a string");
                    else if (Values.resolve(root, r) == Values.MISSING) add(where, "unresolvable $ref '" + r + "'");
                }
                case "pattern" -> {
                    if (!(v instanceof String p)) malformed(where, k, "a string");
                    else if (!(Values.compile(p) instanceof Pattern)) add(where, "invalid pattern '" + p + "' (" + Values.compile(p) + ")");
                }
                case "format" -> {
                    if (!(v instanceof String)) malformed(where, k, "a string");
                }
                case "minLength", "maxLength", "minItems", "maxItems" -> {
                    if (Values.count(v) < 0) malformed(where, k, "a non-negative integer");
                }
                case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" -> {
                    if (Values.decimal(v) == null) malformed(where, k, "a number");
                }
                case "multipleOf" -> {
                    if (Values.decimal(v) == null || Values.decimal(v).signum() <= 0) malformed(where, k, "a number above 0");
                }
                default -> {
                    if (!ANNOTATIONS.contains(k)) add(where, "unsupported keyword '" + k + "'");
                }
            }
        }
    }

    private static boolean typeOk(Object v) {
        if (v instanceof String t) return Values.TYPES.contains(t);
        if (!(v instanceof List<?> l) || l.isEmpty()) return false;
        for (Object o : l) if (!(o instanceof String t && Values.TYPES.contains(t))) return false;
        return true;
    }

    private void malformed(Loc where, String keyword, String expected) {
        add(where, "malformed keyword '" + keyword + "' (expected " + expected + ")");
    }

    private void add(Loc where, String what) {
        if (out.size() < SchemaValidator.MAX_VIOLATIONS) out.add("schema " + where.pointer() + ": " + what);
    }
}

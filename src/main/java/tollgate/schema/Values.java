package tollgate.schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import tollgate.json.JsonNumber;

/** JSON value helpers shared by {@link SchemaValidator} and {@link SchemaCheck}: types, numbers, equality, pointers. */
final class Values {
    private Values() { throw new AssertionError(); }

    /** The instance types of JSON Schema 2020-12 validation §6.1.1. */
    static final Set<String> TYPES = Set.of("string", "number", "integer", "boolean", "object", "array", "null");

    /** What {@link #resolve} returns for a pointer that leads nowhere (null is a legal target: {@code "const": null}). */
    static final Object MISSING = new Object();

    private static final BigInteger FIVE = BigInteger.valueOf(5);

    static boolean isNumber(Object v) { return v instanceof JsonNumber || v instanceof Number; }

    /**
     * The exact value of a number, or null if {@code v} is not one or is beyond {@link BigDecimal}
     * (an exponent past ±2^31, which RFC 8259 text may have); callers then fail closed.
     */
    static BigDecimal decimal(Object v) {
        try {
            if (v instanceof JsonNumber n) return new BigDecimal(n.text());
            if (v instanceof BigDecimal d) return d;
            // Integer, Long, BigInteger and finite Double all print as BigDecimal-parseable text;
            // NaN and Infinity do not, and fall into the catch.
            if (v instanceof Number n) return new BigDecimal(n.toString());
        } catch (NumberFormatException e) {
            return null;
        }
        return null;
    }

    /** JSON Schema 2020-12 validation §6.1.1: an integer is any number with a zero fractional part, so 1.0 is one. */
    static boolean isInteger(Object v) {
        if (v instanceof JsonNumber n && n.isInteger()) return true; // plain digits: skip the BigDecimal
        BigDecimal d = decimal(v);
        return d != null && (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0);
    }

    /** A non-negative integer keyword value (minLength and the like), capped at Long.MAX_VALUE; -1 if malformed. */
    static long count(Object v) {
        BigDecimal d = decimal(v);
        if (d == null || d.signum() < 0 || !isInteger(v)) return -1;
        return d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : d.longValue();
    }

    /** The JSON type name of a value, as used in "got ..." messages. */
    static String typeOf(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return "string";
        if (v instanceof Map) return "object";
        if (v instanceof List) return "array";
        if (v instanceof Boolean) return "boolean";
        if (isNumber(v)) return "number";
        return "non-JSON " + v.getClass().getSimpleName();
    }

    /**
     * JSON Schema 2020-12 core §4.2.2 equality, for enum and const: numbers by mathematical value
     * (1 equals 1.0), objects regardless of member order. {@code depth} bounds it (values built in
     * code may be cyclic); past {@link SchemaValidator#MAX_DEPTH} the values are taken as unequal.
     */
    static boolean same(Object a, Object b, int depth) {
        if (depth > SchemaValidator.MAX_DEPTH) return false;
        if (a == null || b == null) return a == b;
        if (isNumber(a) && isNumber(b)) {
            BigDecimal x = decimal(a);
            BigDecimal y = decimal(b);
            return x != null && y != null ? x.compareTo(y) == 0 : a.toString().equals(b.toString());
        }
        if (a instanceof List<?> l && b instanceof List<?> m) {
            if (l.size() != m.size()) return false;
            for (int i = 0; i < l.size(); i++) if (!same(l.get(i), m.get(i), depth + 1)) return false;
            return true;
        }
        if (a instanceof Map<?, ?> l && b instanceof Map<?, ?> m) {
            if (l.size() != m.size()) return false;
            for (Map.Entry<?, ?> e : l.entrySet()) {
                if (!m.containsKey(e.getKey()) || !same(e.getValue(), m.get(e.getKey()), depth + 1)) return false;
            }
            return true;
        }
        return (a instanceof String || a instanceof Boolean) && a.equals(b);
    }

    /**
     * Whether {@code value / divisor} is an integer (validation §6.2.1), exactly, for a positive
     * divisor. Exact, so 0.3 is a multiple of 0.1 (not so in double). Bounded: with value = a·10^-s
     * and divisor = b·10^-t, it never builds 10^|t-s|, which for 1e999999999 would not fit in memory.
     */
    static boolean isMultiple(BigDecimal value, BigDecimal divisor) {
        if (value.signum() == 0) return true;
        BigInteger a = value.unscaledValue().abs();
        BigInteger b = divisor.unscaledValue();
        long k = (long) divisor.scale() - value.scale(); // value/divisor = (a/b)·10^k
        if (k < 0) {
            // Needs b·10^-k | a; 10^-k > a once -k reaches a's bit length, so that stays small.
            if (-k >= a.bitLength()) return false;
            return a.mod(b.multiply(BigInteger.TEN.pow((int) -k))).signum() == 0;
        }
        // Needs b | a·10^k: what is left of b after its common factors with a must be 2^p·5^q, p, q <= k.
        BigInteger g = b.divide(a.gcd(b));
        int twos = g.getLowestSetBit();
        g = g.shiftRight(twos);
        long fives = 0;
        while (g.mod(FIVE).signum() == 0 && fives <= k) {
            g = g.divide(FIVE);
            fives++;
        }
        return g.equals(BigInteger.ONE) && twos <= k && fives <= k;
    }

    /**
     * The value at a same-document {@code $ref} ("#", "#/$defs/x", any RFC 6901 pointer after "#",
     * with ~1 and ~0 unescaped), or {@link #MISSING}. Remote references and $anchor names are not in
     * the structured-outputs subset, so they are MISSING too.
     */
    static Object resolve(Object root, String ref) {
        if (!ref.startsWith("#")) return MISSING;
        if (ref.length() == 1) return root;
        if (ref.charAt(1) != '/') return MISSING;
        Object node = root;
        int start = 2;
        while (true) {
            int slash = ref.indexOf('/', start);
            String raw = ref.substring(start, slash < 0 ? ref.length() : slash);
            String token = unescape(raw);
            if (token == null) return MISSING;
            if (node instanceof Map<?, ?> m && m.containsKey(token)) {
                node = m.get(token);
            } else if (node instanceof List<?> l && index(token) >= 0 && index(token) < l.size()) {
                node = l.get(index(token));
            } else {
                return MISSING;
            }
            if (slash < 0) return node;
            start = slash + 1;
        }
    }

    /** RFC 6901 §4: "~1" is "/" and "~0" is "~" (in that order, so "~01" is "~1"); any other "~" is malformed. */
    private static String unescape(String raw) {
        if (raw.indexOf('~') < 0) return raw;
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '~') {
                sb.append(c);
            } else if (i + 1 < raw.length() && (raw.charAt(i + 1) == '0' || raw.charAt(i + 1) == '1')) {
                sb.append(raw.charAt(++i) == '0' ? '~' : '/');
            } else {
                return null;
            }
        }
        return sb.toString();
    }

    /** An RFC 6901 array index (digits, no leading zero, fits an int), or -1. */
    private static int index(String token) {
        if (token.isEmpty() || token.length() > 9 || (token.length() > 1 && token.charAt(0) == '0')) return -1;
        for (int i = 0; i < token.length(); i++) if (token.charAt(i) < '0' || token.charAt(i) > '9') return -1;
        return Integer.parseInt(token);
    }

    /**
     * The compiled {@code pattern}, or the reason it does not compile, as a String. Java's regex
     * dialect stands in for ECMA-262 (validation §6.3.3); they agree on the common constructs.
     * Deeply nested groups overflow the compiler's stack; that is a bad pattern, not a crash.
     */
    static Object compile(String pattern) {
        try {
            return Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return e.getDescription();
        } catch (StackOverflowError e) {
            return "too deeply nested";
        }
    }
}

package tollgate.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Expands environment references inside one config string, after JSON parsing:
 *
 * <ul>
 *   <li>{@code ${VAR}}: the variable's value; if it is unset <em>or empty</em> (as with a shell's
 *       {@code :-}), nothing is inserted and {@code VAR} is recorded in {@link Text#unset()}.
 *   <li>{@code ${VAR:-default}}: the default when {@code VAR} is unset or empty. The default is
 *       literal text up to the first {@code }}; it cannot itself contain a reference.
 *   <li>{@code $${}: a literal {@code ${}.
 * </ul>
 *
 * A string may hold any number of references mixed with literal text.
 */
final class Substitution {
    private Substitution() { throw new AssertionError(); }

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * A string value after expansion.
     *
     * @param value      the expanded text
     * @param raw        the text as written in the file
     * @param references whether {@code raw} contained at least one {@code ${...}} reference
     * @param unset      referenced variables that were unset or empty and had no default, in order
     */
    record Text(String value, String raw, boolean references, List<String> unset) {

        /** A value that went through no expansion (environment variables, overrides). */
        static Text literal(String value) { return new Text(value, value, false, List.of()); }

        boolean hasUnset() { return !unset.isEmpty(); }

        /** "X is not set" or "X and Y are not set". */
        String unsetReason() { return unsetReason(unset); }

        static String unsetReason(List<String> names) {
            List<String> distinct = names.stream().distinct().toList();
            return distinct.size() == 1
                    ? distinct.get(0) + " is not set"
                    : String.join(", ", distinct.subList(0, distinct.size() - 1))
                            + " and " + distinct.get(distinct.size() - 1) + " are not set";
        }
    }

    /** @throws IllegalArgumentException on an unclosed reference or a bad variable name (message says which) */
    static Text expand(String raw, Map<String, String> env) {
        if (raw.indexOf('$') < 0) return Text.literal(raw);
        StringBuilder out = new StringBuilder(raw.length());
        List<String> unset = new ArrayList<>();
        boolean references = false;
        int i = 0;
        while (i < raw.length()) {
            if (raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (raw.startsWith("${", i)) {
                int close = raw.indexOf('}', i + 2);
                if (close < 0) throw new IllegalArgumentException("unclosed \"${\" (write \"$${\" for a literal \"${\")");
                String body = raw.substring(i + 2, close);
                int sep = body.indexOf(":-");
                String name = sep < 0 ? body : body.substring(0, sep);
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("\"${" + body + "}\" is not a variable reference"
                            + " (expected ${NAME} or ${NAME:-default})");
                }
                String value = env.get(name);
                if (value != null && !value.isEmpty()) out.append(value);
                else if (sep >= 0) out.append(body, sep + 2, body.length());
                else unset.add(name);
                references = true;
                i = close + 1;
            } else {
                out.append(raw.charAt(i++));
            }
        }
        return new Text(out.toString(), raw, references, List.copyOf(unset));
    }
}

package tollgate.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.GatewayException;

/**
 * Parses a URL's query ({@code application/x-www-form-urlencoded}, WHATWG URL §5.1): pairs split
 * on {@code &}, name and value on the first {@code =}, {@code +} as a space, percent-escapes as
 * UTF-8. The request line is already capped ({@code max_url_bytes}); the number of parameters is
 * capped here as well, so a query of 8 KB of {@code &} makes no large map.
 */
public final class QueryString {
    /** Most parameters a query may have. */
    static final int MAX_PARAMETERS = 256;

    private QueryString() { throw new AssertionError(); }

    /**
     * The parameters of {@code rawQuery} (as {@link HttpCall#query()} gives it; null = none), each
     * name with its values in order.
     *
     * @throws GatewayException 400 for a malformed escape or too many parameters
     */
    public static Map<String, List<String>> parse(String rawQuery) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return out;
        int count = 0;
        for (int start = 0; start <= rawQuery.length(); ) {
            int amp = rawQuery.indexOf('&', start);
            int end = amp < 0 ? rawQuery.length() : amp;
            if (end > start) {
                if (++count > MAX_PARAMETERS) {
                    throw GatewayException.invalid(null, "The query has more than " + MAX_PARAMETERS + " parameters.");
                }
                int eq = rawQuery.indexOf('=', start);
                if (eq < 0 || eq > end) eq = end;
                String name = decode(rawQuery, start, eq);
                String value = eq < end ? decode(rawQuery, eq + 1, end) : "";
                out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            start = end + 1;
        }
        return out;
    }

    /** The first value of {@code name}, or null. */
    public static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static String decode(String s, int from, int to) {
        boolean plain = true;
        for (int i = from; i < to && plain; i++) plain = s.charAt(i) != '%' && s.charAt(i) != '+';
        if (plain) return s.substring(from, to);
        byte[] bytes = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '+') {
                bytes[n++] = ' ';
            } else if (c == '%') {
                int hi = i + 2 < to ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = i + 2 < to ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw GatewayException.invalid(null, "The query has a malformed percent-escape at '"
                            + s.substring(i, Math.min(to, i + 3)) + "'.");
                }
                bytes[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes[n++] = (byte) c;
            } else { // not ASCII in a raw query: keep its UTF-8 bytes
                int cp = s.codePointAt(i);
                byte[] u = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                i += Character.charCount(cp) - 1;
                if (n + u.length > bytes.length) bytes = java.util.Arrays.copyOf(bytes, n + u.length + (to - i));
                System.arraycopy(u, 0, bytes, n, u.length);
                n += u.length;
            }
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }
}

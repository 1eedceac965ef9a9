package tollgate.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tollgate.error.GatewayException;

/**
 * The header values a multipart reader needs to understand: a media type with its parameters
 * ({@code Content-Type}, RFC 9110 §8.3.1) and a {@code Content-Disposition} (RFC 6266 §4.1, as
 * RFC 7578 §4.2 uses it), with quoted-string escapes (RFC 9110 §5.6.4) and the RFC 8187
 * {@code filename*} form. Hand-written, no regular expressions: it runs once per part.
 */
public final class MultipartHeaders {
    private MultipartHeaders() { throw new AssertionError(); }

    /** Most parameters kept from one header value; more are ignored (a header is capped anyway). */
    static final int MAX_PARAMS = 32;

    /** The media type of a header value, lower-case and without parameters ({@code multipart/form-data}); "" for null. */
    public static String mediaType(String value) {
        if (value == null) return "";
        int semi = value.indexOf(';');
        return (semi < 0 ? value : value.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The parameters after the first {@code ;} of a header value, names lower-case, values
     * unquoted (escapes resolved). A name given twice keeps its first value; malformed pieces are
     * skipped, so that a sloppy client's other parameters still count.
     */
    public static Map<String, String> params(String value) {
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) return out;
        int i = value.indexOf(';');
        if (i < 0) return out;
        int n = value.length();
        while (i < n && out.size() < MAX_PARAMS) {
            i++; // past ';'
            while (i < n && isSpace(value.charAt(i))) i++;
            int nameStart = i;
            while (i < n && value.charAt(i) != '=' && value.charAt(i) != ';') i++;
            String name = value.substring(nameStart, i).trim().toLowerCase(Locale.ROOT);
            if (i >= n || value.charAt(i) == ';') continue; // a bare token: no value
            i++; // past '='
            while (i < n && isSpace(value.charAt(i))) i++;
            String v;
            if (i < n && value.charAt(i) == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (i < n && value.charAt(i) != '"') {
                    char c = value.charAt(i);
                    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ), RFC 9110 §5.6.4
                    if (c == '\\' && i + 1 < n) c = value.charAt(++i);
                    b.append(c);
                    i++;
                }
                i++; // past the closing quote (or the end, for an unterminated one)
                v = b.toString();
                while (i < n && value.charAt(i) != ';') i++;
            } else {
                int start = i;
                while (i < n && value.charAt(i) != ';') i++;
                v = value.substring(start, i).trim();
            }
            if (!name.isEmpty()) out.putIfAbsent(name, v);
        }
        return out;
    }

    /**
     * The {@code boundary} parameter of a {@code multipart/*} Content-Type: 1 to
     * {@link Multipart#MAX_BOUNDARY_CHARS} characters, not ending in a space (RFC 2046 §5.1.1).
     *
     * @throws GatewayException 400 when it is missing or unusable
     */
    public static String boundary(String contentType) {
        String b = params(contentType).get("boundary");
        if (b == null || b.isEmpty()) {
            throw GatewayException.invalid(null, "The multipart/form-data Content-Type has no boundary parameter (RFC 7578 §4.1).");
        }
        if (b.length() > Multipart.MAX_BOUNDARY_CHARS || b.charAt(b.length() - 1) == ' ') {
            throw GatewayException.invalid(null, "The multipart boundary must be 1 to " + Multipart.MAX_BOUNDARY_CHARS
                    + " characters, not ending in a space (RFC 2046 §5.1.1).");
        }
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw GatewayException.invalid(null, "The multipart boundary may hold only printable ASCII characters (RFC 2046 §5.1.1).");
            }
        }
        return b;
    }

    /**
     * The file name of a Content-Disposition: {@code filename*} (RFC 8187 {@code charset'lang'pct-encoded},
     * UTF-8 or ISO-8859-1) when present and decodable, else {@code filename}; null when neither.
     */
    static String filename(Map<String, String> params) {
        String ext = params.get("filename*");
        if (ext != null) {
            String decoded = extValue(ext);
            if (decoded != null) return decoded;
        }
        return params.get("filename");
    }

    /** An RFC 8187 ext-value, or null when it is not one this reader decodes. */
    static String extValue(String v) {
        int q1 = v.indexOf('\'');
        int q2 = q1 < 0 ? -1 : v.indexOf('\'', q1 + 1);
        if (q2 < 0) return null;
        String charset = v.substring(0, q1).trim().toUpperCase(Locale.ROOT);
        java.nio.charset.Charset cs;
        if (charset.equals("UTF-8")) cs = StandardCharsets.UTF_8;
        else if (charset.equals("ISO-8859-1")) cs = StandardCharsets.ISO_8859_1;
        else return null;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(v.length());
        for (int i = q2 + 1; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '%') {
                if (i + 2 >= v.length()) return null;
                int hi = Character.digit(v.charAt(i + 1), 16), lo = Character.digit(v.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                bytes.write(hi * 16 + lo);
                i += 2;
            } else {
                if (c > 0x7E) return null;
                bytes.write(c);
            }
        }
        return bytes.toString(cs);
    }

    private static boolean isSpace(char c) { return c == ' ' || c == '\t'; }
}

package tollgate.json;

/**
 * A JSON number kept as its source text (RFC 8259 §6 grammar), so that a number passes through
 * the gateway byte for byte: {@code 1.0}, {@code 1e400} and {@code 12345678901234567890} are
 * not rounded by a round trip through {@code double} or {@code long}.
 */
public record JsonNumber(String text) {

    public static JsonNumber of(long value) { return new JsonNumber(Long.toString(value)); }

    /** True when the text has no fraction and no exponent. */
    public boolean isInteger() {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '.' || c == 'e' || c == 'E') return false;
        }
        return true;
    }

    /** @throws NumberFormatException if not an integer in the {@code long} range */
    public long longValue() { return Long.parseLong(text); }

    public double doubleValue() { return Double.parseDouble(text); }

    @Override
    public String toString() { return text; }
}

package tollgate.metrics;

import java.nio.charset.StandardCharsets;

/**
 * Writes the Prometheus text exposition format 0.0.4 (protocols-2.md): per family one
 * {@code # HELP} and one {@code # TYPE} line, then its samples {@code name{label="value",...} value},
 * one per line, each line ending in {@code \n}. Label values escape backslash, double quote and
 * line feed; HELP text escapes backslash and line feed. Label sets are rendered once, when their
 * counter is made ({@link #labels}), not per scrape.
 */
final class Exposition {
    /** The Content-Type of this format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** What a scrape usually takes, in chars: the builder's first size. */
    static final int INITIAL_CHARS = 16 * 1024;

    private final StringBuilder b;

    Exposition() { this(INITIAL_CHARS); }

    Exposition(int capacity) { b = new StringBuilder(capacity); }

    /** Starts a family: its HELP and TYPE lines. */
    Exposition family(String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            if (c == '\\') b.append("\\\\");
            else if (c == '\n') b.append("\\n");
            else b.append(c);
        }
        b.append("\n# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; {@code labels} as made by {@link #labels} (or "" for none). */
    Exposition sample(String name, String labels, long value) {
        b.append(name).append(labels).append(' ').append(value).append('\n');
        return this;
    }

    Exposition sample(String name, String labels, double value) {
        b.append(name).append(labels).append(' ');
        number(value);
        b.append('\n');
        return this;
    }

    /** A sample whose label set is {@code labels} plus one more pair (a histogram's {@code le}, a status class). */
    Exposition sample(String name, String labels, String extraName, String extraValue, long value) {
        b.append(name);
        if (labels.isEmpty()) {
            b.append('{');
        } else {
            b.append(labels, 0, labels.length() - 1).append(',');
        }
        b.append(extraName).append("=\"").append(extraValue).append("\"} ").append(value).append('\n');
        return this;
    }

    /** A value as Prometheus parses it (Go's ParseFloat): integers without a fraction, {@code +Inf}, {@code NaN}. */
    private void number(double v) {
        if (Double.isNaN(v)) b.append("NaN");
        else if (v == Double.POSITIVE_INFINITY) b.append("+Inf");
        else if (v == Double.NEGATIVE_INFINITY) b.append("-Inf");
        else if (v == Math.rint(v) && Math.abs(v) < 1e15) b.append((long) v);
        else b.append(v);
    }

    /** {@code {k1="v1",k2="v2"}} with the values escaped; "" for no pairs. */
    static String labels(String... pairs) {
        if (pairs.length == 0) return "";
        StringBuilder s = new StringBuilder(64).append('{');
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (i > 0) s.append(',');
            s.append(pairs[i]).append("=\"");
            escape(pairs[i + 1], s);
            s.append('"');
        }
        return s.append('}').toString();
    }

    /** A label value escaped: {@code \\}, {@code \"} and {@code \n} (protocols-2.md). */
    static void escape(String v, StringBuilder s) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> s.append("\\\\");
                case '"' -> s.append("\\\"");
                case '\n' -> s.append("\\n");
                default -> s.append(c);
            }
        }
    }

    int length() { return b.length(); }

    byte[] toBytes() { return b.toString().getBytes(StandardCharsets.UTF_8); }

    @Override public String toString() { return b.toString(); }
}

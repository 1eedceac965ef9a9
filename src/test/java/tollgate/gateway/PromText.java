package tollgate.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (protocols-2.md), written
 * from the format's grammar, not from the gateway's renderer: it throws on anything a
 * Prometheus server would reject or that the format forbids, so that a test passing means a
 * scraper reads the page. Checked:
 * <ul>
 *   <li>every line ends in {@code \n}; metric and label names match their grammars; a label
 *       value uses only the escapes {@code \\}, {@code \"} and {@code \n}; HELP text only
 *       {@code \\} and {@code \n}; values parse as Go floats ({@code NaN}, {@code +Inf}, {@code -Inf});</li>
 *   <li>per family at most one HELP and one TYPE, both before its first sample; a known type;
 *       the samples of a family contiguous; no series twice;</li>
 *   <li>a counter family's name ends in {@code _total} (the gateway's convention, and
 *       OpenMetrics'); a histogram's samples are only {@code _bucket} (with {@code le}),
 *       {@code _sum} and {@code _count}; per label set its buckets rise in {@code le}, are
 *       cumulative (never decrease), end with {@code +Inf}, and {@code +Inf} equals {@code _count}.</li>
 * </ul>
 */
final class PromText {
    static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample. */
    record Sample(String name, Map<String, String> labels, double value) {
        /** Name and labels, the labels sorted: one series' identity. */
        String series() { return name + new TreeMap<>(labels); }
    }

    /** One family: its type, help and samples in order. */
    static final class Family {
        final String name;
        String type;
        String help;
        final List<Sample> samples = new ArrayList<>();

        Family(String name) { this.name = name; }
    }

    final Map<String, Family> families = new LinkedHashMap<>();
    /** Every series, by {@link Sample#series()}. */
    final Map<String, Double> series = new LinkedHashMap<>();

    private PromText() { }

    /** Parses {@code text} strictly; throws IllegalArgumentException naming the line and the fault. */
    static PromText parse(String text) {
        PromText p = new PromText();
        if (!text.isEmpty() && !text.endsWith("\n")) throw new IllegalArgumentException("the last line does not end in \\n");
        String[] lines = text.split("\n", -1);
        Family current = null;
        Set<String> closed = new java.util.HashSet<>();
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            try {
                if (line.isEmpty()) throw new IllegalArgumentException("empty line");
                if (line.startsWith("#")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                        String name = parts[2];
                        if (!METRIC_NAME.matcher(name).matches()) throw new IllegalArgumentException("bad metric name " + name);
                        if (closed.contains(name)) throw new IllegalArgumentException(parts[1] + " for a family whose samples are over");
                        Family f = p.families.computeIfAbsent(name, Family::new);
                        if (!f.samples.isEmpty()) throw new IllegalArgumentException(parts[1] + " after the family's samples");
                        if (current != null && current != f) closed.add(current.name);
                        current = f;
                        String rest = parts.length == 4 ? parts[3] : "";
                        if (parts[1].equals("HELP")) {
                            if (f.help != null) throw new IllegalArgumentException("a second HELP");
                            f.help = unescape(rest, false);
                        } else {
                            if (f.type != null) throw new IllegalArgumentException("a second TYPE");
                            if (!TYPES.contains(rest)) throw new IllegalArgumentException("unknown type '" + rest + "'");
                            f.type = rest;
                        }
                    }
                    continue; // any other comment is ignored by the format
                }
                Sample s = sample(line);
                Family f = familyOf(p, s.name());
                if (f == null) throw new IllegalArgumentException("a sample of no family declared by TYPE: " + s.name());
                if (closed.contains(f.name)) throw new IllegalArgumentException("the samples of " + f.name + " are not contiguous");
                if (current != null && current != f) closed.add(current.name);
                current = f;
                if (p.series.put(s.series(), s.value()) != null) throw new IllegalArgumentException("a series twice: " + s.series());
                f.samples.add(s);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " '" + line + "': " + e.getMessage(), e);
            }
        }
        for (Family f : p.families.values()) check(f);
        return p;
    }

    /** The family a sample belongs to: its own name, or a histogram's base name. */
    private static Family familyOf(PromText p, String name) {
        Family f = p.families.get(name);
        if (f != null && f.type != null) return f;
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                Family h = p.families.get(name.substring(0, name.length() - suffix.length()));
                if (h != null && "histogram".equals(h.type)) return h;
            }
        }
        return null;
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
        String name = line.substring(0, i);
        if (!METRIC_NAME.matcher(name).matches()) throw new IllegalArgumentException("bad metric name '" + name + "'");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches()) throw new IllegalArgumentException("bad label name '" + label + "'");
                if (line.charAt(eq + 1) != '"') throw new IllegalArgumentException("label value not quoted");
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        if (n == '\\') v.append('\\');
                        else if (n == '"') v.append('"');
                        else if (n == 'n') v.append('\n');
                        else throw new IllegalArgumentException("bad escape \\" + n + " in a label value");
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(label, v.toString()) != null) throw new IllegalArgumentException("label " + label + " twice");
                i = j + 1;
                if (line.charAt(i) == ',') i++;
                else if (line.charAt(i) != '}') throw new IllegalArgumentException("expected , or } after a label");
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') throw new IllegalArgumentException("expected one space before the value");
        String[] rest = line.substring(i + 1).split(" ", -1);
        if (rest.length > 2) throw new IllegalArgumentException("more than a value and a timestamp");
        double value = goFloat(rest[0]);
        if (rest.length == 2) Long.parseLong(rest[1]);
        return new Sample(name, labels, value);
    }

    /** A value as Go's strconv.ParseFloat reads it (what Prometheus uses). */
    static double goFloat(String s) {
        switch (s) {
            case "NaN": return Double.NaN;
            case "+Inf", "Inf": return Double.POSITIVE_INFINITY;
            case "-Inf": return Double.NEGATIVE_INFINITY;
            default:
                if (!s.matches("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
                    throw new IllegalArgumentException("not a float: '" + s + "'");
                }
                return Double.parseDouble(s);
        }
    }

    private static String unescape(String s, boolean quotes) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char n = s.charAt(++i);
            if (n == '\\') b.append('\\');
            else if (n == 'n') b.append('\n');
            else throw new IllegalArgumentException("bad escape \\" + n + " in HELP");
        }
        return b.toString();
    }

    private static void check(Family f) {
        if (f.type == null) throw new IllegalArgumentException(f.name + ": HELP without TYPE");
        if (f.help == null) throw new IllegalArgumentException(f.name + ": no HELP");
        switch (f.type) {
            case "counter" -> {
                if (!f.name.endsWith("_total")) throw new IllegalArgumentException(f.name + ": a counter not named *_total");
                for (Sample s : f.samples) {
                    if (!s.name().equals(f.name)) throw new IllegalArgumentException(f.name + ": sample " + s.name());
                    if (s.value() < 0 || Double.isNaN(s.value())) throw new IllegalArgumentException(s.series() + ": a counter below 0");
                }
            }
            case "histogram" -> checkHistogram(f);
            default -> {
                for (Sample s : f.samples) if (!s.name().equals(f.name)) throw new IllegalArgumentException(f.name + ": sample " + s.name());
            }
        }
    }

    private static void checkHistogram(Family f) {
        Map<String, List<Sample>> buckets = new LinkedHashMap<>();
        Map<String, Double> counts = new LinkedHashMap<>();
        Map<String, Double> sums = new LinkedHashMap<>();
        for (Sample s : f.samples) {
            Map<String, String> rest = new TreeMap<>(s.labels());
            if (s.name().equals(f.name + "_bucket")) {
                if (rest.remove("le") == null) throw new IllegalArgumentException(s.series() + ": a bucket without le");
                buckets.computeIfAbsent(rest.toString(), k -> new ArrayList<>()).add(s);
            } else if (s.name().equals(f.name + "_count")) {
                counts.put(rest.toString(), s.value());
            } else if (s.name().equals(f.name + "_sum")) {
                sums.put(rest.toString(), s.value());
            } else {
                throw new IllegalArgumentException(f.name + ": sample " + s.name() + " in a histogram");
            }
        }
        if (!buckets.keySet().equals(counts.keySet()) || !buckets.keySet().equals(sums.keySet())) {
            throw new IllegalArgumentException(f.name + ": label sets differ among _bucket, _sum and _count");
        }
        for (Map.Entry<String, List<Sample>> e : buckets.entrySet()) {
            double le = Double.NEGATIVE_INFINITY, n = 0;
            for (Sample b : e.getValue()) {
                double bound = goFloat(b.labels().get("le"));
                if (!(bound > le)) throw new IllegalArgumentException(b.series() + ": le does not rise");
                if (b.value() < n) throw new IllegalArgumentException(b.series() + ": buckets not cumulative");
                le = bound;
                n = b.value();
            }
            if (le != Double.POSITIVE_INFINITY) throw new IllegalArgumentException(f.name + e.getKey() + ": no +Inf bucket");
            if (n != counts.get(e.getKey())) throw new IllegalArgumentException(f.name + e.getKey() + ": +Inf " + n + " != _count");
        }
    }

    /** The value of one series, e.g. {@code value("tollgate_requests_total", "endpoint", "/v1/chat/completions", ...)}; null when absent. */
    Double value(String name, String... labels) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) m.put(labels[i], labels[i + 1]);
        return series.get(name + m);
    }
}

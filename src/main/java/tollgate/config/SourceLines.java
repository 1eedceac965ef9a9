package tollgate.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tollgate.json.Json;
import tollgate.json.JsonException;

/**
 * Where a JSON path ({@code providers.openai.base_url}, {@code models[2].pricing.prompt}) is in the
 * config's source text, so that an error can name the line. Run only on failure, over a document
 * that already parsed (JSON with {@code //} and {@code /* *}{@code /} comments): it scans the bytes
 * without building values. A key the file does not have (a required one that is missing) gives
 * the line of the deepest part of the path that is there.
 */
final class SourceLines {
    private final byte[] b;
    private int pos;

    private SourceLines(byte[] source) { this.b = source; }

    /** The 1-based line of {@code path} in {@code source}, or 0 when no part of it is found (or the path is no JSON path). */
    static int line(byte[] source, String path) {
        if (path == null || path.isEmpty() || path.indexOf(' ') >= 0) return 0;
        SourceLines s = new SourceLines(source);
        try {
            s.skipBlank();
            int at = s.find(path, -1);
            return at < 0 ? 0 : lineOf(source, at);
        } catch (RuntimeException e) {
            return 0; // cannot happen on a document that parsed; a line number is not worth failing for
        }
    }

    /**
     * The problems as one exception, one line each, in the order of the file: with the line of
     * the offending key ({@link SourceLines}) when {@code withLines} and the problem is the file's.
     */
    static ConfigException collected(String source, byte[] json, List<ConfigException> problems, boolean withLines) {
        record Line(int number, String text) {}
        List<Line> lines = new ArrayList<>();
        for (ConfigException e : problems) {
            int line = withLines && e.path() != null && source.equals(e.source()) ? SourceLines.line(json, e.path()) : 0;
            lines.add(new Line(line, line == 0 ? e.getMessage() : source + ":" + line + ": " + e.path() + ": " + e.problem()));
        }
        lines.sort(java.util.Comparator.comparingInt(Line::number)); // stable: problems of one line keep their order
        ConfigException all = ConfigException.all(source, lines.stream().map(Line::text).toList());
        if (problems.size() == 1 && problems.get(0).getCause() != null) all.initCause(problems.get(0).getCause());
        return all;
    }

    /** 1-based line of byte {@code p}. */
    static int lineOf(byte[] source, int p) {
        int line = 1;
        for (int i = 0; i < p && i < source.length; i++) if (source[i] == '\n') line++;
        return line;
    }

    /** Follows {@code rest} from the value at {@code pos}; returns where the deepest part found starts ({@code found} if none). */
    private int find(String rest, int found) {
        if (rest.isEmpty() || pos >= b.length) return found;
        if (b[pos] == '{' && rest.charAt(0) != '[') {
            pos++;
            while (true) {
                skipBlank();
                if (b[pos] == '}') return found;
                int keyAt = pos;
                String key = string();
                skipBlank();
                pos++; // ':'
                skipBlank();
                if (rest.equals(key)) return keyAt;
                if (rest.startsWith(key) && (rest.charAt(key.length()) == '.' || rest.charAt(key.length()) == '[')) {
                    int next = key.length() + (rest.charAt(key.length()) == '.' ? 1 : 0);
                    return find(rest.substring(next), keyAt);
                }
                skipValue();
                skipBlank();
                if (b[pos] == ',') pos++;
            }
        }
        if (b[pos] == '[' && rest.charAt(0) == '[') {
            int close = rest.indexOf(']');
            int index = Integer.parseInt(rest.substring(1, close));
            String after = rest.substring(close + 1);
            if (after.startsWith(".")) after = after.substring(1);
            pos++;
            for (int i = 0; ; i++) {
                skipBlank();
                if (b[pos] == ']') return found;
                if (i == index) return find(after, pos);
                skipValue();
                skipBlank();
                if (b[pos] == ',') pos++;
            }
        }
        return found;
    }

    private String string() {
        int start = pos++;
        boolean escaped = false;
        while (b[pos] != '"') {
            if (b[pos] == '\\') {
                escaped = true;
                pos++;
            }
            pos++;
        }
        pos++;
        if (!escaped) return new String(b, start + 1, pos - start - 2, StandardCharsets.UTF_8);
        try {
            return (String) Json.parse(b, start, pos - start);
        } catch (JsonException e) {
            return "";
        }
    }

    private void skipValue() {
        byte c = b[pos];
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            int depth = 0;
            do {
                c = b[pos];
                if (c == '"') {
                    string();
                    continue;
                }
                if (c == '/') {
                    int before = pos;
                    skipBlank();
                    if (pos == before) pos++;
                    continue;
                }
                if (c == '{' || c == '[') depth++;
                else if (c == '}' || c == ']') depth--;
                pos++;
            } while (depth > 0);
        } else {
            while (pos < b.length && ",}] \t\r\n/".indexOf(b[pos]) < 0) pos++;
        }
    }

    /** Whitespace and comments. */
    private void skipBlank() {
        while (pos < b.length) {
            byte c = b[pos];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                pos++;
            } else if (c == '/' && pos + 1 < b.length && b[pos + 1] == '/') {
                while (pos < b.length && b[pos] != '\n') pos++;
            } else if (c == '/' && pos + 1 < b.length && b[pos + 1] == '*') {
                pos += 2;
                while (pos + 1 < b.length && !(b[pos] == '*' && b[pos + 1] == '/')) pos++;
                pos += 2;
            } else {
                return;
            }
        }
    }
}

package tollgate.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import tollgate.json.JsonException;

/**
 * A JSON syntax error in the config as a person wants to read it: file, line and column, the
 * line with a caret under the spot, and a hint for the usual slips when it is one of them: a
 * trailing comma before {@code }} or {@code ]} (RFC 8259 §4 and §5 allow none), a missing comma
 * between members or elements, a missing colon, an unquoted key, single quotes, a bare word.
 * Comments are not a slip: the config parser accepts them. Worked out only on failure, by one
 * scan of the text up to the error.
 */
final class JsonSlips {
    private JsonSlips() { throw new AssertionError(); }

    /** Longest excerpt of the offending line, in chars; a longer line is cut around the column. */
    static final int MAX_EXCERPT_CHARS = 100;

    /** The lines of the error message for {@code e}, thrown parsing {@code json} read from {@code source}. */
    static String describe(String source, byte[] json, JsonException e) {
        String message = e.getMessage();
        int at = message.lastIndexOf(" at line ");
        if (at > 0) message = message.substring(0, at);
        int offset = (int) Math.max(0, Math.min(e.offset(), json.length));
        StringBuilder b = new StringBuilder();
        b.append(source).append(':').append(e.line()).append(':').append(e.column()).append(": invalid JSON: ").append(message);
        byte[] shown = masked(json); // the message goes to logs and to POST /admin/reload's answer
        excerpt(b, shown, offset, e.line(), e.column());
        String hint = hint(shown, offset, message);
        if (hint != null) b.append("\n  hint: ").append(hint);
        return b.toString();
    }

    /** Parts of a key name (lower case) whose value is a secret: api_key, admin_token, password, webhook_secret, Authorization. */
    static final java.util.List<String> SECRET_KEY_PARTS = java.util.List.of("key", "token", "secret", "password", "authorization");

    /**
     * {@code json} with the value of every member whose key names a secret ({@link #SECRET_KEY_PARTS})
     * written over with {@code *}, byte for byte (offsets, lines and columns stay), so that neither
     * the excerpt nor a hint quotes a secret written in the file. Numbers and literals stay.
     */
    static byte[] masked(byte[] json) {
        byte[] out = json.clone();
        int i = 0;
        while (i < out.length) {
            if (out[i] != '"') { i++; continue; }
            int end = stringEnd(json, i);
            String name = new String(json, i + 1, Math.max(0, end - i - 1), StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT);
            int j = end + 1;
            while (j < json.length && (json[j] == ' ' || json[j] == '\t')) j++;
            if (j >= json.length || json[j] != ':' || SECRET_KEY_PARTS.stream().noneMatch(name::contains)) { i = end + 1; continue; }
            j++;
            while (j < json.length && (json[j] == ' ' || json[j] == '\t')) j++;
            int from = j;
            int to;
            if (j < json.length && json[j] == '"') {
                from = j + 1;
                to = stringEnd(json, j);
            } else {
                to = j;
                while (to < json.length && ",}] \t\r\n".indexOf(json[to]) < 0) to++;
                String word = new String(json, from, to - from, StandardCharsets.US_ASCII);
                if (word.startsWith("{") || word.startsWith("[") || word.equals("true") || word.equals("false") || word.equals("null") || word.matches("-?[0-9][0-9.eE+-]*")) to = from;
            }
            for (int k = from; k < to; k++) out[k] = '*';
            i = Math.max(to, end + 1);
        }
        return out;
    }

    /** The index of the quote closing the string opened at {@code open}, or of the end of its line when it is not closed there. */
    private static int stringEnd(byte[] json, int open) {
        int k = open + 1;
        while (k < json.length && json[k] != '"' && json[k] != '\n' && json[k] != '\r') k += json[k] == '\\' ? 2 : 1;
        return Math.min(k, json.length);
    }

    private static void excerpt(StringBuilder b, byte[] json, int offset, int line, int column) {
        int start = offset;
        while (start > 0 && json[start - 1] != '\n' && json[start - 1] != '\r') start--;
        int end = offset;
        while (end < json.length && json[end] != '\n' && json[end] != '\r') end++;
        String text = new String(json, start, end - start, StandardCharsets.UTF_8).replace('\t', ' ');
        int caret = Math.max(0, text.offsetByCodePoints(0, Math.min(column - 1, text.codePointCount(0, text.length()))));
        if (text.length() > MAX_EXCERPT_CHARS) {
            int from = Math.max(0, Math.min(caret - MAX_EXCERPT_CHARS / 2, text.length() - MAX_EXCERPT_CHARS));
            text = (from > 0 ? "..." : "") + text.substring(from, from + MAX_EXCERPT_CHARS) + "...";
            caret = caret - from + (from > 0 ? 3 : 0);
        }
        String number = Integer.toString(line);
        b.append("\n  ").append(number).append(" | ").append(text.stripTrailing());
        b.append("\n  ").append(" ".repeat(number.length())).append(" | ").append(" ".repeat(caret)).append('^');
    }

    /** What the scan up to the error found: the last significant byte before it and the open brackets. */
    private record Scan(int prev, int prevStringStart, int beforeString, char container) {}

    /** A hint for the slip at {@code offset}, or null when it is none of the usual ones. */
    static String hint(byte[] json, int offset, String message) {
        if (message.startsWith("Unexpected end of input")) {
            return "the file ends before every '{', '[' and string is closed: a '}' or ']' is missing, or the file was cut short";
        }
        if (offset >= json.length) return null;
        Scan s = scan(json, offset);
        byte c = json[offset];
        byte prev = s.prev() < 0 ? 0 : json[s.prev()];
        if ((c == '}' || c == ']') && prev == ',') {
            return "JSON allows no comma before '" + (char) c + "': remove the one at " + where(json, s.prev());
        }
        if (c == '\'') return "JSON strings and keys take double quotes (\"...\"), not single quotes";
        boolean valueEnded = prev == '"' || prev == '}' || prev == ']' || (prev >= '0' && prev <= '9')
                || prev == 'e' || prev == 'l';
        boolean valueStarts = c == '"' || c == '{' || c == '[' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
        if (s.container() == '{' && prev == '"' && isKey(json, s)) {
            if (c == '=') return "use ':' between a key and its value, not '='";
            return "a ':' is missing after the key that ends at " + where(json, s.prev());
        }
        if (valueEnded && valueStarts) {
            return "a ',' is missing between " + (s.container() == '{' ? "members" : "elements") + ": add one after the value that ends at "
                    + where(json, s.prev());
        }
        boolean word = Character.isLetter(c) || c == '_' || c == '$';
        if (word && s.container() == '{' && (prev == '{' || prev == ',')) {
            return "keys take double quotes: write \"" + wordAt(json, offset) + "\": ...";
        }
        if (word) {
            String w = wordAt(json, offset);
            if (w.equals("True") || w.equals("False") || w.equals("None") || w.equals("TRUE") || w.equals("FALSE") || w.equals("NULL")) {
                return "JSON's literals are true, false and null, in lower case";
            }
            return "a string takes double quotes: write \"" + w + "\"";
        }
        return null;
    }

    /** Whether the string before the error is a key: it follows '{' or ',' inside an object. */
    private static boolean isKey(byte[] json, Scan s) {
        return s.beforeString() >= 0 && (json[s.beforeString()] == '{' || json[s.beforeString()] == ',');
    }

    /** Scans {@code json[0, offset)} past strings and comments. */
    private static Scan scan(byte[] json, int offset) {
        Deque<Character> open = new ArrayDeque<>();
        int prev = -1;
        int stringStart = -1;
        int beforeString = -1;
        int i = 0;
        while (i < offset) {
            byte c = json[i];
            if (c == '"') {
                int start = i;
                int before = prev;
                i++;
                while (i < json.length && json[i] != '"') i += json[i] == '\\' ? 2 : 1;
                prev = Math.min(i, json.length - 1);
                stringStart = start;
                beforeString = before;
                i++;
                continue;
            }
            if (c == '/' && i + 1 < json.length && json[i + 1] == '/') {
                while (i < json.length && json[i] != '\n') i++;
                continue;
            }
            if (c == '/' && i + 1 < json.length && json[i + 1] == '*') {
                i += 2;
                while (i + 1 < json.length && !(json[i] == '*' && json[i + 1] == '/')) i++;
                i += 2;
                continue;
            }
            if (c == '{' || c == '[') open.push((char) c);
            else if ((c == '}' || c == ']') && !open.isEmpty()) open.pop();
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') prev = i;
            i++;
        }
        return new Scan(prev, stringStart, beforeString, open.isEmpty() ? 0 : open.peek());
    }

    private static String wordAt(byte[] json, int offset) {
        int end = offset;
        while (end < json.length && end - offset < 64 && (Character.isLetterOrDigit(json[end]) || json[end] == '_' || json[end] == '-'
                || json[end] == '$' || json[end] == '.')) end++;
        return new String(json, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** "line L, column C" of byte {@code p} (columns count code points). */
    static String where(byte[] json, int p) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < p; i++) {
            if (json[i] == '\n') {
                line++;
                column = 1;
            } else if ((json[i] & 0xC0) != 0x80) {
                column++;
            }
        }
        return "line " + line + ", column " + column;
    }
}

package tollgate.log;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.json.Json;

/**
 * The human-readable form of a log line, for a terminal:
 * {@code 01:02:03.456 INFO  listening url=http://127.0.0.1:8080 providers=[echo] models=3}: the local
 * time of {@code ts}, the level padded to five columns, the event, then the other fields as
 * {@code key=value}. A string value is written bare when it is one word without quotes or
 * {@code =}, else JSON-quoted, so that the line still splits unambiguously; objects are JSON.
 */
final class HumanLine {
    private HumanLine() { throw new AssertionError(); }

    /** Width the level is padded to ({@code ERROR} and {@code DEBUG} are the longest). */
    static final int LEVEL_WIDTH = 5;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);
    /** Where Linux shows what a file descriptor is open on; standard output is descriptor 1. */
    private static final Path STDOUT_LINK = Path.of("/proc/self/fd/1");

    /** The line (ending in a newline) for {@code fields}, which normally start with ts, level and event. */
    static String render(Map<String, Object> fields) {
        StringBuilder b = new StringBuilder(160);
        b.append(time(fields.get("ts"))).append(' ');
        String level = String.valueOf(fields.getOrDefault("level", "info")).toUpperCase(Locale.ROOT);
        b.append(level);
        for (int i = level.length(); i < LEVEL_WIDTH; i++) b.append(' ');
        b.append(' ').append(fields.getOrDefault("event", "-"));
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            String k = e.getKey();
            if (k.equals("ts") || k.equals("level") || k.equals("event")) continue;
            b.append(' ').append(k).append('=');
            value(b, e.getValue());
        }
        return b.append('\n').toString();
    }

    private static String time(Object ts) {
        try {
            Instant t = ts instanceof String s ? Instant.parse(s) : Instant.now();
            return LocalTime.ofInstant(t, ZoneId.systemDefault()).format(TIME);
        } catch (DateTimeParseException e) {
            return String.valueOf(ts);
        }
    }

    private static void value(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String s -> b.append(bare(s) ? s : terminalSafe(Json.toString(s)));
            case List<?> list -> {
                b.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) b.append(',');
                    value(b, list.get(i));
                }
                b.append(']');
            }
            case Map<?, ?> m -> b.append(terminalSafe(Json.toString(m)));
            default -> b.append(v);
        }
    }

    /** One word that cannot be mistaken for the next field or a list separator. */
    private static boolean bare(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '"' || c == '=' || c == ',' || c == '[' || c == ']' || isDelOrC1(c)) return false;
        }
        return true;
    }

    /** DEL and the C1 controls (U+0080-U+009F; U+009B is CSI, which some terminals obey in UTF-8 as well). */
    private static boolean isDelOrC1(char c) { return c >= 0x7f && c <= 0x9f; }

    /**
     * JSON text with DEL and the C1 controls escaped too (JSON escapes only those below U+0020):
     * a value a client sent reaches a terminal as text, never as a control sequence. They can
     * only occur inside JSON strings, where a backslash-u escape means the same character.
     */
    private static String terminalSafe(String json) {
        int i = 0;
        while (i < json.length() && !isDelOrC1(json.charAt(i))) i++;
        if (i == json.length()) return json;
        StringBuilder b = new StringBuilder(json.length() + 16).append(json, 0, i);
        for (; i < json.length(); i++) {
            char c = json.charAt(i);
            if (isDelOrC1(c)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /**
     * Whether standard output is a terminal. On Linux, what descriptor 1 links to; elsewhere the
     * console: since JDK 22 {@code System.console()} is non-null even when output is redirected,
     * and only its {@code isTerminal()} (absent from the JDK 21 API this is compiled against,
     * hence reflection, once at start-up) tells.
     */
    static boolean stdoutIsTerminal() {
        try {
            if (Files.isSymbolicLink(STDOUT_LINK)) {
                String target = Files.readSymbolicLink(STDOUT_LINK).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc is not mounted: ask the console
        }
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            Method isTerminal = java.io.Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 21: a console exists only when input and output are a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}

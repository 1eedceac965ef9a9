package tollgate.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The human-readable log line: local time, padded level, event, then key=value fields that split unambiguously. */
class HumanLineTest {
    static final String TS = "2026-12-02T01:02:03.456Z";

    static String localTime() {
        return LocalTime.ofInstant(Instant.parse(TS), ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS"));
    }

    @Test
    void listeningLine() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", TS);
        line.put("level", "info");
        line.put("event", "listening");
        line.put("url", "http://127.0.0.1:8080");
        line.put("providers", List.of("echo", "openai"));
        line.put("models", 3);
        assertEquals(localTime() + " INFO  listening url=http://127.0.0.1:8080 providers=[echo,openai] models=3\n", HumanLine.render(line));
    }

    @Test
    void valuesThatWouldNotSplit_areQuoted() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", TS);
        line.put("level", "error");
        line.put("event", "access");
        line.put("status", 500);
        line.put("error", "upstream said \"no\"");
        line.put("empty", "");
        line.put("eq", "a=b");
        line.put("none", null);
        line.put("usage", Map.of("total_tokens", 7));
        line.put("list", List.of("a b", "c"));
        assertEquals(localTime() + " ERROR access status=500 error=\"upstream said \\\"no\\\"\" empty=\"\" eq=\"a=b\" none=null"
                + " usage={\"total_tokens\":7} list=[\"a b\",c]\n", HumanLine.render(line));
    }

    @Test
    void controlCharacters_fromClients_areEscaped_neverSentToTheTerminal() {
        // A client-sent model name or path must not forge a line (\n) nor drive the terminal:
        // ESC (C0), DEL, and the C1 controls such as U+009B (CSI) that xterm obeys in UTF-8 too.
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", TS);
        line.put("level", "info");
        line.put("event", "access");
        line.put("model", "m\n01:02:03.456 INFO  forged\u001b[2J\u007f\u009b2J\u0085");
        line.put("body", Map.of("k", "\u009b31m"));
        String s = HumanLine.render(line);
        assertEquals(localTime() + " INFO  access model=\"m\\n01:02:03.456 INFO  forged\\u001b[2J\\u007f\\u009b2J\\u0085\""
                + " body={\"k\":\"\\u009b31m\"}\n", s);
        assertTrue(s.chars().noneMatch(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f), s);
    }

    @Test
    void levels_padToOneWidth() {
        for (String level : List.of("debug", "info", "warn", "error")) {
            String s = HumanLine.render(new LinkedHashMap<>(Map.of("ts", TS, "level", level, "event", "e")));
            assertEquals(localTime() + " " + (level.toUpperCase() + "     ").substring(0, 5) + " e\n", s);
        }
    }

    @Test
    void threshold_dropsLowerLevels() {
        try {
            Log.configure(Log.Level.WARN, Log.Format.JSON);
            assertEquals(false, Log.enabled(Log.Level.INFO));
            assertEquals(true, Log.enabled(Log.Level.WARN));
            assertEquals(true, Log.enabled(Log.Level.ERROR));
            Log.configure(Log.Level.DEBUG, Log.Format.HUMAN);
            assertEquals(true, Log.enabled(Log.Level.DEBUG));
            assertEquals(Log.Format.HUMAN, Log.format());
        } finally {
            Log.configure(Log.Level.INFO, Log.Format.JSON);
        }
        assertEquals(false, Log.enabled(Log.Level.DEBUG));
    }

    @Test
    void levelNames() {
        assertEquals(Log.Level.WARN, Log.Level.of("warn"));
        assertEquals(null, Log.Level.of("WARN"));
        assertEquals("debug", Log.Level.DEBUG.label());
        assertTrue(Log.Level.ERROR.compareTo(Log.Level.WARN) > 0);
    }
}

package tollgate.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tollgate.call.Cancellation;
import tollgate.catalog.Model;
import tollgate.catalog.TestModels;
import tollgate.json.Json;
import tollgate.provider.ChatCall;
import tollgate.provider.SseEvent;
import tollgate.provider.SseReader;

/** Fixture files under {@code src/test/resources/anthropic/} and the calls the tests make. */
final class Fixtures {
    private Fixtures() { }

    static final String PROVIDER = "anthropic";
    static final String UPSTREAM_MODEL = "claude-sonnet-4-5";

    static Model model(long maxOutputTokens) {
        return TestModels.model("claude", PROVIDER, UPSTREAM_MODEL, 200_000, Set.of(),
                maxOutputTokens);
    }

    static ChatCall call(Map<String, Object> body, boolean stream, long maxOutputTokens) {
        return new ChatCall(body, model(maxOutputTokens), stream, "req-1", new Cancellation(), 0);
    }

    static ChatCall call(Map<String, Object> body) {
        return call(body, false, 0);
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/anthropic/" + name)) {
            assertNotNull(in, "missing fixture " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Object json(String name) {
        return Json.parse(bytes(name));
    }

    static Map<String, Object> object(String name) {
        return Json.asObject(json(name));
    }

    /** One JSON value per non-blank line. */
    static List<Object> jsonLines(String name) {
        List<Object> out = new ArrayList<>();
        for (String line : new String(bytes(name), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) out.add(Json.parse(line));
        }
        return out;
    }

    /** The events of a recorded SSE stream, read by the gateway's own reader. */
    static List<SseEvent> sse(String name) {
        List<SseEvent> events = new ArrayList<>();
        try (SseReader r = new SseReader(new ByteArrayInputStream(bytes(name)))) {
            for (SseEvent e = r.next(); e != null; e = r.next()) events.add(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return events;
    }

    /**
     * Compact JSON with every object's keys sorted, so that two values compare equal exactly
     * when they are the same JSON (numbers compare by their text: {@code 1.50} is not {@code 1.5}).
     */
    static String canonical(Object value) {
        return Json.toString(sorted(value));
    }

    private static Object sorted(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> t = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) t.put((String) e.getKey(), sorted(e.getValue()));
            return t;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) out.add(sorted(o));
            return out;
        }
        return value;
    }

    /** A shallow copy of {@code base} with {@code set}'s members put over it (a null removes one). */
    static Map<String, Object> with(Map<String, Object> base, Map<String, Object> set) {
        Map<String, Object> copy = new LinkedHashMap<>(base);
        for (Map.Entry<String, Object> e : set.entrySet()) {
            if (e.getValue() == null) copy.remove(e.getKey());
            else copy.put(e.getKey(), e.getValue());
        }
        return copy;
    }

    /** {@code m} without its {@code created} member (a clock reading). */
    static Map<String, Object> withoutCreated(Map<String, Object> m) {
        Map<String, Object> copy = new LinkedHashMap<>(m);
        copy.remove("created");
        return copy;
    }
}

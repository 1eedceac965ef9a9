package tollgate.http;

import com.sun.net.httpserver.HttpExchange;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.log.Log;

/**
 * The one log line per request ({@code "event":"access"}): what was asked, what was answered,
 * how long it took, and the fields endpoints added (model, provider, usage, the error and its
 * cause). At level {@code warn} for 5xx answers and {@code error} for 500s, so a failing
 * upstream stands out. Every string is clipped to {@link #MAX_VALUE_CHARS}: fields echo client
 * input (a 30 MB model name must not become a 30 MB log line).
 */
final class AccessLine {
    private AccessLine() { throw new AssertionError(); }

    /** Longest string value in an access line, in chars. */
    static final int MAX_VALUE_CHARS = 1024;

    static void write(HttpCall call, HttpExchange exchange, long startNanos) {
        int status = call.status();
        Log.Level level = status == 500 ? Log.Level.ERROR : status >= 500 ? Log.Level.WARN : Log.Level.INFO;
        if (!Log.enabled(level)) return; // below --log-level: not even built
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.put("level", level.label());
        line.put("event", "access");
        line.put("request_id", call.requestId());
        line.put("method", clip(call.method()));
        line.put("path", clip(call.path()));
        line.put("status", status);
        line.put("duration_us", (System.nanoTime() - startNanos) / 1000);
        line.put("bytes_in", call.bodyBytes());
        line.put("remote", exchange.getRemoteAddress().getAddress().getHostAddress());
        for (Map.Entry<String, Object> e : call.logFields().entrySet()) {
            line.put(e.getKey(), e.getValue() instanceof String s ? clip(s) : e.getValue());
        }
        Log.write(line);
    }

    /** {@code s} cut to {@link #MAX_VALUE_CHARS} chars, never inside a surrogate pair. */
    static String clip(String s) {
        if (s == null || s.length() <= MAX_VALUE_CHARS) return s;
        int end = Character.isHighSurrogate(s.charAt(MAX_VALUE_CHARS - 1)) ? MAX_VALUE_CHARS - 1 : MAX_VALUE_CHARS;
        return s.substring(0, end) + "…(" + s.length() + " chars)";
    }
}

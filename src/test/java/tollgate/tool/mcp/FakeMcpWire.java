package tollgate.tool.mcp;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/** {@link FakeMcpServer}'s writing: JSON-RPC messages, SSE events, plain answers. */
final class FakeMcpWire {
    private FakeMcpWire() { }

    /**
     * Answers a request: one JSON object, or an event stream (after the chatter, if asked: a
     * priming event without data, a comment, a logging notification, a ping request; then
     * {@code tools/list_changed}, if asked) ending with the response. A null response: none.
     */
    static void answer(HttpExchange ex, Map<String, Object> response, boolean sse, boolean chatter, boolean listChanged)
            throws IOException {
        if (response == null) return; // dropped: the exchange closes without an answer
        if (!sse) {
            send(ex, 200, "application/json", Json.toString(response));
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        if (chatter) {
            out.write("id: 0\ndata:\n\n: keep-alive\n\n".getBytes(UTF_8));
            event(out, Map.of("jsonrpc", "2.0", "method", "notifications/message", "params", Map.of("level", "info", "data", "working")));
            event(out, Map.of("jsonrpc", "2.0", "id", "srv-ping-1", "method", "ping"));
        }
        if (listChanged) event(out, Map.of("jsonrpc", "2.0", "method", "notifications/tools/list_changed"));
        event(out, response);
        out.close();
    }

    static void event(OutputStream out, Map<String, Object> message) throws IOException {
        out.write(("event: message\ndata: " + Json.toString(message) + "\n\n").getBytes(UTF_8));
        out.flush();
    }

    static Map<String, Object> response(Object id, Map<String, Object> result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jsonrpc", "2.0");
        m.put("id", id);
        m.put("result", result);
        return m;
    }

    static Map<String, Object> rpcError(Object id, int code, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jsonrpc", "2.0");
        m.put("id", id);
        m.put("error", Map.of("code", JsonNumber.of(code), "message", message));
        return m;
    }

    static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(UTF_8);
        if (type != null) ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) ex.getResponseBody().write(b);
    }

    static Map<String, List<String>> headers(HttpExchange ex) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        return h;
    }
}

package tollgate.tool.mcp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import tollgate.http.Server;
import tollgate.json.Json;

/**
 * A Model Context Protocol server for tests: a real JDK {@link HttpServer} on 127.0.0.1 speaking
 * the Streamable HTTP transport (revision 2025-06-18) at {@code /mcp}, with scripted tools.
 *
 * <p>It checks what a client sends and records what is wrong in {@link #violations()} (a test
 * asserts that list is empty): POST only, {@code Accept} with both {@code application/json} and
 * {@code text/event-stream}, {@code Content-Type: application/json}, the bearer token (else 401),
 * after initialize the {@code Mcp-Session-Id} it issued (missing: 400; unknown or expired: 404)
 * and {@code MCP-Protocol-Version} equal to the negotiated one (else 400),
 * {@code notifications/initialized} before any other request of the session. Notifications and
 * responses are answered 202. Requests are answered as JSON or as an event stream ({@link Mode}),
 * optionally with {@link #chatter chatter} before the answer: an empty priming event, a logging
 * notification and a {@code ping} request of the server's, whose answer it records.
 *
 * <p>Typical use:
 * <pre>{@code
 * try (FakeMcpServer mcp = FakeMcpServer.start().token("tok-123")
 *         .tool("add", "Adds two numbers", "{\"type\":\"object\"}", args -> FakeMcpServer.text("3"))) {
 *     ... config: {"mcp_servers": [{"name": "calc", "url": mcp.url(), "token": "tok-123"}]} ...
 *     assertEquals(List.of(), mcp.violations());
 * }
 * }</pre>
 * Thread-safe: tools and settings may change while it runs. {@link #stop()} makes it go away
 * (connections dropped, hanging tools released); {@link #restart()} brings it back on the same
 * port, as a new process would be: same tools, no sessions.
 */
public final class FakeMcpServer implements AutoCloseable {
    static {
        // The JDK server reads these once per JVM: set them as the gateway would (see FakeUpstream).
        Server.jdkProperties(tollgate.config.ServerLimits.defaults()).forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }

    /** How requests are answered. */
    public enum Mode { JSON, SSE }

    /** What a tool does with one call's arguments: returns the {@code tools/call} result object. */
    @FunctionalInterface
    public interface Handler {
        Map<String, Object> call(Map<String, Object> arguments) throws Exception;
    }

    /** Thrown by a {@link Handler}: answered as a JSON-RPC error object. */
    public static final class RpcError extends RuntimeException {
        final int code;

        public RpcError(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** One POSTed message as received; header names lower-cased. */
    public record Request(String method, Map<String, List<String>> headers, Map<String, Object> body) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        @SuppressWarnings("unchecked")
        public Map<String, Object> params() { return (Map<String, Object>) body.getOrDefault("params", Map.of()); }
    }

    private record Tool(Map<String, Object> entry, Handler handler) {}

    private static final List<String> VERSIONS = List.of("2025-06-18", "2025-03-26");

    private final Map<String, Tool> tools = new ConcurrentHashMap<>();
    private final List<String> order = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> responses = new CopyOnWriteArrayList<>();
    /** Session id → negotiated version; a session is initialized once its id is in {@link #initialized}. */
    private final Map<String, String> sessions = new ConcurrentHashMap<>();
    private final Set<String> initialized = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.JSON;
    private volatile String token;
    private volatile boolean issueSessions = true;
    private volatile boolean chatter;
    private volatile boolean toolsCapability = true;
    private volatile boolean listChangedOnce;
    private volatile boolean listChangedAlways;
    private volatile boolean loseSessions;
    private volatile String version;
    private volatile String lastVersion; // without sessions: the last negotiated version
    private volatile int pageSize = 100;
    private volatile CountDownLatch released = new CountDownLatch(1);
    private volatile HttpServer server;
    private volatile ExecutorService executor;
    private final int port;

    private FakeMcpServer(int port) throws IOException {
        bind(port);
        this.port = server.getAddress().getPort();
    }

    /** A running server on a free loopback port, answering JSON, issuing sessions, with no token and no tools. */
    public static FakeMcpServer start() throws IOException { return new FakeMcpServer(0); }

    /** The endpoint, e.g. {@code http://127.0.0.1:40123/mcp}. */
    public String url() { return "http://127.0.0.1:" + port + "/mcp"; }

    public int port() { return port; }

    // ------------------------------------------------------------------ settings

    public FakeMcpServer mode(Mode m) { mode = m; return this; }

    /** Requires {@code Authorization: Bearer <token>} (401 otherwise); null: no check. */
    public FakeMcpServer token(String bearer) { token = bearer; return this; }

    /** Whether initialize issues an {@code Mcp-Session-Id} (default true). */
    public FakeMcpServer sessions(boolean on) { issueSessions = on; return this; }

    /** The version initialize answers; null (default): the client's, if it is 2025-06-18 or 2025-03-26. */
    public FakeMcpServer protocolVersion(String v) { version = v; return this; }

    /** Tools per {@code tools/list} page (default 100). */
    public FakeMcpServer pageSize(int n) { pageSize = n; return this; }

    /** Event-stream answers start with a priming event, a logging notification and a ping request. */
    public FakeMcpServer chatter(boolean on) { chatter = on; return this; }

    /** Whether initialize declares the {@code tools} capability (default true). */
    public FakeMcpServer toolsCapability(boolean on) { toolsCapability = on; return this; }

    /** Answers every message carrying a session id with 404, as a server that forgets sessions at once. */
    public FakeMcpServer loseSessions(boolean on) { loseSessions = on; return this; }

    /** The next event-stream answer carries {@code notifications/tools/list_changed} before it. */
    public FakeMcpServer listChangedOnNextAnswer() { listChangedOnce = true; return this; }

    /** Every event-stream answer carries {@code notifications/tools/list_changed} before it (its own tools/list's too). */
    public FakeMcpServer listChangedOnEveryAnswer(boolean on) { listChangedAlways = on; return this; }

    /** Adds (or replaces) a tool; {@code inputSchemaJson} null leaves the schema out. */
    public FakeMcpServer tool(String name, String description, String inputSchemaJson, Handler handler) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", name);
        if (description != null) entry.put("description", description);
        if (inputSchemaJson != null) entry.put("inputSchema", Json.parse(inputSchemaJson));
        return tool(entry, handler);
    }

    /** Adds a tool exactly as listed (any name, any schema). */
    public FakeMcpServer tool(Map<String, Object> entry, Handler handler) {
        String name = String.valueOf(entry.get("name"));
        if (tools.put(name, new Tool(entry, handler)) == null) order.add(name);
        return this;
    }

    public FakeMcpServer removeTool(String name) {
        tools.remove(name);
        order.remove(name);
        return this;
    }

    // ------------------------------------------------------------------ results

    /** A result of text parts. */
    public static Map<String, Object> text(String... parts) {
        List<Object> content = new ArrayList<>();
        for (String p : parts) content.add(Map.of("type", "text", "text", p));
        return Map.of("content", content);
    }

    /** A tool error ({@code isError: true}) with {@code text}. */
    public static Map<String, Object> error(String text) {
        return Map.of("content", List.of(Map.of("type", "text", "text", text)), "isError", true);
    }

    /** Answers the arguments as JSON text. */
    public static Handler echo() { return args -> text(Json.toString(args)); }

    /** Never answers, until the server stops (then the connection drops). */
    public Handler hang() {
        return args -> {
            released.await();
            throw new IOException("stopped");
        };
    }

    // ------------------------------------------------------------------ control and observation

    /** Forgets every session: the next request carrying one gets 404. */
    public void expireSessions() {
        sessions.clear();
        initialized.clear();
    }

    /** Every message received, in order. */
    public List<Request> requests() { return List.copyOf(requests); }

    /** The methods received, in order. */
    public List<String> methods() { return requests.stream().map(Request::method).toList(); }

    public long count(String method) { return requests.stream().filter(r -> r.method().equals(method)).count(); }

    /** The client's responses to the server's own requests (pings). */
    public List<Map<String, Object>> responses() { return List.copyOf(responses); }

    /** What the client did wrong; empty when it spoke the protocol. */
    public List<String> violations() { return List.copyOf(violations); }

    /** Waits until {@code n} messages of {@code method} have arrived; false after {@code millis}. */
    public boolean await(String method, long n, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (count(method) < n) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(5);
        }
        return true;
    }

    /** Goes away: the listener closes, open connections drop, hanging tools are released. */
    public void stop() {
        released.countDown();
        HttpServer s = server;
        if (s != null) s.stop(0);
        ExecutorService e = executor;
        if (e != null) e.shutdownNow();
        server = null;
    }

    /** Comes back on the same port, as a new process: same tools, no sessions. */
    public FakeMcpServer restart() throws IOException {
        stop();
        expireSessions();
        released = new CountDownLatch(1);
        bind(port);
        return this;
    }

    @Override
    public void close() { stop(); }

    private void bind(int at) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), at), 64);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        s.setExecutor(executor);
        s.createContext("/", this::handle);
        s.start();
        server = s;
    }

    // ------------------------------------------------------------------ the protocol

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String tok = token;
            if (tok != null && !("Bearer " + tok).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                FakeMcpWire.send(ex, 401, "application/json", "{\"error\":\"invalid_token\"}");
                return;
            }
            if (!ex.getRequestURI().getPath().equals("/mcp")) {
                FakeMcpWire.send(ex, 404, "text/plain", "not the MCP endpoint");
                return;
            }
            String sessionId = ex.getRequestHeaders().getFirst("Mcp-Session-Id");
            switch (ex.getRequestMethod()) {
                case "POST" -> post(ex, sessionId);
                case "DELETE" -> {
                    requests.add(new Request("DELETE", FakeMcpWire.headers(ex), Map.of()));
                    FakeMcpWire.send(ex, sessionId != null && sessions.remove(sessionId) != null ? 200 : 404, null, "");
                }
                default -> FakeMcpWire.send(ex, 405, null, ""); // no GET stream offered (transports: "or 405")
            }
        }
    }

    private void post(HttpExchange ex, String sessionId) throws IOException {
        String accept = String.valueOf(ex.getRequestHeaders().getFirst("Accept"));
        if (!accept.contains("application/json") || !accept.contains("text/event-stream")) violations.add("Accept was " + accept);
        String type = String.valueOf(ex.getRequestHeaders().getFirst("Content-Type"));
        if (!type.startsWith("application/json")) violations.add("Content-Type was " + type);
        Map<String, Object> msg;
        try {
            msg = Json.asObject(Json.parse(ex.getRequestBody().readAllBytes()));
        } catch (RuntimeException e) {
            msg = null;
        }
        if (msg == null || !"2.0".equals(msg.get("jsonrpc"))) {
            violations.add("not a JSON-RPC 2.0 message");
            FakeMcpWire.send(ex, 400, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
            return;
        }
        String method = msg.get("method") instanceof String m ? m : "(response)";
        requests.add(new Request(method, FakeMcpWire.headers(ex), msg));
        if (method.equals("initialize")) {
            initialize(ex, msg, sessionId);
            return;
        }
        String negotiated;
        if (issueSessions) {
            if (sessionId == null) {
                violations.add(method + " without Mcp-Session-Id");
                FakeMcpWire.send(ex, 400, "text/plain", "Mcp-Session-Id required");
                return;
            }
            negotiated = sessions.get(sessionId);
            if (negotiated == null || loseSessions) {
                FakeMcpWire.send(ex, 404, "text/plain", "session not found");
                return;
            }
        } else {
            negotiated = lastVersion;
        }
        String sent = ex.getRequestHeaders().getFirst("MCP-Protocol-Version");
        // A client's answer to a ping inside initialize's own stream comes before it knows the version.
        boolean early = method.equals("(response)") && !initialized.contains(sessionId == null ? "" : sessionId);
        if (negotiated != null && !negotiated.equals(sent) && !early) {
            violations.add(method + " with MCP-Protocol-Version " + sent + ", negotiated " + negotiated);
            FakeMcpWire.send(ex, 400, "text/plain", "Bad MCP-Protocol-Version");
            return;
        }
        if (!msg.containsKey("id") || !msg.containsKey("method")) { // a notification, or a response to our ping
            if (method.equals("notifications/initialized")) initialized.add(sessionId == null ? "" : sessionId);
            if (method.equals("(response)")) responses.add(msg);
            FakeMcpWire.send(ex, 202, null, "");
            return;
        }
        if (!initialized.contains(sessionId == null ? "" : sessionId)) violations.add(method + " before notifications/initialized");
        Object id = msg.get("id");
        Map<String, Object> params = Json.asObject(msg.get("params"));
        answer(ex, switch (method) {
            case "tools/list" -> FakeMcpWire.response(id, list(params == null ? null : params.get("cursor")));
            case "tools/call" -> call(id, params == null ? Map.of() : params);
            case "ping" -> FakeMcpWire.response(id, Map.of());
            default -> FakeMcpWire.rpcError(id, -32601, "Method not found: " + method);
        });
    }

    private void initialize(HttpExchange ex, Map<String, Object> msg, String sessionId) throws IOException {
        if (sessionId != null) violations.add("initialize with an Mcp-Session-Id");
        Map<String, Object> params = Json.asObject(msg.get("params"));
        Object offered = params == null ? null : params.get("protocolVersion");
        Map<String, Object> client = params == null ? null : Json.asObject(params.get("clientInfo"));
        if (client == null || !(client.get("name") instanceof String)) violations.add("initialize without clientInfo.name");
        if (params == null || Json.asObject(params.get("capabilities")) == null) violations.add("initialize without capabilities");
        String v = version != null ? version : VERSIONS.contains(offered) ? (String) offered : VERSIONS.get(0);
        lastVersion = v;
        if (issueSessions) {
            String id = UUID.randomUUID().toString();
            sessions.put(id, v);
            ex.getResponseHeaders().set("Mcp-Session-Id", id);
        } else {
            initialized.remove("");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("protocolVersion", v);
        result.put("capabilities", toolsCapability ? Map.of("tools", Map.of("listChanged", true)) : Map.of());
        result.put("serverInfo", Map.of("name", "fake-mcp", "version", "1.0.0"));
        answer(ex, FakeMcpWire.response(msg.get("id"), result));
    }

    private Map<String, Object> list(Object cursor) {
        int from = cursor instanceof String c && c.startsWith("page-") ? Integer.parseInt(c.substring(5)) : 0;
        List<String> names = List.copyOf(order);
        List<Object> page = new ArrayList<>();
        for (int i = from; i < Math.min(names.size(), from + pageSize); i++) {
            Tool t = tools.get(names.get(i));
            if (t != null) page.add(t.entry());
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("tools", page);
        if (from + pageSize < names.size()) result.put("nextCursor", "page-" + (from + pageSize));
        return result;
    }

    private Map<String, Object> call(Object id, Map<String, Object> params) {
        Tool t = params.get("name") instanceof String n ? tools.get(n) : null;
        if (t == null) return FakeMcpWire.rpcError(id, -32602, "Unknown tool: " + params.get("name"));
        Map<String, Object> args = Json.asObject(params.get("arguments"));
        try {
            return FakeMcpWire.response(id, t.handler().call(args == null ? Map.of() : args));
        } catch (RpcError e) {
            return FakeMcpWire.rpcError(id, e.code, e.getMessage());
        } catch (Exception e) {
            return null; // the server went away mid-call: no answer
        }
    }

    private void answer(HttpExchange ex, Map<String, Object> response) throws IOException {
        boolean changed = (listChangedOnce || listChangedAlways) && mode == Mode.SSE;
        if (changed) listChangedOnce = false;
        FakeMcpWire.answer(ex, response, mode == Mode.SSE, chatter, changed);
    }
}

package tollgate.tool.mcp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import tollgate.config.McpServerConfig;
import tollgate.json.Json;
import tollgate.json.JsonMeter;
import tollgate.json.JsonNumber;
import tollgate.memory.MemoryBudget;
import tollgate.provider.Upstream;
import tollgate.tool.mcp.McpException.Kind;
import tollgate.tool.mcp.McpHttp.Session;

/**
 * One configured MCP server, as its tools' caller sees it: the session (initialize, then
 * {@code notifications/initialized}, MCP 2025-06-18 basic/lifecycle), {@code tools/list} with
 * its pages, {@code tools/call}. The session is opened on first use and again, once per
 * operation, when the server says it is gone (a 404; transports §Session Management: "the client
 * MUST start a new session by sending a new InitializeRequest").
 *
 * <p>Thread-safe: calls run in parallel on one session; opening a session is done by one caller
 * under a lock the others wait on (as long as their deadlines allow).
 */
final class McpClient implements AutoCloseable {
    /** The revisions spoken, preferred first (the one offered in {@code initialize}). Both have Streamable HTTP. */
    static final List<String> VERSIONS = List.of("2025-06-18", "2025-03-26");
    /** Most tools taken from one server: each becomes a function in the prompts of the requests that ask for them. */
    static final int MAX_TOOLS = 256;
    /** Most {@code tools/list} pages read (a server repeating its cursor must not loop us forever). */
    static final int MAX_PAGES = 64;
    /**
     * Most skipped names kept to be logged: a server may list thousands (a 4 MiB page of
     * {@code {"name":""}} is 400,000), each kept and logged would take the heap and the log.
     */
    static final int MAX_SKIPPED_LISTED = 16;
    /** Longest tool name taken; longer ones are skipped. */
    static final int MAX_TOOL_NAME_CHARS = 128;
    /** Cap on one {@code initialize} or {@code tools/list} answer. */
    static final int MAX_LIST_BYTES = 4 * 1024 * 1024;
    /**
     * A {@code tools/call} answer's cap, per byte of the server's {@code max_output_bytes}: the
     * text comes JSON-escaped, perhaps again as {@code structuredContent}, beside non-text parts
     * that are only described to the model.
     */
    static final int RESULT_BYTES_PER_OUTPUT_BYTE = 4;
    /** Added to the answer cap for the JSON-RPC and SSE framing. */
    static final int RESULT_FRAMING_BYTES = 64 * 1024;
    /** The smallest answer cap, whatever {@code max_output_bytes} is (a small image described as such still fits). */
    static final int MIN_RESULT_BYTES = 1024 * 1024;
    /** How long a notice may take: a cancellation (sent in the background) or a session's DELETE at shutdown. */
    static final long NOTICE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Transports §Session Management: a session id is visible ASCII. */
    static final Pattern SESSION_ID = Pattern.compile("[\\x21-\\x7E]{1,1024}");

    /** A tool as the server describes it; the schema as sent (sanitized by {@link McpTool}). */
    record ToolSpec(String name, String title, String description, Object inputSchema) {}

    /**
     * What {@code tools/list} gave: the tools taken, the first {@link #MAX_SKIPPED_LISTED} names
     * skipped (empty, too long, with a control character, repeated) and how many were, whether
     * the cap cut it.
     */
    record Listing(List<ToolSpec> tools, List<String> skipped, int skippedCount, boolean truncated) {}

    private final McpServerConfig server;
    private final McpHttp http;
    private final String clientVersion;
    private final MemoryBudget budget;
    private final AtomicLong ids = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Runnable onToolsChanged = () -> { };
    /** The open session, or null. Written under {@link #lock}. */
    private volatile Opened session;

    private record Opened(Session session, boolean tools) {}

    /** With no memory budget (tests). */
    McpClient(McpServerConfig server, Upstream upstream, String clientVersion) {
        this(server, upstream, clientVersion, MemoryBudget.unlimited());
    }

    /** @param budget the gateway's memory budget, which each tool call's answer is held in */
    McpClient(McpServerConfig server, Upstream upstream, String clientVersion, MemoryBudget budget) {
        this.server = server;
        this.http = new McpHttp(server, upstream);
        this.clientVersion = clientVersion;
        this.budget = budget;
    }

    McpServerConfig server() { return server; }

    MemoryBudget budget() { return budget; }

    /** Called (on the thread reading an answer; it must not block) when the server says its tools changed. */
    void onToolsChanged(Runnable action) { onToolsChanged = action; }

    String scrub(String text) { return http.scrub(text); }

    /** Every tool of the server, page by page, up to {@link #MAX_TOOLS}. */
    Listing listTools(CallTimer timer) throws McpException {
        List<ToolSpec> tools = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (!open(timer).tools()) return new Listing(List.of(), List.of(), 0, false); // no "tools" capability
        int skippedCount = 0;
        String cursor = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            Map<String, Object> params = new LinkedHashMap<>();
            if (cursor != null) params.put("cursor", cursor);
            Map<String, Object> result = rpc("tools/list", params, MAX_LIST_BYTES, timer, JsonMeter.NONE);
            if (!(result.get("tools") instanceof List<?> list)) throw protocol("tools/list answered without a \"tools\" array");
            for (Object o : list) {
                Map<String, Object> t = Json.asObject(o);
                String name = t == null || !(t.get("name") instanceof String n) ? "" : n;
                if (name.isEmpty() || name.length() > MAX_TOOL_NAME_CHARS || name.chars().anyMatch(Character::isISOControl)
                        || !names.add(name)) {
                    if (skippedCount++ < MAX_SKIPPED_LISTED) {
                        skipped.add(name.length() > MAX_TOOL_NAME_CHARS ? name.substring(0, MAX_TOOL_NAME_CHARS) + "…" : name);
                    }
                    continue;
                }
                if (tools.size() == MAX_TOOLS) return new Listing(tools, skipped, skippedCount, true);
                tools.add(new ToolSpec(name, t.get("title") instanceof String s ? s : null,
                        t.get("description") instanceof String s ? s : null, t.get("inputSchema")));
            }
            cursor = result.get("nextCursor") instanceof String c && !c.isEmpty() ? c : null;
            if (cursor == null) return new Listing(tools, skipped, skippedCount, false);
        }
        return new Listing(tools, skipped, skippedCount, true);
    }

    /**
     * {@code tools/call}: the result object ({@code content}, {@code isError}, {@code structuredContent}).
     *
     * @param memory charged for the answer's bytes and its parsed tree, before they are held
     *               (a {@code tollgate.memory.Reservation}; it may refuse by throwing)
     */
    Map<String, Object> callTool(String name, Map<String, Object> arguments, CallTimer timer, JsonMeter memory) throws McpException {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", name);
        params.put("arguments", arguments);
        long cap = Math.max(MIN_RESULT_BYTES, (long) server.maxOutputBytes() * RESULT_BYTES_PER_OUTPUT_BYTE + RESULT_FRAMING_BYTES);
        return rpc("tools/call", params, (int) Math.min(Integer.MAX_VALUE - 8, cap), timer, memory);
    }

    /** Forgets the session: the next operation opens a new one. */
    void reset() { session = null; }

    /** Ends the session on the server, if it gave one (best effort, bounded). */
    @Override
    public void close() {
        Opened o = session;
        session = null;
        if (o == null) return;
        try (CallTimer t = CallTimer.start(System.nanoTime() + NOTICE_NANOS, null)) {
            http.delete(o.session(), t);
        }
    }

    /** One request on the open session; on "session gone", a new session and the request once more. */
    private Map<String, Object> rpc(String method, Map<String, Object> params, int cap, CallTimer timer, JsonMeter memory)
            throws McpException {
        Opened o = open(timer);
        try {
            return exchange(o.session(), method, params, cap, timer, memory);
        } catch (McpException e) {
            if (e.kind() != Kind.SESSION_GONE) throw e;
            forget(o);
            return exchange(open(timer).session(), method, params, cap, timer, memory);
        }
    }

    private Map<String, Object> exchange(Session s, String method, Map<String, Object> params, int cap, CallTimer timer,
                                         JsonMeter memory) throws McpException {
        long id = ids.incrementAndGet();
        McpHttp.Reply reply;
        try {
            reply = http.request(s, message(id, method, params), id, cap, timer, this::notified, memory);
        } catch (McpException e) {
            if (e.kind() == Kind.TIMEOUT || e.kind() == Kind.CANCELLED) cancelled(s, id, e.kind());
            throw e;
        }
        return result(method, reply.message());
    }

    private Opened open(CallTimer timer) throws McpException {
        Opened o = session;
        if (o != null) return o;
        try {
            if (!lock.tryLock(Math.max(0, timer.remainingNanos()), TimeUnit.NANOSECONDS)) throw timer.timeout(server.name());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new McpException(Kind.CANCELLED, "the call to the MCP server '" + server.name() + "' was interrupted");
        }
        try {
            if (session == null) session = initialize(timer);
            return session;
        } finally {
            lock.unlock();
        }
    }

    private void forget(Opened o) {
        lock.lock();
        try {
            if (session == o) session = null; // another caller may already have opened a new one
        } finally {
            lock.unlock();
        }
    }

    /** Lifecycle §Initialization: offer our version, take the server's if we speak it, then say we are initialized. */
    private Opened initialize(CallTimer timer) throws McpException {
        long id = ids.incrementAndGet();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("protocolVersion", VERSIONS.get(0));
        params.put("capabilities", Map.of());
        params.put("clientInfo", Map.of("name", "tollgate", "version", clientVersion));
        McpHttp.Reply reply = http.request(Session.NONE, message(id, "initialize", params), id, MAX_LIST_BYTES, timer, null,
                JsonMeter.NONE);
        Map<String, Object> result = result("initialize", reply.message());
        String version = result.get("protocolVersion") instanceof String v ? v : null;
        if (!VERSIONS.contains(version)) {
            throw protocol("speaks MCP revision '" + http.quote(String.valueOf(version)) + "'; the gateway speaks " + String.join(" and ", VERSIONS));
        }
        String sessionId = reply.sessionId();
        if (sessionId != null && !SESSION_ID.matcher(sessionId).matches()) throw protocol("gave a session id that is not visible ASCII");
        Map<String, Object> capabilities = Json.asObject(result.get("capabilities"));
        Session s = new Session(sessionId, version);
        Map<String, Object> initialized = new LinkedHashMap<>();
        initialized.put("jsonrpc", "2.0");
        initialized.put("method", "notifications/initialized");
        http.notify(s, initialized, timer);
        return new Opened(s, capabilities != null && capabilities.get("tools") != null);
    }

    private Map<String, Object> result(String method, Map<String, Object> response) throws McpException {
        Map<String, Object> error = Json.asObject(response.get("error"));
        if (error != null) {
            String msg = error.get("message") instanceof String m ? http.quote(m) : "no message";
            String code = error.get("code") instanceof JsonNumber n ? " (code " + n.text() + ")" : "";
            throw new McpException(Kind.RPC_ERROR, "the MCP server '" + server.name() + "' answered " + method + " with an error: " + msg + code);
        }
        Map<String, Object> result = Json.asObject(response.get("result"));
        if (result == null) throw protocol("answered " + method + " without a result object");
        return result;
    }

    private void notified(String method) {
        if (method.equals("notifications/tools/list_changed")) onToolsChanged.run();
    }

    /**
     * Basic/utilities §Cancellation: a request we stopped waiting for is cancelled with a notice
     * (the server may then stop the work), sent from a virtual thread of its own so that the
     * tool's caller is not kept past its deadline.
     */
    private void cancelled(Session s, long id, Kind why) {
        Map<String, Object> notice = new LinkedHashMap<>();
        notice.put("jsonrpc", "2.0");
        notice.put("method", "notifications/cancelled");
        notice.put("params", Map.of("requestId", JsonNumber.of(id), "reason", why == Kind.TIMEOUT ? "timeout" : "cancelled"));
        Thread.ofVirtual().name("tollgate-mcp-cancel").start(() -> {
            try (CallTimer t = CallTimer.start(System.nanoTime() + NOTICE_NANOS, null)) {
                http.notify(s, notice, t);
            } catch (McpException e) {
                // best effort: the server will finish or drop the work on its own
            }
        });
    }

    private static Map<String, Object> message(long id, String method, Map<String, Object> params) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jsonrpc", "2.0");
        m.put("id", JsonNumber.of(id));
        m.put("method", method);
        m.put("params", params);
        return m;
    }

    private McpException protocol(String what) {
        return new McpException(Kind.PROTOCOL, "the MCP server '" + server.name() + "' " + what);
    }
}

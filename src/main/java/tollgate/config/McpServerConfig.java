package tollgate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of the {@code mcp_servers} section (issue 12): a Model Context Protocol server
 * (streamable HTTP transport, JSON-RPC 2.0) whose tools the gateway offers as
 * {@code <name>.<tool>} and runs itself.
 *
 * @param name             the prefix of its tools' names ({@code [a-zA-Z0-9_-]{1,32}})
 * @param url              the server's MCP endpoint
 * @param token            sent as {@code Authorization: Bearer}, or null
 * @param headers          extra request headers (values may be secrets)
 * @param requiresApproval whether its tools need a human's approval, unless {@code tools} says otherwise
 * @param toolApproval     tool name → requires approval, overriding {@code requiresApproval}
 * @param keys             client keys that may use its tools; {@code ["*"]} for every key
 * @param timeout          one tool call's time limit
 * @param maxOutputBytes   cap on what one call returns to the model
 */
public record McpServerConfig(String name, String url, String token, Map<String, String> headers, boolean requiresApproval,
                              Map<String, Boolean> toolApproval, List<String> keys, Duration timeout, int maxOutputBytes) {

    public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,32}");
    static final List<String> KEYS = List.of("name", "url", "token", "headers", "requires_approval", "tools", "keys", "timeout_ms",
            "max_output_bytes");
    static final List<String> TOOL_KEYS = List.of("requires_approval");
    /**
     * Headers a configured header may not set: those the JDK client refuses to take
     * ({@code HttpRequest.Builder.header}) and those the MCP transport sets itself.
     */
    static final Set<String> RESERVED_HEADERS = Set.of("connection", "content-length", "expect", "host", "upgrade", "accept",
            "content-type", "mcp-session-id", "mcp-protocol-version");
    /** RFC 9110 §5.1: a field name is a token. */
    static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}");

    /** Whether the tool {@code tool} of this server needs approval. */
    public boolean approvalFor(String tool) {
        return toolApproval.getOrDefault(tool, requiresApproval);
    }

    /** Whether {@code keyName} may use this server's tools. */
    public boolean allows(String keyName) {
        return keys.contains("*") || (keyName != null && keys.contains(keyName));
    }

    /** Without the token and header values. */
    @Override
    public String toString() {
        return "McpServerConfig[name=" + name + ", url=" + url + ", token=" + (token == null ? "null" : "(hidden)") + ", headers="
                + headers.keySet() + ", requiresApproval=" + requiresApproval + ", toolApproval=" + toolApproval + ", keys=" + keys + "]";
    }

    private static void checkHeaders(ConfigReader r, String p, Map<String, String> headers, boolean token) {
        for (var e : headers.entrySet()) {
            String hp = p + ".headers." + e.getKey();
            String lower = e.getKey().toLowerCase(java.util.Locale.ROOT);
            if (!HEADER_NAME.matcher(e.getKey()).matches()) throw r.fail(hp, "expected a header name (letters, digits, '-' and the like)");
            if (RESERVED_HEADERS.contains(lower)) throw r.fail(hp, "is set by the gateway itself; remove it");
            if (lower.equals("authorization") && token) throw r.fail(hp, "conflicts with " + p + ".token; set one of them");
            // The value may be a secret: say what is wrong with it without quoting it.
            if (e.getValue().chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7F)) throw r.fail(hp, "has a control character in its value");
        }
    }

    static List<McpServerConfig> readAll(ConfigReader r, Map<String, Object> top, List<ToolConfig> tools) {
        List<Object> list = r.array(top, "", "mcp_servers");
        if (list == null) return List.of();
        Set<String> names = new HashSet<>();
        List<McpServerConfig> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String p = ConfigReader.index("mcp_servers", i);
            Object entry = list.get(i);
            // Each server on its own, so that one problem does not hide the next.
            McpServerConfig server = r.attempt(() -> read(r, p, entry, names), null);
            if (server != null) out.add(server);
        }
        return List.copyOf(out);
    }

    /** {@code mcp_servers[i]} at {@code p}; {@code names} holds the names taken so far. */
    private static McpServerConfig read(ConfigReader r, String p, Object entry, Set<String> names) {
        Map<String, Object> m = r.object(p, entry, KEYS);
        String name = r.requiredString(m, p, "name");
        if (!NAME.matcher(name).matches()) {
            throw r.fail(p + ".name", "expected 1-32 letters, digits, '_' or '-', got " + ConfigReader.quote(name));
        }
        if (!names.add(name)) throw r.fail(p + ".name", "duplicate MCP server name " + ConfigReader.quote(name));
        String url = ToolConfig.url(r, p + ".url", r.requiredString(m, p, "url"));
        String token = m.get("token") == null ? null : r.secret(p + ".token", m.get("token"));
        Map<String, String> headers = ToolConfig.headers(r, m, p);
        checkHeaders(r, p, headers, token != null);
        boolean approval = r.bool(m, p, "requires_approval", false);
        Map<String, Boolean> perTool = new LinkedHashMap<>();
        if (m.get("tools") != null) {
            Map<String, Object> t = r.object(p + ".tools", m.get("tools"), null);
            for (var e : t.entrySet()) {
                String tp = p + ".tools." + e.getKey();
                perTool.put(e.getKey(), r.bool(r.object(tp, e.getValue(), TOOL_KEYS), tp, "requires_approval", approval));
            }
        }
        List<String> keys = ToolConfig.keys(r, m, p);
        Duration timeout = r.millis(m, p, "timeout_ms", ToolConfig.DEFAULT_TIMEOUT.toMillis(), 100, ConfigLoader.MAX_MILLIS);
        int maxOutput = (int) r.integer(m, p, "max_output_bytes", ToolConfig.DEFAULT_MAX_OUTPUT_BYTES, 256,
                ToolConfig.MAX_MAX_OUTPUT_BYTES);
        return new McpServerConfig(name, url, token, headers, approval, java.util.Collections.unmodifiableMap(perTool), keys,
                timeout, maxOutput);
    }
}

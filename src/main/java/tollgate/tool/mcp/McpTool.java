package tollgate.tool.mcp;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.config.McpServerConfig;
import tollgate.json.Json;
import tollgate.log.Log;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolInvocation;
import tollgate.tool.ToolOutput;

/**
 * One tool of an MCP server as a {@link GatewayTool}: named {@code <server>.<tool>}, described
 * and typed as the server says (the schema sanitized), approval and keys from the server's
 * config, run by {@code tools/call} on the server's {@link McpClient}.
 */
final class McpTool implements GatewayTool {
    /** Longest description given to the model (it is in the prompt of every request offering the tool). */
    static final int MAX_DESCRIPTION_CHARS = 4096;
    /** Largest input schema given to the model, as JSON; a larger one is replaced by the empty object schema. */
    static final int MAX_SCHEMA_BYTES = 64 * 1024;

    private final McpServerConfig server;
    private final McpClient client;
    private final String tool;
    private final String name;
    private final String description;
    private final Map<String, Object> parameters;

    McpTool(McpClient client, McpClient.ToolSpec spec) {
        this.client = client;
        this.server = client.server();
        this.tool = spec.name();
        this.name = server.name() + "." + spec.name();
        this.description = describe(server.name(), spec);
        this.parameters = schema(spec.inputSchema());
    }

    @Override public String name() { return name; }

    @Override public String description() { return description; }

    @Override public Map<String, Object> parameters() { return parameters; }

    @Override public boolean requiresApproval() { return server.approvalFor(tool); }

    @Override public boolean allows(String keyName) { return server.allows(keyName); }

    /** The tool's name on its server. */
    String tool() { return tool; }

    @Override
    public ToolOutput run(ToolInvocation call) {
        // The invocation's deadline already holds the server's timeout (GatewayTool's contract); cut by it again all the same.
        long deadline = Math.min(call.deadlineNanos(), System.nanoTime() + server.timeout().toNanos());
        try (CallTimer timer = CallTimer.start(deadline, call.cancellation())) {
            return McpResults.output(client.callTool(tool, call.arguments(), timer), server.maxOutputBytes(), client::scrub);
        } catch (McpException e) {
            return McpResults.failure(e, server.maxOutputBytes());
        } catch (RuntimeException e) {
            // The contract: never throw for a failed call. A bug of ours is logged, and the model told little.
            Log.error("mcp_call_failed", "tool", name, "request_id", call.requestId(), "error", e.getClass().getName());
            return ToolOutput.error("the call to the MCP server '" + server.name() + "' failed inside the gateway");
        }
    }

    private static String describe(String server, McpClient.ToolSpec spec) {
        String d = spec.description() != null && !spec.description().isBlank() ? spec.description()
                : spec.title() != null && !spec.title().isBlank() ? spec.title()
                : "The tool " + spec.name() + " of the MCP server " + server + ".";
        return d.length() <= MAX_DESCRIPTION_CHARS ? d : d.substring(0, MAX_DESCRIPTION_CHARS) + "…";
    }

    /**
     * The server's {@code inputSchema} if it is an object schema ({@code "type": "object"}, as
     * server/tools §Tool requires) whose {@code properties}, if any, are an object, and not over
     * {@link #MAX_SCHEMA_BYTES}; else {@code {"type": "object"}} (the model may then call it with
     * any object, and the server judges).
     */
    static Map<String, Object> schema(Object inputSchema) {
        Map<String, Object> s = Json.asObject(inputSchema);
        boolean ok = s != null && "object".equals(s.get("type"))
                && (s.get("properties") == null || Json.asObject(s.get("properties")) != null)
                && Json.toBytes(s).length <= MAX_SCHEMA_BYTES;
        if (!ok) {
            Map<String, Object> empty = new LinkedHashMap<>();
            empty.put("type", "object");
            return java.util.Collections.unmodifiableMap(empty);
        }
        return java.util.Collections.unmodifiableMap(s);
    }

    @Override
    public String toString() { return "McpTool[" + name + "]"; }
}

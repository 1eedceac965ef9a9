package tollgate.tool.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.McpServerConfig;
import tollgate.json.Json;
import tollgate.log.Log;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;
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
    /**
     * Most bytes of input schemas (as JSON) one server's tools keep in all, in the listing's
     * order; a schema past it is replaced by the empty object schema. A schema is kept as a tree
     * for as long as the server is configured, ~35 times its JSON (256 tools of 64 KiB were
     * ~560 MiB of heap), and is in the prompt of every request offering the server's tools. A
     * large real server (a hundred tools) lists some 200 KiB.
     */
    static final int MAX_SERVER_SCHEMA_BYTES = 1024 * 1024;
    private static final Map<String, Object> EMPTY_SCHEMA = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Map.of("type", "object")));

    private final McpServerConfig server;
    private final McpClient client;
    private final String tool;
    private final String name;
    private final String description;
    private final Map<String, Object> parameters;
    /** Bytes of {@link #parameters} as JSON when they are the server's schema, else 0. */
    private final int schemaBytes;

    /** @param schemaBudget bytes of schema this tool may keep (what the server's tools before it left) */
    private McpTool(McpClient client, McpClient.ToolSpec spec, long schemaBudget) {
        this.client = client;
        this.server = client.server();
        this.tool = spec.name();
        this.name = server.name() + "." + spec.name();
        this.description = describe(server.name(), spec);
        Map<String, Object> s = schema(spec.inputSchema());
        int size = s == EMPTY_SCHEMA ? 0 : Json.toBytes(s).length;
        boolean fits = size <= schemaBudget;
        this.parameters = fits ? s : EMPTY_SCHEMA;
        this.schemaBytes = fits ? size : 0;
    }

    /**
     * The tools of one listing, in its order, their schemas {@link #MAX_SERVER_SCHEMA_BYTES} in
     * all at most: a schema that does not fit in what the ones before it left is replaced by the
     * empty object schema (a smaller one after it may still fit).
     */
    static List<McpTool> fromListing(McpClient client, List<McpClient.ToolSpec> specs) {
        List<McpTool> tools = new ArrayList<>(specs.size());
        long left = MAX_SERVER_SCHEMA_BYTES;
        for (McpClient.ToolSpec spec : specs) {
            McpTool t = new McpTool(client, spec, left);
            left -= t.schemaBytes;
            tools.add(t);
        }
        return tools;
    }

    /** Whether the server gave an object schema that was replaced because the server's budget ran out. */
    boolean schemaOverBudget(McpClient.ToolSpec spec) {
        return parameters == EMPTY_SCHEMA && schema(spec.inputSchema()) != EMPTY_SCHEMA;
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
        // The answer (up to 1 MiB or more) and its tree (tens of times its bytes for small numbers) are held in the gateway's budget.
        try (Reservation memory = client.budget().open(); CallTimer timer = CallTimer.start(deadline, call.cancellation())) {
            return McpResults.output(client.callTool(tool, call.arguments(), timer, memory), server.maxOutputBytes(), client::scrub);
        } catch (McpException e) {
            return McpResults.failure(e, server.maxOutputBytes());
        } catch (BudgetExceededException e) {
            return ToolOutput.error("the gateway is short of memory for the answer of the MCP server '" + server.name() + "'; try again shortly");
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
        return ok ? java.util.Collections.unmodifiableMap(s) : EMPTY_SCHEMA;
    }

    @Override
    public String toString() { return "McpTool[" + name + "]"; }
}

package tollgate.tool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every gateway tool there is now: the configured ones and those of each MCP server, replaced per
 * server when its tools are discovered again. Reads take a snapshot and never block; a request
 * resolves its {@code {"type": "gateway", "name": ...}} entries once, so a rediscovery in the
 * middle of its loop does not change the tools it offered.
 */
public final class ToolBox {
    private final Map<String, GatewayTool> configured;
    /** The MCP servers' tools: shared with the boxes {@link #withConfigured} makes, so that discovery fills them all. */
    private final AtomicReference<Map<String, List<GatewayTool>>> byServer;

    public ToolBox(Collection<? extends GatewayTool> configured) {
        this(configured, new AtomicReference<>(Map.of()));
    }

    private ToolBox(Collection<? extends GatewayTool> configured, AtomicReference<Map<String, List<GatewayTool>>> byServer) {
        Map<String, GatewayTool> m = new LinkedHashMap<>();
        for (GatewayTool t : configured) m.put(t.name(), t);
        this.configured = java.util.Collections.unmodifiableMap(m); // in config order (Map.copyOf has none)
        this.byServer = byServer;
    }

    /**
     * A box with other configured tools and the same MCP servers' tools as this one, kept the
     * same as discovery replaces them (a config reload whose {@code mcp_servers} did not change,
     * issue 13).
     */
    public ToolBox withConfigured(Collection<? extends GatewayTool> configured) {
        return new ToolBox(configured, byServer);
    }

    /** The tool named {@code name} ({@code <server>.<tool>} for an MCP tool), or null. */
    public GatewayTool find(String name) {
        GatewayTool t = configured.get(name);
        if (t != null) return t;
        int dot = name.indexOf('.');
        if (dot < 0) return null;
        List<GatewayTool> tools = byServer.get().get(name.substring(0, dot));
        if (tools == null) return null;
        for (GatewayTool g : tools) if (g.name().equals(name)) return g;
        return null;
    }

    /** Every tool of the MCP server {@code server} (for {@code "<server>.*"}), or null when no such server is known. */
    public List<GatewayTool> server(String server) {
        return byServer.get().get(server);
    }

    /**
     * Replaces the tools of one MCP server (after its discovery); an empty list when it has none
     * or has not answered yet: {@code tool.mcp.McpDiscovery} adds every configured server so at
     * start-up, so {@link #server} tells a configured server with nothing to offer now from an
     * unknown one.
     */
    public void replaceServer(String server, List<GatewayTool> tools) {
        List<GatewayTool> copy = List.copyOf(tools);
        byServer.updateAndGet(old -> {
            Map<String, List<GatewayTool>> m = new LinkedHashMap<>(old);
            m.put(server, copy);
            return java.util.Collections.unmodifiableMap(m); // in the order servers were first added (config order), for all()
        });
    }

    /** Every tool there is now, configured first. */
    public List<GatewayTool> all() {
        List<GatewayTool> all = new ArrayList<>(configured.values());
        for (List<GatewayTool> l : byServer.get().values()) all.addAll(l);
        return all;
    }
}

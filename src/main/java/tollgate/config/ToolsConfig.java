package tollgate.config;

import java.util.List;
import java.util.Map;

/**
 * What issue 12 adds to the config: the {@code agent} section, the {@code tools} the gateway
 * runs and the {@code mcp_servers} whose tools it offers.
 */
public record ToolsConfig(AgentConfig agent, List<ToolConfig> tools, List<McpServerConfig> mcpServers) {

    /** No {@code agent}, {@code tools} or {@code mcp_servers}: the loop's default bounds and no gateway tools. */
    public static final ToolsConfig DEFAULTS = new ToolsConfig(AgentConfig.DEFAULTS, List.of(), List.of());

    static ToolsConfig read(ConfigReader r, Map<String, Object> top) {
        List<ToolConfig> tools = ToolConfig.readAll(r, top);
        return new ToolsConfig(AgentConfig.read(r, top), tools, McpServerConfig.readAll(r, top, tools));
    }
}

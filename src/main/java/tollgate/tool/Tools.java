package tollgate.tool;

import java.util.ArrayList;
import java.util.List;
import tollgate.account.Accounts;
import tollgate.config.GatewayConfig;
import tollgate.route.ServiceDispatcher;

/**
 * Builds the gateway's tools from the config ({@code tools}; {@code mcp_servers} are discovered
 * by {@code tool.mcp}), failing at start-up with the offending value.
 */
public final class Tools {
    private Tools() { throw new AssertionError(); }

    /**
     * The configured tools (those not enabled left out).
     *
     * @param services the pipeline image generation calls its model through
     * @param accounts where a tool's cost is charged
     */
    public static ToolBox build(GatewayConfig config, ServiceDispatcher services, Accounts accounts) {
        List<GatewayTool> tools = new ArrayList<>();
        // issue 12: one GatewayTool per enabled config.tools().tools() entry, by type.
        return new ToolBox(tools);
    }
}

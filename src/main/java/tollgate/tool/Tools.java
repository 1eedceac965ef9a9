package tollgate.tool;

import java.util.ArrayList;
import java.util.List;
import tollgate.account.Accounts;
import tollgate.config.GatewayConfig;
import tollgate.config.ToolConfig;
import tollgate.memory.MemoryBudget;
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
     * @param budget   the gateway's memory budget, which a tool's upstream answers are held in
     */
    public static ToolBox build(GatewayConfig config, ServiceDispatcher services, Accounts accounts, MemoryBudget budget) {
        List<GatewayTool> tools = new ArrayList<>();
        for (ToolConfig t : config.tools().tools()) {
            if (!t.enabled()) continue;
            switch (t.type()) {
                case "image_generation" -> tools.add(new ImageTool(t, services, accounts, budget));
                default -> { } // issue 12: http, web_search, python
            }
        }
        return new ToolBox(tools);
    }
}

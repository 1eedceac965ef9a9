package tollgate.tool;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.account.Accounts;
import tollgate.config.ConfigException;
import tollgate.config.GatewayConfig;
import tollgate.config.ToolConfig;
import tollgate.log.Log;
import tollgate.memory.MemoryBudget;
import tollgate.provider.Upstream;
import tollgate.route.ServiceDispatcher;
import tollgate.schema.SchemaValidator;

/**
 * Builds the gateway's tools from the config ({@code tools}; {@code mcp_servers} are discovered
 * by {@code tool.mcp}), failing at start-up with the offending value.
 */
public final class Tools {
    private Tools() { throw new AssertionError(); }

    /**
     * The configured tools (those not enabled left out). A python tool is probed here, once: see
     * {@link PythonHost}.
     *
     * @param services the pipeline image generation calls its model through
     * @param accounts where a tool's cost is charged
     * @param upstream the gateway's one outbound HTTP client (http and web_search tools)
     * @param budget   the gateway's memory budget, which image and web_search tools' upstream answers are held in
     * @throws ConfigException naming {@code tools[i]} when a tool cannot work here
     */
    public static ToolBox build(GatewayConfig config, ServiceDispatcher services, Accounts accounts, Upstream upstream,
                                MemoryBudget budget) {
        List<GatewayTool> tools = new ArrayList<>();
        List<ToolConfig> configured = config.tools().tools();
        for (int i = 0; i < configured.size(); i++) {
            ToolConfig t = configured.get(i);
            if (!t.enabled()) continue;
            String where = "tools[" + i + "]";
            if (t.parameters() != null) {
                // Arguments are checked against the schema before a call; say at start-up what cannot be checked.
                List<String> problems = SchemaValidator.check(t.parameters());
                if (!problems.isEmpty()) Log.warn("tool_schema", "tool", t.name(), "path", where + ".parameters", "not_checked", problems);
            }
            switch (t.type()) {
                case "http" -> {
                    checkHeaders(t, where);
                    tools.add(new HttpTool(t, upstream));
                }
                case "web_search" -> {
                    checkHeaders(t, where);
                    tools.add(new WebSearchTool(t, upstream, budget));
                }
                case "python" -> tools.add(new PythonTool(t, PythonHost.probe(t, where)));
                case "image_generation" -> tools.add(new ImageTool(t, services, accounts, budget));
                default -> throw new ConfigException(where + ".type: unknown tool type \"" + t.type() + "\"");
            }
        }
        return new ToolBox(tools);
    }

    /** Headers the JDK client refuses to send ({@code host}, {@code content-length}, ...) or values it cannot: named at start-up, not per call. */
    static void checkHeaders(ToolConfig t, String where) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.url()));
        for (Map.Entry<String, String> h : t.headers().entrySet()) {
            try {
                b.header(h.getKey(), h.getValue());
            } catch (IllegalArgumentException e) {
                // The JDK's message quotes the value, which may be a secret: name the header only.
                throw new ConfigException(where + ".headers." + h.getKey() + ": a header the gateway cannot send"
                        + " (a restricted name such as host or content-length, or a value with a line break)");
            }
        }
    }
}

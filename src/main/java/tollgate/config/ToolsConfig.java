package tollgate.config;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What issue 12 adds to the config: the {@code agent} section, the {@code tools} the gateway
 * runs and the {@code mcp_servers} whose tools it offers.
 */
public record ToolsConfig(AgentConfig agent, List<ToolConfig> tools, List<McpServerConfig> mcpServers) {

    /** No {@code agent}, {@code tools} or {@code mcp_servers}: the loop's default bounds and no gateway tools. */
    public static final ToolsConfig DEFAULTS = new ToolsConfig(AgentConfig.DEFAULTS, List.of(), List.of());

    /**
     * An image's {@code size}: {@code auto} or {@code WIDTHxHEIGHT} (OpenAI's sizes; newer models
     * take any multiple of 16). The one rule for an image tool's configured size, its call's
     * {@code size} argument and {@code POST /images/generations}' {@code size}.
     */
    public static final Pattern IMAGE_SIZE = Pattern.compile("auto|[1-9][0-9]{1,4}x[1-9][0-9]{1,4}");

    /** @param models the catalog, which an {@code image_generation} tool's model must be in, with capability {@code images} */
    static ToolsConfig read(ConfigReader r, Map<String, Object> top, List<ModelConfig> models) {
        List<ToolConfig> tools = ToolConfig.readAll(r, top);
        List<Object> written = r.array(top, "", "tools");
        for (ToolConfig t : tools) {
            if (!t.type().equals("image_generation")) continue;
            // By name: a broken tool before this one is not in the list, so list positions may differ.
            int i = 0;
            while (i < written.size() && !(written.get(i) instanceof Map<?, ?> w && t.name().equals(w.get("name")))) i++;
            String p = ConfigReader.index("tools", i);
            r.attempt(() -> {
                checkImageTool(r, p, t, models);
                return t;
            }, null);
        }
        // The agent section on its own, so that a problem in it does not hide those of mcp_servers.
        AgentConfig agent = r.attempt(() -> AgentConfig.read(r, top), AgentConfig.DEFAULTS);
        return new ToolsConfig(agent, tools, McpServerConfig.readAll(r, top, tools));
    }

    /** An image tool's model is a catalog model with capability {@code images} (without one named, some model has it). */
    private static void checkImageTool(ConfigReader r, String p, ToolConfig t, List<ModelConfig> models) {
        if (!IMAGE_SIZE.matcher(t.size()).matches()) {
            throw r.fail(p + ".size", "expected \"auto\" or WIDTHxHEIGHT in pixels such as \"1024x1024\", got "
                    + ConfigReader.quote(t.size()));
        }
        if (t.model() == null) {
            if (models.stream().noneMatch(m -> m.capabilities().contains("images"))) {
                ConfigException e = r.fail(p + ".model", "no model has the \"images\" capability: configure one, or name the tool's model");
                throw r.anyBroken("model") ? e.asConsequence() : e; // the broken model may be the one
            }
            return;
        }
        ModelConfig m = models.stream().filter(c -> c.id().equals(t.model())).findFirst().orElse(null);
        if (m == null) throw r.missing(p + ".model", "model", t.model(), "no model " + ConfigReader.quote(t.model()) + " is configured");
        if (!m.capabilities().contains("images")) {
            throw r.fail(p + ".model", "model " + ConfigReader.quote(t.model()) + " has no \"images\" capability (it has: "
                    + String.join(", ", m.capabilities()) + ")");
        }
    }
}

package tollgate.tool;

import java.util.Map;
import tollgate.config.ToolConfig;

/**
 * What every tool declared in the config's {@code tools} shares: its name, what the model is told
 * about it, its arguments' schema (the configured one, else the type's own), approval, and which
 * keys may use it, all from its {@link ToolConfig}.
 */
abstract class ConfiguredTool implements GatewayTool {
    final ToolConfig config;
    private final String description;
    private final Map<String, Object> parameters;

    /**
     * @param description the type's own description, used when the config gives none
     * @param parameters  the type's own arguments schema, used when the config gives none
     */
    ConfiguredTool(ToolConfig config, String description, Map<String, Object> parameters) {
        this.config = config;
        this.description = config.description() != null ? config.description() : description;
        this.parameters = config.parameters() != null ? config.parameters() : parameters;
    }

    @Override public final String name() { return config.name(); }

    @Override public final String description() { return description; }

    @Override public final Map<String, Object> parameters() { return parameters; }

    @Override public final boolean requiresApproval() { return config.requiresApproval(); }

    @Override public final boolean allows(String keyName) { return config.allows(keyName); }

    /** The deadline of one call: the invocation's, cut by this tool's own timeout from now. */
    final long deadline(ToolInvocation call) {
        return Math.min(call.deadlineNanos(), System.nanoTime() + config.timeout().toNanos());
    }

    /** Text for the model, capped to {@code max_output_bytes} (the contract). */
    final String capped(String text) {
        return ToolText.cap(text, config.maxOutputBytes());
    }
}

package tollgate.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole checked configuration. Built by {@link ConfigLoader}; every value in it has already
 * been validated, so the rest of the gateway never re-checks it.
 *
 * @param server    the {@code server} section
 * @param dataDir   directory for state the gateway keeps (the generated key's hash)
 * @param keys      client keys from the config (may be empty: one is then generated)
 * @param providers by id, in config order
 * @param models    in config order
 * @param router    the {@code router} section
 * @param groups    model groups, in config order
 * @param accounts  the {@code accounts} section (credits, admin token)
 * @param speech    the {@code speech} section (uploads, voices)
 * @param fim       the {@code fim} section (fill-in-the-middle)
 * @param voice     the {@code voice} section (realtime voice sessions)
 * @param tools     the {@code agent}, {@code tools} and {@code mcp_servers} sections (gateway-run tools, approvals, tasks)
 * @param ops       metrics, TLS, CORS and telemetry (issue 13)
 */
public record GatewayConfig(
        ServerConfig server,
        Path dataDir,
        List<KeyConfig> keys,
        Map<String, ProviderConfig> providers,
        List<ModelConfig> models,
        RouterConfig router,
        List<GroupConfig> groups,
        AccountsConfig accounts,
        SpeechConfig speech,
        FimConfig fim,
        VoiceConfig voice,
        ToolsConfig tools,
        OpsConfig ops) {

    /** A config without the operations sections (their defaults). */
    public GatewayConfig(ServerConfig server, Path dataDir, List<KeyConfig> keys, Map<String, ProviderConfig> providers,
                         List<ModelConfig> models, RouterConfig router, List<GroupConfig> groups, AccountsConfig accounts,
                         SpeechConfig speech, FimConfig fim, VoiceConfig voice, ToolsConfig tools) {
        this(server, dataDir, keys, providers, models, router, groups, accounts, speech, fim, voice, tools, OpsConfig.DEFAULTS);
    }

    /** A config without gateway tools. */
    public GatewayConfig(ServerConfig server, Path dataDir, List<KeyConfig> keys, Map<String, ProviderConfig> providers,
                         List<ModelConfig> models, RouterConfig router, List<GroupConfig> groups, AccountsConfig accounts,
                         SpeechConfig speech, FimConfig fim, VoiceConfig voice) {
        this(server, dataDir, keys, providers, models, router, groups, accounts, speech, fim, voice, ToolsConfig.DEFAULTS);
    }

    /** A config without a {@code voice} section: the defaults, every policy naming the catalog's realtime models. */
    public GatewayConfig(ServerConfig server, Path dataDir, List<KeyConfig> keys, Map<String, ProviderConfig> providers,
                         List<ModelConfig> models, RouterConfig router, List<GroupConfig> groups, AccountsConfig accounts,
                         SpeechConfig speech, FimConfig fim) {
        this(server, dataDir, keys, providers, models, router, groups, accounts, speech, fim,
                VoiceConfig.defaults(models.stream().filter(m -> m.capabilities().contains("realtime")).map(ModelConfig::id).toList()));
    }

    /** A config without a {@code fim} section. */
    public GatewayConfig(ServerConfig server, Path dataDir, List<KeyConfig> keys, Map<String, ProviderConfig> providers,
                         List<ModelConfig> models, RouterConfig router, List<GroupConfig> groups, AccountsConfig accounts,
                         SpeechConfig speech) {
        this(server, dataDir, keys, providers, models, router, groups, accounts, speech, FimConfig.DEFAULTS);
    }

    /** A config without a {@code speech} section. */
    public GatewayConfig(ServerConfig server, Path dataDir, List<KeyConfig> keys, Map<String, ProviderConfig> providers,
                         List<ModelConfig> models, RouterConfig router, List<GroupConfig> groups, AccountsConfig accounts) {
        this(server, dataDir, keys, providers, models, router, groups, accounts, SpeechConfig.DEFAULTS);
    }

    /** A config without an {@code accounts} section (tests). */
    public GatewayConfig(ServerConfig server, Path dataDir, List<KeyConfig> keys, Map<String, ProviderConfig> providers,
                         List<ModelConfig> models, RouterConfig router, List<GroupConfig> groups) {
        this(server, dataDir, keys, providers, models, router, groups, AccountsConfig.DEFAULTS);
    }
}

package tollgate.route;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import tollgate.config.ModelConfig;
import tollgate.config.ProviderConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.ChatProvider;
import tollgate.provider.Provider;

/**
 * Resolves the model a client asked for to a {@link Route}. Two forms are accepted:
 * <ol>
 *   <li>a configured model id ({@code gpt-4o-mini}, {@code echo});</li>
 *   <li>{@code <provider>/<upstream model>} ({@code openai/gpt-4.1}), which reaches any model of
 *       an enabled provider without listing it (seed 002 names models this way); its context
 *       length and pricing are unknown.</li>
 * </ol>
 * Policy routing ({@code neo-mode/…}) and model groups ({@code group:<uuid>}) come later and
 * will resolve to an ordered list of routes. Built once at start-up; lookups are one hash probe.
 */
public final class ModelRouter {
    private final Map<String, ModelConfig> models = new HashMap<>();
    private final Map<String, ProviderConfig> providerConfigs;
    private final Map<String, Provider> providers;

    /**
     * @param models          configured models
     * @param providerConfigs every configured provider, enabled or not
     * @param providers       the running providers (enabled ones only), by id
     */
    public ModelRouter(Iterable<ModelConfig> models, Map<String, ProviderConfig> providerConfigs, Map<String, Provider> providers) {
        for (ModelConfig m : models) this.models.put(m.id(), m);
        this.providerConfigs = providerConfigs;
        this.providers = providers;
    }

    public Route resolve(String model) {
        ModelConfig configured = models.get(model);
        if (configured != null) return route(configured.provider(), configured, model);
        int slash = model.indexOf('/');
        if (slash > 0 && slash < model.length() - 1) {
            String providerId = model.substring(0, slash);
            if (providerConfigs.containsKey(providerId)) {
                String upstream = model.substring(slash + 1);
                ModelConfig adHoc = new ModelConfig(model, providerId, upstream, upstream, 0, null, null,
                        Set.of("tools", "vision", "json", "stream"), 0, 0);
                return route(providerId, adHoc, model);
            }
        }
        throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "The model '" + clip(model)
                + "' does not exist on this gateway. GET /v1/models lists the models it serves.", "model");
    }

    /** Longest model name quoted back in an error, in chars: a client's 30 MB name is not echoed. */
    static final int MAX_QUOTED_MODEL_CHARS = 256;

    private static String clip(String model) {
        return model.length() <= MAX_QUOTED_MODEL_CHARS ? model : model.substring(0, MAX_QUOTED_MODEL_CHARS) + "…";
    }

    private Route route(String providerId, ModelConfig model, String asked) {
        Provider provider = providers.get(providerId);
        if (provider == null) {
            ProviderConfig cfg = providerConfigs.get(providerId);
            String why = cfg != null && cfg.disabledReason() != null ? cfg.disabledReason() : "it is disabled";
            throw new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED,
                    "The model '" + clip(asked) + "' is served by provider '" + providerId + "', which is not enabled: " + why + ".", "model");
        }
        if (!(provider instanceof ChatProvider chat)) {
            throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST,
                    "Provider '" + providerId + "' (" + provider.kind() + ") does not serve chat completions.", "model");
        }
        if (model.contextLength() == 0 && chat.defaultContextLength() > 0) {
            model = new ModelConfig(model.id(), model.provider(), model.upstreamModel(), model.name(),
                    chat.defaultContextLength(), model.promptPrice(), model.completionPrice(), model.capabilities(),
                    model.created(), model.maxOutputTokens());
        }
        return new Route(model, chat);
    }
}

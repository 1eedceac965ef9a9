package tollgate.catalog;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One model the gateway can send requests to.
 *
 * @param id              what clients send and see ({@code gpt-4o-mini}), or
 *                        {@code <provider>/<upstream>} for a model reached without a catalog entry
 * @param name            display name for {@code GET /models}
 * @param provider        the id of the provider that serves it
 * @param upstream        the model name sent upstream
 * @param contextLength   the context window in tokens; 0 when unknown
 * @param maxOutputTokens the {@code max_tokens} sent when the client gives none and the upstream
 *                        requires one (Anthropic); 0 when not configured
 * @param pricing         USD per token (and per audio minute, character, image)
 * @param capabilities    a subset of {@link #CAPABILITIES}
 * @param quality         score per task, for the policies
 * @param created         epoch seconds shown in {@code GET /models}
 */
public record Model(
        String id,
        String name,
        String provider,
        String upstream,
        long contextLength,
        long maxOutputTokens,
        Pricing pricing,
        Set<String> capabilities,
        Quality quality,
        long created) {

    /** Capabilities a model may declare, in the order error messages list them. */
    public static final List<String> CAPABILITIES = tollgate.config.ModelConfig.CAPABILITIES;
    /** Capabilities of a model whose config lists none. */
    public static final Set<String> DEFAULT_CAPABILITIES = tollgate.config.ModelConfig.DEFAULT_CAPABILITIES;
    /** Capabilities assumed for a chat model reached without a catalog entry: the upstream decides. */
    public static final Set<String> ALL_CAPABILITIES = chatCapabilities();

    private static Set<String> chatCapabilities() {
        Set<String> all = new LinkedHashSet<>(CAPABILITIES);
        all.removeAll(tollgate.config.ModelConfig.NON_CHAT_CAPABILITIES);
        return Collections.unmodifiableSet(all);
    }

    public boolean has(String capability) { return capabilities.contains(capability); }

    /** A model reached as {@code <provider>/<upstream>}: nothing known but what the provider says. */
    public static Model adHoc(String provider, String upstream, long contextLength) {
        return new Model(provider + "/" + upstream, upstream, provider, upstream, contextLength, 0, Pricing.UNKNOWN,
                ALL_CAPABILITIES, Quality.uniform(Quality.UNSCORED), 0);
    }

    /**
     * A model reached as {@code <provider>/<upstream>} for a call that needs {@code capability}
     * (fim, stt, tts, ...): nothing known but that the client asked it of this upstream.
     */
    public static Model adHoc(String provider, String upstream, String capability) {
        return new Model(provider + "/" + upstream, upstream, provider, upstream, 0, 0, Pricing.UNKNOWN,
                Set.of(capability), Quality.uniform(Quality.UNSCORED), 0);
    }

    /** The same model with another context window (a provider's default filled in). */
    public Model withContextLength(long tokens) {
        return new Model(id, name, provider, upstream, tokens, maxOutputTokens, pricing, capabilities, quality, created);
    }
}

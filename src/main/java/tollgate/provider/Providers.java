package tollgate.provider;

import tollgate.config.LocalKinds;
import tollgate.config.ProviderConfig;
import tollgate.provider.anthropic.AnthropicDialect;
import tollgate.provider.deepgram.DeepgramProvider;
import tollgate.provider.echo.EchoProvider;
import tollgate.provider.mistral.MistralDialect;
import tollgate.provider.openai.OpenAiDialect;

/** Creates the {@link Provider} for a configured upstream, by its kind. */
public final class Providers {
    private Providers() { throw new AssertionError(); }

    /**
     * @param upstream the gateway's shared HTTP client (unused by offline kinds)
     * @param watchdog the gateway's idle watchdog (unused by offline kinds)
     * @param secrets  what must never be relayed (every configured provider's secrets)
     * @throws IllegalArgumentException for a kind no provider implements, or a config the
     *                                  provider cannot use (the config loader checks kinds first)
     */
    public static Provider create(ProviderConfig cfg, Upstream upstream, IdleWatchdog watchdog, Secrets secrets) {
        return switch (cfg.kind()) {
            // The local kinds are names for the OpenAI-compatible kind: the same dialect and calls.
            case OpenAiDialect.KIND, LocalKinds.OLLAMA, LocalKinds.VLLM, LocalKinds.LLAMACPP ->
                    new HttpChatProvider(cfg, new OpenAiDialect(), upstream, watchdog, secrets);
            case AnthropicDialect.KIND -> new HttpChatProvider(cfg, new AnthropicDialect(), upstream, watchdog, secrets);
            case MistralDialect.KIND -> new HttpChatProvider(cfg, new MistralDialect(), upstream, watchdog, secrets);
            case EchoProvider.KIND -> new EchoProvider(cfg);
            case DeepgramProvider.KIND -> new DeepgramProvider(cfg, upstream, watchdog, secrets);
            default -> throw new IllegalArgumentException(
                    "provider '" + cfg.id() + "': unknown kind '" + cfg.kind() + "'");
        };
    }
}

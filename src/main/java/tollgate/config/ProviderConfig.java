package tollgate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One upstream from {@code providers} in the config.
 *
 * @param id             the config key, e.g. {@code openai}
 * @param kind           {@code openai}, {@code echo}, {@code deepgram}, ...
 * @param baseUrl        e.g. {@code https://api.openai.com/v1}; null for offline kinds
 * @param apiKey         the secret, after {@code ${VAR}} substitution; null when none. Never logged.
 * @param headers        extra headers sent on every upstream request
 * @param timeout        time allowed until the upstream's response headers arrive
 * @param idleTimeout    longest silence allowed between bytes of an upstream body or stream
 * @param deadline       longest a whole non-streaming call may take, headers and body
 * @param enabled        false when a required key or URL is unset
 * @param disabledReason why it is disabled (names the variable), or null
 * @param discover       whether the models it serves are fetched from it at start-up and on
 *                       reload ({@code discover}; default on for the local kinds, see {@link LocalKinds})
 */
public record ProviderConfig(
        String id,
        String kind,
        URI baseUrl,
        String apiKey,
        Map<String, String> headers,
        Duration timeout,
        Duration idleTimeout,
        Duration deadline,
        boolean enabled,
        String disabledReason,
        boolean discover) {

    /** Provider kinds the gateway implements, in the order error messages list them. */
    public static final List<String> KINDS =
            List.of("openai", "anthropic", "mistral", "echo", "deepgram", "ollama", "vllm", "llamacpp");
    /** Default for {@code timeout_ms} and {@code idle_timeout_ms}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** Default for {@code deadline_ms}: ten minutes, the OpenAI SDKs' own default timeout. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(10);

    /** A provider whose models are not discovered (every kind but the local ones, by default). */
    public ProviderConfig(String id, String kind, URI baseUrl, String apiKey, Map<String, String> headers, Duration timeout,
                          Duration idleTimeout, Duration deadline, boolean enabled, String disabledReason) {
        this(id, kind, baseUrl, apiKey, headers, timeout, idleTimeout, deadline, enabled, disabledReason, false);
    }

    @Override
    public String toString() {
        // Never print the key.
        return "ProviderConfig[id=" + id + ", kind=" + kind + ", baseUrl=" + baseUrl
                + ", enabled=" + enabled + ", discover=" + discover + "]";
    }
}

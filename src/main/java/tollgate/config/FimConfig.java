package tollgate.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code fim} section: fill-in-the-middle ({@code POST /fim/completions}, issue 10).
 *
 * @param maxTokens the most completion tokens one FIM request may ask for, in tokens: a larger
 *                  {@code max_tokens} is lowered to it, and a request without one is sent with it
 *                  (seed 002: "Maximum tokens (capped at 1000)")
 */
public record FimConfig(long maxTokens) {
    /** {@code fim.max_tokens} by default, in tokens (seed 002's cap). */
    public static final long DEFAULT_MAX_TOKENS = 1000;
    /** The largest {@code fim.max_tokens} accepted, in tokens: far beyond any code model's output window. */
    public static final long MAX_MAX_TOKENS = 1_000_000;

    public static final FimConfig DEFAULTS = new FimConfig(DEFAULT_MAX_TOKENS);

    /** Keys of the section. */
    static final List<String> KEYS = List.of("max_tokens");

    /** Reads {@code fim} from the config root; the defaults for what is absent. */
    static FimConfig read(ConfigReader r, Map<String, Object> top) {
        Map<String, Object> f = r.object(top, "", "fim", KEYS);
        return new FimConfig(r.integer(f, "fim", "max_tokens", DEFAULT_MAX_TOKENS, 1, MAX_MAX_TOKENS));
    }
}

package tollgate.provider.anthropic;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.json.JsonNumber;
import tollgate.provider.Usage;

/**
 * Anthropic's token counts of one message, accumulated from its {@code usage} objects
 * ({@code message_start}, then {@code message_delta}s whose counts are cumulative: the latest
 * value of each count wins — protocols.md §7), and their OpenAI form.
 *
 * <p>Anthropic's {@code input_tokens} excludes cached tokens; OpenAI's {@code prompt_tokens}
 * includes them, so {@code prompt_tokens = input + cache_read + cache_creation}, and
 * {@code prompt_tokens_details} says how many were read from and written to the cache.
 * Not thread-safe.
 */
final class AnthropicUsage {
    private long input, output, cacheRead, cacheCreation;
    private boolean known;

    /**
     * Takes the counts present in an Anthropic {@code usage} object; absent, null or malformed
     * counts keep their previous value. A non-object is ignored.
     */
    void read(Object usage) {
        if (!(usage instanceof Map<?, ?> u)) return;
        input = count(u.get("input_tokens"), input);
        output = count(u.get("output_tokens"), output);
        cacheRead = count(u.get("cache_read_input_tokens"), cacheRead);
        cacheCreation = count(u.get("cache_creation_input_tokens"), cacheCreation);
        known = true;
    }

    private static long count(Object v, long previous) {
        if (v instanceof JsonNumber n && n.isInteger()) {
            try {
                long c = n.longValue();
                return c >= 0 ? c : previous;
            } catch (NumberFormatException tooBig) {
                return previous;
            }
        }
        return previous;
    }

    /** Whether any usage object was read. */
    boolean known() { return known; }

    long promptTokens() { return input + cacheRead + cacheCreation; }

    /** The gateway's usage, or {@link Usage#NONE} when none was read. */
    Usage toUsage() {
        if (!known) return Usage.NONE;
        long prompt = promptTokens();
        return new Usage(prompt, output, prompt + output);
    }

    /**
     * OpenAI's {@code usage} object: {@code prompt_tokens}, {@code completion_tokens},
     * {@code total_tokens}, and {@code prompt_tokens_details} with {@code cached_tokens} (cache
     * reads) and {@code cache_creation_tokens} (cache writes), zeros when Anthropic gave none.
     */
    Map<String, Object> toOpenAi() {
        long prompt = promptTokens();
        Map<String, Object> details = new LinkedHashMap<>(4);
        details.put("cached_tokens", cacheRead);
        details.put("cache_creation_tokens", cacheCreation);
        Map<String, Object> u = new LinkedHashMap<>(8);
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", output);
        u.put("total_tokens", prompt + output);
        u.put("prompt_tokens_details", details);
        return u;
    }
}

package tollgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code responses} section (issue 14): how long {@code POST /v1/responses} keeps a stored
 * response ({@code store}, true by default in OpenAI's API) in the data directory, so that a
 * later request can continue it with {@code previous_response_id}.
 *
 * <pre>
 *   "responses": {"store_ttl_ms": 2592000000}
 * </pre>
 *
 * @param storeTtl how long a stored response is kept, from its creation (30 days by default, as OpenAI keeps them)
 */
public record ResponsesConfig(Duration storeTtl) {
    static final List<String> KEYS = List.of("store_ttl_ms");
    public static final long DEFAULT_STORE_TTL_MS = 30L * 24 * 3_600_000;
    /** Longest a response may be kept: one year, in milliseconds. */
    public static final long MAX_STORE_TTL_MS = 365L * 24 * 3_600_000;
    public static final ResponsesConfig DEFAULTS = new ResponsesConfig(Duration.ofMillis(DEFAULT_STORE_TTL_MS));

    static ResponsesConfig read(ConfigReader r, Map<String, Object> top) {
        if (top.get("responses") == null) return DEFAULTS;
        String p = "responses";
        Map<String, Object> s = r.object(p, top.get("responses"), KEYS);
        return new ResponsesConfig(r.millis(s, p, "store_ttl_ms", DEFAULT_STORE_TTL_MS, 1000, MAX_STORE_TTL_MS));
    }
}

package tollgate.route;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One candidate the router tried or passed over, for the route explanation and the
 * exhausted-candidates error.
 *
 * @param deployment      the deployment's id
 * @param outcome         {@code ok}, a {@link tollgate.error.FailureClass#outcome()} such as
 *                        {@code rate_limited}, or a reason it was not tried: {@code circuit_open},
 *                        {@code cooling}, {@code unsupported}, {@code disabled}, {@code schema_invalid}
 * @param ms              how long the attempt took, in milliseconds (0 when not tried)
 * @param retryAfterNanos when rate limited or cooling: how long the upstream asked to wait (-1 unknown)
 * @param detail          what went wrong, in the client's words (the upstream's error message), or null
 */
public record Tried(String deployment, String outcome, long ms, long retryAfterNanos, String detail) {
    static final String OK = "ok";
    static final String CIRCUIT_OPEN = "circuit_open";
    static final String COOLING = "rate_limited";
    static final String UNSUPPORTED = "unsupported";
    static final String DISABLED = "disabled";
    static final String SCHEMA_INVALID = "schema_invalid";
    /** The key may not use the deployment's model. */
    static final String FORBIDDEN = "forbidden";
    /** The key's balance could not cover the attempt's worst case. */
    static final String UNAFFORDABLE = "insufficient_credits";

    /** As shown in {@code route.tried[]}. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("deployment", deployment);
        m.put("outcome", outcome);
        m.put("ms", ms);
        return m;
    }
}

package tollgate.api;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import tollgate.config.GatewayConfig;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.QueryString;
import tollgate.http.Router;
import tollgate.metrics.Metrics;

/**
 * The metrics' routes (issue 13), at the root and behind the admin token ({@link AdminAuthenticated}):
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text format 0.0.4 (unless {@code metrics.enabled} is
 *       false); also open, without the token, on {@code metrics.listen} when configured
 *       ({@link tollgate.metrics.MetricsListener});</li>
 *   <li>{@code GET /admin/stats}: totals, rate, percentiles and the 10-minute series of the dashboard;</li>
 *   <li>{@code GET /admin/requests?limit=N}: the last requests, newest first (no prompt text).</li>
 * </ul>
 */
public final class MetricsEndpoints {
    static final String METRICS = "/metrics";
    static final String STATS = "/admin/stats";
    static final String REQUESTS = "/admin/requests";
    /** {@code /admin/requests} without {@code limit}. */
    static final int DEFAULT_LIMIT = 50;
    /** Most requests {@code /admin/requests} lists (what it keeps). */
    static final int MAX_LIMIT = 200;

    private MetricsEndpoints() { throw new AssertionError(); }

    public static void register(Router routes, GatewayConfig config, Metrics metrics) {
        byte[] token = config.accounts().adminTokenSha256();
        if (config.ops().metrics().enabled()) {
            routes.template("GET", METRICS, AdminAuthenticated.require(token, (call, p) -> scrape(call, metrics)));
        }
        routes.template("GET", STATS, AdminAuthenticated.require(token, (call, p) -> {
            refuseQuery(call, List.of());
            call.respondJson(200, metrics.stats());
        }));
        routes.template("GET", REQUESTS, AdminAuthenticated.require(token, (call, p) -> {
            Map<String, List<String>> q = refuseQuery(call, List.of("limit"));
            call.respondJson(200, metrics.recent(limit(QueryString.first(q, "limit"))));
        }));
    }

    /** The rendering, its bytes held in the call's share of the memory budget while they are sent. */
    private static void scrape(HttpCall call, Metrics metrics) throws IOException {
        byte[] body = metrics.render();
        call.memory().reserve(body.length);
        try {
            call.respond(200, Metrics.CONTENT_TYPE, body, body.length);
        } finally {
            call.memory().release(body.length);
        }
    }

    /** {@code limit}: 1 to {@link #MAX_LIMIT} ({@link #DEFAULT_LIMIT} when absent); more is served as the most. */
    static int limit(String raw) {
        if (raw == null) return DEFAULT_LIMIT;
        long n = -1;
        if (!raw.isEmpty() && raw.length() <= 9 && raw.chars().allMatch(c -> c >= '0' && c <= '9')) n = Long.parseLong(raw);
        if (n < 1) {
            throw GatewayException.invalid("limit", "limit must be a whole number from 1 to " + MAX_LIMIT + ", got '"
                    + UsageEndpoint.clip(raw) + "'.");
        }
        return (int) Math.min(n, MAX_LIMIT);
    }

    /** The query's parameters; a 400 naming any not in {@code known}. */
    private static Map<String, List<String>> refuseQuery(HttpCall call, List<String> known) {
        Map<String, List<String>> q = QueryString.parse(call.query());
        for (String name : q.keySet()) {
            if (!known.contains(name)) {
                throw GatewayException.invalid(UsageEndpoint.clip(name), "Unknown query parameter '" + UsageEndpoint.clip(name) + "'"
                        + (known.isEmpty() ? "; this route takes none." : "; known: " + String.join(", ", known) + "."));
            }
        }
        return q;
    }
}

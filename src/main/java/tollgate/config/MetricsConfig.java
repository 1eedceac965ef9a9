package tollgate.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code metrics} section (issue 13): {@code GET /metrics} in the Prometheus text format.
 *
 * <pre>
 *   "metrics": {"enabled": true, "listen": "127.0.0.1:9464"}
 * </pre>
 *
 * @param enabled    whether {@code GET /metrics} is served at all (default true); the counters
 *                   behind {@code /admin/stats} are kept either way
 * @param listenHost with {@code listen}: the address of an extra listener serving {@code GET /metrics}
 *                   without the admin token (for a scraper on a private network); null when absent,
 *                   and then {@code /metrics} is on the main listener behind the admin token
 * @param listenPort its port (0: any free port, for tests)
 */
public record MetricsConfig(boolean enabled, String listenHost, int listenPort) {
    public static final MetricsConfig DEFAULTS = new MetricsConfig(true, null, 0);
    static final List<String> KEYS = List.of("enabled", "listen");
    /** Highest TCP port. */
    static final int MAX_PORT = 65_535;

    /** Whether the open listener is configured. */
    public boolean listens() { return listenHost != null; }

    /** {@code listen} as the file gives it, {@code host:port} ({@code [v6]:port}), or null when absent. */
    public String listen() {
        if (listenHost == null) return null;
        return (listenHost.indexOf(':') >= 0 ? "[" + listenHost + "]" : listenHost) + ":" + listenPort;
    }

    static MetricsConfig read(ConfigReader r, Map<String, Object> top) {
        Map<String, Object> m = r.object(top, "", "metrics", KEYS);
        boolean enabled = r.bool(m, "metrics", "enabled", true);
        String listen = r.string(m, "metrics", "listen", null);
        if (listen == null) return new MetricsConfig(enabled, null, 0);
        String path = "metrics.listen";
        // host:port, or [v6]:port (RFC 3986 §3.2.2's bracketed literal).
        int colon = listen.lastIndexOf(':');
        String host = colon < 0 ? "" : listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (colon < 0 || host.isEmpty() || host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
            throw r.expected(path, "\"host:port\" such as \"127.0.0.1:9464\"", listen);
        }
        String digits = listen.substring(colon + 1);
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(digits) > MAX_PORT) {
            throw r.expected(path, "\"host:port\" with a port 0-" + MAX_PORT, listen);
        }
        return new MetricsConfig(enabled, host, Integer.parseInt(digits));
    }
}

package tollgate.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tollgate.config.Substitution.Text;
import tollgate.json.JsonNumber;

/**
 * The {@code telemetry} section: OTLP/HTTP JSON export of one span per request to a collector
 * (README, "Tracing"). Off unless {@code otlp_endpoint} is set (a reference to an unset variable
 * counts as not set): without it the gateway opens no outbound connection for telemetry at all.
 *
 * @param endpoint       the collector's traces URL, used as written (OTLP/HTTP's default path
 *                       is {@code /v1/traces}, opentelemetry-proto docs/specification.md
 *                       "OTLP/HTTP Request"), or null when export is off
 * @param headers        sent with every export (an {@code Authorization} token, say); values may
 *                       be {@code ${VAR}} references and are secrets: never printed
 * @param serviceName    the resource's {@code service.name}
 * @param sampleRatio    the share of new traces exported, 0.0-1.0; a request with a valid
 *                       {@code traceparent} follows its sampled flag instead
 * @param maxQueue       spans waiting for export; more are dropped (and counted), never waited for
 * @param exportInterval how often queued spans are sent
 */
public record TelemetryConfig(URI endpoint, Map<String, String> headers, String serviceName, double sampleRatio, int maxQueue,
                              Duration exportInterval) {
    static final List<String> KEYS = List.of("otlp_endpoint", "headers", "service_name", "sample_ratio", "max_queue", "export_interval_ms");
    /** Spans held for export by default (the OpenTelemetry SDKs' BatchSpanProcessor default, maxQueueSize). */
    public static final int DEFAULT_MAX_QUEUE = 2048;
    /** Most spans a queue may hold, whatever the config says (~1 KB each). */
    public static final int MAX_MAX_QUEUE = 65_536;
    /** Default wait between exports, in ms (the SDKs' scheduledDelay default). */
    public static final long DEFAULT_EXPORT_INTERVAL_MS = 5000;
    public static final String DEFAULT_SERVICE_NAME = "tollgate";
    /** Headers the JDK client refuses to let a caller set, and the one the exporter sets itself. */
    static final Set<String> RESERVED_HEADERS = Set.of("connection", "content-length", "expect", "host", "upgrade", "content-type");

    public static final TelemetryConfig DEFAULTS = new TelemetryConfig(null, Map.of(), DEFAULT_SERVICE_NAME, 1.0, DEFAULT_MAX_QUEUE,
            Duration.ofMillis(DEFAULT_EXPORT_INTERVAL_MS));

    /** Whether spans are exported at all. */
    public boolean enabled() { return endpoint != null; }

    /** Header values are secrets: only their names are shown. */
    @Override
    public String toString() {
        return "TelemetryConfig[endpoint=" + endpoint + ", headers=" + headers.keySet() + ", serviceName=" + serviceName
                + ", sampleRatio=" + sampleRatio + ", maxQueue=" + maxQueue + ", exportInterval=" + exportInterval + "]";
    }

    static TelemetryConfig read(ConfigReader r, Map<String, Object> top) {
        if (top.get("telemetry") == null) return DEFAULTS;
        String p = "telemetry";
        Map<String, Object> t = r.object(p, top.get("telemetry"), KEYS);
        URI endpoint = null;
        // A reference to an unset variable ("${TOLLGATE_OTLP_ENDPOINT}") leaves export off, so that
        // the shipped config can offer it and the environment switch it on.
        Text url = r.text(t, p, "otlp_endpoint");
        if (url != null && !url.hasUnset() && !url.value().isEmpty()) {
            endpoint = URI.create(ToolConfig.url(r, p + ".otlp_endpoint", url.value()));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (var e : r.object(t, p, "headers", null).entrySet()) {
            String hp = p + ".headers." + e.getKey();
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (!McpServerConfig.HEADER_NAME.matcher(e.getKey()).matches()) {
                throw r.fail(hp, "expected a header name (letters, digits, '-' and the like)");
            }
            if (RESERVED_HEADERS.contains(lower)) throw r.fail(hp, "is set by the gateway itself; remove it");
            String value = r.secret(hp, e.getValue());
            // The value may be a secret: say what is wrong with it without quoting it.
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7F)) throw r.fail(hp, "has a control character in its value");
            headers.put(e.getKey(), value);
        }
        String service = r.string(t, p, "service_name", DEFAULT_SERVICE_NAME);
        if (service.isBlank()) throw r.expected(p + ".service_name", "a non-empty string", service);
        double ratio = ratio(r, t, p + ".sample_ratio");
        int maxQueue = (int) r.integer(t, p, "max_queue", DEFAULT_MAX_QUEUE, 1, MAX_MAX_QUEUE);
        Duration interval = r.millis(t, p, "export_interval_ms", DEFAULT_EXPORT_INTERVAL_MS, 10, 3_600_000);
        return new TelemetryConfig(endpoint, Collections.unmodifiableMap(headers), service, ratio, maxQueue, interval);
    }

    /** A number 0-1 (JSON number, or a string such as {@code "${RATIO:-0.1}"}); 1.0 when absent. */
    private static double ratio(ConfigReader r, Map<String, Object> t, String path) {
        Object v = t.get("sample_ratio");
        if (v == null) return 1.0;
        Object value = r.scalar(path, v);
        String text = switch (value) {
            case JsonNumber n -> n.text();
            case Text s -> s.value();
            default -> throw r.expected(path, "a number from 0 to 1", value);
        };
        double d;
        try {
            d = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw r.expected(path, "a number from 0 to 1", value);
        }
        if (!(d >= 0 && d <= 1)) throw r.expected(path, "a number from 0 to 1", value);
        return d;
    }
}

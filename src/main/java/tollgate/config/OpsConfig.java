package tollgate.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * What operating the gateway needs beyond serving requests (issue 13): metrics, TLS on the HTTP
 * listener, CORS, and the export of request spans; and (issue 14) state shared with other
 * replicas, and how long stored Responses are kept. Each part is its own record with its own
 * reader, so that the sections stay independent.
 *
 * @param metrics   the {@code metrics} section ({@code GET /metrics})
 * @param tls       {@code server.tls}: HTTPS on the HTTP listener from a PKCS#12 keystore
 * @param cors      {@code server.cors}: the browser origins allowed to call the API
 * @param telemetry the {@code telemetry} section (OTLP/HTTP export of request spans)
 * @param state     the {@code state} section: Redis shared by several replicas, or local state
 * @param responses the {@code responses} section ({@code POST /v1/responses}'s stored responses)
 */
public record OpsConfig(MetricsConfig metrics, TlsConfig tls, CorsConfig cors, TelemetryConfig telemetry, StateConfig state,
                        ResponsesConfig responses) {
    public static final OpsConfig DEFAULTS = new OpsConfig(MetricsConfig.DEFAULTS, TlsConfig.DEFAULTS, CorsConfig.DEFAULTS,
            TelemetryConfig.DEFAULTS, StateConfig.DEFAULTS, ResponsesConfig.DEFAULTS);

    /** Issue 13's parts, with local state and the default Responses store. */
    public OpsConfig(MetricsConfig metrics, TlsConfig tls, CorsConfig cors, TelemetryConfig telemetry) {
        this(metrics, tls, cors, telemetry, StateConfig.DEFAULTS, ResponsesConfig.DEFAULTS);
    }

    /**
     * @param top     the config root
     * @param server  the {@code server} object (empty when absent)
     * @param baseDir what a relative keystore path resolves against
     * @param dataDir the data directory (the default replica id is derived from it), or null when it is broken
     */
    static OpsConfig read(ConfigReader r, Map<String, Object> top, Map<String, Object> server, Path baseDir, Path dataDir) {
        // Each part on its own, so that a problem in one does not hide those of the next.
        return new OpsConfig(r.attempt(() -> MetricsConfig.read(r, top), MetricsConfig.DEFAULTS),
                r.attempt(() -> TlsConfig.read(r, server, baseDir), TlsConfig.DEFAULTS),
                r.attempt(() -> CorsConfig.read(r, server), CorsConfig.DEFAULTS),
                r.attempt(() -> TelemetryConfig.read(r, top), TelemetryConfig.DEFAULTS),
                r.attempt(() -> StateConfig.read(r, top, dataDir, baseDir), StateConfig.DEFAULTS),
                r.attempt(() -> ResponsesConfig.read(r, top), ResponsesConfig.DEFAULTS));
    }
}

package tollgate.config;

import java.util.Map;

/** the {@code telemetry} section (OTLP export). */
public record TelemetryConfig() {
    public static final TelemetryConfig DEFAULTS = new TelemetryConfig();

    static TelemetryConfig read(ConfigReader r, Map<String, Object> top) {
        return DEFAULTS;
    }
}

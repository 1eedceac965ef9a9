package tollgate.config;

import java.util.Map;

/** the {@code metrics} section (GET /metrics). */
public record MetricsConfig() {
    public static final MetricsConfig DEFAULTS = new MetricsConfig();

    static MetricsConfig read(ConfigReader r, Map<String, Object> top) {
        return DEFAULTS;
    }
}

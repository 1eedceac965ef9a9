package tollgate.config;

import java.util.Map;

/** {@code server.cors}. */
public record CorsConfig() {
    public static final CorsConfig DEFAULTS = new CorsConfig();

    static CorsConfig read(ConfigReader r, Map<String, Object> server) {
        return DEFAULTS;
    }
}

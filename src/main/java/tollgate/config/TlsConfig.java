package tollgate.config;

import java.util.Map;

/** {@code server.tls}. */
public record TlsConfig() {
    public static final TlsConfig DEFAULTS = new TlsConfig();

    static TlsConfig read(ConfigReader r, Map<String, Object> server, java.nio.file.Path baseDir) {
        return DEFAULTS;
    }
}

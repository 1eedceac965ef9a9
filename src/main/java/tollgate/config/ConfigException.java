package tollgate.config;

/**
 * The configuration is unusable. The message names where ({@code conf/tollgate.json: server.port})
 * and the offending value, so that it can be printed as is and the gateway exits.
 */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

package tollgate.config;

import java.time.Duration;

/**
 * The {@code server} section.
 *
 * @param host            address to bind, e.g. {@code 127.0.0.1}
 * @param port            TCP port; 0 picks a free one (tests)
 * @param maxBodyBytes    largest request body accepted, in bytes
 * @param drain           how long in-flight requests and streams may run on after SIGTERM
 * @param heartbeat       interval of {@code : ping} SSE comments while a stream waits upstream
 * @param connectTimeout  upstream TCP/TLS connect timeout (one shared client, so one value)
 * @param extensionField  name of the response extension object, e.g. {@code tollgate}, {@code kitemesh}
 * @param accessLog       whether to write one JSON access line per request to stdout
 * @param limits          connection, time and memory limits
 */
public record ServerConfig(
        String host,
        int port,
        long maxBodyBytes,
        Duration drain,
        Duration heartbeat,
        Duration connectTimeout,
        String extensionField,
        boolean accessLog,
        ServerLimits limits) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    /** 32 MiB: room for a few base64 images or an audio file in one request. */
    public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;
    public static final long MIN_MAX_BODY_BYTES = 1024;
    public static final long MAX_MAX_BODY_BYTES = 1024L * 1024 * 1024;
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final String DEFAULT_EXTENSION_FIELD = "tollgate";

    /** The {@code server} section when the config has none. */
    public static ServerConfig defaults() {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, DEFAULT_DRAIN,
                DEFAULT_HEARTBEAT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_EXTENSION_FIELD, true, ServerLimits.defaults());
    }
}

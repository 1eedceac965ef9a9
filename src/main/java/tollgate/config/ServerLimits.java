package tollgate.config;

import java.time.Duration;

/**
 * What one client, or all of them together, may make the gateway hold: the {@code server.*}
 * limits that keep memory bounded and connections moving whatever clients send. Four of them are
 * the JDK HTTP server's own (protocols.md §1.4; {@code sun.net.httpserver.ServerConfig}), set as
 * its system properties once per process; the others the gateway enforces itself.
 *
 * @param maxConnections    open client connections at most; further ones are accepted and closed
 *                          at once ({@code jdk.httpserver.maxConnections})
 * @param requestTimeout    longest a client may take to send its request line, headers and body,
 *                          counted from its first byte; the connection is closed after it
 *                          ({@code sun.net.httpserver.maxReqTime}, whole seconds). Also the
 *                          longest a new connection may stay silent.
 * @param idleTimeout       longest an idle keep-alive connection is kept
 *                          ({@code sun.net.httpserver.idleInterval}, whole seconds)
 * @param writeTimeout      longest one write to a client may block (a client that stopped
 *                          reading); the connection is then closed and the upstream call cancelled
 * @param memoryBudgetBytes heap that requests may hold at once (bodies, parsed JSON, upstream
 *                          answers); 0 means half of the JVM's maximum heap
 * @param maxHeaderBytes    largest request header section (names + values + 32 per field, as the
 *                          JDK counts it); larger gets 431. The JDK server resets connections at
 *                          twice this ({@code sun.net.httpserver.maxReqHeaderSize}).
 * @param maxHeaders        most request header fields; more gets 431. The JDK server resets
 *                          connections at twice this ({@code sun.net.httpserver.maxReqHeaders}).
 * @param maxUrlBytes       longest request target (path and query); longer gets 414. The JDK
 *                          server resets connections whose request line is over twice
 *                          {@code maxHeaderBytes}.
 */
public record ServerLimits(
        int maxConnections,
        Duration requestTimeout,
        Duration idleTimeout,
        Duration writeTimeout,
        long memoryBudgetBytes,
        int maxHeaderBytes,
        int maxHeaders,
        int maxUrlBytes) {

    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** 0: half of {@code Runtime.maxMemory()}, see {@link #memoryBudget()}. */
    public static final long AUTO_MEMORY_BUDGET = 0;
    /** 16 KiB, Node.js's default for the whole header section. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_HEADERS = 100;
    /** 8 KiB: the request-target length RFC 9112 §3 recommends every server to support at least. */
    public static final int DEFAULT_MAX_URL_BYTES = 8 * 1024;
    /** The JDK server's hard limits are this many times the gateway's (the 431/414 band in between). */
    public static final int JDK_LIMIT_FACTOR = 2;
    /** Share of the maximum heap the automatic memory budget takes. */
    public static final double AUTO_BUDGET_SHARE = 0.5;

    public static ServerLimits defaults() {
        return new ServerLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_WRITE_TIMEOUT, AUTO_MEMORY_BUDGET, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS,
                DEFAULT_MAX_URL_BYTES);
    }

    /** The memory budget in bytes: as configured, or half of this JVM's maximum heap. */
    public long memoryBudget() {
        if (memoryBudgetBytes > 0) return memoryBudgetBytes;
        return (long) (Runtime.getRuntime().maxMemory() * AUTO_BUDGET_SHARE);
    }
}

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
 *                          answers); 0 means what the heap has left after every connection's
 *                          worst case ({@link #memoryBudget()})
 * @param maxHeaderBytes    largest request header section (names + values + 32 per field, as the
 *                          JDK counts it); larger gets 431. The JDK server resets connections at
 *                          a quarter more ({@code sun.net.httpserver.maxReqHeaderSize}).
 * @param maxHeaders        most request header fields; more gets 431. The JDK server resets
 *                          connections at twice this ({@code sun.net.httpserver.maxReqHeaders}).
 * @param maxUrlBytes       longest request target (path and query); longer gets 414. The JDK
 *                          server resets connections whose request line is over its header limit.
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

    /** Room for 5,000 streams and as many others besides. */
    public static final int DEFAULT_MAX_CONNECTIONS = 6_144;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** 0: what the heap has left after the connections, see {@link #memoryBudget()}. */
    public static final long AUTO_MEMORY_BUDGET = 0;
    /**
     * Heap one client connection can hold before it is a request, at worst: the JDK server's
     * buffers (8 KiB in, 8 KiB out, an 8 KiB channel buffer, a 4 KiB line buffer) and a header
     * section at the JDK's limit, parsed into a char array that doubles as it grows (40 KiB at
     * 20 KiB) and kept as strings. Measured: 2,000 connections with 15 KB of unfinished headers
     * each held 143 MB of live heap (~72 KiB each) with the JDK limit at 32 KiB.
     */
    public static final long CONNECTION_WORST_CASE_BYTES = 88 * 1024;
    /** Share of the maximum heap the automatic budget and the connections' worst case share. */
    public static final double HEAP_SHARE = 0.75;
    /** The automatic budget is at least this share of the heap, whatever the connections take. */
    public static final double MIN_BUDGET_SHARE = 0.25;
    /** 16 KiB, Node.js's default for the whole header section. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_HEADERS = 100;
    /** 8 KiB: the request-target length RFC 9112 §3 recommends every server to support at least. */
    public static final int DEFAULT_MAX_URL_BYTES = 8 * 1024;
    /** The JDK server resets connections at this many times {@code maxHeaders} (the 431 band is in between). */
    public static final int JDK_HEADERS_FACTOR = 2;
    /**
     * ... and at a quarter more than {@code maxHeaderBytes}: a wider band would cost every
     * connection more heap in the worst case ({@link #CONNECTION_WORST_CASE_BYTES}).
     */
    public static final double JDK_HEADER_BYTES_FACTOR = 1.25;

    public static ServerLimits defaults() {
        return new ServerLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_WRITE_TIMEOUT, AUTO_MEMORY_BUDGET, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS,
                DEFAULT_MAX_URL_BYTES);
    }

    /**
     * The memory budget in bytes: as configured, or automatically three quarters of this JVM's
     * maximum heap less every connection's worst case, and at least a quarter of the heap.
     */
    public long memoryBudget() {
        return memoryBudget(Runtime.getRuntime().maxMemory());
    }

    /** {@link #memoryBudget()} for a heap of {@code heap} bytes. */
    public long memoryBudget(long heap) {
        if (memoryBudgetBytes > 0) return memoryBudgetBytes;
        long left = (long) (heap * HEAP_SHARE) - connectionsWorstCase();
        return Math.max(left, (long) (heap * MIN_BUDGET_SHARE));
    }

    /** What {@code maxConnections} connections can hold at worst before they are requests. */
    public long connectionsWorstCase() { return maxConnections * CONNECTION_WORST_CASE_BYTES; }

    /** The JDK server's own header-section limit, in bytes. */
    public int jdkMaxHeaderBytes() { return (int) (maxHeaderBytes * JDK_HEADER_BYTES_FACTOR); }
}

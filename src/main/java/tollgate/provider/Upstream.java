package tollgate.provider;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The gateway's one outbound {@link HttpClient}, shared by every provider (connections are
 * pooled per client, so one client means one pool).
 *
 * <p>How it is built, and why:
 * <ul>
 *   <li>{@code executor(Runnable::run)}: the client's completion callbacks run on its own
 *       selector thread instead of hopping to a pool (the default is a cached thread pool);
 *       about 100 µs less added latency per request in a plain JDK proxy
 *       (shared/reference/performance-baselines.md: +255 vs +360 µs). The price is a
 *       rule for every user of this client: <b>nothing attached to its futures may block</b>
 *       (no {@code thenApply} that does I/O or
 *       takes a lock held elsewhere); providers only ever block in {@code future.get()} and
 *       {@code InputStream.read()} on their own (virtual) request thread.</li>
 *   <li>{@code sslContext}: the default trust, loaded at the first TLS handshake rather than at
 *       start-up ({@link LazyTrust}).</li>
 *   <li>{@code followRedirects(NEVER)}: an API endpoint that redirects is misconfigured; a
 *       redirect would also re-send the provider's key to wherever it points.</li>
 *   <li>No proxy: the upstream URLs in the config are used as written.</li>
 *   <li>Per request, {@link #request} picks HTTP/1.1 for {@code http://} (plain HTTP/2 would
 *       mean an {@code Upgrade: h2c} round trip on every new connection, RFC 7540 §3.2) and
 *       HTTP/2 for {@code https://} (negotiated by ALPN, falling back to HTTP/1.1).</li>
 * </ul>
 *
 * <p>Thread-safe; create one per gateway and {@link #close} it at shutdown.
 */
public final class Upstream implements AutoCloseable {

    /** How long {@link #close} lets in-flight exchanges finish before aborting them. */
    public static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    /** Size of the JDK client's per-connection read buffer ({@code jdk.httpclient.bufsize}). */
    static final int READ_BUFFER_BYTES = 4 * 1024;

    static {
        // A pooled connection that the upstream closed while idle (Node and uvicorn close after
        // 5 s; vLLM runs on uvicorn) fails the next request sent on it before any response byte
        // (ConnectionExpiredException). The JDK client retries that only for GET and HEAD
        // unless this is set; for it a POST was not processed, so retrying is safe.
        // Read once, when java.net.http's MultiExchange class loads: set before any request.
        if (System.getProperty("jdk.httpclient.enableAllMethodRetry") == null) {
            System.setProperty("jdk.httpclient.enableAllMethodRetry", "true");
        }
        // The client reads each connection in buffers of this size (JDK default 16 KiB) and an
        // open stream keeps its current one. A token stream's chunk is a few hundred bytes, so
        // 16 KiB per open stream is mostly empty: measured (scripts/bench, streams) at 1,000
        // concurrent streams, RSS 283 MB with the default and 199 MB with 4 KiB (with SseReader's
        // 2 KiB reads), at the same CPU per chunk. Read when java.net.http's Utils class loads.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", String.valueOf(READ_BUFFER_BYTES));
        }
    }

    private final Duration connectTimeout;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile HttpClient client;
    private boolean closed;

    /**
     * The client itself is built on first use: building it (its selector thread, the TLS
     * context and ~170 TLS classes) was measured at ~90 ms of the gateway's start-up, and a
     * gateway serving only the offline echo provider never needs it.
     *
     * @param connectTimeout longest wait for a TCP (and TLS) connection to an upstream
     */
    public Upstream(Duration connectTimeout) {
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    /** The shared client. Never attach blocking work to the futures it returns (see above). */
    public HttpClient client() {
        HttpClient c = client;
        if (c != null) return c;
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("upstream client closed");
            if (client == null) {
                client = HttpClient.newBuilder()
                        .executor(Runnable::run)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .proxy(HttpClient.Builder.NO_PROXY)
                        .connectTimeout(connectTimeout)
                        .sslContext(LazyTrust.context())
                        .version(HttpClient.Version.HTTP_2)
                        .build();
            }
            return client;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A request builder for {@code uri} with the HTTP version chosen by scheme. It sets no
     * {@code timeout}: {@code HttpRequest.timeout} makes the client wake its selector thread on
     * every request (JDK 25 {@code HttpClientImpl.registerTimer}), one thread hand-off per call
     * that the gateway's {@link IdleWatchdog} avoids; providers watch the wait for headers there.
     */
    public HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).version(versionFor(uri));
    }

    /** HTTP/1.1 for cleartext {@code http://}, HTTP/2 (with fallback) otherwise. */
    static HttpClient.Version versionFor(URI uri) {
        return "http".equalsIgnoreCase(uri.getScheme())
                ? HttpClient.Version.HTTP_1_1
                : HttpClient.Version.HTTP_2;
    }

    /**
     * Stops the client: new requests fail at once, in-flight ones get {@link #CLOSE_GRACE} to
     * finish (the HTTP server has already drained or closed its exchanges), then are aborted.
     */
    @Override
    public void close() {
        HttpClient c;
        lock.lock();
        try {
            closed = true;
            c = client;
        } finally {
            lock.unlock();
        }
        if (c == null) return;
        c.shutdown();
        try {
            if (!c.awaitTermination(CLOSE_GRACE)) c.shutdownNow();
        } catch (InterruptedException e) {
            c.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

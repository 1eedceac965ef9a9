package tollgate.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;

/**
 * The listener of {@code metrics.listen}: {@code GET /metrics} without the admin token, for a
 * Prometheus scraper on a private address, and nothing else (any other path is a 404, any other
 * method a 405, in the OpenAI error shape). A server of its own, so that opening the metrics
 * never opens the admin API; on virtual threads like the main listener. A request body, which
 * a GET has no use for, is never read. Anyone who can reach the address may scrape, and each
 * scrape holds a whole rendering (a few MiB with many series) until a slow reader has taken it:
 * at most {@link #MAX_CONCURRENT_SCRAPES} are rendered or sent at once, more get a 503 at once,
 * so that a flood of scrapes cannot take the heap the requests need.
 */
public final class MetricsListener implements AutoCloseable {
    /** Pending connections the kernel may queue: a scraper or two. */
    static final int BACKLOG = 16;
    static final String PATH = "/metrics";
    /** Scrapes rendered or being sent at once; a scraper or two, and their retries, need far fewer. */
    static final int MAX_CONCURRENT_SCRAPES = 4;
    /** What a scrape refused for being over {@link #MAX_CONCURRENT_SCRAPES} is told to wait, in seconds. */
    static final int RETRY_AFTER_SECONDS = 1;
    /**
     * Longest a scrape's answer may take to send: a scraper that stops reading would otherwise
     * hold its permit and its rendering for good, and four of them would shut every scrape out.
     */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final HttpServer http;
    private final ExecutorService executor;

    private MetricsListener(HttpServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
    }

    /** Binds {@code host:port} (0: any free port) and serves {@code metrics}; fails here when the port is taken. */
    public static MetricsListener start(String host, int port, Metrics metrics) throws IOException {
        return start(host, port, metrics, SEND_TIMEOUT);
    }

    /** As {@link #start(String, int, Metrics)}, with the send timeout chosen (tests). */
    static MetricsListener start(String host, int port, Metrics metrics, Duration sendTimeout) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), BACKLOG);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tollgate-metrics-", 0).factory());
        http.setExecutor(executor);
        Semaphore scrapes = new Semaphore(MAX_CONCURRENT_SCRAPES);
        http.createContext("/", exchange -> serve(exchange, metrics, scrapes, sendTimeout));
        http.start();
        MetricsListener l = new MetricsListener(http, executor);
        Log.info("metrics_listening", "url", "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + l.port() + PATH);
        return l;
    }

    private static void serve(HttpExchange exchange, Metrics metrics, Semaphore scrapes, Duration sendTimeout) {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getRawPath().equals(PATH)) {
                error(exchange, new GatewayException(ErrorKind.CALLER_NOT_FOUND, "This listener serves only GET " + PATH + "."));
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                error(exchange, new GatewayException(ErrorKind.CALLER_METHOD_NOT_ALLOWED, "Method " + method + " is not allowed on "
                        + PATH + "; use GET."));
            } else if (!scrapes.tryAcquire()) {
                exchange.getResponseHeaders().set("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
                error(exchange, new GatewayException(ErrorKind.GATEWAY_BUSY, "Too many scrapes of " + PATH + " at once (at most "
                        + MAX_CONCURRENT_SCRAPES + "); retry in " + RETRY_AFTER_SECONDS + " s."));
            } else {
                try {
                    scrape(exchange, metrics, method.equals("HEAD"), sendTimeout);
                } finally {
                    scrapes.release();
                }
            }
        } catch (IOException | RuntimeException e) {
            // The scraper went away, or a bug: the exchange is closed either way.
            Log.warn("metrics_listener_failed", "error", e.toString());
        }
    }

    private static void scrape(HttpExchange exchange, Metrics metrics, boolean head, Duration sendTimeout) throws IOException {
        byte[] body = metrics.render();
        exchange.getResponseHeaders().set("Content-Type", Exposition.CONTENT_TYPE);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        try (WriteDeadline deadline = new WriteDeadline(sendTimeout)) {
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private static void error(HttpExchange exchange, GatewayException e) throws IOException {
        byte[] body = ErrorBody.render(e);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(e.httpStatus(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    public int port() { return http.getAddress().getPort(); }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}

package tollgate.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tollgate.config.ServerConfig;

/**
 * The HTTP listener: {@code com.sun.net.httpserver} with one virtual thread per exchange.
 *
 * <p>The JDK server reads its limits from system properties once, when its first instance is
 * created (protocols.md §1.4, {@code sun.net.httpserver.ServerConfig}); they are set here from
 * the named constants below unless the operator set them on the command line.
 */
public final class Server {
    /** Most request header fields accepted ({@code sun.net.httpserver.maxReqHeaders}). */
    public static final int MAX_REQUEST_HEADERS = 100;
    /** Largest request header section in bytes ({@code sun.net.httpserver.maxReqHeaderSize}). */
    public static final int MAX_REQUEST_HEADER_BYTES = 64 * 1024;
    /** Pending connections the kernel may queue for us. */
    public static final int BACKLOG = 1024;

    private final HttpServer http;
    private final ExecutorService executor;
    private final Heartbeats heartbeats;
    private final Router router;

    private Server(HttpServer http, ExecutorService executor, Heartbeats heartbeats, Router router) {
        this.http = http;
        this.executor = executor;
        this.heartbeats = heartbeats;
        this.router = router;
    }

    /** The router to register endpoints on before {@link #start}. */
    public Router router() { return router; }

    /** Binds the port (so a busy port fails here, at start-up) but does not serve yet. */
    public static Server bind(ServerConfig config) throws IOException {
        setDefault("sun.net.httpserver.nodelay", "true"); // token streams must not wait on Nagle
        setDefault("sun.net.httpserver.maxReqHeaders", Integer.toString(MAX_REQUEST_HEADERS));
        setDefault("sun.net.httpserver.maxReqHeaderSize", Integer.toString(MAX_REQUEST_HEADER_BYTES));
        HttpServer http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), BACKLOG);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tollgate-http-", 0).factory());
        http.setExecutor(executor);
        Heartbeats heartbeats = new Heartbeats(config.heartbeat());
        Router router = new Router(config.maxBodyBytes(), heartbeats, config.accessLog());
        http.createContext("/", router);
        return new Server(http, executor, heartbeats, router);
    }

    public void start() { http.start(); }

    /** The bound port (useful with port 0). */
    public int port() { return http.getAddress().getPort(); }

    public String host() { return http.getAddress().getHostString(); }

    /** Streams currently open. */
    public int activeStreams() { return heartbeats.active(); }

    /**
     * Graceful stop: new connections are refused at once, requests still arriving on open
     * connections get a 503, and exchanges in flight (streams included) may finish within
     * {@code drain}. {@code HttpServer.stop} counts in whole seconds, so the drain is rounded up.
     */
    public void stop(Duration drain) {
        router.startDraining();
        long seconds = (drain.toMillis() + 999) / 1000;
        http.stop((int) Math.min(seconds, Integer.MAX_VALUE));
        heartbeats.close();
        executor.shutdownNow();
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) System.setProperty(property, value);
    }
}

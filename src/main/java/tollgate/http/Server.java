package tollgate.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import tollgate.config.ServerConfig;
import tollgate.config.ServerLimits;
import tollgate.log.Log;
import tollgate.memory.MemoryBudget;

/**
 * The HTTP listener: {@code com.sun.net.httpserver} with one virtual thread per exchange; HTTPS
 * ({@code HttpsServer}) when {@code server.tls} is set, its certificate replaceable by a reload
 * ({@link ReloadableTls}).
 *
 * <p>The JDK server reads its limits from system properties once, when its first instance is
 * created (protocols.md §1.4, {@code sun.net.httpserver.ServerConfig}, read here in the JDK 25
 * sources): they are set here from {@code server.*} ({@link ServerLimits}) before the first
 * server is created, and are the same for every server of the process.
 */
public final class Server {
    /** Pending connections the kernel may queue for us. */
    public static final int BACKLOG = 1024;
    /**
     * How often the JDK server closes idle connections ({@code sun.net.httpserver.clockTick},
     * default 10 s): every second, so that the idle and request timeouts hold to the second.
     */
    static final int IDLE_CHECK_MILLIS = 1000;
    /** After the drain deadline, how long cut exchanges get to send their error and end. */
    static final Duration CUT_GRACE = Duration.ofSeconds(2);
    /** How often the drain checks whether exchanges are left. */
    static final Duration DRAIN_POLL = Duration.ofMillis(10);
    /** How long stop waits for the JDK server's own stop once no exchange of ours is left. */
    static final Duration STOP_AFTER_IDLE = Duration.ofSeconds(1);

    /** The JDK properties first applied in this process (they cannot change afterwards). */
    private static Map<String, String> applied;

    private final HttpServer http;
    private final ExecutorService executor;
    private final InFlight inFlight;
    private final Router router;
    /** The HTTPS listener's certificate, or null for plain HTTP. */
    private final ReloadableTls tls;

    private Server(HttpServer http, ExecutorService executor, InFlight inFlight, Router router, ReloadableTls tls) {
        this.tls = tls;
        this.http = http;
        this.executor = executor;
        this.inFlight = inFlight;
        this.router = router;
    }

    /** The router to register endpoints on before {@link #start}. */
    public Router router() { return router; }

    /** Binds the port (so a busy port fails here, at start-up) but does not serve yet. */
    public static Server bind(ServerConfig config, MemoryBudget budget) throws IOException {
        return bind(config, null, budget);
    }

    /**
     * As {@link #bind(ServerConfig, MemoryBudget)}, speaking HTTPS with {@code tls}
     * ({@code server.tls}, issue 13) unless it is null.
     */
    public static Server bind(ServerConfig config, SSLContext tls, MemoryBudget budget) throws IOException {
        applyJdkLimits(config.limits());
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        ReloadableTls reloadable = tls == null ? null : new ReloadableTls(tls);
        HttpServer http;
        if (reloadable == null) {
            http = HttpServer.create(address, BACKLOG);
        } else {
            HttpsServer https = HttpsServer.create(address, BACKLOG);
            https.setHttpsConfigurator(reloadable.configurator());
            http = https;
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tollgate-http-", 0).factory());
        http.setExecutor(executor);
        InFlight inFlight = new InFlight(config.heartbeat(), config.limits().writeTimeout());
        Router router = new Router(config.maxBodyBytes(), config.limits(), budget, inFlight, config.accessLog());
        http.createContext("/", router);
        return new Server(http, executor, inFlight, router, reloadable);
    }

    /** The JDK server's system properties for {@code limits}, in the JDK's units. */
    public static Map<String, String> jdkProperties(ServerLimits limits) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sun.net.httpserver.nodelay", "true"); // token streams must not wait on Nagle
        p.put("jdk.httpserver.maxConnections", Integer.toString(limits.maxConnections()));
        // Keep-alive connections waiting for their next request: over this many (JDK default 200,
        // ServerImpl.markIdle) the JDK server closes the connection that just finished a request,
        // and a client with a larger pool sees its next request fail (wrk c=256: ~2,000 read
        // errors in 30 s). Idle connections are already counted by maxConnections.
        p.put("sun.net.httpserver.maxIdleConnections", Integer.toString(limits.maxConnections()));
        // Both timeouts are read as whole seconds (ServerImpl.getTimeMillis: secs * 1000).
        p.put("sun.net.httpserver.maxReqTime", Long.toString(seconds(limits.requestTimeout())));
        p.put("sun.net.httpserver.idleInterval", Long.toString(seconds(limits.idleTimeout())));
        p.put("sun.net.httpserver.clockTick", Integer.toString(IDLE_CHECK_MILLIS));
        p.put("sun.net.httpserver.maxReqHeaders", Long.toString((long) limits.maxHeaders() * ServerLimits.JDK_HEADERS_FACTOR));
        p.put("sun.net.httpserver.maxReqHeaderSize", Integer.toString(limits.jdkMaxHeaderBytes()));
        return p;
    }

    private static synchronized void applyJdkLimits(ServerLimits limits) {
        Map<String, String> wanted = jdkProperties(limits);
        if (applied == null) {
            wanted.forEach(System::setProperty);
            applied = wanted;
        } else if (!applied.equals(wanted)) {
            Log.warn("server_limits_unchanged", "reason", "the JDK HTTP server reads its limits once per process",
                    "in_effect", applied.toString());
        }
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    public void start() { http.start(); }

    /** The bound port (useful with port 0). */
    public int port() { return http.getAddress().getPort(); }

    public String host() { return http.getAddress().getHostString(); }

    /** {@code https} or {@code http}: what the listener speaks. */
    public String scheme() { return tls != null ? "https" : "http"; }

    /**
     * Serves {@code next}'s certificate from the next connection on, without closing the
     * listener or the connections open (a config reload); a listener without TLS stays so.
     *
     * @return false when the listener has no TLS (switching it on needs a restart)
     */
    public boolean replaceTls(SSLContext next) {
        if (tls == null) return false;
        tls.replace(next);
        return true;
    }

    /** Streams currently open. */
    public int activeStreams() { return inFlight.streams(); }

    /** Exchanges in progress, streams included. */
    public int inFlight() { return inFlight.size(); }

    /**
     * Graceful stop: new connections are refused at once, requests still arriving on open
     * connections get a 503, and exchanges in flight (streams included) may finish within
     * {@code drain}. What is still running at the deadline is ended by the gateway, so that its
     * client learns why: an error event on a stream that has started, a 503 otherwise.
     */
    public void stop(Duration drain) {
        router.startDraining();
        // HttpServer.stop closes the listener at once and returns as soon as no exchange is left
        // (JDK-8304065), or at its own deadline (whole seconds), after which it closes every
        // connection; ours comes first, so that nothing is cut without a word.
        long jdkSeconds = (drain.plus(CUT_GRACE).toMillis() + 999) / 1000 + 1;
        Thread stopper = Thread.ofPlatform().name("tollgate-http-stop").start(() -> http.stop((int) Math.min(jdkSeconds, Integer.MAX_VALUE)));
        long deadline = System.nanoTime() + drain.toNanos();
        boolean idle = awaitIdle(deadline);
        if (!idle) {
            Log.warn("drain_deadline", "cut", inFlight.size());
            inFlight.cutAll(Failures.shuttingDown());
            idle = awaitIdle(System.nanoTime() + CUT_GRACE.toNanos());
        }
        try {
            // With none of our exchanges left, the JDK's stop may still wait out its whole deadline
            // for connections it counts but no handler holds (a request still being sent, a
            // connection its client already closed; seen taking ~13 s after clients hung up).
            // Nothing of ours is lost by not waiting: its thread closes them at its deadline.
            if (idle) stopper.join(STOP_AFTER_IDLE.toMillis());
            else stopper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inFlight.close();
        executor.shutdownNow();
    }

    /** Waits until no exchange is in flight or the deadline passes; true if none is left. */
    private boolean awaitIdle(long deadlineNanos) {
        while (inFlight.size() > 0) {
            if (System.nanoTime() - deadlineNanos >= 0) return false;
            try {
                Thread.sleep(DRAIN_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return inFlight.size() == 0;
            }
        }
        return true;
    }

}

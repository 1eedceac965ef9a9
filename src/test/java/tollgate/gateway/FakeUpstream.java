package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tollgate.http.Server;

/**
 * A programmable OpenAI-style upstream for black-box tests: a JDK {@link HttpServer} on
 * 127.0.0.1:0 that records every request (method, path, headers, exact body bytes) and answers
 * with the current {@link Behaviour}: a fixed JSON body, or an SSE script whose events may be
 * delayed, that may end with or without {@code data: [DONE]}, cleanly or by dropping the
 * connection mid-body. A streaming behaviour records whether a write failed, i.e. whether the
 * gateway closed the upstream connection while the script was still running.
 */
final class FakeUpstream implements AutoCloseable {
    static {
        // The JDK server reads these once, for every HttpServer in the JVM: set them as the
        // gateway would, so that whichever server starts first, the gateway gets its settings.
        Server.jdkProperties(tollgate.config.ServerLimits.defaults()).forEach(FakeUpstream::setDefault);
    }

    /** The exchange attribute holding its {@link Received}: behaviours that answer by what was asked read it. */
    static final String RECEIVED = "tollgate.test.received";

    /** One request as the upstream received it. Header names are lower-cased. */
    record Received(String method, String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        String bodyText() { return new String(body, UTF_8); }
    }

    /** What the upstream answers. Runs on the exchange's own thread. */
    @FunctionalInterface
    interface Behaviour {
        void respond(HttpExchange exchange, FakeUpstream upstream) throws IOException;
    }

    /** How an SSE script ends after its last event. */
    enum End {
        /** Finish the chunked body properly (terminating chunk). */
        CLEAN,
        /** Drop the connection without the terminating chunk. */
        ABORT
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Received> all = new ArrayList<>();
    private volatile Behaviour behaviour = json(500, "{\"error\":{\"message\":\"no behaviour set\"}}");
    private final CountDownLatch writeFailed = new CountDownLatch(1);
    private final CountDownLatch scriptCompleted = new CountDownLatch(1);
    private final AtomicInteger eventsWritten = new AtomicInteger();

    FakeUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Base URL without a trailing slash, e.g. {@code http://127.0.0.1:40123}. */
    String url() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    FakeUpstream respondWith(Behaviour b) {
        behaviour = b;
        return this;
    }

    /** The next request received, waiting up to 5 s; fails if none came. */
    Received takeRequest() {
        try {
            Received r = received.poll(5, TimeUnit.SECONDS);
            if (r == null) throw new AssertionError("the upstream received no request within 5 s");
            return r;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Every request received so far. */
    List<Received> requests() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /** Whether a streaming write failed (the gateway dropped the connection) within {@code timeout}. */
    boolean awaitWriteFailure(Duration timeout) throws InterruptedException {
        return writeFailed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether an SSE script ran to its end (every event written) within {@code timeout}. */
    boolean awaitScriptCompleted(Duration timeout) throws InterruptedException {
        return scriptCompleted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SSE events written (and flushed) successfully so far. */
    int eventsWritten() { return eventsWritten.get(); }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, List<String>> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        Received r = new Received(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), headers, body);
        synchronized (all) {
            all.add(r);
        }
        received.add(r);
        ex.setAttribute(RECEIVED, r);
        behaviour.respond(ex, this);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ behaviours

    /** Answers {@code status} with a JSON body. */
    static Behaviour json(int status, String body) {
        return (ex, up) -> {
            byte[] bytes = body.getBytes(UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** Sends the headers (with the full Content-Length) and half the body, then stalls for {@code stall}. */
    static Behaviour stallingJson(int status, String body, Duration stall) {
        return (ex, up) -> {
            byte[] bytes = body.getBytes(UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            OutputStream out = ex.getResponseBody();
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            sleep(stall);
            try (out) {
                out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
            } catch (IOException e) {
                up.writeFailed.countDown();
            }
        };
    }

    /** Waits {@code delay} before doing what {@code then} does (delay before the status line). */
    static Behaviour delayed(Duration delay, Behaviour then) {
        return (ex, up) -> {
            sleep(delay);
            then.respond(ex, up);
        };
    }

    /** Starts an SSE script of raw events (each a complete {@code data: …\n\n} text). */
    static Sse sse(String... events) { return new Sse(List.of(events)); }

    /** {@code data: <json>\n\n}. */
    static String data(String json) { return "data: " + json + "\n\n"; }

    static final String DONE = "data: [DONE]\n\n";

    /** An SSE response: status 200, then the events, each flushed on its own. */
    static final class Sse implements Behaviour {
        private final List<String> events;
        private Duration beforeFirst = Duration.ZERO;
        private Duration between = Duration.ZERO;
        private Duration beforeEnd = Duration.ZERO;
        private End end = End.CLEAN;

        private Sse(List<String> events) { this.events = events; }

        /** Silence after the headers, before the first event. */
        Sse delayFirst(Duration d) {
            beforeFirst = d;
            return this;
        }

        /** Silence before each event after the first. */
        Sse delayBetween(Duration d) {
            between = d;
            return this;
        }

        /** Silence after the last event, before the body ends (or breaks off). */
        Sse delayEnd(Duration d) {
            beforeEnd = d;
            return this;
        }

        Sse end(End e) {
            end = e;
            return this;
        }

        @Override
        public void respond(HttpExchange ex, FakeUpstream up) throws IOException {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            OutputStream out;
            try {
                ex.sendResponseHeaders(200, 0);
                out = ex.getResponseBody();
                out.flush();
                sleep(beforeFirst);
                for (int i = 0; i < events.size(); i++) {
                    if (i > 0) sleep(between);
                    out.write(events.get(i).getBytes(UTF_8));
                    out.flush();
                    up.eventsWritten.incrementAndGet();
                }
            } catch (IOException e) {
                up.writeFailed.countDown();
                throw e;
            }
            up.scriptCompleted.countDown();
            sleep(beforeEnd);
            if (end == End.ABORT) {
                // The JDK server closes the connection of a handler that throws, without the
                // terminating chunk: to the gateway the body breaks off.
                throw new IllegalStateException("fake upstream: dropping the connection mid-body");
            }
            try {
                out.close();
            } catch (IOException e) {
                up.writeFailed.countDown();
            }
        }
    }

    static void sleep(Duration d) {
        if (d.isZero()) return;
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void setDefault(String property, String value) {
        if (System.getProperty(property) == null) System.setProperty(property, value);
    }
}

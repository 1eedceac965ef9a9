package tollgate.provider;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-style upstream for tests: a {@code com.sun.net.httpserver} server on 127.0.0.1,
 * port 0, that records every request and answers with the current {@link #handler}.
 */
public final class FakeUpstream implements AutoCloseable {

    /** One request as the upstream received it (header names lower-cased). */
    public record Recorded(String method, String path, Map<String, String> headers, byte[] body) {
        public String bodyText() { return new String(body, StandardCharsets.UTF_8); }
    }

    @FunctionalInterface
    public interface Handler {
        void handle(HttpExchange ex) throws Exception;
    }

    public final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
    /** Counted down at close: handlers that stall wait on it so that they end with the test. */
    public final CountDownLatch released = new CountDownLatch(1);
    public volatile Handler handler = ex -> json(ex, 200, "{}");
    private final HttpServer server;

    public FakeUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                Map<String, String> headers = new java.util.TreeMap<>();
                ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
                requests.add(new Recorded(ex.getRequestMethod(), ex.getRequestURI().getPath(), headers, body));
                handler.handle(ex);
            } catch (Exception e) {
                // A handler that fails because the client went away is part of some tests.
            }
        });
        server.start();
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    public Recorded take() throws InterruptedException {
        Recorded r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) throw new AssertionError("the upstream received no request");
        return r;
    }

    /** Waits (at most until close) — for handlers that must stall. */
    public void stall() throws InterruptedException {
        released.await(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
    }

    public static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) ex.getResponseBody().write(b);
    }

    /** Starts an event stream (chunked) and returns its body for {@link #event}. */
    public static OutputStream startSse(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    /** Writes {@code data: <data>\n\n} and flushes. */
    public static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}

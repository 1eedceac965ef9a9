package tollgate.tool;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import tollgate.http.Server;

/**
 * A loopback HTTP endpoint for tool tests (127.0.0.1, a random port): records every request
 * (method, path and query, headers, body) and answers with the current {@link Answer}.
 */
final class FakeEndpoint implements AutoCloseable {
    static {
        // The JDK server reads these once per JVM: set them as the gateway would (see FakeUpstream).
        Server.jdkProperties(tollgate.config.ServerLimits.defaults()).forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }

    /** One request as received; header names lower-cased. */
    record Received(String method, String uri, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    @FunctionalInterface
    interface Answer {
        void respond(HttpExchange exchange) throws IOException;
    }

    final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile Answer answer;

    FakeEndpoint(Answer answer) throws IOException {
        this.answer = answer;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            try (ex; InputStream in = ex.getRequestBody()) {
                Map<String, List<String>> h = new TreeMap<>();
                ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), v));
                received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().toString(), h,
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                this.answer.respond(ex);
            }
        });
        server.start();
    }

    void answer(Answer a) { this.answer = a; }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** A fixed answer. */
    static Answer fixed(int status, String contentType, String body) {
        return ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            if (contentType != null) ex.getResponseHeaders().set("content-type", contentType);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            ex.getResponseBody().write(b);
        };
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

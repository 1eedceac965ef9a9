package tollgate.telemetry;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tollgate.http.Server;
import tollgate.json.Json;

/**
 * An OTLP/HTTP collector on 127.0.0.1:0 for tests: records every POST (headers and body) and
 * answers from a script of responses, then 200 with an empty ExportTraceServiceResponse
 * ({@code {}}, application/json) once the script is used up.
 */
public final class FakeCollector implements AutoCloseable {
    static {
        // The JDK server reads these once per JVM: set them as the gateway would (see FakeUpstream).
        Server.jdkProperties(tollgate.config.ServerLimits.defaults()).forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }

    /** One export request as received. Header names lower-cased. */
    public record Received(String path, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            for (var e : headers.entrySet()) if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) return e.getValue().get(0);
            return null;
        }

        /** The body parsed as JSON. */
        public Map<String, Object> json() { return Json.asObject(Json.parse(body)); }
    }

    /** A scripted answer. */
    public record Answer(int status, String retryAfter, String body) {}

    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();

    public FakeCollector() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.setExecutor(executor);
        http.createContext("/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                received.add(new Received(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body));
                Answer a = script.poll();
                if (a == null) a = new Answer(200, null, "{}");
                if (a.retryAfter() != null) ex.getResponseHeaders().set("Retry-After", a.retryAfter());
                ex.getResponseHeaders().set("Content-Type", "application/json");
                byte[] out = a.body().getBytes(UTF_8);
                ex.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        });
        http.start();
    }

    /** Answers the next requests with these, in order. */
    public FakeCollector script(Answer... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    public String url() { return "http://127.0.0.1:" + http.getAddress().getPort(); }

    public List<Received> received() { return List.copyOf(received); }

    /** Waits until {@code n} requests arrived (or fails after {@code max}): for the retry tests. */
    public List<Received> await(int n, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (received.size() < n && System.nanoTime() < deadline) Thread.sleep(10);
        return received();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}

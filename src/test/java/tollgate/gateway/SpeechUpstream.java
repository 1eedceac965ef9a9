package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tollgate.http.Server;

/**
 * A fake speech upstream for black-box tests: Deepgram's {@code POST /deepgram/v1/speak} and an
 * OpenAI-compatible {@code POST /v1/audio/speech} on one loopback {@link HttpServer}, told apart by
 * path. It records every request exactly (method, path, raw query, headers, body) and answers
 * with the behaviour set for the path: audio in pieces (each flushed on its own, optionally
 * holding back the rest until the test {@link #release releases} it), an error status, or an
 * answer that breaks off mid-body.
 */
final class SpeechUpstream implements AutoCloseable {
    static {
        // As FakeUpstream: the JDK server reads these once for every HttpServer in the JVM.
        Server.jdkProperties(tollgate.config.ServerLimits.defaults()).forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }

    static final String DEEPGRAM_PATH = "/deepgram/v1/speak";
    static final String OPENAI_PATH = "/v1/audio/speech";

    /** One request as received; header names lower-cased. */
    record Received(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        String bodyText() { return new String(body, UTF_8); }
    }

    @FunctionalInterface
    interface Behaviour {
        void respond(HttpExchange exchange, SpeechUpstream upstream) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Received> all = new CopyOnWriteArrayList<>();
    private final Map<String, Behaviour> byPath = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch writeFailed = new CountDownLatch(1);

    SpeechUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    SpeechUpstream on(String path, Behaviour b) {
        byPath.put(path, b);
        return this;
    }

    /** The next request, waiting up to 5 s; fails if none came. */
    Received take() {
        try {
            Received r = received.poll(5, TimeUnit.SECONDS);
            if (r == null) throw new AssertionError("the upstream received no request within 5 s");
            return r;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    List<Received> requests() { return List.copyOf(all); }

    /** Lets a {@link #held} answer send its rest. */
    void release() { release.countDown(); }

    /** Whether a write to the gateway failed (it dropped the connection) within {@code seconds}. */
    boolean awaitWriteFailure(long seconds) throws InterruptedException { return writeFailed.await(seconds, TimeUnit.SECONDS); }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, List<String>> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        Received r = new Received(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(), headers,
                body);
        all.add(r);
        received.add(r);
        Behaviour b = byPath.get(r.path());
        if (b == null) b = error(404, "application/json", "{\"error\":{\"message\":\"fake upstream: no route for " + r.path() + "\"}}");
        b.respond(ex, this);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ behaviours

    /** 200 with {@code contentType}, the audio chunked in pieces of {@code piece} bytes, each flushed. */
    static Behaviour audio(String contentType, byte[] audio, int piece) {
        return (ex, up) -> send(ex, up, contentType, audio, piece, -1, false);
    }

    /** As {@link #audio}, but after the first {@code first} bytes it waits for {@link #release} before the rest. */
    static Behaviour held(String contentType, byte[] audio, int first) {
        return (ex, up) -> send(ex, up, contentType, audio, first, first, false);
    }

    /**
     * Sends the first {@code first} bytes, waits for {@link #release} (so the test knows they got
     * through: a connection dropped at once may lose bytes still in flight), then drops the
     * connection without ending the body.
     */
    static Behaviour breaksAfter(String contentType, byte[] audio, int first) {
        return (ex, up) -> send(ex, up, contentType, audio, first, first, true);
    }

    /** 200 and its headers, then nothing until {@link #release}: a body that stalls before its first byte. */
    static Behaviour stalls(String contentType) {
        return (ex, up) -> {
            ex.getResponseHeaders().set("Content-Type", contentType);
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().flush();
            try {
                up.release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        };
    }

    /** {@code status} with a body of {@code contentType}, and headers given as name, value pairs. */
    static Behaviour error(int status, String contentType, String body, String... headers) {
        return (ex, up) -> {
            byte[] bytes = body.getBytes(UTF_8);
            ex.getResponseHeaders().set("Content-Type", contentType);
            for (int i = 0; i + 1 < headers.length; i += 2) ex.getResponseHeaders().set(headers[i], headers[i + 1]);
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    private static void send(HttpExchange ex, SpeechUpstream up, String contentType, byte[] audio, int piece, int holdAfter,
                             boolean breakOff) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(200, 0); // chunked
        OutputStream out = ex.getResponseBody();
        try {
            for (int at = 0; at < audio.length; ) {
                int n = Math.min(piece, audio.length - at);
                out.write(audio, at, n);
                out.flush();
                at += n;
                if (at == holdAfter) {
                    if (!up.release.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
                    if (breakOff) {
                        // The JDK server closes the connection of a handler that throws, without
                        // the terminating chunk: to the gateway the body breaks off.
                        throw new IllegalStateException("fake upstream: dropping the connection mid-body");
                    }
                    piece = audio.length; // the rest at once
                }
            }
            out.close();
        } catch (IOException e) {
            up.writeFailed.countDown();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}

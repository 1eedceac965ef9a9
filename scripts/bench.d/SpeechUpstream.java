// Fake Deepgram for scripts/bench's speech part (not part of Tollgate). Run with the source
// launcher:
//
//   java SpeechUpstream.java PORT SPEAK_BYTES
//   java SpeechUpstream.java proxy PORT UPSTREAM_BASE   (the JDK floor, see below)
//
//   POST /v1/listen  reads the whole audio body (64 KiB at a time, nothing kept) and answers a
//                    small Deepgram transcript whose metadata.duration is bytes / 32,000 s
//   POST /v1/speak   reads the JSON body and streams SPEAK_BYTES of audio/mpeg in 16 KiB writes
//   POST /hold       from now on, /v1/listen stops reading after its first 256 KiB of each upload
//                    until POST /release: uploads then stay in flight in the gateway, for the heap
//                    measure (what one upload in flight holds there)
//   POST /release    lets held uploads finish
//   GET  /status     {"holding":B,"held":N}: N uploads are being held now
//
// The proxy mode is the floor of the JDK's own stacks for this traffic: com.sun.net.httpserver on
// virtual threads and one java.net.http.HttpClient, forwarding /v1/listen's body as it arrives
// (BodyPublishers.ofInputStream) and copying /v1/speak's answer as it comes (16 KiB reads,
// flushed when nothing more is ready), with no gateway logic at all. Run it with the gateway's
// JVM options (and jdk.httpclient.bufsize) to see what Tollgate adds over the JDK.
//
// Prints {"event":"listening","port":N} once it accepts connections.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

public class SpeechUpstream {
    static final int HOLD_AFTER_BYTES = 256 * 1024;
    static final ReentrantLock lock = new ReentrantLock();
    static final Condition released = lock.newCondition();
    static volatile boolean holding;
    static final AtomicInteger held = new AtomicInteger();

    public static void main(String[] args) throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        if (args[0].equals("proxy")) {
            proxy(Integer.parseInt(args[1]), args[2]);
            return;
        }
        int port = Integer.parseInt(args[0]);
        long speakBytes = Long.parseLong(args[1]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] audio = new byte[16 * 1024];
        for (int i = 0; i < audio.length; i++) audio[i] = (byte) (i * 31 + 7);
        server.createContext("/v1/listen", ex -> {
            try (ex) {
                long n = drain(ex.getRequestBody());
                byte[] body = ("{\"metadata\":{\"request_id\":\"bench\",\"duration\":" + (n / 32_000.0)
                        + ",\"channels\":1},\"results\":{\"channels\":[{\"alternatives\":[{\"transcript\":\"bench "
                        + n + " bytes\",\"confidence\":1.0,\"words\":[]}]}]}}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        server.createContext("/v1/speak", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                ex.getResponseHeaders().set("Content-Type", "audio/mpeg");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                for (long left = speakBytes; left > 0; left -= audio.length) out.write(audio, 0, (int) Math.min(audio.length, left));
            }
        });
        server.createContext("/hold", ex -> control(ex, true));
        server.createContext("/release", ex -> control(ex, false));
        server.createContext("/status", ex -> control(ex, holding));
        server.start();
        System.out.println("{\"event\":\"listening\",\"port\":" + server.getAddress().getPort() + "}");
    }

    static long drain(InputStream in) throws java.io.IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        boolean counted = false;
        for (int n; (n = in.read(buf)) >= 0; ) {
            total += n;
            if (holding && total >= HOLD_AFTER_BYTES) {
                lock.lock();
                try {
                    if (!counted) {
                        counted = true;
                        held.incrementAndGet();
                    }
                    while (holding) released.awaitUninterruptibly();
                } finally {
                    lock.unlock();
                }
            }
        }
        if (counted) held.decrementAndGet();
        return total;
    }

    static void control(HttpExchange ex, boolean hold) throws java.io.IOException {
        try (ex) {
            ex.getRequestBody().readAllBytes();
            lock.lock();
            try {
                holding = hold;
                if (!hold) released.signalAll();
            } finally {
                lock.unlock();
            }
            byte[] body = ("{\"holding\":" + hold + ",\"held\":" + held.get() + "}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        }
    }

    static void proxy(int port, String base) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            try (ex) {
                String type = ex.getRequestHeaders().getFirst("Content-Type");
                String length = ex.getRequestHeaders().getFirst("Content-Length");
                var publisher = java.net.http.HttpRequest.BodyPublishers.ofInputStream(ex::getRequestBody);
                var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + ex.getRequestURI().getPath()
                                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery())))
                        .header("Content-Type", type == null ? "application/octet-stream" : type)
                        .POST(length == null ? publisher : java.net.http.HttpRequest.BodyPublishers.fromPublisher(publisher,
                                Long.parseLong(length)))
                        .build();
                var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
                ex.getResponseHeaders().set("Content-Type", response.headers().firstValue("content-type").orElse("application/octet-stream"));
                ex.sendResponseHeaders(response.statusCode(), 0);
                try (InputStream in = response.body(); OutputStream out = ex.getResponseBody()) {
                    byte[] buf = new byte[16 * 1024];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        if (in.available() == 0) out.flush();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        System.out.println("{\"event\":\"listening\",\"port\":" + server.getAddress().getPort() + "}");
    }
}

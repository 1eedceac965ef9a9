import com.sun.management.ThreadMXBean;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import tollgate.account.Recorder;
import tollgate.account.UsageRecord;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.config.ModelConfig;
import tollgate.config.RouterConfig;
import tollgate.http.HttpCall;
import tollgate.json.JsonNumber;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.metrics.Metrics;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatProvider;
import tollgate.provider.ChatResult;
import tollgate.provider.ChunkSink;
import tollgate.provider.Provider;
import tollgate.provider.Usage;
import tollgate.route.Router;

/**
 * What the metrics cost (issue 13; scripts/bench.d/metrics.sh runs it; not a test, it asserts
 * nothing). In-process, no network.
 *
 * <p>(a) hot path: what one answered request adds, {@code Metrics.ended} (the end of the HTTP
 * call: requests counter, duration histogram, the dashboard's time bucket and percentile bins,
 * the ring of recent requests) plus the ledger record's usage ({@code Metrics.recording}: tokens,
 * cost, credits, savings), for calls spread over 64 label combinations already seen (as in a
 * running gateway); timed in BATCHES batches of BATCH_OPS after WARMUP ops: median ns per request,
 * thread CPU and bytes allocated per request; then 2 threads doing the same at once (ns per
 * request per thread, wall). Target: <= 1 us per request, 0 bytes.
 *
 * <p>(b) render: {@code GET /metrics}'s {@code Metrics.render()} once 500 models x 10 keys have
 * each been used (5,000 label combinations of requests and usage, 500 deployments): median and
 * max ms over RENDERS renders after 10 warm-ups, and the size of the page.
 *
 * <p>The gateway's HTTP call is made through reflection (its constructor and route are
 * package-private: the router makes them), over a stub exchange that is never written to.
 *
 *   java -cp target/tollgate.jar scripts/bench.d/MetricsCost.java [BATCH_OPS]
 */
public final class MetricsCost {
    static int BATCH_OPS = 200_000;
    static final int BATCHES = 15;
    static final int WARMUP = 2_000_000;
    static final int RENDERS = 30;
    static final int RENDER_WARMUP = 40;
    static final int MODELS = 500;
    static final int KEYS = 10;
    static final int PROVIDERS = 10;
    static final int COMBINATIONS = 64;

    public static void main(String[] args) throws Exception {
        if (args.length > 0) BATCH_OPS = Integer.parseInt(args[0]);
        List<String> summary = new ArrayList<>();
        Metrics m = metrics();
        Recorder ledger = m.recording(Recorder.NONE);
        Reservation memory = new MemoryBudget(1 << 30).open();
        HttpCall[] calls = new HttpCall[COMBINATIONS];
        UsageRecord[] records = new UsageRecord[COMBINATIONS];
        for (int i = 0; i < COMBINATIONS; i++) {
            calls[i] = call(memory, i * 7 % MODELS, i % KEYS, 200);
            records[i] = record(i * 7 % MODELS, i % KEYS);
        }
        hotPath(m, ledger, calls, records, summary);
        render(summary);
        System.out.println("{\"part\":\"metrics_check\",\"java\":\"" + System.getProperty("java.version") + "\",\"cpus\":"
                + Runtime.getRuntime().availableProcessors() + "}");
        System.out.println("summary: " + String.join("; ", summary));
    }

    static void hotPath(Metrics m, Recorder ledger, HttpCall[] calls, UsageRecord[] records, List<String> summary) throws Exception {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        run(m, ledger, calls, records, WARMUP);
        double[] ns = new double[BATCHES], cpu = new double[BATCHES], bytes = new double[BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            long a0 = threads.getCurrentThreadAllocatedBytes(), c0 = threads.getCurrentThreadCpuTime(), t0 = System.nanoTime();
            run(m, ledger, calls, records, BATCH_OPS);
            long t = System.nanoTime() - t0, c = threads.getCurrentThreadCpuTime() - c0, a = threads.getCurrentThreadAllocatedBytes() - a0;
            ns[b] = (double) t / BATCH_OPS;
            cpu[b] = (double) c / BATCH_OPS;
            bytes[b] = (double) a / BATCH_OPS;
        }
        double p50 = median(ns), c50 = median(cpu), b50 = median(bytes);
        System.out.printf("{\"part\":\"metrics_hot_path\",\"threads\":1,\"ns_per_request\":%.1f,\"cpu_ns_per_request\":%.1f,"
                + "\"bytes_per_request\":%.2f,\"min_ns\":%.1f,\"max_ns\":%.1f,\"batches\":%d,\"batch_ops\":%d}%n",
                p50, c50, b50, Arrays.stream(ns).min().orElse(0), Arrays.stream(ns).max().orElse(0), BATCHES, BATCH_OPS);
        summary.add(String.format("hot path, 1 thread: %.0f ns per request (CPU %.0f ns), %.2f bytes", p50, c50, b50));

        // Two threads at once (the machine's cores are shared with whatever else runs).
        double[] two = new double[BATCHES], cpuTwo = new double[BATCHES * 2];
        for (int b = 0; b < BATCHES; b++) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int offset = t * 31;
                int slot = b * 2 + t;
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long c0 = threads.getCurrentThreadCpuTime();
                    run(m, ledger, rotate(calls, offset), rotate(records, offset), BATCH_OPS);
                    cpuTwo[slot] = (double) (threads.getCurrentThreadCpuTime() - c0) / BATCH_OPS;
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            for (Thread t : ts) t.join();
            two[b] = (double) (System.nanoTime() - t0) / BATCH_OPS;
        }
        double p2 = median(two), c2 = median(cpuTwo);
        System.out.printf("{\"part\":\"metrics_hot_path\",\"threads\":2,\"ns_per_request\":%.1f,\"cpu_ns_per_request\":%.1f,"
                + "\"batches\":%d,\"batch_ops\":%d}%n", p2, c2, BATCHES, BATCH_OPS);
        summary.add(String.format("hot path, 2 threads at once: %.0f ns per request per thread (wall), CPU %.0f ns", p2, c2));
    }

    static <T> T[] rotate(T[] a, int by) {
        T[] out = a.clone();
        for (int i = 0; i < a.length; i++) out[i] = a[(i + by) % a.length];
        return out;
    }

    /** One request's metrics: the end of its HTTP call and its ledger record. */
    static void run(Metrics m, Recorder ledger, HttpCall[] calls, UsageRecord[] records, int ops) {
        long t = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            int k = i & (COMBINATIONS - 1);
            ledger.record(records[k]);
            m.ended(calls[k], t, t + 2_500_000L + (i & 0xFFFFF));
        }
    }

    static void render(List<String> summary) throws Exception {
        Metrics m = metrics();
        Recorder ledger = m.recording(Recorder.NONE);
        Reservation memory = new MemoryBudget(1 << 30).open();
        for (int i = 0; i < MODELS; i++) {
            for (int k = 0; k < KEYS; k++) {
                m.ended(call(memory, i, k, k == 0 && i % 50 == 0 ? 502 : 200), 0, 1_000_000L * (1 + i % 100));
                ledger.record(record(i, k));
            }
        }
        byte[] page = null;
        for (int i = 0; i < RENDER_WARMUP; i++) page = m.render();
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        double[] ms = new double[RENDERS], cpuMs = new double[RENDERS];
        for (int i = 0; i < RENDERS; i++) {
            long c0 = threads.getCurrentThreadCpuTime(), t0 = System.nanoTime();
            page = m.render();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpuMs[i] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        long samples = 0;
        for (byte b : page) if (b == '\n') samples++;
        double p50 = median(ms), max = Arrays.stream(ms).max().orElse(0), cpu = median(cpuMs);
        System.out.printf("{\"part\":\"metrics_render\",\"models\":%d,\"keys\":%d,\"ms_p50\":%.2f,\"ms_max\":%.2f,\"cpu_ms_p50\":%.2f,"
                + "\"bytes\":%d,\"lines\":%d,\"renders\":%d}%n", MODELS, KEYS, p50, max, cpu, page.length, samples, RENDERS);
        summary.add(String.format("render with %d models x %d keys: %.1f ms wall (max %.1f), %.1f ms CPU, %d KiB, %d lines", MODELS, KEYS,
                p50, max, cpu, page.length / 1024, samples));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String model(int i) { return String.format("bench-m%03d", i); }

    static String deployment(int i) { return "p" + (i % PROVIDERS) + "/up-m" + i; }

    static UsageRecord record(int model, int key) {
        return new UsageRecord("exec", "req", "k" + key, model(model), deployment(model), 120, 45, new BigDecimal("0.000123"),
                new BigDecimal("0.000456"), 123, 200, false, 0, 1);
    }

    /** A finished call as the router leaves it: route, status, key and the fields the chat endpoint logged. */
    static HttpCall call(Reservation memory, int model, int key, int status) throws Exception {
        Constructor<HttpCall> c = HttpCall.class.getDeclaredConstructor(HttpExchange.class, String.class, long.class, Reservation.class);
        c.setAccessible(true);
        HttpCall call = c.newInstance(new StubExchange(), "req_0123456789abcdef01234567", 1L << 20, memory);
        Method route = HttpCall.class.getDeclaredMethod("route", String.class);
        route.setAccessible(true);
        route.invoke(call, "/v1/chat/completions");
        Field s = HttpCall.class.getDeclaredField("status");
        s.setAccessible(true);
        s.setInt(call, status);
        call.authenticatedAs("k" + key);
        call.log("model", model(model));
        call.log("stream", false);
        call.log("deployment", deployment(model));
        call.log("prompt_tokens", 120L);
        call.log("completion_tokens", 45L);
        call.log("cost", new JsonNumber("0.000123"));
        call.log("credits", 123L);
        return call;
    }

    static Metrics metrics() {
        Map<String, Provider> running = new LinkedHashMap<>();
        for (int p = 0; p < PROVIDERS; p++) running.put("p" + p, new FakeProvider("p" + p));
        List<ModelConfig> models = new ArrayList<>();
        for (int i = 0; i < MODELS; i++) {
            models.add(new ModelConfig(model(i), "p" + (i % PROVIDERS), "up-m" + i, "Bench model " + i, 128_000, "0.000001",
                    "0.000002", Set.of("stream"), 1_700_000_000L, 0, Map.of()));
        }
        Catalog catalog = Catalog.of(models);
        Router router = new Router(catalog, running, Map.of(), List.of(), RouterConfig.defaults(), Map.of(), Clock.SYSTEM,
                new SplittableRandom(1));
        Metrics m = new Metrics(Clock.SYSTEM, "bench");
        m.attach(catalog, router);
        return m;
    }

    record FakeProvider(String id) implements ChatProvider {
        @Override public String kind() { return "bench"; }
        @Override public Set<String> capabilities() { return Set.of("chat"); }
        @Override public ChatResult chat(ChatCall call) { throw new AssertionError("never called"); }
        @Override public Usage stream(ChatCall call, ChunkSink sink) { throw new AssertionError("never called"); }
    }

    /** An exchange that is only read (path, method, headers); nothing is sent on it. */
    static final class StubExchange extends HttpExchange {
        final Headers request = new Headers(), response = new Headers();
        final URI uri = URI.create("/v1/chat/completions");

        @Override public Headers getRequestHeaders() { return request; }
        @Override public Headers getResponseHeaders() { return response; }
        @Override public URI getRequestURI() { return uri; }
        @Override public String getRequestMethod() { return "POST"; }
        @Override public HttpContext getHttpContext() { return null; }
        @Override public void close() { }
        @Override public InputStream getRequestBody() { return InputStream.nullInputStream(); }
        @Override public OutputStream getResponseBody() { return OutputStream.nullOutputStream(); }
        @Override public void sendResponseHeaders(int rCode, long responseLength) { }
        @Override public InetSocketAddress getRemoteAddress() { return new InetSocketAddress("127.0.0.1", 1); }
        @Override public int getResponseCode() { return 200; }
        @Override public InetSocketAddress getLocalAddress() { return new InetSocketAddress("127.0.0.1", 2); }
        @Override public String getProtocol() { return "HTTP/1.1"; }
        @Override public Object getAttribute(String name) { return null; }
        @Override public void setAttribute(String name, Object value) { }
        @Override public void setStreams(InputStream i, OutputStream o) { }
        @Override public HttpPrincipal getPrincipal() { return null; }
    }
}

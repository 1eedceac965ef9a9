package tollgate.telemetry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.call.Clock;
import tollgate.config.TelemetryConfig;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.log.Log;
import tollgate.provider.Upstream;

/**
 * The one virtual thread that sends queued spans to the collector: every
 * {@code export_interval_ms} it takes what is queued, in batches of at most
 * {@link #MAX_BATCH_SPANS}, and POSTs each as OTLP/HTTP JSON ({@link OtlpJson}) with the shared
 * outbound client, one batch at a time (the spec's sequential mode).
 *
 * <p>Failures, per opentelemetry-proto docs/specification.md "OTLP/HTTP Response": 429, 502, 503
 * and 504, and a connection that fails or ends without a response, are retried up to
 * {@link #MAX_ATTEMPTS} times with exponential backoff and jitter (honouring a
 * {@code Retry-After} in seconds, capped at {@link #MAX_BACKOFF}); any other status drops the
 * batch. While it retries, new spans wait in the queue, and past its size they are dropped: a
 * slow collector never slows a request. A failure is logged once when exports start failing and
 * once when they work again, not per batch. The response body is read up to
 * {@link #MAX_RESPONSE_BYTES} (a partial success reports the spans it rejected; an error body
 * goes into the log line).
 */
final class Exporter {
    /** Spans per request (the SDKs' maxExportBatchSize default): ~0.5 MB of JSON, far below the 20 MiB the spec recommends as a limit. */
    static final int MAX_BATCH_SPANS = 512;
    /** Attempts per batch, the first included. */
    static final int MAX_ATTEMPTS = 5;
    /** The first retry's wait; doubled for each further one. */
    static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
    /** The longest wait before a retry, whatever {@code Retry-After} asks. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Longest an export request may take, connection to last byte. */
    static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(10);
    /** Bytes of a collector's answer read (for a partial success or an error message). */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;
    /** Characters of a collector's error body put in the log line. */
    static final int MAX_LOGGED_CHARS = 300;

    private final TelemetryConfig config;
    private final ArrayBlockingQueue<Span> queue;
    private final Upstream upstream;
    private final String version;
    private final Clock clock;
    private final AtomicLong exported = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closing;
    private Thread thread;
    /** Whether the last export failed (the log says so once per stretch of failures). Export thread only. */
    private boolean failing;

    Exporter(TelemetryConfig config, ArrayBlockingQueue<Span> queue, Upstream upstream, String version, Clock clock) {
        this.config = config;
        this.queue = queue;
        this.upstream = upstream;
        this.version = version;
        this.clock = clock;
    }

    void start() { thread = Thread.ofVirtual().name("tollgate-telemetry").start(this::run); }

    long exported() { return exported.get(); }

    long failed() { return failed.get(); }

    /** Asks the thread to send what is queued and end; waits for it at most {@code grace}. */
    void close(Duration grace) {
        closing = true;
        thread.interrupt();
        try {
            if (!thread.join(grace)) thread.interrupt(); // give up: a request in flight is cancelled
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Span> batch = new ArrayList<>(MAX_BATCH_SPANS);
        while (!closing) {
            try {
                clock.sleep(config.exportInterval().toNanos());
                while (!closing && queue.drainTo(batch, MAX_BATCH_SPANS) > 0) {
                    send(batch, MAX_ATTEMPTS);
                    batch.clear();
                }
            } catch (InterruptedException e) {
                // close(): the batch being sent, if any, is sent once more below
            }
        }
        Thread.interrupted();
        try {
            if (!batch.isEmpty()) send(batch, 1);
            batch.clear();
            while (queue.drainTo(batch, MAX_BATCH_SPANS) > 0) {
                send(batch, 1);
                batch.clear();
            }
        } catch (InterruptedException e) {
            // close() gave up waiting: what was left is lost
            failed.addAndGet(batch.size() + queue.size());
        }
    }

    /** Sends one batch, retrying as the class comment says; counts it as exported or failed. */
    void send(List<Span> batch, int attempts) throws InterruptedException {
        byte[] body = OtlpJson.encode(batch, config.serviceName(), version);
        String problem = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            long wait;
            try {
                HttpRequest.Builder b = upstream.request(config.endpoint()).timeout(EXPORT_TIMEOUT)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
                for (Map.Entry<String, String> h : config.headers().entrySet()) b.header(h.getKey(), h.getValue());
                HttpResponse<InputStream> r = upstream.client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                String text = read(r.body());
                int status = r.statusCode();
                if (status / 100 == 2) {
                    long rejected = rejected(text);
                    exported.addAndGet(batch.size() - rejected);
                    failed.addAndGet(rejected);
                    if (rejected > 0) Log.warn("telemetry_spans_rejected", "endpoint", where(), "rejected_spans", rejected);
                    if (failing) Log.info("telemetry_export_recovered", "endpoint", where(), "failed_spans", failed.get());
                    failing = false;
                    return;
                }
                problem = "HTTP " + status + (text.isEmpty() ? "" : ": " + clip(text));
                if (status != 429 && status != 502 && status != 503 && status != 504) break;
                wait = retryAfter(r.headers().firstValue("Retry-After").orElse(null), attempt);
            } catch (IOException | RuntimeException e) {
                // close() interrupted the exchange (the JDK client reports that as an IOException):
                // the batch is sent once more by the final flush rather than counted as failed.
                if (closing && attempts > 1) throw new InterruptedException("closing");
                // Connection refused or reset, a timeout, or a closed client: retryable.
                problem = e.getMessage() != null ? clip(e.getMessage()) : "the connection failed";
                wait = backoff(attempt);
            }
            if (attempt < attempts && !closing) clock.sleep(wait);
            else break;
        }
        failed.addAndGet(batch.size());
        if (!failing) Log.warn("telemetry_export_failed", "endpoint", where(), "spans", batch.size(), "reason", problem);
        failing = true;
    }

    /** The wait before retry {@code attempt + 1}: {@code Retry-After} when it gives whole seconds, else {@link #backoff}. */
    static long retryAfter(String header, int attempt) {
        if (header != null && header.strip().matches("[0-9]{1,9}")) {
            return Math.min(Duration.ofSeconds(Long.parseLong(header.strip())).toNanos(), MAX_BACKOFF.toNanos());
        }
        return backoff(attempt);
    }

    /** {@link #INITIAL_BACKOFF} doubled per attempt, capped, then 50-100 % of that (jitter, so restarted gateways spread out). */
    static long backoff(int attempt) {
        long base = Math.min(INITIAL_BACKOFF.toNanos() << Math.min(attempt - 1, 20), MAX_BACKOFF.toNanos());
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    /** {@code partialSuccess.rejectedSpans} of an ExportTraceServiceResponse (an int64: string or number), else 0. */
    static long rejected(String text) {
        if (text.isEmpty() || text.charAt(0) != '{') return 0;
        try {
            Map<String, Object> partial = Json.asObject(Json.asObject(Json.parse(text)).get("partialSuccess"));
            Object n = partial == null ? null : partial.get("rejectedSpans");
            if (n instanceof JsonNumber j && j.isInteger()) return Math.max(0, j.longValue());
            if (n instanceof String s && s.matches("[0-9]{1,18}")) return Long.parseLong(s);
        } catch (RuntimeException notJson) {
            // a collector's body is not ours to validate
        }
        return 0;
    }

    /** At most {@link #MAX_RESPONSE_BYTES} of the body, as text; the rest is left unread. */
    private static String read(InputStream in) throws IOException {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES);
            return new String(bytes, StandardCharsets.UTF_8).strip();
        }
    }

    /** The endpoint without user info or query (they may hold credentials) for the log. */
    private String where() { return where(config.endpoint()); }

    static String where(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "") + u.getRawPath();
    }

    private static String clip(String s) { return s.length() <= MAX_LOGGED_CHARS ? s : s.substring(0, MAX_LOGGED_CHARS) + "…"; }
}

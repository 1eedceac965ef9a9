package tollgate.telemetry;

import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import tollgate.call.Clock;
import tollgate.config.TelemetryConfig;
import tollgate.json.JsonNumber;
import tollgate.log.Log;
import tollgate.provider.Upstream;

/**
 * Request spans for an OpenTelemetry collector (README, "Tracing"): the HTTP layer reports each
 * finished request ({@link #request}), which becomes one SERVER span queued for export by
 * {@link Exporter}, a single virtual thread that sends them in batches as OTLP/HTTP JSON.
 *
 * <p>Contract: {@link #request} never blocks and never throws; when the queue is full the span is
 * dropped and counted ({@link #dropped()}). Safe to call from any thread. Exists only when
 * {@code telemetry.otlp_endpoint} is set ({@link #start} returns null otherwise), so a gateway
 * without it pays nothing and opens no connection.
 *
 * <p>Sampling is parent-based (the OpenTelemetry SDKs' default, ParentBased(TraceIdRatioBased)):
 * a request with a valid W3C {@code traceparent} is exported when its sampled flag is set and
 * joins that trace as a child of the caller's span; one without starts a new trace with random
 * ids, exported with probability {@code telemetry.sample_ratio}.
 */
public final class Tracer {
    /** Longest string attribute value, in chars (client input such as a model name must not become a 30 MB span). */
    static final int MAX_ATTRIBUTE_CHARS = 256;
    /** Ids as W3C Trace Context writes them: lowercase hex, a long as 16 digits. */
    private static final HexFormat HEX = HexFormat.of();

    private final TelemetryConfig config;
    private final ArrayBlockingQueue<Span> queue;
    private final Clock clock;
    /** Compared against a random 63-bit value: a new trace is sampled below it. */
    private final long sampleBelow;
    private final LongAdder dropped = new LongAdder();
    private final Exporter exporter;

    private Tracer(TelemetryConfig config, Upstream upstream, String version, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(config.maxQueue());
        this.sampleBelow = config.sampleRatio() >= 1.0 ? Long.MAX_VALUE : (long) (config.sampleRatio() * Long.MAX_VALUE);
        this.exporter = new Exporter(config, queue, upstream, version, clock);
    }

    /**
     * The tracer for {@code config}, its export thread started; null when export is off.
     *
     * @param upstream the gateway's shared outbound client (no client of its own)
     * @param version  the gateway's version ({@code service.version})
     */
    public static Tracer start(TelemetryConfig config, Upstream upstream, String version, Clock clock) {
        if (!config.enabled()) return null;
        Tracer t = new Tracer(config, upstream, version, clock);
        t.exporter.start();
        Log.info("telemetry_export", "endpoint", Exporter.where(config.endpoint()), "sample_ratio", config.sampleRatio(),
                "export_interval_ms", config.exportInterval().toMillis(), "max_queue", config.maxQueue());
        return t;
    }

    /**
     * Records one finished request. {@code fields} are its access-log fields (README, "Logs");
     * those the span carries are read now, on the caller's thread.
     *
     * @param method        the request method
     * @param route         the route that served it ({@code /v1/chat/completions}, {@code /admin/keys/{id}}), or null
     * @param status        the response status (0: none was sent)
     * @param durationNanos from the request's arrival to its end
     * @param traceparent   the request's {@code traceparent} header, or null
     * @param requestId     the request id (also in the access line and the {@code x-request-id} header)
     */
    public void request(String method, String route, int status, long durationNanos, String traceparent, String requestId,
                        Map<String, Object> fields) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        TraceParent parent = TraceParent.parse(traceparent);
        String traceId;
        if (parent != null) {
            if (!parent.sampled()) return;
            traceId = parent.traceId();
        } else {
            long high = random.nextLong();
            long low = random.nextLong();
            if ((low >>> 1) >= sampleBelow) return;
            if (high == 0 && low == 0) low = 1; // an all-zero trace id is invalid
            traceId = HEX.toHexDigits(high) + HEX.toHexDigits(low);
        }
        long spanId = random.nextLong();
        if (spanId == 0) spanId = 1;
        long end = clock.millis() * 1_000_000L;
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("http.request.method", method);
        if (route != null) a.put("http.route", route);
        if (status > 0) a.put("http.response.status_code", (long) status);
        string(a, "gen_ai.request.model", fields.get("model"));
        string(a, "gen_ai.provider.name", fields.get("provider"));
        string(a, "gen_ai.response.model", fields.get("deployment"));
        number(a, "gen_ai.usage.input_tokens", fields.get("prompt_tokens"));
        number(a, "gen_ai.usage.output_tokens", fields.get("completion_tokens"));
        string(a, "tollgate.key", fields.get("key"));
        if (fields.get("cost") instanceof JsonNumber cost) a.put("tollgate.cost_usd", cost.doubleValue());
        a.put("tollgate.request_id", requestId);
        boolean error = status >= 500;
        Object kind = fields.get("error");
        if (kind != null) string(a, "error.type", kind);
        else if (error) a.put("error.type", Integer.toString(status));
        String name = route == null ? method : method + " " + route;
        Span span = new Span(traceId, HEX.toHexDigits(spanId), parent == null ? null : parent.parentSpanId(), name,
                end - durationNanos, end, error, a);
        if (!queue.offer(span)) dropped.increment();
    }

    /** Spans dropped because the queue was full. */
    public long dropped() { return dropped.sum(); }

    /** Spans the collector accepted. */
    public long exported() { return exporter.exported(); }

    /** Spans given up on: refused by the collector, or still failing after the retries. */
    public long failed() { return exporter.failed(); }

    /** The configuration in force. */
    public TelemetryConfig config() { return config; }

    /**
     * Stops the export thread once it has sent what is queued (one attempt each, no retries),
     * waiting at most {@code grace}; spans of requests still finishing after this are not sent.
     */
    public void close(Duration grace) {
        exporter.close(grace);
        long lost = dropped.sum();
        if (lost > 0) Log.info("telemetry_closed", "dropped_spans", lost, "exported_spans", exported(),
                "failed_spans", failed());
    }

    private static void string(Map<String, Object> a, String key, Object value) {
        if (value == null) return;
        String s = value.toString();
        if (s.length() > MAX_ATTRIBUTE_CHARS) {
            int end = Character.isHighSurrogate(s.charAt(MAX_ATTRIBUTE_CHARS - 1)) ? MAX_ATTRIBUTE_CHARS - 1 : MAX_ATTRIBUTE_CHARS;
            s = s.substring(0, end);
        }
        a.put(key, s);
    }

    private static void number(Map<String, Object> a, String key, Object value) {
        if (value instanceof Number n) a.put(key, n.longValue());
        else if (value instanceof JsonNumber n && n.isInteger()) a.put(key, n.longValue());
    }
}

package tollgate.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.call.Clock;
import tollgate.config.TelemetryConfig;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.provider.Upstream;

/**
 * The tracer against a fake collector on loopback: the exact OTLP/HTTP JSON it sends, the
 * retries the spec asks for (429/502/503/504 and failed connections, honouring Retry-After),
 * the queue's bound and sampling. Waits are recorded by the clock, never measured.
 */
class TracerTest {
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final long NOW_MILLIS = 1_767_225_600_123L;
    static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
    static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");

    /** Wall clock fixed at {@link #NOW_MILLIS}; sleeps recorded, and actually slept for at most 5 ms (or not at all: {@link #parked}). */
    static final class TestClock implements Clock {
        final List<Long> sleeps = new CopyOnWriteArrayList<>();
        final boolean parked;

        TestClock(boolean parked) { this.parked = parked; }

        @Override public long nanos() { return System.nanoTime(); }
        @Override public long millis() { return NOW_MILLIS; }
        @Override public void sleep(long nanos) throws InterruptedException {
            sleeps.add(nanos);
            if (parked) Thread.sleep(Long.MAX_VALUE); // until close() interrupts
            Thread.sleep(Math.min(5, nanos / 1_000_000));
        }
    }

    FakeCollector collector;
    Upstream upstream;
    Tracer tracer;

    @BeforeEach
    void start() throws Exception {
        collector = new FakeCollector();
        upstream = new Upstream(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        if (tracer != null) tracer.close(Duration.ofSeconds(5));
        upstream.close();
        collector.close();
    }

    Tracer tracer(String url, double ratio, int maxQueue, Clock clock) {
        TelemetryConfig c = new TelemetryConfig(URI.create(url), Map.of("Authorization", "Bearer otlp-token-1"), "edge-gateway",
                ratio, maxQueue, Duration.ofSeconds(60));
        tracer = Tracer.start(c, upstream, "9.8.7", clock);
        return tracer;
    }

    static Map<String, Object> chatFields() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("key", "ci-bot");
        f.put("model", "gpt-4o-mini");
        f.put("stream", false);
        f.put("provider", "openai");
        f.put("deployment", "openai/gpt-4o-mini");
        f.put("prompt_tokens", 12);
        f.put("completion_tokens", 34L);
        f.put("cost", new JsonNumber("0.0000222"));
        return f;
    }

    @Test
    void oneRequestBecomesOneServerSpanInTheExactOtlpJsonShape() throws Exception {
        tracer(collector.url() + "/v1/traces", 1.0, 16, new TestClock(false));
        tracer.request("POST", "/v1/chat/completions", 200, 1_500_000, TRACEPARENT, "req_abc", chatFields());
        List<FakeCollector.Received> got = collector.await(1, Duration.ofSeconds(20));
        assertEquals(1, got.size());
        FakeCollector.Received r = got.get(0);
        assertEquals("/v1/traces", r.path());
        assertEquals("application/json", r.header("Content-Type"));
        assertEquals("Bearer otlp-token-1", r.header("Authorization"));
        Map<String, Object> body = r.json();
        String spanId = spanOf(body).get("spanId").toString();
        assertTrue(SPAN_ID.matcher(spanId).matches(), spanId);
        assertTrue(!spanId.equals("0".repeat(16)));
        long end = NOW_MILLIS * 1_000_000L;
        String expected = """
                {"resourceSpans": [{
                  "resource": {"attributes": [
                    {"key": "service.name", "value": {"stringValue": "edge-gateway"}},
                    {"key": "service.version", "value": {"stringValue": "9.8.7"}}]},
                  "scopeSpans": [{
                    "scope": {"name": "tollgate", "version": "9.8.7"},
                    "spans": [{
                      "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
                      "spanId": "%s",
                      "parentSpanId": "00f067aa0ba902b7",
                      "name": "POST /v1/chat/completions",
                      "kind": 2,
                      "startTimeUnixNano": "%d",
                      "endTimeUnixNano": "%d",
                      "attributes": [
                        {"key": "http.request.method", "value": {"stringValue": "POST"}},
                        {"key": "http.route", "value": {"stringValue": "/v1/chat/completions"}},
                        {"key": "http.response.status_code", "value": {"intValue": "200"}},
                        {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                        {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}},
                        {"key": "gen_ai.response.model", "value": {"stringValue": "openai/gpt-4o-mini"}},
                        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12"}},
                        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "34"}},
                        {"key": "tollgate.key", "value": {"stringValue": "ci-bot"}},
                        {"key": "tollgate.cost_usd", "value": {"doubleValue": 2.22E-5}},
                        {"key": "tollgate.request_id", "value": {"stringValue": "req_abc"}}],
                      "status": {}}]}]}]}
                """.formatted(spanId, end - 1_500_000, end);
        assertEquals(Json.parse(expected), body);
        awaitExported(1);
        tracer.close(Duration.ofSeconds(5));
        assertEquals(1, tracer.exported());
        assertEquals(0, tracer.failed());
    }

    @Test
    void aServerErrorIsAnErrorSpanAndANewTraceGetsRandomIds() throws Exception {
        tracer(collector.url() + "/v1/traces", 1.0, 16, new TestClock(false));
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("error", "upstream_unavailable");
        tracer.request("GET", null, 503, 2_000, null, "req_x", f);
        Map<String, Object> span = spanOf(collector.await(1, Duration.ofSeconds(20)).get(0).json());
        assertTrue(TRACE_ID.matcher(span.get("traceId").toString()).matches(), span.toString());
        assertTrue(!span.get("traceId").equals("0".repeat(32)));
        assertTrue(!span.containsKey("parentSpanId"), "a new trace is a root span");
        assertEquals("GET", span.get("name"), "no route matched: the method alone");
        assertEquals(Map.of("code", new JsonNumber("2")), span.get("status"));
        assertEquals(Json.parse("""
                [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                 {"key": "http.response.status_code", "value": {"intValue": "503"}},
                 {"key": "tollgate.request_id", "value": {"stringValue": "req_x"}},
                 {"key": "error.type", "value": {"stringValue": "upstream_unavailable"}}]"""), span.get("attributes"));
    }

    @Test
    void a503WithRetryAfterIsRetriedAfterThatWaitWithTheSameBody() throws Exception {
        collector.script(new FakeCollector.Answer(503, "0", "{\"message\":\"busy\"}"));
        TestClock clock = new TestClock(false);
        tracer(collector.url() + "/v1/traces", 1.0, 16, clock);
        tracer.request("POST", "/v1/chat/completions", 200, 1_000, null, "req_1", chatFields());
        List<FakeCollector.Received> got = collector.await(2, Duration.ofSeconds(20));
        assertEquals(2, got.size());
        assertEquals(new String(got.get(0).body()), new String(got.get(1).body()));
        assertTrue(clock.sleeps.contains(0L), "Retry-After: 0 means no wait: " + clock.sleeps);
        awaitExported(1);
        tracer.close(Duration.ofSeconds(5));
        assertEquals(1, tracer.exported());
        assertEquals(2, collector.received().size());
    }

    @Test
    void a429WithoutRetryAfterBacksOffExponentiallyWithJitter() throws Exception {
        collector.script(new FakeCollector.Answer(429, null, ""), new FakeCollector.Answer(502, null, ""));
        TestClock clock = new TestClock(false);
        tracer(collector.url() + "/v1/traces", 1.0, 16, clock);
        tracer.request("POST", "/v1/chat/completions", 200, 1_000, null, "req_1", chatFields());
        assertEquals(3, collector.await(3, Duration.ofSeconds(20)).size());
        awaitExported(1);
        tracer.close(Duration.ofSeconds(5));
        List<Long> backoffs = clock.sleeps.stream().filter(n -> n != Duration.ofSeconds(60).toNanos()).toList();
        assertEquals(2, backoffs.size(), clock.sleeps.toString());
        assertTrue(backoffs.get(0) >= 500_000_000L && backoffs.get(0) <= 1_000_000_000L, backoffs.toString());
        assertTrue(backoffs.get(1) >= 1_000_000_000L && backoffs.get(1) <= 2_000_000_000L, backoffs.toString());
        assertEquals(1, tracer.exported());
    }

    @Test
    void aBadRequestIsNotRetried() throws Exception {
        collector.script(new FakeCollector.Answer(400, null, "{\"message\":\"bad\"}"));
        tracer(collector.url() + "/v1/traces", 1.0, 16, new TestClock(false));
        tracer.request("POST", "/v1/chat/completions", 200, 1_000, null, "req_1", chatFields());
        collector.await(1, Duration.ofSeconds(20));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (tracer.failed() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        tracer.close(Duration.ofSeconds(5));
        assertEquals(1, collector.received().size());
        assertEquals(1, tracer.failed());
        assertEquals(0, tracer.exported());
    }

    @Test
    void aCollectorThatIsDownIsRetriedUpToTheLimitThenTheBatchIsCountedAsFailed() throws Exception {
        String down;
        try (FakeCollector gone = new FakeCollector()) {
            down = gone.url();
        }
        TestClock clock = new TestClock(false);
        tracer(down + "/v1/traces", 1.0, 16, clock);
        tracer.request("POST", "/v1/chat/completions", 200, 1_000, null, "req_1", chatFields());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (tracer.failed() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        tracer.close(Duration.ofSeconds(5));
        assertEquals(1, tracer.failed());
        List<Long> backoffs = clock.sleeps.stream().filter(n -> n != Duration.ofSeconds(60).toNanos()).toList();
        assertEquals(Exporter.MAX_ATTEMPTS - 1, backoffs.size(), clock.sleeps.toString());
    }

    @Test
    void aFullQueueDropsSpansAndCountsThemWithoutBlocking() throws Exception {
        tracer(collector.url() + "/v1/traces", 1.0, 2, new TestClock(true));
        for (int i = 0; i < 5; i++) tracer.request("GET", "/v1/models", 200, 1_000, null, "req_" + i, Map.of());
        assertEquals(3, tracer.dropped());
        tracer.close(Duration.ofSeconds(5)); // sends what is queued, once
        List<FakeCollector.Received> got = collector.received();
        assertEquals(1, got.size());
        assertEquals(2, spans(got.get(0).json()).size());
    }

    @Test
    void sampledOutTracesAreNotExportedAndACallersSampledFlagDecides() throws Exception {
        tracer(collector.url() + "/v1/traces", 0.0, 16, new TestClock(true));
        tracer.request("GET", "/v1/models", 200, 1_000, null, "req_new", Map.of());
        tracer.request("GET", "/v1/models", 200, 1_000, TRACEPARENT.replace("-01", "-00"), "req_unsampled", Map.of());
        tracer.request("GET", "/v1/models", 200, 1_000, TRACEPARENT, "req_sampled", Map.of());
        tracer.close(Duration.ofSeconds(5));
        List<FakeCollector.Received> got = collector.received();
        assertEquals(1, got.size());
        List<?> spans = spans(got.get(0).json());
        assertEquals(1, spans.size());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", ((Map<?, ?>) spans.get(0)).get("traceId"));
    }

    @Test
    void offWithoutAnEndpoint() {
        assertEquals(null, Tracer.start(TelemetryConfig.DEFAULTS, upstream, "1", Clock.SYSTEM));
    }

    /** Waits (at most 20 s) until the collector's answer to the last request has been read. */
    void awaitExported(long n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (tracer.exported() < n && System.nanoTime() < deadline) Thread.sleep(5);
    }

    static List<?> spans(Map<String, Object> body) {
        Map<?, ?> rs = (Map<?, ?>) ((List<?>) body.get("resourceSpans")).get(0);
        Map<?, ?> ss = (Map<?, ?>) ((List<?>) rs.get("scopeSpans")).get(0);
        return (List<?>) ss.get("spans");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spanOf(Map<String, Object> body) {
        List<?> spans = spans(body);
        assertEquals(1, spans.size());
        return (Map<String, Object>) spans.get(0);
    }
}

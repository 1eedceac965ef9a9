package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.telemetry.FakeCollector;

/**
 * Request spans through the real gateway to a fake OTLP collector on loopback. The export
 * interval is long, so that the spans leave only at stop (which sends what is queued): one
 * request to the collector, checked in full.
 */
class TelemetryGatewayTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER_SPAN = "00f067aa0ba902b7";
    static final String CHAT = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"trace me\"}]}";

    @TempDir Path dataDir;

    GatewayHarness gateway(FakeUpstream upstream, FakeCollector collector, String telemetry) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).env("OTLP_URL", collector.url()).env("OTLP_TOKEN", "otlp-token-42")
                .top("telemetry", telemetry).start();
    }

    @Test
    void eachRequestIsASpanThatJoinsTheCallersTrace() throws Exception {
        try (FakeUpstream upstream = new FakeUpstream(); FakeCollector collector = new FakeCollector()) {
            GatewayHarness gw = gateway(upstream, collector, """
                    {"otlp_endpoint": "${OTLP_URL}/v1/traces", "headers": {"Authorization": "Bearer ${OTLP_TOKEN}"},
                     "service_name": "edge-gw", "export_interval_ms": 3600000}""");
            HttpResponse<String> chat;
            try (gw) {
                chat = gw.post("/v1/chat/completions", CHAT, "Content-Type", "application/json",
                        "traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01");
                assertEquals(200, chat.statusCode(), chat.body());
                assertEquals("application/json", chat.headers().firstValue("Content-Type").orElse(null));
                assertTrue(chat.body().contains("trace me"), chat.body());
                HttpResponse<String> missing = gw.get("/v1/no-such-thing", "Authorization", GatewayHarness.AUTH);
                assertEquals(404, missing.statusCode(), missing.body());
                assertEquals("application/json", missing.headers().firstValue("Content-Type").orElse(null));
                HttpResponse<String> unsampled = gw.post("/v1/chat/completions", CHAT, "Content-Type", "application/json",
                        "traceparent", "00-" + "1".repeat(32) + "-" + CALLER_SPAN + "-00");
                assertEquals(200, unsampled.statusCode(), unsampled.body());
                assertEquals("application/json", unsampled.headers().firstValue("Content-Type").orElse(null));
                assertEquals(List.of(), collector.received(), "nothing leaves before the interval or the stop");
                gw.stop(Duration.ofSeconds(5));
            }
            List<FakeCollector.Received> got = collector.received();
            assertEquals(1, got.size());
            FakeCollector.Received r = got.get(0);
            assertEquals("/v1/traces", r.path());
            assertEquals("application/json", r.header("Content-Type"));
            assertEquals("Bearer otlp-token-42", r.header("Authorization"));
            Map<String, Object> rs = Json.asObject(((List<?>) r.json().get("resourceSpans")).get(0));
            assertEquals(Json.parse("""
                    {"attributes": [{"key": "service.name", "value": {"stringValue": "edge-gw"}},
                                    {"key": "service.version", "value": {"stringValue": "0.1.0"}}]}"""), rs.get("resource"));
            Map<String, Object> ss = Json.asObject(((List<?>) rs.get("scopeSpans")).get(0));
            List<?> spans = (List<?>) ss.get("spans");
            assertEquals(2, spans.size(), "the unsampled caller's request is not exported: " + spans);

            // In the order the requests ended, which is not always the order the client saw the answers.
            Map<String, Object> span = named(spans, "POST /v1/chat/completions");
            assertEquals(TRACE, span.get("traceId"));
            assertEquals(CALLER_SPAN, span.get("parentSpanId"));
            assertTrue(span.get("spanId").toString().matches("[0-9a-f]{16}"), span.toString());
            assertEquals("POST /v1/chat/completions", span.get("name"));
            assertEquals(new JsonNumber("2"), span.get("kind"));
            long start = Long.parseLong((String) span.get("startTimeUnixNano"));
            long end = Long.parseLong((String) span.get("endTimeUnixNano"));
            assertTrue(start > 1_700_000_000_000_000_000L && end >= start, span.toString());
            assertEquals(Map.of(), span.get("status"));
            Map<String, Object> usage = Json.asObject(Json.asObject(Json.parse(chat.body())).get("usage"));
            Map<String, Object> attrs = attributes(span);
            assertEquals("POST", attrs.get("http.request.method"));
            assertEquals("/v1/chat/completions", attrs.get("http.route"));
            assertEquals("200", attrs.get("http.response.status_code"));
            assertEquals("echo", attrs.get("gen_ai.request.model"));
            assertEquals("echo", attrs.get("gen_ai.provider.name"));
            assertEquals(usage.get("prompt_tokens").toString(), attrs.get("gen_ai.usage.input_tokens"));
            assertEquals(usage.get("completion_tokens").toString(), attrs.get("gen_ai.usage.output_tokens"));
            assertEquals("t", attrs.get("tollgate.key"));
            assertEquals(chat.headers().firstValue("x-request-id").orElseThrow(), attrs.get("tollgate.request_id"));

            Map<String, Object> notFound = named(spans, "GET"); // no route matched: the method alone
            assertTrue(notFound.get("traceId").toString().matches("[0-9a-f]{32}"), notFound.toString());
            assertNotEquals(TRACE, notFound.get("traceId"));
            assertTrue(!notFound.containsKey("parentSpanId"));
            assertEquals("404", attributes(notFound).get("http.response.status_code"));
            assertEquals("caller_not_found", attributes(notFound).get("error.type"));
            assertEquals(Map.of(), notFound.get("status"), "a 4xx leaves a server span's status unset");
        }
    }

    @Test
    void nothingIsSentWhenEveryTraceIsSampledOut() throws Exception {
        try (FakeUpstream upstream = new FakeUpstream(); FakeCollector collector = new FakeCollector()) {
            GatewayHarness gw = gateway(upstream, collector, """
                    {"otlp_endpoint": "${OTLP_URL}/v1/traces", "sample_ratio": 0, "export_interval_ms": 10}""");
            try (gw) {
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> r = gw.post("/v1/chat/completions", CHAT, "Content-Type", "application/json");
                    assertEquals(200, r.statusCode(), r.body());
                    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
                }
                gw.stop(Duration.ofSeconds(5));
            }
            assertEquals(List.of(), collector.received());
        }
    }

    static Map<String, Object> named(List<?> spans, String name) {
        for (Object o : spans) if (name.equals(Json.asObject(o).get("name"))) return Json.asObject(o);
        throw new AssertionError("no span named " + name + " in " + spans);
    }

    /** A span's attributes as key to the value's text. */
    static Map<String, Object> attributes(Map<String, Object> span) {
        Map<String, Object> out = new HashMap<>();
        for (Object o : (List<?>) span.get("attributes")) {
            Map<String, Object> kv = Json.asObject(o);
            Object v = Json.asObject(kv.get("value")).values().iterator().next();
            out.put((String) kv.get("key"), v.toString());
        }
        return out;
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/**
 * {@code GET /metrics} seen from outside (issue 13): behind the admin token, in the Prometheus
 * text format as a strict parser reads it ({@link PromText}), with bounded labels (a model that
 * does not exist is {@code unknown}, never the client's string), label values escaped, and
 * counters that only grow from one scrape to the next; upstream errors by class.
 */
class MetricsGatewayTest extends GatewayTestBase {
    static final String ADMIN = "Bearer " + AdminApiTest.ADMIN_TOKEN;
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** A model (and upstream) id that needs the escapes of a label value a config allows (a line feed it does not). */
    static final String ODD_MODEL = "q\"uote\\back";
    static final String ODD_NAME = "odd";
    static final String ODD_KEY = "sk-odd-0123456789abcdef";
    static final String DEPLOYMENT = "openai/" + GatewayHarness.UPSTREAM_MODEL;
    /** Longest wait for the server to count calls whose answers the client already has. */
    static final long SETTLE_NANOS = 10_000_000_000L;

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return configured(upstream).start();
    }

    /** The standard config with the admin token and a second key of an odd name. */
    GatewayHarness.Builder configured(FakeUpstream upstream) {
        return configured(upstream, dataDir);
    }

    static GatewayHarness.Builder configured(FakeUpstream upstream, java.nio.file.Path dataDir) {
        GatewayHarness.Builder b = GatewayHarness.builder(upstream.url(), dataDir)
                .top("accounts", "{\"admin_token\": \"" + AdminApiTest.ADMIN_TOKEN + "\"}")
                .top("keys", "[{\"name\": \"t\", \"key\": \"" + GatewayHarness.CLIENT_KEY + "\"},"
                        + " {\"name\": \"" + ODD_NAME + "\", \"key\": \"" + ODD_KEY + "\"}]");
        java.util.List<Object> models = new java.util.ArrayList<>(GatewayHarness.list(
                Json.asObject(Json.parse(GatewayHarness.STANDARD_CONFIG)).get("models")));
        models.add(java.util.Map.of("id", ODD_MODEL, "provider", "echo", "upstream", ODD_MODEL));
        return b.top("models", Json.toString(models));
    }

    HttpResponse<String> scrape() throws Exception {
        HttpResponse<String> r = gw.get("/metrics", "Authorization", ADMIN);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(CONTENT_TYPE, r.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElseThrow());
        return r;
    }

    /** A scrape's text and its parse. */
    record Scrape(String body, PromText page) {}

    /**
     * Scrapes until {@code ready} holds (at most {@link #SETTLE_NANOS}): a call is counted when
     * its exchange ends on the server, which may be just after its client has read the answer.
     */
    Scrape scrapeUntil(java.util.function.Predicate<PromText> ready) throws Exception {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        while (true) {
            String body = scrape().body();
            PromText p = PromText.parse(body);
            if (ready.test(p) || System.nanoTime() - deadline > 0) return new Scrape(body, p);
            Thread.sleep(5);
        }
    }

    /** Calls answered on {@code /v1/chat/completions} so far, as counted. */
    static double chatCalls(PromText p) {
        Double n = p.value("tollgate_request_duration_seconds_count", "endpoint", "/v1/chat/completions");
        return n == null ? 0 : n;
    }

    double requests(PromText p, String model, String deployment, String key, String statusClass) {
        Double v = p.value("tollgate_requests_total", "endpoint", "/v1/chat/completions", "model", model, "deployment", deployment,
                "key", key, "status_class", statusClass);
        return v == null ? 0 : v;
    }

    @Test
    void metrics_needTheAdminToken() throws Exception {
        HttpResponse<String> r = gw.get("/metrics");
        assertEquals(401, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Missing admin token: send it as \"Authorization: Bearer <admin token>\".", "authentication_error",
                null, 401), r.body());
        r = gw.get("/metrics", "Authorization", GatewayHarness.AUTH); // a client key is not the admin token
        assertEquals(401, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Invalid admin token.", "authentication_error", null, 401), r.body());
    }

    @Test
    void requests_areCountedByBoundedLabels_escaped_andOnlyGrow() throws Exception {
        upstream.respondWith(FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\"}}"));
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", false)).statusCode());
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", false)).statusCode());
        HttpResponse<String> streamed = gw.post("/v1/chat/completions", chat(ODD_MODEL.replace("\\", "\\\\").replace("\"", "\\\""), true),
                "Authorization", "Bearer " + ODD_KEY);
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertEquals("text/event-stream", streamed.headers().firstValue("content-type").orElseThrow());
        assertTrue(streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
        String odd = "no-such-model\"\n{x=\"1\"}";
        assertEquals(400, gw.post("/v1/chat/completions", chat(odd.replace("\"", "\\\"").replace("\n", "\\n"), false)).statusCode());
        HttpResponse<String> failed = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));
        assertTrue(failed.statusCode() >= 500, failed.statusCode() + " " + failed.body());
        String failedClass = failed.statusCode() / 100 + "xx";

        Scrape first = scrapeUntil(p -> chatCalls(p) == 5);
        PromText p1 = first.page();
        assertEquals(2, requests(p1, "echo", "echo/echo", "t", "2xx"));
        assertEquals(1, requests(p1, ODD_MODEL, "echo/" + ODD_MODEL, ODD_NAME, "2xx"));
        assertEquals(1, requests(p1, "unknown", "none", "t", "4xx"));
        assertEquals(1, requests(p1, "gpt-4o-mini", "none", "t", failedClass), first.body());
        assertFalse(first.body().contains("no-such-model"), "a model that does not exist is never a label");
        // The escapes at the byte level: backslash and quote (protocols-2.md; a line feed: ExpositionTest).
        assertTrue(first.body().contains("model=\"q\\\"uote\\\\back\",deployment=\"echo/q\\\"uote\\\\back\""), first.body());
        assertEquals(1, p1.value("tollgate_upstream_errors_total", "deployment", DEPLOYMENT, "class", "unavailable"));
        assertEquals(5, p1.value("tollgate_request_duration_seconds_count", "endpoint", "/v1/chat/completions"));
        assertEquals(1, p1.value("tollgate_time_to_first_token_seconds_count", "endpoint", "/v1/chat/completions"));
        assertTrue(p1.value("tollgate_tokens_in_total", "deployment", "echo/echo", "key", "t") > 0);
        assertTrue(p1.value("tollgate_tokens_out_total", "deployment", "echo/" + ODD_MODEL, "key", ODD_NAME) > 0);
        assertEquals(0, p1.value("tollgate_circuit_breaker_state", "deployment", DEPLOYMENT));
        assertNull(p1.value("tollgate_circuit_breaker_state", "deployment", "vault/vault-model"), "its provider is disabled");
        assertTrue(p1.value("tollgate_ledger_fsync_seconds_count") >= 1, "a non-streamed answer waits for an fsync");
        assertTrue(p1.value("tollgate_jvm_heap_used_bytes") > 0);
        assertEquals(1, p1.value("tollgate_build_info", "version", "0.1.0"));
        assertEquals("gauge", p1.families.get("tollgate_in_flight_requests").type);
        assertTrue(p1.value("tollgate_in_flight_requests") >= 1, "the scrape itself");

        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", true)).statusCode());
        PromText p2 = scrapeUntil(p -> chatCalls(p) == 6).page();
        for (PromText.Family f : p1.families.values()) {
            if (!f.type.equals("counter") && !f.type.equals("histogram")) continue;
            for (PromText.Sample s : f.samples) {
                Double later = p2.series.get(s.series());
                assertNotNull(later, "gone in the second scrape: " + s.series());
                assertTrue(later >= s.value(), s.series() + " went from " + s.value() + " to " + later);
            }
        }
        assertEquals(1, requests(p2, "echo", "echo/echo", "t", "2xx") - requests(p1, "echo", "echo/echo", "t", "2xx"));
        assertTrue(p2.value("tollgate_requests_total", "endpoint", "/metrics", "model", "none", "deployment", "none",
                "key", "admin", "status_class", "2xx") >= 1, "the first scrape");
    }

    @Test
    void retriesAndFailovers_areCountedOnTheDeploymentLeft() throws Exception {
        gw.close();
        gw = configured(upstream)
                .top("router", "{\"retries\": 1, \"backoff_ms\": 1, \"max_backoff_ms\": 1, \"breaker\": {\"min_requests\": 1000000}}")
                .top("groups", "[{\"id\": \"123e4567-e89b-12d3-a456-426614174013\", \"name\": \"fallback\", \"strategy\": \"priority\","
                        + " \"deployments\": [{\"model\": \"gpt-4o-mini\"}, {\"model\": \"echo\"}]}]")
                .start();
        upstream.respondWith(FakeUpstream.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("group:fallback", false));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(2, upstream.requests().size(), "one call and its retry");
        PromText p = scrapeUntil(q -> chatCalls(q) == 1).page();
        assertEquals(1, p.value("tollgate_retries_total", "deployment", DEPLOYMENT));
        assertEquals(1, p.value("tollgate_failovers_total", "deployment", DEPLOYMENT));
        assertNull(p.value("tollgate_failovers_total", "deployment", "echo/echo"), "it failed nothing: no series");
        assertEquals(2, p.value("tollgate_upstream_errors_total", "deployment", DEPLOYMENT, "class", "unavailable"));
        assertEquals(1, requests(p, "group:fallback", "echo/echo", "t", "2xx"));
    }

    @Test
    void anOpenListener_servesTheMetricsWithoutToken_andNothingElse() throws Exception {
        gw.close();
        gw = configured(upstream).top("metrics", "{\"listen\": \"127.0.0.1:0\"}").start();
        int port = gw.gateway.metricsPort();
        assertTrue(port > 0);
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", false)).statusCode());
        java.net.URI base = java.net.URI.create("http://127.0.0.1:" + port);

        scrapeUntil(p -> chatCalls(p) == 1); // on the main listener, with the token
        HttpResponse<String> r = gw.send(java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).GET().build());
        assertEquals(200, r.statusCode());
        assertEquals(CONTENT_TYPE, r.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElseThrow());
        assertEquals(1, requests(PromText.parse(r.body()), "echo", "echo/echo", "t", "2xx"));

        r = gw.send(java.net.http.HttpRequest.newBuilder(base.resolve("/admin/stats")).header("Authorization", ADMIN).GET().build());
        assertEquals(404, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("This listener serves only GET /metrics.", "not_found_error", null, 404), r.body());
        r = gw.send(java.net.http.HttpRequest.newBuilder(base.resolve("/metrics")).POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                .build());
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("allow").orElseThrow());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Method POST is not allowed on /metrics; use GET.", "invalid_request_error", null, 405), r.body());
        assertEquals(401, gw.get("/metrics").statusCode(), "the main listener still wants the token");
    }

    @Test
    void disabled_metricsAreNotServed_butTheStatsAre() throws Exception {
        gw.close();
        gw = configured(upstream).top("metrics", "{\"enabled\": false}").start();
        HttpResponse<String> r = gw.get("/metrics", "Authorization", ADMIN);
        assertEquals(404, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Unknown path GET /metrics. Tollgate serves the OpenAI API under http://127.0.0.1:" + gw.port()
                + "/v1 (e.g. POST /v1/chat/completions); GET /v1/models lists the models.", "not_found_error", null, 404), r.body());
        HttpResponse<String> stats = gw.get("/admin/stats", "Authorization", ADMIN);
        assertEquals(200, stats.statusCode(), stats.body());
        assertEquals("application/json", stats.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-store", stats.headers().firstValue("cache-control").orElseThrow());
        assertTrue(GatewayHarness.obj(stats.body()).containsKey("totals"), "the stats served with metrics off: " + stats.body());
    }

    @Test
    void aBadListenAddress_failsAtStartUp_namingIt() {
        for (String bad : List.of("9464", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x", ":9464")) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(tollgate.config.ConfigException.class,
                    () -> configured(upstream).top("metrics", "{\"listen\": \"" + bad + "\"}").build());
            assertTrue(e.getMessage().contains("metrics.listen: expected \"host:port\""), e.getMessage());
            assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(tollgate.config.ConfigException.class,
                () -> configured(upstream).top("metrics", "{\"lisen\": \"127.0.0.1:1\"}").build());
        assertTrue(e.getMessage().contains("metrics: unknown key \"lisen\" (known keys: enabled, listen)"), e.getMessage());
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.JsonNumber;

/**
 * {@code GET /admin/stats} and {@code GET /admin/requests} as the dashboard reads them
 * (/tmp/i13/contract.md): the fields and their order, totals that count client traffic and not
 * the admin calls themselves, 60 buckets of 10 s, percentiles, and the last requests newest
 * first without any prompt text.
 */
class AdminStatsTest extends GatewayTestBase {
    static final String ADMIN = MetricsGatewayTest.ADMIN;

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return MetricsGatewayTest.configured(upstream, dataDir).start();
    }

    static final String PROMPT = "a-secret-prompt-text-4242";
    static final List<String> ENTRY_FIELDS = List.of("ts", "request_id", "endpoint", "key", "model", "deployment", "status",
            "stream", "tokens_in", "tokens_out", "cost_usd", "credits", "duration_ms", "ttft_ms");

    static String chatWith(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]"
                + (stream ? ",\"stream\":true" : "") + "}";
    }

    HttpResponse<String> admin(String path) throws Exception {
        HttpResponse<String> r = gw.get(path, "Authorization", ADMIN);
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElse(null), "admin answers are not cached: " + path);
        return r;
    }

    static long num(Object v) { return ((JsonNumber) v).longValue(); }

    /**
     * {@code path}'s answer once {@code ready} holds (at most {@link MetricsGatewayTest#SETTLE_NANOS}):
     * a call is counted when its exchange ends on the server, which may be just after its client has read the answer.
     */
    HttpResponse<String> adminUntil(String path, java.util.function.Predicate<Map<String, Object>> ready) throws Exception {
        long deadline = System.nanoTime() + MetricsGatewayTest.SETTLE_NANOS;
        while (true) {
            HttpResponse<String> r = admin(path);
            assertEquals(200, r.statusCode(), r.body());
            if (ready.test(obj(r.body())) || System.nanoTime() - deadline > 0) return r;
            Thread.sleep(5);
        }
    }

    @Test
    void stats_countClientTraffic_inTheContractsShape() throws Exception {
        long before = System.currentTimeMillis();
        assertEquals(200, gw.post("/v1/chat/completions", chatWith("echo", false)).statusCode());
        assertEquals(200, gw.post("/v1/chat/completions", chatWith("echo", true)).statusCode());
        assertEquals(400, gw.post("/v1/chat/completions", chatWith("no-such-model", false)).statusCode());
        assertEquals(200, admin("/admin/requests").statusCode()); // admin calls are not traffic

        HttpResponse<String> r = adminUntil("/admin/stats", b -> num(obj(b.get("totals")).get("requests")) == 3);

        Map<String, Object> s = obj(r.body());
        assertEquals(List.of("now", "started_at", "version", "totals", "rps", "latency_ms", "ttft_ms", "series"), List.copyOf(s.keySet()));
        assertTrue(num(s.get("now")) >= before && num(s.get("started_at")) <= num(s.get("now")));
        assertEquals("0.1.0", s.get("version"));
        Map<String, Object> t = obj(s.get("totals"));
        assertEquals(List.of("requests", "errors", "client_errors", "tokens_in", "tokens_out", "cost_usd", "credits", "savings_usd",
                "in_flight", "streams"), List.copyOf(t.keySet()));
        assertEquals(3, num(t.get("requests")));
        assertEquals(0, num(t.get("errors")));
        assertEquals(1, num(t.get("client_errors")));
        assertTrue(num(t.get("tokens_in")) > 0 && num(t.get("tokens_out")) > 0, t.toString());
        assertTrue(num(t.get("in_flight")) >= 1, "this call");
        assertEquals(0, num(t.get("streams")));
        for (String p : List.of("latency_ms", "ttft_ms")) {
            Map<String, Object> q = obj(s.get(p));
            assertEquals(List.of("p50", "p90", "p99"), List.copyOf(q.keySet()));
            double p50 = ((JsonNumber) q.get("p50")).doubleValue(), p99 = ((JsonNumber) q.get("p99")).doubleValue();
            assertTrue(p50 > 0 && p50 <= p99, p + " " + q);
        }
        List<Object> series = list(s.get("series"));
        assertEquals(60, series.size());
        long requests = 0, previous = Long.MIN_VALUE;
        for (Object o : series) {
            Map<String, Object> point = obj(o);
            assertEquals(List.of("t", "requests", "errors", "tokens_in", "tokens_out", "cost_usd", "savings_usd"),
                    List.copyOf(point.keySet()));
            long at = num(point.get("t"));
            assertEquals(0, at % 10_000);
            if (previous != Long.MIN_VALUE) assertEquals(previous + 10_000, at, "oldest first, every 10 s");
            previous = at;
            requests += num(point.get("requests"));
        }
        assertEquals(3, requests);
        assertTrue(previous <= num(s.get("now")) && num(s.get("now")) < previous + 10_000, "the last bucket is the current one");
    }

    @Test
    void recentRequests_newestFirst_withoutPromptText() throws Exception {
        assertEquals(200, gw.post("/v1/chat/completions", chatWith("echo", true)).statusCode());
        adminUntil("/admin/requests", b -> list(b.get("data")).size() == 1); // kept before the next one: newest first is certain
        assertEquals(400, gw.post("/v1/chat/completions", chatWith("no-such-model", false)).statusCode());

        HttpResponse<String> r = adminUntil("/admin/requests?limit=2", b -> list(b.get("data")).size() == 2);

        assertFalse(r.body().contains(PROMPT), r.body());
        List<Object> data = list(obj(r.body()).get("data"));
        assertEquals(2, data.size());
        Map<String, Object> refused = obj(data.get(0)), streamed = obj(data.get(1));
        assertEquals(ENTRY_FIELDS, List.copyOf(refused.keySet()));
        assertEquals(ENTRY_FIELDS, List.copyOf(streamed.keySet()));
        assertEquals(400, num(refused.get("status")));
        assertEquals("no-such-model", refused.get("model"));
        assertNull(refused.get("deployment"));
        assertNull(refused.get("ttft_ms"));
        assertEquals(Boolean.FALSE, refused.get("stream"));
        assertEquals(200, num(streamed.get("status")));
        assertEquals("/v1/chat/completions", streamed.get("endpoint"));
        assertEquals("t", streamed.get("key"));
        assertEquals("echo", streamed.get("model"));
        assertEquals("echo/echo", streamed.get("deployment"));
        assertEquals(Boolean.TRUE, streamed.get("stream"));
        assertTrue(num(streamed.get("tokens_out")) > 0);
        assertEquals("0", streamed.get("cost_usd").toString());
        double duration = ((JsonNumber) streamed.get("duration_ms")).doubleValue();
        double ttft = ((JsonNumber) streamed.get("ttft_ms")).doubleValue();
        assertTrue(ttft > 0 && ttft <= duration, ttft + " " + duration);
        assertTrue(((String) streamed.get("request_id")).startsWith("req_"));
        assertNotNull(java.time.Instant.parse((String) streamed.get("ts")));

        assertEquals(2, list(obj(admin("/admin/requests").body()).get("data")).size(), "default 50: all there are");
    }

    @Test
    void recentRequests_refuseABadLimit_andWantTheToken() throws Exception {
        for (String bad : List.of("0", "-1", "x", "")) {
            HttpResponse<String> r = admin("/admin/requests?limit=" + bad);
            assertEquals(400, r.statusCode(), bad);
            assertEquals(errorJson("limit must be a whole number from 1 to 200, got '" + bad + "'.", "invalid_request_error", "limit",
                    400), r.body());
        }
        assertEquals(200, admin("/admin/requests?limit=100000").statusCode(), "more than kept: served as the most");
        HttpResponse<String> r = admin("/admin/requests?since=1");
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("Unknown query parameter 'since'; known: limit.", "invalid_request_error", "since", 400), r.body());
        for (String path : List.of("/admin/requests", "/admin/stats")) {
            r = gw.get(path);
            assertEquals(401, r.statusCode(), path);
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), path);
            assertEquals(errorJson("Missing admin token: send it as \"Authorization: Bearer <admin token>\".", "authentication_error",
                    null, 401), r.body());
        }
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/**
 * The circuit breaker (opens, keeps A out, lets one probe through after its cooldown, closes),
 * the {@code models: [...]} fallback list, and the error when every candidate failed.
 */
class RoutingFallbacksTest extends RoutingTestBase {
    static final String REASON = RoutingFailoverTest.REASON;
    static final String B_ANSWER = RoutingFailoverTest.B_ANSWER;

    /**
     * The breaker's real cooldown, in ms: long enough that a slow moment of the host cannot end it
     * between the opening and the checks that it is open (300 ms did once, under load).
     */
    static final long COOLDOWN_MS = 1500;
    static final String BREAKER_ROUTER = breakerRouter(COOLDOWN_MS);

    /** A router without retries whose breaker opens after 2 requests of which half failed, and stays open {@code cooldownMs}. */
    static String breakerRouter(long cooldownMs) {
        return "{\"retries\": 0, \"backoff_ms\": 1, \"max_backoff_ms\": 5, \"max_retry_after_ms\": 50,"
                + " \"baseline_model\": \"a-model\","
                + " \"breaker\": {\"window_ms\": 10000, \"min_requests\": 2, \"failure_percent\": 50, \"cooldown_ms\": " + cooldownMs + "}}";
    }

    // ------------------------------------------------------------------ circuit breaker

    @Test
    void breaker_opensAfterTwoFailures_keepsAOut_thenAProbeClosesIt() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        start(BREAKER_ROUTER);
        String request = chat("a-model", false, "b-model");

        for (int i = 1; i <= 2; i++) {
            HttpResponse<String> r = post(request, "br-" + i);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(B, route(r));
            expectedRoute(extension(r.body()), B, "b-model", REASON, A + " unavailable", B + " ok");
            assertEquals(i, a.requests().size());
        }
        Map<String, Object> open = health(A);
        assertEquals("open", open.get("breaker"), open.toString());

        // Open: B answers without A being asked.
        HttpResponse<String> r3 = post(request, "br-3");
        assertEquals(200, r3.statusCode(), r3.body());
        assertEquals(B, route(r3));
        Map<String, Object> ext3 = extension(r3.body());
        String route3 = expectedRoute(ext3, B, "b-model", REASON, A + " circuit_open", B + " ok");
        assertEquals(0, ms(ext3, 0));
        assertEquals(expectedCompletion(B_ANSWER, "up-b", "a-model", ext3, "br-3", route3, B_COST, B_COST), r3.body());
        assertEquals(2, a.requests().size(), "A was called while its breaker was open");

        open = health(A);
        long wait = Long.parseLong(open.get("breaker_retry_after_ms").toString());
        assertTrue(wait >= 1 && wait <= COOLDOWN_MS, open.toString());
        Map<String, Object> expectedOpen = new LinkedHashMap<>();
        expectedOpen.put("deployment", A);
        expectedOpen.put("model", "a-model");
        expectedOpen.put("breaker", "open");
        expectedOpen.put("breaker_retry_after_ms", open.get("breaker_retry_after_ms"));
        expectedOpen.put("window_requests", 0);
        expectedOpen.put("window_failures", 0);
        expectedOpen.put("in_flight", 0);
        expectedOpen.put("latency_ms", 1000.0); // failures count as at least 1 s (Deployment.FAILURE_LATENCY_PENALTY_NANOS)
        assertEquals(Json.toString(expectedOpen), Json.toString(open));
        Map<String, Object> bHealth = health(B);
        assertEquals("closed", bHealth.get("breaker"));
        assertEquals("3", bHealth.get("window_requests").toString());
        assertEquals("0", bHealth.get("window_failures").toString());

        // A recovers; after the cooldown the next request probes it, and it answers.
        String aAnswer = completion("up-a", "from A");
        a.respondWith(FakeUpstream.json(200, aAnswer));
        Thread.sleep(COOLDOWN_MS + 50); // the breaker's real cooldown is what is tested
        HttpResponse<String> r4 = post(request, "br-4");
        assertEquals(200, r4.statusCode(), r4.body());
        assertEquals(A, route(r4));
        Map<String, Object> ext4 = extension(r4.body());
        String route4 = expectedRoute(ext4, A, "a-model", REASON, A + " ok");
        assertEquals(expectedCompletion(aAnswer, "up-a", "a-model", ext4, "br-4", route4, A_COST, "0"), r4.body());
        assertEquals(3, a.requests().size());
        assertEquals(3, b.requests().size());

        Map<String, Object> closed = health(A);
        assertEquals("closed", closed.get("breaker"), closed.toString());
        assertFalse(closed.containsKey("breaker_retry_after_ms"), closed.toString());
        assertEquals("0", closed.get("in_flight").toString());
        assertTrue(closed.containsKey("latency_ms"), closed.toString());

        // Closed again: A is tried first.
        HttpResponse<String> r5 = post(request, "br-5");
        assertEquals(A, route(r5));
        assertEquals(4, a.requests().size());
    }

    @Test
    void breaker_halfOpenProbeThatFails_reopensIt() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        start(BREAKER_ROUTER);
        String request = chat("a-model", false, "b-model");
        post(request, "h-1");
        post(request, "h-2");
        assertEquals("open", health(A).get("breaker"));

        Thread.sleep(COOLDOWN_MS + 50); // the cooldown
        HttpResponse<String> probe = post(request, "h-3");
        assertEquals(B, route(probe));
        expectedRoute(extension(probe.body()), B, "b-model", REASON, A + " unavailable", B + " ok");
        assertEquals(3, a.requests().size(), "one probe after the cooldown");

        HttpResponse<String> after = post(request, "h-4");
        expectedRoute(extension(after.body()), B, "b-model", REASON, A + " circuit_open", B + " ok");
        assertEquals(3, a.requests().size(), "a failed probe re-opens the breaker");
        assertEquals("open", health(A).get("breaker"));
    }

    // ------------------------------------------------------------------ models: [...]

    @Test
    void modelsList_isTriedInOrder() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        c.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        start(BREAKER_ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "c-model", "b-model"), "ml");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(B, route(r));
        Map<String, Object> ext = extension(r.body());
        String routeJson = expectedRoute(ext, B, "b-model", REASON, A + " unavailable", C + " unavailable", B + " ok");
        assertEquals(expectedCompletion(B_ANSWER, "up-b", "a-model", ext, "ml", routeJson, B_COST, B_COST), r.body());
    }

    @Test
    void modelsList_withAnUnknownModel_is400NamingIt() throws Exception {
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "no-such-model", "b-model"), "ml-u");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("The model 'no-such-model' does not exist on this gateway. GET /v1/models lists the models it serves.",
                "invalid_request_error", "models[0]", 400), r.body());
        assertEquals(0, a.requests().size() + b.requests().size());
    }

    @Test
    void modelsList_withADuplicate_is400() throws Exception {
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "b-model", "b-model"), "ml-d");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("Invalid 'models[1]': 'b-model' is listed twice.", "invalid_request_error", "models[1]", 400), r.body());
        assertEquals(0, a.requests().size() + b.requests().size());
    }

    @Test
    void modelsList_withAnUnknownGroup_is400NamingTheEntry() throws Exception {
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "b-model", "group:nope"), "ml-g");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("The group 'nope' does not exist on this gateway. GET /v1/models lists the groups it serves.",
                "invalid_request_error", "models[1]", 400), r.body());
    }

    // ------------------------------------------------------------------ exhausted

    @Test
    void everyCandidateRateLimitedOverTheCap_is429WithTheSmallestRetryAfter() throws Exception {
        a.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "20"));
        b.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "7"));
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "b-model"), "ex-429");

        assertBothRateLimitedOnce(r);
    }

    @Test
    void everyCandidateCoolingDown_is429WithoutCallingAnyone() throws Exception {
        a.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "20"));
        b.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "7"));
        start(ROUTER);
        post(chat("a-model", false, "b-model"), "cool-1");

        HttpResponse<String> r = post(chat("a-model", false, "b-model"), "cool-2");

        assertBothRateLimitedOnce(r);
    }

    /** A 429 with the smaller retry-after, naming both deployments, each called once in all. */
    private void assertBothRateLimitedOnce(HttpResponse<String> r) {
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("7", r.headers().firstValue("retry-after").orElse(null));
        assertEquals(errorJson("No deployment could serve the request: " + A + ": rate limited (retry after 20 s); "
                + B + ": rate limited (retry after 7 s).", "rate_limit_error", "model", 429), r.body());
        assertEquals(1, a.requests().size());
        assertEquals(1, b.requests().size());
    }

    @Test
    void mixedFailures_are503ListingEveryDeployment() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "7"));
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "b-model"), "ex-mixed");

        assertEquals(503, r.statusCode(), r.body());
        String a503 = A + ": unavailable — Provider 'pa' is unavailable or overloaded (HTTP 503): The engine is currently overloaded.";
        // A was tried twice (one retry): it is described once, by its last attempt.
        assertEquals(errorJson("No deployment could serve the request: " + a503 + "; " + B
                + ": rate limited (retry after 7 s).", "service_unavailable", "model", 503), r.body());
        assertFalse(r.headers().firstValue("retry-after").isPresent(), r.headers().toString());
        assertEquals(2, a.requests().size());
        assertEquals(1, b.requests().size());
    }

    @Test
    void exhaustedMessage_endsWithOnePeriod_evenWhenTheLastUpstreamMessageHasOne() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.json(503, OVERLOADED));
        start(BREAKER_ROUTER); // no retries

        HttpResponse<String> r = post(chat("a-model", false, "b-model"), "ex-503");

        assertEquals(503, r.statusCode(), r.body());
        assertEquals(errorJson("No deployment could serve the request: "
                + A + ": unavailable — Provider 'pa' is unavailable or overloaded (HTTP 503): The engine is currently overloaded.; "
                + B + ": unavailable — Provider 'pb' is unavailable or overloaded (HTTP 503): The engine is currently overloaded.",
                "service_unavailable", "model", 503), r.body());
    }

    @Test
    void aFallbackThatCannotTakeTheRequest_isPassedOverNotCalled() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        start(BREAKER_ROUTER); // no retries
        String request = "{\"model\":\"a-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}],"
                + "\"models\":[\"b-model\"]}";

        HttpResponse<String> r = post(request, "ex-tools");

        assertEquals(503, r.statusCode(), r.body());
        String message = (String) GatewayHarness.obj(GatewayHarness.obj(r.body()).get("error")).get("message");
        assertTrue(message.startsWith("No deployment could serve the request: "
                + A + ": unavailable — Provider 'pa' is unavailable or overloaded (HTTP 503): The engine is currently overloaded.; "
                + B + ": unsupported — The model 'b-model' does not support tools (its capabilities are: vision, stream). "
                + "Send the request without 'tools', or choose a model with tools."), message);
        assertEquals(errorJson(message, "service_unavailable", "model", 503), r.body());
        assertEquals(1, a.requests().size());
        assertEquals(0, b.requests().size(), "B cannot take tools: it must not be called");
    }

    @Test
    void oneCandidateFailing_isItsOwnError() throws Exception {
        a.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "20"));
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false), "one");

        assertEquals(429, r.statusCode(), r.body());
        assertEquals("20", r.headers().firstValue("retry-after").orElse(null));
        assertEquals(errorJson("Provider 'pa' is rate-limiting the gateway (HTTP 429)", "rate_limit_error", null, 429), r.body());
        assertEquals(1, a.requests().size());
    }
}

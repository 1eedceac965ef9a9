package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.json.Json;

/**
 * {@code group:<uuid>} and {@code group:<name>} for each strategy, black-box: which member
 * answers, the route explanation, fallbacks inside the group, and the groups in
 * {@code GET /v1/models}.
 */
class RoutingGroupsTest extends RoutingTestBase {
    static final String PRIO = "0a1b2c3d-1111-4111-8111-11111111abcd";
    static final String WTS = "22222222-2222-4222-8222-222222222222";
    static final String FAST = "33333333-3333-4333-8333-333333333333";
    static final String IDLE = "44444444-4444-4444-8444-444444444444";
    static final String CHEAP = "55555555-5555-4555-8555-555555555555";
    static final String NAMELESS = "66666666-6666-4666-8666-666666666666";

    static final String GROUPS = "["
            + "{\"id\": \"" + PRIO + "\", \"name\": \"prio\", \"strategy\": \"priority\","
            + " \"deployments\": [{\"model\": \"a-model\"}, {\"model\": \"b-model\"}]},"
            + "{\"id\": \"" + WTS + "\", \"name\": \"wts\", \"strategy\": \"weighted\","
            + " \"deployments\": [{\"model\": \"a-model\", \"weight\": 1}, {\"model\": \"b-model\", \"weight\": 9}]},"
            + "{\"id\": \"" + FAST + "\", \"name\": \"fast\", \"strategy\": \"least-latency\","
            + " \"deployments\": [{\"model\": \"a-model\"}, {\"model\": \"b-model\"}]},"
            + "{\"id\": \"" + IDLE + "\", \"name\": \"idle\", \"strategy\": \"least-busy\","
            + " \"deployments\": [{\"model\": \"a-model\"}, {\"model\": \"b-model\"}]},"
            + "{\"id\": \"" + CHEAP + "\", \"name\": \"cheap\", \"strategy\": \"cheapest\","
            + " \"deployments\": [{\"model\": \"a-model\"}, {\"provider\": \"pb\", \"upstream\": \"up-b\"}]},"
            + "{\"id\": \"" + NAMELESS + "\", \"deployments\": [{\"provider\": \"pc\", \"upstream\": \"up-c\"}, {\"model\": \"b-model\"}]}"
            + "]";

    static final String A_ANSWER = completion("up-a", "from A");
    static final String B_ANSWER = completion("up-b", "from B");

    void startGroups() throws Exception { start(ROUTER, GROUPS); }

    /** {@code group:<uuid>} or {@code group:<name>}. */
    static String handle(boolean byName, String uuid, String name) { return "group:" + (byName ? name : uuid); }

    /** Asserts a whole non-streamed group answer; {@code tried} as for {@link #expectedRoute}. */
    void assertAnswer(HttpResponse<String> r, String client, String requestId, String reason, String chosen, String... tried) {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(chosen, route(r));
        boolean isA = chosen.equals(A);
        Map<String, Object> ext = extension(r.body());
        String routeJson = expectedRoute(ext, chosen, isA ? "a-model" : "b-model", reason, tried);
        assertEquals(expectedCompletion(isA ? A_ANSWER : B_ANSWER, isA ? "up-a" : "up-b", client, ext, requestId, routeJson,
                isA ? A_COST : B_COST, isA ? "0" : B_COST), r.body());
    }

    // ------------------------------------------------------------------ priority

    @ParameterizedTest(name = "by name {0}")
    @ValueSource(booleans = {false, true})
    void priority_theFirstMemberAnswers(boolean byName) throws Exception {
        a.respondWith(FakeUpstream.json(200, A_ANSWER));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        startGroups();
        String group = handle(byName, PRIO, "prio");

        HttpResponse<String> r = post(chat(group, false), "g-p");

        assertAnswer(r, group, "g-p", "group prio, strategy priority", A, A + " ok");
        assertEquals(0, b.requests().size());
    }

    @ParameterizedTest(name = "by name {0}")
    @ValueSource(booleans = {false, true})
    void priority_whenTheFirstFails_theSecondAnswers(boolean byName) throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        startGroups();
        String group = handle(byName, PRIO, "prio");

        HttpResponse<String> r = post(chat(group, false), "g-pf");

        assertAnswer(r, group, "g-pf", "group prio, strategy priority", B, A + " unavailable", A + " unavailable", B + " ok");
        assertEquals(2, a.requests().size());
    }

    @Test
    void priority_streamFailsOverBeforeContent() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(streamAnswer("up-b", "from B"));
        startGroups();

        HttpResponse<String> r = postStream(chat("group:prio", true), "g-ps");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(B, route(r));
        Map<String, Object> ext = streamExtension(r.body());
        String routeJson = expectedRoute(ext, B, "b-model", "group prio, strategy priority", A + " unavailable", A + " unavailable",
                B + " ok");
        assertEquals(expectedStream("up-b", "from B", "group:prio", ext, "g-ps", routeJson), r.body());
    }

    // ------------------------------------------------------------------ weighted

    @Test
    void weighted_splitsTrafficByWeight() throws Exception {
        a.respondWith(FakeUpstream.json(200, A_ANSWER));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        startGroups();

        int toA = 0, toB = 0;
        for (int i = 0; i < 200; i++) {
            HttpResponse<String> r = post(chat(handle(i % 2 == 0, WTS, "wts"), false), "w-" + i);
            assertEquals(200, r.statusCode(), r.body());
            String chosen = route(r);
            if (A.equals(chosen)) toA++;
            else if (B.equals(chosen)) toB++;
            else throw new AssertionError("route " + chosen);
            expectedRoute(extension(r.body()), chosen, A.equals(chosen) ? "a-model" : "b-model", "group wts, strategy weighted",
                    chosen + " ok");
        }

        // Weights 1 : 9, so B's share is 180 ± 4.2 (one standard deviation).
        assertTrue(toB >= 150 && toB < 200, "B answered " + toB + " of 200");
        assertTrue(toA > 0, "A answered none of 200");
        assertEquals(toA, a.requests().size());
        assertEquals(toB, b.requests().size());
    }

    @Test
    void weighted_fallsBackToTheOtherMember() throws Exception {
        a.respondWith(FakeUpstream.json(200, A_ANSWER));
        b.respondWith(FakeUpstream.json(503, OVERLOADED));
        startGroups();

        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = post(chat("group:wts", false), "wf-" + i);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(A, route(r));
        }
        assertEquals(10, a.requests().size());
    }

    // ------------------------------------------------------------------ least-latency

    @Test
    void leastLatency_afterBothWereMeasured_theFasterOneAnswers() throws Exception {
        a.respondWith(FakeUpstream.delayed(Duration.ofMillis(150), FakeUpstream.json(200, A_ANSWER)));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        startGroups();

        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = post(chat(handle(i % 2 == 1, FAST, "fast"), false), "ll-" + i);
            assertEquals(200, r.statusCode(), r.body());
            chosen.add(route(r));
        }

        // Unmeasured members go first (in config order), so that they get measured: A, then B; then B, the faster.
        assertEquals(List.of(A, B, B, B, B), chosen);
        assertEquals(1, a.requests().size());
        double latencyA = Double.parseDouble(health(A).get("latency_ms").toString());
        double latencyB = Double.parseDouble(health(B).get("latency_ms").toString());
        assertTrue(latencyA >= 150 && latencyB < latencyA, "A " + latencyA + " ms, B " + latencyB + " ms");
    }

    @Test
    void leastLatency_aMemberThatOnlyTimesOut_isNotPreferredOverOneThatAnswers() throws Exception {
        a.respondWith(FakeUpstream.delayed(Duration.ofMillis(1500), FakeUpstream.json(200, A_ANSWER)));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        start(ROUTER, GROUPS, a.url(), 150, 500);
        // Nothing measured yet: config order, so A first; it times out (twice) and B answers.
        assertAnswer(post(chat("group:fast", false), "llt-1"), "group:fast", "llt-1", "group fast, strategy least-latency", B,
                A + " timeout", A + " timeout", B + " ok");

        HttpResponse<String> r = post(chat("group:fast", false), "llt-2");

        // A took at least 150 ms on each attempt without an answer, B answered in a few: B is the
        // lower-latency member now.
        assertAnswer(r, "group:fast", "llt-2", "group fast, strategy least-latency", B, B + " ok");
        assertEquals(2, a.requests().size());
    }

    // ------------------------------------------------------------------ least-busy

    @Test
    void leastBusy_whileAHoldsAStream_theRequestGoesToB() throws Exception {
        // A's first call is the held stream, its second a plain answer.
        a.respondWith(sequence(streamAnswer("up-a", "slow").delayFirst(Duration.ofMillis(400)), FakeUpstream.json(200, A_ANSWER)));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        startGroups();
        HttpRequest held = gw.request("/v1/chat/completions", "x-request-id", "held").header("Authorization", AUTH)
                .POST(HttpRequest.BodyPublishers.ofString(chat("a-model", true))).build();
        CompletableFuture<HttpResponse<String>> stream = gw.http.sendAsync(held, HttpResponse.BodyHandlers.ofString());
        a.takeRequest(); // the stream is in flight on A
        assertEquals("1", health(A).get("in_flight").toString());

        HttpResponse<String> r = post(chat("group:idle", false), "lb-1");

        assertAnswer(r, "group:idle", "lb-1", "group idle, strategy least-busy", B, B + " ok");
        HttpResponse<String> s = stream.get(5, TimeUnit.SECONDS);
        assertEquals(200, s.statusCode(), s.body());
        assertEquals(expectedStream("up-a", "slow", "a-model", streamExtension(s.body()), "held", null), s.body());
        assertEquals("0", health(A).get("in_flight").toString());

        // Both idle again: config order.
        assertAnswer(post(chat("group:" + IDLE, false), "lb-2"), "group:" + IDLE, "lb-2", "group idle, strategy least-busy", A, A + " ok");
    }

    // ------------------------------------------------------------------ cheapest

    @ParameterizedTest(name = "by name {0}")
    @ValueSource(booleans = {false, true})
    void cheapest_theCheaperMemberAnswers(boolean byName) throws Exception {
        a.respondWith(FakeUpstream.json(200, A_ANSWER));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        startGroups();
        String group = handle(byName, CHEAP, "cheap");

        HttpResponse<String> r = post(chat(group, false), "ch");

        assertAnswer(r, group, "ch", "group cheap, strategy cheapest", B, B + " ok");
        assertEquals(0, a.requests().size());
    }

    @Test
    void cheapest_whenTheCheaperFails_theDearerAnswers() throws Exception {
        a.respondWith(FakeUpstream.json(200, A_ANSWER));
        b.respondWith(FakeUpstream.json(503, OVERLOADED));
        startGroups();

        HttpResponse<String> r = post(chat("group:cheap", false), "chf");

        assertAnswer(r, "group:cheap", "chf", "group cheap, strategy cheapest", A, B + " unavailable", B + " unavailable", A + " ok");
    }

    // ------------------------------------------------------------------ health: members passed over

    @Test
    void aCoolingMember_isPassedOverWithoutACall() throws Exception {
        a.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "30"));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        startGroups();
        assertAnswer(post(chat("group:prio", false), "gc-1"), "group:prio", "gc-1", "group prio, strategy priority", B,
                A + " rate_limited", B + " ok");

        HttpResponse<String> r = post(chat("group:prio", false), "gc-2");

        assertAnswer(r, "group:prio", "gc-2", "group prio, strategy priority", B, A + " rate_limited", B + " ok");
        assertEquals(0, ms(extension(r.body()), 0));
        assertEquals(1, a.requests().size());
    }

    @Test
    void everyMembersCircuitOpen_is503WithTheShortestBreakerWait() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.json(503, OVERLOADED));
        // A cooldown of 1 s: what is left of it always rounds up to "retry after 1 s" (RFC 9110 §10.2.3, whole seconds).
        start(RoutingFallbacksTest.breakerRouter(1000), GROUPS);
        for (int i = 0; i < 2; i++) assertEquals(503, post(chat("group:prio", false), "go-" + i).statusCode());
        assertEquals("open", health(A).get("breaker"));
        assertEquals("open", health(B).get("breaker"));

        HttpResponse<String> r = post(chat("group:prio", false), "go-open");

        assertEquals(503, r.statusCode(), r.body());
        assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
        assertEquals(errorJson("No deployment could serve the request: " + A + ": circuit open (retry after 1 s); " + B
                + ": circuit open (retry after 1 s).", "service_unavailable", "model", 503), r.body());
        assertEquals(2, a.requests().size());
        assertEquals(2, b.requests().size());
    }

    // ------------------------------------------------------------------ unknown groups, the model list

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nope", "99999999-9999-4999-8999-999999999999"})
    void unknownGroup_is400NamingIt(String handle) throws Exception {
        startGroups();

        HttpResponse<String> r = post(chat("group:" + handle, false), "ug");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("The group '" + handle + "' does not exist on this gateway. GET /v1/models lists the groups it serves.",
                "invalid_request_error", "model", 400), r.body());
        assertEquals(0, a.requests().size() + b.requests().size() + c.requests().size());
    }

    @Test
    void groupUuid_isMatchedWhateverItsCase() throws Exception {
        a.respondWith(FakeUpstream.json(200, A_ANSWER));
        startGroups();
        String group = "group:" + PRIO.toUpperCase(java.util.Locale.ROOT);

        HttpResponse<String> r = post(chat(group, false), "uc");

        assertAnswer(r, group, "uc", "group prio, strategy priority", A, A + " ok");
    }

    @Test
    void modelList_showsEachGroupWithTheUnionOfItsMembersCapabilities() throws Exception {
        startGroups();

        HttpResponse<String> r = gw.get("/v1/models");

        assertEquals(200, r.statusCode(), r.body());
        List<Object> data = GatewayHarness.list(obj(r.body()).get("data"));
        List<String> ids = new ArrayList<>();
        for (Object m : data) ids.add((String) obj(m).get("id"));
        assertEquals(List.of("a-model", "b-model", "c-model", "group:" + PRIO, "group:" + WTS, "group:" + FAST, "group:" + IDLE,
                "group:" + CHEAP, "group:" + NAMELESS, "neo-mode", "neo-mode/frugal", "neo-mode/balanced", "neo-mode/premium"), ids);
        String ab = "\"context_length\":16384,\"capabilities\":[\"json\",\"stream\",\"tools\",\"vision\"],"
                + "\"members\":[\"a-model\",\"b-model\"]";
        assertEquals("{\"id\":\"group:" + PRIO + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\",\"name\":\"prio\","
                + ab + ",\"strategy\":\"priority\",\"alias\":\"group:prio\"}", Json.toString(data.get(3)));
        assertEquals("{\"id\":\"group:" + WTS + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\",\"name\":\"wts\","
                + ab + ",\"strategy\":\"weighted\",\"alias\":\"group:wts\"}", Json.toString(data.get(4)));
        assertEquals("{\"id\":\"group:" + CHEAP + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\",\"name\":\"cheap\","
                + ab + ",\"strategy\":\"cheapest\",\"alias\":\"group:cheap\"}", Json.toString(data.get(7)));
        assertEquals("{\"id\":\"group:" + NAMELESS + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\",\"name\":\"Group "
                + NAMELESS + "\",\"context_length\":16384,\"capabilities\":[\"stream\",\"vision\"],"
                + "\"members\":[\"c-model\",\"b-model\"],\"strategy\":\"priority\"}", Json.toString(data.get(8)));
    }
}

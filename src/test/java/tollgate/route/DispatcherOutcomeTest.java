package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static tollgate.route.FakeChatProvider.answer;
import static tollgate.route.FakeChatProvider.fail;
import static tollgate.route.RouteFixtures.MS;
import static tollgate.route.RouteFixtures.S;
import static tollgate.route.RouteFixtures.abc;
import static tollgate.route.RouteFixtures.authFailed;
import static tollgate.route.RouteFixtures.caller;
import static tollgate.route.RouteFixtures.dispatch;
import static tollgate.route.RouteFixtures.model;
import static tollgate.route.RouteFixtures.pa;
import static tollgate.route.RouteFixtures.parse;
import static tollgate.route.RouteFixtures.pb;
import static tollgate.route.RouteFixtures.pc;
import static tollgate.route.RouteFixtures.rateLimited;
import static tollgate.route.RouteFixtures.req;
import static tollgate.route.RouteFixtures.serverError;
import static tollgate.route.RouteFixtures.text;
import static tollgate.route.RouteFixtures.tried;
import static tollgate.route.RouteFixtures.unavailable;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.Usage;
import tollgate.route.RouteFixtures.World;

/**
 * Dispatcher over scripted providers: plain success and its route explanation, structured-output
 * retry, the exhausted error, cost and savings.
 */
class DispatcherOutcomeTest {

    // ------------------------------------------------------------------ plain success

    @Test
    void aDirectModelAnswersWithoutARouteExplanation() {
        World w = abc();
        pa(w).thenAnswer("hello from a");
        ChatRequest r = req("a").build();
        Dispatched d = dispatch(w, r);
        assertEquals("hello from a", text(d.completion()));
        assertEquals("pa/a", d.chosen().id());
        assertNull(d.route(), "the client's model, first try: nothing to explain");
        assertEquals(new Usage(10, 5, 15), d.usage());
        assertEquals(List.of("a"), pa(w).calledModels());
        assertSame(r.body(), pa(w).calls().get(0).body(), "a valid conversation goes upstream as it came");
        assertEquals(0, w.clock.slept());
        assertEquals(CircuitBreaker.State.CLOSED, w.deployment("a").breaker().state());
        assertEquals(1, w.deployment("a").breaker().requests());
        assertEquals(0, w.deployment("a").inFlight());
    }

    @Test
    void attemptDurationIsReportedAndFeedsTheLatencyEstimate() {
        World w = abc();
        pa(w).then(new FakeChatProvider.Answer(RouteFixtures.completionJson("slow", new Usage(1, 1, 2)), new Usage(1, 1, 2), 120));
        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals(120 * MS, w.deployment("a").latency().estimateNanos());
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>) ((List<Object>) d.route().get("tried")).get(0);
        assertEquals(Map.of("deployment", "pa/a", "outcome", "ok", "ms", 120L), t);
        assertEquals("pa/a", d.route().get("chosen"));
        assertEquals("a", d.route().get("model"));
        assertEquals("the requested model; then the 'models' fallbacks in order", d.route().get("reason"));
    }

    // ------------------------------------------------------------------ structured output (premium)

    private static World premiumJson() {
        World w = new World();
        w.add(model("p1", "pa").price("0.00001", "0.00003").caps("json", "stream").quality(95));
        w.add(model("p2", "pb").price("0.00001", "0.00003").caps("json", "stream").quality(90));
        w.add(model("p3", "pc").price("0.00001", "0.00003").caps("json", "stream").quality(85));
        return w;
    }

    private static Map<String, Object> schemaBody(String model) {
        return parse("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Give the answer as JSON\"}],"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"answer\",\"schema\":"
                + "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"}},\"required\":[\"answer\"]}}}}");
    }

    @Test
    void premiumRetriesAnAnswerThatBreaksTheSchemaOnTheNextCandidate() {
        World w = premiumJson();
        pa(w).thenAnswer("{\"answer\":\"forty-two\"}");
        pb(w).thenAnswer("{\"answer\":42}");
        Dispatched d = dispatch(w, req("neo-mode/premium", schemaBody("neo-mode/premium")).hint("general").build());
        assertEquals("{\"answer\":42}", text(d.completion()));
        assertEquals("pb/p2", d.chosen().id());
        assertEquals(List.of("pa/p1=schema_invalid", "pb/p2=ok"), tried(d.route()));
        assertEquals("premium", d.route().get("policy"));
        assertEquals("general", d.route().get("task"));
        assertEquals("hint", d.route().get("task_source"));
        assertEquals("pb/p2", d.route().get("chosen"));
        assertEquals("p2", d.route().get("model"));
    }

    @Test
    void theSchemaRetryHappensOnlyOnce() {
        World w = premiumJson();
        pa(w).thenAnswer("{\"answer\":\"forty-two\"}");
        pb(w).thenAnswer("not json at all");
        Dispatched d = dispatch(w, req("neo-mode/premium", schemaBody("neo-mode/premium")).hint("general").build());
        assertEquals("not json at all", text(d.completion()), "the second answer stands");
        assertEquals(List.of("pa/p1=schema_invalid", "pb/p2=ok"), tried(d.route()));
        assertEquals(0, pc(w).callCount());
    }

    @Test
    void theSchemaIsNotCheckedOutsidePremium() {
        World w = premiumJson();
        // balanced, equal prices: p1 has the best quality per cost.
        pa(w).thenAnswer("{\"answer\":\"forty-two\"}");
        Dispatched d = dispatch(w, req("neo-mode/balanced", schemaBody("neo-mode/balanced")).hint("general").build());
        assertEquals("pa/p1", d.chosen().id());
        assertEquals("{\"answer\":\"forty-two\"}", text(d.completion()));
        assertEquals(List.of("pa/p1=ok"), tried(d.route()));
    }

    // ------------------------------------------------------------------ exhausted

    @Test
    void allRateLimitedIs429WithTheSmallestRetryAfter() {
        World w = abc();
        pa(w).always(fail(rateLimited("Rate limit reached for a", "retry-after", "10")));
        pb(w).always(fail(rateLimited("Rate limit reached for b", "retry-after-ms", "6500")));
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").fallbacks("b").build()));
        assertEquals(429, e.httpStatus());
        assertEquals(ErrorKind.PROVIDER_RATE_LIMITED, e.kind());
        assertEquals("model", e.param());
        assertArrayEquals(new String[] {"retry-after", "7"}, e.headers(), "6.5 s rounded up");
        assertEquals("No deployment could serve the request: pa/a: rate limited (retry after 10 s); pb/b: rate limited"
                + " (retry after 7 s).", e.getMessage());
        assertEquals(0, w.clock.slept());
    }

    @Test
    void mixedFailuresAre503ListingEach() {
        World w = abc();
        w.config = RouteFixtures.config(0);
        pa(w).always(fail(rateLimited("Rate limit reached for a", "retry-after", "10")));
        pb(w).always(fail(unavailable("Upstream down")));
        pc(w).always(fail(authFailed("The provider rejected the gateway's API key")));
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").fallbacks("b", "c").build()));
        assertEquals(503, e.httpStatus());
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertEquals("model", e.param());
        assertArrayEquals(new String[0], e.headers());
        assertEquals("No deployment could serve the request: pa/a: rate limited (retry after 10 s); pb/b: unavailable —"
                + " Upstream down; pc/c: credentials — The provider rejected the gateway's API key.", e.getMessage());
    }

    @Test
    void everyCircuitOpenIs503WithTheShortestBreakerWait() {
        World w = abc();
        for (int i = 0; i < 5; i++) w.deployment("a").breaker().recordFailure();
        w.clock.advanceMillis(10_000);
        for (int i = 0; i < 5; i++) w.deployment("b").breaker().recordFailure();
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").fallbacks("b").build()));
        assertEquals(503, e.httpStatus());
        assertArrayEquals(new String[] {"retry-after", "20"}, e.headers());
        assertEquals("No deployment could serve the request: pa/a: circuit open (retry after 20 s); pb/b: circuit open"
                + " (retry after 30 s).", e.getMessage());
        assertEquals(0, pa(w).callCount());
        assertEquals(0, pb(w).callCount());
    }

    @Test
    void aSingleCandidateFailingGivesItsOwnErrorUnchanged() {
        World w = abc();
        GatewayException upstream = new GatewayException(ErrorKind.PROVIDER_ERROR, "The upstream returned HTTP 500", null, 500, null)
                .withHeaders("x-upstream-request", "abc123");
        pa(w).always(fail(() -> upstream));
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").build()));
        assertSame(upstream, e);
        assertEquals(502, e.httpStatus());
        assertArrayEquals(new String[] {"x-upstream-request", "abc123"}, e.headers());
        assertEquals(2, pa(w).callCount());
    }

    @Test
    void aSingleRateLimitedCandidateKeepsItsOwn429AndHeaders() {
        World w = abc();
        GatewayException upstream = new GatewayException(ErrorKind.PROVIDER_RATE_LIMITED, "Rate limit reached", null, 429, null)
                .withHeaders("retry-after", "30", "x-ratelimit-remaining-requests", "0");
        pa(w).always(fail(() -> upstream));
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").build()));
        assertSame(upstream, e);
        assertEquals(1, pa(w).callCount(), "30 s is over the cap: no retry");
        assertEquals(30 * S, w.deployment("a").coolingNanos());
    }

    /**
     * Design: "Exhausted: one deployment that failed → its own error (status, message, headers as
     * before)". Here the fifth failure in the window opens the breaker during the request, so the
     * retry finds it open.
     */
    @Test
    void aSingleCandidateWhoseBreakerOpensDuringTheRequestStillGivesItsOwnError() {
        World w = abc();
        pa(w).always(fail(serverError("The upstream returned HTTP 500")));
        for (int i = 0; i < 2; i++) assertThrows(GatewayException.class, () -> dispatch(w, req("a").build()));
        assertEquals(4, w.deployment("a").breaker().failures());
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").build()));
        assertEquals(CircuitBreaker.State.OPEN, w.deployment("a").breaker().state());
        assertEquals(5, pa(w).callCount());
        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind(), e.getMessage());
        assertEquals(502, e.httpStatus());
        assertEquals("The upstream returned HTTP 500", e.getMessage());
    }

    // ------------------------------------------------------------------ cost and savings

    @Test
    void costAndSavingsAreExactDecimalsFromPricing() {
        World w = abc();
        w.add(model("base", "pbase").price("0.00001", "0.00003").quality(99));
        pa(w).then(answer("priced", new Usage(1000, 200, 1200)));
        Dispatched d = w.dispatcher("base").dispatch(caller(), req("a").build(), null);
        // a: 1000 * 0.000003 + 200 * 0.000015 = 0.003 + 0.003; base: 0.01 + 0.006.
        assertEquals(new BigDecimal("0.006"), d.cost());
        assertEquals(new BigDecimal("0.01"), d.savings());
    }

    @Test
    void savingsAreNegativeAgainstACheaperBaseline() {
        World w = abc();
        w.add(model("base", "pbase").price("0.000001", "0.000002").quality(50));
        pa(w).then(answer("priced", new Usage(1000, 200, 1200)));
        Dispatched d = w.dispatcher("base").dispatch(caller(), req("a").build(), null);
        assertEquals(new BigDecimal("0.006"), d.cost());
        assertEquals(new BigDecimal("-0.0046"), d.savings()); // 0.0014 - 0.006
    }

    @Test
    void costIsOfTheAnsweringModel() {
        World w = abc();
        w.add(model("base", "pbase").price("0.00001", "0.00003").quality(99));
        pa(w).thenFail(authFailed("bad key"));
        pb(w).then(answer("from b", new Usage(1234, 567, 1801)));
        Dispatched d = w.dispatcher("base").dispatch(caller(), req("a").fallbacks("b").build(), null);
        // b: 1234 * 0.000001 + 567 * 0.000002 = 0.001234 + 0.001134; base: 0.01234 + 0.01701.
        assertEquals(new BigDecimal("0.002368"), d.cost());
        assertEquals(new BigDecimal("0.026982"), d.savings());
    }

    @Test
    void noCostWithoutPricesOrUsageAndNoSavingsWithoutABaseline() {
        World w = abc();
        w.provider("pa").then(answer("ad hoc", new Usage(100, 10, 110)));
        Dispatched adHoc = w.dispatcher("b").dispatch(caller(), req("pa/raw-model").build(), null);
        assertNull(adHoc.cost());
        assertNull(adHoc.savings());

        pb(w).then(answer("no usage", Usage.NONE));
        Dispatched noUsage = w.dispatcher("a").dispatch(caller(), req("b").build(), null);
        assertNull(noUsage.cost());
        assertNull(noUsage.savings());

        pb(w).then(answer("no baseline", new Usage(100, 10, 110)));
        Dispatched noBaseline = w.dispatcher().dispatch(caller(), req("b").build(), null);
        assertEquals(new BigDecimal("0.00012"), noBaseline.cost());
        assertNull(noBaseline.savings());
        assertNotNull(noBaseline.plan());
    }
}

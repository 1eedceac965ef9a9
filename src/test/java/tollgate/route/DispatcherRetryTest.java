package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.route.FakeChatProvider.answer;
import static tollgate.route.FakeChatProvider.fail;
import static tollgate.route.RouteFixtures.MS;
import static tollgate.route.RouteFixtures.S;
import static tollgate.route.RouteFixtures.abc;
import static tollgate.route.RouteFixtures.authFailed;
import static tollgate.route.RouteFixtures.contextTooLong;
import static tollgate.route.RouteFixtures.dispatch;
import static tollgate.route.RouteFixtures.model;
import static tollgate.route.RouteFixtures.modelNotFound;
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

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tollgate.error.GatewayException;
import tollgate.route.RouteFixtures.World;

/**
 * Dispatcher over scripted providers: retries and backoff (slept on a ManualClock), retry-after,
 * cool-down, failover by failure class and circuit breakers.
 */
class DispatcherRetryTest {

    // ------------------------------------------------------------------ transient failures and backoff

    @Test
    void aTransientFailureIsRetriedOnTheSameDeploymentAfterABackoff() {
        World w = abc();
        pa(w).thenFail(unavailable("Upstream down")).thenAnswer("second try");
        Dispatched d = dispatch(w, req("a").build());
        assertEquals("second try", text(d.completion()));
        assertEquals(List.of("a", "a"), pa(w).calledModels());
        long slept = w.clock.slept();
        assertTrue(slept > 0 && slept <= 200 * MS, "full jitter within the first ceiling (200 ms): " + slept);
        // The same draw as the dispatcher's seeded jitter: uniform in [0, 200 ms].
        assertEquals(new Random(2).nextLong(200 * MS + 1), slept);
        assertEquals(List.of("pa/a=unavailable", "pa/a=ok"), tried(d.route()), "a retry is explained");
        assertNull(d.route().get("policy"));
        assertEquals("the requested model", d.route().get("reason"));
        assertEquals(1, w.deployment("a").breaker().failures());
    }

    @Test
    void oneRequestCausesAtMostSixteenUpstreamCalls() {
        World w = abc();
        // Breakers that never open, so that only the cap stops the calls.
        w.config = RouteFixtures.withBreaker(RouteFixtures.config(10, 200, 500, 5_000), 30_000, 1_000_000, 0.5, 30_000);
        pa(w).always(fail(unavailable("down")));
        pb(w).always(fail(unavailable("down")));
        pc(w).always(fail(unavailable("down")));
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").fallbacks("b", "c").build()));
        assertEquals(Dispatcher.MAX_UPSTREAM_CALLS, pa(w).callCount() + pb(w).callCount() + pc(w).callCount());
        assertEquals(List.of(11, 5, 0), List.of(pa(w).callCount(), pb(w).callCount(), pc(w).callCount()));
        assertEquals(503, e.httpStatus());
    }

    @Test
    void theCapOnUpstreamCallsNeverLeavesTheBreakersProbeTaken() {
        World w = abc();
        // A breaker that opens on one failure and lets a probe through at once: every retry is a probe.
        w.config = RouteFixtures.withBreaker(RouteFixtures.config(20, 1, 1, 5_000), 30_000, 1, 0.5, 0);
        pa(w).always(fail(unavailable("down")));
        assertThrows(GatewayException.class, () -> dispatch(w, req("a").build()));
        assertEquals(Dispatcher.MAX_UPSTREAM_CALLS, pa(w).callCount());
        assertTrue(w.deployment("a").breaker().allow(), "the next call may probe: no probe was left taken by the cap");
    }

    @Test
    void backoffCeilingDoublesPerRetryUpToTheCap() {
        World w = abc();
        w.config = RouteFixtures.config(3, 200, 500, 5_000);
        w.dispatchRandom = new RouteFixtures.MaxJitter();
        pa(w).thenFail(unavailable("down")).thenFail(serverError("500")).thenFail(unavailable("down")).thenAnswer("ok");
        Dispatched d = dispatch(w, req("a").build());
        assertEquals("ok", text(d.completion()));
        assertEquals(4, pa(w).callCount());
        assertEquals((200 + 400 + 500) * MS, w.clock.slept(), "ceilings 200, 400, then capped at 500 ms");
        assertEquals(List.of("pa/a=unavailable", "pa/a=unavailable", "pa/a=unavailable", "pa/a=ok"), tried(d.route()));
    }

    @Test
    void retriesExhaustedFailOverToTheNextCandidate() {
        World w = abc();
        w.dispatchRandom = new RouteFixtures.MaxJitter();
        pa(w).always(fail(unavailable("Upstream down")));
        pb(w).thenAnswer("from b");
        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals("from b", text(d.completion()));
        assertEquals("pb/b", d.chosen().id());
        assertEquals(2, pa(w).callCount(), "one try and router.retries = 1 retry");
        assertEquals(200 * MS, w.clock.slept(), "one backoff; failing over does not wait");
        assertEquals(List.of("pa/a=unavailable", "pa/a=unavailable", "pb/b=ok"), tried(d.route()));
        assertEquals(2, w.deployment("a").breaker().failures());
    }

    @Test
    void retriesZeroFailsOverAtOnce() {
        World w = abc();
        w.config = RouteFixtures.config(0);
        pa(w).thenFail(unavailable("down"));
        pb(w).thenAnswer("from b");
        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals(1, pa(w).callCount());
        assertEquals(0, w.clock.slept());
        assertEquals(List.of("pa/a=unavailable", "pb/b=ok"), tried(d.route()));
    }

    // ------------------------------------------------------------------ rate limits

    @Test
    void retryAfterWithinTheCapIsWaitedExactly() {
        World w = abc();
        pa(w).thenFail(rateLimited("Rate limit reached", "retry-after", "2")).thenAnswer("after the wait");
        Dispatched d = dispatch(w, req("a").build());
        assertEquals("after the wait", text(d.completion()));
        assertEquals(2 * S, w.clock.slept());
        assertEquals(2, pa(w).callCount());
        assertEquals(List.of("pa/a=rate_limited", "pa/a=ok"), tried(d.route()));
        assertEquals(0, w.deployment("a").coolingNanos(), "it answered: no cool-down");
        assertEquals(0, w.deployment("a").breaker().failures(), "a rate limit does not charge the breaker");
    }

    @Test
    void retryAfterMsIsWaitedExactly() {
        World w = abc();
        pa(w).thenFail(rateLimited("Rate limit reached", "retry-after-ms", "1500", "retry-after", "2")).thenAnswer("ok");
        dispatch(w, req("a").build());
        assertEquals(1_500 * MS, w.clock.slept());
    }

    @Test
    void retryAfterAboveTheCapFailsOverAtOnceAndCoolsTheDeployment() {
        World w = abc();
        pa(w).thenFail(rateLimited("Rate limit reached", "retry-after", "10")).always(answer("a again"));
        pb(w).always(answer("from b"));
        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals("from b", text(d.completion()));
        assertEquals(0, w.clock.slept(), "10 s is over max_retry_after (5 s): no wait");
        assertEquals(1, pa(w).callCount());
        assertEquals(List.of("pa/a=rate_limited", "pb/b=ok"), tried(d.route()));
        assertEquals(10 * S, w.deployment("a").coolingNanos());

        // The next plan passes it over; so does the next dispatch naming it.
        Plan p = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of("pb/b", "pc/c"), RouteFixtures.ids(p.candidates()));
        assertEquals(List.of("pa/a=rate_limited"), RouteFixtures.skipped(p));
        assertEquals(10 * S, p.skipped().get(0).retryAfterNanos());
        Dispatched next = dispatch(w, req("a").fallbacks("b").build());
        assertEquals(1, pa(w).callCount(), "not called while cooling");
        assertEquals(List.of("pa/a=rate_limited", "pb/b=ok"), tried(next.route()));

        w.clock.advanceMillis(10_000);
        Dispatched later = dispatch(w, req("a").fallbacks("b").build());
        assertEquals("a again", text(later.completion()));
        assertEquals(2, pa(w).callCount());
    }

    @Test
    void aRateLimitOnTheLastRetryCoolsForItsRetryAfter() {
        World w = abc();
        pa(w).always(fail(rateLimited("Rate limit reached", "retry-after", "3")));
        pb(w).thenAnswer("from b");
        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals(3 * S, w.clock.slept(), "waited once (retries = 1)");
        assertEquals(2, pa(w).callCount());
        assertEquals(List.of("pa/a=rate_limited", "pa/a=rate_limited", "pb/b=ok"), tried(d.route()));
        assertEquals(3 * S, w.deployment("a").coolingNanos());
    }

    // ------------------------------------------------------------------ failure classes

    @Test
    void aContextErrorFailsOverOnlyToALargerWindow() {
        World w = abc();
        pa(w).thenFail(contextTooLong(8_000, 9_500));
        pc(w).thenAnswer("from c");
        Dispatched d = dispatch(w, req("a").fallbacks("b", "c").build());
        assertEquals("from c", text(d.completion()));
        assertEquals(1, pa(w).callCount(), "no retry");
        assertEquals(0, pb(w).callCount(), "b's window (8000) is not larger");
        assertEquals(0, w.clock.slept());
        assertEquals(List.of("pa/a=context_too_long", "pb/b=context_too_long", "pc/c=ok"), tried(d.route()));
        assertEquals(0, w.deployment("a").breaker().failures());
    }

    @Test
    void aContextErrorWithNoLargerWindowIsTheCallers400() {
        World w = abc();
        GatewayException upstream = GatewayException.contextTooLong(8_000, 9_500);
        pa(w).thenFail(() -> upstream);
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").fallbacks("b").build()));
        assertSame(upstream, e);
        assertEquals(400, e.httpStatus());
        assertEquals(0, pb(w).callCount());
    }

    @Test
    void aCallerFaultStopsAtOnce() {
        World w = abc();
        GatewayException upstream = GatewayException.invalid("temperature", "temperature must be at most 2");
        pa(w).thenFail(() -> upstream);
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("a").fallbacks("b", "c").build()));
        assertSame(upstream, e);
        assertEquals(1, pa(w).callCount());
        assertEquals(0, pb(w).callCount());
        assertEquals(0, pc(w).callCount());
        assertEquals(0, w.clock.slept());
        assertEquals(0, w.deployment("a").breaker().failures(), "the caller's fault is not the upstream's");
    }

    @Test
    void credentialsFailOverWithoutRetryAndChargeTheBreaker() {
        World w = abc();
        pa(w).always(fail(authFailed("The provider rejected the gateway's API key")));
        pb(w).thenAnswer("from b");
        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals("from b", text(d.completion()));
        assertEquals(1, pa(w).callCount());
        assertEquals(0, w.clock.slept());
        assertEquals(List.of("pa/a=credentials", "pb/b=ok"), tried(d.route()));
        assertEquals(1, w.deployment("a").breaker().failures());
    }

    @Test
    void aRejectedCallFailsOverWithoutRetryOrBreakerCharge() {
        World w = abc();
        pa(w).always(fail(modelNotFound("The model 'a' does not exist")));
        pb(w).thenAnswer("from b");
        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals(1, pa(w).callCount());
        assertEquals(List.of("pa/a=rejected", "pb/b=ok"), tried(d.route()));
        assertEquals(0, w.deployment("a").breaker().failures());
        assertEquals(0, w.clock.slept());
    }

    @Test
    void aCandidateThatCannotTakeTheRequestIsSkippedWhenThereAreOthers() {
        World w = abc();
        w.add(model("notools", "pn").price("0.000001", "0.000001").caps("json", "stream").quality(60));
        pb(w).thenAnswer("from b");
        Map<String, Object> body = parse("{\"model\":\"notools\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]}");
        Dispatched d = dispatch(w, req("notools", body).fallbacks("b").build());
        assertEquals("from b", text(d.completion()));
        assertEquals(0, w.provider("pn").callCount());
        assertEquals(List.of("pn/notools=unsupported", "pb/b=ok"), tried(d.route()));

        // Alone, its capability error is the answer.
        GatewayException e = assertThrows(GatewayException.class, () -> dispatch(w, req("notools", body).build()));
        assertEquals(400, e.httpStatus());
        assertEquals("tools", e.param());
        assertEquals("The model 'notools' does not support tools (its capabilities are: json, stream). Send the request without"
                + " 'tools', or choose a model with tools.", e.getMessage());
    }

    // ------------------------------------------------------------------ circuit breaker

    @Test
    void theBreakerOpensAfterMinRequestsFailuresAndTheNextDispatchSkipsIt() {
        World w = abc();
        w.config = RouteFixtures.config(0);
        pa(w).always(fail(unavailable("Upstream down")));
        pb(w).always(answer("from b"));
        Deployment a = w.deployment("a");
        for (int i = 1; i <= 4; i++) {
            dispatch(w, req("a").fallbacks("b").build());
            assertEquals(CircuitBreaker.State.CLOSED, a.breaker().state(), "after " + i);
        }
        dispatch(w, req("a").fallbacks("b").build());
        assertEquals(CircuitBreaker.State.OPEN, a.breaker().state(), "5 of 5 failed (min_requests 5, 50 %)");
        assertEquals(5, pa(w).callCount());

        Dispatched d = dispatch(w, req("a").fallbacks("b").build());
        assertEquals(5, pa(w).callCount(), "not called while open");
        assertEquals(List.of("pa/a=circuit_open", "pb/b=ok"), tried(d.route()));
        Plan p = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of("pa/a=circuit_open"), RouteFixtures.skipped(p));
    }

    @Test
    void afterTheCooldownOneProbeGoesThroughAndASuccessClosesTheBreaker() {
        World w = abc();
        w.config = RouteFixtures.config(0);
        pa(w).then(fail(unavailable("down"))).then(fail(unavailable("down"))).then(fail(unavailable("down")))
                .then(fail(unavailable("down"))).then(fail(unavailable("down"))).always(answer("a recovered"));
        pb(w).always(answer("from b"));
        for (int i = 0; i < 5; i++) dispatch(w, req("a").fallbacks("b").build());
        Deployment a = w.deployment("a");
        assertEquals(CircuitBreaker.State.OPEN, a.breaker().state());

        w.clock.advanceMillis(29_999);
        dispatch(w, req("a").fallbacks("b").build());
        assertEquals(5, pa(w).callCount(), "cooldown not over");

        w.clock.advanceMillis(1);
        Dispatched probe = dispatch(w, req("a").fallbacks("b").build());
        assertEquals("a recovered", text(probe.completion()));
        assertEquals(6, pa(w).callCount());
        assertEquals(List.of("pa/a=ok"), tried(probe.route()));
        assertEquals(CircuitBreaker.State.CLOSED, a.breaker().state());
    }

    @Test
    void aFailedProbeReopensTheBreaker() {
        World w = abc();
        w.config = RouteFixtures.config(0);
        pa(w).always(fail(unavailable("down")));
        pb(w).always(answer("from b"));
        for (int i = 0; i < 5; i++) dispatch(w, req("a").fallbacks("b").build());
        w.clock.advanceMillis(30_000);
        Dispatched probe = dispatch(w, req("a").fallbacks("b").build());
        assertEquals(6, pa(w).callCount(), "the probe went through");
        assertEquals(List.of("pa/a=unavailable", "pb/b=ok"), tried(probe.route()));
        assertEquals(CircuitBreaker.State.OPEN, w.deployment("a").breaker().state());
        assertEquals(30 * S, w.deployment("a").breaker().retryAfterNanos(), "a fresh cooldown");
        dispatch(w, req("a").fallbacks("b").build());
        assertEquals(6, pa(w).callCount());
    }
}

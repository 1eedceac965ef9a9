package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failover, black-box: deployment A ({@code a-model}) fails in one of the ways the router tells
 * apart, and the request (with {@code "models": ["b-model"]}) is answered by B, as if A had not
 * been there, except for the route explanation; or, for the caller's own faults and streams that
 * already showed content, it is not.
 */
class RoutingFailoverTest extends RoutingTestBase {
    static final String REASON = "the requested model; then the 'models' fallbacks in order";
    static final String B_ANSWER = completion("up-b", "from B");

    /** What A does, and what the router must make of it (with {@code retries: 1}). */
    record Kind(String name, FakeUpstream.Behaviour behaviour, boolean refused, int timeoutMs, int idleMs, int calls,
                List<String> outcomes) {
        @Override public String toString() { return name; }
    }

    static Kind kind(String name, FakeUpstream.Behaviour behaviour, int calls, String... outcomes) {
        return new Kind(name, behaviour, false, 500, 500, calls, List.of(outcomes));
    }

    static final String UA = A + " unavailable";

    /** Failures that look the same on a streamed and a non-streamed request (A fails before any body). */
    static List<Kind> kinds() {
        return List.of(
                kind("503", FakeUpstream.json(503, OVERLOADED), 2, UA, UA),
                kind("500", FakeUpstream.json(500, openAiError("The server had an error.", "server_error", null, null)), 2, UA, UA),
                kind("429 retry-after 30 (over the cap)", jsonWithHeaders(429, RATE_LIMITED, "retry-after", "30"), 1,
                        A + " rate_limited"),
                kind("429 retry-after-ms 60000 (over the cap)", jsonWithHeaders(429, RATE_LIMITED, "retry-after-ms", "60000"), 1,
                        A + " rate_limited"),
                new Kind("timeout", FakeUpstream.delayed(Duration.ofMillis(1500), FakeUpstream.json(200, completion("up-a", "late"))),
                        false, 150, 500, 2, List.of(A + " timeout", A + " timeout")),
                new Kind("connection refused", null, true, 500, 500, 0, List.of(UA, UA)),
                kind("context error (A's window 4096 < B's 16384)", FakeUpstream.json(400, CONTEXT_EXCEEDED), 1, A + " context_too_long"),
                kind("401", FakeUpstream.json(401, openAiError("Incorrect API key provided.", "invalid_request_error", null,
                        "invalid_api_key")), 1, A + " credentials"),
                kind("404 model", FakeUpstream.json(404, openAiError("The model does not exist.", "invalid_request_error", null,
                        "model_not_found")), 1, A + " rejected"),
                kind("402", FakeUpstream.json(402, openAiError("Billing hard limit reached.", "billing_error", null, null)), 1,
                        A + " rejected"));
    }

    /** Failures only a stream has, before its first content. */
    static List<Kind> streamKinds() {
        return List.of(
                kind("stream breaks after the role chunk", FakeUpstream.sse(data(roleChunk("up-a")))
                        .delayEnd(Duration.ofMillis(30)).end(FakeUpstream.End.ABORT), 2, A + " broken_stream", A + " broken_stream"),
                kind("stream reports overloaded after the role chunk", FakeUpstream.sse(data(roleChunk("up-a")),
                        data("{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}")), 2, UA, UA),
                kind("stream request answered with JSON", FakeUpstream.json(200, completion("up-a", "json")), 2, UA, UA),
                kind("stream ends without [DONE] after the role chunk", FakeUpstream.sse(data(roleChunk("up-a"))), 2,
                        A + " broken_stream", A + " broken_stream"),
                new Kind("stream silent past the idle timeout", streamAnswer("up-a", "late").delayFirst(Duration.ofMillis(1500)),
                        false, 500, 150, 2, List.of(A + " timeout", A + " timeout")));
    }

    /** Failures only a non-streamed call has. */
    static List<Kind> plainKinds() {
        return List.of(
                kind("200 that is not a completion", FakeUpstream.json(200, "{\"hello\":\"world\"}"), 2, UA, UA),
                new Kind("body stalls past the idle timeout", FakeUpstream.stallingJson(200, completion("up-a", "late"),
                        Duration.ofMillis(1500)), false, 500, 150, 2, List.of(A + " timeout", A + " timeout")));
    }

    static Stream<Arguments> failovers() {
        List<Arguments> out = new ArrayList<>();
        for (Kind k : plainKinds()) out.add(Arguments.of(k, false));
        for (Kind k : kinds()) {
            out.add(Arguments.of(k, false));
            out.add(Arguments.of(k, true));
        }
        for (Kind k : streamKinds()) out.add(Arguments.of(k, true));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, stream {1}")
    @MethodSource("failovers")
    void aFails_bAnswers_andTheRouteSaysWhatHappened(Kind k, boolean stream) throws Exception {
        if (!k.refused()) a.respondWith(k.behaviour());
        b.respondWith(stream ? streamAnswer("up-b", "from B") : FakeUpstream.json(200, B_ANSWER));
        start(ROUTER, "[]", k.refused() ? closedUrl() : a.url(), k.timeoutMs(), k.idleMs());

        HttpResponse<String> r = stream ? postStream(chat("a-model", true, "b-model"), "fo-1")
                : post(chat("a-model", false, "b-model"), "fo-1");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(stream ? "text/event-stream" : "application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(B, route(r));
        List<String> tried = new ArrayList<>(k.outcomes());
        tried.add(B + " ok");
        Map<String, Object> ext = stream ? streamExtension(r.body()) : extension(r.body());
        String routeJson = expectedRoute(ext, B, "b-model", REASON, tried.toArray(String[]::new));
        String expected = stream ? expectedStream("up-b", "from B", "a-model", ext, "fo-1", routeJson)
                : expectedCompletion(B_ANSWER, "up-b", "a-model", ext, "fo-1", routeJson, B_COST, B_COST);
        assertEquals(expected, r.body());
        if (!k.refused()) assertEquals(k.calls(), a.requests().size(), "requests A received");
        assertEquals(1, b.requests().size(), "requests B received");
        String upstreamBody = "{\"model\":\"up-b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}" : "}");
        assertEquals(upstreamBody, b.requests().get(0).bodyText(), "what B was asked ('models' is the gateway's)");
        if (stream) assertEquals(1, count(r.body(), "\"tollgate\""), r.body());
    }

    @ParameterizedTest(name = "stream {0}")
    @ValueSource(booleans = {false, true})
    void rateLimitedOverTheCap_aCoolsDown_theNextRequestDoesNotCallA(boolean stream) throws Exception {
        a.respondWith(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "30"));
        b.respondWith(stream ? streamAnswer("up-b", "from B") : FakeUpstream.json(200, B_ANSWER));
        start(ROUTER);
        String request = chat("a-model", stream, "b-model");
        HttpResponse<String> first = stream ? postStream(request, "rl-1") : post(request, "rl-1");
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(1, a.requests().size());

        HttpResponse<String> second = stream ? postStream(request, "rl-2") : post(request, "rl-2");

        assertEquals(200, second.statusCode(), second.body());
        assertEquals(B, route(second));
        assertEquals(1, a.requests().size(), "A was called while cooling down");
        assertEquals(2, b.requests().size());
        Map<String, Object> ext = stream ? streamExtension(second.body()) : extension(second.body());
        String routeJson = expectedRoute(ext, B, "b-model", REASON, A + " rate_limited", B + " ok");
        assertEquals(0, ms(ext, 0), "A was not called, so its attempt took no time");
        assertEquals(stream ? expectedStream("up-b", "from B", "a-model", ext, "rl-2", routeJson)
                : expectedCompletion(B_ANSWER, "up-b", "a-model", ext, "rl-2", routeJson, B_COST, B_COST), second.body());
        Map<String, Object> health = health(A);
        long coolingMs = Long.parseLong(health.get("rate_limited_for_ms").toString());
        assertTrue(coolingMs > 25_000 && coolingMs <= 30_000, health.toString());
    }

    @ParameterizedTest(name = "stream {0}")
    @ValueSource(booleans = {false, true})
    void rateLimitedWithAShortRetryAfter_isRetriedOnA_whichThenAnswers(boolean stream) throws Exception {
        String aAnswer = completion("up-a", "from A");
        a.respondWith(sequence(jsonWithHeaders(429, RATE_LIMITED, "retry-after", "0"),
                stream ? streamAnswer("up-a", "from A") : FakeUpstream.json(200, aAnswer)));
        b.respondWith(FakeUpstream.json(500, "{}"));
        start(ROUTER);

        HttpResponse<String> r = stream ? postStream(chat("a-model", true, "b-model"), "ra-0")
                : post(chat("a-model", false, "b-model"), "ra-0");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(A, route(r));
        assertEquals(2, a.requests().size());
        assertEquals(0, b.requests().size());
        Map<String, Object> ext = stream ? streamExtension(r.body()) : extension(r.body());
        String routeJson = expectedRoute(ext, A, "a-model", REASON, A + " rate_limited", A + " ok");
        assertEquals(stream ? expectedStream("up-a", "from A", "a-model", ext, "ra-0", routeJson)
                : expectedCompletion(aAnswer, "up-a", "a-model", ext, "ra-0", routeJson, A_COST, "0"), r.body());
        assertFalse(health(A).containsKey("rate_limited_for_ms"), "a retry-after of 0 leaves nothing to cool down");
    }

    @Test
    void rateLimitedWithRetryAfterMsUnderTheCap_waitsThatLongThenRetriesA_withoutAFallbackList() throws Exception {
        String aAnswer = completion("up-a", "from A");
        a.respondWith(sequence(jsonWithHeaders(429, RATE_LIMITED, "retry-after-ms", "40"), FakeUpstream.json(200, aAnswer)));
        start(ROUTER);

        long t0 = System.nanoTime();
        HttpResponse<String> r = post(chat("a-model", false), "ra-40");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(200, r.statusCode(), r.body());
        assertTrue(tookMs >= 40, "retried after " + tookMs + " ms, before the upstream's 40 ms");
        Map<String, Object> ext = extension(r.body());
        // One model, but retried: the route explains the retry.
        String routeJson = expectedRoute(ext, A, "a-model", "the requested model", A + " rate_limited", A + " ok");
        assertEquals(expectedCompletion(aAnswer, "up-a", "a-model", ext, "ra-40", routeJson, A_COST, "0"), r.body());
    }

    @Test
    void oneModelAnsweringAtOnce_hasNoRouteButTheHeader() throws Exception {
        String aAnswer = completion("up-a", "from A");
        a.respondWith(FakeUpstream.json(200, aAnswer));
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false), "plain");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(A, route(r));
        Map<String, Object> ext = extension(r.body());
        assertNull(ext.get("route"));
        assertEquals(expectedCompletion(aAnswer, "up-a", "a-model", ext, "plain", null, A_COST, "0"), r.body());
    }

    // ------------------------------------------------------------------ context windows

    @Test
    void contextError_skipsAnEqualWindow_andFailsOverToTheLargerOne() throws Exception {
        a.respondWith(FakeUpstream.json(400, CONTEXT_EXCEEDED));
        c.respondWith(FakeUpstream.json(200, completion("up-c", "from C")));
        b.respondWith(FakeUpstream.json(200, B_ANSWER));
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "c-model", "b-model"), "ctx-1");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(B, route(r));
        Map<String, Object> ext = extension(r.body());
        String routeJson = expectedRoute(ext, B, "b-model", REASON, A + " context_too_long", C + " context_too_long", B + " ok");
        assertEquals(0, ms(ext, 1), "C was passed over, not called");
        assertEquals(expectedCompletion(B_ANSWER, "up-b", "a-model", ext, "ctx-1", routeJson, B_COST, B_COST), r.body());
        assertEquals(1, a.requests().size());
        assertEquals(0, c.requests().size(), "C's window is no larger than A's");
        assertEquals(1, b.requests().size());
    }

    @Test
    void contextError_withOnlyAnEqualWindowLeft_isTheCallersContextError() throws Exception {
        a.respondWith(FakeUpstream.json(400, CONTEXT_EXCEEDED));
        c.respondWith(FakeUpstream.json(200, completion("up-c", "from C")));
        start(ROUTER);

        HttpResponse<String> r = post(chat("a-model", false, "c-model"), "ctx-2");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("This request exceeds the model's context window of 4096 tokens. Your request contains approximately "
                + "5000 tokens.", "invalid_request_error", "messages", 400), r.body());
        assertEquals(1, a.requests().size());
        assertEquals(0, c.requests().size());
    }

    // ------------------------------------------------------------------ the caller's fault

    @ParameterizedTest(name = "stream {0}")
    @ValueSource(booleans = {false, true})
    void callerFault_isTheClientsError_andNoOtherDeploymentIsCalled(boolean stream) throws Exception {
        a.respondWith(FakeUpstream.json(400, openAiError("Invalid 'temperature': decimal above maximum value.",
                "invalid_request_error", "temperature", "decimal_above_max_value")));
        b.respondWith(stream ? streamAnswer("up-b", "from B") : FakeUpstream.json(200, B_ANSWER));
        start(ROUTER);

        HttpResponse<String> r = stream ? postStream(chat("a-model", true, "b-model"), "cf")
                : post(chat("a-model", false, "b-model"), "cf");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Provider 'pa' rejected the request (HTTP 400): Invalid 'temperature': decimal above maximum value.",
                "invalid_request_error", "temperature", 400), r.body());
        assertEquals(1, a.requests().size(), "a caller fault is not retried");
        assertEquals(0, b.requests().size(), "a caller fault does not fail over");
    }

    // ------------------------------------------------------------------ streams after their first content

    @Test
    void streamBreakingAfterContent_endsWithAnErrorEvent_andBIsNeverCalled() throws Exception {
        String role = roleChunk("up-a");
        String text = textChunk("up-a", "Hel");
        // The pauses let the chunks reach the gateway before the connection drops.
        a.respondWith(FakeUpstream.sse(data(role), data(text)).delayBetween(Duration.ofMillis(30))
                .delayEnd(Duration.ofMillis(150)).end(FakeUpstream.End.ABORT));
        b.respondWith(streamAnswer("up-b", "from B"));
        start(ROUTER);

        HttpResponse<String> r = postStream(chat("a-model", true, "b-model"), "late-break");

        assertEquals(200, r.statusCode(), r.body());
        String body = r.body();
        Map<String, Object> ext = streamExtension(body);
        String routeJson = expectedRoute(ext, A, "a-model", REASON, A + " ok");
        String prefix = data(withExtension(relayed(role, "up-a", "a-model"), ext, "late-break", routeJson))
                + data(relayed(text, "up-a", "a-model"));
        assertTrue(body.startsWith(prefix), body);
        String rest = body.substring(prefix.length());
        assertTrue(rest.startsWith("data: {\"error\":{") && rest.endsWith("}}\n\n"), rest);
        assertEquals(1, rest.split("\n\n").length, rest);
        Map<String, Object> error = obj(obj(rest.substring("data: ".length(), rest.length() - 2)).get("error"));
        assertTrue(((String) error.get("message")).startsWith("Provider 'pa' stream broke off"), error.toString());
        assertEquals("upstream_error", error.get("type"));
        assertEquals("502", error.get("code").toString());
        assertFalse(body.contains("[DONE]"), body);
        assertFalse(body.contains("from B"), body);
        assertEquals(1, a.requests().size(), "no retry after content reached the client");
        assertEquals(0, b.requests().size(), "no failover after content reached the client");
    }

    @Test
    void streamBreakingBeforeContent_theClientSeesOnlyBsChunks() throws Exception {
        a.respondWith(FakeUpstream.sse(data(roleChunk("up-a"))).delayEnd(Duration.ofMillis(30)).end(FakeUpstream.End.ABORT));
        b.respondWith(streamAnswer("up-b", "from B"));
        start(ROUTER);

        HttpResponse<String> r = postStream(chat("a-model", true, "b-model"), "early-break");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(B, route(r));
        String body = r.body();
        assertFalse(body.contains("chatcmpl-s-up-a"), "one of A's chunks reached the client: " + body);
        assertEquals(1, count(body, "\"tollgate\""), body);
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
        List<String> events = GatewayHarness.sseData(body);
        assertEquals(4, events.size(), body);
        assertTrue(obj(events.get(0)).containsKey("tollgate"), events.get(0));
        assertEquals(A + " broken_stream", tried(streamExtension(body), 0));
    }

    static String tried(Map<String, Object> ext, int i) {
        Map<String, Object> t = obj(GatewayHarness.list(obj(ext.get("route")).get("tried")).get(i));
        return t.get("deployment") + " " + t.get("outcome");
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A stream fails over until its first content, and heartbeats are not content: pings that went
 * out while A was failing do not stop the failover, and when every candidate fails after them
 * the error arrives as an SSE error event (the 200 is already committed).
 */
class RoutingStreamGateTest extends RoutingTestBase {
    static final String PING = ": ping\n\n";
    static final String REASON = RoutingFailoverTest.REASON;

    @Test
    void pingsBeforeTheFailover_doNotCount_theClientGetsBsStream() throws Exception {
        server = "{\"access_log\": false, \"heartbeat_ms\": 20}";
        a.respondWith(FakeUpstream.delayed(Duration.ofMillis(120), FakeUpstream.json(503, OVERLOADED)));
        b.respondWith(streamAnswer("up-b", "from B"));
        start(ROUTER);

        HttpResponse<String> r = postStream(chat("a-model", true, "b-model"), "hb-fo");

        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith(PING), "no ping before the first chunk: " + r.body());
        String body = r.body().replace(PING, "");
        Map<String, Object> ext = streamExtension(body);
        String routeJson = expectedRoute(ext, B, "b-model", REASON, A + " unavailable", A + " unavailable", B + " ok");
        assertEquals(expectedStream("up-b", "from B", "a-model", ext, "hb-fo", routeJson), body);
        assertEquals(2, a.requests().size());
        assertEquals(1, b.requests().size());
    }

    @Test
    void pingsThenEveryCandidateFails_isOneErrorEventAndNoDone() throws Exception {
        server = "{\"access_log\": false, \"heartbeat_ms\": 20}";
        a.respondWith(FakeUpstream.delayed(Duration.ofMillis(60), FakeUpstream.json(503, OVERLOADED)));
        b.respondWith(FakeUpstream.delayed(Duration.ofMillis(60), jsonWithHeaders(429, RATE_LIMITED, "retry-after", "7")));
        start(ROUTER);

        HttpResponse<String> r = postStream(chat("a-model", true, "b-model"), "hb-ex");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(r.body().startsWith(PING), r.body());
        String a503 = A + ": unavailable — Provider 'pa' is unavailable or overloaded (HTTP 503): The engine is currently overloaded.";
        assertEquals(data(errorJson("No deployment could serve the request: " + a503 + "; " + B
                + ": rate limited (retry after 7 s).",
                "service_unavailable", "model", 503)), r.body().replace(PING, ""));
    }

    @Test
    void withoutPings_everyCandidateFailingOnAStream_isARealHttpError() throws Exception {
        a.respondWith(FakeUpstream.json(503, OVERLOADED));
        b.respondWith(FakeUpstream.sse(data(roleChunk("up-b"))).delayEnd(Duration.ofMillis(20)).end(FakeUpstream.End.ABORT));
        start(ROUTER);

        HttpResponse<String> r = postStream(chat("a-model", true, "b-model"), "ex-s");

        assertEquals(503, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        String message = (String) GatewayHarness.obj(GatewayHarness.obj(r.body()).get("error")).get("message");
        String a503 = A + ": unavailable — Provider 'pa' is unavailable or overloaded (HTTP 503): The engine is currently overloaded.";
        assertTrue(message.startsWith("No deployment could serve the request: " + a503 + "; " + B + ": broken stream — "
                + "Provider 'pb' stream broke off"), message);
        assertEquals(errorJson(message, "service_unavailable", "model", 503), r.body());
        assertEquals(2, b.requests().size());
    }

    @Test
    void anEmptyButCompleteStream_isRelayedAsItIs_withoutFailingOver() throws Exception {
        // No content at all, but a clean end: that is the upstream's answer, not a failure.
        a.respondWith(FakeUpstream.sse(data(roleChunk("up-a")), data(stopChunk("up-a")), FakeUpstream.DONE));
        b.respondWith(streamAnswer("up-b", "from B"));
        start(ROUTER);

        HttpResponse<String> r = postStream(chat("a-model", true, "b-model"), "empty");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(A, route(r));
        Map<String, Object> ext = streamExtension(r.body());
        String routeJson = expectedRoute(ext, A, "a-model", REASON, A + " ok");
        assertEquals(data(withExtension(relayed(roleChunk("up-a"), "up-a", "a-model"), ext, "empty", routeJson))
                + data(relayed(stopChunk("up-a"), "up-a", "a-model")) + FakeUpstream.DONE, r.body());
        assertEquals(0, b.requests().size());
    }
}

package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.ChatStreamTest.C1;
import static tollgate.gateway.ChatStreamTest.C2;
import static tollgate.gateway.ChatStreamTest.executionId;
import static tollgate.gateway.ChatStreamTest.relayed;
import static tollgate.gateway.ChatStreamTest.withExtension;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An upstream stream that fails: after the first chunk the client gets the chunks so far, then
 * one error event in OpenAI's shape, and no {@code [DONE]} (so that no client takes a broken
 * stream for a complete one); before the first chunk it gets a real HTTP error.
 */
class StreamFailuresTest extends GatewayTestBase {

    /** The client's whole body; reading it fails if the gateway broke the HTTP framing itself. */
    String streamBody() throws Exception {
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", chat("gpt-4o-mini", true), "x-request-id", "sf-1");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        return GatewayHarness.readAll(r.body());
    }

    String twoChunks(String body) {
        return data(withExtension(relayed(C1, false), executionId(body), "sf-1")) + data(relayed(C2, false));
    }

    @Test
    void upstreamCutMidStream_givesTheChunksSoFarThenA502ErrorEventAndNoDone() throws Exception {
        // The pause lets the chunks reach the gateway before the connection drops: java.net.http
        // discards body bytes still queued when it learns of a broken connection.
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2)).delayBetween(Duration.ofMillis(50))
                .delayEnd(Duration.ofMillis(200)).end(FakeUpstream.End.ABORT));

        String body = streamBody();

        String prefix = twoChunks(body);
        assertTrue(body.startsWith(prefix), body);
        String rest = body.substring(prefix.length());
        assertTrue(rest.startsWith("data: {\"error\":{") && rest.endsWith("}}\n\n"), rest);
        Map<String, Object> error = obj(obj(rest.substring("data: ".length(), rest.length() - 2)).get("error"));
        assertTrue(((String) error.get("message")).startsWith("Provider 'openai' stream broke off"), error.toString());
        assertEquals("upstream_error", error.get("type"));
        assertEquals(null, error.get("param"));
        assertEquals("502", error.get("code").toString());
        assertEquals(1, rest.split("\n\n").length, rest);
        assertFalse(body.contains("[DONE]"));
    }

    @Test
    void upstreamEndingWithoutDone_givesA502ErrorEventAndNoDone() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2)));

        String body = streamBody();

        assertEquals(twoChunks(body) + data(errorJson("Provider 'openai' stream ended without its end-of-stream event", "upstream_error", null, 502)),
                body);
    }

    @Test
    void upstreamErrorEventMidStream_isPassedOnAsAnErrorEvent() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2),
                data("{\"error\":{\"message\":\"Internal error while generating\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"),
                data(C2), DONE));

        String body = streamBody();

        assertEquals(twoChunks(body) + data(errorJson("Provider 'openai' reported an error: Internal error while generating",
                "upstream_error", null, 502)), body);
    }

    @Test
    void upstreamOverloadedEventMidStream_isA503ErrorEvent() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2),
                "event: error\ndata: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}\n\n", DONE));

        String body = streamBody();

        assertEquals(twoChunks(body) + data(errorJson("Provider 'openai' reported an error: Overloaded",
                "service_unavailable", null, 503)), body);
    }

    @Test
    void upstreamGarbageEventMidStream_isA502ErrorEvent() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2), data("{not json"), DONE));

        String body = streamBody();

        assertEquals(twoChunks(body) + data(errorJson("Provider 'openai' sent a stream event that is not a JSON object",
                "upstream_error", null, 502)), body);
    }

    @Test
    void upstream500BeforeFirstChunk_isARealHttp502() throws Exception {
        upstream.respondWith(FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", true));

        assertEquals(502, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("Provider 'openai' failed (HTTP 500): boom", "upstream_error", null, 502), r.body());
    }

    @Test
    void upstreamEmptyStream_isARealHttp502() throws Exception {
        upstream.respondWith(FakeUpstream.sse());

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", true));

        assertEquals(502, r.statusCode());
        assertEquals(errorJson("Provider 'openai' stream ended without its end-of-stream event", "upstream_error", null, 502), r.body());
    }

    @Test
    void upstreamAnsweringAStreamWithJson_isARealHttp502() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", true));

        assertEquals(502, r.statusCode());
        assertEquals(errorJson("Provider 'openai' answered a stream request with something other than text/event-stream",
                "upstream_error", null, 502), r.body());
    }

    @Test
    void gatewayKeepsServingAfterABrokenStream() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2)).delayEnd(Duration.ofMillis(100)).end(FakeUpstream.End.ABORT));
        streamBody();
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));

        assertEquals(200, gw.post("/v1/chat/completions", chat("gpt-4o-mini", false)).statusCode());
    }
}

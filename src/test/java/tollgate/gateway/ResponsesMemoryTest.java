package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;
import tollgate.provider.SseEvent;

/**
 * A streamed Responses answer gathers its text for {@code output_text.done} and
 * {@code response.completed}, so what it holds grows with what the upstream sends: it is held in
 * the gateway's one memory budget as it grows, and an upstream that talks past it ends the stream
 * as {@code response.failed} with the full budget's message, not with the heap.
 */
class ResponsesMemoryTest extends GatewayTestBase {
    /** The budget: far below the 2 × 4,000,000 bytes the streamed text below would hold. */
    static final long BUDGET = 4_000_000;
    static final int CHUNKS = 2000;
    static final int CHUNK_CHARS = 2000;

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).server("memory_budget_bytes", BUDGET).start();
    }

    @Test
    void anUpstreamTalkingPastTheBudget_endsTheStreamAsResponseFailed() throws Exception {
        String piece = "x".repeat(CHUNK_CHARS);
        List<String> events = new ArrayList<>();
        events.add(FakeUpstream.data(ChatStreamTest.C1));
        for (int i = 0; i < CHUNKS; i++) events.add(FakeUpstream.data(ChatStreamTest.chunk("{\"content\":\"" + piece + "\"}", "null")));
        events.add(FakeUpstream.data(ChatStreamTest.C4));
        events.add(FakeUpstream.DONE);
        upstream.respondWith(FakeUpstream.sse(events.toArray(String[]::new)));

        HttpResponse<InputStream> r = gw.postStream("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\",\"stream\":true}");
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow().split(";")[0]);
        List<SseEvent> got = ResponsesGatewayTest.events(GatewayHarness.readAll(r.body()));
        SseEvent last = got.get(got.size() - 1);
        assertEquals("response.failed", last.event());
        Map<?, ?> resp = (Map<?, ?>) ((Map<?, ?>) Json.parse(last.text())).get("response");
        assertEquals("failed", resp.get("status"));
        assertEquals("{\"code\":\"server_error\",\"message\":\"The gateway is busy (its memory for requests in flight is in use); "
                + "retry in 1 second.\"}", Json.toString(resp.get("error")));

        // The stream's hold was given back at its end: a small answer is served in full.
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
        HttpResponse<String> ok = gw.post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\"}");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("application/json", ok.headers().firstValue("content-type").orElseThrow());
        assertEquals("completed", ((Map<?, ?>) Json.parse(ok.body())).get("status"));
    }
}

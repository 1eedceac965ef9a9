package tollgate.gateway;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/**
 * The agent loop as one SSE stream: the text of each model call as it arrives, tool call deltas
 * kept back, progress chunks between steps, the end as the outcome says; and a client that
 * leaves mid-loop stops it.
 */
class AgentStreamTest extends AgentTestBase {
    final CountDownLatch stuckStarted = new CountDownLatch(1);
    final CountDownLatch stuckCancelled = new CountDownLatch(1);
    final TestTool lookup = new TestTool("lookup", call -> ToolOutput.ok("42"));
    final TestTool stuck = new TestTool("stuck", call -> {
        CountDownLatch cancelled = new CountDownLatch(1);
        call.cancellation().onCancel(cancelled::countDown);
        stuckStarted.countDown();
        try {
            if (cancelled.await(20, SECONDS)) stuckCancelled.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new ToolOutput("stopped", ToolOutput.Outcome.CANCELLED, 0);
    });

    @Override
    List<GatewayTool> tools() { return List.of(lookup, stuck); }

    static Map<String, Object> stepOf(String event) {
        return obj(obj(obj(event).get("tollgate")).get("step"));
    }

    @Test
    void aToolStepThenTheAnswer_streamAsOneCompletion() throws Exception {
        upstream.respondWith(turns(streamedToolCall("chatcmpl-s1", "call_l", "lookup", "{\"q\":\"answer\"}"),
                streamedText("chatcmpl-s2", "Hel", "lo")));

        var response = gw.postStream("/v1/chat/completions", ask(gatewayTool("lookup"), "\"stream\":true"));
        String text = readStream(response);

        assertEquals(200, response.statusCode());
        assertEquals("openai/gpt-4o-mini-2024-07-18", response.headers().firstValue("x-tollgate-route").orElseThrow());
        List<String> events = sseData(text);
        assertEquals(8, events.size(), text);
        Map<String, Object> first = obj(events.get(0));
        String head = "{\"id\":\"" + first.get("id") + "\",\"object\":\"chat.completion.chunk\",\"created\":" + first.get("created")
                + ",\"model\":\"gpt-4o-mini\",";
        Map<String, Object> ids = obj(first.get("tollgate"));
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"logprobs\":null,"
                + "\"finish_reason\":null}],\"tollgate\":" + Json.toString(ids) + "}", events.get(0));
        assertEquals(List.of("execution_id", "request_id"), List.copyOf(ids.keySet()));
        assertEquals("model", stepOf(events.get(1)).get("type"));
        assertEquals("tool_calls", stepOf(events.get(1)).get("finish_reason"));
        assertEquals(head + "\"choices\":[],\"tollgate\":{\"step\":{\"type\":\"tool\",\"tool\":\"lookup\",\"call_id\":\"call_l\","
                + "\"duration_ms\":" + stepOf(events.get(2)).get("duration_ms") + ",\"outcome\":\"ok\",\"credits\":0}}}", events.get(2));
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"logprobs\":null,\"finish_reason\":null}]}",
                events.get(3));
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"logprobs\":null,\"finish_reason\":null}]}",
                events.get(4));
        assertEquals("stop", stepOf(events.get(5)).get("finish_reason"));
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}", events.get(6));
        assertEquals("[DONE]", events.get(7));
        // The model's second call got the tool's result; both calls were streamed upstream.
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"call_l\",\"content\":\"42\"}", Json.toString(messages(upstream.requests().get(1)).get(2)));
        assertEquals("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call("call_l", "lookup", "{\"q\":\"answer\"}") + "]}",
                Json.toString(messages(upstream.requests().get(1)).get(1)));
        for (FakeUpstream.Received r : upstream.requests()) assertEquals(Boolean.TRUE, obj(r.bodyText()).get("stream"));
        assertEquals(2, ledger().size());
    }

    @Test
    void clientToolCalls_endTheStreamAsOneDelta_withUsageWhenAsked() throws Exception {
        upstream.respondWith(turns(streamedToolCall("chatcmpl-s1", "call_w", "get_weather", "{\"city\":\"Oslo\"}")));

        String text = readStream(gw.postStream("/v1/chat/completions", ask(gatewayTool("lookup") + ","
                + clientFunction("get_weather"), "\"stream\":true,\"stream_options\":{\"include_usage\":true}")));

        List<String> events = sseData(text);
        assertEquals(5, events.size(), text);
        Map<String, Object> first = obj(events.get(0));
        String head = "{\"id\":\"" + first.get("id") + "\",\"object\":\"chat.completion.chunk\",\"created\":" + first.get("created")
                + ",\"model\":\"gpt-4o-mini\",";
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_w\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":" + Json.toString("{\"city\":\"Oslo\"}") + "}}]},"
                + "\"finish_reason\":\"tool_calls\"}]}", events.get(2));
        Map<String, Object> usage = obj(events.get(3));
        assertEquals("{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}", Json.toString(usage.get("usage")));
        Map<String, Object> ext = obj(usage.get("tollgate"));
        assertEquals(first.get("tollgate") instanceof Map<?, ?> m ? m.get("execution_id") : null, ext.get("execution_id"));
        assertEquals(1L, ((tollgate.json.JsonNumber) ext.get("credits_charged")).longValue());
        assertEquals(1, list(ext.get("steps")).size());
        assertEquals("[DONE]", events.get(4));
    }

    @Test
    void aClientLeavingMidLoop_cancelsTheRunningTool_andNoFurtherModelCallIsMade() throws Exception {
        gw.close();
        gw = builder(upstream).server("heartbeat_ms", 50).start(); // how a silent stream notices its client left
        upstream.respondWith(turns(streamedToolCall("chatcmpl-s1", "call_s", "stuck", "{}"), streamedText("chatcmpl-s2", "never")));

        try (RawHttp raw = gw.raw()) {
            raw.post("/v1/chat/completions", ask(gatewayTool("stuck"), "\"stream\":true"), "Authorization: " + AUTH);
            RawHttp.Head head = raw.readHead();
            assertEquals(200, head.status());
            assertEquals("text/event-stream", head.header("content-type"));
            String event;
            do {
                event = raw.readEvent();
            } while (event != null && event.startsWith(":"));
            assertTrue(event != null && event.contains("\"role\":\"assistant\""), event);
            assertTrue(stuckStarted.await(10, SECONDS));
        } // the client goes away while the tool runs

        assertTrue(stuckCancelled.await(10, SECONDS), "the tool was told the run is cancelled");
        assertEquals(1, upstream.requests().size());
        var records = ledger();
        assertEquals(1, records.size(), "the model call made was recorded");
        assertEquals(200, records.get(0).status());
    }

    @Test
    void aFailingModelCallAfterText_endsTheStreamWithAnErrorEvent() throws Exception {
        upstream.respondWith(turns(FakeUpstream.sse(
                FakeUpstream.data(chunk("chatcmpl-s1", "{\"role\":\"assistant\",\"content\":\"Let me look.\"}", "null")),
                FakeUpstream.data(chunk("chatcmpl-s1", "{\"tool_calls\":[{\"index\":0,\"id\":\"call_l\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"lookup\",\"arguments\":\"{}\"}}]}", "null")),
                FakeUpstream.data(chunk("chatcmpl-s1", "{}", "\"tool_calls\"")),
                FakeUpstream.data(usageChunk("chatcmpl-s1")), FakeUpstream.DONE), status(500)));

        String text = readStream(gw.postStream("/v1/chat/completions", ask(gatewayTool("lookup"), "\"stream\":true")));

        List<String> events = sseData(text);
        assertEquals("Let me look.", obj(obj(list(obj(events.get(0)).get("choices")).get(0)).get("delta")).get("content"));
        String last = events.get(events.size() - 1);
        assertTrue(obj(last).containsKey("error"), text);
        assertTrue(events.stream().noneMatch("[DONE]"::equals), "a broken stream never looks complete");
        assertEquals("tool", stepOf(events.get(events.size() - 2)).get("type"), "the failed call is told by the error alone");
        assertEquals(502L, ((tollgate.json.JsonNumber) obj(obj(last).get("error")).get("code")).longValue());
    }
}
